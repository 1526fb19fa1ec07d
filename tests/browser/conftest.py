"""Debian's chromium driven by Playwright, an emulator of params/local.yaml, and JupyterLab started for the test."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("AKSEGRESS_TEST_ARTEFACTS") or Path(tempfile.gettempdir()) / "aksegress-test-artefacts")
"""Screenshots a person may want to look at after the run: outside the checkout, kept across runs."""
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium before `make test`")
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    opened = context.new_page()
    yield opened
    context.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab(tmp_path, project, emulator):
    """JupyterLab on a copy of the notebooks, its kernels pointed at the emulator and the project's params."""
    root = tmp_path / "lab"
    root.mkdir()
    shutil.copy(REPO / "notebooks" / "01-hub-and-spokes.ipynb", root)
    port = free_port()
    env = {**os.environ, "AKSEGRESS_CONNECTION": str(tmp_path / "arm.json"), "AKSEGRESS_ROOT": str(project),
           "AKSEGRESS_INTERACTIVE": "1", "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "jupyter-runtime"), "JUPYTER_DATA_DIR": str(tmp_path / "jupyter-data")}
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root", "--ServerApp.token=",
               "--ServerApp.password=", f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--ServerApp.root_dir={root}",
               "--LabApp.expose_app_in_browser=True", f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}"]
    log = (tmp_path / "lab.log").open("w")
    server = subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for_status(base, server, tmp_path / "lab.log")
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


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
