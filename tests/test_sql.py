"""KPI history from an SQL engine (okrlib._sql): the same review from DuckDB and from a real
PostgreSQL server as from the CSV files; the contract's checks as queries naming the table and
the key; a bad mapping names its okrlib.toml line; the connection's secrets are never shown."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
from conftest import SAMPLE, run_okrlib
from pg_server import Server, bindir, postgres_server

import okrlib
from okrlib.analysis import impact, kpi, review
from okrlib.analysis._impact_series import SEASONAL_MONTHS, SEASONAL_WEEKS
from okrlib.exceptions import DataError
from okrlib.loading import _sql
from okrlib.reporting.report import render_report

ibis = pytest.importorskip("ibis")
duckdb = pytest.importorskip("duckdb")

NAMES = {"date": "day", "kpi_id": "metric", "value": "amount", "segment": "region"}
COLUMNS = ", ".join(f'{target} = "{source}"' for target, source in NAMES.items())
SNAPSHOT_FRAMES = ("key_results", "objectives", "forecast", "alignment", "teams", "company", "checkins")
PASSWORD_VAR = "OKRLIB_TEST_PG_PASSWORD"


def _history() -> pd.DataFrame:
    """The sample's kpi_history under a warehouse's own column names."""
    frame = pd.read_csv(SAMPLE / "kpi_history.csv", dtype={"kpi_id": str, "segment": str})
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    return frame.astype({"value": "float64"}).rename(columns=NAMES)


def _folder(tmp: Path, url: str, table: str = "analytics.kpi_daily") -> Path:
    """The sample data folder with kpi_history from ``url``'s ``table``."""
    folder = tmp / "data"
    shutil.copytree(SAMPLE, folder, ignore=shutil.ignore_patterns("kpi_history.*", "*.py", "*.md", "*.xlsx"))
    _toml(folder, url, f'table = "{table}"')
    return folder


def _toml(folder: Path, url: str, where: str, columns: str = COLUMNS) -> Path:
    path = folder / "okrlib.toml"
    path.write_text(
        f'[sources.warehouse]\nurl = "{url}"\n\n[kpi_history]\nsource = "warehouse"\n{where}\n'
        f"columns = {{ {columns} }}\n"
    )
    return path


def _duckdb(path: Path, frame: pd.DataFrame, name: str = "kpi_daily") -> None:
    con = duckdb.connect(str(path))
    con.register("frame", frame)
    con.execute(
        f"create schema if not exists analytics; create or replace table analytics.{name} as from frame"
    )
    con.close()


@pytest.fixture(scope="module")
def duckdb_folder(tmp_path_factory) -> Path:
    folder = _folder(tmp_path_factory.mktemp("duck"), "duckdb:///warehouse.duckdb")
    _duckdb(folder / "warehouse.duckdb", _history())
    return folder


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    """A throwaway PostgreSQL server on 127.0.0.1 (tests/pg_server.py), stopped at the end."""
    if bindir() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed: make test installs it (make postgres)")
        pytest.skip("PostgreSQL is not installed (make postgres)")
    with postgres_server() as found:
        con = ibis.connect(found.url())
        con.raw_sql("create schema analytics")
        con.create_table("kpi_daily", _history(), database="analytics")
        con.disconnect()
        yield found


