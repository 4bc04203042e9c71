"""Words for BM25 and scope checks: one tokenizer, so the index and the queries agree."""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from typing import Any

_STOPWORDS = frozenset(
    """a about after all also an and any are as at be been before being both but by can could
    did do does doing during each for from had has have how i if in into is it its many much
    my of on or our over so such than that the their them then there these they this those to
    under up was we were what when where which while who whom why will with would you your
    patients patient study trial group groups""".split()  # noqa: SIM905 - a word list reads best as text
)
_BRITISH = re.compile(r"(?<=[a-z])is(?=e|ed|es|ing|ation)")
_WORD = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?")
# Changes whenever the word rules change, so cached BM25 indexes built with old rules are rebuilt.
TOKENIZER_VERSION = hashlib.sha256(
    "|".join([*sorted(_STOPWORDS), _BRITISH.pattern, _WORD.pattern]).encode()
).hexdigest()[:8]


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


def encodable(text: str) -> str:
    """The text without lone surrogates (e.g. "\\ud800"), which the tokenizers cannot encode."""
    return text.encode("utf-8", "ignore").decode("utf-8") if not text.isascii() else text


def bm25_tokens(text: str) -> list[str]:
    """Lower-cased, spelling-normalised (randomised = randomized), stemmed, stopwords out."""
    words = _WORD.findall(_BRITISH.sub("iz", text.lower()))
    return list(_stemmer().stemWords([w for w in words if w not in _STOPWORDS]))
