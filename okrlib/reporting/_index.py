"""The quarter's index page: every report in the folder with its headline numbers, the
previous quarter's and the neighbouring quarters' indexes (``templates/quarter_index.html.j2``)."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path

import jinja2
import markupsafe

from ..analysis import progress
from ..loading.contract import STATUSES
from ..model import Workbook, format_quarter, parse_quarter
from ..presentation import STYLE, decimal, percent
from ._files import write_atomically
from ._page import TEMPLATES

# The review notebook ships inside the package (notebooks/ links to it for JupyterLab).

INDEX_TEMPLATE = "quarter_index.html.j2"  # in TEMPLATES, beside the nbconvert template folder


def index_facts(
    workbook: Workbook, period: object, as_of: str | None
) -> tuple[str, Callable[[str | None], dict[str, object] | None]]:
    """The as-of date of a quarter's reviews, and a function giving a team's (``None``: the
    company's) numbers of the previous quarter, ``None`` when it had no objectives then."""
    _, day = progress.resolve(workbook, period, as_of)
    frame = progress.previous_quarter_summary(workbook, period, day)
    numbers = ["mean_progress", "mean_grade"]
    frame = frame.assign(quarter=frame["quarter"].map(format_quarter)).astype(dict.fromkeys(numbers, object))
    records = frame.where(frame.notna(), None).to_dict(orient="records")  # JSON null, not NaN
    company, teams = (records[0], records[1:]) if records else (None, [])
    by_team = {record["team"]: record for record in teams}

    def previous(team: str | None) -> dict[str, object] | None:
        record = company if team is None else by_team.get(team)
        return None if record is None else {k: v for k, v in record.items() if k != "team"}

    return f"{day:%Y-%m-%d}", previous


def add_to_summary(path: Path, **fields: object) -> None:
    summary = json.loads(path.read_text(encoding="utf-8"))
    write_atomically(path, json.dumps({**summary, **fields}, indent=1))


def _points(value: object) -> str:
    """A change of progress in percentage points: ``0.053`` -> ``+5.3 pp``; missing -> a dash."""
    return "–" if value is None or value != value else f"{100 * float(value):+.1f} pp"


@functools.lru_cache(maxsize=1)
def _index_template() -> jinja2.Template:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    environment.filters.update(percent=percent, decimal=decimal, points=_points)
    return environment.get_template(INDEX_TEMPLATE)


def _index_row(summary: dict) -> dict[str, object]:
    h = summary["headline"]  # empty when the notebook did not show present.headline
    before = summary.get("previous") or {}  # absent from summaries render_quarter did not complete
    now, then = h.get("mean_progress"), before.get("mean_progress")
    return {
        "href": summary["html"],
        "name": summary["team"] or "Company (all teams)",
        "as_of": summary.get("as_of") or h.get("as_of"),
        "objectives": h.get("objectives", "–"),
        "mean_progress": now,
        "expected_progress": h.get("expected_progress"),
        "counts": " · ".join(
            f"{h[f'objectives_{s}']} {s.replace('_', ' ')}" for s in STATUSES if f"objectives_{s}" in h
        ),
        "mean_grade": h.get("mean_grade"),
        "previous_mean_progress": then,
        "previous_mean_grade": before.get("mean_grade"),
        "progress_change": None if now is None or then is None else now - then,
    }


def _neighbour(folder: Path, label: str, step: int) -> dict[str, str] | None:
    other = format_quarter(parse_quarter(label) + step)
    if (folder.parent / other / "index.html").is_file():
        return {"label": other, "href": f"../{other}/index.html"}
    return None


def write_index(folder: Path, label: str, neighbours: bool = True) -> Path:
    """``index.html``: every report in ``folder`` (each has a ``<slug>.json`` summary) with its
    headline numbers, the company first, from the template ``templates/quarter_index.html.j2``.

    The page shows the reports' as-of date (each row's when they differ) and, per report,
    the previous quarter's overall progress and mean grade of its team (the whole company
    for the company's report) and the change: the report's overall progress minus that
    progress, in percentage points (:func:`okrlib.analysis.progress.previous_quarter_summary`; a dash
    when the team had no objectives then or the summary lacks them).

    Links to the neighbouring quarters: a link to the previous (next) calendar quarter,
    ``../2026-Q2/index.html``, appears when that quarter's ``index.html`` exists beside
    ``folder`` when this index is written.  With ``neighbours`` (the default), the indexes
    of the neighbouring quarters that exist are then rewritten too (from their own
    summaries), so that their links to this quarter appear: whatever order quarters are
    rendered in, every index links each adjacent quarter that has an index.
    """
    folder = Path(folder)
    summaries = [json.loads(path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.json"))]
    summaries.sort(key=lambda s: (s["team"] is not None, s["team"] or ""))
    rows = [_index_row(summary) for summary in summaries]
    as_of_dates = sorted({row["as_of"] for row in rows if row["as_of"]})
    html = _index_template().render(
        label=label,
        style=markupsafe.Markup(STYLE),
        rows=rows,
        as_of_dates=as_of_dates,
        several_dates=len(as_of_dates) > 1,
        previous_label=format_quarter(parse_quarter(label) - 1),
        previous_index=_neighbour(folder, label, -1),
        next_index=_neighbour(folder, label, 1),
    )
    path = folder / "index.html"
    folder.mkdir(parents=True, exist_ok=True)
    write_atomically(path, html)
    if neighbours:
        for step in (-1, 1):
            other = _neighbour(folder, label, step)
            if other is not None:
                write_index(folder.parent / other["label"], other["label"], neighbours=False)
    return path
