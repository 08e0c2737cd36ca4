"""Real-browser fixtures: Debian's chromium (installed when missing), JupyterLab from this venv, Playwright.

What this is: the session-wide pieces the browser tests share.

* ``chromium``: the path of a chromium binary. Playwright's own browser download
  cannot be reached here, so the tests drive the distribution's browser:
  ``/usr/bin/chromium`` (``$GAN_COURSE_CHROMIUM`` overrides). When it is missing
  and ``apt-get`` exists, it is installed (``apt-get install -y chromium`` as root,
  else through ``sudo -n``). The tests skip, with the reason, only where there is
  neither a chromium binary nor apt-get; on CI (``$CI`` set) they fail instead.
* ``lab``: JupyterLab started from this Python (``python -m jupyterlab``) on a free
  local port, without a token, in a temporary root folder, with its own settings,
  workspaces and runtime folders, and ``GAN_COURSE_QUICK=1`` (plus a temporary
  ``GAN_COURSE_RUNS``) in the environment its kernels inherit.
* ``browser``: chromium launched headless by Playwright through ``executable_path``.
* ``new_page``: a fresh browser page; when a test fails, a screenshot of every page it
  opened is saved under the test's pytest temporary folder (the path is printed).

What this is not: a general Jupyter test harness; only what tests/browser needs.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LAB_START_TIMEOUT_S = 120
INSTALL_TIMEOUT_S = 900
# JupyterLab settings for a quiet, deterministic page: every cell in the DOM (no windowing),
# no news or update pop-ups, no autosave racing the tests.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                         "checkForUpdates": False},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
}


# ---- chromium ---------------------------------------------------------------------------------------
def _find_chromium() -> str | None:
    for candidate in (os.environ.get("GAN_COURSE_CHROMIUM"), "/usr/bin/chromium",
                      shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def _apt_install(log: Path) -> str:
    """Install Debian's chromium with apt-get (as root, else via sudo -n); return what happened."""
    prefix = [] if os.geteuid() == 0 else ["sudo", "-n"]
    if prefix and (shutil.which("sudo") is None or
                   subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode != 0):
        return "not root and `sudo -n` is not allowed, so apt-get cannot install it"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    with open(log, "ab") as out:
        wait = ["-o", "DPkg::Lock::Timeout=600"]  # another apt-get (or xdist worker) may hold the lock
        for command in (["apt-get", *wait, "install", "-y", "--no-install-recommends", "chromium"],
                        ["apt-get", *wait, "update"],
                        ["apt-get", *wait, "install", "-y", "--no-install-recommends", "chromium"]):
            code = subprocess.run(prefix + command, stdout=out, stderr=subprocess.STDOUT, env=env,
                                  timeout=INSTALL_TIMEOUT_S).returncode
            if "install" in command and code == 0:
                return "installed"
    return f"`apt-get install chromium` failed (log: {log})"


