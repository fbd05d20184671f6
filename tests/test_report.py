"""Rendering: the CLI end to end, escaping, safe paths and failed renders."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from conftest import GOOD, ROOT, SAMPLE, run_okrlib
from jupyter_core.utils import run_sync

import okrlib
from okrlib import RenderError
from okrlib.analysis import impact, kpi, lint, review
from okrlib.presentation import present
from okrlib.reporting import _kernels, _page, report

TEAMS = ["company", "customer-success", "marketing", "operations", "product", "sales"]


def figures(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-okr="([a-z_]+)">([^<]*)<', html))


@pytest.mark.parametrize("quarter", ["2026-Q3", "2026-Q4"])
def test_every_team_rendered_with_index_and_executed_notebook(rendered: Path, quarter: str) -> None:
    folder = rendered / quarter
    for slug in TEAMS:
        assert (folder / f"{slug}.html").stat().st_size > 100_000
        assert (folder / f"{slug}.ipynb").exists()
    index = (folder / "index.html").read_text()
    links = [link for link in re.findall(r'href="([^"]+)"', index) if not link.startswith("../")]
    assert sorted(links) == sorted(f"{slug}.html" for slug in TEAMS)  # and the neighbour quarters'
    assert all((folder / link).exists() for link in links)


@pytest.mark.parametrize(
    ("quarter", "team"), [("2026-Q3", None), ("2026-Q3", "Sales"), ("2026-Q4", "Operations")]
)
def test_key_numbers_equal_the_snapshot(rendered: Path, sample, quarter: str, team: str | None) -> None:
    html = (rendered / quarter / f"{report.slugify(team)}.html").read_text()
    shown = figures(html)
    headline = okrlib.quarter_snapshot(sample, quarter, team=team).headline
    assert shown["mean_progress"] == present.percent(headline["mean_progress"])
    assert shown["objectives"] == str(headline["objectives"])
    assert shown["key_results"] == str(headline["key_results"])
    if quarter == "2026-Q3":  # ended: final results, a grade, nothing "expected by now"
        assert headline["ended"] and "expected_progress" not in shown
        statuses, others = okrlib.analysis.progress.FINAL_STATUSES, ("on_track", "at_risk", "off_track")
        assert shown["mean_grade"] == present.decimal(headline["mean_grade"])
    else:
        assert shown["expected_progress"] == present.percent(headline["expected_progress"])
        statuses, others = okrlib.analysis.progress.PACE_STATUSES, ("missed",)
        assert "mean_grade" not in shown
    for status in statuses:
        assert shown[f"objectives_{status}"] == str(headline[f"objectives_{status}"])
    assert not any(f"objectives_{status}" in shown for status in others)
    summary = json.loads((rendered / quarter / f"{report.slugify(team)}.json").read_text())["headline"]
    assert summary["quarter"] == quarter and summary["team"] == team  # read back from the report
    assert summary["objectives"] == headline["objectives"]
    assert summary["mean_progress"] == pytest.approx(headline["mean_progress"])
    index = (rendered / quarter / "index.html").read_text()
    assert f'data-okr="mean_progress">{present.percent(headline["mean_progress"])}<' in index
    assert " · ".join(f"{headline[f'objectives_{s}']} {s.replace('_', ' ')}" for s in statuses) in index


def test_report_is_offline_titled_and_has_no_code(rendered: Path) -> None:
    html = (rendered / "2026-Q3" / "sales.html").read_text()
    assert "<title>Sales: 2026-Q3 quarterly review</title>" in html
    assert not re.search(r"<script[^>]+src=", html)
    assert not re.search(r"<link[^>]+href=\"https?:", html)
    assert html.count("window.vegaEmbed=") == 1  # the bundle is inlined once
    assert html.count('class="okr-chart"') >= 5
    assert "okrlib.load_workbook" not in html  # inputs are hidden
    nav = re.search(r'<nav [^>]*class="okr-toc"[^>]*>(.*?)</nav>', html).group(1)
    anchors = re.findall(r'href="#([^"]+)"', nav)
    assert "KPI-health" in anchors and len(anchors) >= 8
    assert all(f'id="{anchor}"' in html for anchor in anchors)  # each entry leads to its heading
    assert html.index("<h1") < html.index('class="okr-toc"') < html.index('id="Headline"')
    assert "80%-confident key results were achieved" in html  # the calibration sentence
    assert "OKR007" in html  # a lint finding about the Sales pipeline objective
    for section in (
        "Headline",
        "Objectives and key results",
        "Alignment",
        "Charts per objective",
        "KPI health",
        "Did the OKRs move their KPIs?",
        "Forecast odds",
        "Confidence calibration",
        "Grade distributions",
        "OKR quality",
        "Data quality",
        "Appendix: the rules used",
    ):
        assert f">{section}<" in html


def hostile_data(folder: Path) -> Path:
    shutil.copytree(GOOD, folder)
    okrs = (folder / "okrs.csv").read_text()
    okrs = okrs.replace("Win EMEA", "<script>alert(1)</script>").replace(
        ",Sales,", ",../../Evil <b>Team</b>,"
    )
    (folder / "okrs.csv").write_text(okrs)
    return folder


def test_user_text_is_escaped_and_team_names_cannot_leave_the_folder(tmp_path: Path) -> None:
    data = hostile_data(tmp_path / "data")
    out = tmp_path / "out"
    done = run_okrlib("report", "--quarter", "2026-Q3", "--all-teams", "--data", str(data), "--out", str(out))
    assert done.returncode == 0, done.stderr
    files = sorted(p.name for p in (out / "2026-Q3").glob("*.html"))
    assert files == ["company.html", "evil-b-team-b.html", "index.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "out"]
    for name in files:
        html = (out / "2026-Q3" / name).read_text()
        assert "<script>alert(1)</script>" not in html
        assert "<b>Team</b>" not in html
    team = (out / "2026-Q3" / "evil-b-team-b.html").read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in team
    assert "../../Evil &lt;b&gt;Team&lt;/b&gt;" in team


@pytest.mark.parametrize(
    ("team", "slug"),
    [
        ("Customer Success", "customer-success"),
        ("../../etc/passwd", "etc-passwd"),
        ("...", "team"),
        ("Ops/EMEA", "ops-emea"),
        (None, "company"),
        ("Über Team", "ber-team"),
    ],
)
def test_slugs_are_safe_file_names(team: str | None, slug: str) -> None:
    assert report.slugify(team) == slug


def test_distinct_teams_with_the_same_slug_get_distinct_files() -> None:
    teams = [None, "Sales", "sales", "SALES!", "Sales 2", "Index", "Company Ops"]
    slugs = report._slugs(teams)
    assert slugs == {
        None: "company",
        "SALES!": "sales-3",  # sorted: SALES!, Sales, sales; sales-2 is "Sales 2"'s own
        "Sales": "sales-4",
        "sales": "sales-5",
        "Sales 2": "sales-2",
        "Index": "index-2",  # never the quarter's index.html
        "Company Ops": "company-ops",
    }
    assert len(set(slugs.values())) == len(teams)
    # a team keeps its file name whichever teams one render asks for
    assert report._slugs(["sales"], every_team=[t for t in teams if t]) == {"sales": "sales-5"}


def test_a_failed_render_keeps_the_previous_report(tmp_path: Path) -> None:
    out = tmp_path / "out"
    report.render_report(SAMPLE, "2026-Q3", "Sales", out)
    before = (out / "2026-Q3" / "sales.html").read_bytes()
    failing = ROOT / "tests" / "data" / "notebooks" / "failing.ipynb"
    expected = r"report 2026-Q3 Sales failed in cell 4 \('raise ValueError\(f\"boom for \{team\}\"\)'\): ValueError: boom"
    with pytest.raises(RenderError, match=expected):
        report.render_report(SAMPLE, "2026-Q3", "Sales", out, notebook=failing)
    assert (out / "2026-Q3" / "sales.html").read_bytes() == before
    failed = out / "2026-Q3" / "sales.failed.ipynb"
    assert "boom for Sales" in failed.read_text()
    assert not list((out / "2026-Q3").glob(".*"))  # no temporary files left behind
    done = run_okrlib(
        "report",
        "--quarter",
        "2026-Q3",
        "--team",
        "Sales",
        "--data",
        str(SAMPLE),
        "--out",
        str(out),
        "--notebook",
        str(failing),
    )
    assert done.returncode == 1
    assert "okrlib report: error: report 2026-Q3 Sales failed in cell 4" in done.stderr
    assert "ValueError: boom for Sales" in done.stderr


def chart_free_outputs(notebook: Path) -> list[object]:
    """Each code cell's execution count and outputs, altair's HTML (random element ids) left out."""
    cells = json.loads(notebook.read_text())["cells"]
    return [
        (
            cell["execution_count"],
            [
                {k: v for k, v in out.get("data", out).items() if k != "text/html" or "altair" not in str(v)}
                for out in cell["outputs"]
            ],
        )
        for cell in cells
        if cell["cell_type"] == "code"
    ]


def test_a_report_from_a_warm_kernel_equals_one_rendered_alone(rendered: Path, tmp_path: Path) -> None:
    # the fixture rendered six reports with two workers: sales came from a kernel reused at least once
    alone = report.render_report(SAMPLE, "2026-Q3", "Sales", tmp_path)
    warm = chart_free_outputs(rendered / "2026-Q3" / "sales.ipynb")
    assert warm == chart_free_outputs(alone.notebook)
    assert [count for count, _ in warm][:3] == [1, 2, 3]


def probe_notebook(path: Path, source: str) -> Path:
    """A review-shaped notebook: the parameters cell, then one cell of ``source``."""
    cells = [
        nbformat.v4.new_code_cell(
            "data_dir = quarter = team = as_of = None", metadata={"tags": ["parameters"]}
        ),
        nbformat.v4.new_code_cell(source),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def test_warm_kernels_start_clean_and_survive_a_failed_report(tmp_path: Path) -> None:
    notebook = probe_notebook(
        tmp_path / "probe.ipynb",
        'assert "left_over" not in globals(), left_over\n'
        "left_over = team\n"
        'if team == "Sales":\n    raise ValueError("boom")\n'
        "print(team)",
    )
    with pytest.raises(RenderError, match="Sales failed.*ValueError: boom") as failed:
        report.render_quarter(
            SAMPLE,
            "2026-Q3",
            [None, "Sales", "Product", "Marketing"],
            tmp_path / "out",
            jobs=1,
            notebook=notebook,
        )
    assert "AssertionError" not in str(failed.value)  # each report saw a fresh namespace
    folder = tmp_path / "out" / "2026-Q3"
    assert sorted(p.name for p in folder.glob("*.html")) == [
        "company.html",
        "index.html",
        "marketing.html",
        "product.html",
    ]
    assert (folder / "sales.failed.ipynb").exists()
    assert 'data-okr="objectives">–<' in (folder / "index.html").read_text()  # it showed no headline


def test_report_kernels_talk_over_unix_sockets_keep_no_history_and_know_they_render_a_report(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "3")  # the kernel gets the caller's environment as it is
    probe_notebook(
        tmp_path / "env.ipynb",
        "import os\n"
        "from ipykernel.kernelapp import IPKernelApp\n"
        'print([os.environ.get(k) for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")]'
        " + [IPKernelApp.instance().transport, get_ipython().history_manager.enabled, report_mode])",
    )
    sockets = set(Path(tempfile.gettempdir()).glob("okrlib-kernel-*"))
    done = report.render_report(SAMPLE, "2026-Q3", "Sales", tmp_path / "out", notebook=tmp_path / "env.ipynb")
    printed = nbformat.read(done.notebook, as_version=4).cells[-1].outputs[0]["text"]
    # Unix sockets; no history database; the notebook is told it renders a report
    assert printed.strip() == "[None, '3', 'ipc', False, True]"
    assert set(Path(tempfile.gettempdir()).glob("okrlib-kernel-*")) == sockets  # and removed
    assert "OPENBLAS_NUM_THREADS" not in os.environ


def test_importing_okrlib_changes_nothing_global_and_the_report_kernel_setup_is_one_call() -> None:
    # a fresh interpreter: okrlib's imports leave pandas' options and the import system as
    # they were; setup_report_kernel() alone sets a report kernel up
    probe = (
        "import sys, pandas as pd, altair as alt\n"
        "options = pd.describe_option(_print_desc=False)\n"
        "before = {k for k, v in sys.modules.items() if v is None}\n"
        "import okrlib\n"
        "from okrlib.analysis import changes, impact, kpi, lint, review\n"
        "from okrlib.presentation import charts, present, widgets\n"
        "from okrlib.reporting.kernel import setup_report_kernel\n"
        "print(pd.describe_option(_print_desc=False) == options,"
        " sorted({k for k, v in sys.modules.items() if v is None} - before),"
        " pd.get_option('mode.string_storage'), alt.data_transformers.active)\n"
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "shell = InteractiveShell.instance()\n"
        "setup_report_kernel()\n"
        "print(pd.get_option('mode.string_storage'), alt.data_transformers.active,"
        " alt.renderers.active, shell.display_formatter.mimebundle_formatter.lookup_by_type(alt.TopLevelMixin).__name__)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-2:] == [
        "True [] auto default",
        "python default okrlib _report_bundle",
    ]


def _review_frames(storage: str) -> dict[str, pd.DataFrame]:
    """Every frame the review notebook shows, for Sales in 2026-Q3 and the company in
    2026-Q4, computed with pandas' string storage ``storage``."""
    frames: dict[str, pd.DataFrame] = {}
    with pd.option_context("mode.string_storage", storage):
        workbook = okrlib.load_workbook(SAMPLE)
        assert workbook.key_results["kr_id"].dtype.storage == storage  # the option took effect
        frames["kpi_history"] = workbook.kpi_history
        frames["weekly"] = kpi.aggregate(workbook.kpi_history, workbook.kpis, "week")
        scores, bands = review.calibration(review.graded_confidence(workbook))
        grades, team_grades, missed = review.grade_distribution(workbook)
        frames.update(scores=scores, bands=bands, grades=grades, team_grades=team_grades, missed=missed)
        for quarter, team in [("2026-Q3", "Sales"), ("2026-Q4", None)]:
            snapshot = okrlib.quarter_snapshot(workbook, quarter, team=team)
            results = impact.impact(workbook, snapshot.quarter, snapshot.as_of, team=team)
            shown = {
                **{k: v for k, v in vars(snapshot).items() if isinstance(v, pd.DataFrame)},
                "health": kpi.health(workbook.kpi_history, workbook.kpis, snapshot.as_of),
                "impact": results,
                "guardrails": impact.guardrails(workbook, snapshot.quarter, snapshot.as_of),
                "odds": review.forecast_odds(workbook, snapshot.quarter, snapshot.as_of),
                "lint": lint.lint(workbook, snapshot.quarter, snapshot.as_of),
            }
            for row in results[results["effect"].notna()].itertuples():
                shown[f"series {row.kr_id}"] = impact.impact_series(
                    workbook, snapshot.quarter, row.kpi_id, row.segment, snapshot.as_of
                )
            frames.update({f"{quarter} {team}: {name}": frame for name, frame in shown.items()})
    return frames


