"""Kernels started one notebook ahead: while papermill runs one notebook, the next one's kernel boots and imports
the runbook's libraries, so a run does not wait for a kernel between notebooks. Each kernel serves one notebook.

Kernels talk over Unix sockets (zmq ``ipc``), not TCP: with TCP the manager picks free ports and the kernel binds
them a second later, and an outgoing connection of the run (to ARM or the emulator) can take one meanwhile, so the
kernel dies before replying to kernel_info."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger

ENGINE = "aksegress-ahead"
WARM_IMPORTS = ("aksegress.notebook", "azure.identity", "azure.mgmt.network", "azure.mgmt.resource",
                "azure.mgmt.privatedns", "azure.mgmt.containerservice", "azure.mgmt.compute", "azure.mgmt.authorization")
"""Imported at kernel start, into a namespace of their own: the notebook's namespace stays empty."""


class KernelsAhead:
    """Hands out fresh kernels, one per notebook, each started while the previous notebook ran.

    A context manager; on exit the kernel started for a notebook that never ran is shut down.
    """

    def __init__(self, cwd: str, extra_arguments: list[str], kernel_name: str = "python3"):
        warm = f"exec({'import ' + ', '.join(WARM_IMPORTS)!r}, {{}})"
        self.kernel_name = kernel_name
        self.cwd = cwd
        self.arguments = [*extra_arguments, "--HistoryManager.hist_file=:memory:", f"--IPKernelApp.exec_lines={[warm]!r}"]
        self._next: AsyncKernelManager | None = None
        self._sockets = Path(tempfile.mkdtemp(prefix="aksegress-kernels-"))
        self._started = 0

    def take(self, *, more: bool) -> AsyncKernelManager:
        """The started kernel for this notebook; with ``more``, the next notebook's kernel starts now."""
        kernel = self._next or self._start()
        self._next = self._start() if more else None
        return kernel

    def _start(self) -> AsyncKernelManager:
        self._started += 1
        kernel = AsyncKernelManager(kernel_name=self.kernel_name, transport="ipc",
                                    ip=str(self._sockets / f"kernel-{self._started}"))
        run_sync(kernel.start_kernel)(extra_arguments=self.arguments, cwd=self.cwd)
        return kernel

    @staticmethod
    def finish(kernel: AsyncKernelManager) -> None:
        """Shut a used (or unused) kernel down as nbclient would: gracefully, then release its files and sockets."""
        if run_sync(kernel.is_alive)():
            run_sync(kernel.shutdown_kernel)()
        run_sync(kernel.cleanup_resources)()

    def __enter__(self) -> "KernelsAhead":
        return self

    def __exit__(self, *exc) -> None:
        if self._next is not None:
            self.finish(self._next)
            self._next = None
        shutil.rmtree(self._sockets, ignore_errors=True)


class AheadEngine(NBClientEngine):
    """papermill's nbclient engine on a kernel started beforehand (``km``); the kernel's client is closed after."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, km=None, log_output=False, stdout_file=None, stderr_file=None,
                                 start_timeout=60, execution_timeout=None, **kwargs):
        timeout = execution_timeout or kwargs.get("timeout")
        kwargs = {k: v for k, v in kwargs.items() if k not in ("input_path", "timeout", "startup_timeout")}
        client = PapermillNotebookClient(nb_man, km=km, timeout=timeout, startup_timeout=start_timeout, log=logger,
                                         kernel_name=kernel_name, log_output=log_output, stdout_file=stdout_file,
                                         stderr_file=stderr_file, **kwargs)
        try:
            return client.execute()
        finally:
            if client.kc is not None:
                client.kc.stop_channels()


papermill_engines.register(ENGINE, AheadEngine)
