#!/usr/bin/env python3
"""Set up everything and run the whole test suite: ``python3 tests/run.py [pytest arguments]``.

Needs only Python 3. Creates ``.venv`` beside the project (once), installs minitf
with its test extras into it (again only when pyproject.toml changes), then runs
pytest there. Extra arguments go to pytest, e.g. ``python3 tests/run.py tests/test_tape.py``;
``python3 tests/run.py chapters/NAME.ipynb`` runs that chapter's tests (nbval and the browser).

The browser test (tests/browser) needs Chromium. On Debian or Ubuntu, when it is
missing, Debian's ``chromium`` package is installed with apt-get (as root, or through
sudo); elsewhere a message says what to install, and that test skips (fails under CI).
"""

import hashlib
import os
import shutil
import subprocess
import sys
import venv

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(ROOT, ".venv")


def venv_python():
    scripts = "Scripts" if os.name == "nt" else "bin"
    return os.path.join(VENV, scripts, "python.exe" if os.name == "nt" else "python")


def ensure_environment(extras):
    """Create .venv and install minitf[extras] into it, unless that was done for this pyproject.toml."""
    if not os.path.exists(venv_python()):
        print(f"Creating a virtual environment in {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        key = hashlib.sha256(f.read() + extras.encode()).hexdigest()
    stamp = os.path.join(VENV, f".minitf-installed-{extras.replace(',', '-')}")
    if not os.path.exists(stamp) or open(stamp).read() != key:
        print(f"Installing minitf[{extras}] into .venv (first run only; a few minutes) ...", flush=True)
        pip = [venv_python(), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
        subprocess.run(pip + ["-e", f".[{extras}]"], cwd=ROOT, check=True)
        with open(stamp, "w") as f:
            f.write(key)
    return venv_python()


BROWSER_TEST = "tests/browser/test_chapters_in_browser.py"


def chromium_installed():
    return any(shutil.which(name) for name in ("chromium", "/usr/bin/chromium"))


def runs_browser_test(argv):
    """True when pytest, given ``argv``, would collect the browser test (no paths given, or paths containing it)."""
    paths = [os.path.normpath(arg.split("::")[0]) for arg in argv if not arg.startswith("-")]
    paths = [path for path in paths if os.path.exists(os.path.join(ROOT, path))]
    if not paths:
        return True
    browser = os.path.normpath(BROWSER_TEST)
    return any(path == "." or browser.startswith(path + os.sep) or path == browser for path in paths)


def ensure_chromium():
    """Install Debian's chromium with apt-get when it is missing and this is Debian or Ubuntu; say what happens."""
    if chromium_installed():
        return
    apt = shutil.which("apt-get")
    if not sys.platform.startswith("linux") or apt is None:
        print("Chromium is not installed, so the browser test (tests/browser) will skip. Install Chromium "
              "(on Debian/Ubuntu: sudo apt-get install chromium) to run it.", flush=True)
        return
    if os.geteuid() == 0:
        prefix = []
    elif shutil.which("sudo"):
        prefix = ["sudo"]
    else:
        print("Chromium is not installed and this is not root, with no sudo: the browser test (tests/browser) "
              "will skip. As root, run: apt-get update && apt-get install -y chromium", flush=True)
        return
    command = " ".join(prefix + ["apt-get", "install", "-y", "chromium"])
    print(f"The browser test needs Chromium, which is missing: installing Debian's chromium package with "
          f"`{command}` (a few hundred MB, once).", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for step in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "chromium"]):
        if subprocess.call(prefix + step, env=env) != 0:
            print(f"`{' '.join(prefix + step)}` failed: the browser test will skip (or fail, under CI).", flush=True)
            return
    print("Chromium installed:", shutil.which("chromium") or "/usr/bin/chromium", flush=True)


def with_browser_runs_of_chapters(argv):
    """``chapters/NAME.ipynb`` also selects that chapter's run in the browser test."""
    extra = []
    for arg in argv:
        path = os.path.normpath(arg)
        is_chapter = path.startswith("chapters" + os.sep) and path.endswith(".ipynb")
        if is_chapter and os.path.exists(os.path.join(ROOT, path)):
            name = os.path.basename(path)[: -len(".ipynb")]
            extra.append(f"{BROWSER_TEST}::test_chapter_in_browser[{name}]")
    return list(argv) + [node for node in extra if node not in argv]


def main(argv):
    python = ensure_environment("test")
    argv = with_browser_runs_of_chapters(argv)
    if runs_browser_test(argv):
        ensure_chromium()
    return subprocess.call([python, "-m", "pytest", *argv], cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
