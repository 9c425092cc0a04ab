#!/usr/bin/env python3
"""Set up everything and run the whole test suite: ``python3 tests/run.py [pytest arguments]``.

Needs only Python 3. Creates ``.venv`` beside the project (once), installs minitf
with its test extras into it (again only when pyproject.toml changes), then runs
pytest there. Extra arguments go to pytest, e.g. ``python3 tests/run.py tests/test_tape.py``.
"""

import hashlib
import os
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


def main(argv):
    python = ensure_environment("test")
    return subprocess.call([python, "-m", "pytest", *argv], cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
