"""pytest fixtures of the real-browser harness (the helpers themselves: tests/harness.py).

Fixtures
    app_url   session: base URL of `streamlit run streamlit_app.py` (one server per session)
    browser   session: headless Chromium (Debian's /usr/bin/chromium or $CHROMIUM_PATH)
    page      function: a fresh 1440x900 page; `page.console_errors` and `page.page_errors`
              collect what the browser reported, for tests to assert on

Helpers for tests: `from tests.harness import start_app, stop_app, wait_for_app_idle, ...`.

PostgreSQL
    postgres  session: a throwaway PostgreSQL server (tests/pgserver.Cluster; .new_database()
              gives a fresh database's URL); skipped locally without Debian's postgresql,
              a failure under CI=true

Without Chromium or the playwright package, browser tests skip locally; under CI=true they fail.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.harness import (
    CHROMIUM_ARGS,
    CONTAINER_LOG,
    VIEWPORT,
    find_chromium,
    screenshot,
    skip_or_fail,
    start_app,
    stop_app,
)

if TYPE_CHECKING:  # pragma: no cover - typing only; playwright may be absent at run time
    from playwright.sync_api import Browser, Page


@pytest.fixture(scope="session")
def app_url() -> Iterator[str]:
    """Base URL of one `streamlit run streamlit_app.py` shared by the whole session."""
    url, proc = start_app()
    try:
        yield url
    finally:
        stop_app(proc)


@pytest.fixture(scope="session")
def postgres():
    """A throwaway PostgreSQL server for the whole session (tests/pgserver.py)."""
    from tests import pgserver

    if pgserver.find_bin() is None:
        skip_or_fail("no PostgreSQL server (Debian: apt-get install postgresql; or set $PG_BIN)")
    cluster = pgserver.Cluster().start()
    try:
        yield cluster
    finally:
        cluster.remove()


# --------------------------------------------------------------------------- the browser


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Chromium via Playwright's sync API (skips, or fails under CI=true, if absent)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail(
            "the playwright package is not installed; python -m pip install -r requirements-dev.txt"
        )
    executable, reason = find_chromium()
    if executable is None:
        skip_or_fail(reason)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so the page fixture can tell a failed test."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh page in its own context; errors it reports are collected on the page.

    page.console_errors: list[str]  console messages of type "error"
    page.page_errors:    list[str]  uncaught exceptions in the page
    A failing test leaves artifacts/screenshots/FAILED-<test>.png behind.
    """
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(30_000)
    new_page = context.new_page()
    new_page.console_errors = []  # type: ignore[attr-defined]
    new_page.page_errors = []  # type: ignore[attr-defined]
    new_page.on(
        "console",
        lambda msg: new_page.console_errors.append(msg.text) if msg.type == "error" else None,
    )
    new_page.on("pageerror", lambda error: new_page.page_errors.append(str(error)))
    try:
        yield new_page
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            try:
                screenshot(new_page, f"FAILED-{request.node.name}")
            except Exception:  # noqa: BLE001 - a failed screenshot must not hide the failure
                pass
        context.close()


def pytest_collection_modifyitems(config, items):
    """The container tests last: they start dockerd, build images and run a compose stack, and
    the machine stays busy for a while after them, which would slow the timed tests that
    follow them alphabetically (tests/test_reliability.py holds a 50-layer run to a limit in
    wall-clock seconds)."""
    items.sort(key=lambda item: item.get_closest_marker("container") is not None)


def pytest_sessionstart(session):
    CONTAINER_LOG.unlink(missing_ok=True)  # this session's lines only


def pytest_terminal_summary(terminalreporter):
    """The container tests' own log lines (build, run, compose, failover), for CI's log."""
    if CONTAINER_LOG.exists():
        terminalreporter.section("container tests: what they did")
        for line in CONTAINER_LOG.read_text().splitlines():
            terminalreporter.write_line(line)
