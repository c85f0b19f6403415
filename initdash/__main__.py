"""``python -m initdash``: the command line (see :mod:`initdash.cli`)."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
