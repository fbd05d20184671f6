"""Forecast odds, confidence calibration and grade distributions: by hand and by simulation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from okrlib.analysis import review
from okrlib.presentation._sentences import calibration_sentences, grade_sentences


def test_prediction_interval_by_hand() -> None:
    days = pd.Series([0.0, 10, 20, 30])
    values = pd.Series([1.0, 3, 2, 5])
    odds = review.trend_odds(days, values, pd.Series(["k"] * 4), 40.0).loc["k"]
    slope, intercept = np.polyfit(days, values, 1)
    residuals = values - (intercept + slope * days)
    s = np.sqrt((residuals**2).sum() / 2)
    se = s * np.sqrt(1 + 1 / 4 + (40 - 15) ** 2 / 500)  # Sxx = 15^2 + 5^2 + 5^2 + 15^2
    t = stats.t.ppf(0.9, 2)
    assert odds["projected_value"] == pytest.approx(intercept + slope * 40)
    assert odds["low"] == pytest.approx(intercept + slope * 40 - t * se)
    assert odds["high"] == pytest.approx(intercept + slope * 40 + t * se)
    above = review.reach_probability(
        pd.Series([odds["projected_value"]]),
        pd.Series([se]),
        pd.Series([2]),
        pd.Series([5.0]),
        pd.Series([True]),
    )
    assert above.iloc[0] == pytest.approx(1 - stats.t.cdf((5 - odds["projected_value"]) / se, 2))
    below = review.reach_probability(
        pd.Series([odds["projected_value"]]),
        pd.Series([se]),
        pd.Series([2]),
        pd.Series([5.0]),
        pd.Series([False]),
    )
    assert below.iloc[0] == pytest.approx(1 - above.iloc[0])


def test_interval_coverage_and_probability_calibration_on_500_seeds() -> None:
    rng = np.random.default_rng(2026)
    seeds, checkins, horizon = 500, 8, 91.0
    days = np.tile(np.arange(checkins) * 7.0 + 3, seeds)
    keys = np.repeat(np.arange(seeds), checkins)
    slope = rng.uniform(0.5, 1.5, seeds)
    noise = rng.uniform(2, 8, seeds)
    truth = slope[keys] * days + rng.normal(0, noise[keys])
    odds = review.trend_odds(pd.Series(days), pd.Series(truth), pd.Series(keys), horizon)
    end_value = slope * horizon + rng.normal(0, noise)  # the true value at the quarter's end
    covered = (odds["low"].to_numpy() <= end_value) & (end_value <= odds["high"].to_numpy())
    assert 0.70 <= covered.mean() <= 0.90, covered.mean()
    target = pd.Series(90.0 + rng.normal(0, 10, seeds))
    probability = review.reach_probability(
        odds["projected_value"],
        odds["se"],
        odds["checkins_used"] - 2,
        target,
        pd.Series(True, index=odds.index),
    )
    hit = end_value >= target.to_numpy()
    assert abs(probability.mean() - hit.mean()) <= 0.05, (probability.mean(), hit.mean())


def test_forecast_odds_on_the_sample(sample) -> None:
    odds = review.forecast_odds(sample, "2026-Q4")
    assert set(odds["kr_type"]) <= {"increase", "decrease", "milestone"}
    assert (odds["checkins_used"] >= 3).all()
    assert odds["probability"].between(0, 1).all() and (odds["low"] <= odds["high"]).all()
    early = review.forecast_odds(sample, "2026-Q4", "2026-10-20")  # two Friday check-ins so far
    assert early.empty


def graded(rows: list[tuple[str, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "kr_id": [f"k{i}" for i in range(len(rows))],
            "quarter": pd.Period("2026Q1", "Q"),
            "team": [r[0] for r in rows],
            "progress": [r[2] for r in rows],
            "confidence": [r[1] for r in rows],
            "done": [float(r[2] >= 1) for r in rows],
        }
    )


def test_calibration_by_hand() -> None:
    rows = [("Sales", 0.9, 1.0)] * 4 + [("Sales", 0.9, 0.5)] * 6 + [("Ops", 0.1, 0.0), ("Ops", 1.0, 1.0)]
    scores, bands = review.calibration(graded(rows))
    scores = scores.set_index("team")
    # Sales: 4 x (0.9 - 1)^2 + 6 x (0.9 - 0)^2 over 10
    assert scores.loc["Sales", "brier"] == pytest.approx((4 * 0.01 + 6 * 0.81) / 10)
    assert scores.loc["Sales", "top_krs"] == 10 and scores.loc["Sales", "top_hit_rate"] == pytest.approx(0.4)
    said = dict(zip(scores.index, calibration_sentences(scores.reset_index()), strict=True))
    assert said["Sales"] == (
        "Sales' 80%-confident key results were achieved 40% of the time (10 key results; Brier score 0.49)."
    )
    assert np.isnan(scores.loc["Ops", "brier"])  # 2 graded: no score
    assert said["Ops"] == "Ops has 2 graded key results; 10 are needed for a calibration score."
    assert scores.loc["All teams", "graded"] == 12
    bands = bands.set_index(["team", "band"])
    assert bands.loc[("Ops", "0.8-1.0"), "krs"] == 1  # confidence 1.0 falls in the top band
    assert bands.loc[("Ops", "0-0.2"), "hit_rate"] == 0.0
    assert bands.loc[("Sales", "0.8-1.0"), "hit_rate"] == pytest.approx(0.4)


def test_mid_quarter_confidence_is_the_latest_on_or_before_the_midpoint(sample) -> None:
    frame = review.graded_confidence(sample).set_index("kr_id")
    checkins = sample.checkins[sample.checkins["kr_id"] == "sales-26q3-pipeline-kr2"].set_index("date")
    # 2026-Q3 has 92 days: the midpoint is 2026-07-01 + 46 days = 2026-08-16
    expected = checkins.loc[:"2026-08-16", "confidence"].dropna().iloc[-1]
    assert frame.loc["sales-26q3-pipeline-kr2", "confidence"] == expected
    # each quarter at its own midpoint: 2025-Q4's is 2025-10-01 + 46 days = 2025-11-16
    checkins = sample.checkins[sample.checkins["kr_id"] == "co-25q4-growth-kr1"].set_index("date")
    expected = checkins.loc[:"2025-11-16", "confidence"].dropna().iloc[-1]
    assert frame.loc["co-25q4-growth-kr1", "confidence"] == expected != checkins["confidence"].iloc[-1]
    assert set(frame["quarter"].astype(str)) == {"2025Q4", "2026Q1", "2026Q2", "2026Q3"}  # ended only


def test_grade_distribution_flags(sample) -> None:
    grades, teams, missed = review.grade_distribution(sample)
    teams = teams.set_index("team")
    aspirational = grades[(grades["commitment"] == "aspirational") & (grades["team"] == "Operations")]
    per_quarter = aspirational.groupby("quarter")["grade"].mean()
    assert teams.loc["Operations", "mean_aspirational_grade"] == pytest.approx(per_quarter.mean())
    assert (teams.loc["Operations", "flag"] == "too_safe") == (
        (per_quarter >= 0.9).sum() > len(per_quarter) / 2
    )
    assert (missed["commitment"] == "committed").all() and (missed["grade"] < 1).all()
    said = grade_sentences(teams.reset_index())
    assert len(said) == len(teams) and all("aspirational objectives averaged" in line for line in said)


def test_grade_flag_rules_by_hand(monkeypatch) -> None:
    frame = pd.DataFrame(
        {
            "quarter": pd.PeriodIndex(["2026Q1", "2026Q2", "2026Q3"] * 2, freq="Q"),
            "team": ["Safe"] * 3 + ["Far"] * 3,
            "objective_id": list("abcdef"),
            "objective": list("abcdef"),
            "commitment": "aspirational",
            "grade": [0.9, 1.0, 0.5, 0.2, 0.3, 0.8],
        }
    )
    monkeypatch.setattr(review, "ended_quarters", lambda wb: ["q"])
    monkeypatch.setattr(review, "final_objective_progress", lambda wb, quarters: frame)
    _, teams, _ = review.grade_distribution(None)
    teams = teams.set_index("team")
    assert teams.loc["Safe", "flag"] == "too_safe" and teams.loc["Far", "flag"] == "too_far"
    assert teams.loc["Safe", "in_sweet_spot"] == 0.0
