"""The documentation's links and section references lead somewhere.

Reads the source tree only (no broker, no build):
  * every relative link [text](path) of the Markdown documents names a file or directory of the
    repository, and an anchor after it (path.md#section) a heading of that file;
  * every in-page link [text](#section) names a heading of its own file, by GitHub's anchor
    rules: the heading's text in lower case, spaces made '-', punctuation other than '-' and
    '_' dropped, '-1', '-2' ... appended to repeated headings;
  * every README section that another file of the repository cites (in scripts, packaging, the
    example configurations, comments: README, then the heading in double quotes, with or without
    a comma) is a heading of that README, and so is every section README.md itself sends the
    reader to with see "..." or under "...".
"""
import glob
import os
import re
import unittest
import urllib.parse

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOCUMENTS = ["README.md", "RELIABILITY.md", "BENCHMARKS.md", "fuzz/README.md", "bench/codec/README.md",
             "tests/integration/README.md"]
# Files whose comments and messages cite README sections.
CITING = ["scripts/*.sh", "packaging/*", "conf/*", ".ci/*", "CMakeLists.txt", "*/CMakeLists.txt",
          "include/**/*.h", "plugin/**/*.cpp", "plugin/**/*.h", "plugin/**/*.proto", "tests/**/*.py",
          "tests/**/*.cpp", "tests/**/*.sh", "fuzz/**/*", "bench/**/*"] + DOCUMENTS
SELF = os.path.abspath(__file__)

FENCE = re.compile(r"^ {0,3}(```|~~~)")
# [text](target) and ![alt](target); the text may hold one level of brackets, the target an
# optional "title". Reference definitions: [label]: target.
INLINE_LINK = re.compile(r"!?\[((?:[^\[\]]|\[[^\]]*\])*)\]\(\s*<?([^()\s<>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"(?m)^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+\"[^\"]*\")?\s*$")
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:|^//")
# README, "Section" / README "Section" / README.md "Section" / fuzz/README.md "Section".
CITATION = re.compile(r"(?<![\w/.-])((?:[\w.-]+/)*README(?:\.md)?)(?:,\s*|\s+)[\"\u201c]([^\"\u201d]{1,100})[\"\u201d]")
# README.md's own references to its sections: see "Direct messages", below under "Install from source".
SELF_CITATION = re.compile(r"\b(?:see|under)\s+\"([^\"]{1,100})\"")
# Comment leaders stripped before joining a file's lines, so a citation may run over two lines.
COMMENT_LEADER = re.compile(r"^\s*(?:#+|//+|/?\*+/?|\.\\\"|;+|--)?\s?")


def read(rel):
    with open(os.path.join(REPO_ROOT, rel), encoding="utf-8") as f:
        return f.read()


def prose(text):
    """The Markdown text with fenced code blocks blanked (line numbers stay) and inline code
    spans emptied (a link inside a code span is no link; [`path`](path) keeps its brackets)."""
    out, fenced = [], None
    for line in text.splitlines():
        m = FENCE.match(line)
        if m:
            fenced = None if fenced == m.group(1) else (fenced or m.group(1))
            out.append("")
        else:
            out.append("" if fenced else re.sub(r"(`+)(?:(?!\1).)+?\1", "``", line))
    return "\n".join(out)


def heading_texts(text):
    """The text of each ATX heading (# ... to ######), outside fenced code, markup removed."""
    texts, fenced = [], None
    for line in text.splitlines():
        m = FENCE.match(line)
        if m:
            fenced = None if fenced == m.group(1) else (fenced or m.group(1))
            continue
        m = re.match(r"^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$", line)
        if m and not fenced:
            heading = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", m.group(1))  # a link keeps its text
            heading = re.sub(r"<[^>]+>", "", heading).replace("`", "")
            texts.append(re.sub(r"(\*+|(?<!\w)_+|_+(?!\w))", "", heading).strip())
    return texts


def github_slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation but '-' and '_' dropped (letters and
    digits of any script stay), each space made '-'."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(text):
    """Every anchor of a Markdown file: its headings' slugs (repeats get -1, -2 ...) and explicit
    <a id=...> / <a name=...>."""
    found, seen = set(), {}
    for heading in heading_texts(text):
        slug = github_slug(heading)
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        found.add(slug if n == 0 else "%s-%d" % (slug, n))
    found.update(re.findall(r"<a\s+(?:id|name)=\"([^\"]+)\"", text))
    return found


def links(text):
    """(line number, target) of every link in the Markdown prose."""
    body = prose(text)
    found = []
    for pattern, group in ((INLINE_LINK, 2), (REFERENCE, 1)):
        for m in pattern.finditer(body):
            found.append((body.count("\n", 0, m.start()) + 1, m.group(group)))
    return found


def citing_files():
    files = set()
    for pattern in CITING:
        for path in glob.glob(os.path.join(REPO_ROOT, pattern), recursive=True):
            if os.path.isfile(path) and os.path.abspath(path) != SELF and os.path.getsize(path) < 1 << 20:
                files.add(os.path.relpath(path, REPO_ROOT))
    return sorted(files)


