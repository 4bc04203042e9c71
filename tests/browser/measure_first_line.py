"""Time from Enter to the answer's first line on screen, beside the time `ask()` took.

`.venv/bin/python tests/browser/measure_first_line.py [N] [WIDTHxHEIGHT]` starts the real app
(a throw-away index, a copy of corpus/), asks the first N (default 20) questions of
tests/eval/questions.jsonl in Debian's chromium one after another in one chat, and prints
per-question and p50/p95 figures: `screen_ms` is measured inside the page, from the Enter key
to the first animation frame in which the new answer's first line lies inside the window and
the chat box; `ask_ms` is the answer's own `timings_ms.total` (shown in the status line).
"""

from __future__ import annotations

import json
import re
import statistics
import sys
import tempfile
from pathlib import Path

from browser_helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PROJECT,
    running_app,
)

ARM = """() => {
  const box = document.querySelector('#ea-question textarea');
  const chat = document.querySelector('#ea-chat');
  window.eaT0 = null; window.eaT1 = null;
  const before = chat.querySelectorAll('[data-testid="bot"]').length;
  box.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter' || window.eaT0 !== null) return;
    window.eaT0 = performance.now();
    const tick = () => {
      const bots = chat.querySelectorAll('[data-testid="bot"]');
      const bot = bots[bots.length - 1];
      if (bots.length > before && !bot.textContent.includes('Searching the evidence base')) {
        const block = bot.querySelector('p, li, table') || bot;
        const range = document.createRange();
        range.selectNodeContents(block);
        const r = range.getClientRects()[0];
        const log = chat.querySelector('[role="log"]').getBoundingClientRect();
        if (r && r.top >= 0 && r.bottom <= innerHeight && r.top >= log.top - 1
            && r.bottom <= log.bottom + 1) { window.eaT1 = performance.now(); return; }
      }
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }, { capture: true, once: true });
}"""


def questions(n: int) -> list[str]:
    rows = [json.loads(line) for line in (PROJECT / "tests/eval/questions.jsonl").open()]
    return [r["question"] for r in rows if r["expected_status"] == "answered"][:n]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(argv: list[str]) -> int:
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(PROJECT / "tests"))
    from process_helpers import free_port

    n = int(argv[0]) if argv else 20
    width, height = (int(v) for v in (argv[1] if len(argv) > 1 else "1280x800").split("x"))
    screen, asked = [], []
    with (
        tempfile.TemporaryDirectory() as root,
        running_app(Path(root), free_port()) as app,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": width, "height": height})
        page.set_default_timeout(60_000)
        page.goto(app.url)
        page.wait_for_selector("#ea-question textarea")
        for question in questions(n):
            page.evaluate(ARM)
            box = page.locator("#ea-question textarea")
            box.fill(question)
            box.press("Enter")
            page.wait_for_function("window.eaT1 !== null")
            page.wait_for_function(
                "!document.querySelector('#ea-status').innerText.includes('Searching')"
            )
            ms = page.evaluate("window.eaT1 - window.eaT0")
            status = page.locator("#ea-status").inner_text()
            found = re.search(r"([\d,.]+) ms", status)
            screen.append(ms)
            asked.append(float(found.group(1).replace(",", "")) if found else float("nan"))
            print(f"{ms:8.0f} ms on screen  {asked[-1]:8.0f} ms ask()  {question[:60]}")
        browser.close()
    print(
        f"{width}x{height}, {len(screen)} questions: Enter -> first line on screen "
        f"p50 {statistics.median(screen):.0f} ms, p95 {percentile(screen, 0.95):.0f} ms; "
        f"ask() p50 {statistics.median(asked):.0f} ms, p95 {percentile(asked, 0.95):.0f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
