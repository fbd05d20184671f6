"""KPI charts: trends, two KPIs compared, lagged correlation, impact (see :mod:`.charts`)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from ..model import format_quarter
from ._chart_style import (
    INK,
    QUARTER_SHADE,
    SEGMENT_PALETTE,
    THRESHOLD_COLOR,
    THRESHOLD_DASHES,
    VERDICT_COLORS,
    WIDTH,
)


def kpi_trend_chart(
    series: pd.DataFrame, kpi: pd.Series, shaded: pd.DataFrame | None = None, period: str | None = None
) -> alt.LayerChart:
    """A KPI's aggregated values over time with OKR quarters shaded and target/threshold lines.

    ``series`` is an :func:`okrlib.analysis.kpi.aggregate` frame (period_start, value, segment);
    ``kpi`` the KPI's row of ``Workbook.kpis``; ``shaded`` a frame of start, end and label
    (e.g. the quarters whose key results link this KPI); ``period`` the period ``series``
    was aggregated to (``"week"``, ``"month"``, ``"quarter"``), named in the subtitle and
    the x axis (``None``: the axis says "Period starting" and there is no subtitle).

    Segments take the colours of ``SEGMENT_PALETTE`` (``all`` first, then the others
    sorted); the target and thresholds are grey lines told apart by their dashes (named in
    the legend ``Line``), so no line shares a colour with a segment.
    """
    unit = "" if pd.isna(kpi.get("unit")) else f" ({kpi['unit']})"
    starting = "Period starting" if period is None else f"{period.capitalize()} starting"
    frame = series[["period_start", "segment", "value", "observations"]]
    layers = []
    if shaded is not None and len(shaded):
        layers.append(
            alt.Chart(shaded[["start", "end", "label"]])
            .mark_rect(color=QUARTER_SHADE, opacity=0.7)
            .encode(x=alt.X("start:T"), x2=alt.X2("end:T"), tooltip=[alt.Tooltip("label:N", title="Quarter")])
        )
    layers.append(
        alt.Chart(frame)
        .mark_line(point=alt.OverlayMarkDef(size=12))
        .encode(
            x=alt.X("period_start:T", title=starting),
            y=alt.Y("value:Q", title=f"{kpi['name']}{unit}", scale=alt.Scale(zero=False)),
            color=alt.Color(
                "segment:N",
                title="Segment",
                scale=alt.Scale(domain=_segments(frame["segment"]), range=list(SEGMENT_PALETTE)),
            ),
            tooltip=[
                alt.Tooltip("period_start:T", title=starting),
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
        dashes = alt.Scale(domain=list(lines["line"]), range=[THRESHOLD_DASHES[n] for n in lines["line"]])
        layers.append(
            alt.Chart(lines)
            .mark_rule(color=THRESHOLD_COLOR, strokeWidth=1.5)
            .encode(
                y=alt.Y("value:Q"),
                strokeDash=alt.StrokeDash("line:N", scale=dashes, title="Line"),
                tooltip=[
                    alt.Tooltip("line:N", title="Line"),
                    alt.Tooltip("value:Q", title="Value", format=",.4~g"),
                ],
            )
        )
    title = f"{kpi['name']} ({kpi['kpi_id']})"
    return alt.layer(
        *layers,
        title=title if period is None else alt.TitleParams(title, subtitle=PERIOD_SUBTITLES[period]),
        width=WIDTH,
        height=220,
    )


PERIOD_SUBTITLES = {
    "week": "weekly values, complete weeks (Monday to Sunday)",
    "month": "monthly values, complete months",
    "quarter": "quarterly values, complete quarters",
}


def _segments(segments: pd.Series) -> list[str]:
    """``all`` first, then the other segments sorted: a segment's colour follows its name."""
    names = sorted(segments.dropna().astype(str).unique())
    return sorted(names, key=lambda name: name != "all")


def quarter_shading(quarters: list[pd.Period]) -> pd.DataFrame:
    """The start, end and label of each quarter, for :func:`kpi_trend_chart`'s ``shaded``."""
    return pd.DataFrame(
        {
            "start": [q.start_time.normalize() for q in quarters],
            "end": [q.end_time.normalize() for q in quarters],
            "label": [format_quarter(q) for q in quarters],
        }
    )


