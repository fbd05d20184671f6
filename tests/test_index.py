"""The quarter index: as-of date, links to the neighbouring quarters, change against the previous quarter."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import okrlib
from okrlib.analysis import progress
from okrlib.presentation import present
from okrlib.reporting import report


def shown(html: str) -> list[tuple[str, str]]:
    """Every ``data-okr`` value of a page, in order."""
    return re.findall(r'data-okr="([a-z_]+)"[^>]*>([^<]*)<', html)


def row_of(index: str, html_name: str) -> dict[str, str]:
    """The figures of the index row linking ``html_name``."""
    row = re.search(rf'<tr><td><a href="{re.escape(html_name)}">.*?</tr>', index, flags=re.S)
    assert row, html_name
    return dict(shown(row.group(0)))


def summary(folder: Path, slug: str, team: str | None, **fields: object) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    headline = {"as_of": "2026-08-15", "objectives": 2, "mean_progress": 0.5, "expected_progress": 0.5}
    record = {"team": team, "slug": slug, "html": f"{slug}.html", "headline": headline, **fields}
    (folder / f"{slug}.json").write_text(json.dumps(record))


def test_the_index_is_escaped_and_shows_the_change_against_the_previous_quarter(tmp_path: Path) -> None:
    folder = tmp_path / "2026-Q3"
    previous = {"quarter": "2026-Q2", "objectives": 3, "mean_progress": 0.625, "mean_grade": 0.6}
    summary(folder, "evil", "<script>alert(1)</script>", as_of="2026-08-15", previous=previous)
    summary(folder, "new-team", "New team", as_of="2026-08-15", previous=None)
    index = report.write_index(folder, "2026-Q3").read_text()
    assert "<script>alert(1)</script>" not in index and "&lt;script&gt;alert(1)&lt;/script&gt;" in index
    assert row_of(index, "evil.html") == {
        "objectives": "2",
        "mean_progress": "50.0%",
        "previous_mean_progress": "62.5%",
        "previous_mean_grade": "0.60",
        "progress_change": "-12.5 pp",
    }
    assert row_of(index, "new-team.html")["progress_change"] == "–"  # no objectives in 2026-Q2
    assert 'Figures as of <span data-okr="as_of">2026-08-15</span>' in index
    assert "Previous quarter, 2026-Q2" in index


def test_an_index_without_summaries_of_render_quarter_falls_back_to_the_headline(tmp_path: Path) -> None:
    folder = tmp_path / "2026-Q3"
    summary(folder, "a", "A")  # as render_report alone writes it: no as_of, no previous
    summary(folder, "b", "B", as_of="2026-09-01")
    index = report.write_index(folder, "2026-Q3").read_text()
    assert "Figures as of several dates" in index
    assert row_of(index, "a.html")["as_of"] == "2026-08-15"
    assert row_of(index, "b.html")["as_of"] == "2026-09-01"
    assert row_of(index, "a.html")["previous_mean_progress"] == "–"


def test_neighbour_links_appear_whatever_order_quarters_are_written_in(tmp_path: Path) -> None:
    for label in ("2026-Q4", "2026-Q2", "2027-Q1"):  # 2026-Q3 comes last, between two
        summary(tmp_path / label, "company", None)
        report.write_index(tmp_path / label, label)
    summary(tmp_path / "2026-Q3", "company", None)
    report.write_index(tmp_path / "2026-Q3", "2026-Q3")

    def links(label: str) -> dict[str, str]:
        html = (tmp_path / label / "index.html").read_text()
        return dict(re.findall(r'data-okr="(previous_index|next_index)" href="([^"]+)"', html))

    assert links("2026-Q2") == {"next_index": "../2026-Q3/index.html"}
    assert links("2026-Q3") == {
        "previous_index": "../2026-Q2/index.html",
        "next_index": "../2026-Q4/index.html",
    }
    assert links("2026-Q4") == {
        "previous_index": "../2026-Q3/index.html",
        "next_index": "../2027-Q1/index.html",
    }
    assert links("2027-Q1") == {"previous_index": "../2026-Q4/index.html"}


def test_previous_quarter_summary_by_hand(sample: okrlib.Workbook) -> None:
    # Sales' objectives of 2026-Q2 scored on its last day, weight-averaged by hand
    krs = progress.kr_progress(sample, "2026-Q2", "2026-06-30")
    krs = krs[krs["team"].eq("Sales") & krs["progress"].notna()]
    by_objective = krs.groupby("objective_id")[["progress", "weight"]].apply(
        lambda g: np.average(g["progress"], weights=g["weight"])
    )
    grades = np.floor(by_objective * 10 + 0.5 + 1e-9) / 10
    frame = progress.previous_quarter_summary(sample, "2026-Q3").set_index("team")
    assert frame.loc["Sales", "quarter"] == pd.Period("2026Q2", "Q")
    assert frame.loc["Sales", "objectives"] == len(by_objective) == 2
    assert frame.loc["Sales", "mean_progress"] == pytest.approx(by_objective.mean())
    assert frame.loc["Sales", "mean_grade"] == pytest.approx(grades.mean())
    assert frame.index[0] == "All teams"
    assert frame.loc["All teams", "objectives"] == len(
        sample.objectives.query("quarter == @pd.Period('2026Q2', 'Q')")
    )
    # before the previous quarter ended: its progress on that day, and no grades
    early = progress.previous_quarter_summary(sample, "2026-Q3", "2026-06-15").set_index("team")
    objectives = progress.objective_progress(sample, "2026-Q2", "2026-06-15")
    assert early.loc["Sales", "mean_progress"] == pytest.approx(
        objectives.query("team == 'Sales'")["progress"].mean()
    )
    assert early["mean_grade"].isna().all()
    assert progress.previous_quarter_summary(sample, "2025-Q4").empty  # no OKRs in 2025-Q3


def test_rendered_indexes_show_as_of_links_and_the_sales_change(
    rendered: Path, sample: okrlib.Workbook
) -> None:
    q3 = (rendered / "2026-Q3" / "index.html").read_text()
    q4 = (rendered / "2026-Q4" / "index.html").read_text()
    assert 'Figures as of <span data-okr="as_of">2026-09-30</span>' in q3
    q4_as_of = okrlib.default_as_of(sample, "2026-Q4")
    assert f'Figures as of <span data-okr="as_of">{q4_as_of:%Y-%m-%d}</span>' in q4
    # 2026-Q3 was rendered first: its "next" link was added when 2026-Q4's index was written
    assert 'href="../2026-Q4/index.html"' in q3 and "../2026-Q2/" not in q3  # no 2026-Q2 reports
    assert 'href="../2026-Q3/index.html"' in q4 and "../2027-Q1/" not in q4

    # Sales, 2026-Q3 against 2026-Q2: worked out from the progress functions
    now = okrlib.quarter_snapshot(sample, "2026-Q3", team="Sales").headline["mean_progress"]
    before = progress.final_objective_progress(sample, ["2026-Q2"]).query("team == 'Sales'")
    sales = row_of(q3, "sales.html")
    assert sales["mean_progress"] == present.percent(now) == "79.3%"
    assert sales["previous_mean_progress"] == present.percent(before["progress"].mean()) == "87.8%"
    assert sales["previous_mean_grade"] == present.decimal(before["grade"].mean()) == "0.85"
    assert sales["progress_change"] == f"{100 * (now - before['progress'].mean()):+.1f} pp" == "-8.5 pp"
    # the company's row compares every objective of the two quarters
    company = row_of(q3, "company.html")
    everyone = progress.final_objective_progress(sample, ["2026-Q2"])
    assert company["previous_mean_progress"] == present.percent(everyone["progress"].mean())
