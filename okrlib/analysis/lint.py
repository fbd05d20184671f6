"""OKR quality lint: the common mistakes in how goals are set, as findings with a fix.

Each rule is one small vectorised function over the workbook's frames; ``lint`` runs them
all and returns one row per finding: rule, name, severity (``error``, ``warning`` or
``info``), quarter, team, objective_id, kr_id, kpi_id, message and fix.  ``okrlib lint``
prints them and exits 1 when any is an error.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..model import Workbook, default_as_of, format_quarter, isin, parse_quarter
from ..model import history as _history

COLUMNS = ["rule", "name", "severity", "quarter", "team", "objective_id", "kr_id", "kpi_id", "message", "fix"]
MAX_OBJECTIVES = 5
KR_RANGE = (2, 5)
MAX_TEAM_KPIS = 15
STALE_FACTOR = 2
STOP_WORDS = {
    "with",
    "from",
    "into",
    "more",
    "less",
    "than",
    "this",
    "that",
    "rate",
    "time",
    "keep",
    "grow",
    "raise",
    "reduce",
    "increase",
    "decrease",
    "launch",
    "every",
    "quarter",
    "our",
    "the",
    "and",
    "open",
    "first",
}


@dataclass(frozen=True)
class Rule:
    """One lint rule: its id, short name, severity, what it checks and how to fix a finding."""

    id: str
    name: str
    severity: str
    check: str
    fix: str


RULES = {
    rule.id: rule
    for rule in (
        Rule(
            "OKR001",
            "too_many_objectives",
            "warning",
            f"a team with more than {MAX_OBJECTIVES} objectives in a quarter",
            "Keep the three to five objectives that matter most; move the rest to the backlog.",
        ),
        Rule(
            "OKR002",
            "key_result_count",
            "warning",
            "an objective with fewer than 2 or more than 5 key results",
            "Give each objective two to five key results that together show it is met.",
        ),
        Rule(
            "OKR003",
            "numeric_objective",
            "warning",
            "an objective whose title is a number rather than a qualitative aim",
            "Say what you want to achieve in words; put the numbers in key results.",
        ),
        Rule(
            "OKR004",
            "only_milestones",
            "warning",
            "an objective whose key results are all milestones (activities, not outcomes)",
            "Add a key result that measures the outcome the activities should move.",
        ),
        Rule(
            "OKR005",
            "unlinked_key_result",
            "info",
            "a key result linked to no KPI while a KPI exists that it "
            "plausibly moves (same unit or name words)",
            "Set kpi_id so the impact analysis can test it.",
        ),
        Rule(
            "OKR006",
            "unused_kpi",
            "info",
            "a KPI linked to no key result in the quarter",
            "Link it from a key result if an objective should move it, or accept it as a health metric.",
        ),
        Rule(
            "OKR007",
            "no_leading_kpi",
            "warning",
            "an objective linking only lagging KPIs",
            "Add a key result on a leading indicator you can move within the quarter.",
        ),
        Rule(
            "OKR008",
            "stale_kpi",
            "warning",
            f"a KPI whose latest observation is older than {STALE_FACTOR} times its usual interval",
            "Refresh its data feed, or review it as often as it is measured.",
        ),
        Rule(
            "OKR009",
            "too_many_kpis",
            "warning",
            f"more than {MAX_TEAM_KPIS} KPIs owned by one team",
            "Keep the few KPIs the team acts on; archive the rest.",
        ),
        Rule(
            "OKR010",
            "start_equals_target",
            "error",
            "a key result whose start equals its target",
            "Set a target that asks for a change, or drop the key result.",
        ),
    )
}


def _findings(rule_id: str, rows: pd.DataFrame, message: pd.Series | str) -> pd.DataFrame:
    rule = RULES[rule_id]
    subjects = {
        column: rows.get(column, None) for column in ("quarter", "team", "objective_id", "kr_id", "kpi_id")
    }
    columns = {"rule": rule.id, "name": rule.name, "severity": rule.severity, **subjects}
    return pd.DataFrame({**columns, "message": message, "fix": rule.fix}, index=rows.index)


def _number_text(values: pd.Series) -> pd.Series:
    return values.map("{:g}".format).astype("str")


def too_many_objectives(workbook: Workbook, objectives: pd.DataFrame, krs: pd.DataFrame) -> pd.DataFrame:
    counts = objectives.groupby(["quarter", "team"]).size().rename("objectives").reset_index()
    rows = counts[counts["objectives"] > MAX_OBJECTIVES]
    return _findings("OKR001", rows, rows["team"] + " has " + rows["objectives"].astype(str) + " objectives")


def key_result_count(workbook: Workbook, objectives: pd.DataFrame, krs: pd.DataFrame) -> pd.DataFrame:
    counts = objectives["objective_id"].map(krs.groupby("objective_id").size()).fillna(0).astype(int)
    low, high = KR_RANGE
    rows = objectives[(counts < low) | (counts > high)]
    return _findings("OKR002", rows, "the objective has " + counts[rows.index].astype(str) + " key result(s)")


def numeric_objective(workbook: Workbook, objectives: pd.DataFrame, krs: pd.DataFrame) -> pd.DataFrame:
    rows = objectives[objectives["objective"].str.contains(r"\d", regex=True)]
    return _findings("OKR003", rows, "the title '" + rows["objective"] + "' holds a number")


def only_milestones(workbook: Workbook, objectives: pd.DataFrame, krs: pd.DataFrame) -> pd.DataFrame:
    all_milestones = krs["kr_type"].eq("milestone").groupby(krs["objective_id"]).all()
    rows = objectives[objectives["objective_id"].map(all_milestones).eq(True)]
    return _findings("OKR004", rows, "every key result is a milestone")


def _words(text: pd.Series) -> pd.Series:
    return (
        text.fillna("")
        .str.lower()
        .map(lambda t: {w for w in re.findall(r"[a-z]{4,}", t) if w not in STOP_WORDS})
    )


def unlinked_key_result(workbook: Workbook, objectives: pd.DataFrame, krs: pd.DataFrame) -> pd.DataFrame:
    unlinked = krs[krs["kpi_id"].isna()]
    kpis = workbook.kpis
    kpi_words = dict(zip(kpis["kpi_id"], _words(kpis["name"]), strict=True))
    kpi_units = dict(zip(kpis["kpi_id"], kpis["unit"], strict=True))
    matches = []
    for words, unit in zip(
        _words(unlinked["key_result"]), unlinked["unit"], strict=True
    ):  # per KR, over KPIs
        found = [k for k, w in kpi_words.items() if words & w or (pd.notna(unit) and unit == kpi_units[k])]
        matches.append(", ".join(found))
    matched = pd.Series(matches, index=unlinked.index)
    rows = unlinked[matched != ""]
    return _findings("OKR005", rows, "no kpi_id, though it plausibly moves " + matched[rows.index])


def unused_kpi(workbook: Workbook, objectives: pd.DataFrame, krs: pd.DataFrame) -> pd.DataFrame:
    frames = []
    for quarter in objectives["quarter"].unique():  # over quarters, not rows
        linked = krs.loc[krs["quarter"] == quarter, "kpi_id"].dropna()
        rows = workbook.kpis[~isin(workbook.kpis["kpi_id"], linked)]
        rows = rows.assign(quarter=quarter, team=rows["owner"])
        frames.append(_findings("OKR006", rows, "no key result of " + format_quarter(quarter) + " links it"))
    return pd.concat(frames) if frames else _findings("OKR006", pd.DataFrame(), "")


def no_leading_kpi(workbook: Workbook, objectives: pd.DataFrame, krs: pd.DataFrame) -> pd.DataFrame:
    kinds = krs["kpi_id"].map(workbook.kpis.set_index("kpi_id")["kind"])
    linked = krs.assign(kind=kinds)[kinds.notna()]
    only_lagging = linked["kind"].eq("lagging").groupby(linked["objective_id"]).all()
    rows = objectives[objectives["objective_id"].map(only_lagging).eq(True)]
    names = linked.groupby("objective_id")["kpi_id"].agg(lambda k: ", ".join(sorted(set(k))))
    return _findings("OKR007", rows, "its KPIs are all lagging: " + rows["objective_id"].map(names))


def stale_kpi(
    workbook: Workbook, objectives: pd.DataFrame, krs: pd.DataFrame, as_of: pd.Timestamp
) -> pd.DataFrame:
    dates = _history.kpi_dates(workbook.kpi_history)  # each KPI's distinct dates, ascending
    gaps = dates.groupby("kpi_id")["date"].diff().dt.days
    usual = gaps.groupby(dates["kpi_id"]).median()
    latest = dates[dates["date"] <= as_of].groupby("kpi_id")["date"].max()
    info = pd.DataFrame({"latest": latest, "age": (as_of - latest).dt.days})
    info["usual"] = usual.reindex(info.index)
    info = info[info["age"] > STALE_FACTOR * info["usual"]]
    rows = workbook.kpis.merge(info, left_on="kpi_id", right_index=True).assign(team=lambda f: f["owner"])
    message = (
        "latest observation "
        + rows["latest"].dt.strftime("%Y-%m-%d").astype("str")
        + " is "
        + rows["age"].astype("int64").astype("str")
        + " days old; it is usually observed every "
        + _number_text(rows["usual"])
        + " days"
    )
    return _findings("OKR008", rows, message)


def too_many_kpis(workbook: Workbook, objectives: pd.DataFrame, krs: pd.DataFrame) -> pd.DataFrame:
    counts = workbook.kpis.groupby("owner").size().rename("kpis").rename_axis("team").reset_index()
    rows = counts[counts["kpis"] > MAX_TEAM_KPIS]
    return _findings("OKR009", rows, rows["team"] + " owns " + rows["kpis"].astype(str) + " KPIs")


def start_equals_target(workbook: Workbook, objectives: pd.DataFrame, krs: pd.DataFrame) -> pd.DataFrame:
    rows = krs[krs["start"].notna() & (krs["start"] == krs["target"])]
    return _findings("OKR010", rows, "start and target are both " + _number_text(rows["target"]))


CHECKS: list[Callable[..., pd.DataFrame]] = [
    too_many_objectives,
    key_result_count,
    numeric_objective,
    only_milestones,
    unlinked_key_result,
    unused_kpi,
    no_leading_kpi,
    too_many_kpis,
    start_equals_target,
]
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def lint(workbook: Workbook, quarter: pd.Period | str | None = None, as_of: object = None) -> pd.DataFrame:
    """Run every rule over ``quarter`` (default: every quarter) and return the findings.

    The stale-KPI rule reads the KPIs at ``as_of`` (default: the quarter's default as_of,
    or the latest date in the data when linting every quarter).

    Examples
    --------
    >>> lint(wb, "2026-Q4")[["rule", "severity", "objective_id", "message"]]  # doctest: +SKIP
    """
    objectives, krs = workbook.objectives, workbook.key_results
    if quarter is not None:
        period = parse_quarter(quarter)
        objectives, krs = objectives[objectives["quarter"] == period], krs[krs["quarter"] == period]
        day = default_as_of(workbook, period) if as_of is None else pd.Timestamp(as_of)
    else:
        day = workbook.latest_date if as_of is None else pd.Timestamp(as_of)
    frames = [check(workbook, objectives, krs) for check in CHECKS]
    frames.append(stale_kpi(workbook, objectives, krs, day))
    findings = (
        pd.concat([f for f in frames if len(f)], ignore_index=True) if any(len(f) for f in frames) else None
    )
    if findings is None:
        return pd.DataFrame(columns=COLUMNS)
    order = findings["severity"].map(SEVERITY_ORDER)
    findings = findings.assign(_order=order).sort_values(["_order", "rule", "quarter", "team"], kind="stable")
    return findings.drop(columns="_order").reset_index(drop=True).replace({np.nan: None})
