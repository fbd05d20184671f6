"""What changed and what needs attention: the rules of okrlib.analysis.changes by hand-computed values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import okrlib
from okrlib.analysis import changes

FIXTURE = Path(__file__).parent / "data" / "progress"


@pytest.fixture(scope="module")
def wb() -> okrlib.Workbook:
    return okrlib.load_workbook(FIXTURE)


def test_latest_and_previous_check_in_up_to_as_of(wb) -> None:
    krs = wb.key_results["kr_id"]
    latest = changes.latest_checkins(wb.checkins, krs, "2026-08-15")
    # k_inc: 07-10 (120, 0.5), 08-14 (150, 0.6); the 08-20 check-in is after as_of
    assert latest.loc["k_inc", "last_checkin_date"] == pd.Timestamp("2026-08-14")
    assert latest.loc["k_inc", "last_value"] == 150 and latest.loc["k_inc", "previous_value"] == 120
    assert latest.loc["k_inc", "last_confidence"] == 0.6
    assert latest.loc["k_inc", "previous_confidence"] == 0.5
    assert pd.isna(latest.loc["k_dec", "previous_value"])  # a single check-in
    assert latest.loc["k_hold", "previous_checkin_date"] == pd.Timestamp("2026-07-24")
    assert "k_none" not in latest.index


def test_changes_since_the_previous_check_in_and_review(wb) -> None:
    snap = okrlib.quarter_snapshot(wb, "2026-Q3", "2026-08-15")
    assert snap.since == pd.Timestamp("2026-08-01")  # 14 days before as_of
    k_inc = snap.key_results.set_index("kr_id").loc["k_inc"]
    # progress now (150 - 100) / 100 = 0.5; at the previous check-in 120: 0.2
    assert k_inc["progress_change_checkin"] == pytest.approx(0.3)
    assert k_inc["confidence_change_checkin"] == pytest.approx(0.1)
    # on 08-01 the latest check-in was 07-10's: progress 0.2, confidence 0.5
    assert k_inc["progress_change_since"] == pytest.approx(0.3)
    assert k_inc["confidence_change_since"] == pytest.approx(0.1)
    later = okrlib.quarter_snapshot(wb, "2026-Q3", "2026-08-15", since="2026-08-14")
    assert later.key_results.set_index("kr_id").loc["k_inc", "progress_change_since"] == 0


def _krs(**columns) -> pd.DataFrame:
    base = {
        "kr_id": ["a", "b", "c", "d", "e"],
        "key_result": list("ABCDE"),
        "commitment": ["committed", "committed", "aspirational", "aspirational", "aspirational"],
        "status": ["off_track", "on_track", "on_track", "done", "at_risk"],
        "progress": [0.1, 0.6, 0.5, 1.0, 0.3],
        "missed_commitment": [False] * 5,
        "confidence_change_checkin": [np.nan, -0.1, 0.0, -0.3, 0.05],
        "last_checkin_date": pd.to_datetime(["2026-08-10", "2026-08-14", "2026-07-01", None, "2026-08-12"]),
        "kpi_id": [None, None, None, None, "mrr"],
        "segment": [None, None, None, None, "emea"],
    }
    return pd.DataFrame({**base, **columns})


def test_needs_attention_lists_each_reason_most_reasons_first() -> None:
    worsened = pd.DataFrame({"kpi_id": ["mrr", "cac"], "segment": ["emea", "all"]})
    result = changes.needs_attention(_krs(), worsened, "2026-08-15", ended=False)
    reasons = dict(zip(result["kr_id"], result["reasons"], strict=True))
    assert reasons == {
        "a": ("committed_behind",),  # committed and off track; checked in 5 days ago
        "b": ("confidence_drop",),  # exactly 0.1 lower
        "c": ("stale",),  # 45 days without a check-in
        "e": ("kpi_worsened",),  # mrr/emea worsened
    }  # d is done: neither its confidence drop nor its missing check-in matter
    assert result["kr_id"].tolist()[:2] == ["a", "b"]  # one reason each: committed first
    assert result.set_index("kr_id").loc["c", "days_since_checkin"] == 45


def test_needs_attention_once_ended_lists_missed_commitments_only() -> None:
    krs = _krs(missed_commitment=[True, False, False, False, False], status=["missed"] * 5)
    result = changes.needs_attention(krs, pd.DataFrame(columns=["kpi_id", "segment"]), "2026-09-30", True)
    assert result["kr_id"].tolist() == ["a"] and result.loc[0, "reasons"] == ("missed_commitment",)


def test_cut_at_keeps_nothing_dated_after_as_of(sample) -> None:
    cut = okrlib.cut_at(sample, "2026-09-30")
    assert cut.kpi_history["date"].max() <= pd.Timestamp("2026-09-30")
    assert cut.checkins["date"].max() <= pd.Timestamp("2026-09-30")
    assert [str(q) for q in cut.quarters][-1] == "2026Q3"  # 2026-Q4 starts later
    assert not cut.findings["subject"].isin(sample.key_results.query("quarter == '2026Q4'")["kr_id"]).any()
    assert cut.as_of == pd.Timestamp("2026-09-30") and sample.as_of is None
    # the rows kept are the loaded ones, line numbers (the index) included
    kept = sample.kpi_history[sample.kpi_history["date"] <= "2026-09-30"]
    pd.testing.assert_frame_equal(cut.kpi_history, kept)


def test_findings_of_a_view_are_scoped_to_its_quarter_or_marked_workbook_wide(sample) -> None:
    full = okrlib.quarter_snapshot(sample, "2026-Q4", "2026-11-20")
    assert set(full.findings["scope"]) <= {"quarter", "workbook"}
    quarter_krs = set(full.key_results["kr_id"])
    about_krs = full.findings[full.findings["scope"] == "quarter"]
    assert set(about_krs["subject"]) <= quarter_krs
    assert len(about_krs) > 0  # the sample's 2026-Q4 has key results without check-ins
