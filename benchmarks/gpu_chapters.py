#!/usr/bin/env python3
"""Run each chapter top to bottom on the active backend and say which stored outputs differ, and by how much.

Usage: ``MINITF_BACKEND=cupy python benchmarks/gpu_chapters.py [--json FILE] [--jobs N] [NAME.ipynb ...]``

Part of ``benchmarks/gpu_check.sh``: on a GPU, float32 sums run in another order than on the
CPU, so printed values may differ in their last digits from the outputs stored by
``chapters/regenerate.py`` (made on NumPy). nbval would fail on those; this runner reports them
instead. Each notebook runs in a fresh kernel (nbclient, cwd ``chapters/``, the repository on
``PYTHONPATH``, the caller's ``MINITF_BACKEND``), nothing is written back, and its text outputs
are compared with the stored ones as nbval compares them (the sanitize file applied, cells tagged
``nbval-ignore-output`` and images left out). A differing cell is "numbers" when only numbers
changed (with the largest absolute and relative change), else "text" (with the first differing
line). The exit status is 1 when a chapter raised an error, 0 otherwise, whatever differs.
"""

import argparse
import concurrent.futures
import json
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CHAPTERS = os.path.join(ROOT, "chapters")
NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
COMPARED = ("text/plain", "text/html", "text/latex", "text/markdown")
SANITIZE = os.path.join(CHAPTERS, "sanitize.cfg")


def sanitizers(path=SANITIZE):
    """The (regex, replacement) pairs of nbval's sanitize file."""
    pairs, regex = [], None
    with open(path) as f:
        for line in f:
            if line.startswith("regex:"):
                regex = re.compile(line[len("regex:"):].strip())
            elif line.startswith("replace:") and regex is not None:
                pairs.append((regex, line[len("replace:"):].strip()))
                regex = None
    return pairs


def cell_text(cell, pairs):
    """A code cell's compared outputs as one text (each output labelled by its kind), sanitized."""
    parts, last_stream = [], None
    for output in cell.get("outputs", ()):
        kind = output["output_type"]
        if kind == "stream" and output["name"] == last_stream:  # how a print loop was chunked depends on timing
            parts[-1] += output["text"]
            continue
        last_stream = output["name"] if kind == "stream" else None
        if kind == "stream":
            parts.append(f"[{output['name']}]\n{output['text']}")
        elif kind == "error":
            parts.append(f"[error]\n{output['ename']}: {output['evalue']}")
        else:
            for mime in COMPARED:
                if mime in output.get("data", {}):
                    value = output["data"][mime]
                    parts.append(f"[{mime}]\n{''.join(value) if isinstance(value, list) else value}")
    text = "\n".join(parts)
    for regex, replacement in pairs:
        text = regex.sub(replacement, text)
    return text


def compare(stored, new):
    """None when equal; else a dict: kind "numbers" (with max_abs and max_rel) or "text" (first differing line)."""
    if stored == new:
        return None
    old_numbers, new_numbers = NUMBER.findall(stored), NUMBER.findall(new)
    if NUMBER.sub("#", stored) == NUMBER.sub("#", new) and len(old_numbers) == len(new_numbers):
        max_abs = max_rel = 0.0
        for a, b in zip(map(float, old_numbers), map(float, new_numbers)):
            change = abs(a - b)
            max_abs = max(max_abs, change)
            max_rel = max(max_rel, change / max(abs(a), abs(b)) if change else 0.0)
        return {"kind": "numbers", "max_abs": max_abs, "max_rel": max_rel}
    old_lines, new_lines = stored.splitlines(), new.splitlines()
    for i, (a, b) in enumerate(zip(old_lines, new_lines)):
        if a != b:
            return {"kind": "text", "line": i, "stored": a[:200], "now": b[:200]}
    i = min(len(old_lines), len(new_lines))
    return {"kind": "text", "line": i, "stored": "\n".join(old_lines[i:i + 3])[:200],
            "now": "\n".join(new_lines[i:i + 3])[:200]}


def run_chapter(path, timeout=300):
    """Execute one notebook in a fresh kernel; return its report (a dict ready for JSON)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    name = os.path.basename(path)
    stored = nbformat.read(path, as_version=4)
    executed = nbformat.read(path, as_version=4)
    report = {"chapter": name, "backend": os.environ.get("MINITF_BACKEND", "numpy"), "error": None}
    start = time.perf_counter()
    client = NotebookClient(executed, timeout=timeout, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": CHAPTERS}})
    try:
        client.execute()
    except CellExecutionError as error:
        report["error"] = str(error).strip().splitlines()[-1][:500]
    except Exception as error:  # the kernel died, timed out, or could not start
        report["error"] = f"{type(error).__name__}: {str(error).strip()[:500]}"
    report["seconds"] = round(time.perf_counter() - start, 1)
    pairs, differences, compared = sanitizers(), [], 0
    for index, (old, new) in enumerate(zip(stored.cells, executed.cells)):
        if old.cell_type != "code" or "nbval-ignore-output" in old.metadata.get("tags", ()):
            continue
        if new.get("execution_count") is None:  # not reached: a cell above failed
            continue
        compared += 1
        difference = compare(cell_text(old, pairs), cell_text(new, pairs))
        if difference is not None:
            differences.append({"cell": index, "source": old.source.splitlines()[0][:80] if old.source else "",
                                **difference})
    report["cells_compared"] = compared
    report["differences"] = differences
    return report


def summary(reports):
    """The reports as lines of text: one per chapter, then one per differing cell."""
    lines = []
    for r in reports:
        status = f"ERROR: {r['error']}" if r["error"] else "ran top to bottom"
        numbers = [d for d in r["differences"] if d["kind"] == "numbers"]
        texts = [d for d in r["differences"] if d["kind"] == "text"]
        lines.append(f"{r['chapter']} [{r['backend']}]: {status} in {r['seconds']} s; {r['cells_compared']} cells "
                     f"compared, {len(numbers)} differ in numbers only, {len(texts)} in text")
        for d in r["differences"]:
            if d["kind"] == "numbers":
                lines.append(f"  cell {d['cell']} ({d['source']}): numbers, max abs {d['max_abs']:.3g}, "
                             f"max rel {d['max_rel']:.3g}")
            else:
                lines.append(f"  cell {d['cell']} ({d['source']}): text, line {d['line']}: stored {d['stored']!r}, "
                             f"now {d['now']!r}")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="chapter files (default: every chapters/[0-9]*.ipynb)")
    parser.add_argument("--json", help="also write the reports to this file")
    parser.add_argument("--jobs", type=int, default=1, help="chapters run at once, each in its own kernel")
    parser.add_argument("--timeout", type=int, default=300, help="seconds allowed per cell")
    args = parser.parse_args(argv)
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (ROOT, os.environ.get("PYTHONPATH")) if p)
    os.environ.pop("MPLBACKEND", None)
    paths = [os.path.abspath(p) for p in args.notebooks] or sorted(
        os.path.join(CHAPTERS, n) for n in os.listdir(CHAPTERS) if n[:1].isdigit() and n.endswith(".ipynb"))
    try:
        import matplotlib.font_manager  # noqa: F401 - the font cache, built here rather than in a cell's output
    except ImportError:
        pass
    with concurrent.futures.ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        reports = list(pool.map(run_chapter, paths, [args.timeout] * len(paths)))
    print(summary(reports), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(reports, f, indent=1)
    return 1 if any(r["error"] for r in reports) else 0


if __name__ == "__main__":
    sys.exit(main())
