"""Files written whole or not at all: a reader never sees half a report or export."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def temporary_file(folder: Path, name: str, text: str) -> Iterator[Path]:
    """``text`` written in full to a hidden temporary file in ``folder`` (``.<name>.*.tmp``),
    readable by all; whatever is left of it is removed when the block ends."""
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; a report is for sharing
        yield Path(temporary)
    finally:
        Path(temporary).unlink(missing_ok=True)


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step."""
    with temporary_file(path.parent, path.name, text) as temporary:
        os.replace(temporary, path)
