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
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import nbformat
import papermill
import pyarrow as pa

from ..exceptions import RenderError
from ..loading.load import load_workbook
from ..model import format_quarter, parse_quarter
from ..presentation import HEADLINE_KEY
from . import _kernels
from ._files import write_atomically
from ._index import add_to_summary, index_facts, write_index
from ._page import convert, vega_bundle

# The review notebook ships inside the package (notebooks/ links to it for JupyterLab).
NOTEBOOK = Path(str(resources.files("okrlib.reporting") / "notebooks" / "quarterly_review.ipynb"))
KERNEL = "python3"  # jupyter_client runs a "python" kernel with this process's interpreter
COMPANY_SLUG = "company"

__all__ = [
    "NOTEBOOK",
    "RenderedReport",
    "render_quarter",
    "render_report",
    "slugify",
    "vega_bundle",
    "write_index",
]


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
        write_atomically(html_path, convert(executed, title))
    os.replace(running, notebook_path)
    failed_path.unlink(missing_ok=True)
    headline = _headline(executed)
    summary = {"team": team, "slug": slug, "html": html_path.name, "headline": headline}
    write_atomically(folder / f"{slug}.json", json.dumps(summary, indent=1))
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
        facts = index_facts(workbook, period, as_of)
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
            facts = index_facts(workbook, period, as_of)  # while the workers render
            for future in as_completed(futures):
                finished(future.result)
    order = list(slugs.values())
    done.sort(key=lambda r: order.index(r.slug))
    day, previous = facts
    for report in done:
        add_to_summary(report.html.parent / f"{report.slug}.json", as_of=day, previous=previous(report.team))
    write_index(Path(out_dir) / label, label)
    if errors:
        raise RenderError("\n".join(errors))
    return done


def _release_memory() -> None:
    """Hand freed memory back to the system: Arrow's pool keeps what a large load freed."""
    gc.collect()
    pa.default_memory_pool().release_unused()
