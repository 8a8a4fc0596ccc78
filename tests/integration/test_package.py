"""The Debian package mosquitto-tgmesh (packaging/): built with CPack from the build tree under
test, its metadata and files are what an administrator installs, its conf.d snippet is inert
as shipped, and the plugin it ships, loaded from the unpacked package by a real mosquitto
through the snippet (edited as README says), bridges the mesh and the chat.

Needs the build directory (TGMESH_BUILD_DIR, set by ctest; else the plugin's directory),
cpack (TGMESH_CPACK, else on PATH), dpkg-deb and, for the package's Depends, dpkg-shlibdeps
and file (scripts/install-deps.sh installs them).  The package is built once for the class,
into a temporary directory: the build tree gets nothing but what `make` would do anyway."""
import glob
import gzip
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tgmesh_harness import meshcrypto as mc, meshpb  # noqa: E402
from tgmesh_harness.base import ADMIN, BOT_TOKEN, CHAT, ROOT, TgmeshTestCase  # noqa: E402
from tgmesh_harness.broker import REPO_ROOT, Broker, find_plugin  # noqa: E402

PACKAGE = "mosquitto-tgmesh"
SNIPPET = "etc/mosquitto/conf.d/tgmesh.conf"
DOC_DIR = "usr/share/doc/%s" % PACKAGE
MAN_PAGE = "usr/share/man/man7/mosquitto-tgmesh.7.gz"
SENDER = 0x1A2B3C4D


def project_version():
    with open(os.path.join(REPO_ROOT, "CMakeLists.txt")) as f:
        return re.search(r"project\(tgmesh VERSION ([0-9.]+)", f.read()).group(1)


def readme_option_keys():
    """The keys of README.md's option table (| `key` | default | meaning |)."""
    with open(os.path.join(REPO_ROOT, "README.md"), encoding="utf-8") as f:
        lines = f.read().splitlines()
    start = lines.index("| key | default | meaning |")
    keys = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        keys.append(re.match(r"\| `([a-z_]+)` \|", line).group(1))
    return keys


def readme_section(title):
    """The text of README.md's section with that heading, up to the next heading."""
    with open(os.path.join(REPO_ROOT, "README.md"), encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"(?ms)^#+ %s\n(.*?)(?=^#+ |\Z)" % re.escape(title), text)
    assert m, "README.md has no section %r" % title
    return m.group(1)


def stock_mosquitto_conf():
    """/etc/mosquitto/mosquitto.conf as Debian's mosquitto ships it, or None where it is not
    installed or was edited (its md5sum differs from the one dpkg recorded for the conffile)."""
    path = "/etc/mosquitto/mosquitto.conf"
    proc = subprocess.run(["dpkg-query", "-W", "-f", "${Conffiles}", "mosquitto"], capture_output=True, text=True)
    md5 = {words[0]: words[1] for words in map(str.split, proc.stdout.splitlines()) if len(words) >= 2}
    if proc.returncode != 0 or path not in md5 or not os.path.isfile(path):
        return None
    with open(path, "rb") as f:
        data = f.read()
    return data.decode() if hashlib.md5(data).hexdigest() == md5[path] else None


