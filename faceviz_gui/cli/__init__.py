"""`faceviz`: everything the GUI does, headless.

Each command group lives in its own module exposing ``register(subparsers)``; a command's
handler takes the parsed args and returns an exit code. A FaceVizError becomes one line on
stderr and exit code 2, with no traceback.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from faceviz_gui.core.errors import FaceVizError

# Modules that add subcommands; a missing one (work in progress) is skipped, not fatal.
COMMAND_MODULES = ("data_cmds", "train_cmds", "maps_cmds", "attend_cmds", "compare_cmds",
                   "live_cmds", "diagnose_cmds")


def build_parser() -> argparse.ArgumentParser:
    from faceviz_gui import __version__
    parser = argparse.ArgumentParser(
        prog="faceviz", description="See what a small head-pose CNN learned, headless.")
    parser.add_argument("--version", action="version", version=f"faceviz {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                continue
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 1
    try:
        return int(args.func(args) or 0)
    except FaceVizError as exc:
        print(f"faceviz: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("faceviz: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
