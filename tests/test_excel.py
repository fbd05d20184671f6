"""Excel workbooks: the four tables as sheets of one .xlsx file, or one table as <stem>.xlsx
in a data folder. Each trap of a spreadsheet is read by one documented rule (README, "Excel
workbooks") or is a DataError naming the file, the sheet, the row, the column and the cell."""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import GOOD, SAMPLE, run_okrlib

import okrlib
from okrlib import DataError

FRAMES = ("kpis", "kpi_history", "objectives", "key_results", "checkins")


def _make_xlsx():
    spec = importlib.util.spec_from_file_location("make_xlsx", SAMPLE / "make_xlsx.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_xlsx = _make_xlsx()


def _book(folder: Path = GOOD) -> openpyxl.Workbook:
    """The CSV files of ``folder`` as one workbook (as data/make_xlsx.py writes it), to change."""
    return openpyxl.load_workbook(io.BytesIO(make_xlsx.build(folder)))


def _save(book: openpyxl.Workbook, path: Path) -> Path:
    book.save(path)
    return path


def _error(path: Path) -> DataError:
    with pytest.raises(DataError) as caught:
        okrlib.load_workbook(path)
    return caught.value


def _assert_same_workbook(got: okrlib.Workbook, expected: okrlib.Workbook) -> None:
    for name in FRAMES:  # the index is the row as Excel shows it, the line in a CSV: the same numbers
        pd.testing.assert_frame_equal(
            getattr(got, name).rename_axis(None), getattr(expected, name).rename_axis(None)
        )
    pd.testing.assert_frame_equal(got.findings, expected.findings)  # findings name tables, not files


def test_the_sample_workbook_loads_like_the_sample_folder(sample: okrlib.Workbook) -> None:
    _assert_same_workbook(okrlib.load_workbook(SAMPLE / "sample.xlsx"), sample)


def test_the_sample_workbook_is_generated_from_the_csv_files(tmp_path: Path) -> None:
    # data/make_xlsx.py writes it, nobody edits it: the committed file holds what the script writes
    import python_calamine

    fresh = tmp_path / "sample.xlsx"
    fresh.write_bytes(make_xlsx.build())

    def cells(path: Path) -> dict[str, list[list[object]]]:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}

    assert list(cells(SAMPLE / "sample.xlsx")) == ["kpis", "kpi_history", "okrs", "checkins"]
    assert cells(SAMPLE / "sample.xlsx") == cells(fresh)


def test_numbers_and_dates_stored_as_text_follow_the_contract(tmp_path: Path) -> None:
    # tests/data/good writes "$1,200", "1,000" and "2%": text cells, read by the CSV rules
    path = _save(_book(), tmp_path / "okr.xlsx")
    _assert_same_workbook(okrlib.load_workbook(path), okrlib.load_workbook(GOOD))
    book = _book()
    book["kpi_history"]["A3"] = "2026-07-06"  # a date as text: ISO, like a CSV's
    book["kpi_history"]["A4"] = "13/07/2026"
    error = _error(_save(book, tmp_path / "okr.xlsx"))
    assert str(error).startswith(f"{tmp_path / 'okr.xlsx'} [kpi_history]: 1 problem\n")
    assert (
        "row 4 (kpi_id 'mrr'), column A 'date': got '13/07/2026'; expected a date written YYYY-MM-DD"
        in str(error)
    )
    assert error.problems[0].file == tmp_path / "okr.xlsx" and error.problems[0].sheet == "kpi_history"


def test_a_bad_cell_names_file_sheet_row_column_letter_and_name(tmp_path: Path) -> None:
    book = _book()
    book["okrs"]["K3"] = "at-most"  # kr_type
    assert str(_error(_save(book, tmp_path / "okr.xlsx"))) == (
        f"{tmp_path / 'okr.xlsx'} [okrs]: 1 problem\n"
        "  row 3 (kr_id 'co-1-kr2'), column K 'kr_type': got 'at-most'; "
        "expected one of increase, decrease, at_least, at_most, milestone"
    )


def test_a_missing_sheet_names_the_sheets_there_are(tmp_path: Path) -> None:
    book = _book()
    book["checkins"].title = "renamed"  # openpyxl, like Excel, takes Checkins for checkins itself
    book["renamed"].title = "Checkins"
    assert str(_error(_save(book, tmp_path / "okr.xlsx"))) == (
        f"{tmp_path / 'okr.xlsx'}: 1 problem\n"
        "  file: got 'sheets kpis, kpi_history, okrs, Checkins'; expected a sheet named 'checkins' "
        "(one row per check-in) (found 'Checkins': sheet names are case-sensitive lower_snake)"
    )


