"""`okrlib meeting` end to end: Voila on loopback, driven in Debian's chromium with every
request that leaves 127.0.0.1 aborted, then stopped as Ctrl-C stops it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ARTIFACTS, BAD, SAMPLE

pytestmark = pytest.mark.browser

LOCAL = re.compile(r"^(https?|wss?)://127\.0\.0\.1:\d+/")


def _processes_naming(folder: Path) -> list[int]:
    mark = str(folder).encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if mark in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _serve(tmp_path: Path, data: Path, *options: str):
    """Start `okrlib meeting` on ``data``, its temporary folder under tmp_path/tmp."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    out = tmp_path / "reports"
    home = tmp_path / "home"  # nothing may be written there either
    home.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch), "HOME": str(home)}
    command = [sys.executable, "-m", "okrlib", "meeting", "--data", str(data), *options, "--out", str(out)]
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=tmp_path
    )
    first = process.stdout.readline()  # the address, once the server listens
    match = re.search(r"http://127\.0\.0\.1:\d+/", first)
    if match is None:
        process.kill()
        pytest.fail(f"no address: {first}{process.stdout.read()}")
    print(f"server listening after {time.perf_counter() - started:.1f} s")
    return match.group(0), process, scratch, out


def _stop(process: subprocess.Popen, scratch: Path) -> None:
    """Ctrl-C, then nothing of the server left: no process, no file."""
    running = _processes_naming(scratch)
    assert len(running) >= 2, running  # Voila and its kernel, before the stop
    process.send_signal(signal.SIGINT)  # as Ctrl-C in the terminal
    assert process.wait(60) == 0
    assert "stopped" in process.stdout.read()
    assert _processes_naming(scratch) == []
    assert list(scratch.iterdir()) == []  # the notebook copy, runtime files and log are gone
    assert list((scratch.parent / "home").rglob("*")) == []


@pytest.fixture
def served(tmp_path):
    """`okrlib meeting` on the sample's Sales team in 2026-Q3."""
    url, process, scratch, out = _serve(tmp_path, SAMPLE, "--quarter", "2026-Q3", "--team", "Sales")
    yield url, process, scratch, out
    if process.poll() is None:
        process.kill()


@pytest.fixture
def served_bad(tmp_path):
    """`okrlib meeting` on tests/data/bad."""
    url, process, scratch, out = _serve(tmp_path, BAD)
    yield url, process, scratch, out
    if process.poll() is None:
        process.kill()


def test_meeting_in_a_browser_offline_then_stopped(browser, served) -> None:
    url, process, scratch, out = served
    outside: list[str] = []

    def route(request_route) -> None:
        if LOCAL.match(request_route.request.url):
            request_route.continue_()
        else:
            outside.append(request_route.request.url)
            request_route.abort()

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.route("**/*", route)
    page = context.new_page()
    try:
        page.goto(url, wait_until="commit", timeout=120_000)
        page.wait_for_selector(".okr-meeting h2.okr-objective", timeout=120_000)
        charts = page.locator(".okr-meeting .vega-embed")
        page.wait_for_function(
            "() => { const c = document.querySelectorAll('.okr-meeting .vega-embed');"
            " return c.length >= 3 && [...c].every(e => e.querySelector('svg.marks g'));}",
            timeout=60_000,
        )
        assert outside == [], outside  # nothing needed from outside to draw the page
        # no code: no input area, no editor, no source text
        assert page.locator(".jp-InputArea, .jp-CodeMirrorEditor, .cm-editor").count() == 0
        assert "meeting.app(" not in page.content() and "data_dir =" not in page.inner_text("body")
        count = charts.count()
        assert count >= 3 and page.locator(".okr-meeting .vega-embed svg.marks").count() == count
        page.screenshot(path=str(ARTIFACTS / "meeting.png"))

        header = page.locator("h2.okr-objective")
        position = page.locator(".okr-position")
        assert header.inner_text() == "Build a pipeline that outgrows the plan"
        assert "objective 1 of 2" in position.inner_text()

        # a what-if: the first slider (new customers, above its target) dragged to its low end
        before = page.inner_text(".okr-meeting .widget-html:has(h2.okr-objective)")
        handle = page.locator(".okr-meeting .widget-hslider .noUi-handle").first
        handle.scroll_into_view_if_needed()
        box = handle.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.down()
        page.mouse.move(box["x"] - 2000, box["y"] + box["height"] / 2, steps=5)
        page.mouse.up()
        page.wait_for_function(
            "(before) => document.querySelector('.okr-meeting .widget-html:has(h2.okr-objective)')"
            ".innerText !== before",
            arg=before,
            timeout=30_000,
        )
        after = page.inner_text(".okr-meeting .widget-html:has(h2.okr-objective)")
        assert "progress 69.8%" in before and "progress 69.8%" not in after, (before, after)

        # a note, then the export
        page.locator(".okr-meeting textarea").fill("Pipeline: <b>recheck</b> in 2 weeks")
        page.locator(".okr-meeting textarea").blur()
        page.get_by_role("button", name="Export scenarios and notes").click()
        page.wait_for_selector("text=Exported to", timeout=30_000)
        exported = out / "2026-Q3" / "sales-meeting.md"
        text = exported.read_text()
        assert "Close new customers this quarter: current value 1,187 customers →" in text
        assert "progress 69.8% → **" in text and "> Pipeline: \\<b\\>recheck\\</b\\> in 2 weeks" in text

        # Next moves to the next objective
        page.get_by_role("button", name="Next").click()
        page.wait_for_function(
            "() => document.querySelector('.okr-position').innerText.includes('objective 2 of 2')",
            timeout=30_000,
        )
        assert header.inner_text() == "Expand revenue from existing accounts"

        # another team: its objectives
        team = page.locator(".widget-dropdown:has(label:text-is('Team')) select")
        team.select_option("Marketing")
        page.wait_for_function(
            "() => document.querySelector('.okr-position').innerText.startsWith('Marketing')",
            timeout=60_000,
        )
        assert header.inner_text() not in (
            "Build a pipeline that outgrows the plan",
            "Expand revenue from existing accounts",
        )
        assert outside == [], outside
    finally:
        context.close()

    _stop(process, scratch)


def test_bad_data_shows_its_problems_in_the_page(browser, served_bad) -> None:
    url, process, scratch, _ = served_bad
    page = browser.new_page()
    try:
        page.goto(url, wait_until="commit", timeout=120_000)
        page.wait_for_selector("text=The meeting cannot start", timeout=120_000)
        text = page.inner_text("body")
        assert "problem(s) to fix" in text and "kpis.csv" in text
        assert "Traceback" not in text and "DataError" not in text
        assert page.locator(".jp-InputArea, .cm-editor").count() == 0
    finally:
        page.close()
    _stop(process, scratch)
