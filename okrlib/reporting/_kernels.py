"""Report kernels: started by okrlib, preloaded, kept warm in batches.

Every report runs on a kernel okrlib starts itself (:func:`report_kernel`).  Measured
against papermill's own engine (a kernel per notebook) it gives one report 1.6 times and
51 reports at ``--jobs 2`` 2.9 times faster (``docs/performance.md``).  The kernel's setup
for a report is the notebook's own call, ``okrlib.reporting.kernel.setup_report_kernel()``.

Warm kernels: a process that renders several reports keeps one kernel for all of them.
Starting a kernel and importing pandas, altair and okrlib into it costs about as much as a
report's own work.  ``render_quarter``'s workers call :func:`keep_warm` once; from then on
:func:`report_kernel` hands papermill the process's running kernel (one per kernel name
and working folder) through the ``okrlib-kernel`` engine, which clears the kernel after each
notebook with IPython's ``reset(new_session=True)``: the namespace, the output history and
the execution counter start afresh, as in a new kernel, while imported modules stay.  The
kernel client is kept too (a new client waits 0.2 s for the kernel's output channel to
go quiet).  A kernel that died, or that could not be cleared, is shut down and replaced by
the next report.  Outside ``keep_warm`` (a single ``render_report``) the kernel is started for
the one notebook and killed once its outputs are in, without papermill's 0.2 s of graceful
shutdown.  The kill runs on a thread while the renderer writes and converts the notebook, and
the ``with`` block's end waits for it.

Preloading: a kernel spends half of its 0.5 s start-up idle, waiting for the client's
handshake.  The notebook's own top-level imports of okrlib (:func:`okrlib_imports`) are run
in that time, on a thread the kernel starts as it initialises (IPython's ``exec_lines``),
in a namespace of their own.  The notebook's ``import okrlib`` then finds the modules loaded
(or waits for the thread to finish them): 0.3 s less per report.  A failed preload is
ignored; the notebook's own import raises the error.  The garbage collector is off while
the thread imports: the imports allocate some 130,000 long-lived objects, and the
collections they set off walked them again and again (80 ms of a 0.6 s import).  Then the
thread moves everything loaded so far out of the collector's sight (``gc.freeze``) and
turns it back on: modules live as long as the kernel, and the full collection IPython's
``reset`` runs after every report of a warm kernel took 0.1 s walking them (1 ms after).
The imports' own garbage (about 1,500 objects in reference cycles) is frozen with them.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import multiprocessing.util
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field

import nbformat
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger
from papermill.utils import remove_args

ENGINE = "okrlib-kernel"
RESET = "get_ipython().reset(new_session=True)"
NO_HISTORY = "--HistoryManager.enabled=False"


def okrlib_imports(notebook: str | os.PathLike[str]) -> str:
    """The notebook's top-level imports of okrlib modules, one per line ('' when none).

    Cells that are not plain Python (IPython magics) are left out.

    Examples
    --------
    >>> okrlib_imports("okrlib/reporting/notebooks/quarterly_review.ipynb").splitlines()
    ['import okrlib', 'from okrlib.analysis import changes, impact, kpi, lint, review', ...]
    """
    lines = []
    for cell in nbformat.read(notebook, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        try:
            statements = ast.parse(cell.source).body
        except SyntaxError:
            continue
        for node in statements:
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            if all(name.split(".")[0] == "okrlib" for name in names):
                lines.append(ast.unparse(node))
    return "\n".join(lines)


def _kernel_arguments(imports: str) -> list[str]:
    """The kernel's command-line options: no input history (IPython would otherwise add every
    report cell to the user's ``history.sqlite``, at a few milliseconds a cell), and a thread
    that runs ``imports`` as it initialises."""
    if not imports:
        return [NO_HISTORY]
    guarded = (
        "import gc\n"
        "gc.disable()\n"
        "try:\n"
        + "".join(f"    {line}\n" for line in imports.splitlines())
        + "except BaseException:\n    pass\n"
        "gc.freeze()\n"
        "gc.enable()\n"
    )
    line = f"__import__('threading').Thread(target=exec, args=({guarded!r}, {{}}), daemon=True).start()"
    return [NO_HISTORY, f"--IPKernelApp.exec_lines={line}"]


@dataclass(eq=False)  # identity: a kernel is one process
class ReportKernel:
    """A running kernel and the client connected to it.

    On Linux and macOS the two talk over Unix sockets in a private temporary folder
    (ZeroMQ's ``ipc`` transport) rather than TCP ports on localhost: only this process can
    reach the kernel, and ipykernel has no reason to warn about unencrypted TCP on every start.
    """

    manager: AsyncKernelManager
    client: AsyncKernelClient
    sockets: str
    stopped: bool = field(default=False, repr=False)

    @classmethod
    def start(cls, kernel_name: str, cwd: str, preload: str = "") -> ReportKernel:
        sockets = tempfile.mkdtemp(prefix="okrlib-kernel-")
        # ZeroMQ's ipc transport needs Unix sockets; elsewhere jupyter_client's TCP default
        unix = {"transport": "ipc", "ip": os.path.join(sockets, "k")} if os.name == "posix" else {}
        manager = AsyncKernelManager(kernel_name=kernel_name, **unix)
        kernel = None
        try:
            run_sync(manager.start_kernel)(cwd=cwd, extra_arguments=_kernel_arguments(preload))
            kernel = cls(manager, manager.client(), sockets)
            kernel.client.start_channels()
            kernel.client.allow_stdin = False
            run_sync(kernel.client.wait_for_ready)(timeout=60)
        except BaseException:
            if kernel is not None:
                kernel.stop()
            shutil.rmtree(sockets, ignore_errors=True)
            raise
        return kernel

    def alive(self) -> bool:
        return run_sync(self.manager.is_alive)()

    def stop(self) -> None:
        """Kill the kernel and remove its files (once: a second call does nothing)."""
        if self.stopped:
            return
        self.stopped = True
        self.client.stop_channels()
        self._shut_down()

    def _shut_down(self) -> None:
        process = getattr(self.manager.provisioner, "process", None)  # a local kernel's Popen
        with contextlib.suppress(Exception):  # already gone
            if process is not None:  # killed and reaped here: jupyter_client polls every 0.1 s
                process.kill()
                process.wait(timeout=5)
            asyncio.run(self.manager.shutdown_kernel(now=True))  # the rest: files, sockets
        shutil.rmtree(self.sockets, ignore_errors=True)


_kernels: dict[tuple[str, str], ReportKernel] = {}
_warm = False


def keep_warm() -> None:
    """Reuse one kernel per (kernel name, folder) in this process until it exits.

    Meant as a process pool's ``initializer``; pool workers end without running
    ``atexit`` handlers, so the kernels are shut down by a multiprocessing finalizer.
    """
    global _warm
    _warm = True
    multiprocessing.util.Finalize(None, shutdown, exitpriority=10)


@contextlib.contextmanager
def report_kernel(
    kernel_name: str, cwd: str, notebook: str | os.PathLike[str]
) -> Iterator[dict[str, object]]:
    """Keyword arguments for ``papermill.execute_notebook`` that run ``notebook`` on a report
    kernel: this process's warm one under :func:`keep_warm`, else one started for it and
    stopped when the ``with`` block ends.  A kernel started here preloads the notebook's
    okrlib imports (see the module docstring); a warm one is reused as it is."""
    if not _warm:
        kernel = ReportKernel.start(kernel_name, cwd, okrlib_imports(notebook))
        try:
            yield {"engine_name": ENGINE, "okrlib_kernel": kernel, "clear": False}
        finally:
            kernel.stop()
        return
    kernel = _kernels.get((kernel_name, cwd))
    if kernel is None or not kernel.alive():
        if kernel is not None:
            kernel.stop()
        kernel = _kernels[(kernel_name, cwd)] = ReportKernel.start(kernel_name, cwd, okrlib_imports(notebook))
    yield {"engine_name": ENGINE, "okrlib_kernel": kernel, "clear": True}


def shutdown() -> None:
    """Shut down every warm kernel of this process."""
    while _kernels:
        _kernels.popitem()[1].stop()


class ReportKernelEngine(NBClientEngine):
    """papermill's nbclient engine on a kernel it does not own, cleared after each notebook
    when ``clear``.

    ``NBClientEngine.execute_managed_notebook`` again, except that the client is handed the
    kernel's client (nbclient takes no client as an argument) and clears the kernel.
    """

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man,
        kernel_name,
        log_output=False,
        stdout_file=None,
        stderr_file=None,
        start_timeout=60,
        execution_timeout=None,
        okrlib_kernel=None,
        clear=True,
        **kwargs,
    ):
        client = PapermillNotebookClient(
            nb_man,
            **remove_args(["input_path"], **kwargs),  # as NBClientEngine: the rest configures nbclient
            km=okrlib_kernel.manager,
            kernel_name=kernel_name,
            startup_timeout=start_timeout,
            timeout=execution_timeout,
            log=logger,
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
        )
        client.kc = okrlib_kernel.client  # nbclient starts no client of its own then
        try:
            return client.execute()
        finally:
            if clear:
                cls._clear(client, okrlib_kernel)
            else:  # a kernel for this notebook alone: its outputs are in, stop it meanwhile
                okrlib_kernel.stop()

    @staticmethod
    def _clear(client: PapermillNotebookClient, kernel: ReportKernel) -> None:
        try:
            reply = client.wait_for_reply(client.kc.execute(RESET, silent=True, store_history=False))
            cleared = bool(reply) and reply["content"]["status"] == "ok"
        except Exception:
            cleared = False
        if not cleared:
            kernel.stop()  # report_kernel starts a fresh one for the next report


papermill_engines.register(ENGINE, ReportKernelEngine)
