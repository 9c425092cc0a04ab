"""The chapter notebooks as files, without a kernel: stored with the outputs of one clean run, and launchable.

nbval (run by pytest on chapters/*.ipynb) re-executes each notebook and compares every
output; but a notebook stored without outputs, or edited after its outputs were made,
would pass it while checking nothing. These tests catch that, and check what makes the
chapters open on Binder and Colab: the first cell, binder/, the README's links.
Outputs are only ever rewritten by ``python3 chapters/regenerate.py``.
"""

import copy
import importlib.util
import os
import re
import subprocess
import sys

import pytest

nbformat = pytest.importorskip("nbformat")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_spec = importlib.util.spec_from_file_location("regenerate", os.path.join(ROOT, "chapters", "regenerate.py"))
regenerate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(regenerate)

CHAPTERS = regenerate.chapter_paths()
IGNORE = "nbval-ignore-output"


def repository():
    """The GitHub repository URL, defined once in pyproject.toml's [project.urls]."""
    text = open(os.path.join(ROOT, "pyproject.toml")).read()
    urls = text.split("[project.urls]", 1)[1].split("\n[", 1)[0]
    return re.search(r'^Repository\s*=\s*"(https://github\.com/[\w.-]+/[\w.-]+)"', urls, re.M).group(1)


def colab_cell():
    return (f'if "google.colab" in sys.modules:\n'
            f'    %pip install -q "minitf @ git+{repository()}"\n')


def problems(nb):
    """Everything wrong with a stored chapter notebook; empty when it is one clean run's output."""
    found = []
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as e:
        found.append(f"invalid notebook: {e.message}")
    first = nb.cells[0]
    if first.cell_type != "code" or colab_cell() not in first.source:
        found.append("the first cell is not the Colab install cell")
    for needed in ("%matplotlib inline", "tf.random.set_seed(", "np.random.seed("):
        if needed not in first.source:
            found.append(f"the first cell lacks {needed!r}")
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    counts = [cell.execution_count for cell in code]
    if counts != list(range(1, len(code) + 1)):
        found.append(f"execution counts are not 1..{len(code)} from one run: {counts}")
    if nb.metadata.get("regenerated", {}).get("code_sha256") != regenerate.code_hash(nb):
        found.append("code cells changed after the outputs were made: run python3 chapters/regenerate.py")
    if dict(nb.metadata) != {**nb.metadata, "kernelspec": regenerate.KERNELSPEC,
                             "language_info": regenerate.LANGUAGE_INFO} or "widgets" in nb.metadata:
        found.append("notebook metadata is not the fixed one (kernelspec, language_info, no widget state)")
    if regenerate.clean(copy.deepcopy(nb)) != nb:
        found.append("the file is not what chapters/regenerate.py writes (execution metadata, model ids, streams)")
    for cell in code:
        where = f"cell [{cell.execution_count}]"
        ignored = IGNORE in cell.metadata.get("tags", [])
        if not cell.outputs and "print(" in cell.source:
            found.append(f"{where} prints but has no stored output")
        for output in cell.outputs:
            explained = output.get("name") == "stderr" and _only_explain_warnings(output.text)
            if output.output_type == "error" or (output.get("name") == "stderr" and not explained):
                found.append(f"{where} stores an error or a warning")
            if output.output_type == "execute_result" and output.execution_count != cell.execution_count:
                found.append(f"{where} has a result from another run")
            data = output.get("data", {})
            if (regenerate.WIDGET_VIEW in data or "image/png" in data) and not ignored:
                found.append(f"{where} shows a widget or a plot without the {IGNORE} tag")
            text = output.get("text", "") + data.get("text/plain", "")
            if "\x1b[" in text or "\r" in text or (not ignored and re.search(r"0x[0-9a-f]{6,}", text)):
                found.append(f"{where} stores ANSI codes, carriage returns or memory addresses")
    return found


def test_the_five_chapters_are_there():
    names = [os.path.basename(path) for path in CHAPTERS]
    assert [name[:3] for name in names] == ["01_", "02_", "03_", "04_", "05_"], names


@pytest.mark.parametrize("path", CHAPTERS, ids=os.path.basename)
def test_chapter_is_stored_with_the_outputs_of_one_clean_run(path):
    assert problems(nbformat.read(path, as_version=4)) == []


@pytest.mark.parametrize("path", CHAPTERS, ids=os.path.basename)
def test_chapter_has_widgets_a_summary_and_checkable_exercises(path):
    nb = nbformat.read(path, as_version=4)
    markdown = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")
    code = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "code")
    assert "\n## Summary" in "\n" + markdown and "\n## Exercises" in "\n" + markdown
    assert len(re.findall(r'lessons\.check_answer\("\d\.\d", answer\)', code)) >= 2
    assert re.search(r"lessons\.\w+\(", code) and any(
        regenerate.WIDGET_VIEW in output.get("data", {}) for cell in nb.cells for output in cell.get("outputs", []))


