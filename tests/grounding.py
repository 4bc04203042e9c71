"""An independent check of the "no invented numbers" invariant, for the tests.

It shares no code with `assistant/verify.py` or `assistant/evaluate.py`: its own number
pattern and its own pool, so a bug in the verifier cannot hide the same bug here. A number in
the answer text is grounded when the same value (83% = 83.0% = 0.83) appears in a cited quote,
a cited title, a tool call (inputs, output or text), or is a citation marker ([2]).
"""

from __future__ import annotations

import json
import re
from typing import Any

_MARKERS = re.compile(r"\[\d+\]")
_NUMBER = re.compile(r"(?<![\w.])(?<![A-Za-z]-)(\d[\d,]*(?:\.\d+)?)(\s?%)?")


def _values(text: str) -> set[float]:
    found = set()
    for match in _NUMBER.finditer(_MARKERS.sub(" ", text)):
        raw = match.group(1).replace(",", "").rstrip(".")
        try:
            value = float(raw)
        except ValueError:
            continue
        found.add(round(value, 6))
        if match.group(2):
            found.add(round(value / 100, 6))
    return found


def answer_numbers(answer: dict[str, Any]) -> list[str]:
    text = _MARKERS.sub(" ", str(answer.get("answer", "")))
    text = re.sub(r"^\s*[-*]\s", " ", text, flags=re.M)  # list bullets
    return [m.group(0).strip() for m in _NUMBER.finditer(text)]


def independent_ungrounded(
    answer: dict[str, Any], bibliography: dict[str, str] | None = None
) -> list[str]:
    """Numbers of the answer text found nowhere it may take them from. `bibliography` maps a
    document id to its source line (short name, year): a cited source's name is no claim."""
    pool: set[float] = set()
    for citation in answer.get("citations") or []:
        pool |= _values(str(citation.get("quote", "")))
        pool |= _values(str(citation.get("title", "")))
        pool |= _values((bibliography or {}).get(str(citation.get("document", "")), ""))
    for call in answer.get("tool_calls") or []:
        pool |= _values(json.dumps(call.get("inputs", {})))
        pool |= _values(json.dumps(call.get("output", {}), ensure_ascii=False))
        pool |= _values(str(call.get("text", "")))
    missing = []
    for token in answer_numbers(answer):
        number = re.match(r"[\d,]*\d(?:\.\d+)?", token)
        value = round(float(number.group(0).replace(",", "")), 6) if number else None
        if value is not None and value not in pool and round(value / 100, 6) not in pool:
            missing.append(token)
    return missing