@pytest.fixture
def postgres_folder(server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The sample with kpi_history in PostgreSQL; the password in the environment (${VAR})."""
    monkeypatch.setenv(PASSWORD_VAR, server.password)
    return _folder(tmp_path, server.url("${" + PASSWORD_VAR + "}"))


@pytest.fixture(scope="module")
def expected() -> okrlib.Workbook:
    return okrlib.load_workbook(SAMPLE)


def _same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True), check_exact=False)


def _assert_same_review(folder: Path, want: okrlib.Workbook) -> None:
    got = okrlib.load_workbook(folder)
    order = ["kpi_id", "segment", "date"]
    _same(got.kpi_history.sort_values(order), want.kpi_history.sort_values(order))
    _same(got.findings, want.findings)
    for quarter, team in (("2026-Q3", None), ("2026-Q4", "Marketing")):
        mine = okrlib.quarter_snapshot(okrlib.load_workbook(folder, team=team), quarter, team=team)
        theirs = okrlib.quarter_snapshot(want, quarter, team=team)
        for name in SNAPSHOT_FRAMES:
            _same(getattr(mine, name), getattr(theirs, name))
        assert mine.kpi_ids == theirs.kpi_ids
        _same(mine.findings, theirs.findings)
        health = [
            kpi.health(s.workbook.kpi_history, s.workbook.kpis, s.as_of, kpi_ids=s.kpi_ids)
            for s in (mine, theirs)
        ]
        _same(*health)
        charts = [
            kpi.chart_periods(s.workbook.kpi_history, s.workbook.kpis, s.as_of, s.kpi_ids)[0]
            for s in (mine, theirs)
        ]
        _same(*charts)
        # grades, calibration and forecast odds cover every team: other teams' linked series too
        for name in ("graded_confidence", "grade_distribution"):
            mine_r, theirs_r = (getattr(review, name)(s.workbook) for s in (mine, theirs))
            for a, b in zip(
                mine_r if isinstance(mine_r, tuple) else [mine_r],
                theirs_r if isinstance(theirs_r, tuple) else [theirs_r],
                strict=True,
            ):
                _same(a, b)
        _same(*(review.forecast_odds(s.workbook, s.quarter, s.as_of) for s in (mine, theirs)))
    _same(impact.impact(got, "2026-Q3"), impact.impact(want, "2026-Q3"))


def test_duckdb_gives_the_review_the_csv_files_give(duckdb_folder: Path, expected: okrlib.Workbook) -> None:
    _assert_same_review(duckdb_folder, expected)


def test_postgres_gives_the_review_the_csv_files_give(
    postgres_folder: Path, expected: okrlib.Workbook
) -> None:
    _assert_same_review(postgres_folder, expected)


def test_a_teams_review_asks_only_for_the_kpis_it_reads_within_the_window(duckdb_folder: Path) -> None:
    wb = okrlib.load_workbook(duckdb_folder, team="Marketing")
    assert "partner_leads" not in set(wb.kpi_history["kpi_id"])  # linked by no key result, Sales's
    assert "kpi_without_history" not in set(wb.findings["check"])  # but the table holds it
    asked = _sql.request(wb.kpis, wb.key_results, "Marketing")
    assert set(asked.kpi_ids) == set(wb.kpis.loc[wb.kpis["owner"].eq("Marketing"), "kpi_id"]) | set(
        wb.key_results.loc[wb.key_results["team"].eq("Marketing"), "kpi_id"].dropna()
    )
    # other teams' linked series: only around their quarters, one merged span per series
    assert not asked.spans.empty and not asked.spans[["kpi_id", "segment"]].duplicated().any()
    others = wb.kpi_history[~wb.kpi_history["kpi_id"].isin(asked.kpi_ids)]
    assert set(others["kpi_id"]) == set(asked.spans["kpi_id"])
    assert others["date"].min() == pd.Timestamp("2025-10-01") - pd.Timedelta(days=_sql.SPAN_BEFORE_DAYS)
    start, end = _sql.window(wb.key_results)
    assert start == pd.Timestamp("2022-09-01") and end == pd.Timestamp("2026-12-31")
    # impact reaches 36 months back from the quarter: the window covers it
    assert _sql.WINDOW_MONTHS > SEASONAL_MONTHS and _sql.WINDOW_MONTHS * 4.3 > SEASONAL_WEEKS


def test_a_table_of_timestamps_is_aggregated_to_days_by_each_kpis_rule(tmp_path: Path) -> None:
    folder = _folder(tmp_path, "duckdb:///w.duckdb")
    kpis = pd.read_csv(folder / "kpis.csv").set_index("kpi_id")["aggregation"]
    day = _history()
    day = day[day["metric"].isin(["mrr", "new_customers", "nps"])]  # last, sum, mean
    stamps = pd.to_datetime(day["day"])
    morning = day.assign(day=stamps + pd.Timedelta(hours=9), amount=day["amount"] - 1)
    evening = day.assign(day=stamps + pd.Timedelta(hours=18), amount=day["amount"] + 3)
    _duckdb(folder / "w.duckdb", pd.concat([morning, evening]))
    got = okrlib.load_kpi_history(folder).set_index(["kpi_id", "segment", "date"])["value"].sort_index()
    want = day.rename(columns={v: k for k, v in NAMES.items()}).assign(date=stamps)
    rule = want["kpi_id"].map(kpis)
    # sum: both readings; mean: their mean (+1); last: the evening's (+3)
    want["value"] = want["value"].where(rule != "sum", 2 * want["value"] + 2)
    want["value"] = want["value"] + rule.map({"sum": 0, "mean": 1, "last": 3})
    want = want.set_index(["kpi_id", "segment", "date"])["value"].sort_index()
    pd.testing.assert_series_equal(got, want, check_index_type=False, check_exact=False)


def _error(folder: Path) -> DataError:
    with pytest.raises(DataError) as caught:
        okrlib.load_workbook(folder)
    return caught.value


def _broken(tmp_path: Path, edit: Callable[[pd.DataFrame], pd.DataFrame]) -> Path:
    folder = _folder(tmp_path, "duckdb:///w.duckdb")
    _duckdb(folder / "w.duckdb", edit(_history()))
    return folder


def test_a_duplicate_key_names_the_table_and_the_key(tmp_path: Path) -> None:
    folder = _broken(tmp_path, lambda h: pd.concat([h, h[(h["metric"] == "nps")].head(1)]))
    message = str(_error(folder))
    assert "warehouse table analytics.kpi_daily: 1 problem" in message
    assert "column '(date, kpi_id, segment)': got '2024-07-01, nps, all'" in message
    assert "expected a unique (date, kpi_id, segment); 2 rows hold this key" in message


def test_unknown_kpi_ids_and_missing_values_name_the_table_the_column_and_the_kpi(tmp_path: Path) -> None:
    def edit(history: pd.DataFrame) -> pd.DataFrame:
        history.loc[history.index[:3], "metric"] = "mrrr"
        history.loc[history["metric"].eq("nps"), "amount"] = None
        return history

    message = str(_error(_broken(tmp_path, edit)))
    assert "warehouse table analytics.kpi_daily: 2 problems" in message
    assert (
        "column 'metric' (kpi_id): got 'mrrr'; expected a kpi_id listed in kpis (3 rows hold it)" in message
    )
    assert (
        "column 'amount' (value): got '29 empty cells (kpi_id nps)'; expected a number in every row"
        in message
    )


def test_a_column_of_the_wrong_type_is_named(tmp_path: Path) -> None:
    folder = _broken(tmp_path, lambda h: h.astype({"amount": str}))
    assert "column 'amount' (value): got 'string'; expected a number column" in str(_error(folder))


@pytest.mark.parametrize(
    ("where", "columns", "line", "expected"),
    [
        (
            'table = "analytics.kpi_dayly"',
            COLUMNS,
            6,
            "got 'analytics.kpi_dayly'; expected an existing table",
        ),
        (
            'table = "analytics.kpi_daily"',
            COLUMNS.replace('"amount"', '"amt"'),
            7,
            "got 'amt'; expected a column",
        ),
        ('table = "analytics.kpi_daily"', 'date = "day"', 4, "got 'kpi_id'; expected a column of warehouse"),
        ('query = "select * from nowhere"', COLUMNS, 6, "expected a query the engine runs"),
        ('table = "a"\nquery = "select 1"', COLUMNS, 4, "either table ="),
    ],
)
def test_a_bad_mapping_names_its_toml_line(
    duckdb_folder: Path, tmp_path: Path, where: str, columns: str, line: int, expected: str
) -> None:
    folder = tmp_path / "data"
    shutil.copytree(duckdb_folder, folder)
    toml = _toml(folder, "duckdb:///warehouse.duckdb", where, columns)
    error = _error(folder)
    assert str(error).startswith(f"{toml}: ") and f"\n  line {line} (kpi_history" in str(error)
    assert expected in str(error)


def test_a_query_is_a_source_too(duckdb_folder: Path, tmp_path: Path, expected: okrlib.Workbook) -> None:
    folder = tmp_path / "data"
    shutil.copytree(duckdb_folder, folder)
    _toml(
        folder, "duckdb:///warehouse.duckdb", 'query = "select * from analytics.kpi_daily where amount >= 0"'
    )
    got = okrlib.load_workbook(folder)
    assert len(got.kpi_history) == len(expected.kpi_history)


def test_the_connections_secrets_are_never_shown(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a wrong password from the environment: the engine's error, with the secrets blanked out
    wrong = "wr0ng-" + server.password
    monkeypatch.setenv(PASSWORD_VAR, wrong)
    folder = _folder(tmp_path, server.url("${" + PASSWORD_VAR + "}"))
    error = _error(folder)
    assert "line 2 (sources.warehouse.url)" in str(error)
    assert "expected a connection to source 'warehouse' (the url itself is not shown)" in str(error)
    done = run_okrlib("check", "--data", str(folder))
    assert done.returncode == 1 and "sources.warehouse.url" in done.stderr
    shown = str(error) + repr(error.problems) + done.stderr + done.stdout
    assert wrong not in shown and server.password not in shown
    # a variable that is not set is named, never guessed
    monkeypatch.delenv(PASSWORD_VAR)
    assert "the environment variable OKRLIB_TEST_PG_PASSWORD set" in str(_error(folder))
    # the right one: the report and its notebook hold no secret
    monkeypatch.setenv(PASSWORD_VAR, server.password)
    report = render_report(folder, "2026-Q4", "Marketing", tmp_path / "out")
    written = "".join(p.read_text(errors="replace") for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert report.html.is_file() and "Marketing" in written
    assert server.password not in written and PASSWORD_VAR not in written


def test_postgres_names_the_table_and_the_key_too(server: Server, tmp_path: Path, monkeypatch) -> None:
    history = _history()
    duplicated = pd.concat([history, history[history["metric"] == "nps"].head(1)])
    unknown = history.assign(metric=history["metric"].where(history.index >= 3, "mrrr"))
    unknown.loc[unknown["metric"].eq("nps"), "amount"] = None
    con = ibis.connect(server.url())
    con.create_table("kpi_dup", duplicated, database="analytics")
    con.create_table("kpi_bad", unknown, database="analytics")
    con.disconnect()
    monkeypatch.setenv(PASSWORD_VAR, server.password)
    folder = _folder(tmp_path, server.url("${" + PASSWORD_VAR + "}"), "analytics.kpi_dup")
    message = str(_error(folder))
    assert "warehouse table analytics.kpi_dup: 1 problem" in message
    assert (
        "got '2024-07-01, nps, all'; expected a unique (date, kpi_id, segment); 2 rows hold this key"
        in message
    )
    _toml(folder, server.url("${" + PASSWORD_VAR + "}"), 'table = "analytics.kpi_bad"')
    message = str(_error(folder))
    assert "warehouse table analytics.kpi_bad: 2 problems" in message
    assert (
        "column 'metric' (kpi_id): got 'mrrr'; expected a kpi_id listed in kpis (3 rows hold it)" in message
    )
    assert "column 'amount' (value): got '29 empty cells (kpi_id nps)'" in message
    assert server.password not in message
