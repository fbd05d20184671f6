"""Load and validate the four data files into tidy DataFrames.

Each loader reads one file by the data contract (:mod:`okrlib.contract`), parses
every cell, checks every rule and either returns a tidy DataFrame or raises
:class:`~okrlib.DataError` listing every problem with file, line, column, value
and what was expected.  The index of every returned frame is the source line
(or Parquet row) of each record, so later messages can point back at the file.

Examples
--------
>>> wb = load_workbook("data/")                       # doctest: +SKIP
>>> wb.key_results[["kr_id", "kr_type", "start", "target"]].head()  # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import _history, _parse, _sql
from ._frames import isin, series_key
from ._read import RawTable, locate, read_raw
from ._rules import check_checkins, check_kpis, check_okrs, split_okrs
from ._toml import config_path, read_config
from .contract import CHECKINS, KPI_HISTORY, KPIS, OKRS, Column, FileSpec
from .exceptions import DataError, Problem
from .workbook import FINDING_COLUMNS, Workbook, findings_frame

__all__ = ["cut_at", "load_checkins", "load_kpi_history", "load_kpis", "load_okrs", "load_workbook"]


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


Codes = tuple[np.ndarray, int]  # per row a code 0..size-1, one per distinct value, and size


def _parse_file(raw: RawTable, spec: FileSpec, problems: Problems) -> pd.DataFrame:
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

    parsed = _map(parse, [column for column in spec.columns if column.name in present], len(index))
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
    _check_unique(frame, spec, problems, codes)
    return frame


TEXT_KINDS = frozenset({"id", "text", "enum"})
PARALLEL_ROWS = 100_000
"""From this many rows, columns are parsed on as many threads as Arrow uses: most of the
work is in numpy and Arrow, which let other threads run meanwhile."""


def _map(
    parse: Callable[[Column], tuple[pd.Series, Codes | None]], columns: list[Column], rows: int
) -> dict[str, tuple[pd.Series, Codes | None]]:
    """``parse`` each column, on threads for a large file; by column name."""
    threads = min(pa.cpu_count(), len(columns)) if rows >= PARALLEL_ROWS else 1
    if threads <= 1:
        return {column.name: parse(column) for column in columns}
    # text first: decoding it writes the most memory (8 bytes of offset a row and its bytes)
    columns = sorted(columns, key=lambda column: column.kind not in TEXT_KINDS)
    with ThreadPoolExecutor(threads, thread_name_prefix="okrlib-parse") as pool:
        return dict(zip((column.name for column in columns), pool.map(parse, columns), strict=True))


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


DENSE_KEY_LIMIT = 1 << 27  # up to 128M possible keys, a table of flags is cheap


def _codes(values: pd.Series) -> tuple[np.ndarray, int]:
    """Integer codes 0..n-1 of a column's values (missing is a value of its own)."""
    if values.dtype.kind == "M":  # dates: whole days from the first, no hashing needed
        days = values.to_numpy().astype("datetime64[D]").astype(np.int64)
        present = ~np.isnat(values.to_numpy())
        low = days[present].min() if present.any() else 0
        codes = np.where(present, days - low + 1, 0)
        return codes, int(codes.max(initial=0)) + 1
    codes, uniques = pd.factorize(values)
    return codes.astype(np.int64) + 1, len(uniques) + 1


