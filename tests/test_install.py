"""A regular (non-editable) install renders a report: the review notebook and the templates
ship inside the wheel, nothing is read from the repository."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

from conftest import ROOT, SAMPLE


def test_a_wheel_install_into_a_fresh_venv_renders_a_report(tmp_path: Path) -> None:
    wheels, fresh, out = tmp_path / "wheels", tmp_path / "venv", tmp_path / "out"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    build = [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(ROOT)]
    subprocess.run(build, check=True, cwd=tmp_path, capture_output=True)
    (wheel,) = wheels.glob("okrlib-*.whl")
    venv.create(fresh, with_pip=False)
    python = fresh / "bin" / "python"
    site = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    # the dependencies, and their data files (nbconvert's templates), come from this
    # environment, as the tests run without a network: a path in a .pth file is searched after
    # the venv's own site-packages, and that folder's .pth files (this environment's editable
    # okrlib among them) are not run
    (site / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    env = {**os.environ, "JUPYTER_PATH": str(Path(sys.prefix) / "share" / "jupyter")}
    subprocess.run([*pip, "--python", str(python), "install", "--no-deps", str(wheel)], check=True)
    where = subprocess.run(
        [python, "-c", "import okrlib.reporting.report as r; print(r.__file__); print(r.NOTEBOOK)"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert len(where) == 2 and all(Path(path).is_relative_to(site) for path in where), where
    args = ["report", "--quarter", "2026-Q3", "--team", "Sales", "--data", str(SAMPLE), "--out", str(out)]
    done = subprocess.run(
        [python, "-m", "okrlib", *args], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    html = (out / "2026-Q3" / "sales.html").read_text()
    assert "Sales: 2026-Q3 quarterly review" in html and "okr-chart" in html
    assert (out / "2026-Q3" / "index.html").exists()
