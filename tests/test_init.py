"""``okrlib init``: a new data folder that loads, and never an overwritten one."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from conftest import run_okrlib

import okrlib
from okrlib.loading.contract import FILES

STEMS = [spec.stem for spec in FILES]


def test_init_writes_a_folder_that_loads_with_one_row_each(tmp_path: Path) -> None:
    folder = tmp_path / "new" / "data"  # parents created too
    written = okrlib.init_data_folder(folder, "2026-Q3")
    assert written == [folder / f"{stem}.csv" for stem in STEMS]
    workbook = okrlib.load_workbook(folder)
    assert len(workbook.kpis) == len(workbook.kpi_history) == 1
    assert len(workbook.objectives) == len(workbook.key_results) == len(workbook.checkins) == 1
    assert workbook.findings.empty  # the example rows agree with each other
    assert [str(q) for q in workbook.quarters] == ["2026Q3"]
    assert workbook.key_results["kpi_id"].tolist() == workbook.kpis["kpi_id"].tolist()
    assert workbook.checkins["kr_id"].tolist() == workbook.key_results["kr_id"].tolist()


def test_headers_are_the_contracts_columns(tmp_path: Path) -> None:
    okrlib.init_data_folder(tmp_path)
    for spec in FILES:
        with (tmp_path / f"{spec.stem}.csv").open(encoding="utf-8", newline="") as stream:
            header, *rows = list(csv.reader(stream))
        assert tuple(header) == spec.names
        assert len(rows) == 1 and len(rows[0]) == len(header)


@pytest.mark.parametrize("existing", ["okrs.csv", "checkins.parquet"])
def test_init_refuses_to_overwrite_and_writes_nothing(tmp_path: Path, existing: str) -> None:
    (tmp_path / existing).write_text("mine\n")
    with pytest.raises(okrlib.OkrlibError, match=rf"{existing} already exists; nothing was written"):
        okrlib.init_data_folder(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [existing]
    assert (tmp_path / existing).read_text() == "mine\n"


def test_cli_init_then_check_exit_0_and_a_second_init_exits_1(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    done = run_okrlib("init", str(folder), "--quarter", "2026-Q2")
    assert done.returncode == 0, done.stderr
    assert f"wrote {folder / 'okrs.csv'}" in done.stdout
    checked = run_okrlib("check", "--data", str(folder))
    assert checked.returncode == 0, checked.stderr
    assert "1 objectives, 1 key results in 2026-Q2" in checked.stdout
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    again = run_okrlib("init", str(folder))
    assert again.returncode == 1
    assert again.stderr.startswith("okrlib init: error: ") and "kpis.csv" in again.stderr
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_cli_init_rejects_a_bad_quarter_and_a_file_with_exit_1(tmp_path: Path) -> None:
    done = run_okrlib("init", str(tmp_path / "x"), "--quarter", "2026-Q5")
    assert done.returncode == 1 and "2026-Q5" in done.stderr
    assert not (tmp_path / "x").exists()
    (tmp_path / "file").write_text("")
    done = run_okrlib("init", str(tmp_path / "file"))
    assert done.returncode == 1 and "is a file" in done.stderr


def test_init_folder_renders(tmp_path: Path) -> None:
    data, out = tmp_path / "data", tmp_path / "reports"
    okrlib.init_data_folder(data, "2026-Q3")
    done = run_okrlib("report", "--data", str(data), "--out", str(out), "--all-teams", "--jobs", "1")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (out / "2026-Q3").glob("*.html")) == [
        "company.html",
        "index.html",
        "sales.html",
    ]
