"""`faceviz`: everything the GUI does, headless.

Each command group lives in its own module exposing ``register(subparsers)``; a command's
handler takes the parsed args and returns an exit code. A FaceVizError becomes one line on
stderr and exit code 2, with no traceback; so does a bad argument (argparse's usage block is
left out), and an OSError or MemoryError that reached this far (a file system refusing, a
request too big), since those come from the user's environment, not from a bug. Output never
fails on a file name that is not UTF-8: it is printed with backslash escapes.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import sys

from faceviz_gui.core.errors import FaceVizError, one_line, shown
from faceviz_gui.core.live.finder_choice import FINDERS, choose


class OneLineParser(argparse.ArgumentParser):
    """argparse, with its errors as one line (``faceviz: error: ...``) and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"faceviz: error: {shown(one_line(message))} (see {self.prog} --help)",
              file=sys.stderr)
        raise SystemExit(2)


def bounded_int(low: int, high: int):
    """An argparse type: an integer in [low, high], else one line naming the range."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, not {value}")
        if value > high:
            raise argparse.ArgumentTypeError(f"must be at most {high:,}, not {value}")
        return value
    parse.__name__ = "integer"
    return parse

# Modules that add subcommands; a missing one (work in progress) is skipped, not fatal.
COMMAND_MODULES = ("data_cmds", "train_cmds", "maps_cmds", "attend_cmds", "compare_cmds",
                   "live_cmds", "activations_cmds", "prune_cmds", "diagnose_cmds")


def build_parser() -> argparse.ArgumentParser:
    from faceviz_gui import __version__
    parser = OneLineParser(
        prog="faceviz", description="See what a small head-pose CNN learned, headless.")
    parser.add_argument("--version", action="version", version=f"faceviz {__version__}")
    parser.add_argument("--face-finder", choices=FINDERS,
                        help="face finder for --crop-faces, live and diagnose (default: "
                             "$FACEVIZ_FACE_FINDER, else centerface where its model is "
                             "installed, else haar; README Part 5)")
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


def _safe_output() -> None:
    """Print names that are not UTF-8 as escapes instead of failing mid-table."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError, OSError):
            pass


class _StderrHandler(logging.Handler):
    """Writes to whatever sys.stderr is at the time (tests swap it per test)."""

    def emit(self, record: logging.LogRecord) -> None:
        print(f"faceviz: warning: {shown(one_line(record.getMessage()))}", file=sys.stderr)


def _warnings_to_stderr() -> None:
    """Core warnings (a cache that could not be written) as one ``faceviz: warning:`` line."""
    log = logging.getLogger("faceviz")
    if not any(isinstance(h, _StderrHandler) for h in log.handlers):
        log.addHandler(_StderrHandler(logging.WARNING))
        log.propagate = False


def main(argv: list[str] | None = None) -> int:
    _safe_output()
    _warnings_to_stderr()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a bad argument (one line, above)
        return exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 2
    if not getattr(args, "func", None):
        parser.print_help()
        return 1
    if args.face_finder:  # read where the finders are made (core/live/faces.new_detector)
        choose(args.face_finder)
    try:
        return int(args.func(args) or 0)
    except FaceVizError as exc:
        print(f"faceviz: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # the environment refused: one line naming the file
        where = f" {shown(exc.filename)}" if getattr(exc, "filename", None) else ""
        print(f"faceviz: error: cannot use{where}: {shown(one_line(exc.strerror or exc))}",
              file=sys.stderr)
        return 2
    except MemoryError:
        print("faceviz: error: out of memory (the request is too large for this machine)",
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("faceviz: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
