"""A regular (non-editable) install renders a report: the review notebook and the templates
ship inside the wheel, nothing is read from the repository."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, SAMPLE


def test_a_wheel_install_renders_a_report(tmp_path: Path) -> None:
    wheels, target, out = tmp_path / "wheels", tmp_path / "site", tmp_path / "out"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    build = [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(ROOT)]
    subprocess.run(build, check=True, cwd=tmp_path, capture_output=True)
    (wheel,) = wheels.glob("okrlib-*.whl")
    subprocess.run([*pip, "install", "--no-deps", "--target", str(target), str(wheel)], check=True)
    env = {**os.environ, "PYTHONPATH": str(target)}
    where = subprocess.run(
        [sys.executable, "-c", "import okrlib.reporting.report as r; print(r.__file__); print(r.NOTEBOOK)"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert len(where) == 2 and all(Path(path).is_relative_to(target) for path in where), (
        where
    )  # not the repository's
    args = ["report", "--quarter", "2026-Q3", "--team", "Sales", "--data", str(SAMPLE), "--out", str(out)]
    done = subprocess.run(
        [sys.executable, "-m", "okrlib", *args], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    html = (out / "2026-Q3" / "sales.html").read_text()
    assert "Sales: 2026-Q3 quarterly review" in html and "okr-chart" in html
    assert (out / "2026-Q3" / "index.html").exists()
