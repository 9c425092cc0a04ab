"""Every chapter as a learner meets it: JupyterLab in headless chromium, restart and run all, then use a widget.

For each ``chapters/*.ipynb`` (and a small sample notebook of this file's own, so the
test means something before any chapter exists) the test opens a work copy in
JupyterLab, restarts the kernel and runs all cells through the Kernel menu's command
and its dialog, and then checks what the page shows:

- no cell ended in an error, except cells tagged ``raises-exception``, and every
  code cell ran;
- widgets rendered (no "Error displaying widget", no bare ``VBox(...)`` text);
- moving a slider with the keyboard, or clicking a button, changes what the
  notebook shows (its text outputs or pictures, the slider's own readout aside).

A screenshot of the whole notebook after that (``NAME.png``), one of the driven widget as a
1280×900 screen shows it (``NAME-widget.png``), and a summary (``NAME.json``: time taken,
which widget was driven, stderr shown to the learner, pictures the browser enlarges) go
to ``test-artifacts/``.
Run one chapter with ``python3 tests/run.py chapters/NAME.ipynb``.
"""

import glob
import json
import os
import re
import time

import pytest

from tests.browser.conftest import ROOT

CHAPTERS = sorted(glob.glob(os.path.join(ROOT, "chapters", "*.ipynb")))
SAMPLE = "sample/sample_widgets.ipynb"
NOTEBOOKS = [SAMPLE] + [f"chapters/{os.path.basename(path)}" for path in CHAPTERS]
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
MAX_SCREENSHOT_HEIGHT = 16000

SAMPLE_CELLS = [
    ("%matplotlib inline\nimport minitf as tf\nimport ipywidgets as widgets\ntf.random.set_seed(0)", []),
    (
        "x = tf.Variable(1.0)\n"
        "slider = widgets.FloatSlider(value=1.0, min=-2.0, max=2.0, step=0.5, description='x',\n"
        "                             continuous_update=False)\n"
        "report = widgets.Output()\n"
        "\n"
        "def show(change=None):\n"
        "    x.assign(slider.value)\n"
        "    with tf.GradientTape() as tape:\n"
        "        y = x * x\n"
        "    report.outputs = ()\n"
        "    dy_dx = tape.gradient(y, x)\n"
        "    report.append_stdout(f'x = {x.numpy():.1f}, y = {y.numpy():.2f}, dy/dx = {dy_dx.numpy():.1f}')\n"
        "\n"
        "slider.observe(show, names='value')\n"
        "show()\n"
        "widgets.VBox([slider, report])",
        ["nbval-ignore-output"],
    ),
    ("tf.constant(2.0) + tf.constant(40)  # minitf never converts dtypes silently", ["raises-exception"]),
    ("print(tf.reduce_sum(tf.ones((2, 3))).numpy())", []),
    # Keras's progress bar rewrites its line in place while it runs (long enough here for several rewrites); in
    # JupyterLab the finished output must read as two clean lines per epoch, with nothing left of the rewrites.
    (
        "import numpy as np\n"
        "from minitf import keras\n"
        "model = keras.Sequential([keras.layers.Dense(1)])\n"
        "model.compile(optimizer='sgd', loss='mse')\n"
        "inputs = np.random.default_rng(0).uniform(-1, 1, (4000, 3)).astype('float32')\n"
        "history = model.fit(inputs, inputs.sum(axis=1, keepdims=True), epochs=2, batch_size=16)",
        ["nbval-ignore-output"],
    ),
]
PROGRESS_LINE = re.compile(r"(Epoch \d+/\d+|\d+/\d+ \[=+\] - loss: \d+\.\d+)")

