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
``render_quarter`` renders in a pool of worker processes (a single report in the calling
process, on a kernel stopped right after it); each worker keeps one warm
kernel for all its reports and clears it between them (:mod:`okrlib._kernels`).
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import tempfile
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from html import escape
from pathlib import Path

import nbformat
import papermill
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor

from . import _kernels
from ._display import HEADLINE_KEY, STYLE, VEGALITE_MIMETYPES, decimal, percent
from ._parse import format_quarter, parse_quarter
from ._sections import merge_details
from .contract import STATUSES
from .exceptions import RenderError
from .load import load_workbook

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "quarterly_review.ipynb"
TEMPLATES = Path(__file__).resolve().parent / "templates"
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
    ``<details>`` output (:func:`okrlib._sections.merge_details`).
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
    resources = {"metadata": {"name": title}, "okrlib": {"vega_bundle": vega_bundle()}}
    return _exporter().from_notebook_node(_offline_charts(notebook), resources=resources)[0]


def _warm_up_conversion() -> None:
    """Convert a two-cell notebook: building the exporter and compiling its templates and
    the notebook validator take 0.25 s in a fresh process, the same for any notebook."""
    cells = [
        nbformat.v4.new_markdown_cell("# Warm-up\n\n*text*"),
        nbformat.v4.new_code_cell(
            outputs=[nbformat.v4.new_output("display_data", {"text/html": "<b>1</b>"})]
        ),
    ]
    with contextlib.suppress(Exception):  # the report's own conversion raises it again
        _convert(nbformat.v4.new_notebook(cells=cells), "warm-up")


@functools.lru_cache(maxsize=1)
def _conversion_warmed_up() -> threading.Thread:
    """The warm-up, on a thread of its own once per process: it runs while the kernel executes
    the notebook, and the report's conversion joins it.  Not earlier: beside the kernel's
    start-up it held the GIL the handshake needs, and the start took 0.3 s longer."""
    thread = threading.Thread(target=_warm_up_conversion, name="okrlib-warm-up", daemon=True)
    thread.start()
    return thread


def _table_of_contents(body: str, title: str) -> str:
    """Set the page title and put a table of contents (from the h2 headings) under the first h1."""
    headings = re.findall(r'<h2 id="([^"]+)">(.*?)<a class="anchor-link"', body)
    items = "".join(f'<li><a href="#{anchor}">{text}</a></li>' for anchor, text in headings)
    nav = f'<nav class="okr-toc" aria-label="Contents"><b>Contents</b><ol>{items}</ol></nav>'
    body = re.sub(r"<title>.*?</title>", f"<title>{escape(title)}</title>", body, count=1, flags=re.S)
    return re.sub(r"(</h1>)", lambda m: m.group(1) + "\n" + nav, body, count=1)


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
    }
    title = f"{team or 'Company'}: {label} quarterly review"
    with contextlib.ExitStack() as kernel_in_use:  # a lone kernel is stopped as the HTML is made
        executed = _execute(kernel_in_use, notebook, running, failed_path, parameters)
        executed.metadata.pop("widgets", None)  # the notebook papermill wrote to ``running``
        body = _convert(executed, title)
        _write_atomically(html_path, _table_of_contents(body, title))
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
    warming_up = None
    try:
        kernel = kernel_in_use.enter_context(_kernels.report_kernel(KERNEL, cwd, notebook))
        warming_up = _conversion_warmed_up()
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
    finally:
        if warming_up is not None:
            warming_up.join()  # never left running: the caller may fork next (render_quarter's pool)


def _headline(executed: nbformat.NotebookNode) -> dict[str, object]:
    """The numbers ``present.headline`` showed in the executed notebook (empty if it was not
    called: a notebook of one's own need not show them)."""
    for cell in executed.cells:
        for output in cell.get("outputs", []):
            for metadata in output.get("metadata", {}).values():
                if isinstance(metadata, dict) and HEADLINE_KEY in metadata:
                    return metadata[HEADLINE_KEY]
    return {}


