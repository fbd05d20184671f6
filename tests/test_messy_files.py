"""Files the way spreadsheets and people write them: each is read by a documented rule, or
is a DataError that says what the file looks like and what to do, never a crash."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import okrlib

HEADER = "date,kpi_id,segment,value"


def _history(good_dir: Path, text: str | bytes) -> Path:
    path = good_dir / "kpi_history.csv"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def _error(good_dir: Path) -> str:
    with pytest.raises(okrlib.DataError) as caught:
        okrlib.load_workbook(good_dir)
    return str(caught.value)


def test_spaces_after_the_commas_of_the_header_are_trimmed(good_dir: Path) -> None:
    original = (good_dir / "kpi_history.csv").read_text()
    _history(good_dir, original.replace(HEADER, "date, kpi_id, segment, value"))
    assert len(okrlib.load_workbook(good_dir).kpi_history) == 6


@pytest.mark.parametrize("column", ["value", "kpi_id", "note"])
def test_a_column_named_twice_is_an_error(good_dir: Path, column: str) -> None:
    path = good_dir / ("checkins.csv" if column == "note" else "kpi_history.csv")
    lines = path.read_text().splitlines()
    lines = [lines[0] + f",{column}"] + [line + ",x" for line in lines[1:]]
    path.write_text("\n".join(lines) + "\n")
    message = _error(good_dir)
    assert f'line 1, column {column!r}: got "2 columns named {column!r}' in message
    assert "expected each column name once in the header line" in message


def test_a_parquet_column_named_twice_is_an_error(good_dir: Path) -> None:
    (good_dir / "kpi_history.csv").unlink()
    table = pa.table([["2026-07-06"], ["mrr"], ["all"], [1.0], [2.0]], names=[*HEADER.split(","), "value"])
    pq.write_table(table, good_dir / "kpi_history.parquet")
    assert "2 columns named 'value' (columns 4, 5)" in _error(good_dir)


def test_timezone_aware_parquet_dates_are_their_own_zones_calendar_dates(good_dir: Path) -> None:
    (good_dir / "kpi_history.csv").unlink()
    stamps = pd.Series(pd.to_datetime(["2026-07-06 00:30", "2026-07-13 23:30"])).dt.tz_localize(
        "Europe/Berlin"
    )
    frame = pd.DataFrame({"date": stamps, "kpi_id": "mrr", "segment": "all", "value": [1.0, 2.0]})
    frame.to_parquet(good_dir / "kpi_history.parquet")
    dates = okrlib.load_workbook(good_dir).kpi_history["date"]
    assert dates.tolist() == [pd.Timestamp("2026-07-06"), pd.Timestamp("2026-07-13")]  # not UTC's 07-05


@pytest.mark.parametrize("ending", ["", "\n", "\r\n\r\n"])
def test_a_header_only_history_is_an_empty_file_finding(good_dir: Path, ending: str) -> None:
    _history(good_dir, HEADER + ending)
    workbook = okrlib.load_workbook(good_dir)
    assert workbook.kpi_history.empty and "empty_file" in set(workbook.findings["check"])


def test_old_mac_line_endings_are_lines(good_dir: Path) -> None:
    _history(good_dir, f"{HEADER}\r2026-07-06,mrr,all,1\r2026-07-13,mrr,all,2\r")
    assert okrlib.load_workbook(good_dir).kpi_history["value"].tolist() == [1, 2]


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (f"sep=,\n{HEADER}\n2026-07-06,mrr,all,1\n", "delete Excel's 'sep=' line"),
        (HEADER.replace(",", "\t") + "\n2026-07-06\tmrr\tall\t1\n", "looks tab-separated"),
        (b"PK\x03\x04\x14\x00\x06\x00binary", "a zip archive, like an Excel workbook renamed to .csv"),
    ],
)
def test_spreadsheet_shapes_say_what_the_file_looks_like(good_dir: Path, content, says: str) -> None:
    _history(good_dir, content)
    assert says in _error(good_dir)


def test_a_dot_decimal_that_may_be_thousands_is_an_error_with_semicolons(good_dir: Path) -> None:
    _history(good_dir, "date;kpi_id;segment;value\n2026-07-06;mrr;all;1.100\n2026-07-13;mrr;all;2.5\n")
    message = _error(good_dir)
    assert "line 2 (kpi_id 'mrr'), column 'value': got '1.100'" in message


@pytest.mark.parametrize("date", ["0000-01-01", "２０２６-07-06", "2200-01-01", "1899-12-31"])
def test_dates_outside_1900_to_2100_or_in_other_digits_are_errors(good_dir: Path, date: str) -> None:
    _history(good_dir, f"{HEADER}\n{date},mrr,all,1\n")
    message = _error(good_dir)
    assert f"line 2 (kpi_id 'mrr'), column 'date': got {date!r}" in message
    assert "from 1900-01-01 to 2100-12-31" in message


def test_a_quoted_field_longer_than_a_read_block_is_read(good_dir: Path) -> None:
    path = good_dir / "checkins.csv"
    path.write_text(path.read_text().replace("steady", '"' + "y" * 2_100_000 + '"'))
    notes = okrlib.load_workbook(good_dir).checkins["note"]
    assert notes.str.len().max() == 2_100_000


def test_a_long_value_is_shortened_in_the_message_and_whole_in_the_problem(good_dir: Path) -> None:
    long = "x" * 5_000
    _history(good_dir, f"{HEADER}\n2026-07-06,mrr,all,{long}\n")
    with pytest.raises(okrlib.DataError) as caught:
        okrlib.load_workbook(good_dir)
    assert len(str(caught.value)) < 400 and "xxx…'" in str(caught.value)
    assert caught.value.problems[0].value == long


def test_fractions_mixed_with_percentage_points_are_a_finding(good_dir: Path) -> None:
    path = good_dir / "kpi_history.csv"
    path.write_text(path.read_text() + "2026-07-20,churn_rate,,0.029\n")  # 2.9% written as a fraction
    findings = okrlib.load_workbook(good_dir).findings.set_index("check")
    jump = findings.loc["scale_jump"]
    assert jump["subject"] == "churn_rate" and jump["line"] == 8
    assert "1 value(s) about 100 times off the series' median 2.9, the first 0.029" in jump["message"]


def test_a_target_on_another_scale_than_its_kpi_is_a_finding(good_dir: Path) -> None:
    path = good_dir / "okrs.csv"
    path.write_text(path.read_text().replace("at_most,,3,%,churn_rate", "at_most,,0.03,%,churn_rate"))
    findings = okrlib.load_workbook(good_dir).findings.set_index("check")
    outside = findings.loc["kr_outside_kpi_range"]
    assert outside["subject"] == "co-1-kr2" and outside["line"] == 3
    assert "target 0.03 lies far outside KPI churn_rate's observed range 2.9 to 3.1" in outside["message"]


def test_a_wide_history_says_to_reshape_it(good_dir: Path) -> None:
    _history(good_dir, "date,mrr,churn_rate\n2026-07-06,1000,3.1\n2026-07-13,1050,2.9\n")
    message = _error(good_dir)
    assert "this looks like a wide table, one column per KPI: churn_rate, mrr" in message
    assert "one row per date, kpi_id and value" in message
