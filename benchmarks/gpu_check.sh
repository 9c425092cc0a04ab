#!/usr/bin/env bash
# The CuPy backend checked on a GPU in one run (issue 15): environment, tests, chapters, benchmarks.
#
# Usage, from anywhere in a clone:
#   benchmarks/gpu_check.sh                 on a machine with an NVIDIA GPU; results in $OUT, else ./gpu-results
#   benchmarks/gpu_check.sh --fetch-wheels  on a machine with network: download into .whl/ the wheels the chapters
#                                           need on the GPU machine (ipykernel, nbclient, ipywidgets... for
#                                           Python $WHEEL_PYTHON, x86-64 Linux); carry .whl/ there if it has no network
#   benchmarks/gpu_check.sh --dry           anywhere, in ./.venv: the same steps with MINITF_BACKEND=cupy on the CuPy
#                                           stand-in of benchmarks/fake_cupy (NumPy arrays that follow CuPy's rules:
#                                           no mixing with host arrays, 0-d results); checks this script and the code's
#                                           readiness for CuPy, not the GPU; a few minutes on two cores
#
# What it does on the GPU machine, each step with a time limit, all within GPU_CHECK_SECONDS (default 460):
#  1. a virtual environment that sees the system's packages (--system-site-packages, so a CuPy already installed
#     there is used), minitf installed into it from this clone without network, CuPy installed as the `gpu` extra
#     only if none is importable, and the notebook tools from .whl/ (offline) or the network when missing;
#  2. `python -m minitf doctor` with MINITF_BACKEND=cupy;
#  3. the whole unit-test suite and every module's doctests with MINITF_BACKEND=cupy (every test then runs on CuPy,
#     and the backend-parametrized ones on both backends), and, at the same time, each chapter run top to bottom on
#     CuPy by benchmarks/gpu_chapters.py (which reports the stored outputs that differ, and by how much);
#  4. the GPU rows of benchmarks/run.py (--gpu);
#  5. summary.txt, printed last. Files written (7): setup.log, tests.log, tests.xml, chapters.log, chapters.json,
#     benchmarks.txt, summary.txt.
# With this workplace's device tool: run --fetch-wheels here first, then run(command="benchmarks/gpu_check.sh",
# carry=[".whl"], timeout_s=600); the results come back from $OUT.
# Environment: PYTHON (default python3), GPU_CHECK_VENV (default /tmp/minitf-gpu-venv), GPU_CHECK_PHASES (default
# "tests chapters bench"; doctor always runs), GPU_CHECK_JOBS (pytest-xdist workers, default 10).
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RESULTS=${OUT:-$ROOT/gpu-results}
WHEELS=$ROOT/.whl
WHEEL_PYTHON=${WHEEL_PYTHON:-3.12}
NOTEBOOK_TOOLS=(nbclient nbformat ipykernel "ipywidgets>=7.7")
PHASES=${GPU_CHECK_PHASES:-tests chapters bench}
JOBS=${GPU_CHECK_JOBS:-10}
# time limits (s): each pip step, doctor, tests and chapters (run side by side), benchmarks; and the whole run
SETUP_S=60 DOCTOR_S=30 TESTS_S=300 CHAPTERS_S=300 BENCH_S=120 DEADLINE=${GPU_CHECK_SECONDS:-460}
MODE=gpu

case "${1:-}" in
  --fetch-wheels)
    mkdir -p "$WHEELS"
    exec "${PYTHON:-python3}" -m pip download -d "$WHEELS" --only-binary=:all: --python-version "$WHEEL_PYTHON" \
      --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
      --platform manylinux2014_x86_64 --platform any "${NOTEBOOK_TOOLS[@]}" ;;
  --dry) MODE=dry ;;
  "") ;;
  *) sed -n '2,/^set -u/p' "$0" | sed '$d'; exit 2 ;;
esac