def debian_plugin_dir():
    """Where Debian's mosquitto package keeps its own plugin (dynamic security), or None."""
    try:
        out = subprocess.run(["dpkg", "-L", "mosquitto"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    for path in out.splitlines():
        if path.endswith("/mosquitto_dynamic_security.so"):
            return os.path.dirname(path)
    return None


def cmake_cache(build_dir):
    """The build tree's CMakeCache.txt -> {name: value}."""
    cache = {}
    with open(os.path.join(build_dir, "CMakeCache.txt"), encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^([A-Za-z0-9_.-]+):[A-Z]+=(.*)$", line.rstrip("\n"))
            if m:
                cache[m.group(1)] = m.group(2)
    return cache


def mosquitto_header_version(include_dir):
    """(major, minor, revision) from the broker headers the build found: 2.1 keeps them in
    mosquitto/libmosquitto.h, 2.0 in mosquitto.h."""
    for name in ("mosquitto/libmosquitto.h", "mosquitto.h"):
        path = os.path.join(include_dir, name)
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as f:
                text = f.read()
            return tuple(int(re.search(r"(?m)^#define LIBMOSQUITTO_%s +([0-9]+)" % part, text).group(1))
                         for part in ("MAJOR", "MINOR", "REVISION"))
    raise AssertionError("no mosquitto.h in %s" % include_dir)


def parse_control(text):
    """dpkg-deb -f output -> {field: value}; continuation lines are joined with newlines."""
    fields, last = {}, None
    for line in text.splitlines():
        if line.startswith((" ", "\t")) and last:
            fields[last] += "\n" + line[1:]
        elif ":" in line:
            last, value = line.split(":", 1)
            fields[last] = value.strip()
    return fields


def parse_deb822(text):
    """A deb822 file (debian/copyright) -> its paragraphs, each parsed like parse_control."""
    return [parse_control(block) for block in re.split(r"\n\s*\n", text.strip()) if block.strip()]


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, check=True, **kw).stdout


def package_build_dir():
    """The build tree under test (TGMESH_BUILD_DIR, set by ctest; else the plugin's directory);
    skips unless it has CPack's configuration."""
    build_dir = os.environ.get("TGMESH_BUILD_DIR")
    if not build_dir:
        plugin = find_plugin()
        build_dir = os.path.dirname(plugin) if plugin else ""
    if not os.path.isfile(os.path.join(build_dir, "CPackConfig.cmake")):
        raise unittest.SkipTest("no CPackConfig.cmake in the build directory %r (set TGMESH_BUILD_DIR)" % build_dir)
    return build_dir


def cpack_command():
    cpack = os.environ.get("TGMESH_CPACK") or shutil.which("cpack")
    if not cpack:
        raise unittest.SkipTest("cpack is needed to build the package")
    return cpack


class PackageTest(TgmeshTestCase):
    AUTO_START = False

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        build_dir, cpack = package_build_dir(), cpack_command()
        config = os.path.join(build_dir, "CPackConfig.cmake")
        if not shutil.which("dpkg-deb"):
            raise unittest.SkipTest("dpkg-deb is needed to read the package")
        cls.cache = cmake_cache(build_dir)
        if not cls.cache.get("TGMESH_PACKAGE_MAINTAINER"):
            # cpack refuses, as it should (MaintainerTest checks how): nothing to test here.
            raise unittest.SkipTest("the build tree %s has no package maintainer: configure it with "
                                    "-DTGMESH_PACKAGE_MAINTAINER=\"Full Name <email>\"" % build_dir)
        cls.tmp = tempfile.mkdtemp(prefix="tgmesh-pkg-")
        t0 = time.monotonic()
        # -B: the package and CPack's staging tree go to the temporary directory.
        proc = subprocess.run([cpack, "--config", config, "-G", "DEB", "-B", cls.tmp], cwd=build_dir,
                              capture_output=True, text=True, timeout=300)
        cls.cpack_seconds = time.monotonic() - t0
        if proc.returncode != 0:
            shutil.rmtree(cls.tmp, ignore_errors=True)
            raise AssertionError("cpack -G DEB failed (%d):\n%s\n%s" % (proc.returncode, proc.stdout, proc.stderr))
        cls.cpack_output = proc.stdout + proc.stderr
        debs = glob.glob(os.path.join(cls.tmp, "*.deb"))
        if len(debs) != 1:
            shutil.rmtree(cls.tmp, ignore_errors=True)
            raise AssertionError("expected one .deb from cpack, got %s:\n%s" % (debs, cls.cpack_output))
        cls.deb = debs[0]
        cls.fields = parse_control(run(["dpkg-deb", "-f", cls.deb]))
        # dpkg-deb -c: "-rw-r--r-- root/root 1234 2026-01-01 00:00 ./etc/..."
        cls.entries = {}
        for line in run(["dpkg-deb", "-c", cls.deb]).splitlines():
            parts = line.split(None, 5)
            cls.entries[parts[5].split(" -> ")[0].lstrip(".").rstrip("/") or "/"] = (parts[0], parts[1])
        cls.control_dir = os.path.join(cls.tmp, "DEBIAN")
        run(["dpkg-deb", "-e", cls.deb, cls.control_dir])
        cls.root = os.path.join(cls.tmp, "root")
        run(["dpkg-deb", "-x", cls.deb, cls.root])
        sys.stderr.write("[package] %s built in %.1f s\n" % (os.path.basename(cls.deb), cls.cpack_seconds))

    @classmethod
    def tearDownClass(cls):
        if not os.environ.get("TGMESH_KEEP_TMP"):
            shutil.rmtree(cls.tmp, ignore_errors=True)
        super().tearDownClass()

    def files(self):
        """Regular files and links of the package: {absolute path: (mode string, owner)}."""
        return {p: e for p, e in self.entries.items() if not e[0].startswith("d")}

    def packaged_plugin(self):
        plugins = [p for p in self.files() if p.endswith("/mosquitto_tgmesh.so")]
        self.assertEqual(len(plugins), 1, sorted(self.files()))
        return plugins[0]

    def snippet_text(self):
        with open(os.path.join(self.root, SNIPPET), encoding="utf-8") as f:
            return f.read()

    # ------------------------------------------------------------ metadata and contents

    def test_metadata(self):
        f = self.fields
        self.assertEqual(f["Package"], PACKAGE)
        self.assertEqual(f["Version"], project_version() + "-1")
        self.assertEqual(os.path.basename(self.deb), "%s_%s_%s.deb" % (PACKAGE, f["Version"], f["Architecture"]))
        self.assertEqual(f["Architecture"], run(["dpkg", "--print-architecture"]).strip())
        self.assertEqual(f["Section"], "net")
        self.assertRegex(f["Maintainer"], r"^[^<>]+ <[^<>@]+@[^<>]+>$")
        self.assertEqual(f["Maintainer"], self.cache["TGMESH_PACKAGE_MAINTAINER"], "the build's maintainer")
        self.assertIn("Telegram", f["Description"].splitlines()[0])
        self.assertGreater(len(f["Description"].splitlines()), 2, "a synopsis and a long description")
        depends = [d.strip() for d in f["Depends"].split(",")]
        # dpkg-shlibdeps added the shared libraries the plugin links.
        names = {d.split()[0] for d in depends}
        for lib in ("libc6", "libcurl4", "libcjson1", "libssl3", "libprotobuf-c1", "libstdc++6"):
            self.assertIn(lib, names, f["Depends"])

    def test_depends_on_the_mosquitto_series_built_for(self):
        """Depends bounds mosquitto to the series of the headers the build compiled against:
        at least their version, below the next minor series (and its pre-releases)."""
        major, minor, revision = mosquitto_header_version(self.cache["MOSQUITTO_INCLUDE_DIR"])
        broker = [d.strip() for d in self.fields["Depends"].split(",") if d.split()[0] == "mosquitto"]
        self.assertEqual(broker, ["mosquitto (>= %d.%d.%d)" % (major, minor, revision),
                                  "mosquitto (<< %d.%d~)" % (major, minor + 1)])
        # Debian's own broker, where it is installed, satisfies them.
        proc = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "mosquitto"], capture_output=True, text=True)
        if proc.returncode == 0 and proc.stdout:
            for dep in broker:
                op, version = re.match(r"mosquitto \((>=|<<) (\S+)\)", dep).groups()
                ok = subprocess.run(["dpkg", "--compare-versions", proc.stdout, {">=": "ge", "<<": "lt"}[op], version])
                self.assertEqual(ok.returncode, 0, "installed mosquitto %s does not satisfy %s" % (proc.stdout, dep))

    def test_file_list(self):
        plugin = self.packaged_plugin()
        expected = {plugin, "/" + SNIPPET, "/" + MAN_PAGE, "/usr/share/lintian/overrides/" + PACKAGE}
        expected |= {"/%s/%s" % (DOC_DIR, name) for name in ("README.md", "copyright", "changelog.Debian.gz")}
        self.assertEqual(set(self.files()), expected)
        plugin_dir = debian_plugin_dir()
        if plugin_dir:
            self.assertEqual(os.path.dirname(plugin), plugin_dir, "next to Debian's mosquitto_dynamic_security.so")
        else:
            self.assertRegex(plugin, r"^/usr/lib/[a-z0-9_]+-linux-gnu[a-z0-9_]*/mosquitto_tgmesh\.so$")
        for path, (mode, owner) in self.entries.items():
            self.assertEqual(owner, "root/root", path)
            if not mode.startswith("d"):
                self.assertEqual(mode, "-rw-r--r--", path)
        with open(os.path.join(self.root, DOC_DIR, "README.md"), "rb") as f, \
                open(os.path.join(REPO_ROOT, "README.md"), "rb") as g:
            self.assertEqual(f.read(), g.read())
        # The plugin is the one built, stripped: its entry points are still exported.
        symbols = run(["nm", "-D", "--defined-only", os.path.join(self.root, plugin.lstrip("/"))])
        for entry in ("mosquitto_plugin_version", "mosquitto_plugin_init", "mosquitto_plugin_cleanup"):
            self.assertIn(entry, symbols)

    def test_changelog_names_this_version(self):
        with gzip.open(os.path.join(self.root, DOC_DIR, "changelog.Debian.gz"), "rt", encoding="utf-8") as f:
            lines = f.read().splitlines()
        self.assertEqual(lines[0].split()[:2], [PACKAGE, "(%s)" % self.fields["Version"]],
                         "a new version needs its entry at the top of packaging/changelog")
        # The entry's trailer names the package's maintainer (packaging/changelog has a
        # placeholder), in the format dpkg reads.
        changelog = os.path.join(self.tmp, "changelog.Debian")
        with open(changelog, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        if shutil.which("dpkg-parsechangelog"):
            parsed = parse_control(run(["dpkg-parsechangelog", "-l", changelog]))
            self.assertEqual((parsed["Version"], parsed["Maintainer"]), (self.fields["Version"], self.fields["Maintainer"]))
        trailer = next(line for line in lines if line.startswith(" -- "))
        self.assertTrue(trailer.startswith(" -- %s  " % self.fields["Maintainer"]), trailer)

    def test_snippet_is_a_conffile(self):
        with open(os.path.join(self.control_dir, "conffiles")) as f:
            self.assertEqual(f.read().split(), ["/" + SNIPPET])

    def run_postinst(self, args, systemd, stub_exit=0):
        """The package's postinst, run as dpkg would (`postinst configure <old version>`) in a
        sandbox: deb-systemd-invoke, invoke-rc.d, systemctl and ldconfig are stubs first on PATH
        that record their arguments (and exit with stub_exit), and "systemd is running" is a
        directory the test creates or not (TGMESH_POSTINST_SYSTEMD_DIR)."""
        sandbox = tempfile.mkdtemp(prefix="tgmesh-postinst-")
        self.addCleanup(shutil.rmtree, sandbox, True)
        stubs, calls = os.path.join(sandbox, "bin"), os.path.join(sandbox, "calls")
        os.mkdir(stubs)
        for name in ("deb-systemd-invoke", "invoke-rc.d", "systemctl", "ldconfig"):
            with open(os.path.join(stubs, name), "w") as f:
                f.write('#!/bin/sh\necho "%s $*" >>"%s"\nexit %d\n' % (name, calls, stub_exit))
            os.chmod(os.path.join(stubs, name), 0o755)
        systemd_dir = os.path.join(sandbox, "run-systemd-system")
        if systemd:
            os.mkdir(systemd_dir)
        env = {"PATH": stubs + ":/usr/sbin:/usr/bin:/sbin:/bin", "TGMESH_POSTINST_SYSTEMD_DIR": systemd_dir}
        proc = subprocess.run([os.path.join(self.control_dir, "postinst")] + args, env=env,
                              capture_output=True, text=True, timeout=30)
        recorded = []
        if os.path.exists(calls):
            with open(calls) as f:
                recorded = f.read().splitlines()
        return proc, recorded

    def test_postinst(self):
        path = os.path.join(self.control_dir, "postinst")
        self.assertTrue(os.stat(path).st_mode & 0o111 == 0o111, "maintainer scripts are 0755")
        with open(path) as f:
            script = f.read()
        self.assertTrue(script.startswith("#!/bin/sh\n"), script[:40])
        self.assertRegex(script, r"(?m)^set -e$")
        self.assertNotIn("#DEBHELPER#", script)
        syntax = subprocess.run(["sh", "-n", path], capture_output=True, text=True)
        self.assertEqual((syntax.returncode, syntax.stderr), (0, ""))

        # A fresh install (dpkg passes no old version, or an empty one): one line, no restart.
        for args in (["configure"], ["configure", ""]):
            for systemd in (True, False):
                proc, calls = self.run_postinst(args, systemd)
                self.assertEqual((proc.returncode, calls, proc.stderr), (0, [], ""), (args, systemd))
                self.assertEqual(len(proc.stdout.splitlines()), 1, proc.stdout)
                self.assertIn("disabled until you edit /etc/mosquitto/conf.d/tgmesh.conf", proc.stdout)

        # An upgrade restarts a running mosquitto, through systemd where it runs, else invoke-rc.d.
        proc, calls = self.run_postinst(["configure", "1.0.0-1"], systemd=True)
        self.assertEqual((proc.returncode, calls, proc.stdout), (0, ["deb-systemd-invoke try-restart mosquitto.service"], ""))
        proc, calls = self.run_postinst(["configure", "1.0.0-1"], systemd=False)
        self.assertEqual((proc.returncode, calls, proc.stdout), (0, ["invoke-rc.d mosquitto try-restart"], ""))

        # When the restart fails (a broken broker configuration, a policy-rc.d that forbids it),
        # the package still configures and tells the administrator in one line.
        hint = "mosquitto-tgmesh: restart mosquitto to load the new plugin: systemctl restart mosquitto\n"
        for systemd, exit_code in ((True, 1), (False, 101)):
            proc, calls = self.run_postinst(["configure", "1.0.0-1"], systemd, stub_exit=exit_code)
            self.assertEqual((proc.returncode, proc.stdout), (0, hint), (systemd, proc.stderr))
            self.assertEqual(len(calls), 1, calls)

        # Nothing else dpkg may ask of a postinst restarts anything.
        for args in (["abort-upgrade", "1.0.0-1"], ["abort-remove"], ["abort-deconfigure", "in-favour", "x", "1"]):
            proc, calls = self.run_postinst(args, systemd=True)
            self.assertEqual((proc.returncode, calls, proc.stdout), (0, [], ""), args)

    def test_snippet_is_fully_commented_out(self):
        text = self.snippet_text()
        active = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
        self.assertEqual(active, [], "every line of the shipped snippet must be a comment")
        self.assertIn("#plugin %s\n" % self.packaged_plugin(), text)
        for key in ("bot_token_file", "chat_ids", "topic_root", "channel", "channel_keys"):
            self.assertRegex(text, r"(?m)^#plugin_opt_%s \S" % key)
        self.assertRegex(text, r"(?m)^#plugin_opt_state_file /var/lib/mosquitto/\S+$")
        self.assertIn("/%s/README.md" % DOC_DIR, text)
        self.assertIn("man 7 mosquitto-tgmesh", text)

    def test_snippet_as_shipped_leaves_mosquitto_without_the_plugin(self):
        """Installing the package changes nothing until the administrator edits the snippet."""
        broker = Broker(with_plugin=False, extra_config="include_dir %s" % os.path.join(self.root, "etc/mosquitto/conf.d"))
        self.brokers.append(broker)
        broker.start()
        log = broker.log_text()
        self.assertIn("mosquitto version", log)
        self.assertNotIn("Loading plugin", log)
        self.assertNotIn("tgmesh:", broker.output_text())
        self.assertEqual(self.tg.requests(), [])

    def test_man_page(self):
        with gzip.open(os.path.join(self.root, MAN_PAGE), "rt", encoding="utf-8") as f:
            page = f.read()
        self.assertRegex(page, r'(?m)^\.TH MOSQUITTO-TGMESH 7 "[0-9-]+" "tgmesh %s"' % re.escape(project_version()))
        for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "INSTALLATION", "OPTIONS", "RELOAD", "FILES", "SEE ALSO"):
            self.assertRegex(page, r"(?m)^\.SH %s$" % section)
        self.assertIn(".BR mosquitto.conf (5)", page)
        self.assertIn("$SYS", page)
        self.assertIn("$CONTROL", page)
        self.assertIn(self.packaged_plugin(), page)
        # The OPTIONS list names every key of README's option table, and nothing else.
        options = page.split("\n.SH OPTIONS\n", 1)[1].split("\n.SH ", 1)[0]
        documented = re.findall(r"(?m)^\.TP\n\.B[IR]? ([a-z_]+)", options)
        self.assertEqual(sorted(documented), sorted(readme_option_keys()))
        groff = shutil.which("groff")
        if groff:  # renders without warnings where groff is installed
            proc = subprocess.run([groff, "-man", "-Tutf8", "-ww", "-z"], input=page, capture_output=True, text=True)
            self.assertEqual((proc.returncode, proc.stderr), (0, ""))

    def test_copyright_is_dep5_gpl3(self):
        """The copyright file (DEP-5): tgmesh under GPL-3+ (SPDX GPL-3.0-or-later), the .proto
        subset under Meshtastic's GPL-3, each licence in a stand-alone paragraph pointing to
        Debian's copy of the text; no trace of the former "no licence yet" notice."""
        with open(os.path.join(self.root, DOC_DIR, "copyright"), encoding="utf-8") as f:
            text = f.read()
        header, *paragraphs = parse_deb822(text)
        self.assertEqual(header["Format"], "https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/")
        self.assertEqual(header["Upstream-Name"], "tgmesh")
        self.assertEqual(header["Upstream-Contact"], self.fields["Maintainer"])
        files = {p["Files"]: p for p in paragraphs if "Files" in p}
        self.assertEqual(files["*"]["License"], "GPL-3+")
        proto = files["plugin/mesh/meshtastic.proto"]
        self.assertEqual(proto["License"], "GPL-3")
        self.assertIn("Meshtastic", proto["Copyright"])
        self.assertIn("meshtastic/protobufs", proto["Comment"])
        for pattern in files:
            if pattern != "*":
                self.assertTrue(glob.glob(os.path.join(REPO_ROOT, pattern)), "no file matches Files: %s" % pattern)
        licences = {p["License"].split("\n", 1)[0]: p["License"] for p in paragraphs if "Files" not in p}
        self.assertEqual(set(licences), {"GPL-3+", "GPL-3"})
        for name, body in licences.items():
            self.assertIn('"/usr/share/common-licenses/GPL-3"', body, name)
        self.assertIn("either version 3 of the License, or\n(at your option) any later version", licences["GPL-3+"])
        self.assertNotIn("later version", licences["GPL-3"])
        self.assertNotIn("no-license", text)

    def test_license_is_the_gpl3(self):
        """LICENSE is the GPL version 3, verbatim (Debian's copy), and README says which licence."""
        with open(os.path.join(REPO_ROOT, "LICENSE"), "rb") as f, open("/usr/share/common-licenses/GPL-3", "rb") as g:
            self.assertEqual(f.read(), g.read())
        with open(os.path.join(REPO_ROOT, "README.md"), encoding="utf-8") as f:
            readme = f.read()
        self.assertRegex(readme, r"(?m)^## Licence$")
        self.assertIn("GPL-3.0-or-later", readme)
        self.assertNotIn("no-license", readme)

    def test_docs_show_where_the_log_is(self):
        """Debian's stock mosquitto.conf logs to a file, not to the journal: the snippet's step 3,
        the man page and README show the command that works there, and name journalctl only
        together with log_dest syslog (where it would show the broker's lines)."""
        log = "/var/log/mosquitto/mosquitto.log"
        command = "sudo tail -F %s | grep tgmesh" % log
        stock = stock_mosquitto_conf()
        if stock is not None:  # the premise, where the stock file is there to read
            self.assertIn("log_dest file %s" % log, stock.splitlines())
        snippet = self.snippet_text()
        step3 = re.search(r"(?ms)^#   3\. (.*?)(?=^#\s*$)", snippet).group(1)
        self.assertIn(command, step3)
        with gzip.open(os.path.join(self.root, MAN_PAGE), "rt", encoding="utf-8") as f:
            page = f.read().replace("\\-", "-")
        installation = page.split("\n.SH INSTALLATION\n", 1)[1].split("\n.SH ", 1)[0]
        self.assertIn(command, installation)
        self.assertIn(".I %s\n" % log, page.split("\n.SH FILES\n", 1)[1])
        self.assertNotIn("journalctl", page.split("\n.SH SEE ALSO\n", 1)[1])
        for title in ("Install from the Debian package", "Install from source"):
            self.assertIn(command, readme_section(title), title)
        self.assertIn(command, readme_section("Troubleshooting by log line").split("\n|", 1)[0])
        with open(os.path.join(REPO_ROOT, "README.md"), encoding="utf-8") as f:
            readme = f.read()
        # journalctl, wherever it is named, comes with log_dest syslog; never as a command to run.
        paragraphs = {"snippet": snippet.split("\n#\n"), "man page": re.split(r"\n\.(?:PP|IP|TP|SH)\b", page),
                      "README": readme.split("\n\n")}
        for where, parts in paragraphs.items():
            for part in parts:
                if "journalctl" in part:
                    self.assertIn("log_dest syslog", part, "%s: %s" % (where, part))
        for block in re.findall(r"(?ms)^```(?:sh)?\n(.*?)^```", readme):
            self.assertNotIn("journalctl", block)

    # ------------------------------------------------------------ the packaged plugin at work

    def edited_snippet(self, workdir):
        """The shipped snippet edited as an administrator would, with test values: the plugin
        from the unpacked package, the fake Bot API, a token file, the harness's chat."""
        token_file = os.path.join(workdir, "tgmesh.token")
        with open(token_file, "w") as f:
            f.write(BOT_TOKEN + "\n")
        self.secret_files.add(token_file)
        values = {"plugin": os.path.join(self.root, self.packaged_plugin().lstrip("/")),
                  "plugin_opt_bot_token_file": token_file, "plugin_opt_chat_ids": str(CHAT),
                  "plugin_opt_admin_ids": str(ADMIN), "plugin_opt_topic_root": ROOT,
                  "plugin_opt_state_file": os.path.join(workdir, "state.json")}
        out, enabled = [], set()
        for line in self.snippet_text().splitlines():
            m = re.match(r"^#((?:plugin|plugin_opt_[a-z_]+)) (.*)$", line)
            if m and m.group(1) != "plugin_opt_config_file":
                key = m.group(1)
                line = "%s %s" % (key, values.get(key, m.group(2)))
                enabled.add(key)
            out.append(line)
        self.assertTrue(set(values) <= enabled, enabled)
        out.append("plugin_opt_api_url %s" % self.tg.url)  # the one line a real install does not need
        return "\n".join(out) + "\n"

    def test_packaged_plugin_bridges_mesh_and_chat(self):
        workdir = tempfile.mkdtemp(prefix="tgmesh-it-")
        conf_d = os.path.join(workdir, "conf.d")
        os.mkdir(conf_d)
        with open(os.path.join(conf_d, "tgmesh.conf"), "w") as f:
            f.write(self.edited_snippet(workdir))
        broker = Broker(with_plugin=False, workdir=workdir, extra_config="include_dir %s" % conf_d)
        self.addCleanup(shutil.rmtree, workdir, True)
        self.brokers.append(broker)
        self.broker = broker
        broker.start()
        self.wait_polling()

        # Mesh -> Telegram: an uplink from a real MQTT client reaches the (fake) chat.
        text = "from the package %d" % mc.random_packet_id()
        self.uplink(mc.make_encrypted_text_envelope(SENDER, meshpb.BROADCAST, mc.random_packet_id(), text))
        self.assertIn("!1a2b3c4d", self.wait_chat(text)["text"])
        log = broker.log_text()
        self.assertIn("Loading plugin: %s\n" % os.path.join(self.root, self.packaged_plugin().lstrip("/")), log)
        self.assertIn("tgmesh: bridging channel LongFast on %s" % ROOT, log)

        # Telegram -> mesh: /send is published to the channel by the bridge's own node.
        listener = self.mesh_listener()
        self.say("/send hello from the package")
        self.wait_text_downlink(listener, "hello from the package", bridge_id=None)

        code, _secs = broker.stop()
        self.assertEqual(code, 0)
        self.assertTrue(os.path.isfile(os.path.join(workdir, "state.json")), "state file written at shutdown")


