"""Find a contract file in a data folder and read it into a raw pyarrow table.

Reading rules (documented in the README):

- a file is ``<stem>.csv``, ``<stem>.parquet`` or ``<stem>.xlsx``; more than one is an error;
  an ``.xlsx`` file (a workbook of the four sheets, or one of them) is read by
  :mod:`okrlib.loading._excel`;
- CSV files are UTF-8, with or without a byte-order mark;
- the delimiter is whichever of ``;`` and ``,`` occurs more often in the header
  line (``,`` on a tie); with ``;`` numbers may use a decimal comma;
- contract columns are read as text and parsed by :mod:`okrlib.loading._parse`; extra
  columns keep pyarrow's inferred type.  In a comma CSV whose number column holds only
  plain finite numbers, the reader parses that column itself (the same values the
  parser gives; any other cell sends the column back to the parser as text).  Text
  columns whose values repeat (dates, ids, enums, quarters) are read
  dictionary-encoded, from CSV and Parquet alike, so that :mod:`okrlib.loading.load` trims,
  parses and checks each distinct value once;
- only an empty cell is missing: ``NA``, ``null`` or ``nan`` are text like any other;
- blank lines are ignored but still counted, so line numbers match an editor's;
- a line with the wrong number of fields is an error (values may not contain
  line breaks).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from ..exceptions import DataError, Problem
from ._parse import all_finite
from ._raw import REPEATING_KINDS, RawTable, all_null
from .contract import FileSpec

SUFFIXES = (".csv", ".parquet", ".xlsx")


def locate(path: str | Path, spec: FileSpec) -> Path:
    """Return the file for ``spec`` given a data folder or the file itself."""
    path = Path(path)
    if path.is_file():
        return path
    if not path.is_dir():
        raise DataError([Problem(path, None, None, None, "an existing data folder or file")])
    found = [path / f"{spec.stem}{suffix}" for suffix in SUFFIXES]
    found = [f for f in found if f.is_file()]
    if len(found) == 1:
        return found[0]
    expected = " or ".join(f"{spec.stem}{suffix}" for suffix in SUFFIXES)
    expected = f"exactly one of {expected} ({spec.help})"
    got = " and ".join(f.name for f in found) if found else None
    raise DataError([Problem(path / f"{spec.stem}.csv", None, None, got, expected)])


def _repeating(spec: FileSpec) -> set[str]:
    return {c.name for c in spec.columns if c.kind in REPEATING_KINDS}


def read_raw(file: Path, spec: FileSpec, sheet: str | None = None, why: str = "") -> RawTable:
    """Read ``file`` into a :class:`RawTable`, or raise :class:`DataError`.

    ``sheet`` names an ``.xlsx`` file's sheet to read (``why`` says who named it, for the
    message when it is missing); by default the sheet named like ``spec``'s table."""
    if file.suffix == ".parquet":
        return _read_parquet(file, spec)
    if file.suffix.lower() == ".xlsx":
        from ._excel import read_sheet  # here: CSV and Parquet data never import calamine

        return read_sheet(file, spec, sheet, why)
    return _read_csv(file, spec)


def _read_parquet(file: Path, spec: FileSpec) -> RawTable:
    import pyarrow.parquet as pq  # here: 7 ms of imports that CSV data never needs

    repeating = _repeating(spec)
    try:
        schema = pq.read_schema(file)
        _header_names_unique(file, schema.names)
        text = [f.name for f in schema if f.name in repeating and pa.types.is_string(f.type)]
        table = pq.read_table(file, read_dictionary=text)
    except (OSError, pa.ArrowException) as error:
        raise DataError([Problem(file, None, None, str(error), "a readable Parquet file")]) from None
    return RawTable(table, range(1, table.num_rows + 1), file, "row", decimal_comma=False)


def _header(file: Path) -> tuple[str, bytes]:
    with open(file, "rb") as handle:
        head = handle.read(1 << 16)
    if head.startswith(b"PK\x03\x04"):
        raise DataError(
            [
                Problem(
                    file,
                    None,
                    None,
                    "a zip archive, like an Excel workbook renamed to .csv",
                    "a CSV text file (in Excel: File > Save As > CSV UTF-8)",
                )
            ]
        )
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    first = re.split(rb"\r\n|\r|\n", head, maxsplit=1)[0]
    try:
        return first.decode("utf-8"), head
    except UnicodeDecodeError:
        raise DataError([_first_bad_utf8(file)]) from None


