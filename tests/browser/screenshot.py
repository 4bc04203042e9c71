"""Update the README picture: `.venv/bin/python tests/browser/screenshot.py [OUT.png]`.

Starts the real app (a throw-away index and a copy of corpus/), asks the comparison question
in Debian's chromium at 1280x800, opens its first source and saves the whole page (answer,
sources, figure) to docs/screenshot.png (or OUT.png). The 390x844 phone view goes beside the
other screenshots (`EA_SHOTS_DIR`, a temporary folder). The test suite never writes docs/.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from browser_helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LAPTOP,
    PHONE,
    PROJECT,
    SHOTS,
    ask,
    running_app,
    wait_first_line_on_screen,
)

QUESTION = (
    "What was the difference in complete or partial response rate between the tacrolimus group "
    "and the IVCY group?"
)


def main(argv: list[str]) -> int:
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(PROJECT / "tests"))
    from process_helpers import free_port

    out = Path(argv[0]) if argv else PROJECT / "docs" / "screenshot.png"
    with (
        tempfile.TemporaryDirectory() as root,
        running_app(Path(root), free_port()) as app,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        sizes: list[tuple[Any, Path]] = [(LAPTOP, out), (PHONE, SHOTS / "readme_phone_390x844.png")]
        for size, path in sizes:
            page = browser.new_page(viewport=size)
            page.set_default_timeout(60_000)
            page.goto(app.url)
            page.wait_for_selector("#ea-question textarea")
            ask(page, QUESTION)
            wait_first_line_on_screen(page)
            if size is LAPTOP:
                page.locator("#ea-source-1 summary").click()
            page.wait_for_timeout(500)
            path.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(path), full_page=size is LAPTOP)  # with the figure
            print(f"wrote {path}")
            page.close()
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
