"""Words a question misspells or cuts short ("remision", "dexameth"), read as the evidence
base's own words, so that retrieval and the reading of the question meet the word the text
uses.

A word is read again only when English does not know it (wordfreq gives it no frequency), the
evidence base does not use it, and nothing else claims it (an arm's alias, a synonym, a study's
name: `known`). It is then read as one of the evidence base's words, never as anything else:
- a word that begins some of the evidence base's words is shortened, not misspelt
  ("dexameth", "cardiomyo"): it is read as the word it begins when every word it begins is a
  form of that one word, else left alone ("nephro": nephrology or nephrotoxicity?);
- any other is read as the one word within one edit of it (a letter added, dropped, changed
  or two letters swapped); two words as close leave it alone. Two edits would read a field's
  real words as others ("interfractional" as "intrafractional", measured on the second field's
  questions). Letters English spells one sound with count as one: "ph" and "f", "y" and "i"
  ("fosfate", "hipertension", "hypotiroid" are one edit or none from the word).
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from rapidfuzz.distance import DamerauLevenshtein
from rapidfuzz.process import extract

from .lexical import bm25_tokens

MIN_LENGTH = 5  # shorter words are abbreviations more often than typos ("upcr", "egfr")
_WORD = re.compile(r"(?<![\w-])[a-z]+(?![\w-])", re.I)  # letters only: not "iii+v", "24h"


@dataclass(frozen=True)
class Correction:
    typed: str
    read: str


class Speller:
    """The evidence base's words (`words`: each with how often the passages use it) and the
    rule reading a question's unknown words as one of them."""

    def __init__(self, words: Mapping[str, int]) -> None:
        self.words = dict(words)
        self._choices = sorted(self.words)
        self._sounds = [_sounded(w) for w in self._choices]

    @classmethod
    def of_texts(cls, texts: Iterable[str]) -> Speller:
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(w.lower() for w in _WORD.findall(text))
        return cls(counts)

    def corrections(self, text: str, known: Callable[[str], bool]) -> tuple[Correction, ...]:
        """Each word of `text` read as another, in order of first use."""
        found: dict[str, Correction] = {}
        for word in _WORD.findall(text):
            lower = word.lower()
            if lower in found or not self._unknown(lower, known):
                continue
            begun = self._begun_by(lower)
            read = self._completed(begun) if begun else self._closest(lower)
            if read is not None:
                found[lower] = Correction(word, read)
        return tuple(found.values())

    def _unknown(self, word: str, known: Callable[[str], bool]) -> bool:
        from wordfreq import zipf_frequency

        return (
            len(word) >= MIN_LENGTH
            and word not in self.words
            and not known(word)
            and zipf_frequency(word, "en") == 0
        )

    def _begun_by(self, word: str) -> list[str]:
        """The evidence base's words that begin with `word` (sorted: a binary search)."""
        start = bisect.bisect_left(self._choices, word)
        end = bisect.bisect_left(self._choices, word + "{")  # "{" sorts after every letter
        return self._choices[start:end]

    def _closest(self, word: str) -> str | None:
        near = extract(
            _sounded(word), self._sounds, scorer=DamerauLevenshtein.distance, score_cutoff=1,
            limit=3,
        )  # fmt: skip
        if not near:
            return None
        best = min(distance for _, distance, _ in near)
        closest = [self._choices[i] for _, distance, i in near if distance == best]
        return closest[0] if len(closest) == 1 else None

    def _completed(self, begun: list[str]) -> str | None:
        """The word a shortened one begins, when all it begins are forms of one word."""
        if len({tuple(bm25_tokens(w)) for w in begun}) > 1:
            return None
        return max(begun, key=lambda w: (self.words[w], w))


def apply(text: str, corrections: Iterable[Correction]) -> str:
    """`text` with each corrected word replaced by the word it is read as."""
    table = {c.typed.lower(): c.read for c in corrections}
    if not table:
        return text
    return _WORD.sub(lambda m: table.get(m.group().lower(), m.group()), text)


# Spellings of one sound ("ph" as in "phosphate" is an "f"; "y" in "hypertension" an "i"): a
# misspelling by ear swaps them.
_SOUNDS = (("ph", "f"), ("y", "i"))


def _sounded(word: str) -> str:
    for written, sound in _SOUNDS:
        word = word.replace(written, sound)
    return word
