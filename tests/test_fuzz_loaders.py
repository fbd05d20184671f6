"""Fuzzing the loaders: any mutation of a good workbook loads, or raises a DataError whose
problems each say where (file, line or column) and what was expected; nothing else escapes.

A few hundred examples run in ``make test``; set OKRLIB_FUZZ_EXAMPLES for more (read when the
test runs, not at import).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from conftest import GOOD
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import okrlib

FILES = ("kpis.csv", "kpi_history.csv", "okrs.csv", "checkins.csv")
ODD = ["\x00", '"', "'", ";", ",", "\t", "\r", "\n", "\ufeff", "é", "２", "😀", "\u202e", "-", "1e309", " "]
EXTREME = ["1e308", "-1e308", "9" * 400, "0000-01-01", "9999-12-31", "2026-02-30", "NaN", "", "  "]


def _mutate(data: bytes, draw) -> bytes:
    lines = data.split(b"\n")
    kind = draw(
        st.sampled_from(
            [
                "delete_line",
                "duplicate_line",
                "swap_lines",
                "truncate",
                "flip_byte",
                "insert_text",
                "long_field",
                "delimiter",
                "crlf",
                "bom",
                "header_only",
                "empty",
                "duplicate_column",
                "drop_column",
                "extreme_cell",
            ]
        )
    )
    if kind in ("delete_line", "duplicate_line", "swap_lines") and len(lines) > 1:
        i = draw(st.integers(0, len(lines) - 1))
        j = draw(st.integers(0, len(lines) - 1))
        if kind == "delete_line":
            del lines[i]
        elif kind == "duplicate_line":
            lines.insert(j, lines[i])
        else:
            lines[i], lines[j] = lines[j], lines[i]
        return b"\n".join(lines)
    if kind == "truncate":
        return data[: draw(st.integers(0, len(data)))]
    if kind == "flip_byte" and data:
        i = draw(st.integers(0, len(data) - 1))
        return data[:i] + bytes([data[i] ^ draw(st.integers(1, 255))]) + data[i + 1 :]
    if kind in ("insert_text", "long_field", "extreme_cell"):
        text = {
            "insert_text": lambda: draw(st.sampled_from(ODD)) * draw(st.integers(1, 3)),
            "long_field": lambda: "x" * draw(st.sampled_from([70, 5_000, 300_000])),
            "extreme_cell": lambda: draw(st.sampled_from(EXTREME)),
        }[kind]().encode()
        i = draw(st.integers(0, len(data)))
        return data[:i] + text + data[i:]
    if kind == "delimiter":
        return data.replace(b",", draw(st.sampled_from([b";", b"\t", b"|"])))
    if kind == "crlf":
        return data.replace(b"\n", b"\r\n")
    if kind == "bom":
        return b"\xef\xbb\xbf" + data
    if kind == "header_only":
        return lines[0] + draw(st.sampled_from([b"", b"\n"]))
    if kind == "empty":
        return b""
    if kind in ("duplicate_column", "drop_column"):
        rows = [line.split(b",") for line in lines]
        width = len(rows[0])
        c = draw(st.integers(0, width - 1))
        out = []
        for row in rows:
            if len(row) == width:
                row = row + [row[c]] if kind == "duplicate_column" else row[:c] + row[c + 1 :]
            out.append(b",".join(row))
        return b"\n".join(out)
    return data


@st.composite
def mutated_workbooks(draw) -> dict[str, bytes]:
    files = {name: (GOOD / name).read_bytes() for name in FILES}
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(FILES))
        files[name] = _mutate(files[name], draw)
    return files


def _examples() -> int:
    return int(os.environ.get("OKRLIB_FUZZ_EXAMPLES", "300"))


def test_a_mutated_workbook_loads_or_raises_a_data_error_that_says_where() -> None:
    @settings(
        max_examples=_examples(),
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(mutated_workbooks())
    def check(files: dict[str, bytes]) -> None:
        with tempfile.TemporaryDirectory() as folder:
            for name, content in files.items():
                Path(folder, name).write_bytes(content)
            try:
                workbook = okrlib.load_workbook(folder)
            except okrlib.DataError as error:
                assert error.problems
                for problem in error.problems:
                    assert Path(problem.file).parent == Path(folder)
                    assert problem.expected  # what was expected, in words
                    # where: a line, a column, or a whole-file reason given as the value
                    assert problem.line is not None or problem.column is not None or problem.value
                    assert len(str(problem)) < 600  # a long cell is shortened in the message
                return
            assert isinstance(workbook, okrlib.Workbook)
            shutil.rmtree(folder, ignore_errors=True)

    check()
