"""Fixtures for the real-browser test: a JupyterLab server of our own and a headless Debian chromium.

The server runs on a free port of 127.0.0.1, without token or password, with its
own config, settings, workspace, runtime and IPython folders in a temporary
directory (autosave off, no news pop-up, every cell rendered). It serves *work
copies* of the notebooks, so JupyterLab never writes into the repository. Only the
server started here is stopped, with the kernels it started.

Where chromium, playwright or the notebook tools are missing the tests skip with a
message saying what to install, except when the environment variable ``CI`` is set:
there a missing piece is a failure, so the browser test can never silently vanish.
"""

import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ARTIFACTS = os.path.join(ROOT, "test-artifacts")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
LAB_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    # render every cell at once, so the screenshot shows the whole notebook
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
}


def chromium_path():
    """Debian's chromium (apt-get install chromium), or None."""
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None


def missing_prerequisites():
    """What the browser test needs and does not find, as install hints (empty when all is there)."""
    missing = []
    if chromium_path() is None:
        missing.append("chromium (sudo apt-get install chromium; python3 tests/run.py does it on Debian/Ubuntu)")
    for module, package in (("playwright", "playwright"), ("jupyterlab", "jupyterlab"), ("ipykernel", "ipykernel"),
                            ("ipywidgets", "ipywidgets"), ("nbformat", "nbformat")):
        if importlib.util.find_spec(module) is None:
            missing.append(f"{package} (pip install -e '.[test]')")
    return missing


def require_browser_prerequisites():
    """Skip (or, under CI, fail) with a message naming each missing piece."""
    missing = missing_prerequisites()
    if not missing:
        return
    message = "the real-browser test needs " + "; ".join(missing)
    if os.environ.get("CI"):
        pytest.fail(f"{message}. CI is set, so this test may not skip.", pytrace=False)
    pytest.skip(message)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_lab_settings(folder):
    for name, values in LAB_SETTINGS.items():
        path = os.path.join(folder, name + ".jupyterlab-settings")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            json.dump(values, f)


class LabServer:
    """A ``jupyter lab`` process serving ``root_dir``; ``url`` is its base address."""

    def __init__(self, root_dir, home, log_path):
        self.root_dir = root_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ)
        for var in ("JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR", "JUPYTERLAB_SETTINGS_DIR",
                    "JUPYTERLAB_WORKSPACES_DIR", "IPYTHONDIR"):
            env[var] = os.path.join(home, var.lower())
            os.makedirs(env[var], exist_ok=True)
        write_lab_settings(env["JUPYTERLAB_SETTINGS_DIR"])
        # kernels import this checkout's minitf, whether or not it is installed
        env["PYTHONPATH"] = os.pathsep.join([ROOT] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
        env.pop("MPLBACKEND", None)
        command = [
            sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.token=", "--ServerApp.password=",
            "--ip=127.0.0.1", f"--port={self.port}", "--ServerApp.port_retries=0", f"--ServerApp.root_dir={root_dir}",
            "--LabApp.expose_app_in_browser=True",  # lets the test read the notebook model the page shows
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-root")
        self.log_path = log_path
        self._log = open(log_path, "w")
        # a session of its own, so that the kernels it starts can be stopped with it and nothing else
        self.process = subprocess.Popen(command, env=env, cwd=root_dir, stdout=self._log, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def wait_until_ready(self, timeout=90):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with status {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"JupyterLab did not answer on {self.url} within {timeout} s:\n{self.log_tail()}")

    def log_tail(self, lines=30):
        self._log.flush()
        with open(self.log_path) as f:
            return "".join(f.readlines()[-lines:])

    def stop(self):
        """Stop this server (it shuts down its kernels), then anything left in its own process group."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if hasattr(os, "killpg"):
            try:
                os.killpg(self.process.pid, signal.SIGKILL)  # the group created for this server only
            except (ProcessLookupError, PermissionError):
                pass
        self._log.close()


@pytest.fixture(scope="session")
def artifacts_dir():
    os.makedirs(ARTIFACTS, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def notebook_workdir(tmp_path_factory):
    """A temporary folder with work copies of the chapters (``chapters/``) for the server to serve."""
    work = tmp_path_factory.mktemp("browser-notebooks")
    source = os.path.join(ROOT, "chapters")
    if os.path.isdir(source):
        # the whole folder, so notebooks find any data or helper files beside them
        shutil.copytree(source, work / "chapters",
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.pyc"))
    (work / "sample").mkdir()
    return work


@pytest.fixture(scope="session")
def lab_server(notebook_workdir, tmp_path_factory, artifacts_dir):
    require_browser_prerequisites()
    server = LabServer(str(notebook_workdir), str(tmp_path_factory.mktemp("jupyter-home")),
                       os.path.join(artifacts_dir, "jupyterlab-server.log"))
    try:
        server.wait_until_ready()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser(lab_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def lab_page(browser, lab_server):
    """One JupyterLab page, loaded once (each test opens and closes its notebook in it), and its JavaScript errors.

    The workspace is a fresh one, and the file browser is folded away to give the notebook the width.
    """
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{lab_server.url}/lab/workspaces/minitf-browser-test?reset")
    page.wait_for_function("() => !!(window.jupyterapp && window.jupyterapp.commands.hasCommand('docmanager:open'))",
                           timeout=90_000)
    page.evaluate("() => Promise.race([window.jupyterapp.restored, new Promise(done => setTimeout(done, 60000))])")
    if page.evaluate("() => !document.querySelector('#jp-left-stack').classList.contains('lm-mod-hidden')"):
        page.evaluate("() => window.jupyterapp.commands.execute('application:toggle-left-area')")
    try:
        yield page, errors
    finally:
        page.close()
