"""Warm kernels: a process that renders several reports keeps one kernel for all of them.

Starting a kernel and importing pandas, altair and okrlib into it costs about as much as a
report's own work.  ``render_quarter``'s workers call :func:`keep_warm` once; from then on
:func:`engine_options` hands papermill the process's running kernel (one per kernel name
and working folder) through the ``okrlib-warm`` engine, which clears the kernel after each
notebook with IPython's ``reset(new_session=True)``: the namespace, the output history and
the execution counter start afresh, as in a new kernel, while imported modules stay.  A
kernel that died, or that could not be cleared, is shut down and replaced by the next
report.  Outside ``keep_warm`` (a single ``render_report``) papermill starts and stops its
own kernel as usual.
"""

from __future__ import annotations

import contextlib
import multiprocessing.util

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger

ENGINE = "okrlib-warm"
RESET = "get_ipython().reset(new_session=True)"

_kernels: dict[tuple[str, str], AsyncKernelManager] = {}
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
    manager = _kernels.get((kernel_name, cwd))
    if manager is None or not run_sync(manager.is_alive)():
        manager = AsyncKernelManager(kernel_name=kernel_name)
        run_sync(manager.start_kernel)(cwd=cwd)
        _kernels[(kernel_name, cwd)] = manager
    return {"engine_name": ENGINE, "km": manager}


def shutdown() -> None:
    """Shut down every warm kernel of this process."""
    while _kernels:
        _, manager = _kernels.popitem()
        _stop(manager)


def _stop(manager: AsyncKernelManager) -> None:
    with contextlib.suppress(Exception):  # already gone
        run_sync(manager.shutdown_kernel)(now=True)


class WarmKernelEngine(NBClientEngine):
    """papermill's nbclient engine on a kernel it does not own, cleared after each notebook."""

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
        km=None,
        **kwargs,
    ):
        client = PapermillNotebookClient(
            nb_man,
            km=km,
            kernel_name=kernel_name,
            startup_timeout=start_timeout,
            timeout=execution_timeout,
            log=logger,
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
        )
        try:
            return client.execute()
        finally:
            cleared = False
            if client.kc is not None:
                try:
                    reply = client.wait_for_reply(client.kc.execute(RESET, silent=True, store_history=False))
                    cleared = bool(reply) and reply["content"]["status"] == "ok"
                except Exception:
                    cleared = False
                client.kc.stop_channels()
            if not cleared and km is not None:
                _stop(km)  # engine_options starts a fresh one for the next report


papermill_engines.register(ENGINE, WarmKernelEngine)
