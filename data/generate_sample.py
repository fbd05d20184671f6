"""Generate the sample workbook for a fictional SaaS company, "Northwind Cloud".

Seeded and deterministic: running it twice writes byte-identical files.

    python data/generate_sample.py [--out data]

Everything is declared in the tables below: the KPIs and how their history is simulated
(``KPIS``), the effects planted in it (``EFFECTS``; ``NULLS`` and ``MONTHLY`` name the key
results whose KPI did not move), the teams (``TEAMS``) and their objectives and key results
(``OBJECTIVES``). A few short functions turn the tables into the four CSV files.
``data/README.md`` says what is true in the data; tests check that the impact analysis finds it.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, fields
from itertools import accumulate
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

SEED = 20261124
HISTORY_START = pd.Timestamp("2024-07-01")
HISTORY_END = pd.Timestamp("2026-11-20")
QUARTERS = pd.period_range("2025Q4", "2026Q4", freq="Q")
REGIONS = {"americas": 0.5, "emea": 0.32, "apac": 0.18}  # segment: its share of a sum or last KPI
UP, DOWN = "higher_is_better", "lower_is_better"


@dataclass(frozen=True)
class Kpi:
    """A KPI's definition (kpis.csv) and the model of its history: level at the start, trend
    per year, yearly seasonality amplitude and the sd of its AR(1) noise (phi 0.5)."""

    kpi_id: str
    name: str
    unit: str
    direction: str
    aggregation: str
    kind: str
    owner: str
    target: float | None
    warn_threshold: float | None
    critical_threshold: float | None
    freq: str  # "D" daily, "W-MON" weekly on Mondays, "MS" monthly
    level: float
    trend: float
    season: float
    noise: float
    digits: int = 2  # decimals kept in kpi_history.csv
    regions: bool = False  # one series per region plus the `all` series
    counts: bool = False  # whole numbers, never below zero
    stops: str | None = None  # last day the feed reported (a stale KPI for the OKR lint)


@dataclass(frozen=True)
class Effect:
    """A level change written into a KPI's history from a quarter start; it stays."""

    kpi_id: str
    segment: str  # "all" shifts every segment
    start: str
    change: float


