"""``minitf.doctor()`` and ``python -m minitf doctor``: what is installed, what works, and what to do.

Prints one line per check (Python, NumPy, minitf, the notebook tools, the backend,
CuPy and the GPU, JupyterLab's widget extension), then one line saying how to fix
each problem found. Versions are read from package metadata rather than by
importing the packages, so the doctor is quick and a broken package cannot crash
it; of the packages it reports on only CuPy is imported, because only CuPy can say
whether a GPU is usable.

This module holds no engine code and is imported only when asked for.
"""

import importlib
import importlib.metadata
import os
import sys
import types
from collections import namedtuple

Check = namedtuple("Check", ["label", "value", "fix"])
Check.__doc__ = """One line of the report; ``fix`` is None when nothing needs doing."""

NOT_INSTALLED = "not installed"
MINIMUM_PYTHON = (3, 10)
NOTEBOOK_FIX = "pip install -e '.[notebooks]' (python3 chapters/open.py does it for you)"
_WIDGET_EXTENSION = os.path.join("@jupyter-widgets", "jupyterlab-manager", "package.json")
# ipywidgets only renders in JupyterLab with the matching front end: 7.x ↔ jupyterlab_widgets 1.x, 8.x ↔ 3.x.
_MATCHING_EXTENSION = {"7": "1", "8": "3"}


def distribution_version(name):
    """Return the installed version of the distribution ``name``, or None when it is not installed."""
    try:
        return importlib.metadata.version(name)
    except Exception:  # PackageNotFoundError, or broken metadata: report it as absent rather than crash
        return None


def import_cupy():
    """Import CuPy (the only package the doctor imports); raises ImportError when it is absent."""
    return importlib.import_module("cupy")


def labextension_dirs():
    """The folders where JupyterLab looks for prebuilt extensions, for this Python's environment."""
    try:
        from jupyter_core.paths import jupyter_path
    except ImportError:
        return [os.path.join(sys.prefix, "share", "jupyter", "labextensions")]
    return jupyter_path("labextensions")


def _version_check(label, distribution, notebook_tool=False):
    version = distribution_version(distribution)
    if version is not None:
        return Check(label, version, None)
    return Check(label, NOT_INSTALLED, NOTEBOOK_FIX if notebook_tool else f"pip install {distribution}")


def _python_check():
    version = ".".join(str(part) for part in sys.version_info[:3])
    value = f"{version} ({sys.executable})"
    if tuple(sys.version_info[:2]) < MINIMUM_PYTHON:  # reachable: the doctor may run under any Python
        return Check("Python", value, "minitf needs Python 3.10 or newer: install a newer Python")
    return Check("Python", value, None)


def _minitf_check():
    version = distribution_version("minitf")
    try:
        import minitf

        version = minitf.__version__
        where = os.path.dirname(os.path.abspath(minitf.__file__))
    except Exception as error:  # the doctor must report a broken import, not die of it
        return Check("minitf", f"fails to import: {error}", "reinstall it: pip install -e .")
    return Check("minitf", f"{version} ({where})", None)


def gpu_status():
    """Say whether CuPy can use a GPU: ``(usable, text)``, where ``text`` names the device or the reason.

    The reasons a learner meets: CuPy is not installed, CuPy is installed but finds
    no CUDA driver, or the driver finds no device.
    """
    try:
        cupy = import_cupy()
    except ImportError:
        return False, "no: CuPy is not installed (optional; for an NVIDIA GPU: pip install -e '.[gpu]')"
    except Exception as error:  # CuPy can fail on import when its CUDA libraries are missing
        return False, f"no: CuPy fails to import ({_first_line(error)})"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as error:  # CuPy raises its own CUDA error types
        return False, f"no: {_cuda_reason(error)}"
    if count == 0:
        return False, "no: no CUDA device found (the driver sees 0 GPUs)"
    try:
        name = cupy.cuda.runtime.getDeviceProperties(0)["name"]
        name = name.decode() if isinstance(name, bytes) else str(name)
        total = float((cupy.ones(4, dtype=cupy.float32) * 2).sum())  # compiles and runs a real kernel
    except Exception as error:
        return False, f"no: the GPU is found but a computation failed ({_first_line(error)})"
    if total != 8.0:
        return False, f"no: a test computation on the GPU gave {total} instead of 8.0"
    return True, f"yes: {count} device(s), GPU 0 is {name}"


def _first_line(error):
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]


def _cuda_reason(error):
    text = _first_line(error)
    lowered = text.lower()
    if "nodevice" in lowered or "no cuda-capable device" in lowered:
        return f"no CUDA device found ({text})"
    if "driver" in lowered or "libcuda" in lowered:
        return f"no usable CUDA driver ({text})"
    return f"CUDA is not usable ({text})"


