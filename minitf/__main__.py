"""Command line: ``python -m minitf doctor`` prints what is installed and usable, and what to fix."""

import sys

USAGE = """usage: python -m minitf doctor

commands:
  doctor   print the versions of Python, NumPy, minitf and the notebook tools, the backend,
           whether CuPy and a GPU are usable (and why not), whether JupyterLab's widget
           extension is installed, and what to do about each problem found"""


def main(argv=None):
    """Run the command named in ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv == ["doctor"]:
        from minitf.doctor import doctor

        doctor()
        return 0
    if argv in (["-h"], ["--help"], ["help"]):
        print(USAGE)
        return 0
    print(USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