def _read_csv(file: Path, spec: FileSpec) -> RawTable:
    header, head = _header(file)
    if not head.strip():
        raise DataError(
            [
                Problem(
                    file,
                    None,
                    None,
                    "an empty file",
                    f"a header line naming the columns ({spec.help})",
                )
            ]
        )
    delimiter = ";" if header.count(";") > header.count(",") else ","
    _check_header_shape(file, header, delimiter)
    names = _header_names(file, header, delimiter)
    repeating = _repeating(spec)
    encoded = pa.dictionary(pa.int32(), pa.string())
    text_columns = {
        name: encoded if name in repeating else pa.string() for name in names if name in spec.names
    }
    # Numbers are parsed by the reader when every cell is a plain finite number (most files);
    # else, or with decimal commas, they are read as text for okrlib.loading._parse's rules.
    numbers = [c.name for c in spec.columns if c.kind == "number" and c.name in text_columns]
    column_types = text_columns | dict.fromkeys(numbers if delimiter == "," else [], pa.float64())
    invalid: list[tuple[int | None, str]] = []

    def on_invalid(row: pa_csv.InvalidRow) -> str:
        invalid.append((row.number, row.text))
        return "skip"

    block = {"size": 1 << 20}  # Arrow's default; a larger field needs a block that holds it

    def read(use_threads: bool, types: dict[str, pa.DataType]) -> pa.Table:
        options = pa_csv.ReadOptions(
            use_threads=use_threads, column_names=names, skip_rows=1, block_size=block["size"]
        )
        return pa_csv.read_csv(
            file,
            read_options=options,
            parse_options=pa_csv.ParseOptions(
                delimiter=delimiter, ignore_empty_lines=False, invalid_row_handler=on_invalid
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types=types,
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )

    def read_all(use_threads: bool) -> pa.Table:
        if column_types != text_columns:
            try:
                table = read(use_threads, column_types)
                if all(all_finite(table[name]) for name in numbers):  # the parser's rule
                    return table
            except pa.ArrowInvalid as error:  # a cell that is not a plain number
                if "conversion error" not in str(error):
                    raise
            invalid.clear()
        return read(use_threads, text_columns)

    if _header_only(file, head):  # with no line after the header Arrow cannot skip it
        empty = {name: pa.array([], column_types.get(name, pa.string())) for name in names}
        return RawTable(pa.table(empty), range(2, 2), file, "line", decimal_comma=delimiter == ";")
    try:
        try:
            table = read_all(use_threads=True)
        except pa.ArrowInvalid as error:  # a quoted field longer than a block
            if "straddl" not in str(error):
                raise
            invalid.clear()
            block["size"] = min(max(file.stat().st_size + 1, 1 << 20), (1 << 31) - 1)
            table = read_all(use_threads=True)
        if invalid and any(number is None for number, _ in invalid):
            invalid.clear()
            table = read_all(use_threads=False)
    except pa.ArrowInvalid as error:
        if "UTF8" in str(error):
            raise DataError([_first_bad_utf8(file)]) from None
        raise DataError([Problem(file, None, None, str(error), "a readable CSV file")]) from None
    if invalid:
        width = len(names)
        raise DataError(
            Problem(
                file,
                number,
                None,
                text,
                f"{width} fields separated by {delimiter!r}, like the header "
                "(a value with a line break or a stray delimiter must be quoted)",
            )
            for number, text in invalid
        )
    # Row i of the table is physical line i + 2 (blank lines included, header is line 1).
    lines: np.ndarray | range = range(2, table.num_rows + 2)
    blank = all_null(table)
    if blank is not None:
        keep = pc.invert(blank)
        table = table.filter(keep)
        lines = np.arange(2, len(keep) + 2, dtype=np.int64)[keep.to_numpy(zero_copy_only=False)]
    return RawTable(table, lines, file, "line", decimal_comma=delimiter == ";")


def _header_only(file: Path, head: bytes) -> bool:
    """True when the file holds its header line and nothing else (blank lines aside)."""
    rest = re.split(rb"\r\n|\r|\n", head, maxsplit=1)[1:]
    return file.stat().st_size <= len(head) + 3 and not (rest and rest[0].strip())


def _check_header_shape(file: Path, header: str, delimiter: str) -> None:
    """Name the file shapes that spreadsheets write and the contract cannot read."""
    shown = header if len(header) <= 60 else header[:57] + "..."
    if header.lower().startswith("sep="):
        expected = "the header line first (delete Excel's 'sep=' line, or export as CSV UTF-8)"
    elif header.count("\t") > header.count(delimiter):
        expected = "columns separated by ',' or ';' (this file looks tab-separated: save it as CSV)"
    else:
        return
    raise DataError([Problem(file, 1, None, shown, expected)])


def _header_names(file: Path, header: str, delimiter: str) -> list[str]:
    """The header's column names, quotes and surrounding spaces removed; each name once."""
    names = [name.strip() for name in next(csv.reader([header], delimiter=delimiter))]
    _header_names_unique(file, names)
    return names


def _header_names_unique(file: Path, names: list[str]) -> None:
    """A :class:`DataError` for every column name the header holds more than once."""
    seen: dict[str, list[int]] = {}
    for position, name in enumerate(names, start=1):
        seen.setdefault(name, []).append(position)
    twice = [(name, where) for name, where in seen.items() if len(where) > 1]
    if twice:
        raise DataError(
            Problem(
                file,
                1,
                name,
                f"{len(where)} columns named {name!r} (columns {', '.join(map(str, where))})",
                "each column name once in the header line",
            )
            for name, where in twice
        )


def _first_bad_utf8(file: Path) -> Problem:
    """Find the first line that is not UTF-8 (only runs when reading already failed)."""
    with open(file, "rb") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as error:
                bad = line[max(error.start - 10, 0) : error.end + 10]
                shown = bad.decode("utf-8", errors="replace").strip()
                return Problem(file, number, None, shown, "UTF-8 text (save the file as UTF-8)")
    return Problem(file, None, None, None, "UTF-8 text (save the file as UTF-8)")
