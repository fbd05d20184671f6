"""Generate the sample workbook for a fictional SaaS company, "Northwind Cloud".

Seeded and deterministic: running it twice writes byte-identical files.

    python data/generate_sample.py [--out data]

What is true in the generated data (the effects OKRs really had, and the ones that
did not move their KPI) is listed in ``EFFECTS`` and ``NULLS`` below and in
``data/README.md``; tests check that the impact analysis finds exactly these.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20261124
HISTORY_START = pd.Timestamp("2024-07-01")
HISTORY_END = pd.Timestamp("2026-11-20")
QUARTERS = pd.period_range("2025Q4", "2026Q4", freq="Q")
REGIONS = ("americas", "emea", "apac")

# kpi_id, name, unit, direction, aggregation, kind, owner, target, warn, critical,
# frequency, level at start, trend per year, yearly seasonality amplitude, noise sd, segmented
KPIS = [
    (
        "mrr",
        "Monthly recurring revenue",
        "$",
        "higher_is_better",
        "last",
        "lagging",
        "Sales",
        2_600_000,
        2_300_000,
        2_000_000,
        "D",
        1_650_000,
        420_000,
        0,
        6_000,
        True,
    ),
    (
        "new_customers",
        "New customers",
        "customers",
        "higher_is_better",
        "sum",
        "lagging",
        "Sales",
        None,
        None,
        None,
        "D",
        9,
        2.0,
        1.5,
        2.5,
        False,
    ),
    (
        "churn_rate",
        "Monthly churn rate",
        "%",
        "lower_is_better",
        "mean",
        "lagging",
        "Customer Success",
        2.0,
        2.6,
        3.2,
        "W",
        2.6,
        -0.15,
        0,
        0.12,
        False,
    ),
    (
        "cac",
        "Customer acquisition cost",
        "$",
        "lower_is_better",
        "mean",
        "lagging",
        "Marketing",
        1_100,
        1_300,
        1_500,
        "W",
        1_350,
        -60,
        40,
        35,
        False,
    ),
    (
        "website_conversion_rate",
        "Website conversion rate",
        "%",
        "higher_is_better",
        "mean",
        "leading",
        "Marketing",
        3.5,
        2.8,
        2.4,
        "D",
        2.9,
        0.1,
        0,
        0.35,
        True,
    ),
    (
        "customer_retention",
        "Customer retention rate",
        "%",
        "higher_is_better",
        "mean",
        "lagging",
        "Customer Success",
        92,
        89,
        86,
        "W",
        89.5,
        0.8,
        0.5,
        0.5,
        False,
    ),
    (
        "email_open_rate",
        "Email open rate",
        "%",
        "higher_is_better",
        "mean",
        "leading",
        "Marketing",
        26,
        22,
        19,
        "W",
        25.0,
        0.3,
        0,
        0.7,
        False,
    ),
    (
        "on_time_delivery_rate",
        "On-time delivery rate",
        "%",
        "higher_is_better",
        "mean",
        "lagging",
        "Operations",
        95,
        90,
        85,
        "W",
        87.5,
        0.4,
        0,
        1.0,
        False,
    ),
    (
        "support_response_time",
        "Support first-response time",
        "hours",
        "lower_is_better",
        "mean",
        "leading",
        "Customer Success",
        6,
        10,
        14,
        "D",
        12.5,
        -0.3,
        0,
        1.6,
        False,
    ),
    (
        "onboarding_time",
        "Onboarding time",
        "days",
        "lower_is_better",
        "mean",
        "leading",
        "Operations",
        10,
        14,
        18,
        "W",
        16.0,
        -1.5,
        0.4,
        0.5,
        False,
    ),
    (
        "product_adoption_rate",
        "Product adoption rate",
        "%",
        "higher_is_better",
        "mean",
        "leading",
        "Product",
        45,
        35,
        30,
        "W",
        31.0,
        6.0,
        0,
        0.6,
        False,
    ),
    (
        "newsletter_subscribers",
        "Newsletter subscribers",
        "subscribers",
        "higher_is_better",
        "last",
        "leading",
        "Marketing",
        20_000,
        None,
        None,
        "W",
        9_000,
        4_200,
        0,
        60,
        False,
    ),
    (
        "nps",
        "Net promoter score",
        "score",
        "higher_is_better",
        "mean",
        "lagging",
        "Product",
        45,
        35,
        25,
        "MS",
        31,
        4.0,
        0,
        2.5,
        False,
    ),
    # fmt: off
    (
        "partner_leads",
        "Partner-sourced leads",
        "leads",
        "higher_is_better",
        "sum",
        "leading",
        "Sales",
        60,
        40,
        25,
        "W",
        45,
        10.0,
        0,
        4.0,
        False,
    ),
    # fmt: on
]
# KPIs whose feed stopped (a deliberate stale KPI for the OKR lint).
STOPPED = {"partner_leads": "2026-08-31"}

# True effects: (kpi_id, segment, from date, level change). The OKR that claims each
# is the key result with the same kpi_id and segment in that quarter (see OKR_PLAN).
EFFECTS = [
    ("email_open_rate", "all", "2025-10-01", -4.0),  # worsened
    ("support_response_time", "all", "2026-01-01", -3.5),  # improved
    ("website_conversion_rate", "emea", "2026-04-01", 0.9),  # improved, EMEA only
    ("on_time_delivery_rate", "all", "2026-07-01", 5.0),  # improved
]
# Key results whose KPI had no effect at all (pure trend, no seasonality, no shift).
NULLS = [
    ("churn_rate", "all", "2026-Q2"),
    ("product_adoption_rate", "all", "2026-Q3"),
]
# A monthly KPI: the impact model runs on its months (on weeks it had too few points).
MONTHLY = [("nps", "all", "2026-Q3")]

# Each team's objectives per quarter: (objective template, commitment, [key results]).
# A key result: (kr_type, title, kpi_id or None, segment or None, start, target, unit, weight,
#                how far it gets: final fraction of the way for synthetic check-ins).
TEAMS = ["Company", "Sales", "Marketing", "Customer Success", "Product", "Operations"]


def _rng() -> np.random.Generator:
    return np.random.default_rng(SEED)


def make_history(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """KPI definitions and their daily, weekly or monthly history."""
    kpi_rows, frames = [], []
    for (
        kpi_id,
        name,
        unit,
        direction,
        aggregation,
        kind,
        owner,
        target,
        warn,
        critical,
        freq,
        level,
        trend,
        season,
        noise,
        segmented,
    ) in KPIS:
        kpi_rows.append(
            dict(
                kpi_id=kpi_id,
                name=name,
                unit=unit,
                direction=direction,
                aggregation=aggregation,
                kind=kind,
                owner=owner,
                target=target,
                warn_threshold=warn,
                critical_threshold=critical,
            )
        )
        if freq == "W":
            dates = pd.date_range(HISTORY_START, HISTORY_END, freq="W-MON")
        else:
            dates = pd.date_range(HISTORY_START, HISTORY_END, freq=freq)
        years = ((dates - HISTORY_START).days / 365.25).to_numpy()
        segments = REGIONS if segmented else ("all",)
        shares = {"americas": 0.5, "emea": 0.32, "apac": 0.18} if segmented else {"all": 1.0}
        per_segment = {}
        for segment in segments:
            ar = np.zeros(len(dates))
            shocks = rng.normal(0, noise, len(dates))
            for i in range(len(dates)):
                ar[i] = (0.5 * ar[i - 1] if i else 0) + shocks[i]
            scale = shares[segment] if aggregation in ("sum", "last") and segmented else 1.0
            base = level + trend * years + season * np.sin(2 * np.pi * (years + 0.25))
            values = scale * base + ar * (scale if segmented else 1)
            for effect_kpi, effect_segment, start, change in EFFECTS:
                if effect_kpi == kpi_id and effect_segment in (segment, "all"):
                    values = values + np.where(dates >= pd.Timestamp(start), change, 0.0)
            if kpi_id == "new_customers":
                values = np.maximum(np.round(values), 0)
            per_segment[segment] = values
        if segmented:
            combine = np.sum if aggregation in ("sum", "last") else np.mean
            per_segment["all"] = combine(np.vstack(list(per_segment.values())), axis=0)
        digits = (
            0 if kpi_id in ("mrr", "new_customers", "newsletter_subscribers", "cac", "partner_leads") else 2
        )
        for segment, values in per_segment.items():
            frames.append(
                pd.DataFrame(
                    {
                        "date": dates,
                        "kpi_id": kpi_id,
                        "segment": segment,
                        "value": np.round(values, digits),
                    }
                )
            )
    history = pd.concat(frames, ignore_index=True)
    for kpi_id, last_day in STOPPED.items():
        history = history[(history["kpi_id"] != kpi_id) | (history["date"] <= pd.Timestamp(last_day))]
    return pd.DataFrame(kpi_rows), history.reset_index(drop=True)


def kpi_reading(history: pd.DataFrame, kpi_id: str, segment: str, date: pd.Timestamp) -> float:
    """What an analyst would type into a check-in for a KPI-tracked key result."""
    series = history[(history.kpi_id == kpi_id) & (history.segment == segment)].set_index("date")["value"]
    aggregation = next(k[4] for k in KPIS if k[0] == kpi_id)
    if aggregation == "last":
        return float(series[:date].iloc[-1])
    if aggregation == "sum":
        quarter_start = date.to_period("Q").start_time
        return float(series[quarter_start:date].sum())
    window = series[date - pd.Timedelta(days=27) : date]
    return float(window.mean() if len(window) else series[:date].iloc[-1])


def okr_plan(history: pd.DataFrame) -> list[dict]:
    """Objectives and key results for every team and quarter."""
    plan = []
    for quarter in QUARTERS:
        q = f"{quarter.year}-Q{quarter.quarter}"
        tag = f"{quarter.year % 100}q{quarter.quarter}"
        start_day = quarter.start_time.normalize()

        def kpi_start(kpi_id: str, segment: str = "all", day=start_day) -> float:
            return round(kpi_reading(history, kpi_id, segment, day - pd.Timedelta(days=1)), 2)

        growth = f"co-{tag}-growth"
        customers = f"co-{tag}-customers"
        plan += [
            dict(
                quarter=q,
                team="Company",
                objective_id=growth,
                owner="CEO",
                commitment="committed",
                objective="Grow recurring revenue efficiently",
                parent=None,
                hypothesis="More qualified pipeline and better conversion lift MRR (mrr).",
                krs=[
                    (
                        "increase",
                        "Grow MRR",
                        "mrr",
                        None,
                        kpi_start("mrr"),
                        round(kpi_start("mrr") * 1.08, -3),
                        "$",
                        2,
                        None,
                    ),
                    (
                        "decrease",
                        "Bring CAC down",
                        "cac",
                        None,
                        kpi_start("cac"),
                        round(kpi_start("cac") * 0.93),
                        "$",
                        1,
                        None,
                    ),
                ],
            ),
            dict(
                quarter=q,
                team="Company",
                objective_id=customers,
                owner="COO",
                commitment="aspirational",
                objective="Make customers successful from day one",
                parent=None,
                hypothesis="Faster onboarding and support keep customers (customer_retention).",
                krs=[
                    (
                        "at_least",
                        "Keep customer retention at or above 90%",
                        "customer_retention",
                        None,
                        None,
                        90,
                        "%",
                        1,
                        None,
                    ),
                    ("increase", "Raise NPS", "nps", None, 30, 40, "score", 1, 0.7),
                ],
            ),
        ]
        plan += team_objectives(quarter, q, tag, growth, customers, kpi_start)
    return plan


def team_objectives(quarter, q, tag, growth, customers, kpi_start) -> list[dict]:
    """Two objectives per team, varied by quarter, with the effect-carrying key results."""
    n = quarter.ordinal
    objs = []
    sales_krs = [
        (
            "increase",
            "Close new customers this quarter",
            "new_customers",
            None,
            0,
            round(9.5 * 91 * 1.1),
            "customers",
            2,
            None,
        ),
        (
            "increase",
            "Grow EMEA MRR",
            "mrr",
            "emea",
            kpi_start("mrr", "emea"),
            round(kpi_start("mrr", "emea") * 1.12, -3),
            "$",
            1,
            None,
        ),
        (
            "milestone",
            "Launch the partner referral programme",
            None,
            None,
            None,
            None,
            None,
            1,
            [1.0, 0.6, 1.0, 0.8, 0.5][n % 5],
        ),
    ]
    objs.append(
        dict(
            team="Sales",
            objective_id=f"sales-{tag}-pipeline",
            owner="Dana Kim",
            commitment="aspirational",
            objective="Build a pipeline that outgrows the plan",
            parent=growth,
            hypothesis="New logos in EMEA move MRR (mrr).",
            krs=sales_krs,
        )
    )
    objs.append(
        dict(
            team="Sales",
            objective_id=f"sales-{tag}-expansion",
            owner="Leo Grant",
            commitment="committed",
            objective="Expand revenue from existing accounts",
            parent=growth,
            hypothesis=None,
            krs=[
                (
                    "increase",
                    "Upsell deals closed",
                    None,
                    None,
                    0,
                    40,
                    "deals",
                    1,
                    [0.9, 1.05, 0.8, 1.1, 0.95][n % 5],
                ),
                (
                    "increase",
                    "Expansion pipeline created",
                    None,
                    None,
                    0,
                    600_000,
                    "$",
                    1,
                    [1.0, 0.85, 1.1, 0.9, 1.0][n % 5],
                ),
            ],
        )
    )
    mkt = [
        (
            "decrease",
            "Cut blended CAC",
            "cac",
            None,
            kpi_start("cac"),
            round(kpi_start("cac") * 0.9),
            "$",
            1,
            None,
        ),
        (
            "increase",
            "Grow newsletter subscribers",
            "newsletter_subscribers",
            None,
            kpi_start("newsletter_subscribers"),
            round(kpi_start("newsletter_subscribers") + 1500, -2),
            "subscribers",
            1,
            None,
        ),
    ]
    if q == "2025-Q4":
        mkt.append(
            (
                "increase",
                "Raise email open rate with a weekly digest",
                "email_open_rate",
                None,
                kpi_start("email_open_rate"),
                28,
                "%",
                1,
                None,
            )
        )
    if q == "2026-Q2":
        mkt.append(
            (
                "increase",
                "Lift EMEA website conversion with localised pages",
                "website_conversion_rate",
                "emea",
                kpi_start("website_conversion_rate", "emea"),
                round(kpi_start("website_conversion_rate", "emea") + 0.7, 2),
                "%",
                2,
                None,
            )
        )
    objs.append(
        dict(
            team="Marketing",
            objective_id=f"mkt-{tag}-demand",
            owner="Ari Novak",
            commitment="aspirational",
            objective="Generate demand we can afford",
            parent=growth,
            hypothesis="Cheaper, better-converting demand lowers CAC (cac).",
            krs=mkt,
        )
    )
    objs.append(
        dict(
            team="Marketing",
            objective_id=f"mkt-{tag}-brand",
            owner="Ari Novak",
            commitment="aspirational",
            objective="Become the name analysts recommend",
            parent=growth,
            hypothesis=None,
            krs=[
                (
                    "milestone",
                    "Publish the annual benchmark report",
                    None,
                    None,
                    None,
                    None,
                    None,
                    1,
                    [1.0, 0.7, 0.9, 1.0, 0.4][n % 5],
                ),
                (
                    "increase",
                    "Analyst briefings held",
                    None,
                    None,
                    0,
                    12,
                    "briefings",
                    1,
                    [0.75, 0.9, 0.6, 1.0, 0.7][n % 5],
                ),
            ],
        )
    )
    cs = [
        (
            "at_most",
            "Keep monthly churn at or below 2.5%",
            "churn_rate",
            None,
            None,
            2.5,
            "%",
            1,
            None,
        ),
        (
            "decrease",
            "Cut first-response time",
            "support_response_time",
            None,
            kpi_start("support_response_time"),
            round(kpi_start("support_response_time") - 3, 1),
            "hours",
            2,
            None,
        ),
    ]
    if q == "2026-Q2":
        cs[0] = (
            "decrease",
            "Reduce monthly churn with save offers",
            "churn_rate",
            None,
            kpi_start("churn_rate"),
            round(kpi_start("churn_rate") - 0.4, 2),
            "%",
            1,
            None,
        )
    objs.append(
        dict(
            team="Customer Success",
            objective_id=f"cs-{tag}-retain",
            owner="Sam Ortiz",
            commitment="committed" if n % 2 else "aspirational",
            objective="Keep every customer we win",
            parent=customers,
            hypothesis="Faster answers lower churn (churn_rate).",
            krs=cs,
        )
    )
    objs.append(
        dict(
            team="Customer Success",
            objective_id=f"cs-{tag}-onboard",
            owner="Mia Chen",
            commitment="aspirational",
            objective="Onboard customers in days, not weeks",
            parent=customers,
            hypothesis="Shorter onboarding drives adoption (product_adoption_rate).",
            krs=[
                (
                    "decrease",
                    "Cut onboarding time",
                    "onboarding_time",
                    None,
                    kpi_start("onboarding_time"),
                    round(kpi_start("onboarding_time") - 2, 1),
                    "days",
                    1,
                    None,
                ),
                (
                    "milestone",
                    "Ship the self-serve onboarding checklist",
                    None,
                    None,
                    None,
                    None,
                    None,
                    1,
                    [1.0, 1.0, 0.5, 0.8, 0.6][n % 5],
                ),
            ],
        )
    )
    product = [
        (
            "increase",
            "Raise product adoption rate",
            "product_adoption_rate",
            None,
            kpi_start("product_adoption_rate"),
            round(kpi_start("product_adoption_rate") + 1.5, 1),
            "%",
            1,
            None,
        ),
        (
            "milestone",
            "Release the workflow builder",
            None,
            None,
            None,
            None,
            None,
            1,
            [0.9, 1.0, 0.6, 1.0, 0.7][n % 5],
        ),
    ]
    if q == "2026-Q3":
        product.append(
            (
                "increase",
                "Lift NPS with in-app guides",
                "nps",
                None,
                kpi_start("nps"),
                kpi_start("nps") + 5,
                "score",
                1,
                None,
            )
        )
    objs.append(
        dict(
            team="Product",
            objective_id=f"prod-{tag}-adoption",
            owner="Ravi Patel",
            commitment="aspirational",
            objective="Make the core workflow a daily habit",
            parent=customers,
            hypothesis="Guided workflows raise adoption (product_adoption_rate).",
            krs=product,
        )
    )
    objs.append(
        dict(
            team="Product",
            objective_id=f"prod-{tag}-quality",
            owner="Ravi Patel",
            commitment="committed",
            objective="Ship quality users notice",
            parent=customers,
            hypothesis=None,
            krs=[
                (
                    "decrease",
                    "Open P1 bugs",
                    None,
                    None,
                    40,
                    10,
                    "bugs",
                    1,
                    [1.0, 0.8, 1.05, 0.9, 0.7][n % 5],
                ),
                (
                    "increase",
                    "Weekly active teams",
                    None,
                    None,
                    1200,
                    1500,
                    "teams",
                    1,
                    [0.7, 0.95, 0.5, 0.8, 1.1][n % 5],
                ),
            ],
        )
    )
    objs.append(
        dict(
            team="Operations",
            objective_id=f"ops-{tag}-delivery",
            owner="Noor Haddad",
            commitment="committed",
            objective="Deliver on time, every time",
            parent=customers,
            hypothesis="Automated scheduling raises on-time delivery (on_time_delivery_rate).",
            krs=[
                (
                    "increase",
                    "Raise on-time delivery rate",
                    "on_time_delivery_rate",
                    None,
                    kpi_start("on_time_delivery_rate"),
                    round(kpi_start("on_time_delivery_rate") + 3, 1),
                    "%",
                    2,
                    None,
                ),
                (
                    "decrease",
                    "Cut onboarding backlog",
                    None,
                    None,
                    80,
                    20,
                    "accounts",
                    1,
                    [1.0, 1.0, 0.95, 1.0, 0.9][n % 5],
                ),
            ],
        )
    )
    objs.append(
        dict(
            team="Operations",
            objective_id=f"ops-{tag}-cost",
            owner="Noor Haddad",
            commitment="aspirational",
            objective="Run a lean, reliable operation",
            parent=growth,
            hypothesis=None,
            krs=[
                (
                    "increase",
                    "Automated runbooks",
                    None,
                    None,
                    10,
                    30,
                    "runbooks",
                    1,
                    [1.0, 0.95, 1.0, 1.05, 0.9][n % 5],
                ),
                (
                    "milestone",
                    "Migrate billing to the new platform",
                    None,
                    None,
                    None,
                    None,
                    None,
                    1,
                    [1.0, 0.9, 1.0, 1.0, 0.8][n % 5],
                ),
            ],
        )
    )
    if q == "2026-Q4":  # deliberate findings for the OKR lint (see data/README.md)
        by_id = {obj["objective_id"]: obj for obj in objs}
        by_id["prod-26q4-adoption"]["objective"] = "Reach 50% weekly adoption"
        brand = by_id["mkt-26q4-brand"]["krs"]
        brand[1] = ("milestone", "Host the first analyst day", None, None, None, None, None, 1, 0.5)
        by_id["ops-26q4-cost"]["krs"] = by_id["ops-26q4-cost"]["krs"][:1]
    for obj in objs:
        obj["quarter"] = q
    return objs


def make_okrs_and_checkins(
    rng: np.random.Generator, history: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    okr_rows, checkin_rows = [], []
    bias = {
        "Sales": 0.2,
        "Marketing": 0.05,
        "Customer Success": 0.0,
        "Product": -0.05,
        "Operations": 0.1,
        "Company": 0.0,
    }
    for obj in okr_plan(history):
        quarter = pd.Period(obj["quarter"].replace("-", ""), freq="Q")
        start_day, end_day = quarter.start_time.normalize(), quarter.end_time.normalize()
        fridays = pd.date_range(start_day + pd.Timedelta(days=4), min(end_day, HISTORY_END), freq="W-FRI")
        for k, (kr_type, title, kpi_id, segment, start, target, unit, weight, final) in enumerate(obj["krs"]):
            kr_id = f"{obj['objective_id']}-kr{k + 1}"
            okr_rows.append(
                dict(
                    quarter=obj["quarter"],
                    team=obj["team"],
                    objective_id=obj["objective_id"],
                    objective=obj["objective"],
                    owner=obj["owner"],
                    parent_objective_id=obj["parent"],
                    commitment=obj["commitment"],
                    hypothesis=obj["hypothesis"],
                    kr_id=kr_id,
                    key_result=title,
                    kr_type=kr_type,
                    start=start,
                    target=target,
                    unit=unit,
                    kpi_id=kpi_id,
                    segment=segment,
                    weight=weight,
                )
            )
            if quarter == QUARTERS[-1] and kpi_id in ("cac", "newsletter_subscribers"):
                continue  # tracked straight from the KPI: no check-ins
            if obj["objective_id"].startswith("prod-26q4-quality") and k == 1:
                continue  # forgotten: no check-ins and no KPI (a data-quality finding)
            days = (fridays - start_day).days.to_numpy() + 1
            elapsed = days / ((end_day - start_day).days + 1)
            if kpi_id is not None:
                values = np.array([kpi_reading(history, kpi_id, segment or "all", d) for d in fridays])
            elif kr_type == "milestone":
                shape = rng.uniform(0.8, 1.6)
                values = np.clip(np.round(final * elapsed**shape * 4) / 4, 0, 1)
            else:
                shape = rng.uniform(0.7, 1.5)
                noise = rng.normal(0, 0.04, len(days)) * abs(target - start)
                values = start + (target - start) * final * elapsed**shape + noise
                values = np.round(values, 0)
            if kr_type in ("increase", "decrease", "milestone"):
                goal = target if target is not None else 1.0
                origin = start if start is not None else 0.0
                progress = np.clip((values - origin) / (goal - origin), 0, 1)
            else:
                ok = values >= target if kr_type == "at_least" else values <= target
                progress = ok.astype(float)
            confidence = np.clip(
                0.55 + 0.8 * (progress - elapsed) + bias[obj["team"]] + rng.normal(0, 0.1, len(days)),
                0.05,
                0.95,
            ).round(1)
            for date, value, conf in zip(fridays, values, confidence, strict=True):
                checkin_rows.append(
                    dict(
                        kr_id=kr_id,
                        date=date,
                        value=round(float(value), 4),
                        confidence=conf,
                        note=_note(rng, conf),
                    )
                )
    return pd.DataFrame(okr_rows), pd.DataFrame(checkin_rows)


def _note(rng: np.random.Generator, confidence: float) -> str:
    if rng.random() > 0.35:
        return ""
    if confidence >= 0.7:
        return rng.choice(["Ahead of plan", "Momentum is good", "Big deal signed this week"])
    if confidence <= 0.3:
        return rng.choice(["Blocked on hiring", "Vendor delay", "Scope too big; re-planning"])
    return rng.choice(["Steady", "Some risk in the pipeline", "Waiting on legal review"])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(Path(__file__).parent), help="folder to write the CSVs to")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rng = _rng()
    kpis, history = make_history(rng)
    okrs, checkins = make_okrs_and_checkins(rng, history)
    kpis.to_csv(out / "kpis.csv", index=False, float_format="%.10g")
    history.to_csv(out / "kpi_history.csv", index=False, float_format="%.10g", date_format="%Y-%m-%d")
    okrs.to_csv(out / "okrs.csv", index=False, float_format="%.10g")
    checkins.to_csv(out / "checkins.csv", index=False, float_format="%.10g", date_format="%Y-%m-%d")
    print(
        f"wrote {len(kpis)} KPIs, {len(history):,} observations, {len(okrs)} key results, "
        f"{len(checkins):,} check-ins to {out}"
    )


if __name__ == "__main__":
    main()