class MaintainerTest(unittest.TestCase):
    """Where the package's maintainer comes from when -DTGMESH_PACKAGE_MAINTAINER is not given,
    seen in scratch build trees configured from this source tree (configuring takes seconds;
    nothing is built): DEBFULLNAME and DEBEMAIL, as dch takes them, and without them nor a git
    identity, a build tree that configures but that cpack refuses, naming the option."""

    @classmethod
    def setUpClass(cls):
        cls.cmake = os.path.join(os.path.dirname(cpack_command()), "cmake")
        if not os.access(cls.cmake, os.X_OK):
            cls.cmake = shutil.which("cmake")
        package_build_dir()

    def configure(self, env):
        build = tempfile.mkdtemp(prefix="tgmesh-maint-")
        self.addCleanup(shutil.rmtree, build, True)
        home = os.path.join(build, "home")
        os.mkdir(home)
        # No git identity: no global or system configuration, and no repository's own.
        base = {k: v for k, v in os.environ.items() if k not in ("DEBFULLNAME", "DEBEMAIL")}
        base.update(HOME=home, XDG_CONFIG_HOME=home, GIT_CONFIG_NOSYSTEM="1", GIT_DIR=home)
        base.update(env)
        proc = subprocess.run([self.cmake, "-S", REPO_ROOT, "-B", build, "-DTGMESH_TESTS=OFF"], env=base,
                              capture_output=True, text=True, timeout=300)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        return build, cmake_cache(build)

    def test_from_debfullname_and_debemail(self):
        _build, cache = self.configure({"DEBFULLNAME": "Test Maintainer", "DEBEMAIL": "test@example.org"})
        self.assertEqual(cache["TGMESH_PACKAGE_MAINTAINER"], "Test Maintainer <test@example.org>")
        _build, cache = self.configure({"DEBEMAIL": "Other Maintainer <other@example.org>"})
        self.assertEqual(cache["TGMESH_PACKAGE_MAINTAINER"], "Other Maintainer <other@example.org>")

    def test_without_one_cpack_refuses(self):
        build, cache = self.configure({})
        self.assertEqual(cache["TGMESH_PACKAGE_MAINTAINER"], "")
        proc = subprocess.run([cpack_command(), "-G", "DEB", "-B", os.path.join(build, "out")], cwd=build,
                              capture_output=True, text=True, timeout=300)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn('-DTGMESH_PACKAGE_MAINTAINER="Full Name <email>"', " ".join((proc.stdout + proc.stderr).split()))
        self.assertFalse(glob.glob(os.path.join(build, "out", "*.deb")))


if __name__ == "__main__":
    unittest.main()
