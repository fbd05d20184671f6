"""Shared fixtures: the sample workbook, a small hand-made workbook, a data-folder builder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import okrlib

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data"
GOOD = Path(__file__).parent / "data" / "good"
BAD = Path(__file__).parent / "data" / "bad"


@pytest.fixture(scope="session")
def sample() -> okrlib.Workbook:
    """The sample workbook shipped in data/ (loaded once)."""
    return okrlib.load_workbook(SAMPLE)


@pytest.fixture
def good_dir(tmp_path: Path) -> Path:
    """A copy of tests/data/good that a test may change."""
    folder = tmp_path / "data"
    shutil.copytree(GOOD, folder)
    return folder
