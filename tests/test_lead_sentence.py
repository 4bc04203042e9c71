"""The direct answer leads with what was asked: a yes/no question about a study's finding is
answered first by its authors' conclusion (the CONCLUSIONS section of a structured
abstract); "what did the trial show?" by its result on the outcome it calls primary, not by a
harm or a subgroup; an open question by the sentence that answers it. The corpus is a PubMed
export of three fictional structured abstracts written for this test, indexed with the real
model and a real Chroma store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assistant import EvidenceAssistant, Settings
from assistant.answer import direct_answer
from assistant.config import PROJECT_ROOT
from assistant.embeddings import TextEmbedder
from assistant.index import EvidenceIndex
from assistant.profile import load_profile
from assistant.route import route
from assistant.types import Passage

pytestmark = pytest.mark.slow

ARTICLE = """<PubmedArticle><MedlineCitation Status="MEDLINE">
<PMID Version="1">{pmid}</PMID><Article>
<Journal><JournalIssue><PubDate><Year>2021</Year></PubDate></JournalIssue>
<Title>Journal of Examples</Title></Journal>
<ArticleTitle>{title}</ArticleTitle>
<Abstract>{sections}</Abstract>
<AuthorList><Author><LastName>Example</LastName><ForeName>Ann</ForeName></Author></AuthorList>
<PublicationTypeList><PublicationType>Journal Article</PublicationType></PublicationTypeList>
</Article></MedlineCitation></PubmedArticle>"""
WALKING = {
    "BACKGROUND": "Whether supervision adds to a home walking programme after knee "
    "replacement is not known.",
    "METHODS": "We randomised 120 patients to supervised or unsupervised daily walking for "
    "twelve weeks after knee replacement.",
    "RESULTS": "Walking distance at twelve weeks rose by 310 m with supervision and by 190 m "
    "without it. Pain scores were similar in both groups.",
    "CONCLUSIONS": "A few supervised sessions are worth adding to home exercise after the "
    "operation.",
}
FOOTWEAR = {
    "METHODS": "We gave 80 runners cushioned or minimal shoes for a season.",
    "RESULTS": "Shin pain was reported by 9 of 40 runners in cushioned shoes and 11 of 40 in "
    "minimal shoes.",
    "CONCLUSIONS": "The type of shoe made no clear difference to shin pain.",
}

GOUT = {
    "METHODS": "In the QUELL trial we randomised 300 adults with recurrent gout to qelmitant "
    "or placebo for a year. The primary outcome was freedom from flares at 12 months.",
    "RESULTS": "Serious infections were reported in 12% with qelmitant and in 4% with placebo. "
    "Among patients with kidney disease, freedom from flares was 70% with qelmitant versus 30% "
    "with placebo. Freedom from flares at 12 months was 61% with qelmitant versus 38% with "
    "placebo.",
}
# Two studies of memory in older adults: a nap trial whose abstract states no figures, and a
# coffee study whose result sentence gives them (the kind of sentence a yes/no question about a
# finding is nudged towards).
NAPS = {
    "BACKGROUND": "Whether a short afternoon nap improves memory in older adults is unclear.",
    "METHODS": "We randomised 90 older adults to a 30-minute afternoon nap or quiet rest.",
    "RESULTS": "Recall was much the same after napping as after rest.",
    "CONCLUSIONS": "An afternoon nap did not help recall in older people.",
}
COFFEE = {
    "METHODS": "Adults over 65 drank coffee or water before a word-list test.",
    "RESULTS": "Memory scores of older adults improved by 12% with coffee versus 3% with "
    "water (P=0.01).",
    "CONCLUSIONS": "Coffee before a test may sharpen recall.",
}

# An asthma trial whose primary outcome is named once in full with its abbreviation, and whose
# result sentence writes only the abbreviation and "fell"/"rose" for the change.
TIDE = {
    "METHODS": "In the TIDE trial we randomised 140 adults with severe asthma to bexolumab or "
    "placebo for 24 weeks. The primary outcome was the percentage change in the Asthma "
    "Control Burden Index (ACBI).",
    "RESULTS": "Hospital admissions were 8% with bexolumab and 10% with placebo. The ACBI "
    "fell by a mean of 31% with bexolumab but rose by 4% with placebo.",
}


def _article(pmid: str, title: str, sections: dict[str, str]) -> str:
    texts = "".join(f'<AbstractText Label="{k}">{v}</AbstractText>' for k, v in sections.items())
    return ARTICLE.format(pmid=pmid, title=title, sections=texts)


@pytest.fixture(scope="module")
def bot(
    tmp_path_factory: pytest.TempPathFactory, embedder: TextEmbedder
) -> Iterator[EvidenceAssistant]:
    corpus = tmp_path_factory.mktemp("lead-corpus")
    articles = _article("99200001", "Supervised walking after knee replacement.", WALKING)
    articles += _article("99200002", "Running shoes and shin pain.", FOOTWEAR)
    articles += _article(
        "99200003", "Qelmitant for recurrent gout (QUELL): a randomised trial.", GOUT
    )
    articles += _article("99200004", "Afternoon naps and memory in older adults.", NAPS)
    articles += _article("99200005", "Coffee and word recall after 65.", COFFEE)
    articles += _article("99200006", "Bexolumab in severe asthma (TIDE).", TIDE)
    export = f'<?xml version="1.0"?><PubmedArticleSet>{articles}</PubmedArticleSet>'
    (corpus / "export.xml").write_text(export, encoding="utf-8")
    settings = Settings.from_env(
        corpus_dir=corpus, index_dir=tmp_path_factory.mktemp("lead-index"), chroma_host=None
    )
    yield EvidenceAssistant(settings, index=EvidenceIndex(settings, embedder=embedder))


@pytest.mark.parametrize(
    ("question", "conclusion"),
    [
        ("Does supervision improve walking distance after knee replacement?", WALKING),
        ("Supervised walking after knee replacement: does it help?", WALKING),
        ("Do minimal running shoes cause more shin pain?", FOOTWEAR),
    ],
)
def test_a_yes_no_question_leads_with_the_studys_conclusion(
    bot: EvidenceAssistant, question: str, conclusion: dict[str, str]
) -> None:
    answer = bot.ask(question)
    assert answer.status == "answered", answer.answer
    assert conclusion["CONCLUSIONS"] in answer.citations[0].quote
    assert answer.answer.startswith(conclusion["CONCLUSIONS"].rstrip("."))


@pytest.mark.parametrize(
    ("question", "lead"),
    [
        ("How much did walking distance rise with supervision?", "rose by 310 m"),
        ("How many runners had shin pain in minimal shoes?", "11 of 40"),
    ],
)
def test_an_open_question_leads_with_the_sentence_that_answers_it(
    bot: EvidenceAssistant, question: str, lead: str
) -> None:
    answer = bot.ask(question)
    assert answer.status == "answered", answer.answer
    assert lead in answer.citations[0].quote


def test_what_a_trial_showed_is_its_result_on_its_primary_outcome(bot: EvidenceAssistant) -> None:
    answer = bot.ask("What did the QUELL trial of qelmitant show?")
    assert answer.status == "answered", answer.answer
    assert "61% with qelmitant" in answer.citations[0].quote, answer.answer


@pytest.mark.parametrize(
    ("question", "lead"),
    [
        # Each names a design word ("primary endpoint", "primary outcome"), yet asks for a result.
        ("Did qelmitant win on its primary endpoint in the QUELL trial?", "61% with qelmitant"),
        ("Did qelmitant meet its primary outcome in the QUELL gout trial?", "61% with qelmitant"),
        # "main"/"key findings" ask for the primary result; the sentence stating it writes "ACBI
        # fell", which names the outcome's words through the abbreviation the abstract defines
        ("What was the main result of the TIDE trial of bexolumab?", "fell by a mean of 31%"),
        ("TIDE trial of bexolumab in asthma: its key findings?", "fell by a mean of 31%"),
        # a design word ("placebo-controlled") beside "main result" still asks for the result
        (
            "The placebo-controlled TIDE trial of bexolumab: what was its main result?",
            "fell by a mean of 31%",
        ),
    ],
)
def test_a_question_for_a_trials_result_is_answered_by_its_primary_result(
    bot: EvidenceAssistant, question: str, lead: str
) -> None:
    answer = bot.ask(question)
    assert answer.status == "answered", answer.answer
    assert lead in answer.citations[0].quote, answer.answer


def test_a_question_about_harms_still_leads_with_the_harm(bot: EvidenceAssistant) -> None:
    answer = bot.ask("What serious infections were seen with qelmitant?")
    assert "Serious infections" in answer.citations[0].quote, answer.answer


def test_a_comparison_never_borrows_another_studys_figures(bot: EvidenceAssistant) -> None:
    answer = bot.ask("How much higher was walking distance with supervision than without it?")
    assert answer.status == "answered", answer.answer
    assert {c.document for c in answer.citations} == {"pmid99200001"}, answer.answer
    assert "shoes" not in answer.answer and "qelmitant" not in answer.answer, answer.answer


def test_a_section_label_is_no_reason_to_rank_a_sentence_first(bot: EvidenceAssistant) -> None:
    # "results" in the question, "RESULTS:" before the harm sentence: a match on the label only
    answer = bot.ask("What were the results of qelmitant in gout?")
    assert answer.status == "answered", answer.answer
    ranked = [c.quote for c in answer.citations]
    primary = next(i for i, q in enumerate(ranked) if "61% with qelmitant" in q)
    harm = next((i for i, q in enumerate(ranked) if "Serious infections" in q), len(ranked))
    assert primary < harm, answer.answer


def test_the_kind_of_sentence_asked_for_never_hands_the_answer_to_another_study(
    bot: EvidenceAssistant,
) -> None:
    # The nap trial matches the question best; the coffee study's result sentence is the kind
    # a question about a finding prefers. That preference picks among the nap trial's
    # sentences; it does not make the coffee study the answer.
    answer = bot.ask("Does an afternoon nap improve memory in older adults?")
    assert answer.status == "answered", answer.answer
    assert answer.citations[0].document == "pmid99200004", answer.answer
    assert NAPS["CONCLUSIONS"] in answer.citations[0].quote, answer.answer


def test_a_difference_of_two_reported_percentages_gives_its_nnt(bot: EvidenceAssistant) -> None:
    # 61% vs 38% free of flares: 23 points, 100 / 23 = 4.3, rounded up to 5; no interval
    # without the counts. Freedom from flares is a good outcome: an NNT, not an NNH.
    answer = bot.ask("How many need qelmitant rather than placebo for one more to stay free of "
                     "flares at 12 months?")  # fmt: skip
    assert answer.status == "answered", answer.answer
    assert "NNT 5" in answer.answer and "no confidence interval" in answer.answer, answer.answer


def test_a_second_sentence_about_another_response_measure_is_not_stated() -> None:
    """After "and overall response?", a sentence on complete response (the turn before's
    measure) stays among the quotes, out of the answer's own voice."""
    profile = load_profile(PROJECT_ROOT / "corpus")
    history = [
        {"role": "user", "content": "Complete response with tacrolimus versus IVCY?"},
        {"role": "assistant", "content": "49.6% versus 36.3% [1]"},
    ]
    routed = route("and overall response, CR plus PR?", history, profile)
    overall = Passage("a#s1", "a", "Overall response was 83.0% versus 75.0%.", 0, 41, 1)
    complete = Passage("a#s2", "a", "Complete response was 49.6% versus 36.3%.", 42, 84, 2)
    said = direct_answer(routed, [overall, complete], [])
    assert "83.0%" in said and "49.6%" not in said


