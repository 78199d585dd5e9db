"""The one-line rule lives in FaceVizError itself (the CLI and the app print the same text), and
errors cross process boundaries whole (the app runs some jobs in another process)."""
from __future__ import annotations

import os
import pickle

from faceviz_gui.core.errors import FaceVizError, FileAccessError, RunError, SpecError, shown
from faceviz_gui.core.safefiles import RefusedFile


def test_messages_fold_to_one_line():
    torch_like = "Error(s) in loading state_dict:\n\tsize mismatch for a:\n\tcopying a param"
    assert str(RunError(torch_like)) == ("Error(s) in loading state_dict:; size mismatch for a:; "
                                         "copying a param")
    assert "\n" not in str(FaceVizError("a\r\nb\n\n c"))


def test_names_that_are_not_utf8_are_shown_escaped():
    name = os.fsdecode(b"x\xff.png")
    assert shown(name) == "x\\xff.png"
    assert shown(b"\xe9") == "\\xe9"
    assert str(FaceVizError(f"cannot read {name}")) == "cannot read x\\xff.png"


def test_errors_pickle_whole():
    for err in (SpecError("f.toml", "name", "bad"), RunError("r"),
                FileAccessError("/x", "write", OSError(13, "Permission denied")),
                RefusedFile("/y", "too large")):
        back = pickle.loads(pickle.dumps(err))
        assert type(back) is type(err) and str(back) == str(err)
