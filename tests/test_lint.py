"""OKR quality lint: each rule once firing and once silent, and the CLI."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import SAMPLE, run_okrlib

from okrlib import Workbook
from okrlib.analysis import lint

Q = pd.Period("2026Q3", freq="Q")


def workbook(
    objectives: list[dict],
    krs: list[dict],
    kpis: list[dict] | None = None,
    history: list[tuple[str, str]] | None = None,
) -> Workbook:
    """A tiny workbook built straight from rows (defaults fill the contract's columns)."""
    kpi_rows = (
        kpis
        if kpis is not None
        else [
            {
                "kpi_id": "mrr",
                "name": "Monthly recurring revenue",
                "unit": "$",
                "kind": "lagging",
                "owner": "Sales",
            }
        ]
    )
    kpi_frame = pd.DataFrame(kpi_rows)
    history_rows = history if history is not None else [(k["kpi_id"], "2026-09-28") for k in kpi_rows]
    history_frame = pd.DataFrame(
        [
            {"date": pd.Timestamp(d) - pd.Timedelta(days=7 * i), "kpi_id": k, "segment": "all", "value": 1.0}
            for k, d in history_rows
            for i in range(10)
        ]
    )
    objective_frame = pd.DataFrame(
        [{"quarter": Q, "team": "Sales", "commitment": "aspirational", **o} for o in objectives]
    )
    kr_frame = pd.DataFrame(
        [
            {
                "quarter": Q,
                "team": "Sales",
                "kr_type": "increase",
                "start": 0.0,
                "target": 10.0,
                "unit": None,
                "kpi_id": None,
                "segment": None,
                "weight": 1.0,
                **k,
            }
            for k in krs
        ]
    )
    return Workbook(kpi_frame, history_frame, objective_frame, kr_frame, pd.DataFrame(), pd.DataFrame())


def two_krs(objective_id: str = "o1", **extra) -> list[dict]:
    return [
        {
            "kr_id": f"{objective_id}-k{i}",
            "objective_id": objective_id,
            "key_result": f"Win deal {i}",
            "kpi_id": "mrr",
            **extra,
        }
        for i in (1, 2)
    ]


def rules(wb: Workbook) -> set[str]:
    return set(lint.lint(wb, "2026-Q3", "2026-09-30")["rule"])


BASE = [{"objective_id": "o1", "objective": "Win the market"}]


def test_a_clean_workbook_has_no_findings() -> None:
    assert rules(workbook(BASE, two_krs())) == {"OKR007"}  # mrr is lagging; covered below


def test_too_many_objectives() -> None:
    objectives = [{"objective_id": f"o{i}", "objective": "Win"} for i in range(6)]
    krs = [k for i in range(6) for k in two_krs(f"o{i}")]
    assert "OKR001" in rules(workbook(objectives, krs))
    assert "OKR001" not in rules(workbook(objectives[:5], krs[:10]))


def test_key_result_count() -> None:
    assert "OKR002" in rules(workbook(BASE, two_krs()[:1]))
    six = [{"kr_id": f"k{i}", "objective_id": "o1", "key_result": "Win", "kpi_id": "mrr"} for i in range(6)]
    assert "OKR002" in rules(workbook(BASE, six))
    assert "OKR002" not in rules(workbook(BASE, two_krs()))


def test_numeric_objective() -> None:
    assert "OKR003" in rules(workbook([{"objective_id": "o1", "objective": "Reach $3M ARR"}], two_krs()))
    assert "OKR003" not in rules(workbook(BASE, two_krs()))


def test_only_milestones() -> None:
    assert "OKR004" in rules(workbook(BASE, two_krs(kr_type="milestone")))
    assert "OKR004" not in rules(workbook(BASE, two_krs()))


def test_unlinked_key_result_with_a_plausible_kpi() -> None:
    by_name = [
        {"kr_id": "k1", "objective_id": "o1", "key_result": "Lift recurring revenue", "kpi_id": None},
        {"kr_id": "k2", "objective_id": "o1", "key_result": "Hire", "kpi_id": "mrr"},
    ]
    found = lint.lint(workbook(BASE, by_name), "2026-Q3", "2026-09-30").set_index("rule")
    assert found.loc["OKR005", "kr_id"] == "k1" and "mrr" in found.loc["OKR005", "message"]
    by_unit = [dict(by_name[0], key_result="Upsell", unit="$"), by_name[1]]
    assert "OKR005" in rules(workbook(BASE, by_unit))
    unrelated = [dict(by_name[0], key_result="Hire two engineers", unit="people"), by_name[1]]
    assert "OKR005" not in rules(workbook(BASE, unrelated))


def test_unused_kpi() -> None:
    kpis = [
        {"kpi_id": "mrr", "name": "MRR", "unit": "$", "kind": "lagging", "owner": "Sales"},
        {"kpi_id": "nps", "name": "NPS", "unit": "score", "kind": "leading", "owner": "Product"},
    ]
    found = lint.lint(workbook(BASE, two_krs(), kpis), "2026-Q3", "2026-09-30")
    assert found.loc[found["rule"] == "OKR006", "kpi_id"].tolist() == ["nps"]


def test_no_leading_kpi() -> None:
    assert "OKR007" in rules(workbook(BASE, two_krs()))
    kpis = [
        {"kpi_id": "mrr", "name": "MRR", "unit": "$", "kind": "lagging", "owner": "Sales"},
        {"kpi_id": "trials", "name": "Trials", "unit": "n", "kind": "leading", "owner": "Sales"},
    ]
    krs = [dict(two_krs()[0]), dict(two_krs()[1], kpi_id="trials")]
    assert "OKR007" not in rules(workbook(BASE, krs, kpis))
    assert "OKR007" not in rules(workbook(BASE, two_krs(kpi_id=None)))  # no KPI at all: nothing to say


def test_stale_kpi() -> None:
    stale = workbook(BASE, two_krs(), history=[("mrr", "2026-09-01")])  # weekly; 29 days old at 09-30
    found = lint.lint(stale, "2026-Q3", "2026-09-30").set_index("rule")
    assert found.loc["OKR008", "message"] == (
        "latest observation 2026-09-01 is 29 days old; it is usually observed every 7 days"
    )
    assert "OKR008" not in rules(workbook(BASE, two_krs(), history=[("mrr", "2026-09-20")]))


def test_too_many_kpis() -> None:
    kpis = [
        {"kpi_id": f"k{i}", "name": f"Metric {i}", "unit": "n", "kind": "leading", "owner": "Sales"}
        for i in range(16)
    ]
    assert "OKR009" in rules(workbook(BASE, two_krs(kpi_id="k0"), kpis))
    assert "OKR009" not in rules(workbook(BASE, two_krs(kpi_id="k0"), kpis[:15]))


def test_start_equals_target_is_an_error() -> None:
    krs = [dict(two_krs()[0], kr_type="at_least", start=5.0, target=5.0), two_krs()[1]]
    found = lint.lint(workbook(BASE, krs), "2026-Q3", "2026-09-30")
    assert found.iloc[0]["rule"] == "OKR010" and found.iloc[0]["severity"] == "error"  # errors sort first
    assert "OKR010" not in rules(workbook(BASE, two_krs()))


def test_every_rule_has_a_fix_and_the_sample_has_the_documented_findings(sample) -> None:
    assert all(rule.fix and rule.check for rule in lint.RULES.values())
    found = lint.lint(sample, "2026-Q4")
    documented = {("OKR002", "ops-26q4-cost"), ("OKR003", "prod-26q4-adoption"), ("OKR004", "mkt-26q4-brand")}
    assert documented <= set(zip(found["rule"], found["objective_id"], strict=True))
    assert ("OKR008", "partner_leads") in set(zip(found["rule"], found["kpi_id"], strict=True))
    assert not (found["severity"] == "error").any()


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_cli_prints_findings_and_exits_1_only_on_errors(fmt: str, tmp_path) -> None:
    done = run_okrlib("lint", "--data", str(SAMPLE), "--quarter", "2026-Q4", "--format", fmt)
    assert done.returncode == 0, done.stderr
    if fmt == "json":
        records = json.loads(done.stdout)
        assert {r["rule"] for r in records} >= {"OKR002", "OKR003", "OKR004", "OKR008"}
        assert records[0]["quarter"] == "2026-Q4"
    else:
        assert "OKR003" in done.stdout and done.stdout.strip().endswith("info(s)")
    data = tmp_path / "data"
    data.mkdir()
    for path in SAMPLE.glob("*.csv"):
        (data / path.name).write_text(path.read_text())
    okrs = (data / "okrs.csv").read_text().replace(",at_least,,90,", ",at_least,90,90,")
    (data / "okrs.csv").write_text(okrs)
    failing = run_okrlib("lint", "--data", str(data), "--format", fmt)
    assert failing.returncode == 1 and "OKR010" in failing.stdout
