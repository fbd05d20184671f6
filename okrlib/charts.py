"""Altair charts: compute frames in, ``alt.Chart`` out, one colour scheme throughout.

The charts never compute business numbers; they draw the frames of
:mod:`okrlib.progress`, :mod:`okrlib.kpi` and :mod:`okrlib.impact`.  Colours are chosen to
stay apart in print and for the common colour-vision deficiencies.
"""

from __future__ import annotations

import os
import sys

if os.environ.get("OKRLIB_REPORT") == "1":
    # In report kernels only: jsonschema imports the optional IRI checker rfc3987_syntax, which
    # builds a grammar for about a second at import; altair never checks IRIs, so skip it.
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[assignment]

import altair as alt
import pandas as pd
from altair.vegalite.v6.display import html_renderer

STATUS_COLORS = {
    "done": "#1b7837",
    "on_track": "#7fbf7b",
    "at_risk": "#f1a340",
    "off_track": "#d73027",
    "no_data": "#9e9e9e",
}
GRADE_COLORS = {"green": "#1a9850", "yellow": "#e6ab02", "red": "#d73027"}
HEALTH_COLORS = {
    "healthy": "#1a9850",
    "warning": "#f1a340",
    "critical": "#d73027",
    "no_target": "#9e9e9e",
}
VERDICT_COLORS = {
    "improved": "#1a9850",
    "worsened": "#d73027",
    "no_clear_effect": "#757575",
    "insufficient_data": "#bdbdbd",
}
INK = "#333333"
QUARTER_SHADE = "#d9e6f2"
WIDTH = 560


def _scale(colors: dict[str, str]) -> alt.Scale:
    return alt.Scale(domain=list(colors), range=list(colors.values()))


def _label(frame: pd.DataFrame, id_column: str, title_column: str) -> pd.Series:
    return frame[id_column].astype(str) + "  " + frame[title_column].astype(str)


def kr_progress_chart(key_results: pd.DataFrame, title: str = "Key-result progress") -> alt.LayerChart:
    """Progress bars coloured by status, with a black tick at the expected progress.

    ``key_results`` is a :func:`okrlib.progress.kr_progress` frame (or a slice of it).
    """
    frame = key_results.assign(label=_label(key_results, "kr_id", "key_result"))
    frame = frame[
        [
            "label",
            "kr_id",
            "key_result",
            "status",
            "progress",
            "raw_progress",
            "expected_progress",
            "current",
            "target",
            "confidence",
        ]
    ]
    y = alt.Y("label:N", title=None, sort=None, axis=alt.Axis(labelLimit=320))
    tooltip = [
        alt.Tooltip("kr_id:N", title="KR"),
        alt.Tooltip("key_result:N", title="Key result"),
        alt.Tooltip("status:N", title="Status"),
        alt.Tooltip("progress:Q", title="Progress", format=".0%"),
        alt.Tooltip("raw_progress:Q", title="Raw progress", format=".0%"),
        alt.Tooltip("expected_progress:Q", title="Expected", format=".0%"),
        alt.Tooltip("current:Q", title="Current", format=",.4~g"),
        alt.Tooltip("target:Q", title="Target", format=",.4~g"),
        alt.Tooltip("confidence:Q", title="Confidence", format=".0%"),
    ]
    bars = (
        alt.Chart(frame)
        .mark_bar(height={"band": 0.7})
        .encode(
            x=alt.X(
                "progress:Q",
                title="Progress (share of the way from start to target)",
                scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%"),
            ),
            y=y,
            color=alt.Color("status:N", scale=_scale(STATUS_COLORS), title="Status"),
            tooltip=tooltip,
        )
    )
    expected = (
        alt.Chart(frame)
        .mark_tick(color=INK, thickness=2, size=18)
        .encode(x="expected_progress:Q", y=y, tooltip=tooltip)
    )
    height = max(60, 26 * len(frame))
    return (bars + expected).properties(title=title, width=WIDTH, height=height)


