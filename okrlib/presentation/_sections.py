"""Collapsible groups of outputs: a heading in JupyterLab, a ``<details>`` in the report.

In the notebook::

    with present.details("Sales: Grow revenue"):
        display(chart_a)
        display(chart_b)

shows a heading, then the charts.  The heading's output carries ``{"okrlib_details":
{"summary": title}}`` in its metadata, and the group ends with an empty output carrying
``{"okrlib_details": {"end": true}}``.  The report renderer (:func:`merge_details`, called
by :mod:`okrlib.reporting.report`) turns each group into one HTML output,
``<details class="okr-details"><summary><h3>title</h3></summary>…</details>``: closed on
screen, opened in print by the report template's print styles.

Nothing here imports IPython or altair at import time: the renderer's process uses it too.
"""

from __future__ import annotations

from html import escape

DETAILS_KEY = "okrlib_details"  # output metadata of a group's start and end markers


class details:  # lower-case: used like a function, ``with present.details(title):``
    """A collapsible group of the outputs displayed inside the ``with`` block.

    Parameters
    ----------
    summary : the group's title (escaped; it may come from a user's file).
    level : the heading level of the title.

    Examples
    --------
    >>> details("<b>Sales</b>")._repr_mimebundle_()[0]["text/html"]
    '<h3>&lt;b&gt;Sales&lt;/b&gt;</h3>'
    """

    def __init__(self, summary: str, level: int = 3) -> None:
        self.summary = str(summary)
        self.level = int(level)

    def _repr_mimebundle_(self, include=None, exclude=None) -> tuple[dict, dict]:
        html = f"<h{self.level}>{escape(self.summary)}</h{self.level}>"
        metadata = {DETAILS_KEY: {"summary": self.summary, "level": self.level}}
        return {"text/html": html, "text/plain": self.summary}, metadata

    def __enter__(self) -> details:
        from IPython.display import display

        display(self)
        return self

    def __exit__(self, *exc_info: object) -> None:
        from IPython.display import display

        display(_End())


class _End:
    """The end of a group: an empty output with the end marker in its metadata."""

    def _repr_mimebundle_(self, include=None, exclude=None) -> tuple[dict, dict]:
        return {"text/plain": ""}, {DETAILS_KEY: {"end": True}}


def _marker(output: dict) -> dict | None:
    marker = output.get("metadata", {}).get(DETAILS_KEY)
    return marker if isinstance(marker, dict) else None


def _as_html(output: dict) -> str | None:
    """An output as HTML to go inside a group, or None for one that stays on its own."""
    if output.get("output_type") == "stream":
        return f'<pre class="okr-stream">{escape("".join(output.get("text", "")))}</pre>'
    if output.get("output_type") not in ("display_data", "execute_result"):
        return None  # errors keep nbconvert's own rendering
    data = output.get("data", {})
    if "text/html" in data:
        html = data["text/html"]
        return html if isinstance(html, str) else "".join(html)
    for mimetype in ("image/png", "image/jpeg"):
        if mimetype in data:
            picture = "".join(data[mimetype]).replace("\n", "")
            return f'<img src="data:{mimetype};base64,{picture}" alt="">'
    if "text/plain" in data:
        text = data["text/plain"]
        return f"<pre>{escape(text if isinstance(text, str) else ''.join(text))}</pre>"
    return None


def _group(summary: str, level: int, parts: list[str]) -> dict:
    title = f"<h{level}>{escape(summary)}</h{level}>"
    body = "\n".join(parts)
    html = (
        f'<details class="okr-details"><summary>{title}</summary>\n'
        f'<div class="okr-details-body">\n{body}\n</div></details>'
    )
    return {"output_type": "display_data", "data": {"text/html": html}, "metadata": {}}


def merge_details(outputs: list[dict]) -> list[dict]:
    """A cell's outputs with each group (a start marker up to its end marker, the next start
    marker or the cell's end) merged into one ``<details>`` HTML output.

    Outputs that cannot go inside one (errors, or data without HTML, an image or text) end
    the group and stay as they are.  Outputs outside any group are left as they are.
    """
    merged: list[dict] = []
    group: tuple[str, int, list[str]] | None = None
    for output in outputs:
        marker = _marker(output)
        if marker is not None or group is not None:
            html = None if marker is not None else _as_html(output)
            if group is not None and html is not None:
                group[2].append(html)
                continue
            if group is not None:
                merged.append(_group(*group))
                group = None
            if marker is not None:
                if "summary" in marker:
                    level = marker.get("level", 3)
                    group = (str(marker["summary"]), level if level in range(1, 7) else 3, [])
                continue  # the markers themselves are not shown
        merged.append(output)
    if group is not None:
        merged.append(_group(*group))
    return merged
