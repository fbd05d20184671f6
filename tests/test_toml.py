"""okrlib.toml: a source file saying, per contract table, which file holds it and how its
column names and values map to the contract (README, "A source file"). A bad mapping is a
DataError naming the TOML line; later messages name the source file, its line and its column."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import GOOD, run_okrlib

import okrlib
from okrlib import DataError
from okrlib.loading._toml import key_lines

FRAMES = ("kpis", "kpi_history", "objectives", "key_results", "checkins")

# the contract's okrs columns under a source's own names
OKRS_NAMES = {
    "objective": "Objective title",
    "kr_type": "Type",
    "kr_id": "KR id",
    "target": "Target value",
}
KR_TYPES = {"increase": "Increase", "decrease": "Decrease", "at_least": "At least", "at_most": "At most"}
KR_TYPES |= {"milestone": "Milestone"}


def _assert_same(got: okrlib.Workbook, expected: okrlib.Workbook) -> None:
    for name in FRAMES:
        pd.testing.assert_frame_equal(getattr(got, name), getattr(expected, name))
    pd.testing.assert_frame_equal(got.findings, expected.findings)


def _renamed(folder: Path, values: bool = True) -> Path:
    """tests/data/good with okrs.csv as its-own-names.csv: renamed columns, spelled-out kr_type."""
    shutil.copytree(GOOD, folder)
    okrs = pd.read_csv(folder / "okrs.csv", dtype=str, keep_default_na=False)
    if values:
        okrs["kr_type"] = okrs["kr_type"].map(KR_TYPES)
    okrs.rename(columns=OKRS_NAMES).to_csv(folder / "its-own-names.csv", index=False)
    (folder / "okrs.csv").unlink()
    return folder


def _toml(folder: Path, text: str) -> Path:
    path = folder / "okrlib.toml"
    path.write_text(text, encoding="utf-8")
    return path


COLUMNS = ", ".join(f'{target} = "{source}"' for target, source in OKRS_NAMES.items())
VALUES = ", ".join(f'"{source}" = "{target}"' for target, source in KR_TYPES.items())
GOOD_TOML = f"""# where okrs come from
[okrs]
file = "its-own-names.csv"
columns = {{ {COLUMNS} }}
values.kr_type = {{ {VALUES} }}
"""


def _error(path: Path) -> DataError:
    with pytest.raises(DataError) as caught:
        okrlib.load_workbook(path)
    return caught.value


def test_renamed_columns_and_mapped_values_load_like_the_original(tmp_path: Path) -> None:
    folder = _renamed(tmp_path / "data")
    toml = _toml(folder, GOOD_TOML)
    expected = okrlib.load_workbook(GOOD)
    _assert_same(okrlib.load_workbook(toml), expected)  # the .toml itself
    _assert_same(okrlib.load_workbook(folder), expected)  # a folder holding okrlib.toml


def test_the_other_tables_fall_back_to_the_files_beside_the_toml(tmp_path: Path) -> None:
    folder = _renamed(tmp_path / "data")
    _toml(folder, GOOD_TOML)
    (folder / "kpis.csv").unlink()
    error = _error(folder)
    assert error.problems[0].file == folder / "okrlib.toml"
    assert "a [kpis] table, or one of kpis.csv, kpis.parquet, kpis.xlsx beside okrlib.toml" in str(error)


def test_a_table_from_an_xlsx_sheet_in_another_folder(tmp_path: Path) -> None:
    folder = _renamed(tmp_path / "data")
    okrs = pd.read_csv(folder / "its-own-names.csv", dtype=str, keep_default_na=False)
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    sheet = book.create_sheet("Q3 OKRs")
    sheet.append(list(okrs.columns))
    for row in okrs.itertuples(index=False):
        sheet.append([cell or None for cell in row])
    (tmp_path / "exports").mkdir()
    book.save(tmp_path / "exports" / "planning.xlsx")
    text = GOOD_TOML.replace('"its-own-names.csv"', '"../exports/planning.xlsx"\nsheet = "Q3 OKRs"')
    got = okrlib.load_workbook(_toml(folder, text))
    expected = okrlib.load_workbook(GOOD)
    for name in ("kpis", "kpi_history", "checkins"):
        pd.testing.assert_frame_equal(getattr(got, name), getattr(expected, name))
    # an Excel sheet's rows are its lines: the same numbers (the index is named row, not line)
    for name in ("objectives", "key_results"):
        pd.testing.assert_frame_equal(
            getattr(got, name).rename_axis(None), getattr(expected, name).rename_axis(None)
        )

    error = _error(_toml(folder, text.replace('sheet = "Q3 OKRs"', 'sheet = "Q4 OKRs"')))
    message = str(error)
    assert "planning.xlsx: 1 problem" in message
    assert "got 'sheets Notes, Q3 OKRs'; expected a sheet named 'Q4 OKRs'" in message
    assert "as okrlib.toml line 4 says" in message


def test_later_messages_name_the_source_file_line_and_its_own_column_name(tmp_path: Path) -> None:
    folder = _renamed(tmp_path / "data")
    source = folder / "its-own-names.csv"
    text = source.read_text().splitlines()
    text[2] = text[2].replace(",3,%,", ",three,%,")  # line 3: co-1-kr2's target
    source.write_text("\n".join(text) + "\n")
    error = _error(_toml(folder, GOOD_TOML))
    assert str(error).splitlines()[0] == f"{source}: 1 problem"
    problem = error.problems[0]
    assert (problem.file, problem.line, problem.column, problem.alias) == (
        source,
        3,
        "target",
        "Target value",
    )
    assert "line 3 (kr_id 'co-1-kr2'), column 'Target value' (target): got 'three'" in str(error)


def test_a_value_the_map_does_not_cover_names_the_toml_line_and_the_file_line(tmp_path: Path) -> None:
    folder = _renamed(tmp_path / "data")
    toml = _toml(folder, GOOD_TOML.replace('"At most" = "at_most", ', ""))
    error = _error(toml)
    source = folder / "its-own-names.csv"
    first = next(i for i, line in enumerate(source.read_text().splitlines(), 1) if ",At most," in line)
    assert str(error).splitlines() == [
        f"{toml}: 1 problem",
        f"  line 5 (okrs.values.kr_type): got 'At most'; expected a value the map covers: "
        f"{source} line {first}, column 'Type' (kr_type) holds it",
    ]


def test_a_value_map_without_renaming(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    shutil.copytree(GOOD, folder)
    okrs = pd.read_csv(folder / "okrs.csv", dtype=str, keep_default_na=False)
    okrs["commitment"] = okrs["commitment"].map({"committed": "Yes", "aspirational": "no", "": ""})
    okrs.to_csv(folder / "okrs.csv", index=False)
    with pytest.raises(DataError, match="column 'commitment': got 'Yes'"):
        okrlib.load_workbook(folder)  # no okrlib.toml yet
    _toml(
        folder, '[okrs]\nfile = "okrs.csv"\nvalues.commitment = { Yes = "committed", no = "aspirational" }\n'
    )
    _assert_same(okrlib.load_workbook(folder), okrlib.load_workbook(GOOD))


@pytest.mark.parametrize(
    ("edit", "line", "expected"),
    [
        (
            lambda t: t.replace('"Type"', '"Kind"'),
            4,
            "line 4 (okrs.columns.kr_type): got 'Kind'; expected a column of {source} (it has 'quarter', ",
        ),
        (
            lambda t: t.replace("kr_type = ", "krtype = ", 1),
            4,
            "line 4 (okrs.columns.krtype): got 'krtype'; expected a column of the contract's okrs: quarter,",
        ),
        (
            lambda t: t.replace('"increase", ', '"grow", '),
            5,
            "line 5 (okrs.values.kr_type.Increase): got 'grow'; expected one of increase, decrease,",
        ),
        (
            lambda t: t + "\n[okr]\nfile = 'okrs.csv'\n",
            7,
            "line 7 (okr): expected a table named one of kpis, kpi_history, okrs, checkins (not 'okr')",
        ),
        (
            lambda t: t.replace("[okrs]\n", "[okrs]\nsheets = 'x'\n"),
            3,
            "line 3 (okrs.sheets): expected one of the keys file, sheet, columns, values (not 'sheets')",
        ),
        (
            lambda t: t.replace('"its-own-names.csv"', '"okrs.csv"'),
            3,
            "line 3 (okrs.file): got 'okrs.csv'; expected an existing file (there is no ",
        ),
        (
            lambda t: t.replace('file = "its-own-names.csv"', 'file = "its-own-names.csv"\nsheet = "A"'),
            4,
            "line 4 (okrs.sheet): got 'A'; expected no sheet for a CSV or Parquet file",
        ),
        (
            lambda t: t.replace('"Objective title"', '"Type"'),
            4,
            "line 4 (okrs.columns.kr_type): got 'Type'; expected a column not mapped already (to objective)",
        ),
    ],
)
def test_a_bad_mapping_names_its_toml_line(tmp_path: Path, edit, line: int, expected: str) -> None:
    folder = _renamed(tmp_path / "data")
    toml = _toml(folder, edit(GOOD_TOML))
    error = _error(toml)
    assert str(error).splitlines()[0] == f"{toml}: 1 problem"
    assert error.problems[0].line == line
    assert expected.format(source=folder / "its-own-names.csv") in str(error)


def test_an_sql_source_is_for_kpi_history_only_and_its_secret_is_never_shown(tmp_path: Path) -> None:
    folder = _renamed(tmp_path / "data")
    secret = "postgresql://okr:s3cret-pa55@db.example.com/okrs"
    toml = _toml(folder, f'[kpis]\nsource = "{secret}"\nquery = "select * from kpis"\n')
    error = _error(toml)
    assert "line 2 (kpis.source): expected a file = ... (only kpi_history can come from an SQL source" in str(
        error
    )
    done = run_okrlib("check", "--data", str(toml))
    assert done.returncode == 1
    assert "only kpi_history can come from an SQL source" in done.stderr
    assert "s3cret" not in str(error) + repr(error.problems) + done.stderr + done.stdout


def test_a_source_column_clashing_with_a_contract_name(tmp_path: Path) -> None:
    folder = _renamed(tmp_path / "data")
    source = folder / "its-own-names.csv"
    okrs = pd.read_csv(source, dtype=str, keep_default_na=False)
    okrs.assign(kr_type="x").to_csv(source, index=False)
    error = _error(_toml(folder, GOOD_TOML))
    assert f"line 4 (okrs.columns.kr_type): got 'Type'; expected one column named 'kr_type': {source}" in str(
        error
    )


def test_an_invalid_toml_says_where(tmp_path: Path) -> None:
    toml = _toml(tmp_path, "[okrs]\nfile = okrs.csv\n")
    with pytest.raises(
        DataError, match=r"okrlib.toml: 1 problem\n  file: got .*line 2.*expected a valid TOML"
    ):
        okrlib.load_workbook(toml)


def test_check_and_report_take_the_toml_like_a_folder(tmp_path: Path) -> None:
    folder = _renamed(tmp_path / "data")
    toml = _toml(folder, GOOD_TOML)
    done = run_okrlib("check", "--data", str(toml))
    assert done.returncode == 0, done.stderr
    assert done.stdout == run_okrlib("check", "--data", str(GOOD)).stdout.replace(str(GOOD), str(toml))


def test_key_lines_follow_headers_dotted_keys_and_inline_tables() -> None:
    text = (
        "# a comment = 1\n"
        "[okrs]\n"
        'file = "a,b.csv"  # { x = 1 }\n'
        'values = { kr_type = { "A b" = "x", B = "y" }, team = { c = "d" } }\n'
        "[kpis.columns]\n"
        "'kpi_id' = \"id = 1\"\n"
    )
    lines = key_lines(text)
    assert lines[("okrs",)] == 2
    assert lines[("okrs", "file")] == 3
    assert lines[("okrs", "values", "kr_type", "A b")] == 4
    assert lines[("okrs", "values", "team", "c")] == 4
    assert lines[("kpis", "columns", "kpi_id")] == 6
    assert ("okrs", "file", "x") not in lines
    assert ("okrs", "values", "B") not in lines


def test_a_required_column_left_unmapped_says_where_to_map_it(tmp_path: Path) -> None:
    folder = _renamed(tmp_path / "data")
    error = _error(_toml(folder, GOOD_TOML.replace('objective = "Objective title", ', "")))
    assert str(error).splitlines() == [
        f"{folder / 'its-own-names.csv'}: 1 problem",
        "  column 'objective': expected a required column 'objective' "
        "(or the file's column for it named in okrlib.toml's [okrs] columns)",
    ]


def test_a_report_renders_from_the_toml(tmp_path: Path) -> None:
    folder = _renamed(tmp_path / "data")
    toml = _toml(folder, GOOD_TOML)
    out = tmp_path / "out"
    done = run_okrlib("report", "--data", str(toml), "--out", str(out), "--team", "Sales", "--jobs", "1")
    assert done.returncode == 0, done.stderr
    html = next(out.glob("*/sales.html")).read_text(encoding="utf-8")
    assert "Win EMEA" in html  # the objective's title, read through the renamed column


def test_key_lines_after_an_empty_inline_table() -> None:
    lines = key_lines('[okrs]\nvalues = { team = {}, kr_type = { A = "a" } }, \n')
    assert lines[("okrs", "values", "kr_type", "A")] == 2
    assert ("okrs", "kr_type") not in lines


def test_a_values_map_for_a_column_the_file_lacks(tmp_path: Path) -> None:
    folder = _renamed(tmp_path / "data")
    source = folder / "its-own-names.csv"
    pd.read_csv(source, dtype=str, keep_default_na=False).drop(columns="segment").to_csv(source, index=False)
    toml = _toml(folder, GOOD_TOML + 'values.segment = { EMEA = "emea" }\n')
    error = _error(toml)
    assert f"line 6 (okrs.values.segment): got 'segment'; expected a column of {source} to map" in str(error)


def test_every_unmapped_value_once_with_its_first_line(tmp_path: Path) -> None:
    folder = _renamed(tmp_path / "data")
    text = GOOD_TOML.replace('"Increase" = "increase", ', "").replace(', "Milestone" = "milestone"', "")
    toml = _toml(folder, text)
    error = _error(toml)
    source = folder / "its-own-names.csv"
    lines = source.read_text().splitlines()
    for value in ("Increase", "Milestone"):
        first = next(i for i, line in enumerate(lines, 1) if f",{value}," in line)
        expected = f"got '{value}'; expected a value the map covers: {source} line {first}, "
        assert sum(expected in str(p) for p in error.problems) == 1, value
    assert len(error.problems) == 2