def _kpi_line(frame: pd.DataFrame, name: str, color: str) -> alt.Chart:
    return (
        alt.Chart(frame[["period_start", "value"]])
        .mark_line(color=color)
        .encode(
            x=alt.X("period_start:T", title="Period starting"),
            y=alt.Y("value:Q", title=name, scale=alt.Scale(zero=False), axis=alt.Axis(titleColor=color)),
            tooltip=[
                alt.Tooltip("period_start:T", title="Period"),
                alt.Tooltip("value:Q", title=name, format=",.4~g"),
            ],
        )
    )


def kpi_pair_chart(leading: pd.DataFrame, lagging: pd.DataFrame, names: tuple[str, str]) -> alt.LayerChart:
    """Two KPI series on one time axis, each with its own y axis."""
    left, right = _kpi_line(leading, names[0], "#2166ac"), _kpi_line(lagging, names[1], "#b2182b")
    return alt.layer(
        left,
        right,
        resolve=alt.Resolve(scale=alt.ScaleResolveMap(y="independent")),
        title=f"{names[0]} (blue) and {names[1]} (red)",
        width=WIDTH,
        height=220,
    )


def correlation_chart(correlations: pd.DataFrame, names: tuple[str, str]) -> alt.Chart:
    """Correlation of the leading KPI with the lagging one k periods later.

    ``correlations`` is a :func:`okrlib.analysis.kpi.lagged_correlation` frame.
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
    """Weekly or monthly actuals, the fitted baseline trend, the counterfactual and the
    effect's interval.

    ``series`` is an :func:`okrlib.analysis.impact.impact_series` frame; ``result`` the KR's row of
    :func:`okrlib.analysis.impact.impact`.
    """
    unit_text = f" ({unit})" if unit else ""
    # the interval of the shape the verdict found (a step, or a ramp growing over the quarter)
    prefix = "ramp_" if result.get("shape") == "ramp" else "effect_"
    shape = series["effect_shape"] if "effect_shape" in series else series["phase"].eq("post").astype(float)
    frame = series.assign(
        band_low=series["counterfactual"] + result.get(f"{prefix}low", float("nan")) * shape,
        band_high=series["counterfactual"] + result.get(f"{prefix}high", float("nan")) * shape,
    )
    post = frame[frame["phase"] == "post"]
    unit = series["period"].iloc[0] if len(series) else "week"
    x = alt.X("point_start:T", title=f"{unit.capitalize()} starting")
    band = (
        alt.Chart(post)
        .mark_area(opacity=0.25, color=VERDICT_COLORS.get(result["verdict"], INK))
        .encode(x=x, y=alt.Y("band_low:Q"), y2=alt.Y2("band_high:Q"))
    )
    actual = (
        alt.Chart(frame)
        .mark_line(point=True, color=INK)
        .encode(
            x=x,
            y=alt.Y("value:Q", title=f"{result['kpi_id']}{unit_text}", scale=alt.Scale(zero=False)),
            tooltip=[
                alt.Tooltip("point_start:T", title=unit.capitalize()),
                alt.Tooltip("phase:N", title="Phase"),
                alt.Tooltip("value:Q", title="Actual", format=",.4~g"),
                alt.Tooltip("counterfactual:Q", title="Counterfactual", format=",.4~g"),
            ],
        )
    )
    baseline = (
        alt.Chart(frame[frame["phase"] == "baseline"])
        .mark_line(color="#2166ac")
        .encode(x=x, y=alt.Y("counterfactual:Q"))
    )
    counterfactual = (
        alt.Chart(post).mark_line(color="#2166ac", strokeDash=[6, 4]).encode(x=x, y=alt.Y("counterfactual:Q"))
    )
    start = alt.Chart(post.head(1)).mark_rule(color=INK, strokeDash=[2, 2]).encode(x=x)
    verdict = result["verdict"].replace("_", " ")
    title = alt.TitleParams(
        f"{result.get('key_result', result['kr_id'])}: its KPI {verdict}",
        subtitle=f"black: actual {unit}ly values; blue: baseline trend, dashed after the quarter start "
        "(the counterfactual); band: the interval of the effect found (a step or a build-up)",
    )
    return alt.layer(band, baseline, counterfactual, actual, start, title=title, width=WIDTH, height=220)