def duplicated(frame: pd.DataFrame, key: list[str], known: dict[str, Codes] | None = None) -> pd.Series:
    """Rows whose ``key`` repeats an earlier row's, found on integer codes (fast on millions of rows).

    ``known`` holds codes the parser already made for some columns.  The first key column's
    codes are taken out of it and become the combined codes (no copy of a column of codes).
    """
    known = known if known is not None else {}
    parts = [known.pop(key[0], None) or _codes(frame[key[0]])]
    parts += [known.get(column) or _codes(frame[column]) for column in key[1:]]
    span = math.prod(size for _, size in parts)
    if span >= 2**62:
        return frame.duplicated(key, keep="first")
    combined = parts[0][0].astype(np.int32 if span < 2**31 else np.int64, copy=False)
    for codes, size in parts[1:]:
        combined *= size  # in place: no temporaries (each would be 40-80 MB per 10M rows)
        combined += codes
    if span <= DENSE_KEY_LIMIT:  # one flag per possible key: all distinct when every row sets its own
        seen = np.zeros(span, dtype=bool)
        seen[combined] = True
        if np.count_nonzero(seen) == len(frame):
            return _parse.no_rows(frame.index)
    return pd.Series(pd.Series(combined).duplicated(keep="first").to_numpy(), index=frame.index)


def _check_unique(frame: pd.DataFrame, spec: FileSpec, problems: Problems, codes: dict[str, Codes]) -> None:
    for key in spec.unique:
        duplicated_rows = duplicated(frame, list(key), codes)
        if not duplicated_rows.any():
            continue
        first_line = (
            frame.reset_index()
            .groupby(list(key), sort=False, dropna=False)[frame.index.name]
            .transform("first")
        )
        first_line.index = frame.index
        shown = frame[list(key)].astype(str).agg(", ".join, axis=1)
        name = key[0] if len(key) == 1 else "(" + ", ".join(key) + ")"
        for line in frame.index[duplicated_rows.to_numpy()]:
            problems.add(
                int(line),
                name,
                shown[line],
                f"a unique {name}; the same value is on {problems.location} {first_line[line]}",
            )
    problems.raise_if_any()


def _load(path: str | Path, spec: FileSpec) -> tuple[pd.DataFrame, Problems]:
    toml = config_path(path)
    if toml is None:
        raw, aliases = read_raw(locate(path, spec), spec), {}
    else:  # okrlib.toml says where the table comes from and how it maps (README, "A source file")
        config = read_config(toml)
        raw, aliases = config.read(spec)
    problems = Problems(raw.source, raw.location, raw.sheet, raw.letters, aliases)
    if toml is not None and spec.stem in config.tables:
        problems.mapped_in = f"{toml.name}'s [{spec.stem}] columns"
    return _parse_file(raw, spec, problems), problems


def load_kpis(path: str | Path) -> pd.DataFrame:
    """Load ``kpis.csv`` (or ``.parquet``): one row per KPI.

    Parameters
    ----------
    path : the data folder, or the file itself.

    Returns
    -------
    DataFrame with the contract's columns (kpi_id, name, unit, direction,
    aggregation, kind, owner, target, warn_threshold, critical_threshold) and any
    extra columns, indexed by source line.
    """
    frame, problems = _load(path, KPIS)
    check_kpis(frame, problems)
    problems.raise_if_any()
    return frame


def load_kpi_history(path: str | Path, kpis: pd.DataFrame | None = None) -> pd.DataFrame:
    """Load ``kpi_history.csv``: one row per (date, kpi_id, segment) observation.

    With ``kpis`` given, every ``kpi_id`` must name a known KPI.  From an SQL source
    (``okrlib.toml``, README "KPI history from a warehouse") every KPI's whole series, by day.
    """
    sql = _sql_source(path)
    if sql is not None:
        return _sql.load_history(sql, load_kpis(path) if kpis is None else kpis)[0]
    frame, problems = _load(path, KPI_HISTORY)
    if kpis is not None:
        unknown = ~isin(frame["kpi_id"], kpis["kpi_id"])
        problems.add_rows(unknown, "kpi_id", frame["kpi_id"], "a kpi_id listed in kpis")
    problems.raise_if_any()
    return frame


