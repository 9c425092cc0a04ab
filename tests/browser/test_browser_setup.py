"""The browser test's set-up, without a browser: when it skips, when it must fail, what tests/run.py selects."""

import os

import pytest

from tests import run
from tests.browser import conftest


def test_missing_chromium_skips_with_the_install_command(monkeypatch):
    monkeypatch.setattr(conftest, "chromium_path", lambda: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"chromium \(sudo apt-get install chromium"):
        conftest.require_browser_prerequisites()


def test_missing_chromium_fails_under_ci(monkeypatch):
    monkeypatch.setattr(conftest, "chromium_path", lambda: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI is set, so this test may not skip"):
        conftest.require_browser_prerequisites()


def test_missing_python_packages_are_named(monkeypatch):
    real = conftest.importlib.util.find_spec
    monkeypatch.setattr(conftest.importlib.util, "find_spec", lambda name: None if name == "playwright" else real(name))
    assert "playwright (pip install -e '.[test]')" in conftest.missing_prerequisites()


def test_lab_settings_turn_autosave_off(tmp_path):
    conftest.write_lab_settings(str(tmp_path))
    settings = tmp_path / "@jupyterlab" / "docmanager-extension" / "plugin.jupyterlab-settings"
    assert settings.read_text() == '{"autosave": false}'


def test_free_port_is_a_local_port():
    assert 1024 <= conftest.free_port() < 65536


@pytest.mark.parametrize(("argv", "expected"), [
    ([], True),
    (["-k", "hessian"], True),
    (["tests"], True),
    (["tests/browser"], True),
    (["tests/browser/test_chapters_in_browser.py::test_chapter_in_browser[sample_widgets]"], True),
    (["tests/test_tape.py"], False),
    (["tests/test_tape.py::test_gradient", "-x"], False),
])
def test_run_installs_chromium_only_for_runs_that_include_the_browser_test(argv, expected):
    assert run.runs_browser_test(argv) is expected


def test_run_adds_the_browser_run_of_a_named_chapter():
    folder = os.path.join(run.ROOT, "chapters")
    chapters = sorted(name for name in os.listdir(folder) if name.endswith(".ipynb")) if os.path.isdir(folder) else []
    if not chapters:
        pytest.skip("no chapter notebooks yet")
    path = f"chapters/{chapters[0]}"
    argv = run.with_browser_runs_of_chapters([path, "-x"])
    assert argv == [path, "-x", f"{run.BROWSER_TEST}::test_chapter_in_browser[{chapters[0][:-6]}]"]
    assert run.runs_browser_test(argv)
    assert run.with_browser_runs_of_chapters(["chapters/not_there.ipynb"]) == ["chapters/not_there.ipynb"]
