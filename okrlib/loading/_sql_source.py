"""Where an SQL source's ``kpi_history`` is and how to reach it: ``okrlib.toml``'s
``[sources.NAME]`` and ``[kpi_history]`` keys read, the Ibis connection opened, the table
mapped to the contract's columns, secrets kept out of every message (see :mod:`._sql`)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

from ..exceptions import DataError, Problem, shorten
from .contract import ALL_SEGMENTS, KPI_HISTORY

if TYPE_CHECKING:
    from ibis.expr.types import Table


SQL_KEYS = ("source", "table", "query", "columns")
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")

Path_ = tuple[str, ...]


@dataclass
class SqlTable:
    """Where ``kpi_history`` comes from: a source's connection and a table or query."""

    toml: Path
    locate: Callable[[Path_, object, str], Problem] = field(repr=False)  # okrlib.toml's problem at a key
    source: str
    url: str = field(repr=False)  # a secret: never shown
    table: str | None = None
    query: str | None = None
    columns: dict[str, str] = field(default_factory=dict)  # contract name -> source name

    @property
    def shown(self) -> str:
        """The table as messages name it: ``warehouse analytics.kpi_daily``."""
        if self.table is not None:
            return f"{self.source} table {self.table}"
        return f"{self.source} query ({self.toml.name} line {self.line('query')})"

    def line(self, *key: str) -> int | None:
        return self.locate(("kpi_history", *key), None, "").line

    def problem(self, key: Path_, value: object, expected: str) -> Problem:
        return self.locate(key, value, expected)

    def row_problem(
        self, column: str | None, value: object, expected: str, key: str | None = None
    ) -> Problem:
        """A problem in the table's rows: named by the table, the key and the column."""
        source = self.columns.get(column, column) if column else None
        return Problem(self.shown, None, column, value, expected, key=key, alias=source)


# -- okrlib.toml ------------------------------------------------------------------------------


def parse_sources(config: Any, sources: object, problems: list[Problem]) -> dict[str, str]:
    """The ``[sources.NAME]`` tables: each one's URL by name (the URL is never echoed)."""
    if sources is None:
        return {}
    if not isinstance(sources, dict):
        problems.append(config.problem(("sources",), None, '[sources.NAME] tables with a url = "..."'))
        return {}
    urls = {}
    for name, body in sources.items():
        key = ("sources", name)
        if not isinstance(body, dict):
            problems.append(config.problem(key, None, f'a table [sources.{name}] with a url = "..."'))
            continue
        for other in body:
            if other != "url":
                problems.append(config.problem((*key, other), None, f"only the key url (not {other!r})"))
        url = body.get("url")
        if not isinstance(url, str) or not url.strip():
            problems.append(config.problem((*key, "url") if "url" in body else key, None, _URL_HELP))
            continue
        urls[name] = url.strip()
    return urls


_URL_HELP = (
    'a url = "duckdb:///warehouse.duckdb" (any Ibis connection URL; ${VAR} is read from the environment)'
)


def parse_table(config: Any, body: dict, urls: dict[str, str], problems: list[Problem]) -> SqlTable | None:
    """``[kpi_history]`` with ``source = ...``: the SQL table it names, or None (problems added)."""
    count = len(problems)
    for key in body:
        if key not in SQL_KEYS:
            allowed = ", ".join(SQL_KEYS)
            problems.append(
                config.problem(("kpi_history", key), None, f"one of the keys {allowed} (not {key!r})")
            )
    source = body.get("source")
    if not isinstance(source, str) or source not in urls:
        named = ", ".join(sorted(urls)) or "none yet"
        problems.append(
            config.problem(
                ("kpi_history", "source"),
                None,
                f"the name of a [sources.NAME] table in quotes (the file has {named})",
            )
        )
    table, query = body.get("table"), body.get("query")
    if (table is None) == (query is None):
        problems.append(
            config.problem(
                ("kpi_history",),
                None,
                'either table = "schema.table" or query = "select ..." under [kpi_history]',
            )
        )
    for key, value in (("table", table), ("query", query)):
        if value is not None and (not isinstance(value, str) or not value.strip()):
            problems.append(config.problem(("kpi_history", key), None, f"a {key} in quotes"))
    columns = body.get("columns", {})
    if not isinstance(columns, dict):
        problems.append(config.problem(("kpi_history", "columns"), None, 'a table such as { date = "day" }'))
        columns = {}
    names = ", ".join(KPI_HISTORY.names)
    for target, name in columns.items():
        key = ("kpi_history", "columns", target)
        if target not in KPI_HISTORY.names:
            problems.append(config.problem(key, target, f"a column of the contract's kpi_history: {names}"))
        elif not isinstance(name, str) or not name.strip():
            problems.append(config.problem(key, None, "the table's column name in quotes"))
    if len(problems) > count:
        return None
    return SqlTable(
        config.path,
        config.problem,
        source,
        urls[source],
        table.strip() if table else None,
        query.strip() if query else None,
        {target: name.strip() for target, name in columns.items()},
    )


