"""Cell parsing rules, including a property test that junk never escapes as another exception."""

from __future__ import annotations

import csv
import io
import math
import tempfile
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from okrlib import DataError, load_kpi_history
from okrlib.loading import _parse
from okrlib.loading._parse import parse_dates, parse_numbers, parse_quarters
from okrlib.model import format_quarter, parse_quarter


def numbers(cells: list[str | None], decimal_comma: bool = False) -> list[float | None]:
    values, bad = parse_numbers(pa.chunked_array([cells], pa.string()), decimal_comma)
    return [None if b else (None if math.isnan(v) else v) for v, b in zip(values, bad, strict=True)]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("1200", 1200.0),
        ("-3.5", -3.5),
        (".5", 0.5),
        ("1e-05", 1e-05),
        ("1,200", 1200.0),
        ("1,200.50", 1200.5),
        ("12,345,678", 12345678.0),
        ("$1,200", 1200.0),
        ("€40", 40.0),
        ("£ 7.5", 7.5),
        ("-$40", -40.0),
        ("$-40", -40.0),
        ("85%", 85.0),
        ("2.5 %", 2.5),
        ("  42  ", 42.0),
        ("", None),
    ],
)
def test_number_spellings(cell: str, expected: float | None) -> None:
    assert numbers(["1", cell, "x"])[1] == expected  # "x" forces the decorated path
    if expected is not None:
        assert numbers([cell])[0] == expected  # alone it may take the fast path


@pytest.mark.parametrize(
    "cell",
    ["x", "12O", "1,20", "1,2345", "nan", "inf", "--5", "$$5", "5$", "1.2.3", "0x10", "1_000"],
)
def test_not_numbers(cell: str) -> None:
    assert numbers(["1", cell]) == [1.0, None]
    assert numbers([cell]) == [None]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("0,85", 0.85),
        ("1.234,5", 1234.5),
        ("1.234.567", 1234567.0),
        ("12.5", 12.5),
        ("1,200", 1.2),
        ("1.234", None),
    ],
)
def test_decimal_comma_in_semicolon_files(cell: str, expected: float | None) -> None:
    assert numbers(["x", cell], decimal_comma=True)[1] == expected


def test_dates_are_iso_only() -> None:
    values, bad = parse_dates(pa.chunked_array([["2026-07-01", "2026-7-1", "01/07/2026", None]]))
    assert values.iloc[0].isoformat() == "2026-07-01T00:00:00"
    assert bad.tolist() == [False, True, True, False]


def test_leap_day_is_a_date() -> None:
    values, bad = parse_dates(pa.chunked_array([["2028-02-29", "2026-02-29"]]))
    assert bad.tolist() == [False, True]


def test_quarters() -> None:
    values, bad = parse_quarters(pa.chunked_array([["2026-Q3", "2026Q3", "2026-Q5", "Q3-2026"]]))
    assert values.iloc[0] == values.iloc[1] == parse_quarter("2026-Q3")
    assert bad.tolist() == [False, False, True, True]
    assert format_quarter(parse_quarter("2026Q4")) == "2026-Q4"
    with pytest.raises(ValueError, match="'26Q3' is not a quarter"):
        parse_quarter("26Q3")


def _history_with_value(cell: str, delimiter: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(["date", "kpi_id", "value"])
    writer.writerow(["2026-07-01", "mrr", "1"])
    writer.writerow(["2026-07-02", "mrr", cell])
    return out.getvalue().encode("utf-8", errors="surrogatepass")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cell=st.text(max_size=12), delimiter=st.sampled_from([",", ";"]))
def test_junk_in_a_cell_is_a_data_error_or_a_documented_number(cell: str, delimiter: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "kpi_history.csv"
        try:
            path.write_bytes(_history_with_value(cell, delimiter))
        except UnicodeEncodeError:
            return  # lone surrogates cannot be written as UTF-8 at all
        try:
            history = load_kpi_history(path)
        except DataError as error:
            assert "line" in str(error) or "file" in str(error)
            return
    value = history["value"].iloc[-1]
    assert math.isfinite(value)
    assert value == numbers(["x", cell.strip()], decimal_comma=delimiter == ";")[1]


@settings(max_examples=100, deadline=None)
@given(
    amount=st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False),
    currency=st.sampled_from(["", "$", "€", "£"]),
    percent=st.booleans(),
)
def test_formatted_numbers_round_trip(amount, currency: str, percent: bool) -> None:
    sign = "-" if amount < 0 else ""
    cell = f"{sign}{currency}{abs(amount):,.2f}{'%' if percent else ''}"
    assert numbers(["x", cell])[1] == pytest.approx(float(amount))


def test_nan_and_inf_spelled_out_are_errors_not_missing_values() -> None:
    values, bad = _parse.parse_numbers(pa.chunked_array([["nan", "1", None, "inf", "-inf"]], pa.string()))
    assert bad.tolist() == [True, False, False, True, True]
    assert values.iloc[1] == 1.0
