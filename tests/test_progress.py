"""Progress engine: every rule against hand-computed values (tests/data/progress)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import okrlib
from okrlib.analysis import progress

FIXTURE = Path(__file__).parent / "data" / "progress"
AS_OF = "2026-08-15"  # 46 of 2026-Q3's 92 days: expected progress 0.5


@pytest.fixture(scope="module")
def wb() -> okrlib.Workbook:
    return okrlib.load_workbook(FIXTURE)


@pytest.fixture(scope="module")
def krs(wb) -> pd.DataFrame:
    return progress.kr_progress(wb, "2026-Q3", AS_OF).set_index("kr_id")


# --- expected progress -------------------------------------------------------------


@pytest.mark.parametrize(
    ("quarter", "as_of", "expected"),
    [
        ("2026-Q3", "2026-08-15", 46 / 92),
        ("2026-Q3", "2026-07-01", 1 / 92),  # the first day counts
        ("2026-Q3", "2026-09-30", 1.0),
        ("2026-Q3", "2026-06-30", 0.0),  # before the quarter
        ("2026-Q3", "2027-01-15", 1.0),  # after it
        ("2026-Q1", "2026-02-28", 59 / 90),
        ("2028-Q1", "2028-02-29", 60 / 91),  # leap year: 91 days
    ],
)
def test_expected_progress(quarter: str, as_of: str, expected: float) -> None:
    assert progress.expected_progress(quarter, as_of) == pytest.approx(expected)


# --- current value, progress and status -----------------------------------------


def test_current_value_is_the_latest_checkin_on_or_before_as_of(krs) -> None:
    row = krs.loc["k_inc"]
    assert (row["current"], row["current_source"], row["current_date"]) == (
        150,
        "checkin",
        pd.Timestamp("2026-08-14"),
    )
    assert row["confidence"] == 0.6
    assert row["checkins"] == 2  # the 2026-08-20 check-in is after as_of


@pytest.mark.parametrize(
    ("kr_id", "current"),
    [("k_sum", 35.0), ("k_last", 1100.0), ("k_mean", 15.0), ("k_hold_kpi", 2.8)],
)
def test_kpi_derived_current_value_by_aggregation_rule(krs, kr_id: str, current: float) -> None:
    # sum: 10 + 20 + 5 (quarter to date; 2026-06-30 and 2026-08-16 left out)
    # last: 1100 observed 2026-08-10 (1500 comes later)
    # mean: (10 + 20) / 2 over 2026-07-19..2026-08-15 (07-18 and 08-16 outside the 28 days)
    # mean, segment emea: only 2.8 (2026-07-20) falls in the 28 days
    assert krs.loc[kr_id, "current"] == pytest.approx(current)
    assert krs.loc[kr_id, "current_source"] == "kpi"


@pytest.mark.parametrize(
    ("kr_id", "raw", "clipped", "status"),
    [
        ("k_inc", 0.5, 0.5, "on_track"),  # (150 - 100) / (200 - 100); 0.5 >= 0.5 - 0.10
        ("k_dec", -0.4, 0.0, "off_track"),  # (12 - 10) / (5 - 10): regressed, shown raw
        ("k_over", 1.5, 1.0, "done"),  # overachieved, raw kept
        ("k_mile", 0.3, 0.3, "at_risk"),  # 0.25 <= 0.3 < 0.40
        ("k_sum", 0.5, 0.5, "on_track"),
        ("k_last", 0.5, 0.5, "on_track"),
        ("k_mean", 0.5, 0.5, "on_track"),
        ("k_hold", 1.0, 1.0, "on_track"),  # 2.9 <= 3
        ("k_hold_kpi", 1.0, 1.0, "on_track"),  # 2.8 <= 3
    ],
)
def test_progress_and_status(krs, kr_id: str, raw: float, clipped: float, status: str) -> None:
    row = krs.loc[kr_id]
    assert row["raw_progress"] == pytest.approx(raw)
    assert row["progress"] == pytest.approx(clipped)
    assert row["status"] == status
    assert row["expected_progress"] == pytest.approx(0.5)


def test_no_checkin_and_no_kpi_is_no_data(krs) -> None:
    row = krs.loc["k_none"]
    assert pd.isna(row["current"]) and pd.isna(row["progress"]) and row["status"] == "no_data"


def test_hold_share_of_checkins_and_of_kpi_weeks(krs) -> None:
    assert krs.loc["k_hold", "satisfied_share"] == pytest.approx(2 / 3)  # 2.5 ok, 3.5 not, 2.9 ok
    # weekly means 2.3 (07-06, 07-08), 3.4, 2.8
    assert krs.loc["k_hold_kpi", "satisfied_share"] == pytest.approx(2 / 3)
    assert krs["satisfied_share"].drop(["k_hold", "k_hold_kpi"]).isna().all()


@pytest.mark.parametrize(
    ("value", "expected", "status"),
    [
        (0.4, 0.5, "on_track"),
        (0.399, 0.5, "at_risk"),
        (0.25, 0.5, "at_risk"),
        (0.249, 0.5, "off_track"),
        (1.0, 0.2, "done"),
        (0.0, 0.0, "on_track"),
    ],
)
def test_status_thresholds_are_inclusive(value: float, expected: float, status: str) -> None:
    result = progress.pace_status(pd.Series(["increase"]), pd.Series([value]), expected)
    assert result.iloc[0] == status


def test_tolerances_are_parameters(wb) -> None:
    strict = progress.kr_progress(wb, "2026-Q3", AS_OF, on_track_tolerance=0.0, at_risk_tolerance=0.1)
    assert strict.set_index("kr_id").loc["k_mile", "status"] == "off_track"  # 0.3 < 0.5 - 0.1


# --- objectives ---------------------------------------------------------------------


def test_objective_progress_is_weight_averaged(wb, krs) -> None:
    objectives = progress.objective_progress(wb, "2026-Q3", AS_OF).set_index("objective_id")
    # o1: (2 * 0.5 + 1 * 0 + 1 * 1) / 4
    assert objectives.loc["o1", "progress"] == pytest.approx(0.5)
    assert objectives.loc["o1", "status"] == "on_track"
    assert objectives.loc["o1", "mean_confidence"] == pytest.approx((0.6 + 0.2) / 2)
    # o2: k_none has no data and is left out; counted separately
    assert objectives.loc["o2", "progress"] == pytest.approx(0.3)
    assert objectives.loc["o2", "krs_without_data"] == 1
    assert objectives.loc["o2", "status"] == "at_risk"
    # o4: both hold KRs satisfied, neither is "done" (hold KRs are on_track at best)
    assert objectives.loc["o4", "progress"] == 1.0
    assert objectives.loc["o4", "status"] == "on_track"
    assert objectives["grade"].isna().all()  # the quarter has not ended


def test_objective_is_done_only_when_every_kr_is_done(tmp_path) -> None:
    frame = pd.DataFrame(
        {
            "objective_id": ["a", "a", "b", "b"],
            "kr_id": list("1234"),
            "weight": 1.0,
            "progress": [1.0, 1.0, 1.0, np.nan],
            "status": ["done", "done", "done", "no_data"],
            "confidence": np.nan,
            "expected_progress": 0.5,
        }
    )
    objectives = pd.DataFrame({"objective_id": ["a", "b"], "commitment": "committed"})
    result = progress.roll_up(frame, objectives).set_index("objective_id")
    assert result.loc["a", "status"] == "done"
    assert result.loc["b", "progress"] == 1.0 and result.loc["b", "status"] == "on_track"


# --- grades -----------------------------------------------------------------------


def test_grades_appear_once_the_quarter_has_ended(wb) -> None:
    krs = progress.kr_progress(wb, "2026-Q3", "2026-09-30").set_index("kr_id")
    assert krs.loc["k_inc", "expected_progress"] == 1.0
    assert krs.loc["k_inc", "grade"] == 0.9  # latest check-in 190: progress 0.9
    assert krs.loc["k_inc", "grade_band"] == "green"
    objectives = progress.objective_progress(wb, "2026-Q3", "2026-09-30").set_index("objective_id")
    # o1: (2 * 0.9 + 0 + 1) / 4 = 0.7 -> grade 0.7, green; committed below 1.0: missed
    assert objectives.loc["o1", "grade"] == pytest.approx(0.7)
    assert objectives.loc["o1", "grade_band"] == "green"
    assert bool(objectives.loc["o1", "missed_commitment"]) and not bool(objectives.loc["o1", "success"])
    # o2: milestone 0.3 -> red; aspirational, not a success
    assert objectives.loc["o2", "grade_band"] == "red"
    assert not bool(objectives.loc["o2", "success"])


def test_an_ended_quarter_has_final_states_not_pace(wb) -> None:
    krs = progress.kr_progress(wb, "2026-Q3", "2026-09-30").set_index("kr_id")
    # k_inc 0.9, k_dec 0.4 (12 from 10 towards 5 is -0.4, clipped 0), k_mile 0.3: missed;
    # k_over 15 of 10: done; k_none has no value: no_data
    assert krs.loc[["k_inc", "k_dec", "k_mile"], "status"].tolist() == ["missed"] * 3
    assert krs.loc["k_over", "status"] == "done" and krs.loc["k_none", "status"] == "no_data"
    assert not krs["status"].isin(["on_track", "at_risk", "off_track"]).any()
    objectives = progress.objective_progress(wb, "2026-Q3", "2026-09-30").set_index("objective_id")
    assert objectives.loc["o1", "status"] == "missed"  # k_over done, the others not
    assert set(objectives["status"]) <= set(progress.FINAL_STATUSES)


def test_a_snapshot_flags_missed_key_results_of_committed_objectives(wb) -> None:
    snap = okrlib.quarter_snapshot(wb, "2026-Q3", "2026-09-30")
    krs = snap.key_results.set_index("kr_id")
    assert krs.loc[["k_inc", "k_dec"], "missed_commitment"].all()  # o1 is committed
    assert not krs.loc["k_over", "missed_commitment"]  # done
    assert not krs.loc["k_mile", "missed_commitment"]  # o2 is aspirational
    assert snap.headline["expected_progress"] is None and snap.headline["ended"]
    assert "objectives_on_track" not in snap.headline and "objectives_missed" in snap.headline


@pytest.mark.parametrize(
    ("value", "expected_grade", "band"),
    [
        (0.65, 0.7, "green"),
        (0.649, 0.6, "yellow"),
        (0.35, 0.4, "yellow"),
        (0.34, 0.3, "red"),
        (1.0, 1.0, "green"),
        (0.0, 0.0, "red"),
    ],
)
def test_grade_rounds_half_up_and_bands(value: float, expected_grade: float, band: str) -> None:
    grades = progress.grade(pd.Series([value]))
    assert grades.iloc[0] == pytest.approx(expected_grade)
    assert progress.grade_band(grades).iloc[0] == band


def test_aspirational_success_at_point_seven(wb) -> None:
    frame = pd.DataFrame(
        {
            "objective_id": ["a"],
            "kr_id": ["1"],
            "weight": 1.0,
            "progress": [0.66],
            "status": ["off_track"],
            "confidence": np.nan,
            "expected_progress": 1.0,
        }
    )
    result = progress.roll_up(
        frame, pd.DataFrame({"objective_id": ["a"], "commitment": ["aspirational"]}), ended=True
    )
    assert result.loc[0, "grade"] == 0.7 and bool(result.loc[0, "success"])


# --- forecast ------------------------------------------------------------------------


def test_forecast_is_a_least_squares_line_to_quarter_end(wb) -> None:
    result = progress.forecast(wb, "2026-Q3", AS_OF).set_index("kr_id")
    assert list(result.index) == ["k_inc", "k_hold"]  # two or more check-ins up to as_of
    # (day 9, 120) and (day 44, 150): slope 30/35 per day; Sep 30 is day 91
    assert result.loc["k_inc", "slope_per_day"] == pytest.approx(30 / 35)
    assert result.loc["k_inc", "projected_value"] == pytest.approx(120 + 82 * 30 / 35)
    assert result.loc["k_inc", "projected_raw_progress"] == pytest.approx((120 + 82 * 30 / 35 - 100) / 100)
    # hold KR: fit through (9, 2.5), (23, 3.5), (37, 2.9), projected to day 91, then the hold rule
    x, y = np.array([9, 23, 37.0]), np.array([2.5, 3.5, 2.9])
    slope, intercept = np.polyfit(x, y, 1)
    assert result.loc["k_hold", "projected_value"] == pytest.approx(intercept + slope * 91)
    assert result.loc["k_hold", "projected_progress"] == float(intercept + slope * 91 <= 3)


# --- roll-ups and alignment ------------------------------------------------------------


def test_team_and_company_summary(wb) -> None:
    snap = okrlib.quarter_snapshot(wb, "2026-Q3", AS_OF)
    teams = snap.teams.set_index("team")
    assert list(teams.index) == ["Company", "Sales"]
    assert teams.loc["Sales", "objectives"] == 3
    assert teams.loc["Sales", "mean_progress"] == pytest.approx((0.3 + 0.5 + 1.0) / 3)
    assert teams.loc["Sales", "krs_no_data"] == 1 and teams.loc["Sales", "krs_on_track"] == 5
    assert teams.loc["Company", "mean_confidence"] == pytest.approx((0.6 + 0.2) / 2)
    company = snap.company.iloc[0]
    assert company["team"] == "All teams" and company["objectives"] == 4 and company["krs"] == 10
    assert company["mean_progress"] == pytest.approx((0.5 + 0.3 + 0.5 + 1.0) / 4)


def test_alignment_tree_orders_parents_before_children(wb) -> None:
    snap = okrlib.quarter_snapshot(wb, "2026-Q3", AS_OF)
    tree = snap.alignment
    assert tree["objective_id"].tolist() == ["o1", "o2", "o4", "o3"]
    assert tree["depth"].tolist() == [0, 1, 2, 1]
    assert tree.set_index("objective_id").loc["o4", "path"] == "Grow › Ship › Hold the line"
    o1 = tree.set_index("objective_id").loc["o1"]
    assert o1["children"] == 2 and o1["children_mean_progress"] == pytest.approx((0.3 + 0.5) / 2)


def test_team_snapshot_keeps_team_rows_and_their_ancestors(wb) -> None:
    snap = okrlib.quarter_snapshot(wb, "2026-Q3", AS_OF, team="Sales")
    assert set(snap.objectives["objective_id"]) == {"o2", "o3", "o4"}
    assert set(snap.key_results["team"]) == {"Sales"}
    assert snap.alignment["objective_id"].tolist() == ["o1", "o2", "o4", "o3"]
    assert snap.headline["objectives"] == 3 and snap.headline["mean_grade"] is None


def test_default_as_of_is_quarter_end_or_latest_data(wb, sample) -> None:
    assert okrlib.quarter_snapshot(wb, "2026-Q3").as_of == pd.Timestamp("2026-08-20")
    assert okrlib.quarter_snapshot(sample, "2026-Q3").as_of == pd.Timestamp("2026-09-30")
    snap = okrlib.quarter_snapshot(sample)
    assert str(snap.quarter) == "2026Q4" and snap.as_of == pd.Timestamp("2026-11-20")


def test_as_of_before_the_quarter(wb) -> None:
    krs = progress.kr_progress(wb, "2026-Q3", "2026-06-30").set_index("kr_id")
    assert (krs["expected_progress"] == 0).all()
    assert pd.isna(krs.loc["k_inc", "current"])
    assert krs.loc["k_last", "current_source"] != "checkin"


def test_quarter_without_okrs_gives_empty_frames(wb) -> None:
    snap = okrlib.quarter_snapshot(wb, "2030-Q1", "2030-02-01")
    for frame in (snap.key_results, snap.objectives, snap.forecast, snap.alignment, snap.teams):
        assert frame.empty
    assert "progress" in snap.objectives.columns and "status" in snap.key_results.columns


def test_kpi_readings_only_for_key_results_without_a_check_in(wb, sample) -> None:
    # every key result of the sample's 2026-Q3 has a check-in: no KPI is read, same columns
    with_checkins = progress.current_values(sample, "2026-Q3")
    some_from_kpis = progress.current_values(wb, "2026-Q3", AS_OF)
    assert set(with_checkins["current_source"]) == {"checkin"}
    assert set(some_from_kpis["current_source"].dropna()) == {"checkin", "kpi"}
    assert with_checkins.dtypes.to_dict() == some_from_kpis.dtypes.to_dict()


def test_kr_progress_is_computed_once_per_workbook_and_cannot_be_changed_by_a_caller(wb, monkeypatch) -> None:
    first = progress.kr_progress(wb, "2026-Q3", "2026-07-20")
    # k_inc on 2026-07-20: its 2026-07-10 check-in of 120, (120 - 100) / (200 - 100)
    assert first.loc[0, ["kr_id", "current", "progress"]].tolist() == ["k_inc", 120, pytest.approx(0.2)]
    kept = first.copy(deep=True)
    first.loc[0, "progress"] = 99.0  # the caller's copy only
    monkeypatch.setattr(progress, "current_values", lambda *args: pytest.fail("computed again"))
    again = progress.kr_progress(wb, "2026-Q3", "2026-07-20")
    assert again is not first and again.loc[0, "progress"] == pytest.approx(0.2)
    pd.testing.assert_frame_equal(again, kept)  # the kept result, as first computed


def two_quarters(tmp_path: Path) -> okrlib.Workbook:
    """The fixture plus a copy of its OKRs in 2026-Q2 (ids prefixed ``q2_``, first in the
    file), whose KPI key results read the KPIs at 2026-06-30 instead, and a few check-ins."""
    for name in ("kpis.csv", "kpi_history.csv"):
        (tmp_path / name).write_text((FIXTURE / name).read_text())
    okrs = pd.read_csv(FIXTURE / "okrs.csv", dtype=str, keep_default_na=False)
    earlier = okrs.assign(quarter="2026-Q2")
    for column in ("objective_id", "parent_objective_id", "kr_id"):
        earlier[column] = ("q2_" + earlier[column]).where(earlier[column] != "", "")
    pd.concat([earlier, okrs]).to_csv(tmp_path / "okrs.csv", index=False)
    checkins = (FIXTURE / "checkins.csv").read_text() + (
        "q2_k_inc,2026-05-01,140,0.7,\n"
        "q2_k_inc,2026-07-15,180,0.9,after the quarter\n"
        "q2_k_dec,2026-03-20,11,,before the quarter\n"
        "q2_k_hold,2026-06-01,4,,\n"
        "k_over,2026-06-20,3,,in Q2 for a Q3 key result\n"
    )
    (tmp_path / "checkins.csv").write_text(checkins)
    return okrlib.load_workbook(tmp_path)


def test_final_progress_of_several_quarters_is_each_quarter_on_its_last_day(tmp_path: Path) -> None:
    wb = two_quarters(tmp_path)
    quarters = ["2026-Q3", "2026-Q2"]  # not in calendar order: the rows follow the order given
    one_by_one = [progress.kr_progress(wb, q, okrlib.quarter_bounds(q)[1]) for q in quarters]
    together = progress.final_kr_progress(wb, quarters)
    pd.testing.assert_frame_equal(together, pd.concat(one_by_one, ignore_index=True))
    # each quarter reads its KPIs on its own last day: signups (sum) to date are 100 in Q2
    # (2026-06-30) and 10 + 20 + 5 + 1000 in Q3; MRR (last) has no observation by 2026-06-30
    by_id = together.set_index("kr_id")
    assert (by_id.loc["q2_k_sum", "current"], by_id.loc["k_sum", "current"]) == (100, 1035)
    assert np.isnan(by_id.loc["q2_k_last", "current"]) and by_id.loc["k_last", "current"] == 1500
    # check-ins count up to each quarter's own last day, and from its own first day
    assert by_id.loc["q2_k_inc", ["current", "checkins"]].tolist() == [140, 1]
    assert by_id.loc["q2_k_dec", ["current", "checkins"]].tolist() == [11, 0]
    assert by_id.loc["k_over", ["current", "checkins"]].tolist() == [15, 1]
    objectives = [progress.objective_progress(wb, q, okrlib.quarter_bounds(q)[1]) for q in quarters]
    pd.testing.assert_frame_equal(
        progress.final_objective_progress(wb, quarters), pd.concat(objectives, ignore_index=True)
    )


# --- properties --------------------------------------------------------------------------

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@given(
    start=finite,
    delta=st.floats(min_value=1e-3, max_value=1e6),
    value=finite,
    kr_type=st.sampled_from(["increase", "decrease", "milestone", "at_least", "at_most"]),
)
def test_progress_is_always_between_zero_and_one(start, delta, value, kr_type) -> None:
    target = start + delta if kr_type != "decrease" else start - delta
    _, clipped = progress.progress_of(
        pd.Series([kr_type]), pd.Series([start]), pd.Series([target]), pd.Series([value])
    )
    assert 0.0 <= clipped.iloc[0] <= 1.0


@given(
    start=finite,
    delta=st.floats(min_value=1e-3, max_value=1e6),
    value=finite,
    step=st.floats(min_value=0, max_value=1),
    kr_type=st.sampled_from(["increase", "decrease"]),
)
def test_moving_towards_target_never_lowers_progress(start, delta, value, step, kr_type) -> None:
    target = start + delta if kr_type == "increase" else start - delta
    closer = value + step * (target - value)
    series = pd.Series([kr_type] * 2)
    _, clipped = progress.progress_of(
        series, pd.Series([start] * 2), pd.Series([target] * 2), pd.Series([value, closer])
    )
    # (value - start) / (target - start) rounds: at start -4e5 and a step of 1 to 1 - 1e-10
    assert clipped.iloc[1] >= clipped.iloc[0] - 1e-9


@given(st.lists(st.tuples(st.floats(0, 1), st.floats(0.01, 100)), min_size=1, max_size=8))
def test_objective_progress_lies_between_its_krs(pairs) -> None:
    values = [p for p, _ in pairs]
    frame = pd.DataFrame(
        {
            "objective_id": "a",
            "kr_id": [str(i) for i in range(len(pairs))],
            "progress": values,
            "weight": [w for _, w in pairs],
            "status": "on_track",
            "confidence": np.nan,
            "expected_progress": 0.5,
        }
    )
    result = progress.roll_up(frame, pd.DataFrame({"objective_id": ["a"], "commitment": ["committed"]}))
    assert min(values) - 1e-9 <= result.loc[0, "progress"] <= max(values) + 1e-9


def test_fit_lines_by_hand() -> None:
    from okrlib.analysis._trend import fit_lines

    keys = pd.Series(["b", "a", "a", "a", "c", "c"], dtype="str")
    days = pd.Series([5, 0, 1, 2, 0, 2])
    values = pd.Series([7.0, 1.0, 3.0, 5.5, 4.0, 0.0])
    lines = fit_lines(days, values, keys)
    assert lines.index.tolist() == ["a", "b", "c"]
    # a: mean day 1, mean value 19/6; sxy = (-1)(1 - 19/6) + (1)(5.5 - 19/6) = 4.5, sxx = 2
    assert lines.loc["a", "n"] == 3 and lines.loc["a", "sxx"] == 2.0
    assert lines.loc["a", "slope"] == pytest.approx(2.25)
    assert lines.loc["a", "intercept"] == pytest.approx(19 / 6 - 2.25)
    # residuals 1 - 0.9167, 3 - 3.1667, 5.5 - 5.4167: (1/12, -1/6, 1/12) -> sse 1/24
    assert lines.loc["a", "sse"] == pytest.approx(1 / 24)
    assert lines.loc["b", "n"] == 1 and np.isnan(lines.loc["b", "slope"]) and lines.loc["b", "sse"] == 0
    assert lines.loc["c", "slope"] == pytest.approx(-2.0)
    assert lines.loc["c", "intercept"] == pytest.approx(4.0)
