"""The rendered review, end to end: true to its as-of date, final once the quarter ended,
and the key results that need a decision first."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
from conftest import SAMPLE, run_okrlib


def _section(html: str, title: str) -> str:
    """The HTML of one h2 section, up to the next h2."""
    start = html.index(f">{title}<a class=")
    end = html.find("<h2", start)
    return html[start : end if end != -1 else len(html)]


def _table(section: str) -> str:
    """The first okrlib table of a section."""
    return re.search(r'<table class="okr-table">.*?</table>', section, re.S).group(0)


def _render(data: Path, out: Path, team: str | None) -> str:
    who = ["--team", team] if team else []
    args = ["report", "--quarter", "2026-Q3", *who, "--as-of", "2026-09-30", "--data", str(data)]
    done = run_okrlib(*args, "--out", str(out), "--jobs", "1")
    assert done.returncode == 0, done.stderr
    return (out / "2026-Q3" / f"{'sales' if team else 'company'}.html").read_text()


def _append_later_rows(data: Path) -> None:
    """Rows dated after 2026-09-30 in every file that has dates or quarters."""
    history = pd.read_csv(data / "kpi_history.csv", dtype=str, keep_default_na=False)
    pairs = history[["kpi_id", "segment"]].drop_duplicates()
    later = pairs.assign(date="2027-01-04", value="999999")[history.columns]
    later.to_csv(data / "kpi_history.csv", mode="a", header=False, index=False)
    okrs = pd.read_csv(data / "okrs.csv", dtype=str, keep_default_na=False)
    q3 = okrs[okrs["quarter"] == "2026-Q3"]
    checkins = pd.DataFrame(
        {
            "kr_id": q3["kr_id"],
            "date": "2026-12-15",
            "value": "1",
            "confidence": "0.1",
            "note": "<b>later</b>",
        }
    )
    checkins.to_csv(data / "checkins.csv", mode="a", header=False, index=False)
    new = okrs.iloc[[0, 0]].assign(
        quarter="2027-Q1",
        team=["Sales", "Legal"],
        objective_id=["later-1", "later-2"],
        parent_objective_id="",
        kr_id=["later-1-kr", "later-2-kr"],
    )
    new.to_csv(data / "okrs.csv", mode="a", header=False, index=False)


def test_a_report_as_of_a_date_ignores_every_later_row(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data, ignore=shutil.ignore_patterns("*.py", "*.md"))
    before = {team: _render(data, tmp_path / "before", team) for team in (None, "Sales")}
    _append_later_rows(data)
    after = {team: _render(data, tmp_path / "after", team) for team in (None, "Sales")}
    for team in before:
        assert before[team] == after[team], team
    company = before[None]
    # nothing of 2026-Q4 or later: no key result, no KPI week, no finding
    assert "26q4" not in company and not re.search(r"2026-1[0-2]-\d\d", company)
    assert "Legal" not in after[None]


def test_an_ended_quarter_reads_as_ended(rendered: Path) -> None:
    html = (rendered / "2026-Q3" / "sales.html").read_text()
    table = _table(_section(html, "Objectives and key results"))
    assert ">Result<" in table and ">Grade<" in table and "Forecast" not in table
    assert not re.search(r">(on track|at risk|off track)<", table)  # no pace status
    assert "expected" not in table.lower()
    assert re.search(r">missed<", table) and "⚑ committed" in table  # Sales' committed objective
    # each grade badge is coloured by its band: 0.7 and more green, 0.4 yellow, else red
    badges = re.findall(r'background:(#[0-9a-f]{6});color:#[0-9a-f]{3,6}">(\d\.\d)</span>', table)
    assert len(badges) == 7  # Sales' 2 objectives and 5 key results
    for color, grade in badges:
        band = "#1a9850" if float(grade) >= 0.7 else "#e6ab02" if float(grade) >= 0.4 else "#d73027"
        assert color == band, grade
    odds = _section(html, "Forecast odds")
    assert "Chance of reaching target" not in odds and "has ended" in odds
    headline = _section(html, "Headline")
    assert "Expected by now" not in headline and "Mean grade" in headline


def test_needs_attention_comes_right_after_the_headline(rendered: Path) -> None:
    running = _section((rendered / "2026-Q4" / "sales.html").read_text(), "Headline")
    assert "Why it needs attention" in running
    assert re.search(r"committed, and behind|confidence dropped|no check-in|KPI worsened", running)
    ended = _section((rendered / "2026-Q3" / "sales.html").read_text(), "Headline")
    assert "committed, and missed" in ended


def test_tables_show_names_real_values_owners_and_notes(rendered: Path) -> None:
    html = (rendered / "2026-Q4" / "sales.html").read_text()
    table = _section(html, "Objectives and key results")
    assert "Close new customers this quarter" in table and "owner Dana Kim" in table
    assert re.search(r"\$[\d.]+K → \$[\d.]+K of \$[\d.]+K", table)  # real values in the unit
    assert "Ahead of plan" in table  # a check-in note
    health = _section(html, "KPI health")
    assert not re.search(r"\d\.\d+e[+-]\d", health)  # no scientific notation anywhere
    assert "healthy" not in health


def test_a_long_history_charts_months_under_altairs_row_limit(tmp_path: Path) -> None:
    # issue 21: 3,000 days of daily history are 428 weeks a series (> 400): the review's KPI
    # charts show months, and no chart comes near altair's 5,000 rows
    import importlib.util
    import json
    import sys

    spec = importlib.util.spec_from_file_location("okrlib_bench", SAMPLE.parent / "bench" / "run.py")
    bench = sys.modules["okrlib_bench"] = importlib.util.module_from_spec(spec)  # its dataclasses look it up
    spec.loader.exec_module(bench)
    sizes = bench.ScaleSizes(
        kpis=6, segments=3, days=3000, key_results=100, teams=2, quarters=2, checkins_per_kr=6
    )
    data = bench.write_scale_workbook(tmp_path / "data", sizes)
    out = tmp_path / "out"
    args = ["report", "--quarter", "2026-Q3", "--team", "Team 00", "--data", str(data), "--out", str(out)]
    done = run_okrlib(*args)
    assert done.returncode == 0, done.stderr
    notebook = json.loads((out / "2026-Q3" / "team-00.ipynb").read_text())
    specs = [
        data
        for cell in notebook["cells"]
        for output in cell.get("outputs", [])
        for mimetype, data in output.get("data", {}).items()
        if "vegalite" in mimetype
    ]
    kpi_charts = [s for s in specs if "monthly values" in json.dumps(s.get("title", ""))]
    assert len(kpi_charts) == 3  # the three KPIs Team 00 owns, each all + 2 segments
    for chart in kpi_charts:
        rows = max(len(rows) for rows in chart["datasets"].values())
        # 2018-07-15 to 2026-09-30: the months 2018-07 to 2026-09 end by the as-of date, 99
        assert rows == 3 * 99
    assert max(len(rows) for s in specs for rows in s.get("datasets", {}).values()) < 5000