# fmt: off
KPIS = (
    Kpi("mrr", "Monthly recurring revenue", "$", UP, "last", "lagging", "Sales", 2_600_000, 2_300_000,
        2_000_000, "D", 1_650_000, 420_000, 0, 6_000, digits=0, regions=True),
    Kpi("new_customers", "New customers", "customers", UP, "sum", "lagging", "Sales", None, None, None,
        "D", 9, 2.0, 1.5, 2.5, digits=0, counts=True),
    Kpi("churn_rate", "Monthly churn rate", "%", DOWN, "mean", "lagging", "Customer Success", 2.0, 2.6, 3.2,
        "W-MON", 2.6, -0.15, 0, 0.12),
    Kpi("cac", "Customer acquisition cost", "$", DOWN, "mean", "lagging", "Marketing", 1_100, 1_300, 1_500,
        "W-MON", 1_350, -60, 40, 35, digits=0),
    Kpi("website_conversion_rate", "Website conversion rate", "%", UP, "mean", "leading", "Marketing",
        3.5, 2.8, 2.4, "D", 2.9, 0.1, 0, 0.35, regions=True),
    Kpi("customer_retention", "Customer retention rate", "%", UP, "mean", "lagging", "Customer Success",
        92, 89, 86, "W-MON", 89.5, 0.8, 0.5, 0.5),
    Kpi("email_open_rate", "Email open rate", "%", UP, "mean", "leading", "Marketing", 26, 22, 19,
        "W-MON", 25.0, 0.3, 0, 0.7),
    Kpi("on_time_delivery_rate", "On-time delivery rate", "%", UP, "mean", "lagging", "Operations",
        95, 90, 85, "W-MON", 87.5, 0.4, 0, 1.0),
    Kpi("support_response_time", "Support first-response time", "hours", DOWN, "mean", "leading",
        "Customer Success", 6, 10, 14, "D", 12.5, -0.3, 0, 1.6),
    Kpi("onboarding_time", "Onboarding time", "days", DOWN, "mean", "leading", "Operations", 10, 14, 18,
        "W-MON", 16.0, -1.5, 0.4, 0.5),
    Kpi("product_adoption_rate", "Product adoption rate", "%", UP, "mean", "leading", "Product", 45, 35, 30,
        "W-MON", 31.0, 6.0, 0, 0.6),
    Kpi("newsletter_subscribers", "Newsletter subscribers", "subscribers", UP, "last", "leading",
        "Marketing", 20_000, None, None, "W-MON", 9_000, 4_200, 0, 60, digits=0),
    Kpi("nps", "Net promoter score", "score", UP, "mean", "lagging", "Product", 45, 35, 25,
        "MS", 31, 4.0, 0, 2.5),
    Kpi("partner_leads", "Partner-sourced leads", "leads", UP, "sum", "leading", "Sales", 60, 40, 25,
        "W-MON", 45, 10.0, 0, 4.0, digits=0, stops="2026-08-31"),
)
# The OKR that claims each effect is the key result with the same KPI and segment that quarter.
EFFECTS = (
    Effect("email_open_rate", "all", "2025-10-01", -4.0),  # worsened
    Effect("support_response_time", "all", "2026-01-01", -3.5),  # improved
    Effect("website_conversion_rate", "emea", "2026-04-01", 0.9),  # improved, EMEA only
    Effect("on_time_delivery_rate", "all", "2026-07-01", 5.0),  # improved
)
# fmt: on
NULLS = (("churn_rate", "all", "2026-Q2"), ("product_adoption_rate", "all", "2026-Q3"))  # no effect
MONTHLY = (("nps", "all", "2026-Q3"),)  # the impact model runs on its months
KPI_BY_ID = {kpi.kpi_id: kpi for kpi in KPIS}
KPI_COLUMNS = [field.name for field in fields(Kpi)][:10]  # kpis.csv
Readings = dict[tuple[str, str], pd.Series]  # (kpi_id, segment): its history by date