def objective_scorecard(objectives: pd.DataFrame, title: str = "Objectives") -> alt.LayerChart:
    """Objective progress bars coloured by status, labelled with the grade once there is one."""
    frame = objectives.assign(
        label=objectives["team"].astype(str) + " · " + objectives["objective"].astype(str),
        grade_text=objectives["grade"].map(lambda g: "" if pd.isna(g) else f"grade {g:.1f}"),
    )
    frame = frame[
        [
            "label",
            "objective_id",
            "objective",
            "team",
            "status",
            "progress",
            "expected_progress",
            "mean_confidence",
            "grade",
            "grade_band",
            "grade_text",
            "commitment",
        ]
    ]
    y = alt.Y("label:N", title=None, sort=None, axis=alt.Axis(labelLimit=360))
    tooltip = [
        alt.Tooltip("objective:N", title="Objective"),
        alt.Tooltip("team:N", title="Team"),
        alt.Tooltip("commitment:N", title="Commitment"),
        alt.Tooltip("status:N", title="Status"),
        alt.Tooltip("progress:Q", title="Progress", format=".0%"),
        alt.Tooltip("expected_progress:Q", title="Expected", format=".0%"),
        alt.Tooltip("mean_confidence:Q", title="Mean confidence", format=".0%"),
        alt.Tooltip("grade:Q", title="Grade", format=".1f"),
    ]
    bars = (
        alt.Chart(frame)
        .mark_bar(height={"band": 0.7})
        .encode(
            x=alt.X(
                "progress:Q",
                title="Weighted progress",
                scale=alt.Scale(domain=[0, 1.15]),
                axis=alt.Axis(format="%", values=[0, 0.25, 0.5, 0.75, 1]),
            ),
            y=y,
            color=alt.Color("status:N", scale=_scale(STATUS_COLORS), title="Status"),
            tooltip=tooltip,
        )
    )
    grades = (
        alt.Chart(frame)
        .mark_text(align="left", dx=4, color=INK)
        .encode(x="progress:Q", y=y, text="grade_text:N")
    )
    expected = (
        alt.Chart(frame).mark_tick(color=INK, thickness=2, size=18).encode(x="expected_progress:Q", y=y)
    )
    return (bars + expected + grades).properties(title=title, width=WIDTH, height=max(60, 28 * len(frame)))


def kpi_trend_chart(
    series: pd.DataFrame, kpi: pd.Series, shaded: pd.DataFrame | None = None
) -> alt.LayerChart:
    """A KPI's aggregated values over time with OKR quarters shaded and target/threshold lines.

    ``series`` is an :func:`okrlib.kpi.aggregate` frame (period_start, value, segment);
    ``kpi`` the KPI's row of ``Workbook.kpis``; ``shaded`` a frame of start, end and label
    (e.g. the quarters whose key results link this KPI).
    """
    unit = "" if pd.isna(kpi.get("unit")) else f" ({kpi['unit']})"
    frame = series[["period_start", "segment", "value", "observations"]]
    layers = []
    if shaded is not None and len(shaded):
        layers.append(
            alt.Chart(shaded[["start", "end", "label"]])
            .mark_rect(color=QUARTER_SHADE, opacity=0.7)
            .encode(x="start:T", x2="end:T", tooltip=[alt.Tooltip("label:N", title="Quarter")])
        )
    layers.append(
        alt.Chart(frame)
        .mark_line(point=alt.OverlayMarkDef(size=12))
        .encode(
            x=alt.X("period_start:T", title="Period starting"),
            y=alt.Y("value:Q", title=f"{kpi['name']}{unit}", scale=alt.Scale(zero=False)),
            color=alt.Color("segment:N", title="Segment"),
            tooltip=[
                alt.Tooltip("period_start:T", title="Period starting"),
                alt.Tooltip("segment:N", title="Segment"),
                alt.Tooltip("value:Q", title="Value", format=",.4~g"),
                alt.Tooltip("observations:Q", title="Observations"),
            ],
        )
    )
    lines = [
        (name, kpi.get(column))
        for name, column in (
            ("target", "target"),
            ("warn", "warn_threshold"),
            ("critical", "critical_threshold"),
        )
    ]
    lines = pd.DataFrame([(n, v) for n, v in lines if pd.notna(v)], columns=["line", "value"])
    if len(lines):
        colors = {"target": "#1a9850", "warn": "#f1a340", "critical": "#d73027"}
        layers.append(
            alt.Chart(lines)
            .mark_rule(strokeDash=[6, 4])
            .encode(
                y="value:Q",
                color=alt.Color("line:N", scale=_scale({k: colors[k] for k in lines["line"]}), title="Line"),
                tooltip=[
                    alt.Tooltip("line:N", title="Line"),
                    alt.Tooltip("value:Q", title="Value", format=",.4~g"),
                ],
            )
        )
    return (
        alt.layer(*layers)
        .resolve_scale(color="independent")
        .properties(title=f"{kpi['name']} ({kpi['kpi_id']})", width=WIDTH, height=220)
    )