# -- connecting -------------------------------------------------------------------------------


def _secrets(sql: SqlTable, url: str) -> list[str]:
    """Every text that must not be shown: the URLs, the values of ${VAR}s, the password."""
    found = [sql.url, url]
    found += [os.environ.get(name, "") for name in _VAR.findall(sql.url)]
    try:
        password = urlsplit(url).password
    except ValueError:
        password = None
    if password:
        found += [password, unquote(password)]
    return sorted({s for s in found if len(s) >= 3}, key=len, reverse=True)


def blank_out(text: str, secrets: list[str]) -> str:
    """``text`` with every secret replaced by ``***``."""
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


_INSTALL = "pip install 'okrlib[sql]', and the engine's own Ibis extra, such as 'ibis-framework[postgres]'"


def _expand(sql: SqlTable) -> str:
    """The URL with each ``${VAR}`` read from the environment now (never at import)."""
    missing = [name for name in _VAR.findall(sql.url) if name not in os.environ]
    if missing:
        raise DataError(
            [
                sql.problem(
                    ("sources", sql.source, "url"),
                    None,
                    f"the environment variable {missing[0]} set (the url reads ${{{missing[0]}}})",
                )
            ]
        )
    return _VAR.sub(lambda m: os.environ[m[1]], sql.url)


def connect(sql: SqlTable) -> Any:
    """An Ibis connection to ``sql``'s source.  A ``duckdb:///file`` path is relative to the
    okrlib.toml's folder (``duckdb:////abs/file`` is absolute) and opened read-only; its query
    string holds DuckDB settings (``?memory_limit=512MB&threads=2``)."""
    try:
        import ibis
    except ImportError:
        raise DataError(
            [sql.problem(("kpi_history", "source"), None, "Ibis installed for an SQL source: " + _INSTALL)]
        ) from None
    url = _expand(sql)
    try:
        if url.startswith("duckdb://"):
            path, _, query = url.removeprefix("duckdb://").removeprefix("/").partition("?")
            settings = dict(parse_qsl(query))  # DuckDB settings, such as ?memory_limit=512MB&threads=2
            if path in ("", ":memory:"):
                return ibis.duckdb.connect(**settings)
            where = sql.toml.parent / path
            if not where.is_file():
                raise FileNotFoundError(f"no DuckDB file {where}")
            return ibis.duckdb.connect(where, read_only=True, **settings)
        return ibis.connect(url)
    except Exception as error:  # the engine's words, secrets blanked out
        said = blank_out(f"{type(error).__name__}: {error}", _secrets(sql, url))
        raise DataError(
            [
                sql.problem(
                    ("sources", sql.source, "url"),
                    shorten(said.splitlines()[0] if said else "", 200),
                    f"a connection to source {sql.source!r} (the url itself is not shown)"
                    + (f"; {_INSTALL}" if isinstance(error, ImportError) else ""),
                )
            ]
        ) from None


def open_table(sql: SqlTable, con: Any) -> Table:
    """The table or query as an Ibis expression, columns renamed to the contract's."""
    try:
        if sql.query is not None:
            expr = con.sql(sql.query)
        else:
            *database, name = sql.table.split(".")
            if len(database) > 1:
                expr = con.table(name, database=tuple(database))
            else:
                expr = con.table(name, database=database[0] if database else None)
    except Exception as error:
        key = "query" if sql.query is not None else "table"
        said = blank_out(f"{type(error).__name__}: {error}", _secrets(sql, sql.url))
        what = "a query the engine runs" if key == "query" else f"an existing table or view of {sql.source!r}"
        value = shorten(said.splitlines()[0], 200) if key == "query" else sql.table
        raise DataError([sql.problem(("kpi_history", key), value, what)]) from None
    present = list(expr.columns)
    source_of = {c.name: sql.columns.get(c.name, c.name) for c in KPI_HISTORY.columns}
    problems = []
    for column in KPI_HISTORY.columns:
        name = source_of[column.name]
        if name in present:
            continue
        if column.name in sql.columns or column.required:
            listed = ", ".join(map(repr, present[:12])) + (", ..." if len(present) > 12 else "")
            key = ("kpi_history", "columns", column.name) if column.name in sql.columns else ("kpi_history",)
            problems.append(
                sql.problem(
                    key,
                    name,
                    f"a column of {sql.shown} for {column.name} (it has {listed or 'no columns'})",
                )
            )
    if problems:
        raise DataError(problems)
    picked = {target: expr[name] for target, name in source_of.items() if name in present}
    if "segment" not in picked:
        import ibis

        picked["segment"] = ibis.literal(ALL_SEGMENTS)
    return expr.select(**picked)
