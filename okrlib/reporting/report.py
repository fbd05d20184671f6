"""Render quarterly reviews: papermill runs the notebook, nbconvert writes offline HTML.

``render_quarter`` renders the company's and every team's review of a quarter into
``OUT/<quarter>/<slug>.html`` (the executed notebook beside it as ``<slug>.ipynb``) and
writes ``OUT/<quarter>/index.html`` linking them with their headline numbers.

Offline by construction: the template drops every script the lab template loads from a
network, the vega libraries (``vl_convert.javascript_bundle()``) are inlined once per
report, and each chart output becomes a ``<div>`` drawn by ``vegaEmbed``.  Code is hidden;
cells tagged ``interactive`` are removed.  Every file is written to a temporary name and
moved into place, so a failed render leaves the previous report intact; the failed
notebook is kept as ``<slug>.failed.ipynb``.

The index's headline numbers are the ones the report showed: ``present.headline`` puts
them in its output's metadata, and they are read back from the executed notebook.
``render_quarter`` adds to each report's ``<slug>.json`` summary the as-of date and the
previous quarter's numbers of its team (:func:`okrlib.analysis.progress.previous_quarter_summary`),
computed once in this process from the workbook it loaded; the index (``write_index``, from
the template ``templates/quarter_index.html.j2``) shows them beside the headline.
``render_quarter`` renders in a pool of worker processes (a single report in the calling
process, on a kernel stopped right after it); each worker keeps one warm
kernel for all its reports and clears it between them (:mod:`okrlib.reporting._kernels`).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import os
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from xml.etree import ElementTree

import jinja2
import markupsafe
import nbformat
import papermill
import pyarrow as pa
from nbconvert import HTMLExporter
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from nbconvert.preprocessors import TagRemovePreprocessor

from ..analysis import progress
from ..exceptions import RenderError
from ..loading.contract import STATUSES
from ..loading.load import load_workbook
from ..model import Workbook, format_quarter, parse_quarter
from ..presentation import HEADLINE_KEY, STYLE, VEGALITE_MIMETYPES, decimal, merge_details, percent
from . import _kernels

# The review notebook ships inside the package (notebooks/ links to it for JupyterLab).
NOTEBOOK = Path(str(resources.files("okrlib.reporting") / "notebooks" / "quarterly_review.ipynb"))
TEMPLATES = Path(__file__).resolve().parent / "templates"
INDEX_TEMPLATE = "quarter_index.html.j2"  # in TEMPLATES, beside the nbconvert template folder
KERNEL = "python3"  # jupyter_client runs a "python" kernel with this process's interpreter
COMPANY_SLUG = "company"
REMOVED_TAGS = {"interactive"}  # cells left out of the HTML (widgets for live meetings)


def slugify(team: str | None) -> str:
    """A file-name-safe slug: lower-case letters, digits and dashes only, never empty.

    Examples
    --------
    >>> slugify("Customer Success"), slugify("../../etc"), slugify(None)
    ('customer-success', 'etc', 'company')
    """
    if team is None:
        return COMPANY_SLUG
    slug = re.sub(r"[^a-z0-9]+", "-", team.lower()).strip("-")[:60].strip("-")
    return slug or "team"


@dataclass(frozen=True)
class RenderedReport:
    """Where one report went and the headline numbers the index shows."""

    team: str | None
    slug: str
    html: Path
    notebook: Path
    headline: dict[str, object]


def _offline_charts(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``notebook`` in which each vega-lite output of a shown cell is an offline
    ``<div>`` drawn by the inlined ``vegaEmbed``, its spec written out as JSON text.

    Done before nbconvert, which deep-copies and validates the notebook several times: as
    text, a chart's spec is one string rather than hundreds of nested nodes (converting the
    Sales report: 87 -> 59 ms).  The notebook itself is left as it is.

    Each collapsible group of a cell's outputs (``present.details``) becomes one
    ``<details>`` output (:func:`okrlib.presentation.merge_details`).
    """
    count = 0
    cells = []
    for cell in notebook.cells:
        if cell.get("outputs") and not REMOVED_TAGS & set(cell.metadata.get("tags", [])):
            outputs = []
            for output in cell.outputs:
                data = output.get("data", {})
                spec = next((data[m] for m in VEGALITE_MIMETYPES if m in data), None)
                if spec is not None:
                    count += 1
                    output = nbformat.from_dict({**output, "data": {"text/html": _chart_html(spec, count)}})
                outputs.append(output)
            merged = merge_details(outputs)  # new outputs are dicts; the others stay as they are
            outputs = [o if isinstance(o, nbformat.NotebookNode) else nbformat.from_dict(o) for o in merged]
            cell = nbformat.NotebookNode({**cell, "outputs": outputs})
        cells.append(cell)
    return nbformat.NotebookNode({**notebook, "cells": cells})