# Runs in the page: everything the notebook's outputs show, minus the sliders themselves (their handle and readout
# move whenever the slider does), so that a change here is a change of the *view*.
VIEW_SNAPSHOT_JS = """() => {
  const panel = window.jupyterapp.shell.currentWidget.node;
  const parts = [];
  for (const area of panel.querySelectorAll('.jp-OutputArea')) {
    const copy = area.cloneNode(true);
    copy.querySelectorAll('.widget-slider, .widget-readout, .jp-InputPrompt, .jp-OutputPrompt')
        .forEach(e => e.remove());
    parts.push(copy.textContent);
    copy.querySelectorAll('img').forEach(img => parts.push(img.getAttribute('src') || ''));
    copy.querySelectorAll('svg').forEach(svg => parts.push(svg.innerHTML));
  }
  return parts.join('\\n');
}"""

RUN_ALL_JS = """() => {
  window.__minitfRunAll = null;
  window.jupyterapp.commands.execute('runmenu:restart-and-run-all')
    .then(ok => { window.__minitfRunAll = 'finished'; }, error => { window.__minitfRunAll = 'failed: ' + error; });
}"""

SETTLED_STATE_JS = """() => {
  const widget = window.jupyterapp.shell.currentWidget;
  const kernel = widget.sessionContext.session && widget.sessionContext.session.kernel;
  const cells = widget.content.widgets.filter(cell => cell.model.type === 'code');
  return {idle: !!kernel && kernel.status === 'idle',
          counts: cells.map(cell => cell.model.executionCount),
          outputs: cells.map(cell => cell.model.outputs.length)};
}"""
CELLS_JS = "() => window.jupyterapp.shell.currentWidget.content.widgets.map(cell => cell.model.toJSON())"
KERNEL_IDLE_JS = """() => {
  const widget = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const kernel = widget && widget.sessionContext && widget.sessionContext.session
                 && widget.sessionContext.session.kernel;
  return !!kernel && kernel.status === 'idle' && kernel.connectionStatus === 'connected';
}"""


# Pictures the browser enlarges (a PNG stretched to the output's width) look blurry and can push a widget's
# controls and its picture apart; reported in the summary, not failed: how a chapter lays out is its author's call.
UPSCALED_IMAGES_JS = """() => Array.from(
    window.jupyterapp.shell.currentWidget.node.querySelectorAll('.jp-OutputArea img'))
  .filter(img => img.naturalWidth > 0 && img.clientWidth > 1.5 * img.naturalWidth)
  .map(img => `${img.naturalWidth}x${img.naturalHeight} shown at ${img.clientWidth}x${img.clientHeight}`)"""


def write_sample_notebook(path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell("# A sample notebook: minitf and a slider")]
    nb.cells += [nbformat.v4.new_code_cell(source, metadata={"tags": tags}) for source, tags in SAMPLE_CELLS]
    nbformat.write(nb, str(path))


def source_text(cell):
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def output_text(output):
    if output.get("output_type") == "error":
        return f"{output.get('ename')}: {output.get('evalue')}"
    text = output.get("text", "")
    return ANSI.sub("", "".join(text) if isinstance(text, list) else text)


def problems_in_cells(cells):
    """Unexpected errors and cells that never ran, as readable lines."""
    problems = []
    for number, cell in enumerate(cells, start=1):
        if cell.get("cell_type") != "code" or not source_text(cell).strip():
            continue
        tags = cell.get("metadata", {}).get("tags", [])
        first_line = source_text(cell).strip().splitlines()[0][:70]
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and "raises-exception" not in tags:
                problems.append(f"cell {number} ({first_line!r}) raised {ANSI.sub('', output_text(output))}")
        if cell.get("execution_count") is None:
            problems.append(f"cell {number} ({first_line!r}) did not run")
    return problems


def stderr_in_cells(cells):
    return [
        f"cell {number}: {output_text(output).strip()[:300]}"
        for number, cell in enumerate(cells, start=1)
        for output in cell.get("outputs", [])
        if output.get("output_type") == "stream" and output.get("name") == "stderr"
    ]


