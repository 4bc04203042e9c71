"""The honest invariants: numbers, provenance and ingest, each checked so that it can fail.

`ungrounded_numbers` is computed by the chain on the final text; these tests recompute
grounding with `tests/grounding.py`, which shares no code with the verifier.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from grounding import independent_ungrounded

import assistant.answer as chain
from assistant import EvidenceAssistant, Settings
from assistant.embeddings import TextEmbedder
from assistant.index import EvidenceIndex

QUESTIONS = [
    "What was the complete or partial response rate with tacrolimus?",
    "What was the difference in response between tacrolimus and IVCY, with a 95% CI?",
    "What prednisone dose would a 70 kg patient start on under the trial protocol?",
    "Proteinuria 0.3 g/24h, albumin 3.8 g/dL, creatinine 90 umol/L with baseline 85 umol/L: "
    "complete remission?",
    "Is a 35-year-old with class IV nephritis, BMI 22, proteinuria 3 g/day and creatinine "
    "120 umol/L eligible for the trial?",
    "What did AURORA 1 find for voclosporin?",
    "How many patients were randomised in the trial?",
]


def bibliography(bot: EvidenceAssistant) -> dict[str, str]:
    docs = bot.index.documents()
    return {d: f"{m.get('short_name', '')} {m.get('year', '')} {m.get('design', '')}"
            for d, m in docs.items()}  # fmt: skip


@pytest.mark.parametrize("question", QUESTIONS)
def test_every_number_is_grounded_by_an_independent_check(
    bot: EvidenceAssistant, question: str
) -> None:
    data = bot.ask(question).to_dict()
    assert data["status"] == "answered", data["answer"]
    assert data["ungrounded_numbers"] == []
    assert independent_ungrounded(data, bibliography(bot)) == [], data["answer"]


def test_the_independent_check_catches_an_invented_number() -> None:
    quote = {"quote": "Responses: 83.0% (117/141).", "title": "", "document": "d"}
    fake = {"answer": "The response rate was 97.3% [1].", "tool_calls": [], "citations": [quote]}
    assert independent_ungrounded(fake) == ["97.3%"]


def test_ungrounded_numbers_is_computed_on_the_final_text(
    bot: EvidenceAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the verifier switched off, an invented figure reaches the text and the field
    reports it: it is empty in real answers because the verifier removed such sentences."""
    invented = "The response rate was 97.3% [1]."
    original = chain.render

    def render_with_invention(*args: Any, **kwargs: Any) -> str:
        return f"{invented}\n\n{original(*args, **kwargs)}"

    monkeypatch.setattr(chain, "render", render_with_invention)
    verified = bot.ask(QUESTIONS[0])
    assert invented not in verified.answer and verified.ungrounded_numbers == []
    monkeypatch.setattr(chain, "enforce", lambda markdown, pool: (markdown, []))
    unverified = bot.ask(QUESTIONS[0])
    assert unverified.ungrounded_numbers == ["97.3%"]
    assert independent_ungrounded(unverified.to_dict(), bibliography(bot)) == ["97.3%"]


def test_a_weight_with_another_drug_gets_a_plain_not_covered(bot: EvidenceAssistant) -> None:
    for question in ("What furosemide dose should a 70 kg patient start on?",
                     "What tacrolimus dose should a 60 kg patient get in the trial?"):  # fmt: skip
        answer = bot.ask(question)
        assert answer.status == "no_evidence", answer.answer
        assert answer.tool_calls == []


def test_a_patient_tool_cites_the_passages_stating_its_thresholds(bot: EvidenceAssistant) -> None:
    answer = bot.ask(QUESTIONS[2])
    call = answer.tool_calls[0]
    assert call.name == "dose_schedule"
    assert set(call.output["sources"]) <= {c.id for c in answer.citations}
    quotes = " ".join(c.quote for c in answer.citations)
    assert "45" in quotes and "0.8" in quotes  # the cap and the mg/kg rate, stated by a passage


def test_nyha_class_is_not_read_as_a_biopsy_class(bot: EvidenceAssistant) -> None:
    answer = bot.ask("Is a 50-year-old with NYHA class III heart failure eligible?")
    for call in answer.tool_calls:
        assert call.inputs.get("isn_class") is None


# ------------------------------------------------------------------ provenance and ingest


def _export(path: Path) -> Path:
    path.write_text(
        """<?xml version="1.0"?>
<PubmedArticleSet><PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM">
<PMID Version="1">99000001</PMID><Article><Journal><JournalIssue><PubDate><Year>2024</Year>
</PubDate></JournalIssue><Title>Invented Journal</Title></Journal>
<ArticleTitle>Zanubrutinib in a made-up kidney trial</ArticleTitle><Abstract>
<AbstractText>In this invented trial, zanubrutinib gave a kidney response in 61 of 100 patients
(61%) and placebo in 40 of 100 (40%).</AbstractText></Abstract>
<AuthorList><Author><LastName>Invent</LastName><ForeName>A</ForeName></Author></AuthorList>
<PublicationTypeList><PublicationType>Journal Article</PublicationType></PublicationTypeList>
</Article></MedlineCitation></PubmedArticle></PubmedArticleSet>
""",
        encoding="utf-8",
    )
    return path


@pytest.mark.slow
def test_cli_style_ingest_survives_the_next_start_and_is_labelled_unchecked(
    tmp_path: Path, embedder: TextEmbedder
) -> None:
    settings = Settings.from_env(index_dir=tmp_path / "index", chroma_host=None)
    first = EvidenceAssistant(settings, index=EvidenceIndex(settings, embedder=embedder))
    report, errors = first.ingest([_export(tmp_path / "export.xml")])
    assert report.added and not [e for e in errors if "error" in e.lower()]
    again = EvidenceAssistant(settings, index=EvidenceIndex(settings, embedder=embedder))
    assert any("99000001" in d for d in again.index.documents()), "the next start removed it"
    answer = again.ask("How many zanubrutinib patients had a kidney response?")
    assert answer.status == "answered"
    assert "not checked" in answer.answer
    data = json.loads(json.dumps(answer.to_dict()))
    assert independent_ungrounded(data, bibliography(again)) == []
