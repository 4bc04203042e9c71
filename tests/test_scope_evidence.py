"""Scope is decided by the evidence, not by one unfamiliar word.

A question may use a word the evidence base never does (a variant spelling, a rarer synonym,
a closed compound) while its other specialist words single out one document. It is then
answered from that document, and the answer says plainly which word the evidence base lacks.
A question whose only specialist word is unknown stays out of scope. The corpus here is three
fictional abstracts written for this test, indexed with the real model and a real Chroma store.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from reading import before_evidence

from assistant import EvidenceAssistant, Settings
from assistant.embeddings import TextEmbedder
from assistant.index import EvidenceIndex
from assistant.lexical import bm25_tokens, disease_like, drug_like, role_noun
from assistant.retrieve import (
    GENERAL_SYNONYMS,
    PassageTraits,
    _clipped,
    _compound,
    _derived,
    unknown_words,
)
from assistant.types import Passage

pytestmark = pytest.mark.slow

RECORDS = {
    "gallbladder2019": (
        "Cholecystectomy with or without splenectomy in a hereditary red cell disorder",
        [
            "We reviewed 84 children with a hereditary red cell membrane disorder who needed "
            "cholecystectomy for gallstones.",
            "Forty of them also had a concomitant splenectomy during the same operation.",
            "Children with a concomitant splenectomy stayed in hospital one day longer.",
            "Routine splenectomy at the time of cholecystectomy is not justified in mild disease.",
        ],
    ),
    "refraction2020": (
        "Refraction measured with and without cycloplegic drops in young adults",
        [
            "We compared auto-refraction before and after cycloplegic drops in 212 students.",
            "Without cycloplegia the auto-refraction overestimated myopia in one in five eyes.",
            "Cycloplegic refraction remains advisable before refractive surgery.",
        ],
    ),
    "analgesia2022": (
        "Pain relief after knee replacement",
        [
            "After knee replacement, the paracetamol dose was 1 g four times daily.",
            "Patients with severe pain could also be offered duloxetine.",
        ],
    ),
    # A curated finding about something else: it must not lead an answer it shares no word
    # with just because curated records lead over uploads.
    "coaching2021": (
        "Coaching on inhaler use",
        [
            "Correct technique at six months was reached by 62% with coaching and 41% with "
            "usual care.",
        ],
    ),
    "walking2021": (
        "A walking programme after knee replacement",
        [
            "Patients walked daily for twelve weeks after knee replacement.",
            "Walking distance improved more with supervision than without it.",
            "Pain scores were similar in both groups at twelve weeks.",
        ],
    ),
}


# A PubMed export whose abstract never names the condition; its MeSH headings do.
EXPORT = """<?xml version="1.0" encoding="UTF-8"?>
<PubmedArticleSet><PubmedArticle><MedlineCitation Status="MEDLINE">
<PMID Version="1">99100001</PMID><Article>
<Journal><JournalIssue><PubDate><Year>2018</Year></PubDate></JournalIssue>
<Title>Journal of Examples</Title></Journal>
<ArticleTitle>Red cell hydration disorders in a regional registry.</ArticleTitle>
<Abstract><AbstractText>We followed 37 families with a red cell hydration disorder for a
median of six years. Pseudohyperkalaemia was found in 22 of the 37 families. Iron overload
developed in adults who had never been transfused.</AbstractText></Abstract>
<AuthorList><Author><LastName>Example</LastName><ForeName>Ann</ForeName></Author></AuthorList>
<PublicationTypeList><PublicationType>Journal Article</PublicationType></PublicationTypeList>
</Article>
<MeshHeadingList><MeshHeading><DescriptorName>Xerocytosis</DescriptorName></MeshHeading>
<MeshHeading><DescriptorName>Iron Overload</DescriptorName></MeshHeading></MeshHeadingList>
</MedlineCitation></PubmedArticle></PubmedArticleSet>
"""


# A study with a short name: naming it must not carry a question about something else.
NAMED = (
    "inhaler2023",
    "STRIDE (Example 2023)",
    "Inhaler technique coaching by pharmacists",
    [
        "STRIDE randomised 240 adults with asthma to pharmacist coaching or usual care.",
        "The primary outcome was the share of patients with correct inhaler technique at "
        "six months.",
        "Correct technique at six months was reached by 62% with coaching and 41% with usual care.",
        "Pharmacist coaching improved inhaler technique in adults with asthma.",
    ],
)


def _record(doc_id: str, title: str, sentences: list[str], short_name: str = "") -> str:
    named = f'short_name: "{short_name}"\n' if short_name else ""
    header = f'---\nid: {doc_id}\nkind: abstract\ntitle: "{title}"\nyear: 2020\n{named}---\n'
    return header + "\n".join(sentences) + "\n"


def _assistant(
    tmp_path_factory: pytest.TempPathFactory, embedder: TextEmbedder, files: dict[str, str]
) -> EvidenceAssistant:
    """An assistant over a fresh corpus of these record files (name -> text) and a fresh index."""
    corpus = tmp_path_factory.mktemp("scope-corpus")
    records = corpus / "records"
    records.mkdir()
    for name, text in files.items():
        (records / name).write_text(text, encoding="utf-8")
    settings = Settings.from_env(
        corpus_dir=corpus, index_dir=tmp_path_factory.mktemp("scope-index"), chroma_host=None
    )
    return EvidenceAssistant(settings, index=EvidenceIndex(settings, embedder=embedder))


@pytest.fixture(scope="module")
def small(
    tmp_path_factory: pytest.TempPathFactory, embedder: TextEmbedder
) -> Iterator[EvidenceAssistant]:
    files = {f"{doc_id}.md": _record(doc_id, *record) for doc_id, record in RECORDS.items()}
    yield _assistant(tmp_path_factory, embedder, {**files, "export.xml": EXPORT})


def test_an_unknown_word_is_outweighed_by_words_that_single_out_a_document(
    small: EvidenceAssistant,
) -> None:
    answer = small.ask("Cholecystectomy and concomitant splenectomy in mild spherocytosis?")
    assert answer.status == "answered", answer.answer
    assert answer.citations[0].document == "gallbladder2019"
    assert "“spherocytosis”" in answer.answer  # said plainly, under the answer


def test_an_unknown_word_with_nothing_specific_beside_it_is_out_of_scope(
    small: EvidenceAssistant,
) -> None:
    answer = small.ask("Does zanubrutinib help patients after an operation?")
    assert answer.status == "no_evidence", answer.answer
    assert "“zanubrutinib”" in answer.answer


def test_a_closed_compound_of_words_the_corpus_uses_is_known(small: EvidenceAssistant) -> None:
    answer = small.ask("Is autorefraction without cycloplegia reliable?")
    assert answer.status == "answered", answer.answer
    assert answer.citations[0].document == "refraction2020"
    assert "autorefraction" not in before_evidence(answer)


@pytest.mark.parametrize(
    ("word", "vocabulary", "known"),
    [
        ("shockwave", {"shock", "wave"}, True),
        ("autorefraction", {"auto", "refract"}, True),
        ("underprescribe", {"prescrib"}, True),  # a function word is a prefix
        ("rituximab", {"rit", "uximab"}, False),  # pieces must be four letters or more
        ("anti-rotation", {"anti", "rotat"}, False),  # hyphenated words are split elsewhere
    ],
)
def test_compound_words(word: str, vocabulary: set[str], known: bool) -> None:
    assert _compound(word, frozenset(vocabulary)) is known


@pytest.mark.parametrize(
    ("word", "vocabulary", "known"),
    [
        ("cystoscopist", {"cystoscopi"}, True),  # cystoscopy: only the ending differs
        ("endoscopist", {"endoscopi"}, True),  # endoscopy
        ("ciclosporin", {"cyclosporin"}, False),  # spelt differently before the ending
        ("rheumatoid", {"rheumatolog"}, False),  # too short to judge by its first letters
        ("rituximab", {"rituxi"}, False),
    ],
)
def test_derived_words(word: str, vocabulary: set[str], known: bool) -> None:
    assert _derived(word, frozenset(vocabulary)) is known


def test_a_records_mesh_headings_make_its_sentences_findable(small: EvidenceAssistant) -> None:
    """The abstract never says "xerocytosis"; its MeSH headings do, and they are indexed with
    every sentence of the record (not quoted: a citation is always a sentence of the text)."""
    answer = small.ask("Was iron overload found in families with xerocytosis?")
    assert answer.status == "answered", answer.answer
    assert answer.citations[0].document == "pmid99100001"
    assert all("Xerocytosis" not in c.quote for c in answer.citations)


def test_a_dose_asked_of_a_drug_the_corpus_names_without_one_is_not_covered(
    small: EvidenceAssistant,
) -> None:
    answer = small.ask("What duloxetine dose was given after knee replacement?")
    assert answer.status == "no_evidence", answer.answer
    assert "“duloxetine”" in answer.answer and "no dose" in answer.answer
    given = small.ask("What paracetamol dose was given after knee replacement?")
    assert given.status == "answered" and "1 g" in given.answer, given.answer


def test_a_rate_asked_of_a_drug_the_corpus_gives_no_rate_for_is_not_covered(
    small: EvidenceAssistant,
) -> None:
    answer = small.ask("What was the pain relief rate with duloxetine?")
    assert answer.status == "no_evidence", answer.answer
    assert "“duloxetine”" in answer.answer and "no rate" in answer.answer
    # the same kind of question about a word the corpus gives a rate for is answered
    given = small.ask("What proportion of families had pseudohyperkalaemia?")  # 22 of the 37
    assert given.status == "answered", given.answer


def test_when_in_a_yes_no_question_does_not_ask_for_a_date(small: EvidenceAssistant) -> None:
    """'when' also joins clauses: this asks whether, not when, so it is not refused for lack
    of a date beside the words it uses."""
    answer = small.ask("Is splenectomy justified when cholecystectomy is done in mild disease?")
    assert answer.status == "answered", answer.answer


@pytest.mark.parametrize(
    ("sentence", "gives_rate"),
    [
        ("Forty of the 60 patients had pain relief.", True),  # a count opening a sentence
        ("Pain relief was reported by twelve of 30 patients.", True),
        ("Relief was reported by forty percent.", True),
        ("Relief was reported by 40% (117/290).", True),
        ("Duloxetine is one of the options for severe pain.", False),
        ("Duloxetine was given for 12 weeks in 2020.", False),
    ],
)
def test_which_sentences_give_a_rate(sentence: str, gives_rate: bool) -> None:
    passage = Passage("doc#s0", "doc", sentence, 0, len(sentence), 0)
    assert ("rate" in PassageTraits.of(passage).looks) is gives_rate


@pytest.mark.parametrize(
    ("sentence", "gives_count"),
    [
        ("Of 314 randomised, 157 (52.5%) received tacrolimus.", True),
        ("Seven patients in each group withdrew.", True),  # people counted, in words
        ("The two groups were treated alike.", False),  # a number word counting no one
        ("Twelve of the 40 runners had shin pain.", True),
        ("Follow-up lasted 24 weeks.", False),
    ],
)
def test_which_sentences_give_a_count(sentence: str, gives_count: bool) -> None:
    passage = Passage("d#s0", "d", sentence, 0, len(sentence), 0)
    assert ("count" in PassageTraits.of(passage).looks) is gives_count


@pytest.fixture(scope="module")
def named(
    tmp_path_factory: pytest.TempPathFactory, embedder: TextEmbedder
) -> Iterator[EvidenceAssistant]:
    """The STRIDE record beside two records without a short name."""
    doc_id, short_name, title, sentences = NAMED
    files = {f"{doc_id}.md": _record(doc_id, title, sentences, short_name)}
    for other in ("walking2021", "analgesia2022"):
        files[f"{other}.md"] = _record(other, *RECORDS[other])
    yield _assistant(tmp_path_factory, embedder, files)


def test_naming_a_study_does_not_carry_a_question_about_something_else(
    named: EvidenceAssistant,
) -> None:
    off_topic = named.ask("Who won the World Cup in STRIDE?")
    assert off_topic.status == "no_evidence", off_topic.answer
    assert "“World”" in off_topic.answer and not off_topic.citations
    weather = named.ask("What will the weather be like in STRIDE?")
    assert weather.status == "no_evidence", weather.answer


def test_a_disease_named_beside_the_study_needs_no_second_look(named: EvidenceAssistant) -> None:
    # "bragging" is a word the corpus lacks, but "inhaler" is a specialist word (rare in
    # English) it uses: the question is about the evidence's subject, so the name-free
    # similarity is not computed at all.
    routed = named.route("Was STRIDE bragging about the inhaler?")
    retrieval = named.retrieve(routed)
    assert retrieval.unnamed_unknown and retrieval.similarity_without_names is None
    # The same for a common word that only a few of the corpus's sentences use ("coaching").
    routed = named.route("Was STRIDE bragging about its coaching?")
    assert named.retrieve(routed).similarity_without_names is None
    # Without such a word the name-free question is embedded and measured.
    routed = named.route("Who won the World Cup in STRIDE?")
    assert named.retrieve(routed).similarity_without_names is not None


@pytest.mark.parametrize(
    "question",
    [
        "What did STRIDE show?",  # asks for the study's result in words of its own
        "How many adults were randomised in STRIDE?",
        "Did coaching improve inhaler technique in STRIDE?",
    ],
)
def test_questions_about_a_named_study_stay_in_scope(
    named: EvidenceAssistant, question: str
) -> None:
    answer = named.ask(question)
    assert answer.status == "answered", answer.answer
    assert answer.citations[0].document == "inhaler2023"


@pytest.mark.parametrize(
    ("word", "drug"),
    [
        ("abatacept", True),  # -cept: receptor fusion proteins
        ("anifrolumab", True),  # -mab
        ("empagliflozin", True),  # -gliflozin
        ("ibrutinib", True),  # -tinib
        ("concept", False),  # the ending alone, in a common word
        ("april", False),  # too short
        ("cocaine", False),  # too short for -caine
    ],
)
def test_a_word_shaped_like_a_drug_name_reads_as_one(word: str, drug: bool) -> None:
    assert drug_like(word) is drug


def test_a_drug_named_only_by_its_international_name_is_out_of_scope(
    small: EvidenceAssistant,
) -> None:
    answer = small.ask("Should abatacept be given for pain after knee replacement?")
    assert answer.status == "no_evidence", answer.answer
    assert "“abatacept”" in answer.answer


@pytest.mark.parametrize(
    ("word", "vocabulary", "known"),
    [
        ("methylpred", {"methylprednisolon"}, True),  # clinical shorthand clips words
        ("immunosupp", {"immunosuppress"}, True),
        ("cyclo", {"cyclophosphamid"}, True),
        # four letters begin too many everyday words, but few specialist ones (drug names)
        ("pred", {"prednison", "predict"}, True),
        ("pred", {"predict", "predecessor"}, False),
        ("foll", {"follow"}, False),
        ("rituximab", {"rituximab"}, False),  # the whole word is not a clipping of itself
    ],
)
def test_clipped_words(word: str, vocabulary: set[str], known: bool) -> None:
    assert _clipped(word, frozenset(vocabulary)) is known


def test_words_giving_a_patients_values_are_not_topics() -> None:
    vocabulary = frozenset({"albumin", "proteinuria", "respons"})
    question = "Creat steady, alb 3.2, proteinuria halved: response?"
    assert unknown_words(question, vocabulary) == ()
    assert unknown_words("Is hepcidin steady?", vocabulary) == ("hepcidin",)
    # a compound is known when each part is, or is a synonym the search expands
    steroid = frozenset({"steroid", "refractori"})
    assert unknown_words("steroid-resistant disease?", steroid, frozenset({"resistant"})) == (
        "disease",
    )
    assert unknown_words("steroid-resistant?", steroid) == ("steroid-resistant",)


@pytest.mark.parametrize(
    ("word", "disease", "role"),
    [
        ("vasculitis", True, False),
        ("nephropathy", True, False),
        ("cholecystectomy", True, False),
        ("aroma", False, False),  # too short to tell
        ("pharmacist", False, True),
        ("nephrologist", False, True),
        ("nurse", False, True),  # a role named without a role ending
        ("ballpark", False, False),
    ],
)
def test_word_forms_of_diseases_and_of_roles(word: str, disease: bool, role: bool) -> None:
    assert (disease_like(word), role_noun(word)) == (disease, role)


@pytest.mark.parametrize(
    "question",
    [
        "Pharmacist asking: what paracetamol dose was used after knee replacement?",
        "Ballpark figure: what paracetamol dose was used after knee replacement?",
        "Nurse here: what paracetamol dose was used after knee replacement?",
    ],
)
def test_who_asks_and_idioms_do_not_take_a_question_out_of_scope(
    small: EvidenceAssistant, question: str
) -> None:
    answer = small.ask(question)
    assert answer.status == "answered", answer.answer
    assert answer.citations[0].document == "analgesia2022"


@pytest.mark.parametrize(
    ("word", "question", "context"),
    [
        ("ICU", "ICU, 34F with class IV: what did STUDY-1 find?", True),
        ("ward", "Quick one from the ward: what did STUDY-1 find?", True),
        ("ICU", "ICU admissions in STUDY-1?", False),  # what is asked about
        ("ICU", "What did STUDY-1 find for ICU stays? 34F, class IV.", False),
        ("MRI", "MRI, 34F: what did STUDY-1 find?", False),  # not a place of care
    ],
)
def test_a_place_of_care_set_off_at_the_start_is_where_the_question_comes_from(
    word: str, question: str, context: bool
) -> None:
    from assistant.lexical import said_from

    assert said_from(word, question) is context


def test_a_word_english_hardly_uses_but_the_corpus_does_names_what_it_holds() -> None:
    """ "LNDAI" is no medical-sounding word to an embedding, but the corpus uses it and English
    hardly does: the question is about the corpus, and its everyday words ("happened") the
    corpus lacks do not take it out. Without such a word, they do. (`medical` is a stand-in
    scoring no word as medical: the test is about the rare-word rule, not the embedding.)"""
    from assistant.retrieve import foreign_terms

    vocabulary = frozenset(bm25_tokens("The LNDAI fell in each arm of the trial."))
    never_medical = lambda word: 0.0  # noqa: E731
    assert foreign_terms("What happened to the LNDAI in each arm?", vocabulary, never_medical) == ()
    assert "happened" in foreign_terms("What happened in each arm?", vocabulary, never_medical)
    # A capitalised word may be a place the corpus names: it is no term of the field.
    place = frozenset(bm25_tokens("The trial ran in Zhengzhou."))
    assert foreign_terms("Weather in Zhengzhou tomorrow?", place, never_medical) == (
        "weather",
        "tomorrow",
    )


def test_the_words_of_a_phrase_the_search_expands_are_understood() -> None:
    # "kidney inflammation" is searched as nephritis: neither of its words is unknown, while
    # "inflammation" elsewhere still is
    vocabulary = frozenset(bm25_tokens("class IV kidney nephritis"))
    phrases = frozenset({"kidney inflammation"})
    assert unknown_words("class III kidney inflammation?", vocabulary, phrases) == ()
    assert unknown_words("joint inflammation?", vocabulary, phrases) == ("joint", "inflammation")


def test_a_drip_is_an_intravenous_infusion() -> None:
    # a lay compound naming the trial by its arms is known when each part is
    vocabulary = frozenset(bm25_tokens("tacrolimus versus intravenous infusion in the study"))
    words = frozenset(GENERAL_SYNONYMS)
    assert unknown_words("the tacrolimus-versus-drip study?", vocabulary, words) == ()