def quarter_shading(quarters: list[pd.Period]) -> pd.DataFrame:
    """The start, end and label of each quarter, for :func:`kpi_trend_chart`'s ``shaded``."""
    return pd.DataFrame(
        {
            "start": [q.start_time.normalize() for q in quarters],
            "end": [q.end_time.normalize() for q in quarters],
            "label": [f"{q.year}-Q{q.quarter}" for q in quarters],
        }
    )


def kpi_pair_chart(leading: pd.DataFrame, lagging: pd.DataFrame, names: tuple[str, str]) -> alt.LayerChart:
    """Two KPI series on one time axis, each with its own y axis."""
    x = alt.X("period_start:T", title="Period starting")
    leading, lagging = leading[["period_start", "value"]], lagging[["period_start", "value"]]
    left = (
        alt.Chart(leading)
        .mark_line(color="#2166ac")
        .encode(
            x=x,
            y=alt.Y(
                "value:Q", title=names[0], scale=alt.Scale(zero=False), axis=alt.Axis(titleColor="#2166ac")
            ),
            tooltip=[
                alt.Tooltip("period_start:T", title="Period"),
                alt.Tooltip("value:Q", title=names[0], format=",.4~g"),
            ],
        )
    )
    right = (
        alt.Chart(lagging)
        .mark_line(color="#b2182b")
        .encode(
            x=x,
            y=alt.Y(
                "value:Q", title=names[1], scale=alt.Scale(zero=False), axis=alt.Axis(titleColor="#b2182b")
            ),
            tooltip=[
                alt.Tooltip("period_start:T", title="Period"),
                alt.Tooltip("value:Q", title=names[1], format=",.4~g"),
            ],
        )
    )
    return (
        alt.layer(left, right)
        .resolve_scale(y="independent")
        .properties(title=f"{names[0]} (blue) and {names[1]} (red)", width=WIDTH, height=220)
    )


def correlation_chart(correlations: pd.DataFrame, names: tuple[str, str]) -> alt.Chart:
    """Correlation of the leading KPI with the lagging one k periods later.

    ``correlations`` is a :func:`okrlib.kpi.lagged_correlation` frame.
    """
    return (
        alt.Chart(correlations)
        .mark_bar(color="#4393c3")
        .encode(
            x=alt.X("lag:O", title="Lag (periods the lagging KPI trails by)"),
            y=alt.Y("correlation:Q", title="Correlation", scale=alt.Scale(domain=[-1, 1])),
            tooltip=[
                alt.Tooltip("lag:O", title="Lag"),
                alt.Tooltip("correlation:Q", title="Correlation", format=".2f"),
                alt.Tooltip("pairs:Q", title="Periods compared"),
            ],
        )
        .properties(title=f"{names[0]} against {names[1]} later", width=WIDTH, height=180)
    )


def impact_chart(series: pd.DataFrame, result: pd.Series, unit: str | None = None) -> alt.LayerChart:
    """Weekly actuals, the fitted baseline trend, the counterfactual and the effect's interval.

    ``series`` is an :func:`okrlib.impact.impact_series` frame; ``result`` the KR's row of
    :func:`okrlib.impact.impact`.
    """
    unit_text = f" ({unit})" if unit else ""
    frame = series.assign(
        band_low=series["counterfactual"] + result.get("effect_low", float("nan")),
        band_high=series["counterfactual"] + result.get("effect_high", float("nan")),
    )
    post = frame[frame["phase"] == "post"]
    x = alt.X("week_start:T", title="Week starting")
    band = (
        alt.Chart(post)
        .mark_area(opacity=0.25, color=VERDICT_COLORS.get(result["verdict"], INK))
        .encode(x=x, y="band_low:Q", y2="band_high:Q")
    )
    actual = (
        alt.Chart(frame)
        .mark_line(point=True, color=INK)
        .encode(
            x=x,
            y=alt.Y("value:Q", title=f"{result['kpi_id']}{unit_text}", scale=alt.Scale(zero=False)),
            tooltip=[
                alt.Tooltip("week_start:T", title="Week"),
                alt.Tooltip("phase:N", title="Phase"),
                alt.Tooltip("value:Q", title="Actual", format=",.4~g"),
                alt.Tooltip("counterfactual:Q", title="Counterfactual", format=",.4~g"),
            ],
        )
    )
    baseline = (
        alt.Chart(frame[frame["phase"] == "baseline"])
        .mark_line(color="#2166ac")
        .encode(x=x, y="counterfactual:Q")
    )
    counterfactual = (
        alt.Chart(post).mark_line(color="#2166ac", strokeDash=[6, 4]).encode(x=x, y="counterfactual:Q")
    )
    start = alt.Chart(post.head(1)).mark_rule(color=INK, strokeDash=[2, 2]).encode(x=x)
    verdict = result["verdict"].replace("_", " ")
    title = alt.TitleParams(
        f"{result['kr_id']}: {verdict}",
        subtitle="black: actual weekly values; blue: baseline trend, dashed after the quarter start "
        "(the counterfactual); band: the effect's 95% interval around it",
    )
    return alt.layer(band, baseline, counterfactual, actual, start).properties(
        title=title, width=WIDTH, height=220
    )


