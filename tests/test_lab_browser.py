"""JupyterLab in a real headless browser, the network cut off: the notebooks run, draw and react.

A JupyterLab server runs on 127.0.0.1 over a temporary copy of the notebooks and the sample
data (Run All autosaves, and the committed notebooks stay free of outputs), with the okrlib
kernel the notebooks name.  Chromium aborts and records every request that does not go to
that server.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import nbformat
import pytest
from conftest import ARTIFACTS, CHROMIUM, FLAGS, ROOT
from jupyter_client.kernelspec import KernelSpecManager
from playwright.sync_api import sync_playwright

import okrlib
from okrlib.presentation import widgets

pytestmark = pytest.mark.browser

# a chart: a widget's view shown in an ipywidgets Output (the panels show their charts there,
# their tables as HTML); the view is there whether or not vega drew into it
CHART_OUTPUTS = ".widget-output .jp-OutputArea-output:has(> .lm-Widget)"
DRAWN = "svg.marks"  # vega's SVG renderer (okrlib asks for SVG, as in the reports)
VEGALITE = "application/vnd.vegalite.v6+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# charts a cell shows itself, as the quarterly review does (opened in JupyterLab)
CELL_CHARTS = nbformat.v4.new_notebook(
    cells=[
        nbformat.v4.new_code_cell(
            "from IPython.display import display\n"
            "import okrlib\n"
            "from okrlib.presentation import charts\n\n"
            "charts.enable()\n"
            "snapshot = okrlib.quarter_snapshot(okrlib.load_workbook('../data'), '2026-Q3', team='Sales')\n"
            "display(charts.objective_scorecard(snapshot.objectives))\n"
            "charts.kr_progress_chart(snapshot.key_results)"
        )
    ],
    metadata={"kernelspec": {"name": "okrlib", "display_name": "Python (okrlib)", "language": "python"}},
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server over a copy of notebooks/ and data/; its URL and token."""
    if "okrlib" not in KernelSpecManager().find_kernel_specs():
        pytest.fail("the okrlib kernel is not installed: `make venv` installs it")
    root = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "data", root / "data")
    (root / "notebooks").mkdir()
    for name in ("kpi_explorer.ipynb", "review_meeting.ipynb"):
        shutil.copy(ROOT / "notebooks" / name, root / "notebooks" / name)
    nbformat.write(CELL_CHARTS, root / "notebooks" / "cell_charts.ipynb")
    notices = root / ".settings" / "@jupyterlab" / "apputils-extension"
    notices.mkdir(parents=True)  # no toast asking to fetch Jupyter news
    (notices / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    port, token = _free_port(), secrets.token_hex(16)
    private = {  # settings, workspaces and runtime files of this server only
        "JUPYTER_CONFIG_DIR": root / ".config",
        "JUPYTERLAB_SETTINGS_DIR": root / ".settings",
        "JUPYTERLAB_WORKSPACES_DIR": root / ".workspaces",
        "JUPYTER_RUNTIME_DIR": root / ".runtime",
    }
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--MappingKernelManager.default_kernel_name=okrlib",
    ] + (["--allow-root"] if os.getuid() == 0 else [])
    log = (root / "server.log").open("wb")
    server = subprocess.Popen(
        command,
        cwd=root,
        env={**os.environ, **{k: str(v) for k, v in private.items()}},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its kernels too are in its process group
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start:\n{(root / 'server.log').read_text()[-3000:]}")
                time.sleep(0.2)
        yield url, token
    finally:
        server.terminate()  # shuts its kernels down
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        with contextlib.suppress(ProcessLookupError):  # a kernel the server could not stop
            os.killpg(server.pid, signal.SIGKILL)
        log.close()


@pytest.fixture(scope="module")
def page(lab):
    """JupyterLab's page with every request outside the server aborted and recorded."""
    url, token = lab
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it (make browser)")
    state = {"network": [], "page_errors": []}

    def route(request_route):
        if request_route.request.url.startswith((url, "data:", "blob:", "about:")):
            request_route.continue_()
        else:
            state["network"].append(request_route.request.url)
            request_route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        lab_page = browser.new_page(viewport={"width": 1400, "height": 1000})
        lab_page.route("**/*", route)
        lab_page.on("pageerror", lambda error: state["page_errors"].append(str(error)))
        lab_page.goto(f"{url}/lab?reset&token={token}")
        lab_page.wait_for_function("window.jupyterapp !== undefined", timeout=30_000)
        lab_page.evaluate(
            "async () => { await window.jupyterapp.started; await window.jupyterapp.restored; }"
        )
        yield lab_page, state
        browser.close()


def run_all(page, path: str) -> dict:
    """Open ``path`` in JupyterLab, Run All, wait for the kernel to be idle; facts about the run."""
    return page.evaluate(
        """async path => {
            const app = window.jupyterapp;
            const panel = await app.commands.execute('docmanager:open', {path});
            await panel.context.ready;
            await panel.sessionContext.ready;
            app.shell.activateById(panel.id);
            const ok = await app.commands.execute('notebook:run-all-cells');
            const kernel = panel.sessionContext.session.kernel;
            while (kernel.status !== 'idle') await new Promise(r => setTimeout(r, 50));
            const outputs = [];
            for (const cell of panel.content.widgets) {
                if (cell.model.type !== 'code') continue;
                for (const output of cell.model.outputs.toJSON()) outputs.push(output);
            }
            return {ok, kernel: kernel.name, outputs, id: panel.id};
        }""",
        path,
    )


def wait_for_charts(page, notebook, expected: int, text: str = "") -> None:
    """Every chart in the notebook's panel is drawn: one SVG in each of ``expected`` chart outputs,
    the first showing ``text``; true for a whole second (an ipywidgets Output may lay its outputs
    out again once while its state goes to the kernel and back)."""
    page.evaluate("window.okrlibDrawn = {}")
    page.wait_for_function(
        """([id, selector, drawn, expected, text]) => {
            const charts = [...document.getElementById(id).querySelectorAll(selector)];
            const ok = expected > 0 && charts.length === expected
                && charts.every(c => c.querySelectorAll(`.vega-embed ${drawn}`).length === 1)
                && charts[0].innerText.includes(text);
            const since = (window.okrlibDrawn ??= {});
            if (!ok) { delete since[id]; return false; }
            since[id] ??= performance.now();
            return performance.now() - since[id] > 1000;
        }""",
        arg=[notebook["id"], CHART_OUTPUTS, DRAWN, expected, text],
        polling=100,
        timeout=30_000,
    )


def check_run(page, state, notebook, expected: int) -> None:
    panel = page.locator(f"#{notebook['id']}")
    assert notebook["ok"] and notebook["kernel"] == "okrlib"
    kinds = [output["output_type"] for output in notebook["outputs"]]
    assert "error" not in kinds and not any(o.get("name") == "stderr" for o in notebook["outputs"]), kinds
    assert panel.locator("[data-mime-type='application/vnd.jupyter.stderr']").count() == 0  # tracebacks too
    wait_for_charts(page, notebook, expected)
    for text in ("Error loading script", "JavaScript Error", "Error displaying widget"):
        assert panel.get_by_text(text).count() == 0, text
    assert state["network"] == [], state["network"]
    assert state["page_errors"] == [], state["page_errors"]


def dropdown_names(page, notebook) -> list[tuple[str, float, float]]:
    """Each dropdown of the panel: its longest entry, that entry's width and the room it has."""
    return page.evaluate(
        """id => [...document.getElementById(id).querySelectorAll('.widget-dropdown select')].map(s => {
            const style = getComputedStyle(s);
            const context = document.createElement('canvas').getContext('2d');
            context.font = style.font;
            const longest = [...s.options].map(o => [o.text, context.measureText(o.text).width])
                .sort((a, b) => b[1] - a[1])[0];
            const room = s.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
            return [longest[0], longest[1], room];
        })""",
        notebook["id"],
    )


def names_fit(page, notebook, dropdowns: int) -> None:
    """The panel has ``dropdowns`` dropdowns, each wide enough for its longest entry."""
    names = dropdown_names(page, notebook)
    assert len(names) == dropdowns
    assert [name for name in names if name[1] > name[2]] == []


def test_kpi_explorer_draws_offline_and_redraws_on_a_new_kpi(page) -> None:
    lab_page, state = page
    notebook = run_all(lab_page, "notebooks/kpi_explorer.ipynb")
    check_run(lab_page, state, notebook, expected=3)  # the trend, leading against lagging, lags
    names_fit(lab_page, notebook, 4)  # KPI, period, leading, lagging
    panel = lab_page.locator(f"#{notebook['id']}")
    trend = panel.locator(CHART_OUTPUTS).first.locator(DRAWN)
    before = trend.inner_html()
    assert "<path" in before
    kpis = okrlib.load_workbook(ROOT / "data").kpis
    other = kpis.iloc[-1]
    panel.locator(".widget-dropdown", has_text="KPI").locator("select").select_option(
        label=f"{other['name']} ({other['kpi_id']})"
    )
    lab_page.wait_for_function(  # the output shows a new view: look the chart up each time
        """([id, selector, drawn, before]) => {
            const svg = document.getElementById(id).querySelector(`${selector} ${drawn}`);
            return svg && svg.querySelector('path') && svg.innerHTML !== before;
        }""",
        arg=[notebook["id"], CHART_OUTPUTS, DRAWN, before],
        timeout=20_000,
    )
    wait_for_charts(lab_page, notebook, 3, text=str(other["name"]))
    ARTIFACTS.mkdir(exist_ok=True)
    lab_page.screenshot(path=str(ARTIFACTS / "lab-kpi-explorer.png"))
    assert state["network"] == [] and state["page_errors"] == []


def test_review_meeting_draws_offline_with_readable_widgets(page) -> None:
    lab_page, state = page
    notebook = run_all(lab_page, "notebooks/review_meeting.ipynb")
    meeting = widgets.ReviewMeeting(okrlib.load_workbook(ROOT / "data"))
    krs = meeting.key_results[meeting.key_results["objective_id"] == meeting.objective.value]
    # the objectives, the key results, each key result's check-ins
    expected = 2 + int(krs["kr_id"].isin(meeting.snapshot.checkins["kr_id"]).sum())
    check_run(lab_page, state, notebook, expected)
    names_fit(lab_page, notebook, 3)  # quarter, team, objective
    panel = lab_page.locator(f"#{notebook['id']}")
    team = panel.locator(".widget-dropdown", has_text="Team").locator("select")
    shown = team.evaluate("s => s.options[s.selectedIndex]?.text") or ""
    assert shown.replace("\xa0", " ") == widgets.COMPANY  # ipywidgets shows spaces as no-break spaces
    sliders = panel.locator(".widget-slider")
    assert sliders.count() == len(krs) > 0
    labels = sliders.locator(".widget-label")
    assert [t.replace("\xa0", " ") for t in labels.all_inner_texts()] == list(krs["key_result"])
    assert labels.evaluate_all("ls => ls.filter(l => l.scrollWidth > l.clientWidth).length") == 0
    ARTIFACTS.mkdir(exist_ok=True)
    sliders.last.scroll_into_view_if_needed()
    lab_page.screenshot(path=str(ARTIFACTS / "lab-review-meeting.png"))
    assert state["network"] == [] and state["page_errors"] == []


def test_charts_a_cell_shows_draw_offline(page) -> None:
    # charts.enable(): the chart widget, with the vega-lite spec beside it for other readers
    lab_page, state = page
    notebook = run_all(lab_page, "notebooks/cell_charts.ipynb")
    assert notebook["ok"] and notebook["kernel"] == "okrlib"
    outputs = notebook["outputs"]
    assert [o["output_type"] for o in outputs] == ["display_data", "execute_result"]
    assert all(VEGALITE in o["data"] and WIDGET_VIEW in o["data"] for o in outputs)
    lab_page.wait_for_function(
        "([id, drawn]) => document.getElementById(id).querySelectorAll(drawn).length === 2",
        arg=[notebook["id"], f".jp-Cell-outputArea .vega-embed {DRAWN}"],
        timeout=30_000,
    )
    panel = lab_page.locator(f"#{notebook['id']}")
    for text in ("Error loading script", "JavaScript Error", "Error displaying widget"):
        assert panel.get_by_text(text).count() == 0, text
    assert state["network"] == [] and state["page_errors"] == []