def open_notebook(page, path):
    """Open ``path`` in the page's JupyterLab, as a double click in the file browser would, and wait for its kernel."""
    page.evaluate("""async (path) => {
      const within = (promise, what) => Promise.race([promise, new Promise((_, reject) =>
        setTimeout(() => reject(new Error(what + ' took over 120 s')), 120000))]);
      const widget = await window.jupyterapp.commands.execute('docmanager:open', {path: path, factory: 'Notebook'});
      await within(widget.context.ready, 'loading ' + path);
      await within(widget.sessionContext.ready, 'starting its kernel');
      window.jupyterapp.shell.activateById(widget.id);
      for (const other of Array.from(window.jupyterapp.shell.widgets('main'))) {
        if (other !== widget) other.close();  // the Launcher JupyterLab opens when the main area is empty
      }
    }""", path)
    page.wait_for_function("(path) => window.jupyterapp.shell.currentWidget.context.path === path", arg=path)
    # JupyterLab's own status bar ("Python 3 (ipykernel) | Idle") says the kernel is started and connected
    page.locator(".jp-StatusBar-Widget", has_text=re.compile(r"\| Idle")).first.wait_for(timeout=60_000)
    page.wait_for_function(KERNEL_IDLE_JS, timeout=60_000)


def close_notebook(page):
    """Shut down the notebook's kernel and close it without saving (the work copy is thrown away anyway)."""
    page.evaluate("""async () => {
      const widget = window.jupyterapp.shell.currentWidget;
      if (widget && widget.sessionContext) {
        await Promise.race([widget.sessionContext.shutdown(), new Promise(done => setTimeout(done, 30000))]);
        widget.dispose();
      }
    }""")


def restart_and_run_all(page, timeout_s):
    """Kernel → Restart Kernel and Run All Cells…, accept the dialog, wait until the last cell has finished."""
    page.evaluate(RUN_ALL_JS)
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=30_000)
    assert "Restart" in dialog.inner_text()
    dialog.locator(".jp-mod-accept").click()
    page.wait_for_function("() => window.__minitfRunAll !== null", timeout=timeout_s * 1000)
    state = page.evaluate("window.__minitfRunAll")
    assert state == "finished", f"Run All did not finish: {state}"
    wait_until_settled(page, timeout_s)


def wait_until_settled(page, timeout_s, quiet_s=2.0):
    """Wait until the kernel has been idle, with no cell's count or outputs changing, for ``quiet_s`` seconds.

    Run All's promise is not enough: JupyterLab settles it as soon as any cell replies with an error, even
    one tagged ``raises-exception``, while the cells queued after it still run; and it clears their ``[*]``.
    """
    deadline = time.monotonic() + timeout_s
    last, quiet_since = None, time.monotonic()
    while time.monotonic() < deadline:
        state = page.evaluate(SETTLED_STATE_JS)
        if state != last or not state["idle"]:
            last, quiet_since = state, time.monotonic()
        elif time.monotonic() - quiet_since >= quiet_s:
            return
        page.wait_for_timeout(200)
    raise AssertionError(f"the notebook was still running after {timeout_s} s")


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# Top-level outputs (not those inside an Output widget) that JupyterLab drew as widgets.
RENDERED_WIDGETS_JS = """() => Array.from(
    window.jupyterapp.shell.currentWidget.node.querySelectorAll('.jp-OutputArea-output'))
  .filter(out => out.parentElement.closest('.jp-OutputArea-output') === null && out.querySelector('.jupyter-widgets'))
  .length"""


def widget_problems(page, cells):
    """Widgets that did not render: an error in their place, or text where a widget should be."""
    text = page.evaluate("() => window.jupyterapp.shell.currentWidget.node.innerText")
    problems = [line for line in text.splitlines() if "Error displaying widget" in line or "Loading widget" in line]
    expected = sum(WIDGET_VIEW in output.get("data", {}) for cell in cells for output in cell.get("outputs", []))
    rendered = page.evaluate(RENDERED_WIDGETS_JS)
    if rendered < expected:
        problems.append(f"{expected - rendered} of {expected} widget outputs show as text, not as widgets: is "
                        "JupyterLab's widget extension (jupyterlab_widgets) installed? python -m minitf doctor says")
    return problems


