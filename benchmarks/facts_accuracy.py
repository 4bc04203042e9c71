"""Precision and recall of `assistant.facts.extract_facts` on a hand-checked sample.

The sample (`tests/fixtures/facts_sample.jsonl`) holds no abstract text: each line points at a
sentence of `../shared/pubmedqa/abstracts.jsonl` by `pmid`, `section` (index into the abstract's
`sections`), `sentence` (index after `split_sentences` below) and `sha1` (of the sentence text,
so a changed splitter or file is noticed), plus the facts a reader finds in it. The sentences are
read from the shared folder at run time and never copied into the project.

A fact counts as found when an extracted fact has the same kind and the same numeric fields
(percent, events, total, measure, estimate, ci_low, ci_high, p_value; equal within rounding),
matched one to one. Precision = found / extracted, recall = found / expected. Where the sample
names a fact's group, the report also counts how often the extracted group agrees.

Splits: `dev` and `dev2` were used while writing the extractor (`dev2` was first scored blind:
precision 0.847, recall 0.893); `holdout` was labelled blind and scored once, and nothing was
changed after seeing it. Labelling conventions (the hand-checker's reading of each sentence):
kind "proportion" when the figure has counts, belongs to a named group or arm (including
"among X, ..." framings and "respectively" lists of groups) or is one side of an "a vs b"
comparison; "percent" for other percentages; "effect" for effect measures, estimates with an
interval, and P values that belong to no other figure. A P value belongs to the figures of its
clause before it (or to the estimate right after it in one bracket). A total is recorded when
the sentence states the denominator ("of 61", "Of the 61 patients, 48 (78.7%) ...").
Ranges, standard deviations, thresholds ("<33%") and confidence levels are not findings.

    .venv/bin/python benchmarks/facts_accuracy.py [--verbose]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
SAMPLE = PROJECT / "tests" / "fixtures" / "facts_sample.jsonl"
ABSTRACTS = PROJECT.parent / "shared" / "pubmedqa" / "abstracts.jsonl"
FIELDS = ("percent", "events", "total", "measure", "estimate", "ci_low", "ci_high", "p_value")

_ABBREVIATIONS = {"vs", "e.g", "i.e", "al", "fig", "no", "approx", "ca", "cf", "resp", "v"}
_END = re.compile(r"[.!?](?=\s+[\"'(\[]?[A-Z0-9])")


def split_sentences(text: str) -> list[str]:
    """Split at ".", "!" or "?" followed by white space and a capital letter, a digit or an
    opening bracket/quote, except after vs., e.g., i.e., et al., Fig., No., approx., v."""
    out: list[str] = []
    start = 0
    for m in _END.finditer(text):
        word = re.search(r"([A-Za-z.]+)$", text[start : m.start()])
        if m.group() == "." and word and word.group(1).lower() in _ABBREVIATIONS:
            continue
        piece = text[start : m.end()].strip()
        if piece:
            out.append(piece)
        start = m.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


def sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def load_abstracts(path: Path = ABSTRACTS) -> dict[str, dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return {str(rec["pmid"]): rec for rec in map(json.loads, handle)}


@dataclass
class Case:
    ref: dict[str, Any]
    sentence: str
    expected: list[dict[str, Any]]
    known_groups: list[str]

    @property
    def split(self) -> str:
        return str(self.ref.get("split", "dev"))


def load_cases(sample: Path = SAMPLE, abstracts: Path = ABSTRACTS) -> list[Case]:
    """The sample's sentences, read from the shared abstracts and checked against their sha1."""
    records = load_abstracts(abstracts)
    cases = []
    for line in sample.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        ref = json.loads(line)
        section = records[str(ref["pmid"])]["sections"][ref["section"]]
        sentence = split_sentences(section["text"])[ref["sentence"]]
        if sha1(sentence) != ref["sha1"]:
            raise ValueError(f"sentence {ref['pmid']}/{ref['section']}/{ref['sentence']} changed")
        cases.append(Case(ref, sentence, ref["facts"], ref.get("known_groups", [])))
    return cases


