"""Shared pieces of the browser tests: the running app, page watch, and page actions.

Screenshots go to a temporary folder (`EA_SHOTS_DIR`, default `<tmp>/ea-browser-shots`): the
test suite never rewrites a tracked file. `python tests/browser/screenshot.py` updates the
README picture (docs/screenshot.png) on purpose.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("EA_SHOTS_DIR") or Path(tempfile.gettempdir()) / "ea-browser-shots")
CHROMIUM = Path(os.environ.get("EA_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
START_TIMEOUT_S = 300  # first start embeds the whole corpus on CPU
ANSWER_TIMEOUT_MS = 60_000
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
BOT = '#ea-chat [data-testid="bot"]'
USER = '#ea-chat [data-testid="user"]'


@dataclass
class RunningApp:
    url: str
    corpus: Path
    log: Path
    process: subprocess.Popen[bytes]

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class PageWatch:
    """What a page did that a test must not let through."""

    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def shot(page: Any, name: str, full_page: bool = True) -> Path:
    """A screenshot under SHOTS (a temporary folder, never a tracked file)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


class AppDidNotStart(RuntimeError):
    pass


@contextmanager
def running_app(root: Path, port: int) -> Iterator[RunningApp]:
    """`python app.py` on `port`, with a throw-away index and a copy of corpus/ under `root`."""
    corpus = root / "corpus"
    shutil.copytree(PROJECT / "corpus", corpus, ignore=shutil.ignore_patterns("uploads"))
    env = {**os.environ, "EA_CORPUS_DIR": str(corpus), "EA_INDEX_DIR": str(root / "index"),
           "GRADIO_SERVER_PORT": str(port), "GRADIO_SERVER_NAME": "127.0.0.1",
           "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1"}  # fmt: skip
    env.pop("CHROMA_HOST", None)  # the browser tests use the embedded store
    log = root / "app.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "app.py"], cwd=PROJECT, env=env, stdout=sink, stderr=subprocess.STDOUT
        )
    app = RunningApp(f"http://127.0.0.1:{port}/", corpus, log, process)
    from process_helpers import stop  # tests/ is on the path (pytest's rootdir, or the scripts')

    try:
        wait_until_up(app)
        yield app
    finally:
        stop(process)


def wait_until_up(app: RunningApp) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if app.process.poll() is not None:
            raise AppDidNotStart(f"app.py exited with {app.process.returncode}:\n{app.log_tail()}")
        try:
            with urllib.request.urlopen(app.url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AppDidNotStart(f"app.py did not answer on {app.url} in {START_TIMEOUT_S} s")


def ask(page: Any, question: str) -> Any:
    """Type a question, press Enter, wait for the finished answer bubble and return it."""
    from playwright.sync_api import expect

    bots = page.locator(BOT)
    before = bots.count()
    box = page.locator("#ea-question textarea")
    box.fill(question)
    box.press("Enter")
    expect(bots).to_have_count(before + 1)
    answer = bots.nth(before)
    expect(answer).not_to_contain_text("Searching the evidence base")
    expect(page.locator("#ea-status")).not_to_have_text("Searching…")
    return answer


# The newest answer's first statement: from its start to its first [n] marker (or its first
# line when it has none): where it is, and whether something else is drawn over its first word.
FIRST_LINE_JS = """
() => {
  const bots = document.querySelectorAll('#ea-chat [data-testid="bot"]');
  const bot = bots[bots.length - 1];
  const first = bot.querySelector('p, li, table') || bot;
  const range = document.createRange();
  range.setStart(first, 0);
  range.setEnd(first, first.childNodes.length);
  const walker = document.createTreeWalker(first, NodeFilter.SHOW_TEXT);
  let seen = '';
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = (seen + node.data).search(/\\[\\d+\\]/);
    if (at >= 0) {
      const close = node.data.indexOf(']', Math.max(0, at - seen.length));
      range.setEnd(node, close + 1);
      break;
    }
    seen += node.data;
  }
  const rects = [...range.getClientRects()].filter(r => r.width > 0);
  const top = Math.min(...rects.map(r => r.top)), bottom = Math.max(...rects.map(r => r.bottom));
  const log = document.querySelector('#ea-chat [role="log"]');
  const box = log ? log.getBoundingClientRect() : {top: top, bottom: bottom};
  const hit = document.elementFromPoint(rects[0].left + 2, rects[0].top + rects[0].height / 2);
  return {top: top, bottom: bottom, logTop: box.top, logBottom: box.bottom,
          height: window.innerHeight, width: window.innerWidth, text: range.toString(),
          covered: !(hit && first.contains(hit))};
}
"""


def first_line(page: Any) -> dict[str, Any]:
    return dict(page.evaluate(FIRST_LINE_JS))


def first_line_on_screen(box: dict[str, Any]) -> bool:
    """The first line lies inside the window and inside the chat's scroll box, uncovered."""
    inside_window = box["top"] >= 0 and box["bottom"] <= box["height"]
    inside_log = box["top"] >= box["logTop"] - 1 and box["bottom"] <= box["logBottom"] + 1
    return inside_window and inside_log and not box["covered"]


def wait_first_line_on_screen(page: Any, timeout_ms: int = 5_000) -> dict[str, Any]:
    """The first line's box once the page has placed it (the placing runs on the next frame)."""
    deadline = time.monotonic() + timeout_ms / 1000
    box = first_line(page)
    while not first_line_on_screen(box) and time.monotonic() < deadline:
        page.wait_for_timeout(50)
        box = first_line(page)
    return box
