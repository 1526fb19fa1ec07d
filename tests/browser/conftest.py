"""Debian's chromium driven by Playwright, and JupyterLab started as ``make lab`` starts it, on a project of the test's own."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("AKSEGRESS_TEST_ARTEFACTS") or Path(tempfile.gettempdir()) / "aksegress-test-artefacts")
"""Screenshots a person may want to look at after the run: outside the checkout, kept across runs."""

pytestmark = pytest.mark.browser


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LabSession:
    """JupyterLab as ``make lab`` starts it, on a project of the test's own: its URL, root and emulator files."""

    base: str
    root: Path
    env: dict

    @property
    def connection_file(self) -> Path:
        return self.root / "outputs" / "local" / "emulator" / "connection.json"

    def url(self, path: str) -> str:
        return f"{self.base}/lab/tree/{path}"


def lab_project(folder: Path) -> Path:
    """A project root in ``folder`` laid out like the checkout (notebooks/ and params/ copied, committed in git),
    so a test can ask `git status` of it after Lab has been used on it."""
    folder.mkdir(parents=True)
    shutil.copytree(REPO / "notebooks", folder / "notebooks")
    shutil.copytree(REPO / "params", folder / "params")
    shutil.copy(REPO / ".gitignore", folder / ".gitignore")
    git = ["git", "-C", str(folder), "-c", "user.name=test", "-c", "user.email=test@example.invalid"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "checkout"], check=True)
    return folder


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """``make lab`` on a project of the module's own: working copies under outputs/local/lab, the environment's
    emulator served beside Lab, Lab rooted at the project with the save hook; one server per test module."""
    from aksegress.ui.lab import prepare_lab

    work = tmp_path_factory.mktemp("lab")
    root = lab_project(work / "project")
    prepare_lab("local", root)
    env = {**os.environ, "AKSEGRESS_ROOT": str(root), "AKSEGRESS_INTERACTIVE": "1",
           "JUPYTER_CONFIG_DIR": str(work / "jupyter-config"), "JUPYTER_RUNTIME_DIR": str(work / "jupyter-runtime"),
           "JUPYTER_DATA_DIR": str(work / "jupyter-data")}
    env.pop("AKSEGRESS_CONNECTION", None)
    port = free_port()
    logs = [(work / "emulator.log").open("w"), (work / "lab.log").open("w")]
    emulator = subprocess.Popen([sys.executable, "-m", "aksegress.cli", "emulator", "serve", "--env", "local"], cwd=root, env=env,
                                stdout=logs[0], stderr=subprocess.STDOUT)
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root", "--ServerApp.token=",
               "--ServerApp.password=", f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--ServerApp.root_dir={root}",
               "--LabApp.expose_app_in_browser=True", f"--LabApp.workspaces_dir={work / 'workspaces'}",
               "--FileContentsManager.pre_save_hook=aksegress.ui.lab.strip_tracked_outputs"]
    server = subprocess.Popen(command, cwd=root, env=env, stdout=logs[1], stderr=subprocess.STDOUT)
    try:
        _wait_for_status(f"http://127.0.0.1:{port}", server, work / "lab.log")
        yield LabSession(f"http://127.0.0.1:{port}", root, env)
    finally:
        for process in (server, emulator):
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs:
            log.close()


def screenshot(page, name: str) -> Path:
    """Keep a picture of this moment among the test artefacts (outside the checkout)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(shot), full_page=False)
    print(f"screenshot: {shot}")
    return shot


def _wait_for_status(base: str, server: subprocess.Popen, log: Path) -> None:
    """Until the server answers /api/status (or exits): waiting on the server process doubles as the pause."""
    for _ in range(600):
        try:
            with urllib.request.urlopen(f"{base}/api/status", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        try:
            server.wait(timeout=0.1)
            pytest.fail(f"jupyter lab exited: {log.read_text()[-2000:]}")
        except subprocess.TimeoutExpired:
            pass
    pytest.fail(f"jupyter lab did not answer /api/status: {log.read_text()[-2000:]}")
