#!/usr/bin/env python3
"""Set up everything and open the chapters in JupyterLab: ``python3 chapters/open.py``.

Needs only Python 3. Uses the same ``.venv`` as the tests (created on first use)
with minitf and the notebook tools installed, then starts JupyterLab here.
"""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))

from run import ensure_environment  # noqa: E402 - the shared set-up lives beside the test runner

if __name__ == "__main__":
    python = ensure_environment("notebooks")
    sys.exit(subprocess.call([python, "-m", "jupyter", "lab", *sys.argv[1:]], cwd=HERE))
