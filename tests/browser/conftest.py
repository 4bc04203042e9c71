"""Browser-test fixtures: the real app (`python app.py`) on a free port with a throw-away index
and a copy of the bundled corpus, driven by Debian's chromium through Python playwright.

Every page records the requests it makes and any JavaScript dialog; a test fails if the page
reached anything but the app on 127.0.0.1, or if a dialog (e.g. `alert`) fired.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from browser_helpers import (
    ANSWER_TIMEOUT_MS,
    CHROMIUM,
    CHROMIUM_ARGS,
    PROJECT,
    START_TIMEOUT_S,
    PageWatch,
    RunningApp,
)
from process_helpers import free_port, stop


def _wait_until_up(app: RunningApp) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if app.process.poll() is not None:
            pytest.fail(f"app.py exited with {app.process.returncode}:\n{app.log_tail()}")
        try:
            with urllib.request.urlopen(app.url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"app.py did not answer on {app.url} within {START_TIMEOUT_S} s:\n{app.log_tail()}")


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """`python app.py` on a free port; uploads land in a temporary copy of corpus/."""
    root = tmp_path_factory.mktemp("browser-app")
    corpus = root / "corpus"
    shutil.copytree(PROJECT / "corpus", corpus, ignore=shutil.ignore_patterns("uploads"))
    port = free_port()
    env = {**os.environ, "EA_CORPUS_DIR": str(corpus), "EA_INDEX_DIR": str(root / "index"),
           "GRADIO_SERVER_PORT": str(port), "GRADIO_SERVER_NAME": "127.0.0.1",
           "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1"}  # fmt: skip
    env.pop("CHROMA_HOST", None)  # the browser tests use the embedded store
    log = root / "app.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "app.py"], cwd=PROJECT, env=env, stdout=sink, stderr=subprocess.STDOUT
        )
    running = RunningApp(f"http://127.0.0.1:{port}/", corpus, log, process)
    try:
        _wait_until_up(running)
        yield running
    finally:
        stop(process)


@pytest.fixture(scope="session")
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
def page(browser: Any, app: RunningApp, watch: PageWatch) -> Iterator[Any]:
    """A fresh browser session on the app; afterwards: only local requests, no dialogs."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(ANSWER_TIMEOUT_MS)
    page.on("request", lambda request: watch.requests.append(request.url))
    page.on("dialog", lambda dialog: (watch.dialogs.append(dialog.message), dialog.dismiss()))
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
