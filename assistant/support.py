"""How an answer's citations and numbers are matched against what it says: the rule the
chain uses to keep only supporting citations, and the harness uses to score them."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .verify import NumberToken, numbers_in, quoted_numbers

_VALUE_TOLERANCE = 1e-6


# ------------------------------------------------------------------ number matching


def number_present(expected: str, answer_numbers: Sequence[NumberToken]) -> bool:
    """Is every number written in `expected` stated in the answer (by value)?

    "83.0" matches 83%, 83.0% and 83; "117/141" needs both 117 and 141. The sign is ignored
    (an answer may say "fell by 8.6" for a change of -8.6); a percentage may be written as a
    proportion (75.9 matches 0.759) when the expected value is above 1; and an answer showing
    more decimals than the expected figure matches when it rounds half up to it (2.94 matches
    2.9412, 13 matches 12.53), never the other way round.
    """
    return all(
        any(_same_value(want, got) for got in answer_numbers) for want in numbers_in(expected)
    )


def number_stated(forbidden: str, answer_numbers: Sequence[NumberToken]) -> bool:
    """Is any number written in `forbidden` stated in the answer (exact value, sign ignored)?

    Stricter than `number_present`: no rounding and no proportion scaling, so a forbidden
    "95" is tripped neither by 95.2 nor by an unrelated 0.95.
    """
    return any(
        math.isclose(abs(bad.value), abs(got.value), abs_tol=_VALUE_TOLERANCE)
        for bad in numbers_in(forbidden)
        for got in answer_numbers
    )


def _same_value(want: NumberToken, got: NumberToken) -> bool:
    target = abs(want.value)
    candidates = [(abs(got.value), got.decimals)]
    if target > 1 and not got.percent and abs(got.value) <= 1:
        candidates.append((abs(got.value) * 100, max(got.decimals - 2, 0)))
    places = want.decimals
    for value, decimals in candidates:
        if math.isclose(target, value, abs_tol=_VALUE_TOLERANCE):
            return True
        if (
            decimals > places
            and _may_round_alike(value, target, places)
            and _round_half_up(value, places) == _round_half_up(target, places)
        ):
            return True
    return False


def _may_round_alike(a: float, b: float, places: int) -> bool:
    """A cheap necessary condition for `_round_half_up` to give both the same figure: they lie
    within one unit of the last place of each other (plus far more than a float's error)."""
    return abs(a - b) <= 10.0**-places + 1e-9 * max(a, b, 1.0)


def _round_half_up(value: float, places: int) -> Decimal:
    return Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


_NEGATED = re.compile(r"(?:\b(?:not|no|never|nor|cannot)\s+|\bnon-)$")


def asserts_word(text: str, word: str) -> bool:
    """Case-insensitive whole-word (or whole-phrase) match, inner spaces matching any spacing,
    that a negation right before it does not undo: "not eligible" and "non-inferior" do not
    say "eligible" or "inferior". A word opening with a letter may follow a digit directly: a
    unit written against its number ("4-10ng/ml") is the word "ng/ml"."""
    pattern = r"\s+".join(re.escape(part) for part in normalise_text(word).split())
    before = r"(?<![^\W\d])" if pattern[:1].isalpha() else r"(?<!\w)"
    text = normalise_text(text)
    return any(
        not _NEGATED.search(text[: match.start()])
        for match in re.finditer(rf"{before}{pattern}(?!\w)", text)
    )


def normalise_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("‐", "-").replace("–", "-").replace("−", "-")
    text = text.replace("“", '"').replace("”", '"').replace("’", "'")
    return " ".join(text.split())


# ------------------------------------------------------------------ citation precision

_QUOTED = re.compile(r"“[^”]*”|\"[^\"\n]*\"")
_MARKERS = re.compile(r"\[\d+(?:\s*[,-]\s*\d+)*\]")
_WORD = re.compile(r"[a-z][a-z+\-]*[a-z]|[a-z]")
MIN_SHARED_WORDS = 2
MIN_WORD_LENGTH = 4
_STOPWORD_TEXT = """
    about above after again against also although among another because been before being
    below between both could does doing down during each either else ever every from further
    had has have having here hers herself himself into itself just less made make many more
    most much must near neither nor only other ought ours over same shall should since some
    such than that their theirs them themselves then there these they this those though
    through thus under until upon very were what when where whether which while whom whose
    will with within without would your yours yourself was
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
# Words every answer about clinical evidence shares; they do not show that a quote supports
# it (an evidence base adds its own, such as its condition and main drugs, in its profile's
# `shared_words`).
_GENERIC_TEXT = """
    according abstract answer article based cited citation data evidence group groups
    interview journal news note paper patient patients peer professor record
    records report reported reviewed says source sources stated statement studies study
    trial trials intravenous treatment treated therapy randomised randomized clinical
"""
GENERIC_WORDS = frozenset(_GENERIC_TEXT.split())


def content_words(text: str, shared: frozenset[str] = frozenset()) -> set[str]:
    """Lower-cased words of >= 4 letters, minus stopwords and evidence-base-wide words
    (`GENERIC_WORDS` and the evidence base's `shared` words).

    A trailing "s" is dropped from words longer than 4 letters so plurals meet singulars.
    """
    generic = GENERIC_WORDS | shared
    words = set()
    for word in _WORD.findall(normalise_text(text)):
        if len(word) < MIN_WORD_LENGTH or word in STOPWORDS or word in generic:
            continue
        if len(word) > MIN_WORD_LENGTH and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        if word not in generic:
            words.add(word)
    return words


def claim_text(answer_text: str) -> str:
    """The answer in its own voice: citation markers and spans in quotation marks removed."""
    return _QUOTED.sub(" ", _MARKERS.sub(" ", answer_text))


def citation_support(
    answer: Mapping[str, Any],
    bibliography: Mapping[str, str] | None = None,
    shared: frozenset[str] = frozenset(),
) -> list[bool]:
    """For each citation of `answer`, whether its quote supports what the answer says.

    Definition (deterministic, no judge):
      1. Claim text: the answer text with citation markers ([1]) and every span in quotation
         marks (“…” or "…") removed. Quoted evidence lists do not count as claims; a sentence
         the answer states in its own voice does, even when it repeats a quote word for word.
      2. Bibliographic numbers: every number in the cited documents' bibliographic lines
         (`bibliography`: names, year, journal citation) and in the citations' titles. They
         name a source ("Smith 2020") and are neither claims nor support.
      3. Relied-on numbers: the numbers of the claim text and of the inputs and outputs of the
         answer's tool calls that are not bibliographic (a tool names the study it read).
         The level of a confidence interval ("95% CI") is no figure in either.
      4. A quote that states at least one non-bibliographic number supports the answer iff
         one of its numbers equals a relied-on number (by value; sign ignored; 75.9 = 0.759
         as in `number_present`). A quote without such numbers supports the answer iff it
         shares at least `MIN_SHARED_WORDS` content words (`content_words`) with the claim
         text.
    So a figure-bearing sentence cited beside an answer must carry one of the figures the
    answer uses; a qualitative sentence must share its specific vocabulary. Citation
    precision is the share of True values; it is undefined for an answer without citations.
    """
    citations = list(answer.get("citations") or [])
    bibliography = bibliography or {}
    biblio_text = " ".join(
        [str(c.get("title", "")) for c in citations]
        + [bibliography.get(str(c.get("document", "")), "") for c in citations]
    )
    biblio = {round(abs(t.value), 6) for t in quoted_numbers(biblio_text)}  # recurs

    def substantive(tokens: Iterable[NumberToken]) -> list[NumberToken]:
        return [t for t in tokens if round(abs(t.value), 6) not in biblio]

    claims = claim_text(str(answer.get("answer", "")))
    relied = substantive(numbers_in(without_levels(claims)))
    for call in answer.get("tool_calls") or []:  # a study's name there ("Trial 1") is no figure
        used = [call.get("inputs", {}), call.get("output", {})]
        relied += substantive(numbers_of_value(used, levels=False))
    relied = list(dict.fromkeys(relied))  # each figure once: every quoted one meets each
    claim_words = content_words(claims, shared)
    exact = {abs(r.value) for r in relied}  # most matches are exact: found without the pairs
    supported = []
    for citation in citations:
        quote = str(citation.get("quote", ""))
        quote_numbers = substantive(quoted_numbers(without_levels(quote)))
        if quote_numbers:
            ok = any(abs(q.value) in exact for q in quote_numbers) or any(
                _same_value(q, r) or _same_value(r, q) for q in quote_numbers for r in relied
            )
        else:
            ok = len(content_words(quote, shared) & claim_words) >= MIN_SHARED_WORDS
        supported.append(ok)
    return supported


# "95% CI", "95% confidence interval": the level of an interval, the same in every sentence
# that reports one, is not a finding a quote and an answer could share.
_CONFIDENCE_LEVEL = re.compile(
    r"\b\d{2}(?:\.\d+)?\s*%\s*(?=(?:CI|CrI|confidence|credible)\b)", re.IGNORECASE
)
_LEVEL_KEYS = ("confidence_level_percent",)


def without_levels(text: str) -> str:
    return _CONFIDENCE_LEVEL.sub("", text) if "%" in text else text


def numbers_of_value(value: Any, levels: bool = True) -> list[NumberToken]:
    """Every number in a tool call's inputs or outputs; without confidence levels when
    `levels` is false."""
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, int | float):
        return [NumberToken(str(value), float(value), False)] if math.isfinite(value) else []
    if isinstance(value, str):
        return list(quoted_numbers(value if levels else without_levels(value)))
    if isinstance(value, Mapping):
        kept = (v for k, v in value.items() if levels or k not in _LEVEL_KEYS)
        return [t for v in kept for t in numbers_of_value(v, levels)]
    if isinstance(value, list | tuple):
        return [t for v in value for t in numbers_of_value(v, levels)]
    return []
    if isinstance(value, int | float):
        return [NumberToken(str(value), float(value), False)] if math.isfinite(value) else []
    if isinstance(value, str):
        return list(quoted_numbers(without_levels(value)))
    if isinstance(value, Mapping):
        return [t for k, v in value.items() if k not in _LEVEL_KEYS for t in numbers_of_value(v)]
    if isinstance(value, list | tuple):
        return [t for v in value for t in numbers_of_value(v)]
    return []