def checkin_chart(
    checkins: pd.DataFrame,
    key_result: pd.Series,
    quarter_start: pd.Timestamp,
    quarter_end: pd.Timestamp,
) -> alt.LayerChart:
    """A key result's check-ins against its ideal line from start (quarter start) to target (quarter end)."""
    ideal = pd.DataFrame(
        {
            "date": [quarter_start, quarter_end],
            "value": [key_result.get("start"), key_result.get("target")],
        }
    ).dropna()
    if key_result["kr_type"] == "milestone":
        ideal = pd.DataFrame({"date": [quarter_start, quarter_end], "value": [0.0, 1.0]})
    frame = checkins[["date", "value", "confidence"]]
    x = alt.X("date:T", title="Check-in date", scale=alt.Scale(domain=[quarter_start, quarter_end]))
    points = (
        alt.Chart(frame)
        .mark_line(point=True, color="#2166ac")
        .encode(
            x=x,
            y=alt.Y("value:Q", title=str(key_result.get("unit") or "value"), scale=alt.Scale(zero=False)),
            tooltip=[
                alt.Tooltip("date:T", title="Date"),
                alt.Tooltip("value:Q", title="Value", format=",.4~g"),
                alt.Tooltip("confidence:Q", title="Confidence", format=".0%"),
            ],
        )
    )
    layers = [points]
    if len(ideal):
        kind = "target line" if key_result["kr_type"] in ("at_least", "at_most") else "ideal line"
        line = (
            ideal
            if kind == "ideal line"
            else pd.DataFrame({"date": [quarter_start, quarter_end], "value": [key_result["target"]] * 2})
        )
        layers.insert(
            0,
            alt.Chart(line).mark_line(color="#9e9e9e", strokeDash=[6, 4]).encode(x=x, y="value:Q"),
        )
    title = alt.TitleParams(
        f"{key_result['kr_id']}: {key_result['key_result']}",
        subtitle="dashed: the ideal line from start to target (or the line to hold)",
    )
    return alt.layer(*layers).properties(title=title, width=WIDTH, height=180)


def team_comparison_chart(teams: pd.DataFrame, expected_progress: float) -> alt.LayerChart:
    """Mean objective progress per team with a rule at the expected progress."""
    frame = teams[
        [
            "team",
            "mean_progress",
            "objectives",
            "krs",
            "krs_done",
            "krs_on_track",
            "krs_at_risk",
            "krs_off_track",
            "mean_confidence",
        ]
    ]
    bars = (
        alt.Chart(frame)
        .mark_bar(color="#4393c3")
        .encode(
            x=alt.X(
                "mean_progress:Q",
                title="Mean objective progress",
                scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%"),
            ),
            y=alt.Y("team:N", title=None, sort=None),
            tooltip=[
                alt.Tooltip("team:N", title="Team"),
                alt.Tooltip("mean_progress:Q", title="Mean progress", format=".0%"),
                alt.Tooltip("objectives:Q", title="Objectives"),
                alt.Tooltip("krs:Q", title="Key results"),
                alt.Tooltip("krs_done:Q", title="KRs done"),
                alt.Tooltip("krs_off_track:Q", title="KRs off track"),
                alt.Tooltip("mean_confidence:Q", title="Mean confidence", format=".0%"),
            ],
        )
    )
    rule = (
        alt.Chart(pd.DataFrame({"expected": [expected_progress]}))
        .mark_rule(color=INK, strokeDash=[4, 3])
        .encode(x="expected:Q")
    )
    return (bars + rule).properties(
        title="Teams compared (dashed: expected progress)",
        width=WIDTH,
        height=max(60, 28 * len(frame)),
    )


