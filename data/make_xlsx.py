"""Write ``sample.xlsx`` from the four CSV files beside this script.

    python data/make_xlsx.py            # needs openpyxl (okrlib's test extras)

One sheet per file, named like it (``kpis``, ``kpi_history``, ``okrs``, ``checkins``):
row 1 the CSV's header, then one row per line; dates as date cells (shown YYYY-MM-DD),
numbers as number cells, everything else as text, an empty field as an empty cell. The
file is generated, never edited by hand: running this again gives the same bytes (fixed
document dates and zip timestamps), and a test checks that it does.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import sys
import zipfile
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
STEMS = ("kpis", "kpi_history", "okrs", "checkins")
DATE_COLUMNS = {"date"}
NUMBER_COLUMNS = {"target", "warn_threshold", "critical_threshold", "value", "start", "weight", "confidence"}
FIXED_TIME = dt.datetime(2026, 1, 1)  # the document's dates: not today's, so the bytes repeat
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")


def _cell(column: str, text: str) -> object:
    if text == "":
        return None
    if column in DATE_COLUMNS:
        return dt.date.fromisoformat(text)
    if column in NUMBER_COLUMNS and _NUMBER.fullmatch(text):
        return int(text) if text.lstrip("-").isdigit() else float(text)
    return text


def build(folder: Path = HERE) -> bytes:
    """The workbook's bytes, from the CSV files of ``folder``."""
    book = Workbook()
    book.remove(book.active)
    for stem in STEMS:
        sheet = book.create_sheet(stem)
        with open(folder / f"{stem}.csv", encoding="utf-8", newline="") as handle:
            rows = csv.reader(handle)
            header = next(rows)
            sheet.append(header)
            dates = [i for i, name in enumerate(header, start=1) if name in DATE_COLUMNS]
            for row in rows:
                sheet.append([_cell(name, text) for name, text in zip(header, row, strict=True)])
        for column in dates:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
                cell.number_format = "yyyy-mm-dd"
        sheet.freeze_panes = "A2"
    book.properties.created = FIXED_TIME
    written = io.BytesIO()
    book.save(written)
    return _fixed_timestamps(written.getvalue())


def _fixed_timestamps(data: bytes) -> bytes:
    """The same zip with every member dated ``FIXED_TIME`` (zip files store write times) and
    the document's modification time too (openpyxl sets it to the time of saving)."""
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp, content)
            target.writestr(fixed, content)
    return out.getvalue()


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "sample.xlsx"
    target.write_bytes(build())
    print(f"wrote {target}")
