"""Browser-test fixtures: the real app (`python app.py`) on a free port with a throw-away index
and a copy of the bundled corpus, driven by Debian's chromium through Python playwright.

Every page records the requests it makes and any JavaScript dialog; a test fails if the page
reached anything but the app on 127.0.0.1, or if a dialog (e.g. `alert`) fired.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from browser_helpers import (
    ANSWER_TIMEOUT_MS,
    CHROMIUM,
    CHROMIUM_ARGS,
    AppDidNotStart,
    PageWatch,
    RunningApp,
    running_app,
)
from process_helpers import free_port


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """`python app.py` on a free port; uploads land in a temporary copy of corpus/."""
    root = tmp_path_factory.mktemp("browser-app")
    try:
        with running_app(root, free_port()) as running:
            yield running
    except AppDidNotStart as exc:
        pytest.fail(str(exc))


# Module scope: Playwright's sync API runs an asyncio loop in this thread while it is open,
# and later async tests (LangChain's standard suites) need the thread free of one.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} not found: apt-get install -y chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def watch() -> PageWatch:
    return PageWatch()


@pytest.fixture()
def viewport() -> dict[str, int]:
    """The window size of `page` (a test module may override this fixture or parametrize it)."""
    return {"width": 1440, "height": 1000}


@pytest.fixture()
def page(
    browser: Any, app: RunningApp, watch: PageWatch, viewport: dict[str, int]
) -> Iterator[Any]:
    """A fresh browser session on the app; afterwards: only local requests, no dialogs."""
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(ANSWER_TIMEOUT_MS)
    page.on("request", lambda request: watch.requests.append(request.url))

    def on_dialog(dialog: Any) -> None:
        watch.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda error: watch.errors.append(str(error)))
    page.goto(app.url)
    page.wait_for_selector("#ea-question textarea")
    yield page
    context.close()
    outside = [
        u for u in watch.requests if not u.startswith(("http://127.0.0.1:", "data:", "blob:"))
    ]
    assert not outside, f"the page reached outside 127.0.0.1: {outside}"
    assert not watch.dialogs, f"a JavaScript dialog fired: {watch.dialogs}"
    assert not watch.errors, f"JavaScript errors on the page: {watch.errors}"
