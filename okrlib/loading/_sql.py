"""KPI history from an SQL engine through Ibis, filtered and aggregated in the engine.

An ``okrlib.toml`` names a connection and the table (or query) holding ``kpi_history``::

    [sources.warehouse]
    url = "duckdb:///warehouse.duckdb"      # any Ibis connection URL; ${VAR} from the environment
    [kpi_history]
    source = "warehouse"
    table = "analytics.kpi_daily"           # or: query = "select ..."
    columns = { date = "day", kpi_id = "metric", value = "amount", segment = "region" }

Rules
-----
What is asked of the engine: every series of the KPIs a review reads whole (for a team's
review, those the team owns or its key results link; for the company's, every KPI) from 37
months before the first quarter with OKRs (the 36 months a monthly KPI's impact baseline and
its yearly cycle reach back, and one for slack) to the last day of the last quarter with OKRs;
of a KPI only other teams' key results link, only the linked series, from 92 days before each
linked quarter to its end (grades, calibration and forecast odds cover every team and read
each key result's KPI at a date in its quarter).  Rows come back one per (kpi_id, segment,
day): the day's observations combined by the KPI's own ``aggregation`` (``sum`` adds them,
``mean`` averages them, ``last`` takes the latest).  A day is the finest period a review
cuts at (weeks, months, quarters, quarter-to-date sums, 28-day means), and weeks and months do
not nest (nor does a mean of means make a mean), so okrlib builds every coarser period from the
days by the same rule.  A table of one row per day (the contract's) comes back as it is, only
filtered; a table of timestamps comes back one row per day.  An empty ``segment`` is ``all``.
Charts of a long history therefore start at the window, not at the table's first day.

The contract's checks run as queries and their problems name the table and the offending
key: the column types (a date or timestamp, text ids, a number), missing values and
unknown ``kpi_id`` over the whole table (one scan, grouped by kpi_id), duplicates of
(date, kpi_id, segment) over the rows the review reads.  Nothing reads the whole table into
memory.

The URL, and every ``${VAR}`` value put into it, are secrets: never printed, logged, or
written into a report; an engine's error is shown with them blanked out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..exceptions import DataError
from ._sql_source import SqlTable, connect, open_table
from .contract import ALL_SEGMENTS

__all__ = ["Request", "SqlTable", "drop_unasked", "load_history", "request", "window"]

if TYPE_CHECKING:
    from ibis.expr.types import Table

WINDOW_MONTHS = 37
"""History asked for before the first quarter with OKRs: impact's 36 months
(:data:`okrlib.analysis._impact_series.SEASONAL_MONTHS`, more than its 104 weeks) and one for slack."""
MAX_SHOWN = 20  # duplicate keys and unknown ids listed in one message

Path_ = tuple[str, ...]


def _check_types(sql: SqlTable, table: Table) -> None:
    schema = table.schema()
    wanted = {
        "date": ("a date or timestamp column", lambda t: t.is_date() or t.is_timestamp()),
        "kpi_id": ("a text column", lambda t: t.is_string()),
        "segment": ("a text column", lambda t: t.is_string()),
        "value": ("a number column", lambda t: t.is_numeric()),
    }
    problems = [
        sql.row_problem(name, str(schema[name]), expected)
        for name, (expected, ok) in wanted.items()
        if not ok(schema[name])
    ]
    if problems:
        raise DataError(problems)


# -- the checks and the query -----------------------------------------------------------------


def _check_rows(sql: SqlTable, table: Table, known: list[str]) -> set[tuple[str, str]]:
    """Missing values and unknown kpi_ids over the whole table, in one query grouped by
    (kpi_id, segment); the series the table holds."""
    import ibis

    counts = (
        table.group_by(["kpi_id", "segment"])
        .aggregate(
            rows=ibis._.count(),
            no_date=ibis._.date.isnull().sum(),
            no_value=ibis._.value.isnull().sum(),
        )
        .to_pyarrow()
        .to_pandas()
    )
    present = counts[counts["kpi_id"].notna()]
    counts = (
        counts.groupby("kpi_id", dropna=False, sort=True)[["rows", "no_date", "no_value"]].sum().reset_index()
    )
    problems = []
    no_id = counts.loc[counts["kpi_id"].isna(), "rows"].sum()
    if no_id:
        problems.append(sql.row_problem("kpi_id", f"{int(no_id)} rows without one", "a kpi_id in every row"))
    unknown = counts[counts["kpi_id"].notna() & ~counts["kpi_id"].isin(known)]
    for row in unknown.head(MAX_SHOWN).itertuples():
        problems.append(
            sql.row_problem("kpi_id", row.kpi_id, f"a kpi_id listed in kpis ({int(row.rows)} rows hold it)")
        )
    for column, counted in (("date", "no_date"), ("value", "no_value")):
        for row in counts[counts[counted] > 0].head(MAX_SHOWN).itertuples():
            empty = int(getattr(row, counted))
            rows = f"kpi_id {row.kpi_id}" if isinstance(row.kpi_id, str) else "no kpi_id"
            problems.append(
                sql.row_problem(
                    column,
                    f"{empty} empty cells ({rows})",
                    f"a {'date' if column == 'date' else 'number'} in every row",
                )
            )
    if problems:
        raise DataError(problems)
    return set(zip(present["kpi_id"].astype(str), present["segment"].astype(str), strict=True))


def _check_duplicates(sql: SqlTable, rows: Table) -> None:
    """Duplicates of (date, kpi_id, segment) among ``rows`` (a table of timestamps: a table
    of dates has them counted by the aggregating query itself)."""
    import ibis

    found = (
        rows.group_by(["date", "kpi_id", "segment"])
        .aggregate(rows=ibis._.count())
        .filter(ibis._.rows > 1)
        .order_by(["kpi_id", "segment", "date"])
        .limit(MAX_SHOWN + 1)
        .to_pyarrow()
    )
    _raise_duplicates(sql, found)


def _raise_duplicates(sql: SqlTable, found: pa.Table) -> None:
    """A :class:`DataError` naming each repeated key of ``found`` (date, kpi_id, segment and
    how many rows hold it), if there is any."""
    if not found.num_rows:
        return
    found = found.to_pandas()
    problems = [
        sql.row_problem(
            "(date, kpi_id, segment)",
            f"{pd.Timestamp(row.date).date()}, {row.kpi_id}, {row.segment}",
            f"a unique (date, kpi_id, segment); {int(row.rows)} rows hold this key",
        )
        for row in found.head(MAX_SHOWN).itertuples()
    ]
    if len(found) > MAX_SHOWN:
        problems.append(sql.row_problem(None, "more duplicate keys", "a unique (date, kpi_id, segment)"))
    raise DataError(problems)


def window(key_results: pd.DataFrame) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """The first and last day of history a review of these key results reads (module docstring)."""
    quarters = key_results["quarter"].dropna()
    if quarters.empty:
        return None, None
    first, last = quarters.min(), quarters.max()
    start = first.start_time.normalize() - pd.DateOffset(months=WINDOW_MONTHS)
    return start, last.end_time.normalize()


SPAN_BEFORE_DAYS = 92
"""A series read only for other teams' key results is asked for from this many days before
each quarter that links it (a ``last`` KPI's latest reading may be older than the quarter)."""


@dataclass(frozen=True)
class Request:
    """What a review reads: the whole window of some KPIs' series, and spans of the other
    linked series (see the module docstring)."""

    kpi_ids: list[str]  # every series of these, from start to end
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    spans: pd.DataFrame  # kpi_id, segment, start, end: one series over some days


def request(kpis: pd.DataFrame, key_results: pd.DataFrame, team: str | None = None) -> Request:
    """What a review of ``team`` (None: the company) reads of the history: every KPI the team
    owns or links, whole; and of the KPIs only other teams' key results link, the linked
    series around those key results' quarters (their grades and calibration cover every team)."""
    start, end = window(key_results)
    linked = key_results[key_results["kpi_id"].notna()]
    if team is None:
        ids = kpis["kpi_id"].tolist()
    else:
        mine = kpis["owner"].eq(team) | kpis["kpi_id"].isin(linked.loc[linked["team"].eq(team), "kpi_id"])
        ids = kpis.loc[mine, "kpi_id"].tolist()
    others = linked[~linked["kpi_id"].isin(ids)]
    spans = pd.DataFrame(
        {
            "kpi_id": others["kpi_id"].astype(str).to_numpy(),
            "segment": others["segment"].fillna(ALL_SEGMENTS).astype(str).to_numpy(),
            "start": others["quarter"].dt.start_time.dt.normalize().to_numpy()
            - np.timedelta64(SPAN_BEFORE_DAYS, "D"),
            "end": others["quarter"].dt.end_time.dt.normalize().to_numpy(),
        }
    )
    return Request(ids, start, end, _merged(spans))


def _merged(spans: pd.DataFrame) -> pd.DataFrame:
    """Each series' spans with the overlapping and adjoining ones merged (vectorised)."""
    keys = ["kpi_id", "segment"]
    spans = spans.sort_values([*keys, "start"], kind="stable").reset_index(drop=True)
    reach = spans.groupby(keys, sort=False)["end"].cummax()
    before = reach.groupby([spans["kpi_id"], spans["segment"]], sort=False).shift()
    block = (before.isna() | (spans["start"] > before + pd.Timedelta(days=1))).cumsum()
    merged = spans.groupby(block, sort=False).agg(
        kpi_id=("kpi_id", "first"), segment=("segment", "first"), start=("start", "min"), end=("end", "max")
    )
    return merged.reset_index(drop=True)


def load_history(
    sql: SqlTable, kpis: pd.DataFrame, asked: Request | None = None
) -> tuple[pd.DataFrame, set[tuple[str, str]]]:
    """``kpi_history`` from the engine: checked, filtered to what ``asked`` says (default:
    every KPI, every day), one row per (kpi_id, segment, day) combined by the KPI's rule.

    Returns the frame the file loaders give (date, kpi_id, value, segment; indexed by
    ``row`` from 1) and the (kpi_id, segment) series the whole table holds.
    """
    import ibis

    con = connect(sql)
    try:
        table = open_table(sql, con)
        _check_types(sql, table)
        table = table.mutate(segment=ibis.coalesce(table.segment, ibis.literal(ALL_SEGMENTS)))
        rules = kpis.set_index("kpi_id")["aggregation"]
        present = _check_rows(sql, table, rules.index.tolist())
        is_date = table.schema()["date"].is_date()

        def day(when: pd.Timestamp, after: bool = False) -> object:
            when = when + pd.Timedelta(days=1) if after else when
            return when.date() if is_date else when.to_pydatetime()

        if asked is None:
            rows = table
        else:
            ids = [i for i in asked.kpi_ids if i in rules.index]
            wanted = table.kpi_id.isin(ids) if ids else ibis.literal(False)
            if asked.start is not None:
                wanted &= table.date >= day(asked.start)
            if asked.end is not None:
                wanted &= table.date < day(asked.end, after=True)
            # the spans of many series are alike (the same quarters): one condition per kind
            alike = asked.spans.groupby(["segment", "start", "end"], sort=True)["kpi_id"].agg(list)
            for (segment, start, end), kpi_ids in alike.items():
                wanted |= (
                    table.kpi_id.isin(kpi_ids)
                    & (table.segment == segment)
                    & (table.date >= day(start))
                    & (table.date < day(end, after=True))
                )
            rows = table.filter(wanted)
        if not is_date:  # a table of dates: the aggregating query counts each key's rows
            _check_duplicates(sql, rows)
        frame = _aggregate(rows, rules, is_date).to_pyarrow()
        if is_date:
            repeated = frame.filter(pc.greater(frame["rows"], 1))
            _raise_duplicates(
                sql, repeated.select(["date", "kpi_id", "segment", "rows"]).slice(0, MAX_SHOWN + 1)
            )
    finally:
        con.disconnect()
    return _to_frame(frame), present


def drop_unasked(
    findings: pd.DataFrame, key_results: pd.DataFrame, present: set[tuple[str, str]]
) -> pd.DataFrame:
    """``findings`` without the notes about history that was not asked for but is in the
    table: ``kpi_without_history`` of a KPI, ``segment_without_history`` of a key result's series."""
    kpis = {kpi_id for kpi_id, _ in present}
    pairs = pd.Series(
        list(zip(key_results["kpi_id"], key_results["segment"].fillna(ALL_SEGMENTS), strict=True)),
        index=key_results["kr_id"].to_numpy(),
        dtype=object,
    )
    held = set(pairs.index[pairs.isin(present)])
    drop = (findings["check"].eq("kpi_without_history") & findings["subject"].isin(kpis)) | (
        findings["check"].eq("segment_without_history") & findings["subject"].isin(held)
    )
    return findings[~drop].reset_index(drop=True)


def _aggregate(rows: Table, rules: pd.Series, is_date: bool) -> Table:
    """One row per (kpi_id, segment, day), the day's values combined by the KPI's rule."""
    import ibis

    day = rows.date if is_date else rows.date.cast("date")
    rule = rows.kpi_id.cases(*((kpi_id, rule) for kpi_id, rule in rules.items()), else_="last")
    grouped = rows.mutate(day=day, rule=rule).group_by(["kpi_id", "segment", "day", "rule"])
    stats = grouped.aggregate(
        total=ibis._.value.sum(),
        mean=ibis._.value.mean(),
        last=ibis._.value.argmax(ibis._.date),
        rows=ibis._.count(),
    )
    value = ibis.cases(
        (stats.rule == "sum", stats.total),
        (stats.rule == "mean", stats.mean),
        else_=stats.last,
    )
    return stats.select(
        date=stats.day,
        kpi_id=stats.kpi_id,
        value=value.cast("float64"),
        segment=stats.segment,
        rows=stats.rows,
    ).order_by(["kpi_id", "segment", "date"])


def _to_frame(table: pa.Table) -> pd.DataFrame:
    """The engine's rows as the loaders' frame (the dtypes a CSV gives)."""
    count = table.num_rows
    return pd.DataFrame(
        {
            "date": pd.Series(
                table["date"].cast(pa.timestamp("us")).to_numpy(zero_copy_only=False), dtype="datetime64[us]"
            ),
            "kpi_id": pd.Series(table["kpi_id"].to_pandas(), dtype="str"),
            "value": pd.Series(table["value"].to_numpy(zero_copy_only=False), dtype="float64"),
            "segment": pd.Series(table["segment"].to_pandas(), dtype="str"),
        }
    ).set_axis(pd.RangeIndex(1, count + 1, name="row"))