def progress_bar_problems(page, cells):
    """Lines of the sample's ``fit`` output, as the page shows them, that are not a clean progress line."""
    index = next(i for i, cell in enumerate(cells) if "model.fit(" in source_text(cell))
    text = page.evaluate("(i) => window.jupyterapp.shell.currentWidget.content.widgets[i].outputArea.node.innerText",
                         index)
    lines = [line.rstrip() for line in text.strip().splitlines()]
    bad = [line for line in lines if not PROGRESS_LINE.fullmatch(line)]
    if bad or len(lines) != 4:
        return [f"model.fit's progress bar shows {len(lines)} lines, expected 4 (2 per epoch), "
                f"{len(bad)} of them not clean: {bad[:3]}"]
    return []


def wait_for_view_change(page, before, timeout_s=8):
    try:
        page.wait_for_function(f"(before) => ({VIEW_SNAPSHOT_JS})() !== before", arg=before, timeout=timeout_s * 1000)
        return True
    except Exception:  # playwright's TimeoutError: the view did not change
        return False


def drive_one_widget(page, max_tries=8):
    """Move a slider with the keyboard, or click a button, until the view changes; say what was driven.

    Controls are tried in the order a learner meets them, top to bottom: a slider gets ArrowRight (or
    ArrowLeft, at its maximum), a button a click; one that changes nothing (a learning-rate slider that
    only acts on the next step, a Reset already reset) is passed over for the next.
    """
    tried = []
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    # ipywidgets 8 draws sliders with noUiSlider, ipywidgets 7 with jQuery UI; one locator keeps document order
    controls = panel.locator(".jp-OutputArea :is(.widget-slider .noUi-handle, .widget-slider .ui-slider-handle,"
                             " button.jupyter-widgets, .widget-button)")
    for i in range(min(controls.count(), max_tries)):
        control = controls.nth(i)
        control.scroll_into_view_if_needed()
        before = page.evaluate(VIEW_SNAPSHOT_JS)
        if control.evaluate("e => e.tagName") != "BUTTON":
            slider = control.locator("xpath=ancestor::div[contains(@class, 'widget-slider')][1]")
            label = slider.inner_text().strip().replace("\n", " ")
            readout = slider.locator(".widget-readout")
            old_value = readout.inner_text() if readout.count() else None
            control.focus()
            control.press("ArrowRight")
            if readout.count() and readout.inner_text() == old_value:
                control.press("ArrowLeft")
                control.press("ArrowLeft")
            description = f"slider {label!r} moved with the keyboard"
            if readout.count():
                description += f" ({old_value} -> {readout.inner_text()})"
        else:
            label = control.inner_text().strip()
            control.click()
            description = f"button {label!r} clicked"
        if wait_for_view_change(page, before):
            page.wait_for_function(KERNEL_IDLE_JS, timeout=60_000)  # the handler has finished redrawing
            page.wait_for_timeout(300)
            # the cell as a learner sees it on a 1280×900 screen, scrolled to the widget's cell
            control.evaluate("e => e.closest('.jp-Cell').scrollIntoView({block: 'start'})")
            return description, tried
        tried.append(description + ": the view did not change")
    return None, tried


def full_notebook_screenshot(page, path):
    """Make the window as tall as the notebook, so one picture shows every cell, then restore it."""
    height = page.evaluate("""() => {
      const node = window.jupyterapp.shell.currentWidget.content.node;
      const scroller = node.querySelector('.jp-WindowedPanel-outer') || node;
      const inner = node.querySelector('.jp-WindowedPanel-inner') || node;
      scroller.scrollTop = 0;
      return inner.scrollHeight + (window.innerHeight - scroller.clientHeight) + 40;
    }""")
    original = page.viewport_size
    page.set_viewport_size({"width": original["width"], "height": min(max(height, original["height"]),
                                                                      MAX_SCREENSHOT_HEIGHT)})
    page.wait_for_timeout(500)
    page.screenshot(path=path)
    page.set_viewport_size(original)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[os.path.basename(n)[: -len(".ipynb")] for n in NOTEBOOKS])