def load_okrs(path: str | Path, kpis: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Load ``okrs.csv`` and split it into ``(objectives, key_results)``.

    ``objectives`` has one row per objective (the objective columns), indexed by
    the line of its first key result; ``key_results`` one row per key result with
    ``objective_id``, ``quarter`` and ``team`` beside the key-result columns.
    With ``kpis`` given, every ``kpi_id`` must name a known KPI.
    """
    frame, problems = _load(path, OKRS)
    check_okrs(frame, problems, kpis)
    problems.raise_if_any()
    return split_okrs(frame)


def load_checkins(path: str | Path, key_results: pd.DataFrame | None = None) -> pd.DataFrame:
    """Load ``checkins.csv``: one row per (kr_id, date) check-in.

    With ``key_results`` given, every ``kr_id`` must name a known key result and
    a milestone's value must lie in 0..1.
    """
    frame, problems = _load(path, CHECKINS)
    check_checkins(frame, problems, key_results)
    problems.raise_if_any()
    return frame


def load_workbook(path: str | Path = "data", team: str | None = None) -> Workbook:
    """Load and cross-check the four files of a data folder.

    Parameters
    ----------
    path : the data folder holding kpis, kpi_history, okrs and checkins
        (each ``.csv``, ``.parquet`` or ``.xlsx``), or an ``.xlsx`` workbook with
        sheets of those names (the README's "Excel workbooks"), or an ``okrlib.toml``
        source file saying where each table comes from and how its columns and values
        map (a folder holding ``okrlib.toml`` is read through it: README, "A source file").

    team : for ``kpi_history`` from an SQL source only: the review's team, whose KPIs (owned
        by it) and the KPIs any key result links to are the only ones asked of the engine
        (default: every KPI).  Files are read whole whatever ``team`` says.

    Returns
    -------
    Workbook
        Tidy frames plus ``findings``: data-quality notes that are not errors.

    Raises
    ------
    DataError
        Listing every problem of the first file that has any.

    Examples
    --------
    >>> wb = load_workbook("data")          # doctest: +SKIP
    >>> wb.quarters[-1]                     # doctest: +SKIP
    Period('2026Q4', 'Q-DEC')
    """
    path = Path(path)
    kpis = load_kpis(path)
    sql = _sql_source(path)
    if sql is not None:
        return _sql_workbook(path, sql, kpis, team)
    history = load_kpi_history(path, kpis)
    objectives, key_results = load_okrs(path, kpis)
    checkins = load_checkins(path, key_results)
    findings = _findings(kpis, history, key_results, checkins)
    return Workbook(kpis, history, objectives, key_results, checkins, findings, source=path)


def _sql_source(path: str | Path) -> _sql.SqlTable | None:
    """The SQL table ``kpi_history`` comes from, when an ``okrlib.toml`` names one."""
    toml = config_path(path)
    return None if toml is None else read_config(toml).sql


def _sql_workbook(path: Path, sql: _sql.SqlTable, kpis: pd.DataFrame, team: str | None) -> Workbook:
    """The workbook with ``kpi_history`` asked of an SQL engine: the days of the KPIs a
    review reads, in the window it reads (:mod:`okrlib._sql`'s rules)."""
    objectives, key_results = load_okrs(path, kpis)
    checkins = load_checkins(path, key_results)
    history, present = _sql.load_history(sql, kpis, _sql.request(kpis, key_results, team))
    findings = _findings(kpis, history, key_results, checkins)
    findings = _sql.drop_unasked(findings, key_results, present)  # the table holds what was not asked for
    return Workbook(kpis, history, objectives, key_results, checkins, findings, source=path)


def cut_at(workbook: Workbook, as_of: object) -> Workbook:
    """The workbook as it stood at ``as_of``: nothing dated after it is kept.

    KPI observations and check-ins dated after ``as_of`` are left out, and so are the
    objectives and key results of quarters that start after it; the findings are those of
    what is kept (``empty_file`` stays a finding about the file as a whole).  A report as of
    a date therefore reads the same whatever was added to the files later.

    Examples
    --------
    >>> cut_at(wb, "2026-09-30").latest_date <= pd.Timestamp("2026-09-30")   # doctest: +SKIP
    True
    """
    day = pd.Timestamp(as_of).normalize()
    history = workbook.kpi_history
    after = (history["date"] > day).to_numpy()
    if after.any():  # else the frame itself: a copy of a 10M-row history costs 0.5 s and 300 MB
        history = _history.rows(history, ~after)
    objectives = workbook.objectives
    objectives = objectives[objectives["quarter"].dt.start_time <= day]
    key_results = workbook.key_results
    key_results = key_results[key_results["quarter"].dt.start_time <= day]
    checkins = workbook.checkins
    checkins = checkins[(checkins["date"] <= day) & isin(checkins["kr_id"], key_results["kr_id"])]
    empty_files = workbook.findings[workbook.findings["check"].eq("empty_file")]
    findings = pd.concat(
        [_findings(workbook.kpis, history, key_results, checkins, empty_files=False), empty_files],
        ignore_index=True,
    )
    return Workbook(
        workbook.kpis, history, objectives, key_results, checkins, findings, workbook.source, as_of=day
    )


def _findings(
    kpis: pd.DataFrame,
    history: pd.DataFrame,
    key_results: pd.DataFrame,
    checkins: pd.DataFrame,
    empty_files: bool = True,
) -> pd.DataFrame:
    """Data-quality notes: accepted by the contract, but worth a reader's eye."""
    notes = []
    no_history = kpis[~isin(kpis["kpi_id"], _history.kpi_ids(history))]
    notes.append(
        findings_frame(
            "kpi_without_history",
            "kpis",
            no_history,
            no_history["kpi_id"],
            "KPI has no observations in kpi_history",
        )
    )
    no_checkins = key_results[~isin(key_results["kr_id"], checkins["kr_id"])]
    message = np.where(
        no_checkins["kpi_id"].notna(),
        "no check-ins yet; progress is read from its KPI",
        "no check-ins yet and no linked KPI: no current value",
    )
    notes.append(findings_frame("kr_without_checkins", "okrs", no_checkins, no_checkins["kr_id"], message))
    quarter = checkins["kr_id"].map(key_results.set_index("kr_id")["quarter"])  # kr_id is unique
    outside = checkins["date"].dt.to_period("Q") != quarter
    outside_rows = checkins[outside].assign(quarter=quarter[outside])
    notes.append(
        findings_frame(
            "checkin_outside_quarter",
            "checkins",
            outside_rows,
            outside_rows["kr_id"],
            "check-in dated "
            + outside_rows["date"].dt.strftime("%Y-%m-%d")
            + " is outside the key result's quarter "
            + outside_rows["quarter"].astype(str),
        )
    )
    linked = key_results[key_results["segment"].notna()]
    pairs = _history.series(history)
    pairs = pairs[isin(pairs["kpi_id"], linked["kpi_id"])]
    known = isin(series_key(linked), series_key(pairs))
    missing_segment = linked[~known]
    notes.append(
        findings_frame(
            "segment_without_history",
            "okrs",
            missing_segment,
            missing_segment["kr_id"],
            "segment "
            + missing_segment["segment"].astype(str)
            + " of KPI "
            + missing_segment["kpi_id"].astype(str)
            + " has no history",
        )
    )
    notes.extend(_scale_findings(history, key_results))
    for frame, stem in ((history, "kpi_history"), (checkins, "checkins")):
        if empty_files and frame.empty:
            notes.append(
                pd.DataFrame(
                    [["empty_file", stem, 1, stem, "the file has a header and no rows"]],
                    columns=FINDING_COLUMNS,
                )
            )
    return pd.concat(notes, ignore_index=True)


SCALE = 100  # fractions against percentage points, cents against units
SCALE_SLACK = 1.25  # a value within 1/1.25 to 1.25 times 1/100 (or 100) of its series' median
RANGE_FACTOR = 10  # a key result's start or target this far outside its KPI's observed range


def _scale_stats(history: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """The rows about 100x off their series' median, their series' median (absolute) and
    each series' min and max (indexed by :func:`okrlib._history.pairs`).

    One reduction per series, spread back to the rows by position: a transform and the
    ratios as pandas Series held about 1 GB of temporaries for 10M rows.
    """
    codes = _history.pairs(history)
    stats = history["value"].groupby(codes, sort=False).agg(["median", "min", "max"])
    median = np.abs(stats["median"].to_numpy())[stats.index.get_indexer(codes)]
    del codes
    size = np.abs(history["value"].to_numpy())
    with np.errstate(divide="ignore", invalid="ignore"):
        odd = _near(np.where(median > 0, size * SCALE / median, np.nan))
        odd |= _near(np.where(size > 0, median * SCALE / size, np.nan))
    return history[odd], pd.Series(median[odd], index=history.index[odd]), stats[["min", "max"]]


def _near(ratio: np.ndarray) -> np.ndarray:
    return (ratio >= 1 / SCALE_SLACK) & (ratio <= SCALE_SLACK)


def _scale_findings(history: pd.DataFrame, key_results: pd.DataFrame) -> list[pd.DataFrame]:
    """Findings of values on another scale: a series whose values jump by about 100x from
    its median (``scale_jump``: fractions mixed with percentage points), and a key result
    whose start or target lies 10x or more outside the range its KPI was observed in
    (``kr_outside_kpi_range``: a target of 0.9 on a KPI recorded as 90)."""
    if history.empty:
        return []
    # per series (by integer codes: 10M rows of texts hash slowly), once per history frame:
    # cut_at(wb, day) with nothing after day keeps the loaded frame and finds the same
    odd, median, stats = _history.memo(history, "scale_findings", lambda: _scale_stats(history))
    notes = []
    if len(odd):
        first = odd.groupby(["kpi_id", "segment"], sort=False, observed=True).head(1)
        counts = odd.groupby(["kpi_id", "segment"], sort=False, observed=True).size()
        count = pd.Series(
            counts.reindex(pd.MultiIndex.from_frame(first[["kpi_id", "segment"]])).to_numpy(),
            index=first.index,
        )
        series_median = median[first.index]
        message = (
            "segment "
            + first["segment"].astype(str)
            + ": "
            + count.astype(str)
            + " value(s) about 100 times off the series' median "
            + series_median.map("{:g}".format)
            + ", the first "
            + first["value"].map("{:g}".format)
            + " (fractions mixed with percentage points?)"
        )
        notes.append(findings_frame("scale_jump", "kpi_history", first, first["kpi_id"], message))
    linked = key_results[key_results["kpi_id"].notna()]
    if len(linked):
        keys = _history.pair_of(history, linked["kpi_id"], linked["segment"].fillna("all"))
        low = pd.Series(stats["min"].reindex(keys).to_numpy(), index=linked.index)
        high = pd.Series(stats["max"].reindex(keys).to_numpy(), index=linked.index)
        positive = low > 0
        outside = pd.Series(False, index=linked.index)
        for column in ("start", "target"):  # over the two columns, not the rows
            value = linked[column]
            outside |= positive & ((value < low / RANGE_FACTOR) | (value > high * RANGE_FACTOR))
        rows = linked[outside]
        if len(rows):
            message = (
                "start "
                + rows["start"].map(lambda v: "–" if pd.isna(v) else f"{v:g}")
                + " / target "
                + rows["target"].map(lambda v: "–" if pd.isna(v) else f"{v:g}")
                + " lies far outside KPI "
                + rows["kpi_id"].astype(str)
                + "'s observed range "
                + low[rows.index].map("{:g}".format)
                + " to "
                + high[rows.index].map("{:g}".format)
                + " (another scale, such as 0.9 for 90%?)"
            )
            notes.append(findings_frame("kr_outside_kpi_range", "okrs", rows, rows["kr_id"], message))
    return notes