def _chart_html(spec: dict, number: int) -> str:
    """A ``<div>`` and the inline script that draws ``spec`` into it with ``vegaEmbed``.

    The spec's JSON escapes ``<``, ``>`` and ``&`` (as ``\\u003c`` and so on), so no text
    in it can end the script or open a comment, whatever a user's file holds.
    """
    target = f"okr-chart-{number}"
    payload = json.dumps(spec, sort_keys=True).translate(_SCRIPT_SAFE)
    return (
        f'<div class="okr-chart" id="{target}"></div>\n<script type="text/javascript">'
        f'vegaEmbed("#{target}", {payload}, {{"actions": false, "renderer": "svg"}});</script>'
    )


_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


@functools.lru_cache(maxsize=1)
def vega_bundle() -> str:
    """The vega, vega-lite and vega-embed libraries as one script.

    Building it takes about a second, so it is kept in the temporary folder, named by the
    vl-convert version, and reused by later processes.
    """
    import vl_convert

    cache = Path(tempfile.gettempdir()) / f"okrlib-vega-{vl_convert.__version__}.js"
    if cache.is_file():
        return cache.read_text(encoding="utf-8")
    bundle = vl_convert.javascript_bundle().replace("</script", "<\\/script")
    _write_atomically(cache, bundle)
    return bundle


@functools.lru_cache(maxsize=1)
def _exporter() -> HTMLExporter:
    exporter = HTMLExporter(
        template_name="okrlib",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        optimistic_validation=True,  # validate once after the preprocessors, not after each of 13
    )
    exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags=REMOVED_TAGS), enabled=True)
    return exporter


def _convert(notebook: nbformat.NotebookNode, title: str) -> str:
    resources = {
        "metadata": {"name": title},
        "okrlib": {"vega_bundle": vega_bundle(), "contents": _contents(notebook)},
    }
    return _exporter().from_notebook_node(_offline_charts(notebook), resources=resources)[0]


class _HeadingCollector(IPythonRenderer):
    """nbconvert's own markdown renderer, noting each heading as it renders it (with the id
    and anchor nbconvert gives it in the page)."""

    def __init__(self) -> None:
        super().__init__(escape=False)
        self.headings: list[tuple[int, ElementTree.Element]] = []

    def heading(self, text: str, level: int, **attrs: object) -> str:
        html = super().heading(text, level, **attrs)
        with contextlib.suppress(ElementTree.ParseError):  # nbconvert leaves such a heading bare too
            self.headings.append((level, ElementTree.fromstring(html)))
        return html


def _contents(notebook: nbformat.NotebookNode) -> dict[str, object]:
    """The table of contents the template draws under the title: each ``##`` heading of the
    markdown cells (its anchor and text), and the title's cell: the first tagged ``title``,
    else the first markdown cell with a ``#`` heading."""
    headings: list[dict[str, str]] = []
    title_cell = next((cell.get("id") for cell in notebook.cells if "title" in _tags(cell)), None)
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        collector = _HeadingCollector()
        MarkdownWithMath(renderer=collector).render(cell.source)
        for level, element in collector.headings:
            if level == 1 and title_cell is None:
                title_cell = cell.get("id")
            link = element.find("a[@class='anchor-link']")
            if level == 2 and link is not None:
                element.remove(link)
                headings.append({"anchor": element.get("id", ""), "text": "".join(element.itertext())})
    return {"headings": headings, "title_cell": title_cell}


