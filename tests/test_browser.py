"""A real headless browser opens the rendered reports with the network cut off."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ARTIFACTS

pytestmark = pytest.mark.browser


def open_offline(browser, url: str):
    """Open ``url`` with every request outside file:// aborted and counted."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    state = {"network": [], "console_errors": [], "dialogs": 0}

    def route(request_route):
        if request_route.request.url.startswith(("file://", "data:", "blob:", "about:")):
            request_route.continue_()
        else:
            state["network"].append(request_route.request.url)
            request_route.abort()

    page.route("**/*", route)
    page.on(
        "console", lambda message: message.type == "error" and state["console_errors"].append(message.text)
    )
    page.on("pageerror", lambda error: state["console_errors"].append(str(error)))
    page.on("dialog", lambda dialog: (state.__setitem__("dialogs", state["dialogs"] + 1), dialog.dismiss()))
    page.goto(url)
    return page, state


def test_index_and_team_report_render_offline(browser, rendered: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    index, state = open_offline(browser, (rendered / "2026-Q3" / "index.html").as_uri())
    assert index.locator("a", has_text="Sales").count() == 1
    with index.expect_navigation():
        index.locator("a", has_text="Sales").click()
    assert index.url.endswith("/2026-Q3/sales.html")
    charts = index.locator(".okr-chart")
    expected = charts.count()
    assert expected >= 5
    index.wait_for_function(
        "n => document.querySelectorAll('.okr-chart svg.marks, .okr-chart canvas').length >= n",
        arg=expected,
        timeout=30_000,
    )
    for i in range(expected):
        assert charts.nth(i).locator("svg.marks, canvas").count() == 1, f"chart {i} did not render"
    index.screenshot(path=str(ARTIFACTS / "sales-2026-Q3.png"), full_page=True)
    assert state["network"] == [], state["network"]
    assert state["console_errors"] == [], state["console_errors"]
    index.close()


def test_hostile_titles_do_not_run(browser, tmp_path: Path) -> None:
    from conftest import run_okrlib
    from test_report import hostile_data

    data = hostile_data(tmp_path / "data")
    done = run_okrlib(
        "report",
        "--quarter",
        "2026-Q3",
        "--team",
        "../../Evil <b>Team</b>",
        "--data",
        str(data),
        "--out",
        str(tmp_path / "out"),
    )
    assert done.returncode == 0, done.stderr
    page, state = open_offline(browser, (tmp_path / "out" / "2026-Q3" / "evil-b-team-b.html").as_uri())
    page.wait_for_function("document.querySelectorAll('.okr-chart svg.marks').length > 0", timeout=30_000)
    assert state["dialogs"] == 0
    assert page.get_by_text("<script>alert(1)</script>").count() >= 1
    assert state["network"] == [] and state["console_errors"] == []
    page.close()


def _drawn(browser, path: Path) -> tuple[int, int, dict]:
    """Charts drawn and h2 headings of a rendered report, and the page's network and errors."""
    page, state = open_offline(browser, path.as_uri())
    expected = page.locator(".okr-chart").count()
    page.wait_for_function(
        "n => document.querySelectorAll('.okr-chart svg.marks').length >= n", arg=expected, timeout=30_000
    )
    drawn = page.locator(".okr-chart svg.marks").count()
    headings = page.locator("h2").count()
    page.close()
    return drawn, headings, state


def test_a_title_that_opens_a_script_comment_swallows_nothing(browser, tmp_path: Path) -> None:
    # inside an inline <script>, "<!--" then "<script" puts the HTML parser in its
    # double-escaped state: every JSON in the page writes < > & as \u003c \u003e \u0026
    import shutil

    from conftest import GOOD, run_okrlib

    counts = {}
    for name, title in (("plain", "Win EMEA"), ("hostile", "<!--<script>")):
        data = tmp_path / name
        shutil.copytree(GOOD, data)
        okrs = data / "okrs.csv"
        okrs.write_text(okrs.read_text().replace("Win EMEA", title))
        out = tmp_path / f"out-{name}"
        done = run_okrlib(
            "report", "--quarter", "2026-Q3", "--team", "Sales", "--data", str(data), "--out", str(out)
        )
        assert done.returncode == 0, done.stderr
        counts[name] = _drawn(browser, out / "2026-Q3" / "sales.html")
    (charts, headings, state), (plain_charts, plain_headings, _) = counts["hostile"], counts["plain"]
    assert charts == plain_charts > 0 and headings == plain_headings > 5
    assert state["network"] == [] and state["console_errors"] == [] and state["dialogs"] == 0
