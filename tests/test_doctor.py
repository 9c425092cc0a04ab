"""``minitf.doctor()`` and ``python -m minitf doctor``: every check, its missing and broken paths, and the fixes."""

import os
import subprocess
import sys
import types

import numpy as np
import pytest

import minitf
from minitf import backend
from minitf import doctor as doctor_module

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LABELS = ["Python", "NumPy", "minitf", "ipywidgets", "matplotlib", "JupyterLab", "Backend", "CuPy", "GPU usable",
          "Widget extension"]


@pytest.fixture(autouse=True)
def _default_backend(monkeypatch):
    """The reports below are those of the default backend, also when the suite runs under MINITF_BACKEND=cupy."""
    monkeypatch.delenv("MINITF_BACKEND", raising=False)  # for the subprocesses too
    monkeypatch.setattr(backend, "name", "numpy")


def rows_by_label(rows):
    return {row.label: row for row in rows}


def fake_versions(monkeypatch, **versions):
    """Make ``distribution_version`` answer from ``versions`` (None = not installed) and the real metadata otherwise."""
    real = doctor_module.distribution_version

    def version(name):
        key = name.replace("-", "_")
        return versions[key] if key in versions else real(name)

    monkeypatch.setattr(doctor_module, "distribution_version", version)


def fake_cupy(monkeypatch, count=1, error=None, name=b"Fake GPU 80GB", kernel_result=None):
    """Install a stand-in for CuPy: NumPy arrays, and a CUDA runtime that reports ``count`` devices or ``error``."""

    def device_count():
        if error is not None:
            raise error
        return count

    runtime = types.SimpleNamespace(getDeviceCount=device_count, getDeviceProperties=lambda i: {"name": name})

    def ones(n, dtype):
        return np.full(n, 1.0 if kernel_result is None else kernel_result / 8, dtype=dtype)

    module = types.SimpleNamespace(cuda=types.SimpleNamespace(runtime=runtime), ones=ones, float32=np.float32)
    monkeypatch.setattr(doctor_module, "import_cupy", lambda: module)
    fake_versions(monkeypatch, cupy=None, cupy_cuda12x="13.3.0")


def test_report_lists_every_check_in_order_and_ends_with_what_to_do():
    text = doctor_module.report()
    lines = text.splitlines()
    assert [line.split(":")[0] for line in lines[:-1]] == LABELS
    assert lines[-1].startswith("What to do: ")
    assert f"NumPy:            {np.__version__}" in text
    assert f"minitf:           {minitf.__version__}" in text
    assert "Backend:          numpy" in text


def test_minitf_doctor_is_callable_and_prints_the_report(capsys):
    minitf.doctor()
    out = capsys.readouterr().out
    assert out.startswith("Python:")
    assert "What to do:" in out.splitlines()[-1]
    assert minitf.doctor.doctor is doctor_module.doctor


def test_doctor_prints_to_a_given_file(tmp_path):
    path = tmp_path / "report.txt"
    with open(path, "w") as f:
        minitf.doctor(file=f)
    assert path.read_text().startswith("Python:")


