"""Read one sheet of an ``.xlsx`` workbook into a :class:`~okrlib.loading._raw.RawTable`.

Cell values come from python-calamine (Rust, about ten times faster than openpyxl on a
10,000-row sheet: docs/performance.md).  Calamine does not tell a percent format, a
formula that was never calculated or an error cell from an ordinary or an empty cell, so
the sheet's XML is searched for those (a byte search; the cells are walked one by one only
when the sheet holds formulas, error cells or percent-formatted cells).

Reading rules (documented in docs/reference.md, "Excel workbooks"):

- ``okr.xlsx`` holds the four tables as sheets named ``kpis``, ``kpi_history``, ``okrs`` and
  ``checkins``; a file named ``<stem>.xlsx`` holds its table in the sheet of that name, or
  else in its first sheet;
- a hidden sheet is read when it is named like a contract table; other hidden sheets are
  ignored (they do not count as a first sheet);
- row 1 holds the column names; rows and columns with nothing in them are ignored (trailing
  ones included), so rows are numbered as Excel shows them; a column with values and no name
  is an error;
- date cells are dates (a date-time at midnight too; one with a time of day is an error);
  text follows the contract's rules as in a comma-delimited CSV, numbers stored as text too;
- a percent-formatted number cell of a contract number column is multiplied by 100 (Excel
  shows 0.85 as 85%; percent values are percentage points everywhere);
- a formula cell is its saved (cached) value; a formula without one is an error naming the cell;
- an error cell (``#DIV/0!``, ``#N/A``) is an error; merged cells are an error naming the range.
"""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pyarrow as pa

from ..exceptions import DataError, Problem
from ._raw import REPEATING_KINDS, RawTable, all_null
from .contract import FILES, FileSpec

CONTRACT_SHEETS = frozenset(spec.stem for spec in FILES)
PERCENT_FORMAT_IDS = frozenset({9, 10})  # Excel's built-in 0% and 0.00%


