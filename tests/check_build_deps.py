#!/usr/bin/env python3
"""Every system file the build uses comes from a package scripts/install-deps.sh installs.

A fresh Debian 12 machine has only what install-deps.sh installs (and what those packages
depend on). A header or library that came from a package installed by hand on the machine
CI runs on builds fine there and fails everywhere else; this check catches it.

It reads the build tree: the compiler's dependency files (*.o.d: every header each object
included), the link commands (link.txt: every library), and the tools CMake found (compiler,
protoc-c). Each system path is mapped to its Debian package with `dpkg -S`; the package must
be in the closure of the packages install-deps.sh names, over Depends and Pre-Depends of the
installed packages (alternatives and virtual packages resolved to what is installed), or be
Essential (on every Debian system).

The plugin's own targets (what scripts/run-bridge.sh builds) are checked against
`install-deps.sh run`, everything else against the full list.

Usage: check_build_deps.py <build dir> [--without PKG]
  --without PKG  check with PKG removed from install-deps.sh's lists, and succeed only if the
                 check then fails (the test of this test: the guard must catch a missing
                 package, e.g. libmosquitto-dev).
"""
import glob
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INSTALL_DEPS = os.path.join(ROOT, "scripts", "install-deps.sh")
# The targets scripts/run-bridge.sh builds (the plugin and the libraries it links).
RUN_TARGETS = {"mosquitto_tgmesh", "tgmesh_core", "tgmesh_proto"}


def listed(which):
    out = subprocess.run(["sh", INSTALL_DEPS, which], check=True, capture_output=True, text=True)
    return out.stdout.split()


def dep_files(obj_dep):
    """Paths named by one GCC/clang dependency file (make syntax)."""
    with open(obj_dep, encoding="utf-8", errors="replace") as f:
        text = f.read().replace("\\\n", " ")
    paths = []
    for line in text.splitlines():
        if ":" not in line:
            continue
        _, rhs = line.split(":", 1)
        paths += rhs.split()
    return paths


def link_files(link_txt, build):
    with open(link_txt, encoding="utf-8") as f:
        words = f.read().split()
    paths = []
    for w in words:
        if w.startswith("-l") and len(w) > 2:
            lib = subprocess.run(["gcc", f"-print-file-name=lib{w[2:]}.so"],
                                 capture_output=True, text=True).stdout.strip()
            if os.path.isabs(lib):
                paths.append(lib)
        elif w.startswith("/") and (".so" in w or w.endswith(".a")):
            paths.append(w)
    return paths


def cache_tools(build):
    tools = []
    with open(os.path.join(build, "CMakeCache.txt"), encoding="utf-8") as f:
        for line in f:
            m = re.match(r"(CMAKE_CXX_COMPILER|CMAKE_C_COMPILER|PROTOC_C):[A-Z]+=(/\S+)$", line.strip())
            if m:
                tools.append(m.group(2))
    return tools


def used_files(build):
    """{target: set of system paths it used}."""
    used = {}
    for target_dir in glob.glob(os.path.join(build, "**", "CMakeFiles", "*.dir"), recursive=True):
        target = os.path.basename(target_dir)[: -len(".dir")]
        files = set()
        for d in glob.glob(os.path.join(target_dir, "**", "*.o.d"), recursive=True):
            files.update(dep_files(d))
        link = os.path.join(target_dir, "link.txt")
        if os.path.exists(link):
            files.update(link_files(link, build))
        system = set()
        for p in files:
            if not os.path.isabs(p):
                continue
            p = os.path.normpath(p)
            if p.startswith(ROOT + "/") or p.startswith(os.path.abspath(build) + "/"):
                continue
            system.add(p)
        if system:
            used[target] = system
    tools = set(cache_tools(build))
    used.setdefault("(tools)", set()).update(tools)
    return used


def candidates(path):
    """The spellings dpkg may have recorded a path under (merged /usr, symlinks)."""
    names = [path, os.path.realpath(path)]
    for p in list(names):
        for a, b in (("/usr/lib/", "/lib/"), ("/lib/", "/usr/lib/"), ("/usr/bin/", "/bin/"),
                     ("/bin/", "/usr/bin/")):
            if p.startswith(a):
                names.append(b + p[len(a):])
    seen = []
    for n in names:
        if n not in seen:
            seen.append(n)
    return seen