def citations(text):
    """(cited file, section) pairs in a file's text, comment leaders stripped and lines joined."""
    joined = " ".join(COMMENT_LEADER.sub("", line) for line in text.splitlines())
    joined = re.sub(r"\s+", " ", joined)
    return [(m.group(1), m.group(2)) for m in CITATION.finditer(joined)]


class DocsTest(unittest.TestCase):
    def documents(self):
        present = [rel for rel in DOCUMENTS if os.path.isfile(os.path.join(REPO_ROOT, rel))]
        self.assertIn("README.md", present)
        return present

    def test_relative_links_name_files_of_the_repository(self):
        broken = []
        for doc in self.documents():
            for line, target in links(read(doc)):
                if SCHEME.match(target) or target.startswith("#") or not target:
                    continue
                path, _, fragment = target.partition("#")
                path = urllib.parse.unquote(path)
                base = REPO_ROOT if path.startswith("/") else os.path.join(REPO_ROOT, os.path.dirname(doc))
                resolved = os.path.normpath(os.path.join(base, path.lstrip("/")))
                inside = resolved == REPO_ROOT or resolved.startswith(REPO_ROOT + os.sep)
                if not inside or not os.path.exists(resolved):
                    broken.append("%s:%d: %s: no such file in the repository" % (doc, line, target))
                elif fragment and resolved.endswith(".md") and fragment not in anchors(read(resolved)):
                    broken.append("%s:%d: %s: %s has no heading #%s" % (doc, line, target, path, fragment))
        self.assertEqual(broken, [], "\n" + "\n".join(broken))

    def test_in_page_links_name_headings(self):
        broken = []
        for doc in self.documents():
            text = read(doc)
            own = anchors(text)
            for line, target in links(text):
                if target.startswith("#") and urllib.parse.unquote(target[1:]) not in own:
                    broken.append("%s:%d: %s: no heading with that anchor" % (doc, line, target))
        self.assertEqual(broken, [], "\n" + "\n".join(broken))

    def test_cited_readme_sections_exist(self):
        broken, count = [], 0
        for rel in citing_files():
            try:
                text = read(rel)
            except UnicodeDecodeError:
                continue
            if rel.endswith(".md"):
                text = prose(text)  # code is quoted, not cited
            for cited, section in citations(text):
                count += 1
                target = "README.md" if cited in ("README", "README.md") else cited
                if not target.endswith(".md"):
                    target += ".md"
                if not os.path.isfile(os.path.join(REPO_ROOT, target)):
                    broken.append('%s: %s "%s": no file %s' % (rel, cited, section, target))
                    continue
                headings = {h.casefold() for h in heading_texts(read(target))}
                if section.casefold() not in headings:
                    broken.append('%s: %s "%s": %s has no such section' % (rel, cited, section, target))
        self.assertGreater(count, 0, "no citation found at all: the pattern is broken")
        self.assertEqual(broken, [], "\n" + "\n".join(broken))

    def test_readme_refers_to_its_own_sections(self):
        text = read("README.md")
        headings = {h.casefold() for h in heading_texts(text)}
        body = prose(text)
        referred = SELF_CITATION.findall(re.sub(r"\s+", " ", body))
        self.assertGreater(len(referred), 0, "no see \"...\" found: the pattern is broken")
        missing = [section for section in referred if section.casefold() not in headings]
        self.assertEqual(missing, [], "README.md sends the reader to sections it does not have")


class SlugTest(unittest.TestCase):
    """The anchor rules above, on headings of the kinds the documents have."""

    def test_github_slugs(self):
        self.assertEqual(github_slug("What the gateways need"), "what-the-gateways-need")
        self.assertEqual(github_slug("Watch it: $SYS/broker/tgmesh/"), "watch-it-sysbrokertgmesh")
        self.assertEqual(github_slug("tgmesh — a Meshtastic ↔ Telegram bridge"), "tgmesh--a-meshtastic--telegram-bridge")
        self.assertEqual(github_slug("Several brokers (hub and edges)"), "several-brokers-hub-and-edges")
        self.assertEqual(github_slug("state_file and -z now"), "state_file-and--z-now")
        self.assertEqual(heading_texts("## Drive it: `$CONTROL/tgmesh/v1`\n```\n# not a heading\n```\n"),
                         ["Drive it: $CONTROL/tgmesh/v1"])
        self.assertEqual(anchors("# A\n## A\n## A\n"), {"a", "a-1", "a-2"})

    def test_citation_forms(self):
        text = ('# see README, "Several brokers\n# (hub and edges)"\n'
                '// docs: README "Configuration", README.md "Install from source"\n'
                'open("README.md", "rb")  # README command 1\n')
        self.assertEqual(citations(text), [("README", "Several brokers (hub and edges)"),
                                           ("README", "Configuration"), ("README.md", "Install from source")])


if __name__ == "__main__":
    unittest.main()
