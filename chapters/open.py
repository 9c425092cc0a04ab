#!/usr/bin/env python3
"""Set up everything and open the chapters in JupyterLab: ``python3 chapters/open.py``.

Needs only Python 3. Uses the same ``.venv`` as the tests (created on first use)
with minitf and the notebook tools installed, then starts JupyterLab here.
Run as root (a container, a cloud VM), JupyterLab refuses to start unless told
``--allow-root``; this script passes that flag for you and says so.
"""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))

from run import ensure_environment  # noqa: E402 - the shared set-up lives beside the test runner

ROOT_NOTE = ("Running as root (a container or a cloud VM?): starting JupyterLab with --allow-root, "
             "which it needs to run as root.")


def lab_command(python, args, is_root):
    """The JupyterLab command line: ``args`` passed on, plus ``--allow-root`` when running as root."""
    command = [python, "-m", "jupyter", "lab", *args]
    if is_root and "--allow-root" not in args:
        command.append("--allow-root")
    return command


def running_as_root():
    return hasattr(os, "geteuid") and os.geteuid() == 0  # (Windows has no root user and no geteuid)


if __name__ == "__main__":
    python = ensure_environment("notebooks")
    command = lab_command(python, sys.argv[1:], running_as_root())
    if "--allow-root" in command and "--allow-root" not in sys.argv[1:]:
        print(ROOT_NOTE, flush=True)
    sys.exit(subprocess.call(command, cwd=HERE))
