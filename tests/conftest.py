"""Shared fixtures: the sample workbook, a small hand-made workbook, a data-folder builder."""

from __future__ import annotations

import shutil
import subprocess
import sys
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


def run_okrlib(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m okrlib ARGS`` and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "okrlib", *args], capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="session")
def rendered(tmp_path_factory) -> Path:
    """The sample's 2026-Q3 and 2026-Q4 reviews for every team, rendered once by the CLI."""
    out = tmp_path_factory.mktemp("reports")
    for quarter in ("2026-Q3", "2026-Q4"):
        done = run_okrlib(
            "report",
            "--quarter",
            quarter,
            "--all-teams",
            "--data",
            str(SAMPLE),
            "--out",
            str(out),
            "--jobs",
            "2",
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip().splitlines()[-1].endswith(f"index.html in {out / quarter}")
    return out


CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")  # one Playwright at a time: the JupyterLab test starts its own
def browser():
    """Debian's chromium under Playwright, shared by the browser tests."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it (make browser)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield browser
        browser.close()