def dpkg_search(names):
    """{path: package} for the names dpkg records (one dpkg-query call for all of them)."""
    found = {}
    if not names:
        return found
    out = subprocess.run(["dpkg-query", "-S"] + sorted(names), capture_output=True, text=True)
    for line in out.stdout.splitlines():
        if line.startswith("diversion by") or ": " not in line:
            continue
        pkgs, path = line.split(": ", 1)
        # "pkg:arch, other: /path": the first owner is enough.
        found.setdefault(path.strip(), pkgs.split(",")[0].split(":")[0].strip())
    return found


def owners(paths):
    """{path: package} for every path; a path dpkg does not know maps to None."""
    spellings = {p: candidates(p) for p in paths}
    found = dpkg_search({n for names in spellings.values() for n in names})
    return {p: next((found[n] for n in names if n in found), None)
            for p, names in spellings.items()}


def installed_packages():
    out = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Package}\t${Status}\t${Essential}\t${Provides}\t"
         "${Pre-Depends}\t${Depends}\n"],
        check=True, capture_output=True, text=True).stdout
    pkgs = {}
    provides = {}
    for line in out.splitlines():
        name, status, essential, prov, predeps, deps = (line.split("\t") + [""] * 6)[:6]
        if "install ok installed" not in status:
            continue
        pkgs[name] = {"essential": essential == "yes", "depends": f"{predeps}, {deps}"}
        for p in prov.split(","):
            p = p.strip().split(" ")[0]
            if p:
                provides.setdefault(p, set()).add(name)
    return pkgs, provides


def closure(roots, pkgs, provides):
    seen = set()
    todo = list(roots)
    while todo:
        name = todo.pop().split(":")[0]
        targets = {name} if name in pkgs else provides.get(name, set())
        for t in targets:
            if t in seen:
                continue
            seen.add(t)
            for clause in pkgs[t]["depends"].split(","):
                for alt in clause.split("|"):
                    alt = alt.strip().split(" ")[0].split(":")[0]
                    if alt and (alt in pkgs or alt in provides):
                        todo.append(alt)
    return seen


def check(build, without=None):
    """The problems found, one line each; empty when the build uses only listed packages."""
    pkgs, provides = installed_packages()
    essential = {p for p, v in pkgs.items() if v["essential"]}
    run_list = [p for p in listed("--list-run") if p != without]
    all_list = [p for p in listed("--list") if p != without]
    missing_roots = [p for p in all_list if p not in pkgs and p not in provides]
    if missing_roots:
        return ["install-deps.sh names packages that are not installed: "
                + " ".join(missing_roots) + " (run scripts/install-deps.sh)"]
    allowed_run = closure(run_list, pkgs, provides) | essential
    allowed_all = closure(all_list, pkgs, provides) | essential
    used = used_files(build)
    if not any(t in used for t in RUN_TARGETS):
        return [f"no dependency files under {build}: build it first"]
    every_path = set().union(*used.values())
    owner = owners(every_path)
    problems = []
    for target, paths in sorted(used.items()):
        allowed = allowed_run if target in RUN_TARGETS else allowed_all
        which = "install-deps.sh run" if target in RUN_TARGETS else "install-deps.sh"
        for p in sorted(paths):
            pkg = owner[p]
            if pkg is None:
                problems.append(f"{target}: {p} belongs to no Debian package (installed by hand?)")
            elif pkg not in allowed:
                problems.append(f"{target}: {p} is from package {pkg}, which {which} does not "
                                "install (name it there)")
    packages = sorted({owner[p] for p in every_path if owner[p]})
    if not problems:
        print(f"build.deps: {len(every_path)} system files from {len(packages)} packages, all "
              "installed by scripts/install-deps.sh: " + " ".join(packages))
    return problems


def report(problems):
    for line in problems[:40]:
        print("build.deps: " + line)
    if len(problems) > 40:
        print(f"build.deps: ... {len(problems) - 40} more")


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__)
        return 2
    build = os.path.abspath(args[0])
    if len(args) == 3 and args[1] == "--without":
        pkg = args[2]
        problems = check(build, without=pkg)
        report(problems)
        if not any(f"from package {pkg}," in line for line in problems):
            print(f"build.deps: without {pkg} the check did not name a file of {pkg}: it "
                  "cannot catch a missing package")
            return 1
        print(f"build.deps: without {pkg} the check fails, as it must")
        return 0
    problems = check(build)
    report(problems)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