mkdir -p "$RESULTS"
cd "$ROOT" || exit 1
export PYTHONPATH=$ROOT${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1
SECONDS=0
log() { echo "[$(printf '%3d' "$SECONDS") s] $*" | tee -a "$RESULTS/setup.log"; }
has() { "$PY" -c "import $1" >/dev/null 2>&1; }
# limit WANTED KEEP: WANTED seconds, or less so that KEEP seconds remain for the later steps before the deadline
limit() { local left=$((DEADLINE - SECONDS - $2)); [ "$left" -lt 10 ] && left=10; echo $(($1 < left ? $1 : left)); }
: >"$RESULTS/setup.log"

# -- 1. environment -------------------------------------------------------------------------------
BACKEND=cupy
if [ "$MODE" = dry ]; then
  PY=${PYTHON:-$ROOT/.venv/bin/python}
  export PYTHONPATH=$ROOT/benchmarks/fake_cupy:$PYTHONPATH
  log "dry run: $PY, with the CuPy stand-in of benchmarks/fake_cupy as cupy"
else
  VENV=${GPU_CHECK_VENV:-/tmp/minitf-gpu-venv}
  {
    date -u; uname -a
    command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm \
      --format=csv
  } >>"$RESULTS/setup.log" 2>&1
  BASE_PY=${PYTHON:-python3}
  # --system-site-packages alone would not show the packages of a Python that is itself a virtual environment
  # (the GPU machine's python3 is one): a .pth file adds its site folders, after the new environment's own.
  if timeout "$SETUP_S" "$BASE_PY" -m venv --system-site-packages --without-pip "$VENV" >>"$RESULTS/setup.log" 2>&1; then
    PY=$VENV/bin/python
    "$BASE_PY" -c 'import site; print("\n".join(f"import site; site.addsitedir({p!r})" for p in site.getsitepackages()))' \
      >"$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/_base_site.pth"
    log "virtual environment $VENV on $("$PY" --version 2>&1), seeing the packages of $BASE_PY"
    pip_install() { timeout "$SETUP_S" "$PY" -m pip install --disable-pip-version-check -q "$@" >>"$RESULTS/setup.log" 2>&1; }
    if pip_install --no-index --no-deps --no-build-isolation -e "$ROOT"; then
      log "minitf installed from $ROOT (editable, offline)"
    else
      log "minitf could not be installed offline (see above): it is imported from PYTHONPATH=$ROOT instead"
    fi
  else
    PY=$BASE_PY
    pip_install() { timeout "$SETUP_S" "$PY" -m pip install --disable-pip-version-check -q --user "$@" >>"$RESULTS/setup.log" 2>&1; }
    log "no virtual environment could be made: using $PY itself, minitf from PYTHONPATH=$ROOT"
  fi
  if has cupy; then
    log "CuPy already installed: $("$PY" -c 'import cupy; print(cupy.__version__, cupy.__file__)' 2>&1 | tail -1)" \
        "(the gpu extra, cupy-cuda12x, is not installed over it)"
  elif ! command -v nvidia-smi >/dev/null; then
    log "CuPy missing, and no nvidia-smi: no NVIDIA GPU here, so the gpu extra is not installed"
  else
    log "CuPy missing: installing the gpu extra"
    find_links=(); [ -d "$WHEELS" ] && find_links=(--find-links "$WHEELS")
    pip_install --retries 0 --timeout 10 "${find_links[@]}" -e "$ROOT[gpu]" || log "installing the gpu extra failed"
  fi
  if ! has nbclient || ! has ipykernel || ! has ipywidgets; then
    if [ -d "$WHEELS" ]; then
      pip_install --no-index --find-links "$WHEELS" "${NOTEBOOK_TOOLS[@]}" && log "notebook tools installed from .whl/" \
        || log "installing the notebook tools from .whl/ failed"
    else
      pip_install --retries 0 --timeout 10 "${NOTEBOOK_TOOLS[@]}" && log "notebook tools installed from the network" \
        || log "no .whl/ and no network: the chapters cannot run (benchmarks/gpu_check.sh --fetch-wheels, then carry .whl)"
    fi
  fi
fi

# -- 2. doctor --------------------------------------------------------------------------------------
log "python -m minitf doctor (MINITF_BACKEND=$BACKEND):"
MINITF_BACKEND=$BACKEND timeout "$DOCTOR_S" "$PY" -m minitf doctor 2>&1 | tee "$RESULTS/doctor.txt" >>"$RESULTS/setup.log"

# -- 3. tests and chapters, side by side -------------------------------------------------------------
chapters_pid=
if [[ " $PHASES " == *" chapters "* ]]; then
  if has nbclient && has ipykernel; then
    chapter_args=(--jobs 4)
    [ "$MODE" = dry ] && chapter_args=(--jobs 2)
    log "chapters on $BACKEND (benchmarks/gpu_chapters.py), in the background"
    MINITF_BACKEND=$BACKEND timeout "$(limit "$CHAPTERS_S" $((BENCH_S + 10)))" "$PY" benchmarks/gpu_chapters.py "${chapter_args[@]}" \
      --json "$RESULTS/chapters.json" >"$RESULTS/chapters.log" 2>&1 &
    chapters_pid=$!
  else
    echo "chapters not run: nbclient or ipykernel is missing (see setup.log)" >"$RESULTS/chapters.log"
  fi
fi

if [[ " $PHASES " == *" tests "* ]]; then
  test_args=(tests minitf --ignore=tests/browser -o addopts= -p no:cacheprovider --doctest-modules
             --doctest-ignore-import-errors -q -rfEs --junitxml="$RESULTS/tests.xml")
  has xdist && [ "$MODE" != dry ] && test_args+=(-n "$JOBS")
  has pytest_timeout && test_args+=(--timeout=120)
  log "unit tests with MINITF_BACKEND=$BACKEND: pytest ${test_args[*]}"
  MINITF_BACKEND=$BACKEND timeout "$(limit "$TESTS_S" $((BENCH_S + 10)))" "$PY" -m pytest "${test_args[@]}" \
    >"$RESULTS/tests.log" 2>&1
  status=$?
  log "pytest exit status $status$([ $status = 124 ] && echo ' (stopped at its time limit)')"
fi

if [ -n "$chapters_pid" ]; then
  wait "$chapters_pid"
  log "chapters exit status $? ($([ -s "$RESULTS/chapters.json" ] && echo 'report in chapters.json' || echo 'no report'))"
fi

# -- 4. benchmarks ------------------------------------------------------------------------------------
if [[ " $PHASES " == *" bench "* ]]; then
  log "benchmarks/run.py --gpu"
  bench_args=(--gpu)
  [ "$MODE" = dry ] && bench_args=(--gpu --quick --only gpu_add gpu_mlp128)  # no 4096-sized work on a CPU
  timeout "$(limit "$BENCH_S" 5)" "$PY" benchmarks/run.py "${bench_args[@]}" >"$RESULTS/benchmarks.txt" 2>&1
  log "benchmarks exit status $?"
fi

# -- 5. summary ---------------------------------------------------------------------------------------
"$PY" - "$RESULTS" "$MODE" <<'PYTHON' >"$RESULTS/summary.txt" 2>&1
import os, sys, xml.etree.ElementTree as ET
results, mode = sys.argv[1], sys.argv[2]

def read(name):
    path = os.path.join(results, name)
    return open(path).read().strip() if os.path.exists(path) else f"({name} not written)"

print(f"minitf GPU check ({mode} run)\n")
print("\n".join(line for line in read("setup.log").splitlines() if line.startswith("[")))
print("\n" + read("doctor.txt"))
print("\n== unit tests (MINITF_BACKEND=cupy%s)" % (", on the CuPy stand-in" if mode == "dry" else ""))
try:
    cases = ET.parse(os.path.join(results, "tests.xml")).getroot().iter("testcase")
    counts, cupy, failures = {}, {}, []
    for case in cases:
        outcome = next((child.tag for child in case if child.tag in ("failure", "error", "skipped")), "passed")
        counts[outcome] = counts.get(outcome, 0) + 1
        if "[cupy" in case.get("name", ""):
            cupy[outcome] = cupy.get(outcome, 0) + 1
        if outcome in ("failure", "error"):
            message = next(iter(case)).get("message", "").strip().splitlines()
            failures.append(f"  {case.get('classname')}::{case.get('name')}: {message[0][:160] if message else ''}")
    print("all tests: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    print("tests parametrized [cupy]: " + (", ".join(f"{n} {k}" for k, n in sorted(cupy.items())) or "none"))
    print("\n".join(failures[:60]) + (f"\n  ... and {len(failures) - 60} more" if len(failures) > 60 else ""))
except (OSError, ET.ParseError) as error:
    print(f"no test report ({error}); the end of tests.log:\n" + "\n".join(read("tests.log").splitlines()[-15:]))
chapters = [line for line in read("chapters.log").splitlines() if not line.startswith("[IPKernelApp] WARNING")]
print("\n== chapters\n" + "\n".join(chapters))
print("\n== benchmarks\n" + read("benchmarks.txt"))
PYTHON
rm -f "$RESULTS/doctor.txt"  # it is in summary.txt (what comes back from a device is limited to 8 files)
log "done: $RESULTS/summary.txt"
cat "$RESULTS/summary.txt"
