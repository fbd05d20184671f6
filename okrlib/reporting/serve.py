"""Start and stop the Voilà server of ``okrlib meeting``.

:func:`start` writes the meeting notebook with its parameters injected (papermill) into a
temporary folder, which also holds everything else the server and its kernel write (kernel
connection files, Jupyter's notebook-trust database and secret, IPython's history, the log:
``JUPYTER_RUNTIME_DIR``, ``JUPYTER_DATA_DIR`` and ``IPYTHONDIR`` point there), and starts
Voilà on 127.0.0.1 in a session of its own, with code cells hidden and okrlib's template
(``templates/voila/templates/okrlib-meeting``: Voilà's lab template with nothing fetched from
a network).  :func:`stop` asks Voilà to stop (SIGTERM: it shuts its kernels down and exits),
kills what is left, and removes the folder.  :func:`serve` is the command: start, print the
address, wait for Ctrl-C, stop.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import nbformat

from ..exceptions import OkrlibError

HOST = "127.0.0.1"
TEMPLATE = "okrlib-meeting"
NOTEBOOK_NAME = "meeting.ipynb"
KERNEL = "python3"  # jupyter_client's native kernel: this interpreter, whatever kernels are installed


def notebook_path() -> Path:
    """The meeting notebook shipped in the package."""
    return Path(str(resources.files("okrlib.reporting") / "notebooks" / NOTEBOOK_NAME))


def templates_root() -> Path:
    """The Jupyter data folder that holds okrlib's Voilà template (``voila/templates/...``)."""
    return Path(__file__).resolve().parent / "templates"


def free_port(host: str = HOST) -> int:
    """A TCP port free on ``host`` now (the system picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


@dataclass
class MeetingServer:
    """A running Voilà: its process, address and temporary folder."""

    process: subprocess.Popen
    url: str
    folder: Path
    log: Path


def _write_notebook(folder: Path, parameters: dict[str, object]) -> Path:
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    notebook = load_notebook_node(str(notebook_path()))  # with the metadata papermill reads
    notebook = parameterize_notebook(notebook, parameters, kernel_name=KERNEL, language="python")
    notebook.metadata["kernelspec"] = {"name": KERNEL, "display_name": "Python 3", "language": "python"}
    path = folder / NOTEBOOK_NAME
    nbformat.write(notebook, path)
    return path


def _ready(port: int) -> bool:
    """Whether Voilà answers on ``port`` (a file only Voilà serves, not any listener)."""
    request = urllib.request.Request(f"http://{HOST}:{port}/voila/static/voila.js", method="HEAD")
    try:
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never a proxy
        with direct.open(request, timeout=2) as response:
            return response.status == 200
    except (OSError, ValueError):
        return False


def start(
    data_dir: Path | str = "data",
    quarter: str | None = None,
    team: str | None = None,
    port: int | None = None,
    out_dir: Path | str = "reports",
    timeout: float = 60.0,
) -> MeetingServer:
    """Start Voilà serving the meeting of ``data_dir`` on 127.0.0.1 and wait until it listens.

    Parameters
    ----------
    data_dir : the data folder, ``.xlsx`` workbook or ``okrlib.toml``.
    quarter, team : the quarter and team shown first (None: the latest quarter, the company).
    port : the port (None: a free one).
    out_dir : where exports go (``<out_dir>/<quarter>/<team>-meeting.md``).
    timeout : seconds to wait for the server.

    Returns
    -------
    MeetingServer

    Raises
    ------
    OkrlibError
        When Voilà exits or does not listen within ``timeout`` (its log is in the message).
    """
    port = port or free_port()
    folder = Path(tempfile.mkdtemp(prefix="okrlib-meeting-"))
    try:
        parameters = {
            "data_dir": str(Path(data_dir).resolve()),
            "quarter": quarter,
            "team": team,
            "out_dir": str(Path(out_dir).resolve()),
        }
        notebook = _write_notebook(folder, parameters)
        (folder / "runtime").mkdir()
        env = dict(os.environ)
        env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(templates_root()), env.get("JUPYTER_PATH")]))
        env["JUPYTER_RUNTIME_DIR"] = str(folder / "runtime")
        env["IPYTHONDIR"] = str(folder / "ipython")  # the kernel's history database goes too
        env["JUPYTER_DATA_DIR"] = str(folder / "data")  # and the notebook-trust database
        env["PYTHONUNBUFFERED"] = "1"
        command = [
            sys.executable,
            "-m",
            "voila",
            str(notebook),
            "--no-browser",
            f"--port={port}",
            "--Voila.ip=" + HOST,
            "--Voila.port_retries=0",
            f"--template={TEMPLATE}",
            "--theme=light",
            "--strip_sources=True",
            "--VoilaConfiguration.show_tracebacks=False",
            f"--Voila.connection_dir_root={folder / 'runtime'}",
        ]
        log = folder / "voila.log"
        with open(log, "wb") as stream:
            process = subprocess.Popen(
                command,
                cwd=folder,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=stream,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C in the terminal reaches okrlib, which stops Voilà
            )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    server = MeetingServer(process, f"http://{HOST}:{port}/", folder, log)
    deadline = time.monotonic() + timeout
    while not _ready(port):
        if process.poll() is not None or time.monotonic() > deadline:
            text = log.read_text(errors="replace")[-3000:]
            stop(server)
            raise OkrlibError(f"the meeting server did not start:\n{text}")
        time.sleep(0.1)
    return server


def _leftovers(folder: Path) -> list[int]:
    """Processes whose command line names ``folder`` (kernels read their connection file there)."""
    found = []
    proc = Path("/proc")
    if not proc.is_dir():
        return found
    mark = str(folder).encode()
    for entry in proc.iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if mark in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
    return found


def stop(server: MeetingServer, timeout: float = 20.0) -> None:
    """Stop Voilà and its kernels, and remove the temporary folder.

    Voilà gets SIGTERM (it shuts its kernels down, then exits); after ``timeout`` seconds its
    process group is killed.  Any kernel still running from the folder is then killed too.
    """
    process = server.process
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    for pid in _leftovers(server.folder):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    shutil.rmtree(server.folder, ignore_errors=True)


def serve(
    data_dir: Path | str = "data",
    quarter: str | None = None,
    team: str | None = None,
    port: int | None = None,
    out_dir: Path | str = "reports",
) -> int:
    """``okrlib meeting``: start the server, print its address, stop it on Ctrl-C (or SIGTERM).

    Returns
    -------
    int : the exit code (0 when stopped by Ctrl-C, Voilà's own when it exited by itself).
    """
    started = time.perf_counter()
    server = start(data_dir, quarter, team, port, out_dir)

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        print(f"The review meeting is at {server.url} (started in {time.perf_counter() - started:.1f} s)")
        print("Press Ctrl-C to stop it.", flush=True)
        code = server.process.wait()
        print(f"the meeting server exited with {code}:\n{server.log.read_text(errors='replace')[-3000:]}")
        return code or 1
    except KeyboardInterrupt:
        print("stopping the meeting server...", flush=True)
        return 0
    finally:
        stop(server)
        signal.signal(signal.SIGTERM, previous)
        print("stopped", flush=True)
