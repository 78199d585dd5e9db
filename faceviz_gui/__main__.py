"""`faceviz-gui` and `python -m faceviz_gui`: start the desktop app."""
from __future__ import annotations

import sys


def main() -> int:
    from faceviz_gui.gui.shell.app import run_app
    return run_app(sys.argv)


if __name__ == "__main__":
    sys.exit(main())
