"""A second evidence base in another field (fictional heart-failure trials, with their own
profile): the chain must answer from it with the same mechanisms, and never with the bundled
lupus nephritis knowledge. Expected figures are recomputed here with statsmodels."""

from __future__ import annotations

import math
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from grounding import independent_ungrounded
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from assistant import EvidenceAssistant, Settings
from assistant.embeddings import TextEmbedder
from assistant.index import EvidenceIndex
from assistant.profile import ProfileError

FIXTURE = Path(__file__).parent / "fixtures" / "heart_failure"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def hf(
    tmp_path_factory: pytest.TempPathFactory, embedder: TextEmbedder
) -> Iterator[EvidenceAssistant]:
    corpus = tmp_path_factory.mktemp("hf") / "corpus"
    shutil.copytree(FIXTURE, corpus, ignore=shutil.ignore_patterns("README.md"))
    settings = Settings.from_env(
        corpus_dir=corpus, index_dir=tmp_path_factory.mktemp("hf-index"), chroma_host=None
    )
    yield EvidenceAssistant(settings, index=EvidenceIndex(settings, embedder=embedder))


def ask(bot: EvidenceAssistant, question: str, history: list | None = None) -> dict:
    data = bot.ask(question, history=history).to_dict()
    biblio = {d: f"{m.get('short_name', '')} {m.get('year', '')}"
              for d, m in bot.index.documents().items()}  # fmt: skip
    assert independent_ungrounded(data, biblio) == [], data["answer"]
    return data


def tool(data: dict, name: str) -> dict:
    calls = [c for c in data["tool_calls"] if c["name"] == name]
    assert calls, f"no {name} call in {[c['name'] for c in data['tool_calls']]}: {data['answer']}"
    return calls[0]


def test_the_page_and_refusals_speak_of_this_evidence_base(hf: EvidenceAssistant) -> None:
    assert hf.profile.title.startswith("Heart failure")
    assert "CORVEX" in hf.profile.no_evidence_message()
    assert "lupus" not in hf.profile.no_evidence_message().lower()


@pytest.mark.parametrize(
    ("question", "figures"),
    [
        ("What was the primary outcome rate with velmorin and with placebo in CORVEX?",
         ["18.7", "22.7"]),
        ("What hazard ratio did CORVEX report for the primary outcome?", ["0.74"]),
        ("How many patients did CORVEX randomise?", ["4403"]),
        ("How common was hyperkalaemia with velmorin?", ["2.4"]),
        ("How was velmorin started and titrated?", ["5", "20"]),
    ],
)  # fmt: skip
def test_facts_are_answered_from_its_records(
    hf: EvidenceAssistant, question: str, figures: list[str]
) -> None:
    data = ask(hf, question)
    assert data["status"] == "answered"
    for figure in figures:
        assert figure in data["answer"], (figure, data["answer"])


def test_a_two_arm_comparison_gets_a_risk_difference_with_its_ci(hf: EvidenceAssistant) -> None:
    data = ask(hf, "What is the absolute risk difference for the primary outcome between "
                   "velmorin and placebo, with a 95% CI?")  # fmt: skip
    call = tool(data, "compare_arms")
    low, high = confint_proportions_2indep(412, 2205, 498, 2198, method="newcomb")
    assert (call["inputs"]["events_a"], call["inputs"]["total_a"]) == (412, 2205)
    out = call["output"]
    assert out["rd_ci_low_points"] == pytest.approx(low * 100, abs=0.05)
    assert out["rd_ci_high_points"] == pytest.approx(high * 100, abs=0.05)


def test_the_number_needed_to_treat(hf: EvidenceAssistant) -> None:
    data = ask(hf, "How many patients need velmorin instead of placebo to prevent one primary "
                   "outcome event (NNT)?")  # fmt: skip
    out = tool(data, "compare_arms")["output"]
    assert out["nnt"] == math.ceil(1 / (498 / 2198 - 412 / 2205))  # 25.2, rounded up: 26