def _tags(cell: nbformat.NotebookNode) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def _write_atomically(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; a report is for sharing
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _inside(folder: Path, path: Path) -> Path:
    if not path.resolve().is_relative_to(folder.resolve()):
        raise RenderError(f"refusing to write {path} outside {folder}")
    return path


def render_report(
    data_dir: str | Path,
    quarter: str,
    team: str | None,
    out_dir: str | Path,
    as_of: str | None = None,
    slug: str | None = None,
    notebook: str | Path = NOTEBOOK,
    since: str | None = None,
) -> RenderedReport:
    """Execute the review notebook for one team (``None``: the company) and write its HTML.

    Raises
    ------
    RenderError
        Naming the report and the failing cell's error; the executed notebook is kept as
        ``<slug>.failed.ipynb`` and any previous report is left as it was.
    """
    period = parse_quarter(quarter)
    label = format_quarter(period)
    slug = slug or slugify(team)
    folder = Path(out_dir) / label
    folder.mkdir(parents=True, exist_ok=True)
    html_path = _inside(folder, folder / f"{slug}.html")
    notebook_path = _inside(folder, folder / f"{slug}.ipynb")
    failed_path = folder / f"{slug}.failed.ipynb"
    running = folder / f".{slug}.running.ipynb"
    parameters = {
        "data_dir": str(Path(data_dir).resolve()),
        "quarter": label,
        "team": team,
        "as_of": as_of,
        "since": since,
        "report_mode": True,  # the notebook calls okrlib.reporting.kernel.setup_report_kernel()
    }
    title = f"{team or 'Company'}: {label} quarterly review"
    with contextlib.ExitStack() as kernel_in_use:  # a lone kernel is stopped as the HTML is made
        executed = _execute(kernel_in_use, notebook, running, failed_path, parameters)
        executed.metadata.pop("widgets", None)  # the notebook papermill wrote to ``running``
        _stable_cell_ids(executed)
        _write_atomically(html_path, _convert(executed, title))
    os.replace(running, notebook_path)
    failed_path.unlink(missing_ok=True)
    headline = _headline(executed)
    summary = {"team": team, "slug": slug, "html": html_path.name, "headline": headline}
    _write_atomically(folder / f"{slug}.json", json.dumps(summary, indent=1))
    return RenderedReport(team, slug, html_path, notebook_path, headline)


def _execute(
    kernel_in_use: contextlib.ExitStack,
    notebook: str | Path,
    running: Path,
    failed_path: Path,
    parameters: dict[str, str | None],
) -> nbformat.NotebookNode:
    """Run ``notebook`` with papermill into ``running`` on a report kernel that stays in use
    until ``kernel_in_use`` closes.  A failure is a RenderError, the notebook moved to
    ``failed_path``."""
    who = f"{parameters['quarter']} {parameters['team'] or 'company'}"
    cwd = str(Path(notebook).resolve().parent)
    try:
        kernel = kernel_in_use.enter_context(_kernels.report_kernel(KERNEL, cwd, notebook))
        return papermill.execute_notebook(
            str(notebook),
            str(running),
            parameters=parameters,
            kernel_name=KERNEL,
            cwd=cwd,
            request_save_on_cell_execute=False,  # saving ~400 kB after every cell costs a second
            progress_bar=False,
            log_output=False,
            **kernel,
        )
    except papermill.PapermillExecutionError as error:
        os.replace(running, failed_path)
        first_line = (error.source or "").strip().splitlines()[:1]
        raise RenderError(
            f"report {who} failed in cell {error.exec_count} ({' '.join(first_line)!r}): "
            f"{error.ename}: {error.evalue} (executed notebook kept as {failed_path})"
        ) from None
    except Exception as error:
        if running.exists():
            os.replace(running, failed_path)
        raise RenderError(f"report {who} failed: {type(error).__name__}: {error}") from None


def _headline(executed: nbformat.NotebookNode) -> dict[str, object]:
    """The numbers ``present.headline`` showed in the executed notebook (empty if it was not
    called: a notebook of one's own need not show them)."""
    for cell in executed.cells:
        for output in cell.get("outputs", []):
            for metadata in output.get("metadata", {}).values():
                if isinstance(metadata, dict) and HEADLINE_KEY in metadata:
                    return metadata[HEADLINE_KEY]
    return {}


def _stable_cell_ids(notebook: nbformat.NotebookNode) -> None:
    """Give papermill's injected parameters cell a fixed id (it draws a random one), so the
    same data, parameters and notebook always give the same HTML, byte for byte."""
    for cell in notebook.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"


RESERVED_SLUGS = frozenset({COMPANY_SLUG, "index"})


def _slugs(teams: Iterable[str | None], every_team: Iterable[str] = ()) -> dict[str | None, str]:
    """A distinct file name for each of ``teams`` (``None``: the company).

    Slugs are settled over ``every_team`` of the quarter (plus ``teams``), in sorted order, so
    a team keeps its file name whichever teams one render asks for.  A slug that two teams
    share, or that is reserved (``company``, ``index``), gets the first free ``-2``, ``-3``...
    that no other team's slug is; a unique slug is kept as it is.
    """
    teams = list(teams)
    names = sorted({*every_team, *(t for t in teams if t is not None)})
    bases = {name: slugify(name) for name in names}
    counts = Counter(bases.values())
    chosen = {name: base for name, base in bases.items() if counts[base] == 1 and base not in RESERVED_SLUGS}
    taken = set(RESERVED_SLUGS) | set(chosen.values()) | set(bases.values())
    for name in names:
        if name not in chosen:
            base, number = bases[name], 2
            while f"{base}-{number}" in taken:
                number += 1
            chosen[name] = f"{base}-{number}"
            taken.add(chosen[name])
    return {team: COMPANY_SLUG if team is None else chosen[team] for team in teams}


def render_quarter(
    data_dir: str | Path = "data",
    quarter: str | None = None,
    teams: Iterable[str | None] | None = None,
    out_dir: str | Path = "reports",
    as_of: str | None = None,
    jobs: int | None = None,
    notebook: str | Path = NOTEBOOK,
    on_done: Callable[[RenderedReport], None] | None = None,
    since: str | None = None,
) -> list[RenderedReport]:
    """Render several reports of one quarter (in parallel) and write the quarter's index.

    Parameters
    ----------
    teams : team names, ``None`` standing for the company; default the company and every
        team with objectives in the quarter.
    jobs : parallel renders (default: the number of cores).
    since : the previous review's date, for "what changed" (default: 14 days before as-of).
    on_done : called with each finished report (the CLI prints a line).

    Raises
    ------
    RenderError
        When any report failed (the others are still written, and the index links them).
    """
    teams = None if teams is None else list(teams)
    # an SQL source is asked for one team's KPIs when one team's report is rendered (okrlib._sql)
    workbook = load_workbook(data_dir, team=teams[0] if teams is not None and len(teams) == 1 else None)
    period = parse_quarter(quarter) if quarter is not None else workbook.quarters[-1]
    label = format_quarter(period)
    known = workbook.teams(period)
    if teams is None:
        teams = [None] + [t for t in known if t != "Company"]
    unknown = [t for t in teams if t is not None and t not in known]
    if unknown:
        raise RenderError(f"no objectives of team {unknown[0]!r} in {label}; teams: {', '.join(known)}")
    slugs = _slugs(teams, known)
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(slugs)))
    done: list[RenderedReport] = []
    errors: list[str] = []

    def finished(result: Callable[[], RenderedReport]) -> None:
        try:
            report = result()
        except RenderError as error:
            errors.append(str(error))
            return
        done.append(report)
        if on_done:
            on_done(report)

    if len(slugs) == 1:  # one report: rendered in this process, its kernel stopped right after
        team, slug = next(iter(slugs.items()))
        # the index's facts first, and the workbook let go before the kernel loads its own:
        # with a 10M-row history the two copies would take 2.3 GB together
        facts = _index_facts(workbook, period, as_of)
        del workbook
        _release_memory()
        finished(
            functools.partial(render_report, data_dir, label, team, out_dir, as_of, slug, notebook, since)
        )
    else:
        with ProcessPoolExecutor(max_workers=jobs, initializer=_kernels.keep_warm) as pool:
            futures = [
                pool.submit(render_report, data_dir, label, team, out_dir, as_of, slug, notebook, since)
                for team, slug in slugs.items()
            ]
            facts = _index_facts(workbook, period, as_of)  # while the workers render
            for future in as_completed(futures):
                finished(future.result)
    order = list(slugs.values())
    done.sort(key=lambda r: order.index(r.slug))
    day, previous = facts
    for report in done:
        _add_to_summary(report.html.parent / f"{report.slug}.json", as_of=day, previous=previous(report.team))
    write_index(Path(out_dir) / label, label)
    if errors:
        raise RenderError("\n".join(errors))
    return done


def _release_memory() -> None:
    """Hand freed memory back to the system: Arrow's pool keeps what a large load freed."""
    gc.collect()
    pa.default_memory_pool().release_unused()


def _index_facts(
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


def _add_to_summary(path: Path, **fields: object) -> None:
    summary = json.loads(path.read_text(encoding="utf-8"))
    _write_atomically(path, json.dumps({**summary, **fields}, indent=1))


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
    _write_atomically(path, html)
    if neighbours:
        for step in (-1, 1):
            other = _neighbour(folder, label, step)
            if other is not None:
                write_index(folder.parent / other["label"], other["label"], neighbours=False)
    return path
