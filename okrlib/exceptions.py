"""okrlib's exceptions: a small hierarchy with messages written for people."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

MAX_PROBLEMS = 50


class OkrlibError(Exception):
    """Base class of every error okrlib raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a data file.

    ``line`` is the line number in a CSV file (the header is line 1), the row
    number in a Parquet file (the first row is 1) or in an Excel sheet (as Excel shows
    it: the header is row 1); ``None`` for whole-file and whole-column problems.
    ``sheet`` names an Excel file's sheet and ``letter`` the column as Excel names it;
    ``alias`` is the column's name in the source when an ``okrlib.toml`` renames it.
    """

    file: Path | str
    line: int | None
    column: str | None
    value: object
    expected: str
    location: str = "line"
    key: str | None = None  # the row's id, such as "kr_id 'sales-1-kr2'"
    sheet: str | None = None  # an Excel file's sheet
    letter: str | None = None  # an Excel column's letter, such as "C"
    alias: str | None = None  # the source's own name of the column (okrlib.toml's columns map)

    @property
    def source(self) -> str:
        """The file, and an Excel file's sheet: ``okr.xlsx [okrs]``."""
        return f"{self.file} [{self.sheet}]" if self.sheet else str(self.file)

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"{self.location} {self.line}" + (f" ({self.key})" if self.key else ""))
        if self.column is not None or self.letter is not None:
            named = None if self.column is None else repr(shorten(self.column))
            if self.alias and self.column and self.alias != self.column:
                named = f"{shorten(self.alias)!r} ({self.column})"  # column 'Type' (kr_type)
            where.append(" ".join(["column", *filter(None, [self.letter, named])]))
        got = "" if self.value is None else f"got {_show(self.value)}; "
        return f"{', '.join(where) or 'file'}: {got}expected {self.expected}"


def shorten(text: str, limit: int = 60) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis (the full text stays in the
    problem itself)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _show(value: object) -> str:
    if isinstance(value, str) and not value:
        return "an empty cell"
    if isinstance(value, str):
        return repr(shorten(value))
    return shorten(str(value))


class DataError(OkrlibError, ValueError):
    """A data file breaks the data contract.

    The message lists every problem found (up to 50), grouped by file, each with
    its line, column, the bad value and what was expected.  The full list is in
    ``problems``.
    """

    def __init__(self, problems: Iterable[Problem]):
        self.problems: list[Problem] = list(problems)
        super().__init__(self._message())

    def _message(self) -> str:
        lines: list[str] = []
        by_file: dict[str, list[Problem]] = {}
        for problem in self.problems:
            by_file.setdefault(problem.source, []).append(problem)
        shown = 0
        for file, problems in by_file.items():
            count = len(problems)
            lines.append(f"{file}: {count} problem{'s' if count != 1 else ''}")
            for problem in problems:
                if shown == MAX_PROBLEMS:
                    break
                lines.append(f"  {problem}")
                shown += 1
        if len(self.problems) > shown:
            lines.append(f"  ... and {len(self.problems) - shown} more")
        return "\n".join(lines)


class RenderError(OkrlibError):
    """A report could not be rendered; the message names the report and the failing cell."""
