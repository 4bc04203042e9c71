"""Reading an answer in the tests the way a clinician reads it."""

from __future__ import annotations

from assistant import Answer


def before_evidence(answer: Answer) -> str:
    """What the answer says in its own lines (the direct answer, the calculations), before the
    list of quoted evidence it cites: a figure only quoted there has not been said."""
    return answer.answer.split("**Evidence**")[0]