def _close(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return abs(float(a) - float(b)) <= 1e-6 + 1e-9 * abs(float(b))


def matches(fact: dict[str, Any], expected: dict[str, Any]) -> bool:
    return fact["kind"] == expected["kind"] and all(
        _close(fact.get(f), expected.get(f)) for f in FIELDS
    )


@dataclass
class Score:
    sentences: int
    negatives: int
    expected: int
    extracted: int
    found: int
    misses: list[tuple[Case, list[dict[str, Any]], list[dict[str, Any]]]]
    groups_labelled: int = 0
    groups_agreeing: int = 0

    @property
    def precision(self) -> float:
        return self.found / self.extracted if self.extracted else 1.0

    @property
    def recall(self) -> float:
        return self.found / self.expected if self.expected else 1.0


def score(cases: list[Case]) -> Score:
    from assistant.facts import extract_facts

    expected = extracted = found = labelled = agreeing = 0
    misses = []
    for case in cases:
        got = [f.to_dict() for f in extract_facts(case.sentence, case.known_groups)]
        left = list(got)
        missing = []
        for exp in case.expected:
            hit = next((g for g in left if matches(g, exp)), None)
            if hit is None:
                missing.append(exp)
            else:
                left.remove(hit)
                found += 1
                if exp.get("group"):
                    labelled += 1
                    agreeing += _same_group(hit.get("group"), exp["group"])
        expected += len(case.expected)
        extracted += len(got)
        if missing or left:
            misses.append((case, missing, left))
    negatives = sum(1 for c in cases if not c.expected)
    return Score(len(cases), negatives, expected, extracted, found, misses, labelled, agreeing)


def score_by_split(cases: list[Case]) -> dict[str, Score]:
    return {s: score([c for c in cases if c.split == s]) for s in sorted({c.split for c in cases})}


def _same_group(got: str | None, want: str) -> bool:
    def norm(g: str) -> str:
        return re.sub(r"^(?:the\s+)?(?:group|arm)\s+|\s+(?:group|arm)$", "", g.lower().strip())

    return got is not None and norm(got) == norm(want)


def _brief(fact: dict[str, Any]) -> str:
    keys = ("kind", *FIELDS, "group")
    return ", ".join(f"{k}={fact[k]}" for k in keys if fact.get(k) is not None)


def _report(result: Score, verbose: bool) -> Iterator[str]:
    yield (
        f"sentences: {result.sentences} ({result.negatives} without a finding); "
        f"expected facts: {result.expected}; extracted: {result.extracted}; "
        f"correct: {result.found}"
    )
    yield f"precision: {result.precision:.3f}  recall: {result.recall:.3f}"
    if result.groups_labelled:
        yield (
            f"groups: {result.groups_agreeing} of {result.groups_labelled} labelled groups agree "
            "(among the facts found)"
        )
    if verbose:
        for case, missing, extra in result.misses:
            ref = case.ref
            yield f"\n{ref['pmid']}/{ref['section']}/{ref['sentence']}: {case.sentence}"
            yield from (f"   missed: {_brief(m)}" for m in missing)
            yield from (f"   extra:  {_brief(x)}" for x in extra)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="show every miss (prints text)")
    args = parser.parse_args(argv)
    if not ABSTRACTS.exists():
        print(f"{ABSTRACTS} is missing: nothing to measure", file=sys.stderr)
        return 2
    sys.path.insert(0, str(PROJECT))
    cases = load_cases()
    for line in _report(score(cases), args.verbose):
        print(line)
    for split, part in score_by_split(cases).items():
        print(
            f"  {split}: {part.sentences} sentences ({part.negatives} without a finding), "
            f"{part.expected} expected, {part.extracted} extracted, {part.found} correct; "
            f"precision {part.precision:.3f}, recall {part.recall:.3f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
