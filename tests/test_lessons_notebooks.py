"""The chapters as a reader without a kernel sees them: each stored widget carries its static picture.

GitHub's and nbviewer's previews, ``jupyter nbconvert --to html`` and a PDF export have no widget
state, so they skip the widget view and show the next kind of output in the bundle. These tests
read the stored notebooks (no kernel) and render one with nbconvert, as such a preview would.
"""

import base64
import os

import pytest

nbformat = pytest.importorskip("nbformat")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
CHAPTERS = ["01_what_is_deep_learning", "02_mathematical_building_blocks", "03_keras_and_tensorflow",
            "04_custom_models_and_training", "05_inside_minitf"]


def test_every_chapter_is_checked_here():
    stored = sorted(name[: -len(".ipynb")] for name in os.listdir(os.path.join(ROOT, "chapters"))
                    if name.endswith(".ipynb"))
    assert CHAPTERS == stored, "add the new chapter to CHAPTERS"


def widget_outputs(name):
    nb = nbformat.read(os.path.join(ROOT, "chapters", name + ".ipynb"), as_version=4)
    return [output for cell in nb.cells for output in cell.get("outputs", []) if WIDGET_VIEW in output.get("data", {})]


@pytest.mark.parametrize("name", CHAPTERS)
def test_every_stored_widget_has_a_static_picture_and_a_short_text(name):
    outputs = widget_outputs(name)
    assert outputs
    for output in outputs:
        data = output["data"]
        assert base64.b64decode(data["image/png"]).startswith(b"\x89PNG\r\n\x1a\n")
        graph_printout = data["text/plain"].startswith("def ")  # FunctionGraphView's text is its graph's printout
        assert graph_printout or "(an interactive widget: run the notebook to use it)" in data["text/plain"]
        assert "children=" not in data["text/plain"]  # not the truncated repr of the widget tree


def test_an_html_preview_shows_each_widget_as_its_picture():
    nbconvert = pytest.importorskip("nbconvert")
    name = CHAPTERS[0]
    nb = nbformat.read(os.path.join(ROOT, "chapters", name + ".ipynb"), as_version=4)
    html, _ = nbconvert.HTMLExporter().from_notebook_node(nb)
    for output in widget_outputs(name):
        assert output["data"]["image/png"][:200] in html
    assert "RepresentationExplorer(children=" not in html