def test_hygiene_check_fails_on_a_stripped_or_edited_notebook():
    nb = nbformat.read(CHAPTERS[0], as_version=4)
    stripped = copy.deepcopy(nb)
    for cell in stripped.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    assert any("execution counts" in p for p in problems(stripped))
    edited = copy.deepcopy(nb)
    next(cell for cell in edited.cells[1:] if cell.cell_type == "code").source += "\nprint(1)"
    assert any("changed after" in p for p in problems(edited))
    with_state = copy.deepcopy(nb)
    with_state.metadata["widgets"] = {"state": {}}
    assert problems(with_state)


def test_binder_configuration_files():
    binder = os.path.join(ROOT, "binder")
    assert open(os.path.join(binder, "runtime.txt")).read().strip() == "python-3.11"
    post_build = os.path.join(binder, "postBuild")
    assert os.access(post_build, os.X_OK)
    assert "python -m pip install --no-deps -e ." in open(post_build).read()
    requirements = open(os.path.join(binder, "requirements.txt")).read()
    for package in ("numpy", "ipywidgets>=7.7", "matplotlib", "ipykernel", "jupyterlab"):
        assert package in requirements


def test_repo2docker_accepts_the_binder_configuration():
    if importlib.util.find_spec("repo2docker") is None:
        pytest.skip("repo2docker is not installed (pip install -e '.[test]')")
    result = subprocess.run([sys.executable, "-m", "repo2docker", "--no-build", "--debug", "."], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-2000:]
    assert "python=3.11" in log
    assert 'pip install --no-cache-dir -r "binder/requirements.txt"' in log
    assert "RUN ./binder/postBuild" in log


def test_readme_links_every_chapter_on_binder_and_colab():
    readme = open(os.path.join(ROOT, "README.md")).read()
    assert "## Chapters" in readme
    slug = repository().removeprefix("https://github.com/")
    for path in CHAPTERS:
        name = os.path.basename(path)
        assert f"https://mybinder.org/v2/gh/{slug}/HEAD?urlpath=lab/tree/chapters/{name}" in readme
        assert f"https://colab.research.google.com/github/{slug}/blob/main/chapters/{name}" in readme


def test_regenerate_cleans_what_changes_between_runs():
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    cell = new_code_cell("for i in range(2): print(i)\nwidget", execution_count=1)
    cell.metadata["execution"] = {"iopub.status.busy": "2026-01-01T00:00:00Z"}
    cell.outputs = [new_output("stream", name="stdout", text="0\n"), new_output("stream", name="stdout", text="1\n"),
                    new_output("execute_result", {regenerate.WIDGET_VIEW: {"model_id": "abc123", "version_major": 2},
                                                  "text/plain": "VBox()"}, execution_count=1)]
    stale = {"widgets": {"state": {}}, "kernelspec": {"name": "other", "display_name": "Other"}}
    nb = new_notebook(cells=[cell], metadata=stale)
    regenerate.clean(nb)
    assert [o.output_type for o in cell.outputs] == ["stream", "execute_result"]
    assert cell.outputs[0].text == "0\n1\n"
    assert cell.outputs[1].data[regenerate.WIDGET_VIEW]["model_id"] == ""
    assert "execution" not in cell.metadata and "widgets" not in nb.metadata
    assert nb.metadata["kernelspec"] == regenerate.KERNELSPEC
    assert nb.metadata["regenerated"]["code_sha256"] == regenerate.code_hash(nb)


def test_chapters_conftest_makes_the_sanitize_file_absolute(monkeypatch):
    from types import SimpleNamespace

    spec = importlib.util.spec_from_file_location("chapters_conftest", os.path.join(ROOT, "chapters", "conftest.py"))
    conftest = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conftest)
    monkeypatch.setenv("PYTHONPATH", "")
    monkeypatch.chdir(os.path.join(ROOT, "chapters"))
    for given in (None, "chapters/sanitize.cfg"):
        config = SimpleNamespace(option=SimpleNamespace(nbval_sanitize_with=given))
        conftest.pytest_configure(config)
        assert config.option.nbval_sanitize_with == os.path.join(ROOT, "chapters", "sanitize.cfg")
    assert os.environ["PYTHONPATH"] == ROOT


def _only_explain_warnings(text):
    """True for stderr that holds only explain mode's warnings (shown on purpose, pinned by nbval)."""
    paragraphs = [p for p in re.split(r"\n(?=\S)", text.strip()) if p]
    return bool(paragraphs) and all(p.startswith("ExplainWarning (cell line ") for p in paragraphs)