def test_a_second_sentence_naming_the_asked_measure_among_others_is_stated() -> None:
    """After "complete remission alone (not CR+PR)" and "and the other drug?", a sentence
    giving each measure for each arm names the complete response asked for: it is stated,
    focused on that arm's complete response."""
    profile = load_profile(PROJECT_ROOT / "corpus")
    history = [
        {"role": "user", "content": "Complete remission rate alone (not CR+PR) with tacrolimus?"},
        {"role": "assistant", "content": "49.6% [1]"},
    ]
    routed = route("and the IVCY arm?", history, profile)
    assert routed.measure == "complete"
    overall = Passage("a#s1", "a", "Overall response was 83.0% versus 75.0%.", 0, 41, 1)
    each = Passage(
        "a#s2", "a", "The complete remission rate of tacrolimus was 49.6% and the overall rate "
        "was 83%; the complete remission rate of IVCY was 36.3% and the overall rate was 75%.",
        42, 200, 2,
    )  # fmt: skip
    said = direct_answer(routed, [overall, each], [])
    assert "36.3%" in said and "49.6%" not in said.split("[2]")[0].split("\n")[-1]


def test_a_follow_up_turning_to_another_measure_keeps_every_arm() -> None:
    """ "Drug A's complete remission?" then "and the overall response?": the follow-up turns
    to another measure, not to one arm, so both arms' overall figures are stated."""
    profile = load_profile(PROJECT_ROOT / "corpus")
    history = [
        {"role": "user", "content": "Complete remission with tacrolimus at week 24?"},
        {"role": "assistant", "content": "49.6% [1]"},
    ]
    routed = route("and the overall response, CR plus PR?", history, profile)
    overall = Passage("a#s1", "a", "Overall response was 83.0% with tacrolimus versus 75.0% "
                      "with IVCY.", 0, 60, 1)  # fmt: skip
    said = direct_answer(routed, [overall], [])
    assert "83.0%" in said and "75.0%" in said, said
