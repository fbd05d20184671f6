"""Altair charts: compute frames in, ``alt.Chart`` out, one colour scheme throughout.

The charts never compute business numbers; they draw the frames of
:mod:`okrlib.analysis.progress`, :mod:`okrlib.analysis.kpi` and :mod:`okrlib.analysis.impact`.
Colours are chosen to
stay apart in print and for the common colour-vision deficiencies.  A team keeps one colour
in every chart when each is given the workbook's teams (``all_teams=workbook.teams()``,
see :func:`team_colors`); codes such as ``on_track`` are shown in words.
"""

from __future__ import annotations

from collections.abc import Iterable

import altair as alt
import pandas as pd
from altair.vegalite.v6.display import jupyter_renderer

from ._chart_style import (
    GRADE_COLORS,
    HEALTH_COLORS,
    INK,
    STATUS_COLORS,
    VERDICT_COLORS,
    WIDTH,
    _label,
    _scale,
    in_words,
    team_colors,
    team_scale,
    words,
)
from ._charts_kpi import correlation_chart, impact_chart, kpi_pair_chart, kpi_trend_chart, quarter_shading
from ._charts_review import calibration_chart, grade_distribution_chart, team_scores_chart
from ._display import VEGALITE_MIMETYPES

__all__ = [
    "GRADE_COLORS",
    "HEALTH_COLORS",
    "STATUS_COLORS",
    "VERDICT_COLORS",
    "calibration_chart",
    "chart_widget",
    "checkin_chart",
    "correlation_chart",
    "enable",
    "grade_distribution_chart",
    "impact_chart",
    "kpi_pair_chart",
    "kpi_trend_chart",
    "kr_progress_chart",
    "objective_scorecard",
    "quarter_shading",
    "team_colors",
    "team_comparison_chart",
    "team_scores_chart",
]

# SVG, as in the reports: crisp when printed, text a reader can select
_EMBED_OPTIONS = {"renderer": "svg"}


def _status_bars(
    frame: pd.DataFrame, x: alt.X, tooltip: list[alt.Tooltip], label_limit: int
) -> tuple[alt.Chart, alt.Chart]:
    """Bars of ``label`` coloured by status (in words), and a black tick at ``expected_progress``.

    Both layers come without data: the caller passes ``frame`` to ``alt.layer``.  (Layers that
    share one frame make altair hash each layer, the frame's text rendering included: half
    the cost of building the chart.)
    """
    y = alt.Y("label:N", title=None, sort=None, axis=alt.Axis(labelLimit=label_limit))
    color = alt.Color("status:N", scale=_scale(words(STATUS_COLORS)), title="Status")
    bars = alt.Chart().mark_bar(height={"band": 0.7}).encode(x=x, y=y, color=color, tooltip=tooltip)
    expected = (
        alt.Chart()
        .mark_tick(color=INK, thickness=2, size=18)
        .encode(x=alt.X("expected_progress:Q"), y=y, tooltip=tooltip)
    )
    return bars, expected


def _ended(frame: pd.DataFrame) -> bool:
    """Whether the frame is of an ended quarter (its rows have grades)."""
    return "grade" in frame and bool(frame["grade"].notna().any())


def kr_progress_chart(key_results: pd.DataFrame, title: str = "Key-result progress") -> alt.LayerChart:
    """Progress bars coloured by status, with a black tick at the expected progress.

    ``key_results`` is a :func:`okrlib.analysis.progress.kr_progress` frame (or a slice of it).
    """
    frame = key_results.assign(
        label=_label(key_results, "kr_id", "key_result"), status=in_words(key_results["status"])
    )
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
    bars, expected = _status_bars(
        frame,
        alt.X(
            "progress:Q",
            title="Progress (share of the way from start to target)",
            scale=alt.Scale(domain=[0, 1]),
            axis=alt.Axis(format="%"),
        ),
        tooltip,
        label_limit=320,
    )
    height = max(60, 26 * len(frame))
    layers = (bars,) if _ended(key_results) else (bars, expected)  # final: nothing expected
    return alt.layer(*layers, data=frame, title=title, width=WIDTH, height=height)


