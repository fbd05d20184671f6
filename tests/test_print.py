"""Reports printed to A4 portrait from Chromium: every table keeps all its columns, no word is
broken, charts fit the page, and the collapsible groups (closed on screen) are open."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_browser import open_offline

pytestmark = pytest.mark.browser

# A4 is 210 mm wide; the template's print margins are 10 mm: 190 mm at 96 px an inch.
PRINT_WIDTH = round(190 / 25.4 * 96)  # 718 px

# Every problem a printed page would show, as sentences (an empty list: none).
PRINT_PROBLEMS = """() => {
  const problems = [];
  const page = document.documentElement.clientWidth;
  const name = (element) => element.innerText.trim().split("\\n")[0].slice(0, 60);
  for (const table of document.querySelectorAll("table")) {
    const room = Math.min(table.parentElement.clientWidth, page);
    const right = table.getBoundingClientRect().right;
    if (table.scrollWidth > room || right > page + 0.5) {
      problems.push(`table "${name(table)}" is ${table.scrollWidth}px wide, the page ${room}px`);
    }
    for (const cell of table.querySelectorAll("td, th")) {
      if (cell.scrollWidth > cell.clientWidth) problems.push(`cell "${name(cell)}" overflows`);
      const texts = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
      for (let node = texts.nextNode(); node; node = texts.nextNode()) {
        const words = /[^\\s-]+-?/g;  // a line may break at a space or after a hyphen, nowhere else
        for (let word = words.exec(node.data); word; word = words.exec(node.data)) {
          const range = document.createRange();
          range.setStart(node, word.index);
          range.setEnd(node, word.index + word[0].length);
          const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
          if (lines.size > 1) problems.push(`"${word[0]}" is broken across lines in "${name(cell)}"`);
        }
      }
    }
  }
  for (const chart of document.querySelectorAll(".okr-chart svg")) {
    const box = chart.getBoundingClientRect();
    if (box.right > page + 0.5 || box.width === 0) problems.push(`a chart spans ${box.left}-${box.right}px`);
  }
  return problems;
}"""

# The bodies of the collapsible groups that are not shown (closed, or hidden some other way).
HIDDEN_GROUPS = """() => [...document.querySelectorAll("details.okr-details")]
  .filter((group) => !group.querySelector(".okr-details-body").checkVisibility())
  .map((group) => group.querySelector("summary").innerText)"""


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


@pytest.mark.parametrize("slug", ["company", "sales"])
def test_a4_print_keeps_every_column_and_word_and_opens_the_groups(browser, rendered: Path, slug) -> None:
    page, state = open_offline(browser, (rendered / "2026-Q3" / f"{slug}.html").as_uri())
    charts = page.locator(".okr-chart").count()
    page.wait_for_function(
        "n => document.querySelectorAll('.okr-chart svg.marks').length >= n", arg=charts, timeout=30_000
    )
    groups = page.locator("details.okr-details")
    assert groups.count() >= 2  # one per objective
    assert groups.locator(".okr-chart").count() >= groups.count()  # each with its charts
    assert len(page.evaluate(HIDDEN_GROUPS)) == groups.count()  # closed on screen

    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    hidden = page.add_style_tag(content="@media print { .okr-details-body { display: none !important } }")
    without_groups = page.pdf(format="A4")
    hidden.evaluate("style => style.remove()")
    assert _pages(pdf) > _pages(without_groups) > 1  # the groups' charts are in the PDF

    page.set_viewport_size({"width": PRINT_WIDTH, "height": 1000})
    page.emulate_media(media="print")
    assert page.evaluate(HIDDEN_GROUPS) == []  # open in print
    assert page.evaluate(PRINT_PROBLEMS) == []
    assert page.locator("table").count() >= 3

    # the check itself can fail: words allowed to break anywhere in too narrow a table
    page.add_style_tag(
        content="table { table-layout: fixed !important; width: 300px !important }"
        " td, th { overflow-wrap: anywhere !important }"
    )
    assert any("broken across lines" in problem for problem in page.evaluate(PRINT_PROBLEMS))
    assert state["network"] == [] and state["console_errors"] == []
    page.close()


def _html(text: str) -> dict:
    return {"output_type": "display_data", "data": {"text/html": text}, "metadata": {}}


def test_details_groups_outputs_and_escapes_titles() -> None:
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.display import HTML, display
    from IPython.utils.capture import capture_output

    from okrlib.presentation import present
    from okrlib.presentation._sections import merge_details

    InteractiveShell.instance()  # display() publishes its outputs, as in a kernel
    with capture_output() as captured:
        with present.details("<b>Sales</b> & co"):
            display(HTML("<i>chart one</i>"))
            display(HTML("<i>chart two</i>"))
        display(HTML("<p>after</p>"))
    outputs = [
        {"output_type": "display_data", "data": shown.data, "metadata": shown.metadata}
        for shown in captured.outputs
    ]
    assert outputs[0]["data"]["text/html"] == "<h3>&lt;b&gt;Sales&lt;/b&gt; &amp; co</h3>"  # JupyterLab
    merged = merge_details(outputs)
    assert len(merged) == 2 and merged[1] is outputs[-1]
    html = merged[0]["data"]["text/html"]
    assert html.startswith('<details class="okr-details"><summary><h3>&lt;b&gt;Sales&lt;/b&gt; &amp; co</h3>')
    assert "<i>chart one</i>" in html and "<i>chart two</i>" in html and "after" not in html
    assert html.endswith("</div></details>") and "<details open" not in html  # closed on screen


def test_details_groups_end_at_the_next_group_an_error_or_the_cell() -> None:
    from okrlib.presentation._sections import DETAILS_KEY, merge_details

    def start(title: str) -> dict:
        return {**_html("<h3>x</h3>"), "metadata": {DETAILS_KEY: {"summary": title, "level": "<h1>"}}}

    error = {"output_type": "error", "ename": "E", "evalue": "v", "traceback": []}
    stream = {"output_type": "stream", "name": "stdout", "text": "a < b\n"}
    merged = merge_details([_html("before"), start("A"), stream, start("B"), _html("b"), error, _html("c")])
    assert [o.get("data", {}).get("text/html", o["output_type"])[:30] for o in merged] == [
        "before",
        '<details class="okr-details"><',
        '<details class="okr-details"><',
        "error",
        "c",
    ]
    assert '<pre class="okr-stream">a &lt; b\n</pre>' in merged[1]["data"]["text/html"]
    assert "<summary><h3>B</h3></summary>" in merged[2]["data"]["text/html"]  # a bad level is 3
    assert merge_details([start("open to the end"), _html("z")])[0]["data"]["text/html"].count("z") == 1


def test_chart_scripts_escape_angle_brackets_and_ampersands() -> None:
    import json

    from okrlib.reporting import _page

    spec = {"title": "</script><!-- <script>alert(1)</script> & co", "mark": "point"}
    html = _page._chart_html(spec, 7)
    payload = html.split('vegaEmbed("#okr-chart-7", ', 1)[1].rsplit(', {"actions"', 1)[0]
    assert not {"<", ">", "&"} & set(payload)
    assert json.loads(payload) == spec