def test_chapter_in_browser(notebook, lab_page, notebook_workdir, artifacts_dir):
    if notebook == SAMPLE:
        write_sample_notebook(notebook_workdir / SAMPLE)
    name = os.path.basename(notebook)[: -len(".ipynb")]
    page, page_errors = lab_page
    page_errors.clear()
    started = time.monotonic()
    try:
        open_notebook(page, notebook)
        opened_in = time.monotonic() - started
        restart_and_run_all(page, timeout_s=300)
        ran_in = time.monotonic() - started - opened_in
        cells = page.evaluate(CELLS_JS)
        problems = problems_in_cells(cells)
        problems += widget_problems(page, cells)
        if notebook == SAMPLE:
            problems += progress_bar_problems(page, cells)
        driven, tried = drive_one_widget(page)
        if driven is None:
            problems.append("no widget changed the view: " + ("; ".join(tried) or "no slider or button found"))
        else:
            page.screenshot(path=os.path.join(artifacts_dir, f"{name}-widget.png"))
        upscaled = page.evaluate(UPSCALED_IMAGES_JS)
        full_notebook_screenshot(page, os.path.join(artifacts_dir, f"{name}.png"))
        problems += [f"JavaScript error in the page: {error}" for error in page_errors]
        summary = {
            "notebook": notebook,
            "seconds_to_open": round(opened_in, 1),
            "seconds_to_restart_and_run_all": round(ran_in, 1),
            "seconds_in_all": round(time.monotonic() - started, 1),
            "widget_driven": driven,
            "widgets_that_changed_nothing": tried,
            "stderr_shown": stderr_in_cells(cells),
            "pictures_shown_over_1.5x_their_size": upscaled,
            "problems": problems,
        }
        with open(os.path.join(artifacts_dir, f"{name}.json"), "w") as f:
            json.dump(summary, f, indent=1)
        assert not problems, f"{notebook} in JupyterLab:\n  " + "\n  ".join(problems)
    finally:
        close_notebook(page)


def test_problems_in_cells_reports_untagged_errors_and_cells_that_never_ran():
    error = {"output_type": "error", "ename": "InvalidArgumentError", "evalue": "\x1b[0;31mbad\x1b[0m"}
    cells = [
        {"cell_type": "markdown", "source": "# title"},
        {"cell_type": "code", "source": "1 + 1", "execution_count": 1, "outputs": [], "metadata": {}},
        {"cell_type": "code", "source": "boom()", "execution_count": 2, "outputs": [error], "metadata": {}},
        {"cell_type": "code", "source": "boom()", "execution_count": 3, "outputs": [error],
         "metadata": {"tags": ["raises-exception"]}},
        {"cell_type": "code", "source": ["after", "()"], "execution_count": None, "outputs": [], "metadata": {}},
        {"cell_type": "code", "source": "  ", "execution_count": None, "outputs": [], "metadata": {}},
    ]
    assert problems_in_cells(cells) == ["cell 3 ('boom()') raised InvalidArgumentError: bad",
                                        "cell 5 ('after()') did not run"]


def test_the_sample_notebook_runs_without_a_browser(tmp_path):
    """The sample's cells are right before a browser sees them: the untagged ones run, the tagged one raises."""
    pytest.importorskip("ipywidgets")
    pytest.importorskip("nbformat")
    path = tmp_path / "sample.ipynb"
    write_sample_notebook(path)
    import nbformat

    import minitf as tf
    from minitf.errors import InvalidArgumentError

    namespace = {}
    for cell in nbformat.read(str(path), as_version=4).cells[1:]:
        source = cell.source.replace("%matplotlib inline\n", "")
        if "raises-exception" in cell.metadata["tags"]:
            with pytest.raises(InvalidArgumentError):
                exec(source, namespace)
        else:
            exec(source, namespace)
    namespace["slider"].value = 2.0
    assert namespace["report"].outputs[-1]["text"] == "x = 2.0, y = 4.00, dy/dx = 4.0"
    assert namespace["tf"] is tf
