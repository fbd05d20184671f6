"""What the report's outputs share with the renderer that writes them.

The CSS, the number formats, the metadata key of the headline numbers and the vega-lite
mimetypes: :mod:`okrlib.presentation.present` and :mod:`okrlib.presentation.charts` write them in the kernel,
:mod:`okrlib.reporting.report` reads them in the renderer.  They live here so that the renderer's
process need not import altair (about 0.3 s) to format an index.
"""

from __future__ import annotations

import pandas as pd

HEADLINE_KEY = "okrlib_headline"  # present.headline's output metadata, read back by the renderer

# The first is what okrlib's charts write (nbformat wants "+json" for JSON outputs).
VEGALITE_MIMETYPES = ("application/vnd.vegalite.v6+json", "application/vnd.vegalite.v5+json")

STYLE = """
<style>
.okr-card{display:flex;flex-wrap:wrap;gap:12px;margin:8px 0 16px}
.okr-figure{border:1px solid #ccc;border-radius:6px;padding:8px 14px;min-width:120px}
.okr-figure b{display:block;font-size:1.6em}
.okr-table{border-collapse:collapse;margin:6px 0 14px;font-size:0.92em}
.okr-table th,.okr-table td{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left;
  vertical-align:top}
.okr-table td.num{text-align:right;font-variant-numeric:tabular-nums}
.okr-table tr.objective td{font-weight:600;background:#f4f6f8}
.okr-badge{display:inline-block;padding:0 6px;border-radius:8px;color:#fff;font-size:0.85em;
  white-space:nowrap}
.okr-tree{list-style:none;padding-left:0}
.okr-tree li{margin:2px 0}
.okr-note{color:#555}
.okr-nowrap{white-space:nowrap}
.okr-id{display:block;color:#777;font-size:0.8em;font-weight:normal}
.okr-flag{color:#b2182b;font-size:0.85em;white-space:nowrap}
</style>
"""


def percent(value: object, digits: int = 1) -> str:
    """``0.655`` -> ``65.5%``; missing -> an en dash."""
    return "–" if value is None or pd.isna(value) else f"{100 * float(value):.{digits}f}%"


def number(value: object) -> str:
    """Readable number with thousands separators; missing -> an en dash."""
    if value is None or pd.isna(value):
        return "–"
    value = float(value)
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.4g}"


def decimal(value: object, digits: int = 2) -> str:
    """A fixed number of decimals (for grades); missing -> an en dash."""
    return "–" if value is None or pd.isna(value) else f"{float(value):.{digits}f}"
