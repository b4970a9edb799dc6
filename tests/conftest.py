"""Shared fixtures: the real data set, loaded once per session."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from rutinebok.checks import run_checks
from rutinebok.findings import Report
from rutinebok.load import load_dataset

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 22)


@pytest.fixture(scope="session")
def real():
    """(dataset, load report, check findings) for data/ as of TODAY."""
    report = Report()
    ds = load_dataset(ROOT / "data", report, display_base=ROOT)
    findings = run_checks(ds, TODAY) if not ds.failed_files else []
    return ds, report, findings


# ---------------------------------------------------------------- site build and browser

import functools
import http.server
import os
import shutil
import socketserver
import subprocess
import sys
import threading

CHROMIUM = os.environ.get("RUTINEBOK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


# The tests build a publication, as the Pages workflow does, at a test address and with a
# repository (edit links); draft builds are tested on their own in test_publish.py.
PUBLIC_URL = "https://rutiner.example.no/"
REPO_URL = "https://github.com/example/rutinebok"


def build_site(out: Path, data: Path | None = None, config: Path | None = None, *, draft: bool = False,
               site_url: str | None = PUBLIC_URL, repo_url: str = REPO_URL) -> subprocess.CompletedProcess:
    """Run a real `mkdocs build --strict` of the project into `out` (a publication unless `draft`),
    as `make build` does (the rutinebok plugin runs the post-build pass and the search index)."""
    env = {**os.environ, "RUTINEBOK_TODAY": TODAY.isoformat(), "NO_MKDOCS_2_WARNING": "1",
           "RUTINEBOK_REPO_URL": repo_url, "RUTINEBOK_DRAFT": "1" if draft else ""}
    env.pop("RUTINEBOK_SITE_URL", None)
    if site_url is not None:
        env["RUTINEBOK_SITE_URL"] = site_url
    if data is not None:
        env["RUTINEBOK_DATA"] = str(data)
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f", str(config or ROOT / "mkdocs.yml"),
         "-d", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    result = build_site(out)
    assert result.returncode == 0, result.stdout + result.stderr
    return out


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def site_url(site_dir):
    """The built site served on 127.0.0.1 (a random free port)."""
    handler = functools.partial(_QuietHandler, directory=str(site_dir))
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium driven by Playwright (no browser download).

    Module-scoped: Playwright's sync API keeps an asyncio loop running while open, and
    pyHanko (signing tests) runs its own loop, which cannot start inside a running one.
    """
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: run `make test`, which installs Debian's chromium"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser):
    # The harness injects scripts (axe, wait_for_function) that the site's CSP rightly blocks;
    # the CSP itself is tested with contexts that do not bypass it (tests/test_inert.py).
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nb-NO", bypass_csp=True)
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture()
def phone(browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="nb-NO", bypass_csp=True,
                                  is_mobile=True, has_touch=True, device_scale_factor=2)
    pg = context.new_page()
    yield pg
    context.close()


AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def copy_data(dest: Path) -> Path:
    shutil.copytree(ROOT / "data", dest)
    return dest