def test_report_kernels_python_strings_give_the_same_frames_as_arrow_strings() -> None:
    # report kernels hold text in Python strings (setup_report_kernel); a user's session
    # in Arrow's: the review must not tell them apart
    arrow, python = _review_frames("pyarrow"), _review_frames("python")
    assert list(arrow) == list(python) and len(arrow) > 25
    for name, frame in arrow.items():
        assert [str(t) for t in frame.dtypes] == [str(t) for t in python[name].dtypes], name
        pd.testing.assert_frame_equal(  # values alike; the storages (of categories too) differ
            frame,
            python[name],
            check_dtype=False,
            check_index_type=False,
            check_column_type=False,
            check_categorical=False,
            obj=name,
        )


def test_report_kernels_preload_the_notebooks_okrlib_imports_out_of_its_namespace(tmp_path: Path) -> None:
    assert _kernels.okrlib_imports(report.NOTEBOOK).splitlines() == [
        "import okrlib",
        "from okrlib.analysis import changes, impact, kpi, lint, review",
        "from okrlib.presentation import charts, present",
        "from okrlib.reporting.kernel import setup_report_kernel",
    ]
    probe_notebook(
        tmp_path / "preload.ipynb",
        "import gc, sys, time\n"
        "deadline = time.monotonic() + 20\n"
        "while not (gc.get_freeze_count() and gc.isenabled()) and time.monotonic() < deadline:\n"
        "    time.sleep(0.01)  # frozen once imported, the collector back on\n"
        "print(gc.get_freeze_count() > 0, gc.isenabled(), 'okrlib.presentation.charts' in sys.modules,"
        ' [k for k in ("charts", "okrlib", "threading") if k in globals()],'
        " get_ipython().history_manager.enabled)\n"
        "import okrlib.presentation.charts  # a top-level import: preloaded, so loaded before this line runs",
    )
    done = report.render_report(
        SAMPLE, "2026-Q3", "Sales", tmp_path / "out", notebook=tmp_path / "preload.ipynb"
    )
    cell = nbformat.read(done.notebook, as_version=4).cells[-1]
    assert cell.outputs[0]["text"].strip() == "True True True [] False"
    assert cell.execution_count == 3  # after the parameters and papermill's: the preload took none


