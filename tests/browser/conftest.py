"""Debian's chromium, headless, driven by Playwright (no browser is ever downloaded): one browser
per session, a fresh page per test, the console watched for errors. Screenshots go to
test-artifacts/ (PYSPEC_ARTIFACTS overrides it)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("PYSPEC_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps dialling out, and in a closed network
# its refused connections slow every launch down.
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 60_000  # two shared cores: generous, and every wait is bounded by it


@pytest.fixture(scope="session")
def artifacts() -> Path:
    d = Path(os.environ.get("PYSPEC_ARTIFACTS", ROOT / "test-artifacts"))
    d.mkdir(parents=True, exist_ok=True)
    return d


# Module scope, not session: playwright's sync API keeps an asyncio loop running in the main
# thread while it is open, and an async test (the language server's, pytest-asyncio) that later
# lands on the same xdist worker cannot start its own loop beside it.
@pytest.fixture(scope="module")
def browser_context():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium (or set PYSPEC_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="pyspec-chromium-")
    with sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, args=ARGS, headless=True,
                                                   viewport={"width": 1400, "height": 800}, timeout=TIMEOUT_MS)
        ctx.set_default_timeout(TIMEOUT_MS)
        try:
            yield ctx
        finally:
            ctx.close()
            shutil.rmtree(profile, ignore_errors=True)


class Opened:
    """A page loaded from a file, with the console messages and page errors it produced."""

    def __init__(self, page, problems: list[str]) -> None:
        self.page = page
        self.problems = problems


@pytest.fixture
def open_page(browser_context):
    pages = []

    def opener(path: Path) -> Opened:
        page = browser_context.new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
        page.goto(path.resolve().as_uri(), wait_until="load")
        page.wait_for_selector("body[data-ready]", state="attached")
        pages.append(page)
        return Opened(page, problems)

    yield opener
    for p in pages:
        p.close()
