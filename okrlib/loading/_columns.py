"""Parse a raw table's contract columns into typed pandas columns, once per distinct cell."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..model import isin
from . import _parse
from ._keys import Codes, check_unique
from ._problems import Problems
from ._raw import RawTable
from .contract import KPI_HISTORY, KPIS, OKRS, Column, FileSpec


def parse_table(raw: RawTable, spec: FileSpec, problems: Problems) -> pd.DataFrame:
    """Parse every contract column of ``raw``; extra columns are kept as read.

    Each raw column is let go as soon as it is parsed, so a large file is never held
    twice over (``raw`` must not be referenced elsewhere).
    """
    lines = raw.lines
    if isinstance(lines, range):
        index = pd.RangeIndex(lines.start, lines.stop, name=raw.location)
    else:
        index = pd.Index(lines, name=raw.location)
    cells = dict(zip(raw.table.column_names, raw.table.columns, strict=True))
    present = set(cells)
    if raw.table.num_rows == 0 and spec.stem in (KPIS.stem, OKRS.stem):
        problems.add(None, None, "a header and no rows", f"at least one row ({spec.help})")
    decimal_comma = raw.decimal_comma
    raw.table = None  # type: ignore[assignment]  # see the docstring

    def parse(column: Column) -> tuple[pd.Series, Codes | None]:
        return _parse_column(cells.pop(column.name), column, index, decimal_comma, problems)

    parsed = _map(parse, [column for column in spec.columns if column.name in present])
    columns: dict[str, pd.Series] = {}
    codes: dict[str, Codes] = {}
    for column in spec.columns:
        if column.name in parsed:
            columns[column.name], column_codes = parsed[column.name]
            if column_codes is not None:
                codes[column.name] = column_codes
        elif column.required:
            text = _missing_column_help(column.name, present, spec, problems.mapped_in)
            problems.add(None, column.name, None, text)
        else:
            columns[column.name] = _empty(column, index)
    if spec.key_column in columns:
        problems.key_by(columns[spec.key_column].rename(spec.key_column))
    problems.raise_if_any()
    for name, extra in cells.items():  # the columns the contract does not know
        columns[name] = extra.to_pandas().set_axis(index)
    frame = pd.DataFrame(columns, index=index, copy=False)
    check_unique(frame, spec, problems, codes)
    return frame


def _map(
    parse: Callable[[Column], tuple[pd.Series, Codes | None]], columns: list[Column]
) -> dict[str, tuple[pd.Series, Codes | None]]:
    """``parse`` each column; by column name."""
    return {column.name: parse(column) for column in columns}


def _missing_column_help(name: str, present: set[str], spec: FileSpec, mapped_in: str | None = None) -> str:
    near = sorted(p for p in present if p.strip().lower() == name)
    hint = f" (found {near[0]!r}: column names are case-sensitive lower_snake)" if near else ""
    others = sorted(present - set(spec.names))
    if not near and spec is KPI_HISTORY and "date" in present and len(others) >= 2:
        shown = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
        hint = (
            f" (this looks like a wide table, one column per KPI: {shown}; reshape it to one row "
            "per date, kpi_id and value, for example with pandas.melt)"
        )
    if mapped_in and not hint:
        hint = f" (or the file's column for it named in {mapped_in})"
    return f"a required column {name!r}{hint}"


def _empty(column: Column, index: pd.Index) -> pd.Series:
    dtypes = {"number": "float64", "date": "datetime64[us]", "quarter": "period[Q-DEC]"}
    series = pd.Series(None, index=index, dtype=dtypes.get(column.kind, "str"))
    return series if column.default is None else series.fillna(column.default)


def _parse_column(
    cells: pa.ChunkedArray, column: Column, index: pd.Index, decimal_comma: bool, problems: Problems
) -> tuple[pd.Series, Codes | None]:
    """Parse and check one column; dictionary-encoded columns are parsed and checked once per
    distinct value and come with integer codes of their values (for the duplicate-key check)."""
    codes = distinct = None
    if pa.types.is_dictionary(cells.type):  # the reader encodes repeating text columns
        values, bad, missing, codes, distinct = _parse_distinct(cells, column, index, decimal_comma)
    else:
        values, bad = _parse.parse_cells(cells, column.kind, decimal_comma)
        values.index = bad.index = index
        if _parse.is_numeric(cells) and not cells.null_count:  # read as numbers, no empty cell
            missing = _parse.no_rows(index)
        else:
            missing = values.isna() & ~bad
        if column.default is not None:
            values = values.fillna(column.default)
    if bad.any():
        shown = _parse.parse_text(cells)[0].set_axis(index)
        expected = column.expected()
        if column.kind == "number" and decimal_comma:
            ambiguous = bad & shown.map(lambda v: isinstance(v, str) and _parse.is_ambiguous_decimal(v))
            problems.add_rows(
                ambiguous,
                column.name,
                shown,
                "an unambiguous number: in a ';'-delimited file write 1234 or 1,234",
            )
            bad = bad & ~ambiguous
        problems.add_rows(bad, column.name, shown, expected)
    if column.required and missing.any():
        problems.add_rows(missing, column.name, pd.Series("", index=index), column.expected())
    if column.kind == "enum" or column.pattern:  # checked on the distinct values: ids repeat a lot
        checked = values.where(~missing) if column.default is not None else values
        if distinct is None:
            distinct = pd.Series(pc.unique(pa.array(checked.dropna())).to_pandas(), dtype="str")
        wrong = np.zeros(len(distinct), dtype=bool)
        if column.kind == "enum":
            wrong |= ~distinct.isin(column.allowed).to_numpy()
        if column.pattern:
            wrong |= ~distinct.str.fullmatch(column.pattern).to_numpy(dtype=bool)
        if wrong.any():
            problems.add_rows(isin(checked, distinct[wrong]), column.name, values, column.expected())
    return values, codes


def _parse_distinct(
    cells: pa.ChunkedArray, column: Column, index: pd.Index, decimal_comma: bool
) -> tuple[pd.Series, pd.Series, pd.Series, Codes, pd.Series]:
    """Parse a dictionary-encoded column once per distinct value and spread the results.

    Returns the values (defaults filled), the unparseable and the empty rows, codes, and
    the distinct values the rows hold (parsed; neither empty nor unparseable).
    """
    texts, positions = _entries(cells)
    parsed, parsed_bad = _parse.parse_cells(pa.chunked_array([texts]), column.kind, decimal_comma)
    # entry 0 is the empty cell, entry i > 0 is text i - 1
    bad = np.append(False, parsed_bad.to_numpy(dtype=bool))
    empty = np.append(cells.null_count > 0, parsed.isna().to_numpy() & ~bad[1:])  # blanks trim to empty
    entries = pd.concat(
        [pd.Series([column.default], dtype=parsed.dtype), parsed.where(~empty[1:], column.default)],
        ignore_index=True,
    )
    if entries.dtype.kind == "M":
        values = pd.Series(entries.to_numpy()[positions], index=index, copy=False)
    elif not cells.null_count and not _python_strings(entries) and _unchanged(entries.iloc[1:], texts):
        values = cells.cast(pa.large_string()).to_pandas()  # decoded as read, in pandas' own string type
        values.index = index
    else:  # Python strings (report kernels): rows share their entry's object, one per distinct text
        values = pd.Series(entries.array.take(positions))
        values.index = index
    used = entries if cells.null_count else entries.iloc[1:]  # entry 0 is used by empty cells only
    if used.duplicated().any():  # trimming made texts equal, or empty cells take a text's default
        entry_codes, uniques = pd.factorize(entries, use_na_sentinel=False)
        codes: Codes = (entry_codes.astype(np.int32)[positions], len(uniques))
    else:  # distinct entries: each row's entry is its code
        codes = (positions, len(entries))
    distinct = parsed[~(bad | empty)[1:]]
    bad_rows, empty_rows = (_spread_flags(flags, positions, index) for flags in (bad, empty))
    return values, bad_rows, empty_rows, codes, distinct


def _entries(cells: pa.ChunkedArray) -> tuple[pa.Array, np.ndarray]:
    """The distinct texts of a dictionary-encoded column, and per row its entry: 0 for an
    empty cell, i > 0 for text i - 1.

    Each chunk of a CSV file has a dictionary of its own.  Every chunk's indices are
    looked up in the distinct texts straight into one array: Arrow's
    ``unify_dictionaries`` and a concatenation of its indices would write every row twice more.
    """
    texts = pc.unique(pa.chunked_array([chunk.dictionary for chunk in cells.chunks], cells.type.value_type))
    positions = np.empty(len(cells), dtype=np.int32)
    start = 0
    for chunk in cells.chunks:  # a few hundred chunks of ~25,000 rows for 10M rows
        found = pc.index_in(chunk.dictionary, value_set=texts).to_numpy(zero_copy_only=False)
        lookup = np.append(found.astype(np.int32) + 1, np.int32(0))  # a null index: the last, 0
        indices = chunk.indices
        if indices.null_count:
            indices = pc.fill_null(indices, len(chunk.dictionary))
        np.take(lookup, indices.to_numpy(), out=positions[start : start + len(chunk)])
        start += len(chunk)
    return texts, positions


def _python_strings(entries: pd.Series) -> bool:
    """Whether ``entries`` hold text as Python strings (pandas' ``mode.string_storage``
    ``"python"``, as in report kernels).  Arrow's decoding then makes a Python object per
    row: 10M rows of ids took 600 MB more than one object per distinct text."""
    return getattr(entries.dtype, "storage", None) == "python"


def _unchanged(parsed: pd.Series, raw: pa.Array) -> bool:
    """True when parsing left every text value as it was read (nothing trimmed)."""
    return (
        pa.types.is_string(raw.type)
        and pd.api.types.is_string_dtype(parsed.dtype)
        and pa.array(parsed, pa.string()).equals(raw)
    )


def _spread_flags(flags: np.ndarray, positions: np.ndarray, index: pd.Index) -> pd.Series:
    rows = flags[positions] if flags.any() else np.zeros(len(positions), dtype=bool)
    return pd.Series(rows, index=index, copy=False)
