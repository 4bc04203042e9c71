"""Number grounding: the invariant lives here.

Every number in an answer must be found in a cited quote, a tool call, or the bibliographic
data of a cited document. Numbers are compared by value after normalisation, so 83% = 83.0%,
and a percentage may match its proportion (83% = 0.83). Ranges (4-10) and fractions (117/141)
are split into their parts. Citation markers like [2] and list numbering are not claims.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

_DIGIT = re.compile(r"\d")
_DECIMALS = re.compile(r"\.(\d+)")
_MARKER = re.compile(r"\[\d+(?:\s*[,-]\s*\d+)*\]")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-Z*\"(\[])")
_LIST_NUMBER = re.compile(r"^(\s*)\d+[.)]\s", re.MULTILINE)
_NUMBER = re.compile(
    r"(?<![\w.])(?<![A-Za-z][-‐])"  # not inside identifiers such as C3, NCT0245, COVID-19
    r"(?P<neg>[-−–](?=\d))?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?P<dec>\.\d+)?"
    r"(?P<pct>\s?%)?"
)


@dataclass(frozen=True)
class NumberToken:
    text: str
    value: float
    percent: bool

    @cached_property
    def decimals(self) -> int:
        """Digits written after the decimal point ("83.0%" -> 1, "1.5e-05" -> 1)."""
        match = _DECIMALS.search(self.text)
        return len(match.group(1)) if match else 0


def value_key(value: float) -> float:
    """A number as compared across texts: 83% is 83.0% is 83.00 (rounded to 6 decimals)."""
    return round(float(value), 6)


def numbers_in(text: str) -> list[NumberToken]:
    """Every numeric claim in `text`, with citation markers and list numbering removed."""
    if not _DIGIT.search(text):  # most strings of a tool call's output ("g/day", "met")
        return []
    text = _LIST_NUMBER.sub(r"\1", _MARKER.sub(" ", text))
    tokens = []
    for m in _NUMBER.finditer(text):
        neg, num, dec, pct = m.group("neg", "num", "dec", "pct")
        value = float(num.replace(",", "") + (dec or "")) * (-1 if neg else 1)
        tokens.append(NumberToken(m.group().strip(), value, bool(pct)))
    return tokens


@lru_cache(maxsize=20_000)
def quoted_numbers(text: str) -> tuple[NumberToken, ...]:
    """`numbers_in` of a source's sentence, memoised: the same sentences are quoted question
    after question, and read by the supporting-citation check, the grounding pool and the
    calculations' citations, and the strings of tool calls (labels, units, one-line results),
    bibliographic lines and the lines of an answer's evidence list. (Not for an answer's own
    sentences, which are new each time.)"""
    return tuple(numbers_in(text))


class GroundingPool:
    """The numbers an answer may use, by value."""

    def __init__(self, texts: Iterable[str] = (), values: Iterable[Any] = ()) -> None:
        self._values: set[float] = set()
        for text in texts:
            for token in quoted_numbers(text):
                self._add(token.value, token.percent)
        for value in values:
            self.add_value(value)

    def add_value(self, value: Any) -> None:
        """Add a tool input/output value (recursing into lists and dicts)."""
        if isinstance(value, bool):
            return
        if isinstance(value, int | float):
            self._add(float(value), False)
        elif isinstance(value, str):  # labels and units recur call after call: memoised
            for token in quoted_numbers(value):
                self._add(token.value, token.percent)
        elif isinstance(value, dict):
            for item in value.values():
                self.add_value(item)
        elif isinstance(value, list | tuple):
            for item in value:
                self.add_value(item)

    def _add(self, value: float, percent: bool) -> None:
        key = _key(value)
        self._values.add(key)
        self._values.add(abs(key))  # rounding is symmetric: the key of abs(value)
        if percent:
            self._values.add(_key(value / 100))

    def grounds(self, token: NumberToken) -> bool:
        if _key(token.value) in self._values:
            return True
        # A percentage may be stated as a proportion elsewhere (83% vs 0.83).
        return token.percent and _key(token.value / 100) in self._values


def _key(value: float) -> float:
    return round(value, 6)


def ungrounded(text: str, pool: GroundingPool) -> list[str]:
    return [t.text for t in numbers_in(text) if not pool.grounds(t)]


def ungrounded_answer(markdown: str, pool: GroundingPool) -> list[str]:
    """`ungrounded` of a whole answer, read line by line (a number never spans lines): the
    lines `enforce` has just read are read again from memory."""
    return [number for line in markdown.split("\n") for number in _ungrounded_line(line, pool)]


def _ungrounded_line(line: str, pool: GroundingPool) -> list[str]:
    """`ungrounded` for a whole line that may recur answer after answer (a quote in the
    evidence list): its numbers are read once."""
    return [t.text for t in quoted_numbers(line) if not pool.grounds(t)]


def enforce(markdown: str, pool: GroundingPool) -> tuple[str, list[str]]:
    """Drop every sentence or line carrying an ungrounded number.

    Returns the cleaned markdown and the numbers that were removed (for logs and tests).
    """
    removed: list[str] = []
    kept_lines = []
    for line in markdown.split("\n"):
        sentences = _SENTENCE_BREAK.split(line)
        # A line whose numbers are all grounded (most, among them the evidence list's quotes,
        # which recur) keeps every sentence: its numbers include each sentence's.
        if _ungrounded_line(line, pool):
            sentences = _grounded(sentences, pool, removed)
        if sentences or not line.strip():
            kept_lines.append(" ".join(sentences))
    return "\n".join(kept_lines).strip(), removed


def _grounded(sentences: list[str], pool: GroundingPool, removed: list[str]) -> list[str]:
    """The sentences without an ungrounded number; the others' numbers go to `removed`."""
    kept = []
    for sentence in sentences:
        bad = ungrounded(sentence, pool)
        removed.extend(bad)
        if not bad:
            kept.append(sentence)
    return kept
