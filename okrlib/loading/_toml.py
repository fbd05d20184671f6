"""Read the contract's tables through an ``okrlib.toml`` source file.

An ``okrlib.toml`` (in the data folder, or given as the path itself) says, per contract
table, which file holds it and how the file's column names and values map to the contract::

    [okrs]
    file = "okrs.xlsx"                      # CSV, Parquet or .xlsx, relative to this file
    sheet = "Q3 OKRs"                       # an .xlsx file's sheet
    columns = { objective = "Objective title", kr_type = "Type" }     # contract = source
    values.kr_type = { "Increase" = "increase", "Milestone" = "milestone" }

A table the file does not name is read from the folder beside it as usual.  The mapping is
applied as the file is read, before any cell is parsed: columns are renamed and values
mapped (once per distinct value), so every later message still names the source file and
its line, and the column by the source's own name with the contract's beside it.

Every mistake in the mapping is a :class:`DataError` naming the TOML file's line: an unknown
table or key, a target that is no contract column, a source column the file lacks, a value
the file holds that a ``values`` map does not cover.  ``kpi_history`` may instead come from an
SQL engine: ``source = ...`` names a ``[sources.NAME]`` table's connection URL (see
:mod:`okrlib._sql`).  Values of keys are never echoed back, since a source could hold a
password.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from dataclasses import replace as _replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..exceptions import DataError, Problem
from ._raw import RawTable
from ._read import SUFFIXES, locate, read_raw
from ._sql_source import SqlTable, parse_sources, parse_table
from .contract import FILES, FileSpec

TOML_NAME = "okrlib.toml"
TABLE_KEYS = ("file", "sheet", "columns", "values")
SPECS = {spec.stem: spec for spec in FILES}
MAX_SHOWN = 8  # a file's column names listed in a message

Path_ = tuple[str, ...]


def config_path(path: str | Path) -> Path | None:
    """The ``okrlib.toml`` that ``path`` names: the file itself, or the one in the folder."""
    path = Path(path)
    if path.suffix.lower() == ".toml":
        return path
    if path.is_dir() and (path / TOML_NAME).is_file():
        return path / TOML_NAME
    return None


# -- where each key is ------------------------------------------------------------------------

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'|[{}\[\]=,]|[^\s{}\[\]=,"\'#]+|#.*')


def _key_part(token: str) -> list[str]:
    """A (possibly dotted, possibly quoted) key token as its parts."""
    if token[:1] in "\"'":
        return [tomllib.loads(f"k = {token}")["k"]]
    return [part.strip() for part in token.split(".")]


def _split_key(text: str) -> list[str]:
    """A header's or key's dotted parts, quoted parts kept whole: ``okrs."a.b"`` -> okrs, a.b."""
    parts = re.findall(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'|[^.\s]+', text)
    return [p for part in parts for p in _key_part(part)]


def key_lines(text: str) -> dict[Path_, int]:
    """The line of every table header and key, as a path such as (okrs, values, kr_type, Increase).

    tomllib gives no line numbers; this reads the lines tomllib has already accepted, so it
    only needs to follow headers, ``key = value`` lines and the keys of inline tables."""
    lines: dict[Path_, int] = {}
    current: Path_ = ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = re.match(r"\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$", line)
        if header:
            current = tuple(_split_key(header[1]))
            lines.setdefault(current, number)
            continue
        tokens = [t for t in _TOKEN.findall(line) if not t.startswith("#")]
        stack: list[tuple[Path_, bool]] = [(current, True)]  # (path, an inline table's own frame)
        arrays = 0  # inside an array value: its commas end no key's value
        for i, token in enumerate(tokens):
            if token == "=":
                continue
            if i + 1 < len(tokens) and tokens[i + 1] == "=" and token not in "{}[],":
                parts = _split_key(token)
                for end in range(1, len(parts) + 1):
                    lines.setdefault(stack[-1][0] + tuple(parts[:end]), number)
                stack.append((stack[-1][0] + tuple(parts), False))  # the key's value follows
            elif token == "{":
                stack.append((stack[-1][0], True))  # the keys of the value's inline table
            elif token == "[":
                arrays += 1
            elif token == "]":
                arrays -= 1
            elif token == "," and not arrays or token == "}":
                if len(stack) > 1 and not stack[-1][1]:
                    stack.pop()  # a key's value ends
                if token == "}" and len(stack) > 1:
                    stack.pop()  # and so does the inline table
                    if len(stack) > 1 and not stack[-1][1]:
                        stack.pop()  # which was a key's value
    return lines


def line_of(lines: dict[Path_, int], path: Path_) -> int | None:
    """The line of ``path``, else of the nearest key above it."""
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return None


# -- the configuration ------------------------------------------------------------------------


@dataclass
class TableMap:
    """Where one contract table comes from and how its columns and values map."""

    stem: str
    file: Path
    sheet: str | None = None
    columns: dict[str, str] = field(default_factory=dict)  # contract name -> source name
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # contract name -> map


@dataclass
class Config:
    """A parsed and checked ``okrlib.toml``."""

    path: Path
    lines: dict[Path_, int]
    tables: dict[str, TableMap]
    sql: SqlTable | None = None  # kpi_history from an SQL engine

    def problem(self, key: Path_, value: object, expected: str) -> Problem:
        return Problem(self.path, line_of(self.lines, key), None, value, expected, key=".".join(key))

    def read(self, spec: FileSpec) -> tuple[RawTable, dict[str, str]]:
        """``spec``'s table read, renamed and value-mapped; and the source's column names by
        contract name (for messages)."""
        table = self.tables.get(spec.stem)
        if table is None:  # the files beside the TOML
            folder = self.path.parent
            if not any((folder / f"{spec.stem}{suffix}").is_file() for suffix in SUFFIXES):
                names = ", ".join(f"{spec.stem}{suffix}" for suffix in SUFFIXES)
                expected = f"a [{spec.stem}] table, or one of {names} beside {self.path.name} ({spec.help})"
                raise DataError([Problem(self.path, None, None, None, expected)])
            return read_raw(locate(folder, spec), spec), {}
        return self._read_mapped(spec, table)

    def _read_mapped(self, spec: FileSpec, table: TableMap) -> tuple[RawTable, dict[str, str]]:
        stem = table.stem
        sources = table.columns
        source_of = {c.name: sources.get(c.name, c.name) for c in spec.columns}
        # read with the source's names, and value-mapped columns as text
        read_spec = _replace(
            spec,
            columns=tuple(
                _replace(c, name=source_of[c.name], kind="enum" if c.name in table.values else c.kind)
                for c in spec.columns
            ),
        )
        why = f"{self.path.name} line {line_of(self.lines, (stem, 'sheet'))}"
        raw = read_raw(table.file, read_spec, table.sheet, why)
        shown = f"{raw.source} [{raw.sheet}]" if raw.sheet else str(raw.source)
        present = raw.table.column_names
        problems = []
        for target, source in sources.items():
            if source not in present:
                listed = ", ".join(map(repr, present[:MAX_SHOWN]))
                listed += ", ..." if len(present) > MAX_SHOWN else ""
                problems.append(
                    self.problem(
                        (stem, "columns", target),
                        source,
                        f"a column of {shown} (it has {listed or 'no columns'})",
                    )
                )
            elif target != source and target in present:
                problems.append(
                    self.problem(
                        (stem, "columns", target),
                        source,
                        f"one column named {target!r}: {shown} has a column {target!r} too "
                        "(map that one, or rename one of them)",
                    )
                )
        if problems:
            raise DataError(problems)
        arrays = dict(zip(present, raw.table.columns, strict=True))
        for target, mapping in table.values.items():
            source = source_of[target]
            if source not in arrays:
                expected = f"a column of {shown} to map the values of"
                problems.append(self.problem((stem, "values", target), source, expected))
                continue
            mapped, unmapped = _map_values(arrays[source], mapping)
            if unmapped:
                for value, row in unmapped:
                    line = int(raw.lines[row])
                    column = f"column {source!r}" + (f" ({target})" if source != target else "")
                    problems.append(
                        self.problem(
                            (stem, "values", target),
                            value,
                            f"a value the map covers: {shown} {raw.location} {line}, {column} holds it",
                        )
                    )
                continue
            arrays[source] = mapped
        if problems:
            raise DataError(problems)
        target_of = {source: target for target, source in sources.items()}
        names = [target_of.get(name, name) for name in present]
        raw.table = pa.table(list(arrays.values()), names=names)
        raw.letters = {target_of.get(name, name): letter for name, letter in raw.letters.items()}
        return raw, {target: source for target, source in sources.items() if target != source}


def _map_values(cells: pa.ChunkedArray, mapping: dict[str, str]) -> tuple[pa.ChunkedArray, list]:
    """``cells`` with each value the map names replaced (trimmed first, as the parser trims),
    once per distinct value; and the values it does not cover with their first row."""
    keys = pa.array(list(mapping), pa.string())
    targets = pa.array(list(mapping.values()), pa.string())
    chunks, missed = [], np.zeros(len(cells), dtype=bool)
    start = 0
    for chunk in cells.chunks:
        if pa.types.is_dictionary(chunk.type):
            dictionary = chunk.dictionary.cast(pa.string())
            new, wrong = _map_array(dictionary, keys, targets)
            chunks.append(pa.DictionaryArray.from_arrays(chunk.indices, new))
            if wrong.any():
                bad = pc.is_in(chunk.indices, value_set=pa.array(np.flatnonzero(wrong), chunk.indices.type))
                missed[start : start + len(chunk)] = pc.fill_null(bad, False).to_numpy(zero_copy_only=False)
        else:
            text = chunk if pa.types.is_string(chunk.type) else chunk.cast(pa.string())
            new, wrong = _map_array(text, keys, targets)
            chunks.append(new)
            missed[start : start + len(chunk)] = wrong
        start += len(chunk)
    unmapped = []
    if missed.any():  # each value once, with the first row that holds it
        rows = np.flatnonzero(missed)
        values = pc.utf8_trim_whitespace(pc.take(cells, pa.array(rows)).cast(pa.string()))
        encoded = pc.dictionary_encode(values).combine_chunks()
        codes, first = np.unique(encoded.indices.to_numpy(zero_copy_only=False), return_index=True)
        texts = encoded.dictionary.to_pylist()
        unmapped = sorted(
            ((texts[c], int(rows[f])) for c, f in zip(codes, first, strict=True)), key=lambda v: v[1]
        )
    types = {chunk.type for chunk in chunks}
    if len(types) > 1:  # a dictionary chunk beside a plain one: all as text
        chunks = [chunk.cast(pa.string()) for chunk in chunks]
    return pa.chunked_array(chunks, chunks[0].type if chunks else pa.string()), unmapped


def _map_array(text: pa.Array, keys: pa.Array, targets: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """``text`` mapped, and which of its non-empty values the map does not cover."""
    trimmed = pc.utf8_trim_whitespace(text)
    found = pc.index_in(trimmed, value_set=keys)
    mapped = pc.if_else(pc.is_valid(found), pc.take(targets, found), text)
    wrong = pc.and_(pc.is_null(found), pc.not_equal(trimmed, ""))
    return mapped, pc.fill_null(wrong, False).to_numpy(zero_copy_only=False)


def read_config(path: Path) -> Config:
    """Parse and check ``path`` (an ``okrlib.toml``), or raise :class:`DataError`."""
    if not path.is_file():
        raise DataError([Problem(path, None, None, None, "an existing okrlib.toml file")])
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError:
        raise DataError([Problem(path, None, None, None, "UTF-8 text (save the file as UTF-8)")]) from None
    except tomllib.TOMLDecodeError as error:  # its message says where: "(at line 3, column 9)"
        raise DataError([Problem(path, None, None, str(error), "a valid TOML file")]) from None
    config = Config(path, key_lines(text), {})
    problems: list[Problem] = []
    tables = ", ".join(SPECS)
    urls = parse_sources(config, data.get("sources"), problems)
    for stem, body in data.items():
        if stem == "sources":
            continue
        if stem not in SPECS:
            problems.append(config.problem((stem,), None, f"a table named one of {tables} (not {stem!r})"))
            continue
        if not isinstance(body, dict):
            problems.append(config.problem((stem,), None, f"a table [{stem}] with a file and its columns"))
            continue
        if stem == "kpi_history" and "source" in body:
            config.sql = parse_table(config, body, urls, problems)
            continue
        table = _table(config, SPECS[stem], body, problems)
        if table is not None:
            config.tables[stem] = table
    if problems:
        raise DataError(problems)
    return config


def _table(config: Config, spec: FileSpec, body: dict, problems: list[Problem]) -> TableMap | None:
    stem = spec.stem
    count = len(problems)
    if "source" in body:  # never echo it: a connection string may hold a password
        problems.append(
            config.problem(
                (stem, "source"),
                None,
                "a file = ... (only kpi_history can come from an SQL source: export the table "
                "to CSV, Parquet or .xlsx and name that file)",
            )
        )
        return None
    for key in body:
        if key not in TABLE_KEYS:
            allowed = ", ".join(TABLE_KEYS)
            problems.append(config.problem((stem, key), None, f"one of the keys {allowed} (not {key!r})"))
    file = body.get("file")
    if not isinstance(file, str) or not file:
        problems.append(config.problem((stem, "file") if "file" in body else (stem,), None, _FILE_HELP))
        return None
    where = (config.path.parent / file).resolve()
    suffix = where.suffix.lower()
    if suffix not in SUFFIXES:
        problems.append(config.problem((stem, "file"), file, _FILE_HELP))
    elif not where.is_file():
        problems.append(config.problem((stem, "file"), file, f"an existing file (there is no {where})"))
    sheet = body.get("sheet")
    if sheet is not None and not isinstance(sheet, str):
        problems.append(config.problem((stem, "sheet"), None, "a sheet's name in quotes"))
    elif sheet is not None and suffix != ".xlsx":
        problems.append(config.problem((stem, "sheet"), sheet, "no sheet for a CSV or Parquet file"))
    names = ", ".join(spec.names)
    columns = body.get("columns", {})
    if not isinstance(columns, dict):
        problems.append(config.problem((stem, "columns"), None, 'a table such as { kr_id = "KR id" }'))
        columns = {}
    seen: dict[str, str] = {}
    for target, source in columns.items():
        key = (stem, "columns", target)
        if target not in spec.names:
            problems.append(config.problem(key, target, f"a column of the contract's {stem}: {names}"))
        elif not isinstance(source, str) or not source.strip():
            problems.append(config.problem(key, None, "the source file's column name in quotes"))
        elif source.strip() in seen:
            other = seen[source.strip()]
            problems.append(config.problem(key, source, f"a column not mapped already (to {other})"))
        else:
            seen[source.strip()] = target
    values = body.get("values", {})
    if not isinstance(values, dict):
        problems.append(config.problem((stem, "values"), None, "tables such as values.kr_type = { ... }"))
        values = {}
    maps: dict[str, dict[str, str]] = {}
    for target, mapping in values.items():
        key = (stem, "values", target)
        if target not in spec.names:
            problems.append(config.problem(key, target, f"a column of the contract's {stem}: {names}"))
            continue
        if not isinstance(mapping, dict):
            problems.append(config.problem(key, None, '{ "source value" = "contract value", ... }'))
            continue
        column = spec.column(target)
        maps[target] = {}
        for value, to in mapping.items():
            if isinstance(to, bool) or not isinstance(to, str | int | float):
                problems.append(config.problem((*key, value), None, "a value in quotes, or a number"))
                continue
            to = str(to).strip()
            if column.kind == "enum" and to not in column.allowed:
                problems.append(config.problem((*key, value), to, f"{column.expected()} for {target}"))
                continue
            maps[target][value.strip()] = to
    if len(problems) > count:
        return None
    return TableMap(
        stem,
        where,
        sheet,
        {target: source.strip() for target, source in columns.items()},
        maps,
    )


_FILE_HELP = 'a file = "name.csv" (or .parquet or .xlsx), relative to okrlib.toml'