def test_a_percent_formatted_cell_is_percentage_points(tmp_path: Path) -> None:
    book = _book()
    history = book["kpi_history"]
    history["D6"], history["D6"].number_format = 0.031, "0.0%"  # churn 3.1%, shown as Excel shows it
    history["D7"], history["D7"].number_format = 0.029, "0.0%"
    loaded = okrlib.load_workbook(_save(book, tmp_path / "okr.xlsx")).kpi_history
    assert loaded.loc[[6, 7], "value"].tolist() == [3.1, 2.9]  # as "3.1%" in a CSV: not 3.1000000000000005
    book["checkins"]["D3"].number_format = "0%"  # confidence 0.7, shown as 70%: 70 points, out of 0..1
    assert (
        "row 3 (kr_id 'sales-1-kr1'), column D 'confidence': got '70'; expected a confidence from 0 to 1 "
        "(write 0.8, not 80%)" in str(_error(_save(book, tmp_path / "okr.xlsx")))
    )


def _set_cached_value(path: Path, cell: str, value: str) -> None:
    """Give a formula cell the value Excel saves with it (openpyxl writes formulas without one)."""
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    sheet = "xl/worksheets/sheet2.xml"  # kpi_history
    pattern = rb'(<c r="%b"[^>]*>)(<f>[^<]*</f>)<v\s*/>' % cell.encode()
    parts[sheet], count = re.subn(pattern, rb"\1\2<v>%b</v>" % value.encode(), parts[sheet])
    assert count == 1
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)


def test_a_formula_is_its_saved_value_and_without_one_an_error_naming_the_cell(tmp_path: Path) -> None:
    book = _book()
    book["kpi_history"]["D4"] = "=D2+20"
    path = _save(book, tmp_path / "okr.xlsx")
    error = _error(path)
    assert str(error) == (
        f"{path} [kpi_history]: 1 problem\n"
        "  row 4, column D 'value': got '=D2+20'; expected a saved value: the formula in D4 was never "
        "calculated (open and save the file in Excel, or paste it as values)"
    )
    _set_cached_value(path, "D4", "520")
    assert okrlib.load_workbook(path).kpi_history.loc[4, "value"] == 520


def test_an_error_cell_is_an_error(tmp_path: Path) -> None:
    book = _book()
    book["kpi_history"]["D4"] = "#DIV/0!"
    book["kpi_history"]["D4"].data_type = "e"
    assert "row 4, column D 'value': got '#DIV/0!'; expected a value, not an Excel error" in str(
        _error(_save(book, tmp_path / "okr.xlsx"))
    )


def test_merged_cells_are_an_error_naming_the_range(tmp_path: Path) -> None:
    book = _book()
    book["okrs"].merge_cells("A2:A3")  # one quarter for two key results, as people lay it out
    assert (
        "row 2, column A 'quarter': got 'merged cells A2:A3'; expected one value per cell "
        "(unmerge A2:A3 and fill in each cell)" in str(_error(_save(book, tmp_path / "okr.xlsx")))
    )


def test_date_cells_are_dates_and_a_time_of_day_is_an_error(tmp_path: Path) -> None:
    book = _book()
    book["checkins"]["B2"] = dt.datetime(2026, 7, 10)  # a date-time at midnight, as pandas writes dates
    path = _save(book, tmp_path / "okr.xlsx")
    assert okrlib.load_workbook(path).checkins.loc[2, "date"] == pd.Timestamp("2026-07-10")
    book["checkins"]["B2"] = dt.datetime(2026, 7, 10, 9, 30)
    assert (
        "row 2 (kr_id 'co-1-kr1'), column B 'date': got '2026-07-10 09:30:00'; expected a date written"
        in str(_error(_save(book, path)))
    )


def test_a_number_formatted_as_a_date_no_date_can_be_is_an_error_not_a_crash(tmp_path: Path) -> None:
    book = _book()
    book["kpi_history"]["A3"] = -3.4e38  # calamine panics on it (tafia/calamine#722's kind)
    book["kpi_history"]["A3"].number_format = "yyyy-mm-dd"
    message = str(_error(_save(book, tmp_path / "okr.xlsx")))
    assert message.startswith(f"{tmp_path / 'okr.xlsx'} [kpi_history]: 1 problem\n  file: got ")
    assert (
        "expected cells python-calamine can read: a date-formatted cell holding a date from 1900" in message
    )


def test_empty_rows_and_columns_are_ignored_but_rows_keep_excels_numbers(tmp_path: Path) -> None:
    book = _book()
    checkins = book["checkins"]
    checkins.insert_rows(3)  # a blank row 3: sales-1-kr1 moves to row 4
    checkins["H40"].number_format = "0%"  # formatted, empty cells far out: nothing
    checkins["Z2"] = ""
    checkins["D4"] = 7
    assert "row 4 (kr_id 'sales-1-kr1'), column D 'confidence': got '7'" in str(
        _error(_save(book, tmp_path / "okr.xlsx"))
    )
    checkins["D4"] = 0.7
    loaded = okrlib.load_workbook(_save(book, tmp_path / "okr.xlsx")).checkins
    assert loaded.index.tolist() == [2, 4, 5] and list(loaded.columns) == [
        "kr_id",
        "date",
        "value",
        "confidence",
        "note",
    ]


