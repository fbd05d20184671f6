"""An executed review notebook made into its offline HTML page: charts as vega-embed divs,
the vega bundle inlined once, the table of contents, nbconvert's okrlib template."""

from __future__ import annotations

import contextlib
import functools
import json
import tempfile
from pathlib import Path
from xml.etree import ElementTree

import nbformat
from nbconvert import HTMLExporter
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from nbconvert.preprocessors import TagRemovePreprocessor

from ..presentation import VEGALITE_MIMETYPES, merge_details
from ._files import write_atomically

# The review notebook ships inside the package (notebooks/ links to it for JupyterLab).

TEMPLATES = Path(__file__).resolve().parent / "templates"
REMOVED_TAGS = {"interactive"}  # cells left out of the HTML (widgets for live meetings)


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
    write_atomically(cache, bundle)
    return bundle


@functools.lru_cache(maxsize=1)
def _exporter() -> HTMLExporter:
    exporter = HTMLExporter(
        template_name="okrlib",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags=REMOVED_TAGS), enabled=True)
    return exporter


def convert(notebook: nbformat.NotebookNode, title: str) -> str:
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
