"""A yes/no question claiming which of two groups had the higher figure ("fewer deaths in the
5 mg arm than the 10 mg arm, right?"), checked against the sentence giving both.

The groups are the ones the sentence's facts name (extracted at ingest: "the 5 mg arm", "the
drug A arm"); the group after "than" is found by the arm it names (the profile's aliases) or
by a word of its name no other group's name has. Nothing is said unless the
sentence gives exactly one figure for each of exactly two groups.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .facts import facts_of
from .lexical import bm25_tokens
from .profile import ArmVocabulary
from .support import STOPWORDS
from .types import Passage

# "fewer <outcome> with A than (with) B", "A had more ... than B": the direction and what
# follows "than" (the group set against).
_CLAIMED = re.compile(
    r"\b(?P<way>fewer|less|lower|smaller|reduced|more|higher|greater|increased)\b"
    r"(?P<outcome>[^.?!]{0,60}?)\bthan\b\s+(?:(?:with|in|on|for|the|those|patients|people)\s+)*"
    r"(?P<other>[\w+-]+(?:\s+[\w+-]+){0,2})",
    re.I,
)
# ... or one group's figure called lower or higher with no "than": "why were there fewer
# deaths on the 5 mg arm?" (set against the sentence's other group)
_CLAIMED_OF_ONE = re.compile(
    r"\b(?P<way>fewer|less|lower|smaller|reduced|more|higher|greater|increased)\b"
    r"(?P<outcome>[^.?!]{0,40}?)\b(?:on|in|with|for)\s+(?:the\s+)?(?P<one>[\w+-]+(?:\s+[\w+-]+){0,2})",
    re.I,
)
_LOWER = frozenset({"fewer", "less", "lower", "smaller", "reduced"})
_WORD = re.compile(r"[a-z0-9][a-z0-9+-]*")


@dataclass(frozen=True)
class _Group:
    name: str
    figure: str  # as the sentence writes it ("11%")
    percent: float


def direction_verdict(
    question: str,
    passage: Passage,
    vocabulary: ArmVocabulary,
    synonyms: Mapping[str, str] | None = None,
) -> str | None:
    """ "**No: the weekly arm's figure is higher (11% vs 4% for the monthly arm).**" for a
    claim the sentence's figures contradict ("Yes: ..." for one they bear out); None when the
    question claims no direction, the sentence is not about the outcome claimed or cannot
    decide it. `synonyms`: other words for the outcome ("die": "death")."""
    groups = _groups(passage)
    if len(groups) != 2:
        return None
    claimed = _CLAIMED.search(question)
    if claimed is not None:
        other = _named(claimed.group("other"), groups, vocabulary)
        first = groups[1 - groups.index(other)] if other is not None else None
        outcome = claimed.group("outcome")
    else:  # "fewer deaths on the 5 mg arm": set against the sentence's other group
        claimed = _CLAIMED_OF_ONE.search(question)
        first = _named(claimed.group("one"), groups, vocabulary) if claimed else None
        other = groups[1 - groups.index(first)] if first is not None else None
        outcome = claimed.group("outcome") if claimed else ""
    if claimed is None or first is None or other is None:
        return None
    if not _about(passage, outcome, synonyms or {}):
        return None  # "fewer renal flares": not decided by the response rates
    if first.percent == other.percent:
        return None  # neither is higher: said by the sentence itself
    lower_claimed = claimed.group("way").lower() in _LOWER
    first_lower = first.percent < other.percent
    answer = "Yes" if lower_claimed == first_lower else "No"
    way = "lower" if first_lower else "higher"
    return (
        f"**{answer}: {first.name}'s figure is {way} ({first.figure} vs {other.figure} for "
        f"{other.name}).**"
    )


def _about(passage: Passage, outcome: str, synonyms: Mapping[str, str]) -> bool:
    """The sentence names the outcome claimed, by its last word ("renal flares": flares) or
    that word's synonyms; a claim naming none ("more than ...") is about the sentence's."""
    words = [w for w in _WORD.findall(outcome.lower()) if w not in STOPWORDS]
    if not words:
        return True
    head = words[-1]
    wanted = set(bm25_tokens(f"{head} {synonyms.get(head, '')}"))
    return bool(wanted & set(bm25_tokens(passage.text)))


def _groups(passage: Passage) -> list[_Group]:
    """Each group's one proportion in the sentence (none when a group has several)."""
    facts = [
        f for f in facts_of(passage.metadata)
        if f.kind == "proportion" and f.group and f.percent is not None and f.span
    ]  # fmt: skip
    names = [str(f.group) for f in facts]
    if len(set(names)) != len(names):
        return []
    return [
        _Group(str(f.group), passage.text[f.span[0] : f.span[1]], float(f.percent or 0.0))
        for f in facts
    ]


def _named(text: str, groups: list[_Group], vocabulary: ArmVocabulary) -> _Group | None:
    """The one group `text` names: by an arm both name, else by a word only its name has."""
    arms = set(vocabulary.in_text(text))
    by_arm = [g for g in groups if arms & set(vocabulary.in_text(g.name))]
    if len(by_arm) == 1:
        return by_arm[0]
    name = group_named(text, [g.name for g in groups])
    return next((g for g in groups if g.name == name), None)


def group_named(text: str, names: Sequence[str]) -> str | None:
    """The one of the group `names` ("the weekly arm", "the monthly arm") that `text` names
    by a word no other name has ("monthly"); None if it names none or several."""
    words = {name: set(_WORD.findall(name.lower())) - STOPWORDS for name in names}
    asked = set(_WORD.findall(text.lower()))
    own = [
        name for name in names
        if (words[name] - set().union(*(w for n, w in words.items() if n != name))) & asked
    ]  # fmt: skip
    return own[0] if len(own) == 1 else None
