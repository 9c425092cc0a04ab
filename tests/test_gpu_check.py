"""The GPU check's parts that need no GPU: the script parses, chapter outputs are compared right, peaks are found."""

import importlib.util
import os
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, "benchmarks", f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_the_script_parses_and_explains_itself():
    script = os.path.join(ROOT, "benchmarks", "gpu_check.sh")
    assert subprocess.run(["bash", "-n", script]).returncode == 0
    usage = subprocess.run(["bash", script, "--help"], capture_output=True, text=True)
    assert usage.returncode == 2 and "--fetch-wheels" in usage.stdout and "summary.txt" in usage.stdout


def test_outputs_that_differ_only_in_numbers_are_measured():
    chapters = load("gpu_chapters")
    assert chapters.compare("loss 0.1234, step 3", "loss 0.1234, step 3") is None
    difference = chapters.compare("loss 0.1234 acc 95.0%\n", "loss 0.1236 acc 95.0%\n")
    assert difference["kind"] == "numbers"
    assert difference["max_abs"] == pytest.approx(2e-4) and difference["max_rel"] == pytest.approx(2e-4 / 0.1236)
    difference = chapters.compare("array([1., 2.], dtype=float32)\nok", "array([1., 2.], dtype=float32)\nNaN")
    assert difference == {"kind": "text", "line": 1, "stored": "ok", "now": "NaN"}
    assert chapters.compare("1 2", "1 2 3")["kind"] == "text"


def test_cell_text_is_what_nbval_compares():
    nbformat = pytest.importorskip("nbformat")
    chapters = load("gpu_chapters")
    cell = nbformat.v4.new_code_cell("x", outputs=[
        nbformat.v4.new_output("stream", name="stdout", text="step 1\n"),
        nbformat.v4.new_output("stream", name="stdout", text="step 2 at 0x7f00ab\n"),  # chunked, with an address
        nbformat.v4.new_output("display_data", data={"image/png": "iVBOR", "text/plain": "<Figure>"}),
        nbformat.v4.new_output("error", ename="ValueError", evalue="bad", traceback=[]),
    ])
    text = chapters.cell_text(cell, chapters.sanitizers())
    assert text == "[stdout]\nstep 1\nstep 2 at 0xADDRESS\n\n[text/plain]\n<Figure>\n[error]\nValueError: bad"


def test_fp32_peaks_come_from_the_device_name():
    run = load("run")
    assert run.fp32_peak("NVIDIA H200")[0] == 67.0
    assert run.fp32_peak("NVIDIA H100 PCIe")[0] == 51.2
    assert run.fp32_peak("NVIDIA H100 80GB HBM3")[0] == 67.0
    peak, why = run.fp32_peak("Some Future GPU")
    assert peak is None and "no fp32 peak known" in why