def _gpu_checks(backend_name):
    cupy_version = distribution_version("cupy") or _cupy_wheel_version()
    usable, text = gpu_status()
    cupy_check = Check("CuPy", cupy_version or NOT_INSTALLED, None)
    fix = None
    if not usable and backend_name == "cupy":
        fix = "the cupy backend is selected but no GPU is usable: unset MINITF_BACKEND or set_backend('numpy')"
    elif not usable and cupy_version is not None:
        if "no CUDA device" in text:
            fix = "CuPy is installed but finds no GPU: run on a machine with an NVIDIA GPU, or ignore this on a CPU"
        elif "CUDA driver" in text:
            fix = "CuPy is installed but finds no CUDA driver: install NVIDIA's driver, or ignore this on a CPU"
        else:
            fix = "CuPy is installed but cannot use the GPU: match the cupy-cudaXX package to your CUDA version"
    return [cupy_check, Check("GPU usable", text, fix)]


def _cupy_wheel_version():
    # CuPy ships as cupy-cuda11x, cupy-cuda12x, ... rather than as "cupy".
    for suffix in ("cuda13x", "cuda12x", "cuda11x", "rocm-5-0", "rocm-4-3"):
        version = distribution_version(f"cupy-{suffix}")
        if version is not None:
            return f"{version} (cupy-{suffix})"
    return None


def _widget_extension_check():
    label = "Widget extension"
    version = distribution_version("jupyterlab_widgets")
    folders = [folder for folder in labextension_dirs() if os.path.exists(os.path.join(folder, _WIDGET_EXTENSION))]
    if version is None and not folders:
        fix = None
        if distribution_version("jupyterlab") is not None or distribution_version("ipywidgets") is not None:
            fix = (
                "widgets will show as text only (no sliders): pip install jupyterlab_widgets "
                "(it comes with ipywidgets), then restart JupyterLab"
            )
        return Check(label, f"jupyterlab_widgets {NOT_INSTALLED}", fix)
    if version is not None and not folders:
        return Check(
            label,
            f"jupyterlab_widgets {version}, but its files are missing from JupyterLab's extension folders",
            "reinstall it into the environment JupyterLab runs from: pip install --force-reinstall jupyterlab_widgets",
        )
    value = f"jupyterlab_widgets {version or '(unknown version)'}, installed in {folders[0]}"
    widgets = distribution_version("ipywidgets")
    if widgets and version:
        wanted = _MATCHING_EXTENSION.get(widgets.split(".")[0])
        if wanted is not None and version.split(".")[0] != wanted:
            fix = (
                f"ipywidgets {widgets} needs jupyterlab_widgets {wanted}.x, not {version}: "
                f"pip install 'jupyterlab_widgets=={wanted}.*', then restart JupyterLab"
            )
            return Check(label, value, fix)
    return Check(label, value, None)


def _backend_check():
    try:
        from minitf import backend

        return Check("Backend", backend.get_backend(), None)
    except Exception as error:
        return Check("Backend", f"unknown ({_first_line(error)})", "unset MINITF_BACKEND, then import minitf again")


def checks():
    """Run every check and return them as a list of :class:`Check` rows, in the order they are printed."""
    backend_check = _backend_check()
    rows = [
        _python_check(),
        _version_check("NumPy", "numpy"),
        _minitf_check(),
        _version_check("ipywidgets", "ipywidgets", notebook_tool=True),
        _version_check("matplotlib", "matplotlib", notebook_tool=True),
        _version_check("JupyterLab", "jupyterlab", notebook_tool=True),
        backend_check,
    ]
    rows += _gpu_checks(backend_check.value)
    rows.append(_widget_extension_check())
    return rows


def report(rows=None):
    """Return the doctor's report as text: one line per check, then what to do."""
    rows = checks() if rows is None else rows
    width = max(len(row.label) for row in rows) + 1
    lines = [f"{row.label + ':':<{width}} {row.value}" for row in rows]
    fixes = [row.fix for row in rows if row.fix and row.fix != NOTEBOOK_FIX]
    missing_tools = [row.label for row in rows if row.fix == NOTEBOOK_FIX]
    if missing_tools:  # one command installs them all: say it once
        names = " and ".join(filter(None, [", ".join(missing_tools[:-1]), missing_tools[-1]]))
        fixes.insert(0, f"install {names}, which the chapters need: {NOTEBOOK_FIX}")
    if fixes:
        numbered = "  ".join(f"({i}) {fix}." for i, fix in enumerate(fixes, 1))
        lines.append(f"What to do: {numbered}")
    else:
        lines.append("What to do: nothing, everything minitf needs is in place.")
    return "\n".join(lines)


def doctor(file=None):
    """Print what is installed and usable for minitf, and what to do about each problem found.

    Call it as ``minitf.doctor()`` in a notebook or run ``python -m minitf doctor``.
    It never raises: a missing or broken package is reported, not fatal.

    Args:
        file: where to print (default ``sys.stdout``).
    """
    print(report(), file=file or sys.stdout)


class _CallableModule(types.ModuleType):
    """Lets ``minitf.doctor()`` call the function although ``minitf.doctor`` is this (lazily imported) module."""

    def __call__(self, file=None):
        return doctor(file=file)


sys.modules[__name__].__class__ = _CallableModule
