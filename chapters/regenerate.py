#!/usr/bin/env python3
"""Run chapter notebooks in a fresh kernel and store their outputs: ``python3 chapters/regenerate.py [NAME.ipynb ...]``.

The only way the stored outputs change. With no arguments every ``chapters/[0-9]*.ipynb``
is regenerated. Each notebook is executed top to bottom by nbclient (no timings
recorded), then cleaned so the file depends only on its cells' results: no widget
state, no per-cell execution metadata, blank widget-view model ids, merged print
output, a fixed kernelspec and language_info, and a hash of the code cells (so a later
edit is noticed). Run it after every edit of a notebook and commit the result;
``tests/test_notebook_hygiene.py`` fails on a notebook that was not.
"""

import hashlib
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LANGUAGE_INFO = {
    "codemirror_mode": {"name": "ipython", "version": 3},
    "file_extension": ".py",
    "mimetype": "text/x-python",
    "name": "python",
    "nbconvert_exporter": "python",
    "pygments_lexer": "ipython3",
}


def chapter_paths():
    """Every chapter notebook, in order."""
    return sorted(os.path.join(HERE, n) for n in os.listdir(HERE) if n[:1].isdigit() and n.endswith(".ipynb"))


def code_hash(nb):
    """A fingerprint of every code cell's source: stored at regeneration, so an edit afterwards shows."""
    sources = [cell.source for cell in nb.cells if cell.cell_type == "code"]
    return hashlib.sha256(json.dumps(sources).encode()).hexdigest()


def clean(nb):
    """Drop what changes from run to run or machine to machine, keep the outputs (streams merged)."""
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = dict(LANGUAGE_INFO)
    nb.metadata["regenerated"] = {"code_sha256": code_hash(nb)}
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = coalesce_streams(cell.outputs)
        for output in cell.get("outputs", ()):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view is not None:
                view["model_id"] = ""
    return nb


def coalesce_streams(outputs):
    """Merge consecutive stdout (or stderr) pieces: how a print loop was chunked depends on timing."""
    merged = []
    for output in outputs:
        last = merged[-1] if merged else None
        if output.output_type == "stream" and last is not None and last.output_type == "stream" \
                and last.name == output.name:
            last.text += output.text
        else:
            merged.append(output)
    return merged


def regenerate(path, timeout=600):
    """Execute the notebook at ``path`` in a fresh kernel (cwd: its folder), clean it and write it back."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": os.path.dirname(path)}})
    client.execute()
    nbformat.write(clean(nb), path)


def main(argv):
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (ROOT, os.environ.get("PYTHONPATH")) if p)
    os.environ.pop("MPLBACKEND", None)
    import matplotlib.font_manager  # noqa: F401 - build the font cache here, not inside a kernel's output

    paths = [os.path.abspath(p) for p in argv] or chapter_paths()
    for path in paths:
        start = time.perf_counter()
        regenerate(path)
        print(f"{os.path.relpath(path, ROOT)}: regenerated in {time.perf_counter() - start:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
