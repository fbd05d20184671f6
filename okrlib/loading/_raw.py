"""A table as read from a file, before its cells are parsed (every reader returns one)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


@dataclass
class RawTable:
    """A file as read, before parsing: text columns, their line numbers, how it was written.

    Mutable on purpose: the parser takes the table out column by column to free memory.
    """

    table: pa.Table
    lines: np.ndarray | range
    source: Path
    location: str
    decimal_comma: bool
    sheet: str | None = None  # an Excel file's sheet
    letters: dict[str, str] = field(default_factory=dict)  # an Excel sheet's column letters by name


REPEATING_KINDS = frozenset({"date", "id", "enum", "quarter"})
"""Column kinds whose values repeat: parsed once per distinct value (see okrlib.loading.load)."""


def all_null(table: pa.Table) -> pa.ChunkedArray | None:
    """Per row, whether every cell is empty; ``None`` when no row is."""
    if table.num_columns == 0:
        return None
    mask = pc.is_null(table.column(0))
    for column in table.columns[1:]:
        mask = pc.and_(mask, pc.is_null(column))
    return mask if pc.any(mask).as_py() else None
