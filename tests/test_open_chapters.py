"""chapters/open.py: the JupyterLab command it runs, as a normal user and as root."""

import importlib.util
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _open_script():
    spec = importlib.util.spec_from_file_location("open_chapters", os.path.join(ROOT, "chapters", "open.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # defines functions only: the set-up runs under __main__
    return module


def test_a_normal_user_gets_plain_jupyter_lab():
    script = _open_script()
    assert script.lab_command("py", [], is_root=False) == ["py", "-m", "jupyter", "lab"]
    assert script.lab_command("py", ["--port", "9000"], is_root=False) == ["py", "-m", "jupyter", "lab", "--port",
                                                                          "9000"]


def test_root_gets_allow_root_once():
    script = _open_script()
    assert script.lab_command("py", [], is_root=True) == ["py", "-m", "jupyter", "lab", "--allow-root"]
    assert script.lab_command("py", ["--allow-root"], is_root=True).count("--allow-root") == 1
    assert "--allow-root" in script.ROOT_NOTE


def test_root_detection_matches_the_process(monkeypatch):
    script = _open_script()
    monkeypatch.setattr(os, "geteuid", lambda: 0, raising=False)
    assert script.running_as_root() is True
    monkeypatch.setattr(os, "geteuid", lambda: 1000, raising=False)
    assert script.running_as_root() is False