@pytest.mark.parametrize("fails", [False, True])
def test_a_lone_render_returns_with_its_kernel_gone(tmp_path: Path, fails: bool) -> None:
    # the kernel is killed as the HTML is made; render_report waits for that to finish
    notebook = probe_notebook(
        tmp_path / "probe.ipynb",
        "import json, os\nfrom ipykernel import get_connection_file\n"
        "connection = get_connection_file()\n"
        "print(json.dumps([os.getpid(), connection, json.load(open(connection))['ip']]))\n"
        + ("raise ValueError('after printing')" if fails else ""),
    )
    if fails:
        with pytest.raises(RenderError, match="after printing"):
            report.render_report(SAMPLE, "2026-Q3", "Sales", tmp_path, notebook=notebook)
        executed = tmp_path / "2026-Q3" / "sales.failed.ipynb"
    else:
        executed = report.render_report(SAMPLE, "2026-Q3", "Sales", tmp_path, notebook=notebook).notebook
    pid, connection, socket = json.loads(nbformat.read(executed, as_version=4).cells[-1].outputs[0]["text"])
    with pytest.raises(ProcessLookupError):  # gone, and reaped
        os.kill(pid, 0)
    assert not Path(connection).exists()
    assert not Path(socket).parent.exists()  # the kernel's private socket folder