def _slugs(teams: Iterable[str | None]) -> dict[str | None, str]:
    """Distinct slugs: a second team with the same slug gets ``-2`` and so on."""
    seen: dict[str, int] = {}
    out = {}
    for team in teams:
        base = slugify(team)
        seen[base] = seen.get(base, 0) + 1
        out[team] = base if seen[base] == 1 else f"{base}-{seen[base]}"
    return out


def render_quarter(
    data_dir: str | Path = "data",
    quarter: str | None = None,
    teams: Iterable[str | None] | None = None,
    out_dir: str | Path = "reports",
    as_of: str | None = None,
    jobs: int | None = None,
    notebook: str | Path = NOTEBOOK,
    on_done: Callable[[RenderedReport], None] | None = None,
) -> list[RenderedReport]:
    """Render several reports of one quarter (in parallel) and write the quarter's index.

    Parameters
    ----------
    teams : team names, ``None`` standing for the company; default the company and every
        team with objectives in the quarter.
    jobs : parallel renders (default: the number of cores).
    on_done : called with each finished report (the CLI prints a line).

    Raises
    ------
    RenderError
        When any report failed (the others are still written, and the index links them).
    """
    workbook = load_workbook(data_dir)
    period = parse_quarter(quarter) if quarter is not None else workbook.quarters[-1]
    label = format_quarter(period)
    known = workbook.teams(period)
    if teams is None:
        teams = [None] + [t for t in known if t != "Company"]
    unknown = [t for t in teams if t is not None and t not in known]
    if unknown:
        raise RenderError(f"no objectives of team {unknown[0]!r} in {label}; teams: {', '.join(known)}")
    slugs = _slugs(list(teams))
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
        finished(functools.partial(render_report, data_dir, label, team, out_dir, as_of, slug, notebook))
    else:
        with ProcessPoolExecutor(max_workers=jobs, initializer=_kernels.keep_warm) as pool:
            futures = [
                pool.submit(render_report, data_dir, label, team, out_dir, as_of, slug, notebook)
                for team, slug in slugs.items()
            ]
            for future in as_completed(futures):
                finished(future.result)
    order = list(slugs.values())
    done.sort(key=lambda r: order.index(r.slug))
    write_index(Path(out_dir) / label, label)
    if errors:
        raise RenderError("\n".join(errors))
    return done


def write_index(folder: Path, label: str) -> Path:
    """``index.html``: every report in ``folder`` (each has a ``<slug>.json`` summary) with its
    headline numbers, the company first."""
    summaries = [json.loads(path.read_text()) for path in sorted(folder.glob("*.json"))]
    summaries.sort(key=lambda s: (s["team"] is not None, s["team"] or ""))
    rows = []
    for summary in summaries:
        h = summary["headline"]  # empty when the notebook did not show present.headline
        counts = " · ".join(
            f"{h[f'objectives_{s}']} {s.replace('_', ' ')}" for s in STATUSES if f"objectives_{s}" in h
        )
        name = summary["team"] or "Company (all teams)"
        rows.append(
            f'<tr><td><a href="{escape(summary["html"])}">{escape(name)}</a></td>'
            f'<td class="num" data-okr="objectives">{h.get("objectives", "–")}</td>'
            f'<td class="num" data-okr="mean_progress">{percent(h.get("mean_progress"))}</td>'
            f'<td class="num">{percent(h.get("expected_progress"))}</td><td>{counts or "–"}</td>'
            f'<td class="num">{decimal(h.get("mean_grade"))}</td></tr>'
        )
    html = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{label} quarterly reviews</title>{STYLE}
<style>body{{font-family:system-ui,sans-serif;max-width:1000px;margin:24px auto;padding:0 16px}}</style>
</head><body><h1>{label} quarterly reviews</h1>
<table class="okr-table"><thead><tr><th>Report</th><th>Objectives</th><th>Overall progress</th>
<th>Expected</th><th>Objectives by status</th><th>Mean grade</th></tr></thead>
<tbody>{"".join(rows)}</tbody></table>
</body></html>
"""
    path = folder / "index.html"
    folder.mkdir(parents=True, exist_ok=True)
    _write_atomically(path, html)
    return path