def make_history(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """kpis.csv and kpi_history.csv: each KPI's trend, seasonality, AR(1) noise and effects."""
    frames = []
    for kpi in KPIS:
        dates = pd.date_range(HISTORY_START, HISTORY_END, freq=kpi.freq)
        years = ((dates - HISTORY_START).days / 365.25).to_numpy()
        base = kpi.level + kpi.trend * years + kpi.season * np.sin(2 * np.pi * (years + 0.25))
        additive = kpi.aggregation in ("sum", "last")
        per_segment = {}
        for segment, share in REGIONS.items() if kpi.regions else [("all", 1.0)]:
            shocks = rng.normal(0, kpi.noise, len(dates))
            ar = np.fromiter(accumulate(shocks, lambda prev, shock: 0.5 * prev + shock), float, len(dates))
            scale = share if additive else 1.0
            values = scale * base + ar * scale
            for effect in EFFECTS:
                if effect.kpi_id == kpi.kpi_id and effect.segment in (segment, "all"):
                    values = values + np.where(dates >= pd.Timestamp(effect.start), effect.change, 0.0)
            per_segment[segment] = np.maximum(np.round(values), 0) if kpi.counts else values
        if kpi.regions:
            combine = np.sum if additive else np.mean
            per_segment["all"] = combine(np.vstack(list(per_segment.values())), axis=0)
        for segment, values in per_segment.items():
            frame = pd.DataFrame(
                {"date": dates, "kpi_id": kpi.kpi_id, "segment": segment, "value": values.round(kpi.digits)}
            )
            frames.append(frame[frame["date"] <= pd.Timestamp(kpi.stops)] if kpi.stops else frame)
    kpis = pd.DataFrame([{column: getattr(kpi, column) for column in KPI_COLUMNS} for kpi in KPIS])
    return kpis, pd.concat(frames, ignore_index=True)


Goal = tuple[str, float, int | None]  # ("*" or "+", amount, decimals or None): target from the start
KPI = "kpi"  # as a key result's start: its KPI's reading on the day before the quarter


@dataclass(frozen=True)
class KR:
    """A key result as planned each quarter (``only`` / ``not_in`` / ``silent`` name quarters)."""

    kr_type: str
    title: str
    unit: str | None
    kpi_id: str | None = None
    start: float | str | None = None  # a number, KPI or None
    target: float | Goal | None = None
    weight: int = 1
    segment: str | None = None
    final: tuple[float, ...] = ()  # how far check-ins get (fraction of the way), by quarter ordinal % 5
    only: tuple[str, ...] = ()  # planned only in these quarters
    not_in: tuple[str, ...] = ()  # not planned in these quarters
    silent: tuple[str, ...] = ()  # no check-ins in these quarters (read from the KPI, or forgotten)

    def planned_in(self, quarter: str) -> bool:
        return (not self.only or quarter in self.only) and quarter not in self.not_in


@dataclass(frozen=True)
class Objective:
    """An objective planned every quarter; its id is ``{team prefix}-{25q4}-{key}``."""

    team: str
    key: str
    owner: str
    commitment: str | tuple[str, str]  # a pair alternates by quarter ordinal % 2
    title: str
    parent: str | None  # key of the Company objective it aligns to
    hypothesis: str | None
    krs: tuple[KR, ...]


# team: (objective id prefix, bias of its owners' confidence)
TEAMS = {"Company": ("co", 0.0), "Sales": ("sales", 0.2), "Marketing": ("mkt", 0.05),
         "Customer Success": ("cs", 0.0), "Product": ("prod", -0.05), "Operations": ("ops", 0.1)}  # fmt: skip
Q4 = ("2026-Q4",)
# fmt: off
OBJECTIVES = (
    Objective("Company", "growth", "CEO", "committed", "Grow recurring revenue efficiently", None,
              "More qualified pipeline and better conversion lift MRR (mrr).", (
        KR("increase", "Grow MRR", "$", "mrr", KPI, ("*", 1.08, -3), 2),
        KR("decrease", "Bring CAC down", "$", "cac", KPI, ("*", 0.93, 0), silent=Q4))),
    Objective("Company", "customers", "COO", "aspirational", "Make customers successful from day one", None,
              "Faster onboarding and support keep customers (customer_retention).", (
        KR("at_least", "Keep customer retention at or above 90%", "%", "customer_retention", target=90),
        KR("increase", "Raise NPS", "score", "nps", 30, 40))),
    Objective("Sales", "pipeline", "Dana Kim", "aspirational", "Build a pipeline that outgrows the plan",
              "growth", "New logos in EMEA move MRR (mrr).", (
        KR("increase", "Close new customers this quarter", "customers", "new_customers", 0, 951, 2),
        KR("increase", "Grow EMEA MRR", "$", "mrr", KPI, ("*", 1.12, -3), segment="emea"),
        KR("milestone", "Launch the partner referral programme", None, final=(1.0, 0.6, 1.0, 0.8, 0.5)))),
    Objective("Sales", "expansion", "Leo Grant", "committed", "Expand revenue from existing accounts",
              "growth", None, (
        KR("increase", "Upsell deals closed", "deals", None, 0, 40, final=(0.9, 1.05, 0.8, 1.1, 0.95)),
        KR("increase", "Expansion pipeline created", "$", None, 0, 600_000,
           final=(1.0, 0.85, 1.1, 0.9, 1.0)))),
    Objective("Marketing", "demand", "Ari Novak", "aspirational", "Generate demand we can afford", "growth",
              "Cheaper, better-converting demand lowers CAC (cac).", (
        KR("decrease", "Cut blended CAC", "$", "cac", KPI, ("*", 0.9, 0), silent=Q4),
        KR("increase", "Grow newsletter subscribers", "subscribers", "newsletter_subscribers", KPI,
           ("+", 1500, -2), silent=Q4),
        KR("increase", "Raise email open rate with a weekly digest", "%", "email_open_rate", KPI, 28,
           only=("2025-Q4",)),
        KR("increase", "Lift EMEA website conversion with localised pages", "%", "website_conversion_rate",
           KPI, ("+", 0.7, 2), 2, segment="emea", only=("2026-Q2",)))),
    Objective("Marketing", "brand", "Ari Novak", "aspirational", "Become the name analysts recommend",
              "growth", None, (
        KR("milestone", "Publish the annual benchmark report", None, final=(1.0, 0.7, 0.9, 1.0, 0.4)),
        KR("increase", "Analyst briefings held", "briefings", None, 0, 12, final=(0.75, 0.9, 0.6, 1.0, 0.7),
           not_in=Q4),
        KR("milestone", "Host the first analyst day", None, final=(0.5,) * 5, only=Q4))),  # all milestones
    Objective("Customer Success", "retain", "Sam Ortiz", ("aspirational", "committed"),
              "Keep every customer we win", "customers", "Faster answers lower churn (churn_rate).", (
        KR("at_most", "Keep monthly churn at or below 2.5%", "%", "churn_rate", target=2.5,
           not_in=("2026-Q2",)),
        KR("decrease", "Reduce monthly churn with save offers", "%", "churn_rate", KPI, ("+", -0.4, 2),
           only=("2026-Q2",)),
        KR("decrease", "Cut first-response time", "hours", "support_response_time", KPI, ("+", -3, 1), 2))),
    Objective("Customer Success", "onboard", "Mia Chen", "aspirational",
              "Onboard customers in days, not weeks", "customers",
              "Shorter onboarding drives adoption (product_adoption_rate).", (
        KR("decrease", "Cut onboarding time", "days", "onboarding_time", KPI, ("+", -2, 1)),
        KR("milestone", "Ship the self-serve onboarding checklist", None, final=(1.0, 1.0, 0.5, 0.8, 0.6)))),
    Objective("Product", "adoption", "Ravi Patel", "aspirational", "Make the core workflow a daily habit",
              "customers", "Guided workflows raise adoption (product_adoption_rate).", (
        KR("increase", "Raise product adoption rate", "%", "product_adoption_rate", KPI, ("+", 1.5, 1)),
        KR("milestone", "Release the workflow builder", None, final=(0.9, 1.0, 0.6, 1.0, 0.7)),
        KR("increase", "Lift NPS with in-app guides", "score", "nps", KPI, ("+", 5, None),
           only=("2026-Q3",)))),
    Objective("Product", "quality", "Ravi Patel", "committed", "Ship quality users notice", "customers",
              None, (
        KR("decrease", "Open P1 bugs", "bugs", None, 40, 10, final=(1.0, 0.8, 1.05, 0.9, 0.7)),
        KR("increase", "Weekly active teams", "teams", None, 1200, 1500, final=(0.7, 0.95, 0.5, 0.8, 1.1),
           silent=Q4))),  # forgotten: no check-ins and no KPI (a data-quality finding)
    Objective("Operations", "delivery", "Noor Haddad", "committed", "Deliver on time, every time",
              "customers", "Automated scheduling raises on-time delivery (on_time_delivery_rate).", (
        KR("increase", "Raise on-time delivery rate", "%", "on_time_delivery_rate", KPI, ("+", 3, 1), 2),
        KR("decrease", "Cut onboarding backlog", "accounts", None, 80, 20,
           final=(1.0, 1.0, 0.95, 1.0, 0.9)))),
    Objective("Operations", "cost", "Noor Haddad", "aspirational", "Run a lean, reliable operation", "growth",
              None, (
        KR("increase", "Automated runbooks", "runbooks", None, 10, 30, final=(1.0, 0.95, 1.0, 1.05, 0.9)),
        KR("milestone", "Migrate billing to the new platform", None, final=(1.0, 0.9, 1.0, 1.0, 0.8),
           not_in=Q4))),  # a single key result in 2026-Q4
)
# fmt: on
RETITLED = {"prod-26q4-adoption": "Reach 50% weekly adoption"}  # a number rather than an aim
NOTES = (  # (confidence at least, at most, what an owner writes)
    (0.7, 1.0, ["Ahead of plan", "Momentum is good", "Big deal signed this week"]),
    (0.0, 0.3, ["Blocked on hiring", "Vendor delay", "Scope too big; re-planning"]),
    (0.0, 1.0, ["Steady", "Some risk in the pipeline", "Waiting on legal review"]),
)


def kpi_reading(read: Readings, kpi_id: str, segment: str | None, date: pd.Timestamp) -> float:
    """What an analyst would type into a check-in for a KPI-tracked key result."""
    series, aggregation = read[(kpi_id, segment or "all")], KPI_BY_ID[kpi_id].aggregation
    if aggregation == "last":
        return float(series[:date].iloc[-1])
    if aggregation == "sum":
        return float(series[date.to_period("Q").start_time : date].sum())
    window = series[date - pd.Timedelta(days=27) : date]
    return float(window.mean() if len(window) else series[:date].iloc[-1])


def _plan(kr: KR, read: Readings, day: pd.Timestamp) -> tuple[float | None, float | None]:
    """A key result's start and target in the quarter starting on ``day``."""
    start, target = kr.start, kr.target
    if start == KPI:
        start = round(kpi_reading(read, kr.kpi_id, kr.segment, day - pd.Timedelta(days=1)), 2)
    if isinstance(target, tuple):
        op, amount, digits = target
        target = start * amount if op == "*" else start + amount
        target = target if digits is None else round(target, digits)
    return start, target


class Quarter(NamedTuple):
    """One planned quarter: its labels, first day, Fridays with check-ins and the share elapsed on each."""

    label: str  # 2025-Q4
    tag: str  # 25q4, in objective ids
    n: int  # the period's ordinal: picks each key result's `final` and alternating commitments
    first_day: pd.Timestamp
    fridays: pd.DatetimeIndex
    elapsed: np.ndarray

    @classmethod
    def of(cls, period: pd.Period) -> Quarter:
        first, last = period.start_time.normalize(), period.end_time.normalize()
        fridays = pd.date_range(first + pd.Timedelta(days=4), min(last, HISTORY_END), freq="W-FRI")
        elapsed = ((fridays - first).days.to_numpy() + 1) / ((last - first).days + 1)
        label, tag = f"{period.year}-Q{period.quarter}", f"{period.year % 100}q{period.quarter}"
        return cls(label, tag, period.ordinal, first, fridays, elapsed)


def _values(rng: np.random.Generator, kr: KR, start, target, qtr: Quarter, read: Readings) -> np.ndarray:
    """A key result's check-in values: its KPI's reading, else ``final`` of the way by the quarter's end."""
    if kr.kpi_id is not None:
        return np.array([kpi_reading(read, kr.kpi_id, kr.segment, day) for day in qtr.fridays])
    final = kr.final[qtr.n % 5]
    if kr.kr_type == "milestone":
        shape = rng.uniform(0.8, 1.6)
        return np.clip(np.round(final * qtr.elapsed**shape * 4) / 4, 0, 1)
    shape = rng.uniform(0.7, 1.5)
    noise = rng.normal(0, 0.04, len(qtr.elapsed)) * abs(target - start)
    return np.round(start + (target - start) * final * qtr.elapsed**shape + noise, 0)


def _checkins(
    rng: np.random.Generator, kr: KR, start, target, bias: float, qtr: Quarter, read: Readings
) -> pd.DataFrame:
    """A key result's weekly check-ins: value, the owner's confidence (0.05 to 0.95) and a note."""
    values = _values(rng, kr, start, target, qtr, read)
    if kr.kr_type in ("increase", "decrease", "milestone"):
        goal = target if target is not None else 1.0
        origin = start if start is not None else 0.0
        progress = np.clip((values - origin) / (goal - origin), 0, 1)
    else:
        progress = (values >= target if kr.kr_type == "at_least" else values <= target).astype(float)
    noise = rng.normal(0, 0.1, len(qtr.fridays))
    confidence = np.clip(0.55 + 0.8 * (progress - qtr.elapsed) + bias + noise, 0.05, 0.95).round(1)
    notes = [_note(rng, conf) for conf in confidence]
    values = [round(float(value), 4) for value in values]
    return pd.DataFrame({"date": qtr.fridays, "value": values, "confidence": confidence, "note": notes})


def make_okrs_and_checkins(
    rng: np.random.Generator, history: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """okrs.csv and checkins.csv: every objective and key result of every quarter, checked in weekly."""
    read = {key: series for key, series in history.set_index("date").groupby(["kpi_id", "segment"])["value"]}
    okr_rows, checkins = [], []
    for qtr in map(Quarter.of, QUARTERS):
        for obj in OBJECTIVES:
            prefix, bias = TEAMS[obj.team]
            objective_id, commitment = f"{prefix}-{qtr.tag}-{obj.key}", obj.commitment
            planned = [kr for kr in obj.krs if kr.planned_in(qtr.label)]
            for k, kr in enumerate(planned, start=1):
                start, target = _plan(kr, read, qtr.first_day)
                # fmt: off
                okr_rows.append(
                    dict(quarter=qtr.label, team=obj.team, objective_id=objective_id,
                         objective=RETITLED.get(objective_id, obj.title), owner=obj.owner,
                         parent_objective_id=obj.parent and f"co-{qtr.tag}-{obj.parent}",
                         commitment=commitment if isinstance(commitment, str) else commitment[qtr.n % 2],
                         hypothesis=obj.hypothesis, kr_id=f"{objective_id}-kr{k}", key_result=kr.title,
                         kr_type=kr.kr_type, start=start, target=target, unit=kr.unit, kpi_id=kr.kpi_id,
                         segment=kr.segment, weight=kr.weight)
                )
                # fmt: on
                if qtr.label not in kr.silent:
                    frame = _checkins(rng, kr, start, target, bias, qtr, read)
                    checkins.append(frame.assign(kr_id=f"{objective_id}-kr{k}"))
    columns = ["kr_id", "date", "value", "confidence", "note"]
    return pd.DataFrame(okr_rows), pd.concat(checkins, ignore_index=True)[columns]


def _note(rng: np.random.Generator, confidence: float) -> str:
    """About one check-in in three carries a short note that fits its confidence."""
    if rng.random() > 0.35:
        return ""
    return str(rng.choice(next(texts for low, high, texts in NOTES if low <= confidence <= high)))


def main(argv: list[str] | None = None) -> None:
    """Write kpis.csv, kpi_history.csv, okrs.csv and checkins.csv."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(Path(__file__).parent), help="folder to write the CSVs to")
    out = Path(parser.parse_args(argv).out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    kpis, history = make_history(rng)
    okrs, checkins = make_okrs_and_checkins(rng, history)
    for name, frame in {"kpis": kpis, "kpi_history": history, "okrs": okrs, "checkins": checkins}.items():
        frame.to_csv(out / f"{name}.csv", index=False, float_format="%.10g", date_format="%Y-%m-%d")
    print(f"wrote {len(kpis)} KPIs, {len(history):,} observations, {len(okrs)} key results, ", end="")
    print(f"{len(checkins):,} check-ins to {out}")


if __name__ == "__main__":
    main()