def column_letter(index: int) -> str:
    """Excel's name of the column at 0-based ``index``: 0 is A, 26 is AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _cell_position(ref: str) -> tuple[int, int]:
    """0-based (row, column) of a reference such as ``D4``."""
    match = re.fullmatch(r"\$?([A-Za-z]{1,3})\$?(\d+)", ref)
    if not match:
        raise ValueError(ref)
    column = 0
    for char in match[1].upper():
        column = column * 26 + ord(char) - ord("A") + 1
    return int(match[2]) - 1, column - 1


def read_sheet(file: Path, spec: FileSpec, wanted: str | None = None, why: str = "") -> RawTable:
    """Read the sheet of ``file`` that holds ``spec``'s table (the sheet ``wanted`` when given,
    ``why`` saying who named it), or raise :class:`DataError`."""
    import python_calamine as calamine  # here: CSV and Parquet data never need it

    try:
        book = calamine.CalamineWorkbook.from_path(str(file))
        try:
            sheet_name = _choose_sheet(file, book, spec, calamine, wanted, why)
            sheet = book.get_sheet_by_name(sheet_name)
            rows = _cells(file, sheet)
            merged = sheet.merged_cell_ranges or []
        finally:
            book.close()
        special = _scan(file, sheet_name)
    except DataError:
        raise
    except (
        calamine.CalamineError,
        OSError,
        zipfile.BadZipFile,
        ElementTree.ParseError,
        KeyError,
        ValueError,
    ) as error:
        expected = "a readable .xlsx workbook (in Excel: File > Save As > Excel Workbook)"
        raise DataError([Problem(file, None, None, f"{type(error).__name__}: {error}", expected)]) from None
    return _table(file, sheet_name, spec, rows, merged, special)


def _cells(file: Path, sheet) -> list[list]:
    """Every cell of ``sheet`` from A1 on (so rows keep Excel's numbers), row by row."""
    try:
        return sheet.to_python(skip_empty_area=False)
    except BaseException as error:  # a panic in calamine's Rust (pyo3's PanicException) is no Exception
        if type(error).__name__ != "PanicException":
            raise
        # calamine panics on a date-formatted number no date can be (such as -3e38; tafia/calamine#722)
        expected = "cells python-calamine can read: a date-formatted cell holding a date from 1900 to 9999"
        raise DataError([Problem(file, None, None, str(error), expected, sheet=sheet.name)]) from None


def _choose_sheet(
    file: Path, book, spec: FileSpec, calamine, wanted: str | None = None, why: str = ""
) -> str:
    """The sheet ``wanted``, else the sheet named like ``spec``'s table, else (in
    ``<stem>.xlsx``) the first sheet read."""
    sheets = [m for m in book.sheets_metadata if m.typ == calamine.SheetTypeEnum.WorkSheet]
    names = [m.name for m in sheets]
    if wanted is not None:
        if wanted in names:
            return wanted
        got = "sheets " + ", ".join(names) if names else "no worksheet"
        expected = f"a sheet named {wanted!r} ({spec.help})" + (f", as {why} says" if why else "")
        raise DataError([Problem(file, None, None, got, expected)])
    if spec.stem in names:
        return spec.stem
    if file.stem == spec.stem:
        read = [m.name for m in sheets if m.visible == calamine.SheetVisibleEnum.Visible]
        read = [name for name in names if name in read or name in CONTRACT_SHEETS]
        if read:
            return read[0]
    near = [name for name in names if name.strip().lower() == spec.stem]
    hint = f" (found {near[0]!r}: sheet names are case-sensitive lower_snake)" if near else ""
    got = "sheets " + ", ".join(names) if names else "no worksheet"
    raise DataError([Problem(file, None, None, got, f"a sheet named {spec.stem!r} ({spec.help}){hint}")])


@dataclass
class Special:
    """The cells of a sheet whose value calamine alone does not tell right (0-based positions)."""

    percent: set[tuple[int, int]] = field(default_factory=set)
    errors: list[tuple[int, int, str]] = field(default_factory=list)
    uncalculated: list[tuple[int, int, str]] = field(default_factory=list)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attribute(element: ElementTree.Element, name: str) -> str | None:
    """An attribute by its local name, whatever its namespace (r:id in either OOXML flavour)."""
    return next((value for key, value in element.attrib.items() if _local(key) == name), None)


def _relationships(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """The relationships of ``part``: id -> (type's last word, target part)."""
    folder, name = posixpath.split(part)
    rels = ElementTree.fromstring(archive.read(posixpath.join(folder, "_rels", name + ".rels")))
    found = {}
    for rel in rels:
        target = rel.get("Target", "")
        target = (
            target.lstrip("/")
            if target.startswith("/")
            else posixpath.normpath(posixpath.join(folder, target))
        )
        found[rel.get("Id", "")] = (rel.get("Type", "").rsplit("/", 1)[-1], target)
    return found


def _scan(file: Path, sheet_name: str) -> Special:
    """Find the percent-formatted, error and uncalculated formula cells of a sheet."""
    with zipfile.ZipFile(file) as archive:
        book = next((t for kind, t in _relationships(archive, "").values() if kind == "officeDocument"), "")
        parts = _relationships(archive, book)
        workbook = ElementTree.fromstring(archive.read(book))
        sheet_id = next(
            (
                _attribute(e, "id")
                for e in workbook.iter()
                if _local(e.tag) == "sheet" and e.get("name") == sheet_name
            ),
            None,
        )
        if sheet_id not in parts:
            raise ValueError(f"no part for sheet {sheet_name!r} in {book}")
        data = archive.read(parts[sheet_id][1])
        styles = next((t for kind, t in parts.values() if kind == "styles"), None)
        percent_styles = _percent_styles(archive.read(styles)) if styles else set()
    if not _may_hold_special_cells(data, percent_styles):
        return Special()  # most sheets: nothing to walk cell by cell
    return _walk(data, {str(s) for s in percent_styles})


def _may_hold_special_cells(data: bytes, percent_styles: set[int]) -> bool:
    """Whether the sheet's XML may hold a formula, an error cell or a percent-formatted cell.

    A few substring searches (about 25 ms each on a 100,000-row sheet); a false alarm only
    costs the walk over every cell."""
    tests = [b"<f", b't="e"', b"t='e'"]
    prefix = re.match(rb"\s*(?:<\?[^>]*\?>\s*)?<(\w+):", data[:1024])  # <x:worksheet ...>
    if prefix:
        tests += [b"<%b:f" % prefix[1]]
    for style in percent_styles:
        tests += [b's="%d"' % style, b"s='%d'" % style]
    return any(test in data for test in tests)


def _percent_styles(styles_xml: bytes) -> set[int]:
    """Indexes of the cell formats (``s=`` of a cell) whose number format shows a percent."""
    root = ElementTree.fromstring(styles_xml)
    codes = {
        int(e.get("numFmtId", "-1")): e.get("formatCode", "")
        for e in root.iter()
        if _local(e.tag) == "numFmt"
    }
    percent_ids = set(PERCENT_FORMAT_IDS)
    for number, code in codes.items():
        shown = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", code)  # quoted text and escapes are not the sign
        if "%" in shown:
            percent_ids.add(number)
    cell_formats = next((e for e in root if _local(e.tag) == "cellXfs"), None)
    if cell_formats is None:
        return set()
    return {i for i, xf in enumerate(cell_formats) if int(xf.get("numFmtId", "0")) in percent_ids}


def _walk(data: bytes, percent_styles: set[str]) -> Special:
    """The special cells, row by row: a row's cells are looked at when the row has been read
    (only "end" events: half the time of following every element's start too)."""
    special = Special()
    row = -1
    for _, element in ElementTree.iterparse(io.BytesIO(data)):
        tag = element.tag
        if not (tag.endswith("}row") or tag == "row"):
            continue
        number = element.get("r")
        row = int(number) - 1 if number else row + 1
        for column, cell in enumerate(element):  # a cell without a reference is counted along
            kind = cell.get("t", "n")
            formula = cell.find(cell.tag[:-1] + "f")  # {namespace}c -> {namespace}f
            percent = kind == "n" and cell.get("s") in percent_styles
            if kind != "e" and formula is None and not percent:
                continue  # most cells
            ref = cell.get("r")
            where = _cell_position(ref) if ref else (row, column)
            value = cell.find(cell.tag[:-1] + "v")
            value = None if value is None else value.text
            if kind == "e":
                special.errors.append((*where, value or "an error"))
            elif formula is not None and not value and kind != "str":
                text = formula.text
                special.uncalculated.append((*where, f"={text}" if text else "a shared formula"))
            elif percent and value:
                special.percent.add(where)
        element.clear()
    return special


def _table(
    file: Path, sheet: str, spec: FileSpec, rows: list[list], merged: list, special: Special
) -> RawTable:
    def problem(
        row: int | None, column: int | None, name: str | None, value: object, expected: str
    ) -> Problem:
        letter = None if column is None else column_letter(column)
        return Problem(file, row, name, value, expected, "row", sheet=sheet, letter=letter)

    if not any(v != "" for row in rows for v in row):  # stops at the first value
        raise DataError(
            [problem(None, None, None, "an empty sheet", f"a header row naming the columns ({spec.help})")]
        )
    if all(v == "" for v in rows[0]):
        raise DataError([problem(1, None, None, "an empty row", "the column names in row 1")])
    columns = list(zip(*rows, strict=True))
    names: dict[int, str] = {}
    problems = []
    for index, cells in enumerate(columns):
        name = _text(cells[0]).strip()
        if name:
            names[index] = name
            continue
        first = next((i for i, v in enumerate(cells) if v != ""), None)
        if first is not None:  # an empty column without a name is ignored
            expected = "a column name in row 1 above the column's values"
            problems.append(problem(first + 1, index, None, _text(columns[index][first]), expected))
    seen: dict[str, list[int]] = {}
    for index, name in names.items():
        seen.setdefault(name, []).append(index)
    for name, where in seen.items():
        if len(where) > 1:
            letters = ", ".join(column_letter(i) for i in where)
            got = f"{len(where)} columns named {name!r} (columns {letters})"
            problems.append(problem(1, None, name, got, "each column name once in row 1"))
    for top_left, bottom_right in merged:
        first = f"{column_letter(top_left[1])}{top_left[0] + 1}"
        last = f"{column_letter(bottom_right[1])}{bottom_right[0] + 1}"
        problems.append(
            problem(
                top_left[0] + 1,
                top_left[1],
                names.get(top_left[1]),
                f"merged cells {first}:{last}",
                f"one value per cell (unmerge {first}:{last} and fill in each cell)",
            )
        )
    for row, column, value in special.errors:
        problems.append(problem(row + 1, column, names.get(column), value, "a value, not an Excel error"))
    for row, column, formula in special.uncalculated:
        cell = f"{column_letter(column)}{row + 1}"
        problems.append(
            problem(
                row + 1,
                column,
                names.get(column),
                formula,
                f"a saved value: the formula in {cell} was never calculated "
                "(open and save the file in Excel, or paste it as values)",
            )
        )
    if problems:
        problems.sort(key=lambda p: (p.line or 0, len(p.letter or ""), p.letter or ""))
        raise DataError(problems)
    kinds = {c.name: c.kind for c in spec.columns}
    percent_rows: dict[int, list[int]] = {}
    for row, column in special.percent:
        if row > 0 and kinds.get(names.get(column, "")) == "number":
            percent_rows.setdefault(column, []).append(row - 1)
    arrays = {
        name: _column(columns[index][1:], kinds.get(name), percent_rows.get(index, []))
        for index, name in names.items()
    }
    table = pa.table(arrays) if arrays else pa.table({})
    lines: np.ndarray | range = range(2, table.num_rows + 2)
    blank = all_null(table)
    if blank is not None:
        keep = ~blank.to_numpy(zero_copy_only=False)
        table = table.filter(pa.array(keep))
        lines = np.arange(2, len(keep) + 2, dtype=np.int64)[keep]
    letters = {name: column_letter(index) for index, name in names.items()}
    return RawTable(table, lines, file, "row", decimal_comma=False, sheet=sheet, letters=letters)


MIDNIGHT = dt.time()


def _column(values: tuple, kind: str | None, percent_rows: list[int]) -> pa.Array:
    """One column of cells as an Arrow array: numbers, dates or text as the contract's ``kind``
    reads them (``None`` for a column the contract does not know); an empty cell is null."""
    cells = [None if v == "" else v for v in values]
    for row in percent_rows:  # 0.85 shown as 85% is 85: decimal, so not 85.00000000000001
        if type(cells[row]) in (float, int):
            cells[row] = float(Decimal(repr(cells[row])).scaleb(2))
    types = set(map(type, cells)) - {type(None)}
    if dt.datetime in types:  # a date-time at midnight is its date
        cells = [v.date() if type(v) is dt.datetime and v.time() == MIDNIGHT else v for v in cells]
        types = set(map(type, cells)) - {type(None)}
    if types <= {float, int} and kind in ("number", None):
        return pa.array(cells, pa.float64())
    if types <= {dt.date} and kind in ("date", None):
        return pa.array(cells, pa.date32())
    if types <= {bool} and kind is None:
        return pa.array(cells, pa.bool_())
    if not types <= {str}:
        cells = [None if v is None else _text(v) for v in cells]
    array = pa.array(cells, pa.string())
    return array.dictionary_encode() if kind in REPEATING_KINDS else array


def _text(value: object) -> str:
    """A cell as text, written as Excel shows it in a General cell (a date as YYYY-MM-DD)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)