def test_a_failed_preload_leaves_the_kernel_working() -> None:
    kernel = _kernels.ReportKernel.start("python3", str(ROOT), "import okrlib.no_such_module")
    try:
        printed = []
        reply = run_sync(kernel.client.execute_interactive)(
            "import gc, time\n"
            "deadline = time.monotonic() + 20\n"
            "while not gc.isenabled() and time.monotonic() < deadline:\n"
            "    time.sleep(0.01)\n"
            "print(gc.isenabled(), sorted(k for k in globals() if not k.startswith('_') and k not in ('gc', 'time', 'deadline')))",
            output_hook=lambda msg: printed.append(msg["content"].get("text", "")),
            timeout=30,
        )
    finally:
        kernel.stop()
    assert reply["content"]["status"] == "ok"
    assert "".join(printed).strip() == "True ['In', 'Out', 'exit', 'get_ipython', 'open', 'quit']"


def test_default_quarter_is_the_latest_with_okrs(tmp_path: Path) -> None:
    done = run_okrlib("report", "--data", str(GOOD), "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "2026-Q3" / "company.html").exists()
    summary = json.loads((tmp_path / "2026-Q3" / "company.json").read_text())
    assert summary["headline"]["objectives"] == 2


def test_interactive_cells_and_code_are_left_out_of_the_html() -> None:
    import nbformat

    nb = nbformat.v4.new_notebook()
    shown = nbformat.v4.new_code_cell("print('for the report')")
    shown.outputs = [nbformat.v4.new_output("stream", text="VISIBLE OUTPUT\n")]
    widget = nbformat.v4.new_code_cell("panel = make_panel()")
    widget.metadata["tags"] = ["interactive"]
    widget.outputs = [nbformat.v4.new_output("stream", text="WIDGET OUTPUT\n")]
    chart = nbformat.v4.new_code_cell("chart")
    chart.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={
                "application/vnd.vegalite.v6+json": {
                    "mark": "point",
                    "title": "</script><script>alert(2)</script>",
                },
                "text/html": "<div>altair's own HTML, which loads vega from a CDN</div>",
            },
        )
    ]
    nb.cells = [nbformat.v4.new_markdown_cell("## Section"), shown, widget, chart]
    before = nbformat.writes(nb)
    prepared = _page._offline_charts(nb)
    assert nbformat.writes(nb) == before  # the executed notebook is left as it is
    html, _ = _page._exporter().from_notebook_node(
        prepared, resources={"okrlib": {"vega_bundle": "/* vega */"}}
    )
    assert "VISIBLE OUTPUT" in html and "WIDGET OUTPUT" not in html
    assert "print(" not in html and "make_panel" not in html
    assert 'vegaEmbed("#okr-chart-1"' in html and "CDN" not in html
    assert "</script><script>alert(2)" not in html


def test_an_unknown_team_is_an_error_naming_the_teams(tmp_path: Path) -> None:
    done = run_okrlib(
        "report", "--quarter", "2026-Q3", "--team", "Salse", "--data", str(SAMPLE), "--out", str(tmp_path)
    )
    assert done.returncode == 1
    assert "no objectives of team 'Salse' in 2026-Q3; teams: Company, Customer Success" in done.stderr
