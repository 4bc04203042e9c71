"""Reading a trial's exclusion criteria out of a clinic note (`assistant.exclusions`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.exclusions import stated_exclusions
from assistant.profile import load_profile

EXCLUSIONS = load_profile(Path(__file__).parents[1] / "corpus").eligibility[0].exclusions
CHRONICITY, BIOPSY, TMA, RECENT_IS, WITHIN_30 = (e.criterion for e in EXCLUSIONS)


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("27F LN III+V, chronicity index 5, biopsy 2 wks ago", {CHRONICITY: {"value": 5.0},
                                                                 BIOPSY: {"days_ago": 14.0}}),
        ("Biopsy was 8 months ago (LN IV)", {BIOPSY: {"days_ago": 240.0}}),
        ("bx last month, CI 1, no TMA", {BIOPSY: {"days_ago": 30.0}, CHRONICITY: {"value": 1.0},
                                         TMA: {"absent": True}}),
        ("LN IV with TMA lesions on biopsy", {TMA: {"present": True}}),
        ("already on MMF 2 g/d for 2 months", {RECENT_IS: {"current": True}}),
        # an abbreviation that is no English word, typed in lower case in a chat
        ("shes been on mmf the last 2 mo", {RECENT_IS: {"current": True}}),
        ("tma on bx", {TMA: {"present": True}}),
        ("got 1 dose of IVCY 500 mg 3 wk ago", {WITHIN_30: {"days_ago": 21.0}}),
        ("methylpred pulses two weeks ago", {WITHIN_30: {"days_ago": 14.0}}),
        # treatment-naive rules out the treatments; a negation rules out what it precedes
        ("Treatment naive, no TMA", {TMA: {"absent": True}, RECENT_IS: {"absent": True},
                                     WITHIN_30: {"absent": True}}),
        ("no prior immunosuppression", {RECENT_IS: {"absent": True}}),
        # the trial named by its arms is no treatment the patient had; an undated drug is not
        # read as recent, and "IS" in lower case is the verb
        ("Would she fit the Zheng tacrolimus vs IVCY trial? Her CI is high", {}),
    ],
)  # fmt: skip
def test_what_a_note_states(note: str, expected: dict[str, dict[str, float | bool]]) -> None:
    assert stated_exclusions(note, EXCLUSIONS) == expected