def test_a_column_with_values_and_no_name_is_an_error(tmp_path: Path) -> None:
    book = _book()
    book["checkins"]["G3"] = "a stray note"
    assert (
        "row 3, column G: got 'a stray note'; expected a column name in row 1 above the column's values"
        in str(_error(_save(book, tmp_path / "okr.xlsx")))
    )


def test_hidden_sheets_are_read_when_named_like_a_table_else_ignored(good_dir: Path) -> None:
    book = _book()
    book["kpis"].sheet_state = "hidden"
    path = _save(book, good_dir / "okr.xlsx")
    assert len(okrlib.load_workbook(path).kpis) == 2
    (good_dir / "okrs.csv").unlink()
    okrs = _book()
    lookup = okrs.create_sheet("lists", 0)  # a hidden first sheet of drop-down values
    lookup.sheet_state = "hidden"
    lookup["A1"] = "kr_type"
    for name in ("kpis", "kpi_history", "checkins"):
        del okrs[name]
    okrs["okrs"].title = "Sheet1"
    _save(okrs, good_dir / "okrs.xlsx")
    _assert_same_workbook(okrlib.load_workbook(good_dir), okrlib.load_workbook(GOOD))


def test_a_folder_may_hold_one_table_as_an_xlsx_file(good_dir: Path) -> None:
    book = _book()
    for name in ("kpis", "kpi_history", "checkins"):
        del book[name]
    book["okrs"].title = "Sheet1"  # the first sheet of okrs.xlsx, whatever its name
    _save(book, good_dir / "okrs.xlsx")
    error = _error(good_dir)
    assert (
        "got 'okrs.csv and okrs.xlsx'; expected exactly one of okrs.csv or okrs.parquet or okrs.xlsx"
        in str(error)
    )
    (good_dir / "okrs.csv").unlink()
    _assert_same_workbook(okrlib.load_workbook(good_dir), okrlib.load_workbook(GOOD))


def test_a_number_in_a_text_column_reads_as_excel_shows_it(tmp_path: Path) -> None:
    book = _book()
    book["checkins"]["E2"] = 12  # a note typed as a number: "12", not "12.0"
    assert okrlib.load_workbook(_save(book, tmp_path / "okr.xlsx")).checkins.loc[2, "note"] == "12"


def test_a_file_that_is_no_workbook_says_so(good_dir: Path) -> None:
    (good_dir / "okrs.csv").rename(good_dir / "okrs.xlsx")
    assert "expected a readable .xlsx workbook" in str(_error(good_dir))


def test_the_command_line_checks_a_workbook(tmp_path: Path) -> None:
    shutil.copy(SAMPLE / "sample.xlsx", tmp_path / "okr.xlsx")
    done = run_okrlib("check", "--data", str(tmp_path / "okr.xlsx"))
    assert done.returncode == 0, done.stderr
    assert "KPIs: 14" in done.stdout


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

CELLS = st.one_of(
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.integers(-(10**6), 10**6),
    st.booleans(),
    st.dates(dt.date(1900, 3, 1), dt.date(2100, 12, 31)),
    st.datetimes(dt.datetime(1900, 3, 1), dt.datetime(2100, 12, 31)).map(lambda d: d.replace(microsecond=0)),
    st.sampled_from(
        ["", " ", "x", "1,200", "85%", "$1,200", "2026-07-06", "=1+1", "=A2", "#N/A", "Sales", "emea"]
    ),
)
FORMATS = st.sampled_from(["General", "0%", "0.0%", "yyyy-mm-dd", "@", '0.0"%"'])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    edits=st.lists(
        st.tuples(st.integers(1, 9), st.integers(1, 6), CELLS, FORMATS, st.booleans()), min_size=1, max_size=6
    )
)
def test_any_cell_loads_or_is_a_data_error_naming_sheet_and_row(tmp_path: Path, edits) -> None:
    # whatever a cell holds or however it is formatted: a workbook, or a DataError, nothing else
    book = _book()
    sheet = book["kpi_history"]
    for row, column, value, number_format, error_cell in edits:
        cell = sheet.cell(row, column)
        if isinstance(value, str) and value.startswith("#") and error_cell:
            cell.value, cell.data_type = value, "e"
        else:
            cell.value = value
        cell.number_format = number_format
    path = _save(book, tmp_path / "okr.xlsx")
    try:
        okrlib.load_workbook(path)
    except DataError as error:
        for problem in error.problems:
            assert problem.file == path and str(problem)
            assert problem.sheet in (None, "kpi_history") or problem.sheet in book.sheetnames
