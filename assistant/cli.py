"""`python -m assistant ask|ingest|eval` - the command line mirrors the Python API."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .config import Settings


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["eval"]:  # the harness parses its own options
        from .evaluate import main as evaluate_main

        return evaluate_main(args_list[1:])
    parser = argparse.ArgumentParser(prog="python -m assistant", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    ask = commands.add_parser("ask", help="answer one question from the evidence base")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print Answer.to_dict() as JSON")
    ingest = commands.add_parser("ingest", help="build or update the index")
    ingest.add_argument("paths", nargs="*", type=Path, help="files to add (default: the corpus)")
    ingest.add_argument("--rebuild", action="store_true", help="delete the index and build anew")
    commands.add_parser(
        "eval", help="score a question set: eval [QUESTIONS] [--report DIR] (see --help there)"
    )
    args = parser.parse_args(args_list)
    from .index import IndexError_

    try:
        if args.command == "ask":
            return _ask(args.question, as_json=args.json)
        return _ingest(args.paths, rebuild=args.rebuild)
    except IndexError_ as exc:  # a damaged or incompatible index: say what to do, no traceback
        print(f"error: {exc}", file=sys.stderr)
        return 3


def _ask(question: str, as_json: bool) -> int:
    from .answer import EvidenceAssistant

    answer = EvidenceAssistant().ask(question)
    if as_json:
        print(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False))
        return 0 if answer.status != "invalid_input" else 2
    print(answer.answer)
    for n, tool in enumerate(answer.tool_calls, start=1):
        print(f"\nCalculation {n}: {tool.text}")
    if answer.citations:
        print("\nSources:")
        for n, cite in enumerate(answer.citations, start=1):
            print(f"  [{n}] {cite.title} ({cite.id})")
    print(f"\n[{answer.status}; {answer.timings_ms.get('total', 0):.0f} ms]")
    return 0 if answer.status != "invalid_input" else 2


def _ingest(paths: list[Path], rebuild: bool) -> int:
    from .answer import EvidenceAssistant
    from .index import EvidenceIndex

    settings = Settings.from_env()
    if rebuild:
        from .index import drop_index

        drop_index(settings)
    bar = _progress_bar()
    bot = EvidenceAssistant(settings, index=EvidenceIndex(settings), sync_corpus=False)
    if paths:
        report, errors = bot.ingest(paths)
    else:
        report = bot.sync_corpus(progress=bar)
        errors = bot.ingest_errors
    from .ingest import message_level

    levels = [message_level(e) for e in errors]
    for error, level in zip(errors, levels, strict=True):
        if level != "info":  # identical duplicates are only counted
            print(f"{level}: {error}", file=sys.stderr)
    if identical := levels.count("info"):
        print(f"note: {identical} identical duplicate record(s) skipped", file=sys.stderr)
    print(report.summary())
    return 1 if "error" in levels else 0  # skipped records are warnings, not failures


def _progress_bar() -> Callable[[int, int], None]:
    from tqdm import tqdm

    state: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        bar = state.setdefault("bar", tqdm(total=total, unit="passage", desc="embedding"))
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    return update