# The first is what okrlib's renderer writes (nbformat wants "+json" for JSON outputs).
VEGALITE_MIMETYPES = ("application/vnd.vegalite.v6+json", "application/vnd.vegalite.v5+json")


def _renderer(spec: dict, **metadata: object) -> dict:
    """Altair's own HTML output plus the vega-lite spec under its mimetype.

    JupyterLab shows the HTML (or the spec, where it renders vega-lite natively); the report
    renderer (:mod:`okrlib.report`) replaces both with an offline chart.
    """
    html = html_renderer(spec, **metadata)
    return {**(html if isinstance(html, dict) else {}), VEGALITE_MIMETYPES[0]: spec}


def enable() -> None:
    """Render charts in notebooks so both JupyterLab and the offline report can show them."""
    if "okrlib" not in alt.renderers.names():
        alt.renderers.register("okrlib", _renderer)
    alt.renderers.enable("okrlib")


def calibration_chart(bands: pd.DataFrame) -> alt.LayerChart:
    """Hit rate against mean confidence per band and team, with the diagonal of perfect calibration.

    ``bands`` is the second frame of :func:`okrlib.review.calibration`.
    """
    frame = bands[["team", "band", "krs", "mean_confidence", "hit_rate"]].astype({"band": "str"})
    diagonal = alt.Chart(pd.DataFrame({"x": [0, 1], "y": [0, 1]})).mark_line(
        color="#9e9e9e", strokeDash=[4, 3]
    )
    diagonal = diagonal.encode(x="x:Q", y="y:Q")
    points = (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "mean_confidence:Q",
                title="Mid-quarter confidence",
                scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%"),
            ),
            y=alt.Y(
                "hit_rate:Q",
                title="Share achieved",
                scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%"),
            ),
            color=alt.Color("team:N", title="Team"),
            tooltip=[
                alt.Tooltip("team:N", title="Team"),
                alt.Tooltip("band:N", title="Confidence band"),
                alt.Tooltip("krs:Q", title="Key results"),
                alt.Tooltip("hit_rate:Q", title="Achieved", format=".0%"),
            ],
        )
    )
    return alt.layer(diagonal, points).properties(
        title=alt.TitleParams(
            "Confidence calibration", subtitle="on the dashed line, confidence matches results"
        ),
        width=WIDTH,
        height=260,
    )


def grade_distribution_chart(grades: pd.DataFrame) -> alt.LayerChart:
    """Aspirational objectives' grades per team against the 0.6-0.7 sweet spot (shaded)."""
    frame = grades[grades["commitment"] == "aspirational"][["team", "grade", "objective"]]
    spot = alt.Chart(pd.DataFrame({"low": [0.6], "high": [0.7]})).mark_rect(color="#d9f0d3", opacity=0.8)
    spot = spot.encode(x="low:Q", x2="high:Q")
    ticks = (
        alt.Chart(frame)
        .mark_tick(thickness=3, size=16)
        .encode(
            x=alt.X("grade:Q", title="Grade of aspirational objectives", scale=alt.Scale(domain=[0, 1])),
            y=alt.Y("team:N", title=None),
            color=alt.value("#2166ac"),
            tooltip=[
                alt.Tooltip("team:N", title="Team"),
                alt.Tooltip("objective:N", title="Objective"),
                alt.Tooltip("grade:Q", title="Grade", format=".1f"),
            ],
        )
    )
    return alt.layer(spot, ticks).properties(
        title=alt.TitleParams("Aspirational grades", subtitle="shaded: the 0.6-0.7 sweet spot"), width=WIDTH
    )


def team_scores_chart(grades: pd.DataFrame) -> alt.Chart:
    """Each team's mean objective grade quarter over quarter."""
    frame = grades.assign(quarter=grades["quarter"].astype(str))
    frame = frame.groupby(["team", "quarter"], as_index=False)["grade"].mean()
    return (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X("quarter:O", title="Quarter"),
            y=alt.Y("grade:Q", title="Mean objective grade", scale=alt.Scale(domain=[0, 1])),
            color=alt.Color("team:N", title="Team"),
            tooltip=[
                alt.Tooltip("team:N", title="Team"),
                alt.Tooltip("quarter:O", title="Quarter"),
                alt.Tooltip("grade:Q", title="Mean grade", format=".2f"),
            ],
        )
        .properties(title="Team scores quarter over quarter", width=WIDTH, height=220)
    )
