"""Errors a user can cause. The CLI prints them as one line and exits non-zero; the GUI shows
them in a message. Anything else escaping the core is a bug and keeps its traceback."""


class FaceVizError(Exception):
    """A user-facing error: bad path, bad spec, bad file, empty data set."""


class SpecError(FaceVizError):
    """A spec that does not validate; names the file and the field at fault."""

    def __init__(self, source: str, field: str, message: str) -> None:
        self.source = source
        self.field = field
        self.message = message
        super().__init__(f"{source}: {field}: {message}")


class DataError(FaceVizError):
    """A data set that cannot be used (missing folder, nothing readable in it)."""


class RunError(FaceVizError):
    """A run that cannot be used (unknown id, missing weights, incompatible runs)."""
