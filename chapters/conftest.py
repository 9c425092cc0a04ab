"""Run the chapter notebooks under nbval from anywhere: ``python3 -m pytest chapters/NAME.ipynb``.

pytest's options (pyproject.toml) turn nbval on; this file supplies what depends on
where the notebooks live: the sanitize file as an absolute path, the repository on
the kernels' PYTHONPATH (so ``import minitf`` works even without installing it), and
matplotlib's font cache built before any kernel starts (else its warning lands on a
cell's stderr and fails the comparison).
"""

import os

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def pytest_configure(config):
    sanitize = getattr(config.option, "nbval_sanitize_with", None)
    if sanitize is None:
        config.option.nbval_sanitize_with = os.path.join(HERE, "sanitize.cfg")
    elif not os.path.isabs(sanitize) and not os.path.exists(sanitize):
        config.option.nbval_sanitize_with = os.path.join(ROOT, sanitize)
    paths = os.environ.get("PYTHONPATH", "").split(os.pathsep)
    if ROOT not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([ROOT] + [p for p in paths if p])
    os.environ.pop("MPLBACKEND", None)
    import matplotlib.font_manager  # noqa: F401 - builds the font cache once, here