def objective_scorecard(objectives: pd.DataFrame, title: str = "Objectives") -> alt.LayerChart:
    """Objective progress bars coloured by status, labelled with the grade once there is one."""
    frame = objectives.assign(
        label=objectives["team"].astype(str) + " · " + objectives["objective"].astype(str),
        grade_text=objectives["grade"].map(lambda g: "" if pd.isna(g) else f"grade {g:.1f}"),
        status=in_words(objectives["status"]),
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
    bars, expected = _status_bars(
        frame,
        alt.X(
            "progress:Q",
            title="Weighted progress",
            scale=alt.Scale(domain=[0, 1.15]),
            axis=alt.Axis(format="%", values=[0, 0.25, 0.5, 0.75, 1]),
        ),
        tooltip,
        label_limit=360,
    )
    grades = (
        alt.Chart()
        .mark_text(align="left", dx=4, color=INK)
        .encode(x=alt.X("progress:Q"), y=bars.encoding.y, text=alt.Text("grade_text:N"))
    )
    layers = (bars, grades) if _ended(objectives) else (bars, expected, grades)
    return alt.layer(*layers, data=frame, title=title, width=WIDTH, height=max(60, 28 * len(frame)))


def checkin_chart(
    checkins: pd.DataFrame,
    key_result: pd.Series,
    quarter_start: pd.Timestamp,
    quarter_end: pd.Timestamp,
) -> alt.LayerChart:
    """A key result's check-ins against its ideal line from start (quarter start) to target (quarter end).

    The y axis is titled with the key result's unit (``value`` without one); a milestone's
    check-ins are the fraction done, shown as ``done (%)``.
    """
    ideal = pd.DataFrame(
        {
            "date": [quarter_start, quarter_end],
            "value": [key_result.get("start"), key_result.get("target")],
        }
    ).dropna()
    if key_result["kr_type"] == "milestone":
        ideal = pd.DataFrame({"date": [quarter_start, quarter_end], "value": [0.0, 1.0]})
    frame = checkins[["date", "value", "confidence"]]
    milestone = key_result["kr_type"] == "milestone"
    unit = key_result.get("unit")
    if milestone:
        y = alt.Y("value:Q", title="done (%)", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%"))
    else:
        has_unit = isinstance(unit, str) and unit.strip() != ""
        y = alt.Y("value:Q", title=unit if has_unit else "value", scale=alt.Scale(zero=False))
    x = alt.X("date:T", title="Check-in date", scale=alt.Scale(domain=[quarter_start, quarter_end]))
    points = (
        alt.Chart(frame)
        .mark_line(point=True, color="#2166ac")
        .encode(
            x=x,
            y=y,
            tooltip=[
                alt.Tooltip("date:T", title="Date"),
                alt.Tooltip(
                    "value:Q", title="Done" if milestone else "Value", format=".0%" if milestone else ",.4~g"
                ),
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
            alt.Chart(line).mark_line(color="#9e9e9e", strokeDash=[6, 4]).encode(x=x, y=alt.Y("value:Q")),
        )
    title = alt.TitleParams(
        f"{key_result['key_result']}",
        subtitle=f"{key_result['kr_id']} · dashed: the ideal line from start to target (or the line to hold)",
    )
    return alt.layer(*layers, title=title, width=WIDTH, height=180)


def team_comparison_chart(
    teams: pd.DataFrame, expected_progress: float | None, all_teams: Iterable[str] | None = None
) -> alt.LayerChart:
    """Mean objective progress per team with a rule at the expected progress.

    Parameters
    ----------
    teams : a ``QuarterSnapshot.teams`` frame.
    expected_progress : where the dashed rule goes; ``None`` (an ended quarter): no rule.
    all_teams : every team of the workbook (``Workbook.teams()``), for colours that stay the
        same from chart to chart (:func:`team_colors`); default the teams in ``teams``.
    """
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
        .mark_bar()
        .encode(
            color=alt.Color("team:N", scale=team_scale(frame["team"], all_teams), legend=None),
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
    if expected_progress is None:  # an ended quarter: final progress, nothing expected
        return alt.layer(bars, title="Teams compared", width=WIDTH, height=max(60, 28 * len(frame)))
    rule = (
        alt.Chart(pd.DataFrame({"expected": [expected_progress]}))
        .mark_rule(color=INK, strokeDash=[4, 3])
        .encode(x=alt.X("expected:Q"))
    )
    return alt.layer(
        bars,
        rule,
        title="Teams compared (dashed: expected progress)",
        width=WIDTH,
        height=max(60, 28 * len(frame)),
    )


def chart_widget(chart: alt.TopLevelMixin) -> alt.JupyterChart:
    """Altair's chart widget for ``chart``, drawing with the vega bundled in vl-convert.

    JupyterLab's own vega-lite renderer stops at vega-lite 5, and altair's HTML loads vega 6
    from a CDN; the widget (anywidget) draws offline, as SVG, also inside an ``Output``
    widget.  Setting ``widget.chart`` redraws it without sending the vega bundle again.

    Parameters
    ----------
    chart : an altair chart.

    Returns
    -------
    alt.JupyterChart
    """
    alt.JupyterChart.enable_offline()  # once: later calls return at once
    return alt.JupyterChart(chart, embed_options=_EMBED_OPTIONS)


def _lab_bundle(chart: alt.TopLevelMixin, include=None, exclude=None) -> tuple[dict, dict] | None:
    """In JupyterLab: the chart widget, with the vega-lite spec beside it for other readers.

    A renderer other than okrlib's, enabled after :func:`enable`, is left to altair.
    """
    if alt.renderers.active != "okrlib":
        return chart._repr_mimebundle_(include=include, exclude=exclude)
    widget = chart_widget(chart)
    data, metadata = widget._repr_mimebundle_()
    return {**data, VEGALITE_MIMETYPES[0]: widget.spec}, metadata


def _renderer(spec: dict, **metadata: object) -> tuple[dict, dict]:
    """Altair's renderer entry for callers outside IPython's formatter (``chart._repr_mimebundle_()``)."""
    options = {**_EMBED_OPTIONS, **(metadata.get("embed_options") or {})}
    data, extra = jupyter_renderer(spec, offline=True, embed_options=options)
    return {**data, VEGALITE_MIMETYPES[0]: spec}, extra


def _report_bundle(chart: alt.TopLevelMixin, include=None, exclude=None) -> dict:
    """In report kernels: the vega-lite spec only, not validated again.

    The report renderer uses nothing else (it draws the spec offline), and the chart
    functions' specs are validated against the schema by the tests; skipping both halves
    the cost of showing a chart.
    """
    return {VEGALITE_MIMETYPES[0]: chart.to_dict(validate=False, context={"pre_transform": False})}


def enable(report: bool = False) -> None:
    """Render charts in notebooks so both JupyterLab and the offline report can show them.

    In JupyterLab each chart shows as :func:`chart_widget` (no network needed) with its
    vega-lite spec beside it.  With ``report`` (the report kernel's setup,
    :func:`okrlib.reporting.kernel.setup_report_kernel`, passes it) charts are shown as their
    vega-lite spec only.  Both keep altair's own data transformer.
    """
    # registering again replaces the entry; asking first (``names()``) scans every
    # installed package's entry points, about 10 ms a call
    alt.renderers.register("okrlib", _renderer)
    alt.renderers.enable("okrlib")
    shell = _ipython()
    if shell is None:
        return
    formatter = shell.display_formatter.mimebundle_formatter
    if not report:
        # the widget from the chart itself: altair's renderers get its spec and rebuild the
        # chart from it first (validated again, 0.1 s a chart)
        formatter.for_type(alt.TopLevelMixin, _lab_bundle)
        return
    formatter.for_type(alt.TopLevelMixin, _report_bundle)
    # nor validated piece by piece as they are built (altair's debug mode, 70 ms a report)
    alt.utils.schemapi.disable_debug_mode()


def _ipython():
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipykernel
        return None
    return get_ipython()
