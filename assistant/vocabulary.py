"""Vocabulary an evidence base states itself, derived at ingest instead of typed into code.

Abbreviation-definition pairs ("angiotensin receptor blocker (ARB)") are found with the
Schwartz-Hearst algorithm (the maintained `abbreviations` package) in each document's text
and stored in the document's manifest row (`abbreviations`, JSON). At question time they
expand a query's abbreviation into the words the text uses, and give an arm named by its
abbreviation in the profile its spelled-out name too (and the other way round).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from typing import Any

from abbreviations import schwartz_hearst

from .profile import Named, Profile

log = logging.getLogger(__name__)
MAX_DEFINITION_WORDS = 8
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9-]*")


def abbreviation_pairs(text: str) -> dict[str, str]:
    """{"ARB": "angiotensin receptor blocker", ...} stated in `text` (definitions cleaned of
    stray brackets; implausibly long ones dropped)."""
    try:
        found = schwartz_hearst.extract_abbreviation_definition_pairs(doc_text=text)
    except Exception as exc:  # the library's parser on odd text: no pairs, never a failure
        log.warning("abbreviation extraction failed: %s", exc)
        return {}
    pairs = {}
    for short, definition in found.items():
        words = _WORD.findall(definition)
        if words and len(words) <= MAX_DEFINITION_WORDS and short.lower() != definition.lower():
            pairs[short] = " ".join(words)
    return pairs


def stored_pairs(documents: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """All documents' pairs, read from their manifest rows (first definition wins)."""
    merged: dict[str, str] = {}
    for meta in documents.values():
        raw = meta.get("abbreviations")
        if not raw:
            continue
        try:
            pairs = json.loads(str(raw))
        except json.JSONDecodeError:
            continue
        for short, definition in pairs.items():
            merged.setdefault(str(short), str(definition))
    return merged


def synonyms_from(pairs: Mapping[str, str]) -> dict[str, str]:
    """Query expansion: an abbreviation as a clinician types it -> the words the text uses."""
    return {short.lower(): definition.lower() for short, definition in pairs.items()}


def with_derived_aliases(profile: Profile, pairs: Mapping[str, str]) -> Profile:
    """The profile with each arm's abbreviation or spelled-out form added to its aliases."""
    lowered = {s.lower(): d.lower() for s, d in pairs.items()}
    by_definition = {d: s for s, d in lowered.items()}
    arms = []
    for arm in profile.interventions:
        extra: list[str] = []
        for word in arm.words:
            if word in lowered:
                extra.append(lowered[word])
            if word in by_definition:
                extra.append(by_definition[word])
        aliases = tuple(dict.fromkeys([*arm.aliases, *(e for e in extra if e not in arm.words)]))
        arms.append(Named(name=arm.name, aliases=aliases))
    # validated anew (not model_copy): derived properties are cached per instance
    return Profile.model_validate({**profile.model_dump(), "interventions": arms})
