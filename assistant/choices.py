"""Multiple-choice questions ("... was: A) ... B) ... C) ... D) ..."): the stem is asked as a
question, and the option the cited evidence states is named.

An option is stated by a cited quote when the quote gives every figure the option gives (by
value: "week 24" is the quote's "24 weeks") and uses most of its other words. Only one option
may be stated: with none or several, no option is named and the evidence speaks for itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .lexical import bm25_tokens
from .types import Citation
from .verify import numbers_in, value_key

# "A) text", "(B) text", "C. text", "d: text": a letter from A to F opening an option.
_OPTION = re.compile(r"(?:^|[\s:;,?])\(?([A-Fa-f])[).:]\s+")
MIN_OPTIONS = 3
WORDS_SHARED = 0.6  # of an option's words (besides its figures) a quote must use


@dataclass(frozen=True)
class Choice:
    """One option as the question writes it: its letter and its text."""

    letter: str
    text: str


def split_choices(question: str) -> tuple[str, tuple[Choice, ...]]:
    """The stem and the options of a multiple-choice question; (question, ()) for any other.
    The letters must run A, B, C... in order, three or more of them."""
    marks = list(_OPTION.finditer(question))
    letters = [m.group(1).upper() for m in marks]
    expected = [chr(ord("A") + i) for i in range(len(letters))]
    if len(marks) < MIN_OPTIONS or letters != expected:
        return question, ()
    ends = [m.start() for m in marks[1:]] + [len(question)]
    options = tuple(
        Choice(letter, question[m.end() : end].strip(" ;,?.")) for letter, m, end in
        zip(letters, marks, ends, strict=True)
    )  # fmt: skip
    stem = question[: marks[0].start()].strip(" :-")
    return (stem if stem.endswith("?") else f"{stem}?"), options


def stated_choice(
    options: Sequence[Choice], citations: Sequence[Citation]
) -> tuple[Choice, int] | None:
    """The one option a cited quote states, with that quote's number (1-based)."""
    found = [(option, n) for option in options
             if (n := _stating(option, citations)) is not None]  # fmt: skip
    return found[0] if len(found) == 1 else None


def _stating(option: Choice, citations: Sequence[Citation]) -> int | None:
    figures = {value_key(abs(t.value)) for t in numbers_in(option.text)}
    words = {w for w in bm25_tokens(option.text) if not w[0].isdigit()}
    for n, citation in enumerate(citations, start=1):
        quote = citation.quote
        gives = figures <= {value_key(abs(t.value)) for t in numbers_in(quote)}
        uses = len(words & set(bm25_tokens(quote))) >= WORDS_SHARED * len(words)
        if gives and uses and (figures or words):
            return n
    return None
