"""What a clinic note states about a trial's exclusion criteria (the profile's `exclusions`).

Each criterion is looked for by its words, clause by clause. A mention preceded by a negation
("no TMA", "without prior IS") states it absent; a treatment is also absent in a note calling
the patient treatment-naive. For a criterion with a limit, the note's figure ("CI 5") or the
time it gives ("3 wk ago", "last month", "on it for 2 months") is read; the trial-eligibility
tool applies the limits. Nothing the note does not state is assumed either way.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from wordfreq import zipf_frequency

from .intent import STUDY_BY_ARMS
from .profile import RARE_IN_ENGLISH, Exclusion

_CLAUSES = re.compile(r"[.;,]\s+|[.;]$|\s+-\s+")
_NEGATION_BEFORE = re.compile(
    r"\b(?:no|not|without|denies|denied|never|nil|free\s+of|negative\s+for|absence\s+of)\b"
    r"(?:\W+\w+){0,3}\W*$",
    re.I,
)
_NEGATION_AFTER = re.compile(r"^\W*(?:absent|negative|none|not\s+seen|nil)\b", re.I)
_NAIVE = re.compile(
    r"\b(?:treatment[- ]na[iï]ve|untreated|na[iï]ve\s+to\s+treatment|not\s+(?:yet\s+)?treated|"
    r"nothing\s+immunosuppressive|no\s+(?:prior\s+|previous\s+)?(?:treatment|therapy))\b",
    re.I,
)
_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
                 "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11,
                 "twelve": 12}  # fmt: skip
_DAYS = {"d": 1, "day": 1, "w": 7, "wk": 7, "week": 7, "m": 30, "mo": 30, "month": 30,
         "y": 365, "yr": 365, "year": 365}  # fmt: skip
_AGO = re.compile(
    r"\b(\d+(?:\.\d+)?|" + "|".join(_NUMBER_WORDS) + r")\s*-?\s*"
    r"(d|days?|w|wks?|weeks?|m|mos?|months?|y|yrs?|years?)\s+(?:ago|before|earlier|prior)\b",
    re.I,
)
_LAST = re.compile(r"\b(?:last|past|previous)\s+(week|month|year)\b|\byesterday\b", re.I)
_CURRENT = re.compile(
    r"\b(?:on|taking|receiving|currently|already|started|continuing|maintained)\b", re.I
)
_FIGURE_AFTER = re.compile(r"^\s*(?:index\s*)?(?:of\s+|[:=]\s*)?(\d+(?:\.\d+)?)(?![\d.%])")


def stated_exclusions(note: str, exclusions: Sequence[Exclusion]) -> dict[str, dict[str, Any]]:
    """criterion -> what the note states of it: {"absent": True}, {"value": 5.0},
    {"days_ago": 21.0}, {"current": True} or {"present": True}; criteria the note does not
    mention are left out. A study named by its arms ("the A vs B trial") is no mention."""
    text = STUDY_BY_ARMS.sub(" ", note.replace("(", ", ").replace(")", ", "))
    naive = bool(_NAIVE.search(text))
    found: dict[str, dict[str, Any]] = {}
    for exclusion in exclusions:
        name = re.compile(r"(?<![\w-])(?:" + "|".join(map(_word, exclusion.words)) + r")(?!\w)")
        for clause in _CLAUSES.split(text):
            stated = _stated(clause, name, exclusion)
            if stated is not None:
                found[exclusion.criterion] = stated
                break
        if exclusion.treatment and naive and exclusion.criterion not in found:
            found[exclusion.criterion] = {"absent": True}
    return found


def _word(word: str) -> str:
    """A word as written in the profile: an abbreviation in capitals that is also an English
    word ("IS") matches only in capitals; others ("MMF", "TMA", typed "mmf" in a chat) and
    every other word match in any case."""
    escaped = re.escape(word).replace(r"\ ", r"\s+")
    english = zipf_frequency(word.lower(), "en") >= RARE_IN_ENGLISH
    return escaped if word.isupper() and english else f"(?i:{escaped})"


def _stated(clause: str, name: re.Pattern[str], exclusion: Exclusion) -> dict[str, Any] | None:
    match = name.search(clause)
    if match is None:
        return None
    before, after = clause[: match.start()], clause[match.end() :]
    if _NEGATION_BEFORE.search(before) or _NEGATION_AFTER.match(after):
        return {"absent": True}
    if exclusion.above is not None:
        figure = _FIGURE_AFTER.match(after)
        return {"value": float(figure.group(1))} if figure else None
    if exclusion.within_days is not None or exclusion.beyond_days is not None:
        days = _days_ago(clause)
        if days is not None:
            return {"days_ago": days}
        if exclusion.treatment and _CURRENT.search(before):
            return {"current": True}
        return None  # named without a time: not stated (it may name the trial's arms)
    if exclusion.treatment:
        return {"current": True} if _CURRENT.search(before) else None
    return {"present": True}


def _days_ago(clause: str) -> float | None:
    """How long ago the clause dates what it names, in days ("3 wk ago" -> 21)."""
    ago = _AGO.search(clause)
    if ago:
        count = _NUMBER_WORDS.get(ago.group(1).lower()) or float(ago.group(1))
        return float(count) * _DAYS[_unit(ago.group(2))]
    last = _LAST.search(clause)
    if last:
        return float(_DAYS[_unit(last.group(1))] if last.group(1) else 1)
    return None


def _unit(written: str) -> str:
    """ "wks" -> "wk", "months" -> "month", "mos" -> "mo", "d" -> "d"."""
    lowered = written.lower()
    for unit in sorted(_DAYS, key=len, reverse=True):
        if lowered.startswith(unit):
            return unit
    return lowered
