"""Problems of one file, collected by rule (vectorised) and raised together as a DataError."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pandas as pd

from ..exceptions import DataError, Problem


class Problems:
    """Collects problems of one file, vectorised: one call per rule, not per row."""

    def __init__(
        self,
        source: Path,
        location: str,
        sheet: str | None = None,
        letters: dict[str, str] | None = None,
        aliases: dict[str, str] | None = None,
    ):
        self.source, self.location = source, location
        self.sheet, self.letters = sheet, letters or {}  # an Excel file's sheet and column letters
        self.aliases = aliases or {}  # the source's own column names, by contract name (okrlib.toml)
        self.mapped_in: str | None = None  # the okrlib.toml table that maps this file's columns
        self.items: list[Problem] = []
        self.keys: pd.Series | None = None

    def key_by(self, keys: pd.Series) -> None:
        """Name each problem's row by its cell of ``keys`` (a parsed id column, by line)."""
        self.keys = keys

    def add(self, line: int | None, column: str | None, value: object, expected: str) -> None:
        letter = self.letters.get(column) if column else None
        alias = self.aliases.get(column) if column else None
        self.items.append(
            Problem(
                self.source,
                line,
                column,
                value,
                expected,
                self.location,
                sheet=self.sheet,
                letter=letter,
                alias=alias,
            )
        )

    def add_rows(
        self,
        mask: pd.Series,
        column: str | None,
        values: pd.Series,
        expected: str | pd.Series,
        show: Callable[[pd.Series], pd.Series] | None = None,
    ) -> None:
        """Add one problem per row where ``mask`` is true.

        ``values`` give what was found (as ``show`` writes them, applied to those rows
        only) and ``expected`` what was expected, either one text for all rows or a Series
        aligned with ``mask``.
        """
        rows = mask.fillna(False).to_numpy(dtype=bool)
        if not rows.any():
            return
        found = values[rows] if show is None else show(values[rows])
        wanted = expected[rows].tolist() if isinstance(expected, pd.Series) else [expected] * len(found)
        for line, value, text in zip(found.index, found.tolist(), wanted, strict=True):
            self.add(int(line), column, value, text)

    def raise_if_any(self) -> None:
        if self.items:
            self.items.sort(key=lambda p: (p.line or 0, p.column or ""))
            raise DataError(self._keyed(self.items))

    def _keyed(self, items: list[Problem]) -> list[Problem]:
        """The problems with their row's key, where the file has the key column."""
        if self.keys is None:
            return items
        name = self.keys.name
        lines = [p.line if p.line is not None else -1 for p in items]
        keys = self.keys.reindex(lines).tolist()  # only the rows in problems
        return [
            replace(p, key=f"{name} {key!r}") if _names_row(name, key, p.column) else p
            for p, key in zip(items, keys, strict=True)
        ]


def _names_row(name: str, key: object, column: str | None) -> bool:
    """Whether a problem's message should name its row's key (not when it is the column)."""
    return isinstance(key, str) and bool(key) and name not in (column or "")
