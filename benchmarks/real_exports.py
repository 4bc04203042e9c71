"""What the readers make of real PubMed exports written by others (`../shared/real-exports`).

Per file: documents read, records skipped (with the reader's one-line reasons), errors, and the
time to read it; then, over all documents, how inline superscripts came out (a number written
as a superscript must stay one: "10^9/L" and "h^-1", never "109/L" and "h-1") and how many
sentences the splitter made. Nothing is indexed; the files are only read. Run it against
another checkout of the package to compare (PYTHONPATH=<checkout>):

    .venv/bin/python benchmarks/real_exports.py
    .venv/bin/python benchmarks/real_exports.py --json /tmp/real-exports.json
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = PROJECT_ROOT.parent / "shared" / "real-exports"
EXPORT_SUFFIXES = (".xml", ".txt", ".nbib", ".ris", ".csv", ".gz")
NOT_EXPORTS = ("LICENSE", "README")  # the folder's own notes, not exports
# A number written as a superscript in the export ("h<sup>-1</sup>", "10<sup>9</sup>"), and
# the same in the text read from it ("h^-1", "10^9"); flattening the markup makes "h-1", "109".
_SUPERSCRIPT_MARKUP = re.compile(r"<sup>\s*([-−]?\d+)\s*</sup>")
_SUPERSCRIPT_TEXT = re.compile(r"\^[-−]?\d+")
_FLATTENED = re.compile(r"(?<![\d.^])10\d{1,2}\s?/\s?(?:L|l|mm3|µL|uL)\b")


def read_file(path: Path) -> dict[str, Any]:
    from assistant.ingest import read_documents

    notes: list[str] = []
    started = time.perf_counter()
    try:
        documents = read_documents(path, notes)
        failure = None
    except Exception as exc:  # the reader's refusal is a result here, not a crash
        documents, failure = [], f"{type(exc).__name__}: {exc}"
    return {
        "file": path.name,
        "documents": len(documents),
        "notes": [str(n) for n in notes] + ([failure] if failure else []),
        "ms": round((time.perf_counter() - started) * 1000, 1),
        "texts": [d.text for d in documents],
    }


def sentence_count(texts: Sequence[str]) -> int:
    from assistant.ingest import split_sentences

    return sum(len(split_sentences(t)) for t in texts)


def run(data_dir: Path) -> dict[str, Any]:
    files = sorted(
        p
        for p in data_dir.iterdir()
        if p.name.endswith(EXPORT_SUFFIXES) and not p.name.startswith(NOT_EXPORTS)
    )
    rows = [read_file(p) for p in files]
    texts = [t for row in rows for t in row["texts"]]
    return {
        "files": [{k: v for k, v in row.items() if k != "texts"} for row in rows],
        "documents": sum(row["documents"] for row in rows),
        "superscripts_in_files": sum(
            len(_SUPERSCRIPT_MARKUP.findall(p.read_text(encoding="utf-8", errors="replace")))
            for p in files
        ),
        "superscripts_kept": sum(len(_SUPERSCRIPT_TEXT.findall(t)) for t in texts),
        "flattened_powers": sorted({m for t in texts for m in _FLATTENED.findall(t)}),
        "sentences": sentence_count(texts),
    }


def format_table(report: dict[str, Any]) -> str:
    lines = ["| file | documents | skipped or refused (reason) | ms |", "|---|---|---|---|"]
    for row in report["files"]:
        reasons = "; ".join(n.split(": ", 1)[-1][:70] for n in row["notes"]) or "—"
        lines.append(f"| {row['file']} | {row['documents']} | {reasons} | {row['ms']} |")
    lines.append("")
    lines.append(
        f"{report['documents']} documents, {report['sentences']} sentences; numbers written "
        f"as superscripts in the files: {report['superscripts_in_files']}, kept as ^n in the "
        f"text: {report['superscripts_kept']}; powers of ten flattened (e.g. 109/L): "
        f"{report['flattened_powers'] or 'none'}"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--json", type=Path, default=None, help="write the report here")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"no such folder: {args.data}", file=sys.stderr)
        return 2
    report = run(args.data)
    print(format_table(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