def test_import_minitf_does_not_import_the_doctor():
    code = "import sys, minitf; print('minitf.doctor' in sys.modules, 'cupy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_command_line_doctor():
    result = subprocess.run([sys.executable, "-m", "minitf", "doctor"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Python:")
    assert result.stdout.splitlines()[-1].startswith("What to do: ")
    assert result.stderr == ""


def test_command_line_without_a_command_prints_usage():
    result = subprocess.run([sys.executable, "-m", "minitf"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 2
    assert "usage: python -m minitf doctor" in result.stderr
    assert minitf_main(["--help"]) == 0


def minitf_main(argv):
    from minitf.__main__ import main

    return main(argv)


def test_notebook_tools_not_installed(monkeypatch, tmp_path):
    fake_versions(monkeypatch, ipywidgets=None, matplotlib=None, jupyterlab=None, jupyterlab_widgets=None)
    monkeypatch.setattr(doctor_module, "labextension_dirs", lambda: [str(tmp_path)])
    rows = rows_by_label(doctor_module.checks())
    for label in ("ipywidgets", "matplotlib", "JupyterLab"):
        assert rows[label].value == "not installed"
        assert ".[notebooks]" in rows[label].fix
    # with neither JupyterLab nor ipywidgets there is no extension to miss
    assert rows["Widget extension"].value == "jupyterlab_widgets not installed"
    assert rows["Widget extension"].fix is None
    last = doctor_module.report(list(rows.values())).splitlines()[-1]
    assert last == ("What to do: (1) install ipywidgets, matplotlib and JupyterLab, which the chapters need: "
                    "pip install -e '.[notebooks]' (python3 chapters/open.py does it for you).")


def test_widget_extension_missing_while_jupyterlab_is_installed(monkeypatch, tmp_path):
    fake_versions(monkeypatch, jupyterlab="4.2.0", ipywidgets="8.1.0", jupyterlab_widgets=None)
    monkeypatch.setattr(doctor_module, "labextension_dirs", lambda: [str(tmp_path)])
    row = rows_by_label(doctor_module.checks())["Widget extension"]
    assert row.value == "jupyterlab_widgets not installed"
    assert "pip install jupyterlab_widgets" in row.fix and "restart JupyterLab" in row.fix


def make_extension(folder):
    package = folder / "@jupyter-widgets" / "jupyterlab-manager"
    package.mkdir(parents=True)
    (package / "package.json").write_text("{}")


def test_widget_extension_installed(monkeypatch, tmp_path):
    make_extension(tmp_path)
    fake_versions(monkeypatch, ipywidgets="8.1.5", jupyterlab_widgets="3.0.13")
    monkeypatch.setattr(doctor_module, "labextension_dirs", lambda: ["/nowhere", str(tmp_path)])
    row = rows_by_label(doctor_module.checks())["Widget extension"]
    assert row.value == f"jupyterlab_widgets 3.0.13, installed in {tmp_path}"
    assert row.fix is None


def test_widget_extension_that_does_not_match_ipywidgets(monkeypatch, tmp_path):
    make_extension(tmp_path)
    fake_versions(monkeypatch, ipywidgets="8.1.5", jupyterlab_widgets="1.1.7")
    monkeypatch.setattr(doctor_module, "labextension_dirs", lambda: [str(tmp_path)])
    row = rows_by_label(doctor_module.checks())["Widget extension"]
    assert "ipywidgets 8.1.5 needs jupyterlab_widgets 3.x, not 1.1.7" in row.fix


def test_widget_extension_package_without_its_files(monkeypatch, tmp_path):
    fake_versions(monkeypatch, jupyterlab_widgets="3.0.13")
    monkeypatch.setattr(doctor_module, "labextension_dirs", lambda: [str(tmp_path)])
    row = rows_by_label(doctor_module.checks())["Widget extension"]
    assert "files are missing" in row.value
    assert "--force-reinstall jupyterlab_widgets" in row.fix


def test_labextension_dirs_include_this_environment():
    assert any(os.path.realpath(d).startswith(os.path.realpath(sys.prefix)) for d in doctor_module.labextension_dirs())


def test_cupy_not_installed(monkeypatch):
    def missing():
        raise ImportError("No module named 'cupy'")

    monkeypatch.setattr(doctor_module, "import_cupy", missing)
    fake_versions(monkeypatch, cupy=None, cupy_cuda13x=None, cupy_cuda12x=None, cupy_cuda11x=None,
                  cupy_rocm_5_0=None, cupy_rocm_4_3=None)
    rows = rows_by_label(doctor_module.checks())
    assert rows["CuPy"].value == "not installed"
    assert rows["GPU usable"].value.startswith("no: CuPy is not installed (optional")
    assert rows["CuPy"].fix is None and rows["GPU usable"].fix is None  # a CPU is enough for every chapter


def test_cupy_that_fails_to_import(monkeypatch):
    def broken():
        raise OSError("libcudart.so.12: cannot open shared object file")

    monkeypatch.setattr(doctor_module, "import_cupy", broken)
    fake_versions(monkeypatch, cupy=None, cupy_cuda12x="13.3.0")
    rows = rows_by_label(doctor_module.checks())
    assert rows["CuPy"].value == "13.3.0 (cupy-cuda12x)"
    assert rows["GPU usable"].value == "no: CuPy fails to import (libcudart.so.12: cannot open shared object file)"
    assert "match the cupy-cudaXX package" in rows["GPU usable"].fix


def test_cupy_without_a_cuda_driver(monkeypatch):
    error = RuntimeError("cudaErrorInsufficientDriver: CUDA driver version is insufficient for CUDA runtime version")
    fake_cupy(monkeypatch, error=error)
    row = rows_by_label(doctor_module.checks())["GPU usable"]
    assert row.value == f"no: no usable CUDA driver ({error})"
    assert "finds no CUDA driver" in row.fix


def test_cupy_without_a_device(monkeypatch):
    fake_cupy(monkeypatch, error=RuntimeError("cudaErrorNoDevice: no CUDA-capable device is detected"))
    row = rows_by_label(doctor_module.checks())["GPU usable"]
    assert row.value == "no: no CUDA device found (cudaErrorNoDevice: no CUDA-capable device is detected)"
    assert "finds no GPU" in row.fix


def test_cupy_with_zero_devices(monkeypatch):
    fake_cupy(monkeypatch, count=0)
    row = rows_by_label(doctor_module.checks())["GPU usable"]
    assert row.value == "no: no CUDA device found (the driver sees 0 GPUs)"
    assert "finds no GPU" in row.fix


def test_cupy_with_a_usable_gpu(monkeypatch):
    fake_cupy(monkeypatch, count=2)
    rows = rows_by_label(doctor_module.checks())
    assert rows["GPU usable"].value == "yes: 2 device(s), GPU 0 is Fake GPU 80GB"
    assert rows["GPU usable"].fix is None
    assert rows["CuPy"].value == "13.3.0 (cupy-cuda12x)"


def test_gpu_whose_test_computation_is_wrong(monkeypatch):
    fake_cupy(monkeypatch, kernel_result=4.0)
    row = rows_by_label(doctor_module.checks())["GPU usable"]
    assert row.value == "no: a test computation on the GPU gave 4.0 instead of 8.0"


def test_cupy_backend_selected_without_a_gpu(monkeypatch):
    fake_cupy(monkeypatch, error=RuntimeError("cudaErrorNoDevice: no CUDA-capable device is detected"))
    monkeypatch.setattr(backend, "name", "cupy")
    rows = rows_by_label(doctor_module.checks())
    assert rows["Backend"].value == "cupy"
    assert "unset MINITF_BACKEND" in rows["GPU usable"].fix


def test_python_too_old(monkeypatch):
    monkeypatch.setattr(sys, "version_info", (3, 9, 18, "final", 0))
    row = doctor_module._python_check()
    assert row.value.startswith("3.9.18 (")
    assert "Python 3.10 or newer" in row.fix


def test_distribution_version_never_raises(monkeypatch):
    assert doctor_module.distribution_version("numpy") == np.__version__
    assert doctor_module.distribution_version("surely-not-a-package-minitf") is None

    def broken(name):
        raise ValueError("corrupt METADATA")

    monkeypatch.setattr(doctor_module.importlib.metadata, "version", broken)
    assert doctor_module.distribution_version("numpy") is None


def test_report_numbers_every_fix():
    rows = [doctor_module.Check("A", "1", None), doctor_module.Check("Bee", "2", "do x"),
            doctor_module.Check("C", "3", "do y")]
    assert doctor_module.report(rows) == "A:   1\nBee: 2\nC:   3\nWhat to do: (1) do x.  (2) do y."


@pytest.mark.parametrize("missing", ["ipywidgets", "matplotlib", "jupyterlab"])
def test_each_missing_tool_is_named_in_what_to_do(monkeypatch, missing):
    fake_versions(monkeypatch, **{missing: None})
    last = doctor_module.report().splitlines()[-1]
    name = {"jupyterlab": "JupyterLab"}.get(missing, missing)
    assert f"install {name}, which the chapters need: pip install -e '.[notebooks]'" in last