def locate_chromium(work: Path) -> str:
    """A chromium binary: found, else installed with apt-get; else pytest.skip (pytest.fail on CI or
    when apt-get exists but cannot install it). ``work`` holds the install lock and log."""
    found = _find_chromium()
    if found:
        return found
    why = "no chromium binary (looked for $GAN_COURSE_CHROMIUM, /usr/bin/chromium, chromium on PATH)"
    if shutil.which("apt-get"):
        import fcntl

        with open(work / "chromium-install.lock", "w") as lock:  # one installer at a time
            fcntl.flock(lock, fcntl.LOCK_EX)
            found = _find_chromium()
            what = "installed by another worker" if found else _apt_install(work / "apt-get.log")
        found = found or _find_chromium()
        if found:
            return found
        pytest.fail(f"The browser tests need chromium: {why}; {what}. Install it with "
                    "`sudo apt-get install chromium`, or set GAN_COURSE_CHROMIUM to a chromium binary.",
                    pytrace=False)
    message = f"{why}, and no apt-get to install it: the browser tests need Debian's `chromium` package " \
              "or GAN_COURSE_CHROMIUM pointing at a chromium binary"
    if os.environ.get("CI"):
        pytest.fail(f"{message} (not skipped on CI).", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def chromium(tmp_path_factory) -> str:
    # pytest-xdist workers share the parent of their temporary folders: one lock for all of them
    return locate_chromium(tmp_path_factory.getbasetemp().parent)


# ---- JupyterLab -------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """A running JupyterLab: ``url``, ``root`` (the folder it serves), ``log`` (its output)."""

    def __init__(self, url: str, root: Path, log: Path):
        self.url, self.root, self.log = url, root, log

    def add(self, source: Path | str, name: str | None = None, text: str | None = None) -> str:
        """Put a notebook (a copy of ``source``, or ``text``) into the served folder; return its name."""
        name = name or Path(source).name
        target = self.root / name
        if text is not None:
            target.write_text(text, encoding="utf-8")
        else:
            shutil.copy2(source, target)
        return name

    def stop_kernels(self, name: str) -> None:
        """Shut down the kernels of notebook ``name`` (frees the CPU and memory for the next test)."""
        with urllib.request.urlopen(f"{self.url}/api/sessions", timeout=30) as reply:
            sessions = json.load(reply)
        for session in sessions:
            if session.get("path") == name:
                request = urllib.request.Request(f"{self.url}/api/sessions/{session['id']}", method="DELETE")
                urllib.request.urlopen(request, timeout=60).close()

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    home = tmp_path_factory.mktemp("lab")
    root, settings = home / "root", home / "settings"
    root.mkdir()
    for name, values in LAB_SETTINGS.items():
        path = settings / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("MPLBACKEND", "JPY_PARENT_PID")}  # figures inline
    env.update({
        "GAN_COURSE_QUICK": "1", "GAN_COURSE_RUNS": str(home / "runs"), "OMP_WAIT_POLICY": "PASSIVE",
        "JUPYTERLAB_SETTINGS_DIR": str(settings), "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTER_DATA_DIR": str(home / "data"), "TF_CPP_MIN_LOG_LEVEL": "3",
    })
    port = _free_port()
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
               "--ServerApp.token=", "--ServerApp.password=", "--ServerApp.port_retries=0",
               f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True",
               "--ServerApp.disable_check_xsrf=True"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    log = home / "jupyterlab.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=env, cwd=root)
    url = f"http://127.0.0.1:{port}"
    server = Lab(url, root, log)
    deadline = time.monotonic() + LAB_START_TIMEOUT_S
    while True:
        try:
            with urllib.request.urlopen(f"{url}/api/status", timeout=5) as reply:
                if reply.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"JupyterLab did not start (exit code {proc.poll()}):\n{server.tail()}", pytrace=False)
        time.sleep(0.5)
    yield server
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=20)


# ---- Playwright -------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser(chromium):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright is missing: install the test extra, pip install -e '.[test]'.", pytrace=False)
    with sync_playwright() as p:
        chrome = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_FLAGS)
        yield chrome
        chrome.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


class Screenshots:
    """Pages to photograph if the test fails: ``watch(page, element=None, close=False)`` adds one
    (scrolled to ``element`` first; its browser context closed after the test when ``close``)."""

    def __init__(self):
        self.pages = []

    def watch(self, page, element=None, close: bool = False):
        self.pages.append((page, element, close))
        return page


@pytest.fixture
def screenshots(request, tmp_path):
    """On failure, a screenshot of each watched page lands in tmp_path (the path is printed)."""
    shots = Screenshots()
    yield shots
    failed = any(getattr(request.node, f"rep_{when}", None) is not None and
                 getattr(request.node, f"rep_{when}").failed for when in ("setup", "call"))
    for n, (page, element, close) in enumerate(shots.pages):
        if failed:
            path = tmp_path / f"failure-{n}.png"
            try:
                if element is not None:
                    element.scroll_into_view_if_needed(timeout=5_000)
                page.screenshot(path=str(path))
                print(f"screenshot of the failing page: {path}")
            except Exception as err:  # noqa: BLE001 -- a screenshot must not hide the failure
                print(f"no screenshot ({err})")
        if close:
            page.context.close()


@pytest.fixture
def new_page(browser, screenshots):
    """``new_page()`` opens a page (1400 x 1000), photographed if the test fails, closed after it."""
    def make():
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(30_000)
        return screenshots.watch(context.new_page(), close=True)

    return make
