"""Warm kernels: a process that renders several reports keeps one kernel for all of them.

Starting a kernel and importing pandas, altair and okrlib into it costs about as much as a
report's own work.  ``render_quarter``'s workers call :func:`keep_warm` once; from then on
:func:`engine_options` hands papermill the process's running kernel (one per kernel name
and working folder) through the ``okrlib-warm`` engine, which clears the kernel after each
notebook with IPython's ``reset(new_session=True)``: the namespace, the output history and
the execution counter start afresh, as in a new kernel, while imported modules stay.  The
kernel client is kept too (a new client waits 0.2 s for the kernel's output channel to
go quiet).  A kernel that died, or that could not be cleared, is shut down and replaced by
the next report.  Outside ``keep_warm`` (a single ``render_report``) papermill starts and stops its
own kernel as usual.
"""

from __future__ import annotations

import contextlib
import multiprocessing.util
from dataclasses import dataclass

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger
from papermill.utils import remove_args

ENGINE = "okrlib-warm"
RESET = "get_ipython().reset(new_session=True)"


@dataclass(frozen=True)
class WarmKernel:
    """A running kernel and the client connected to it."""

    manager: AsyncKernelManager
    client: AsyncKernelClient

    @classmethod
    def start(cls, kernel_name: str, cwd: str) -> WarmKernel:
        manager = AsyncKernelManager(kernel_name=kernel_name)
        run_sync(manager.start_kernel)(cwd=cwd)
        client = manager.client()
        client.start_channels()
        client.allow_stdin = False
        try:
            run_sync(client.wait_for_ready)(timeout=60)
        except BaseException:
            cls(manager, client).stop()
            raise
        return cls(manager, client)

    def alive(self) -> bool:
        return run_sync(self.manager.is_alive)()

    def stop(self) -> None:
        self.client.stop_channels()
        with contextlib.suppress(Exception):  # already gone
            run_sync(self.manager.shutdown_kernel)(now=True)


_kernels: dict[tuple[str, str], WarmKernel] = {}
_warm = False


def keep_warm() -> None:
    """Reuse one kernel per (kernel name, folder) in this process until it exits.

    Meant as a process pool's ``initializer``; pool workers end without running
    ``atexit`` handlers, so the kernels are shut down by a multiprocessing finalizer.
    """
    global _warm
    _warm = True
    multiprocessing.util.Finalize(None, shutdown, exitpriority=10)


def engine_options(kernel_name: str, cwd: str) -> dict[str, object]:
    """Keyword arguments for ``papermill.execute_notebook``: the warm engine and kernel
    when this process keeps kernels warm, else nothing (papermill's own kernel)."""
    if not _warm:
        return {}
    kernel = _kernels.get((kernel_name, cwd))
    if kernel is None or not kernel.alive():
        if kernel is not None:
            kernel.stop()
        kernel = _kernels[(kernel_name, cwd)] = WarmKernel.start(kernel_name, cwd)
    return {"engine_name": ENGINE, "warm_kernel": kernel}


def shutdown() -> None:
    """Shut down every warm kernel of this process."""
    while _kernels:
        _kernels.popitem()[1].stop()


class WarmKernelEngine(NBClientEngine):
    """papermill's nbclient engine on a kernel it does not own, cleared after each notebook.

    ``NBClientEngine.execute_managed_notebook`` again, except that the client is handed the
    warm kernel's client (nbclient takes no client as an argument) and clears the kernel.
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
        warm_kernel=None,
        **kwargs,
    ):
        client = PapermillNotebookClient(
            nb_man,
            **remove_args(["input_path"], **kwargs),  # as NBClientEngine: the rest configures nbclient
            km=warm_kernel.manager,
            kernel_name=kernel_name,
            startup_timeout=start_timeout,
            timeout=execution_timeout,
            log=logger,
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
        )
        client.kc = warm_kernel.client  # nbclient starts no client of its own then
        try:
            return client.execute()
        finally:
            try:
                reply = client.wait_for_reply(client.kc.execute(RESET, silent=True, store_history=False))
                cleared = bool(reply) and reply["content"]["status"] == "ok"
            except Exception:
                cleared = False
            if not cleared:
                warm_kernel.stop()  # engine_options starts a fresh one for the next report


papermill_engines.register(ENGINE, WarmKernelEngine)