def test_groups_the_profile_does_not_name_come_from_the_extracted_facts(
    hf: EvidenceAssistant,
) -> None:
    data = ask(hf, "In DIUREX, what was the difference in worsening renal function between the "
                   "high-dose and low-dose groups, with a confidence interval?")  # fmt: skip
    call = tool(data, "compare_arms")
    assert {call["inputs"]["events_a"], call["inputs"]["events_b"]} == {120, 150}


def test_a_single_arm_rate_gets_a_wilson_interval(hf: EvidenceAssistant) -> None:
    data = ask(hf, "Is 412 of 2205 really 18.7%? Give the 95% CI.")
    out = tool(data, "rate")["output"]
    low, high = proportion_confint(412, 2205, method="wilson")
    assert out["ci_low_percent"] == pytest.approx(low * 100, abs=0.05)
    assert out["ci_high_percent"] == pytest.approx(high * 100, abs=0.05)


def test_its_own_dosing_protocol_runs_for_its_drug(hf: EvidenceAssistant) -> None:
    data = ask(hf, "What torbenide dose should a 70 kg patient start on?")
    out = tool(data, "dose_schedule")["output"]
    assert out["starting_mg_per_day"] == 35 and not out["cap_applied"]
    capped = tool(ask(hf, "Torbenide schedule for a 100 kg patient?"), "dose_schedule")
    assert capped["output"]["starting_mg_per_day"] == 40 and capped["output"]["cap_applied"]
    cited = {c["id"] for c in data["citations"]}
    assert {"diurex2021#s1", "diurex2021#s2"} <= cited


@pytest.mark.parametrize(
    "question",
    [
        "What furosemide dose should a 70 kg patient start on?",
        "What prednisone dose should a 60 kg patient start on?",
        "What was the complete response rate with tacrolimus in lupus nephritis?",
        "Does sacubitril reduce mortality?",
    ],
)
def test_what_this_evidence_base_does_not_hold_is_not_covered(
    hf: EvidenceAssistant, question: str
) -> None:
    data = ask(hf, question)
    assert data["status"] == "no_evidence", data["answer"]
    assert data["tool_calls"] == []


def test_nyha_class_is_its_eligibility_class(hf: EvidenceAssistant) -> None:
    data = ask(hf, "Is a 60-year-old with NYHA class III and creatinine 150 umol/L eligible "
                   "for CORVEX?")  # fmt: skip
    out = tool(data, "trial_eligibility")["output"]
    assert out["status"] == "eligible", data["answer"]
    refused = tool(ask(hf, "Would a 60-year-old in NYHA class I qualify for CORVEX?"),
                   "trial_eligibility")  # fmt: skip
    assert refused["output"]["status"] == "not eligible"


def test_no_remission_criteria_means_no_remission_check(hf: EvidenceAssistant) -> None:
    data = ask(hf, "Proteinuria 0.3 g/24h and albumin 3.8 g/dL: is that a complete remission?")
    assert all(c["name"] != "remission_check" for c in data["tool_calls"])


def test_a_follow_up_switches_arm(hf: EvidenceAssistant) -> None:
    first = "What was the primary outcome rate with velmorin in CORVEX?"
    history = [{"role": "user", "content": first},
               {"role": "assistant", "content": ask(hf, first)["answer"]}]  # fmt: skip
    data = ask(hf, "and with placebo?", history)
    assert data["status"] == "answered" and "22.7" in data["answer"]


def test_a_threshold_its_passage_does_not_state_is_refused(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURE, corpus)
    profile = corpus / "profile.yaml"
    profile.write_text(profile.read_text().replace("max_mg_per_day: 40", "max_mg_per_day: 45"))
    settings = Settings.from_env(corpus_dir=corpus, index_dir=tmp_path / "i", chroma_host=None)
    with pytest.raises(ProfileError, match=r"45 not stated in diurex2021#s1"):
        EvidenceAssistant(settings)
