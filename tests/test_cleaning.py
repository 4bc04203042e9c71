"""The article arrives broken (numbers split across lines, site furniture); cleaning repairs it."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.ingest import clean_text, passages_for, read_article, split_sentences

ARTICLE = Path(__file__).resolve().parent.parent / "corpus/articles/zheng2022-interview.txt"


@pytest.fixture(scope="module")
def article_text() -> str:
    return read_article(ARTICLE).text


# Every figure a clinician could ask about, exactly as it must read after cleaning.
NUMBERS_A_CLINICIAN_ASKS_ABOUT = [
    "aged 18 to 60 years",  # eligibility
    "body mass index 18.5-27 kg/m2",
    "24-hour urine protein ≥1.5 g",
    "serum creatinine ≤260 μmol/L",
    "314 people were randomly assigned",
    "enrolled on March 10, 2015",
    "ended on September 13, 2018",
    "The follow-up period was 24 weeks",
    "from December 2019 to March 2020",
    "target plasma concentration, 4-10ng/ml",  # dosing
    "299 patients (95.2%) received treatment",
    "157 (52.5%) in the tacrolimus group",
    "142 (47.5%) in the IVCY group",
    "83.0% (117/141) in the tacrolimus group",  # primary outcome
    "75.0% (93/124) in the IVCY group",
    "SLEDAI score was -8.6 and -6.4",
    "29 patients (18.5%) in the tacrolimus group",  # safety
    "35 patients (24.6%) in the IVCY group",
    "infection (8.9% vs 16.2%)",
    "Seven patients in each group withdrew",
    "About 70% of patients will develop end-stage renal disease",
    "usually 3 to 5 years",
    "more than 28 weeks",
    "On March 31, 2022",
    "methylprednisolone pulse therapy (0.5g/d, 3 days)",  # steroid protocol
    "0.8mg/kg/d (maximum dose 45mg/d)",
    "Continue for 4 weeks",
    "reduce the dose by 5 mg/d to 20 mg/d every 2 weeks",
    "reduce the dose by 2.5 mg/d every 2 weeks to a maintenance dose of 10 mg/d",
    "remission rate (83%) of tacrolimus",
    "cyclophosphamide (75%)",
    "complete remission rate of tacrolimus was 49.6%",
    "partial remission rate was 33.3%",
    "complete remission rate of cyclophosphamide was 36.3%",
    "response rate was 38.7%",
    "proteinuria <0.5 g per 24 hours",  # response definitions
    "serum albumin ≥3.5 g/dl",
    "increase of ≤15% of baseline",
    "proteinuria <3.5g per 24 hours",
    "decrease of more than 50% from baseline",
    "serum albumin ≥3.0g/dl",
    "tacrolimus reaches 68.4%, while cyclophosphamide was only 44.4%",  # class V subgroup
    "response rate at 6 months",
    "(100% vs 75%)",
    "At 12 and 24 weeks",
    "did not exceed 15% of baseline",
    "lower in the tacrolimus group than in the cyclophosphamide group (8.9% vs 16.2%)",
    "this study is only 24 weeks",
    "2022 Mar 1;5(3):e224492",
]


@pytest.mark.parametrize("phrase", NUMBERS_A_CLINICIAN_ASKS_ABOUT)
def test_every_clinical_number_is_recovered_exactly(article_text: str, phrase: str) -> None:
    assert phrase in article_text


@pytest.mark.parametrize(
    "furniture",
    ["echemi logo", "Supplier", "Inquiry", "Home >", "Last Update", "service@echemi.com",
     "Contact Us", "plagiarism", "Search more information", "dry goods", "Swipe up"],
)  # fmt: skip
def test_site_furniture_is_gone(article_text: str, furniture: str) -> None:
    assert furniture not in article_text


def test_no_number_is_left_broken_at_its_decimal_point(article_text: str) -> None:
    for line in article_text.split("\n"):
        assert not line.rstrip().endswith(tuple(f"{d}." for d in "0123456789")) or "e224492" in line


def test_line_breaks_inside_numbers_are_repaired() -> None:
    raw = "rate was 83.\n  0% (117/141)\n  .\n\n  dose 1.\n  5 g and BMI 18.\n  5-27 kg/m2\n."
    assert clean_text(raw) == "rate was 83.0% (117/141).\n\ndose 1.5 g and BMI 18.5-27 kg/m2."


def test_sentences_survive_abbreviations_and_decimals() -> None:
    text = "Prof. Zheng said 83.0% vs 75.0% held. Next sentence here."
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == [
        "Prof. Zheng said 83.0% vs 75.0% held.",
        "Next sentence here.",
    ]


def test_passage_ids_and_spans_are_stable_across_reingest() -> None:
    first = passages_for(read_article(ARTICLE))
    second = passages_for(read_article(ARTICLE))
    assert [(p.id, p.start, p.end) for p in first] == [(p.id, p.start, p.end) for p in second]
    doc = read_article(ARTICLE)
    for passage in first:
        assert doc.text[passage.start : passage.end] == passage.text
    assert first[1].context_before == first[0].text
    assert first[0].context_after == first[1].text
