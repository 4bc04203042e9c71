"""Sentence splitting measured against hand-checked boundaries: ours, pysbd and syntok.

The boundaries (`benchmarks/data/sentence_boundaries.json`) are character offsets into texts
read at run time from `../shared/pubmedqa` and `../shared/real-exports`; no text is stored.
Two sets are scored:

- **random sample**: every sentence start of 12 PubMedQA abstracts drawn at random and of every
  abstract in the real exports (251 sentences); an error is a start a splitter misses or one
  it makes where the sample has none.
- **disagreements**: points of the 1,000 PubMedQA abstracts where the splitters disagreed, each
  judged a boundary or not; an error is a missed boundary or a false break. These points were
  read before the splitter's last rules were written, so they are the rules' development set.

A splitter from another checkout can be scored beside ours (`--before its/assistant/ingest.py`):

    .venv/bin/python benchmarks/sentence_split.py
    .venv/bin/python benchmarks/sentence_split.py --before /tmp/old/assistant/ingest.py --json F
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
GOLD = PROJECT_ROOT / "benchmarks" / "data" / "sentence_boundaries.json"
PUBMEDQA = PROJECT_ROOT.parent / "shared" / "pubmedqa" / "abstracts.jsonl"
REAL_EXPORTS = PROJECT_ROOT.parent / "shared" / "real-exports"

Spans = list[tuple[int, int]]
Splitter = Callable[[str], Spans]


def starts_of(text: str, spans: Iterable[tuple[int, int]]) -> set[int]:
    """Where each sentence starts, past any leading white space (splitters differ on it)."""
    starts = set()
    for start, _ in spans:
        while start < len(text) and text[start].isspace():
            start += 1
        starts.add(start)
    return starts


def pysbd_splitter() -> Splitter:
    import pysbd

    segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)
    return lambda text: [(span.start, span.end) for span in segmenter.segment(text)]


def syntok_split(text: str) -> Spans:
    from syntok import segmenter

    spans = []
    for paragraph in segmenter.analyze(text):
        for sentence in paragraph:
            tokens = list(sentence)
            spans.append((tokens[0].offset, tokens[-1].offset + len(tokens[-1].value)))
    return spans


def splitter_from_file(path: Path) -> Splitter:
    """`split_sentences` of an ingest.py from another checkout, imported inside our package
    so that its relative imports resolve."""
    spec = importlib.util.spec_from_file_location("assistant._ingest_before", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"{path}: cannot be imported")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    split: Splitter = module.split_sentences
    return split


def splitters(before: Path | None) -> dict[str, Splitter]:
    from assistant.ingest import split_sentences

    found: dict[str, Splitter] = {"ours": split_sentences}
    if before is not None:
        found["before"] = splitter_from_file(before)
    found["pysbd"] = pysbd_splitter()
    found["syntok"] = syntok_split
    return found


def pubmedqa_parts(path: Path) -> dict[str, list[str]]:
    """Each abstract's texts by PMID: its sections in order, then its conclusion."""
    parts = {}
    for line in path.read_text(encoding="utf-8").split("\n"):  # not splitlines: texts hold U+2028
        if not line.strip():
            continue
        record = json.loads(line)
        parts[record["pmid"]] = [s["text"] for s in record["sections"]] + [record["conclusion"]]
    return parts


def export_parts(folder: Path) -> dict[tuple[str, str], list[str]]:
    """Each document's paragraphs as our readers make them, by (file name, document id)."""
    from assistant.ingest import read_documents

    parts = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(("LICENSE", "README")):
            continue
        for doc in read_documents(path, errors=[]):
            parts[(path.name, doc.id)] = doc.text.split("\n\n")
    return parts


def checked_text(entry: dict[str, Any], texts: Sequence[str]) -> str:
    """The text a gold entry points at, refused if it is not the text that was checked."""
    text = texts[entry["part"]]
    if hashlib.sha256(text.encode()).hexdigest()[:12] != entry["sha"]:
        raise SystemExit(f"{entry}: the text has changed since its boundaries were checked")
    return text


def score_sample(
    sample: Sequence[dict[str, Any]],
    pubmedqa: dict[str, list[str]],
    exports: dict[tuple[str, str], list[str]],
    split: Splitter,
) -> dict[str, int]:
    missed = false = sentences = 0
    for entry in sample:
        texts = (
            pubmedqa[entry["pmid"]]
            if entry["source"] == "pubmedqa"
            else exports[(entry["file"], entry["document"])]
        )
        text = checked_text(entry, texts)
        gold, made = set(entry["starts"]), starts_of(text, split(text))
        sentences += len(gold)
        missed += len(gold - made)
        false += len(made - gold)
    return {"sentences": sentences, "missed": missed, "false_breaks": false}


def score_points(
    points: Sequence[dict[str, Any]], pubmedqa: dict[str, list[str]], split: Splitter
) -> dict[str, int]:
    missed = false = 0
    for point in points:
        text = checked_text(point, pubmedqa[point["pmid"]])
        made = point["offset"] in starts_of(text, split(text))
        missed += point["boundary"] and not made
        false += made and not point["boundary"]
    return {"points": len(points), "missed": missed, "false_breaks": false}


def sentence_counts(pubmedqa: dict[str, list[str]], split: Splitter) -> int:
    return sum(len(split(text)) for texts in pubmedqa.values() for text in texts)


def run(before: Path | None = None) -> dict[str, Any]:
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    pubmedqa, exports = pubmedqa_parts(PUBMEDQA), export_parts(REAL_EXPORTS)
    rows = {}
    for name, split in splitters(before).items():
        rows[name] = {
            "random_sample": score_sample(gold["random_sample"], pubmedqa, exports, split),
            "disagreements": score_points(gold["disagreements"], pubmedqa, split),
            "pubmedqa_sentences": sentence_counts(pubmedqa, split),
        }
    return {"splitters": rows}


def format_table(report: dict[str, Any]) -> str:
    lines = [
        "| splitter | random sample: missed / false (sentences) "
        "| disagreements: missed / false (points) | sentences in 1,000 PubMedQA abstracts |",
        "|---|---|---|---|",
    ]
    for name, row in report["splitters"].items():
        sample, points = row["random_sample"], row["disagreements"]
        lines.append(
            f"| {name} | {sample['missed']} / {sample['false_breaks']} ({sample['sentences']}) "
            f"| {points['missed']} / {points['false_breaks']} ({points['points']}) "
            f"| {row['pubmedqa_sentences']:,} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="an ingest.py from another checkout")
    parser.add_argument("--json", type=Path, help="write the report here")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(PROJECT_ROOT))
    report = run(args.before)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(format_table(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
