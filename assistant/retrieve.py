"""Hybrid retrieval: dense (Chroma) + BM25, fused by reciprocal rank -> ranked Passages."""

from __future__ import annotations

import bisect
import functools
import itertools
import math
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field

from . import extract
from .facts import COUNT_OF, COUNTED_IN_WORDS, PERCENT, extract_facts, facts_of, group_pairs
from .index import EvidenceIndex
from .ingest import in_ranges
from .intent import (
    FACETS,
    FIGURE_KINDS,
    HARMS,
    INTERVAL,
    RESULT,
    SAMPLE_SIZE,
    STUDY_BY_ARMS,
    UNAMBIGUOUS_KINDS,
    VERDICT_ASKED,
    Facet,
    FigureKind,
    RetrievalCues,
    retrieval_cues,
)
from .lexical import (
    GENERAL_ACRONYMS,
    bm25_tokens,
    disease_like,
    drug_like,
    everyday_superlative,
    role_noun,
    said_from,
    without_purpose,
)
from .measurements import PATIENT_VALUE_WORDS
from .numerals import TENS_WORDS, UNIT_WORDS
from .present import interviewer_turn, short_design, speaker_role
from .profile import ArmVocabulary, StatedKnowledge
from .spelling import Correction, Speller
from .support import STOPWORDS
from .types import Passage
from .verify import quoted_numbers, value_key
from .vocabulary import abbreviation_pairs

if TYPE_CHECKING:
    from .route import Route

MEDICAL_REFERENCES = ["disease", "drug", "medical treatment", "symptom"]
# Everyday fields a word may be closer to instead ("ballpark" is nearer "amount" and "estimate"
# than "drug"; "weather" is weather): a word reads as medical only when it is closer to the
# medical references than to all of these.
EVERYDAY_REFERENCES = [
    "sport", "money", "weather", "food", "place", "amount", "time", "person", "language",
    "work", "estimate",
]  # fmt: skip
TRAITS_CACHE = 20_000  # passages (or documents) whose ranking traits are kept per index state
MEDICAL_WORD = 0.32  # similarity to "disease / drug / treatment / symptom" for a medical word
MEDICAL_MARGIN = 0.05  # ... and how much closer to those than to any everyday reference
RARE_WORD_ZIPF = 4.5  # wordfreq Zipf scale: below this a medical word is specialist
SPECIALIST_ZIPF = 3.0  # below this (about one use per million words) any word is specialist
LIST_ITEMS = 3  # sentences taken as the items of a list a sentence announces
# A sentence announcing the list that follows it ("in the following aspects:", "as follows:").
_ANNOUNCES_LIST = re.compile(r"\bthe following\b[^.:;]{0,30}:|\bas follows\s*:", re.I)
FACET_BOOST = 0.15  # a sentence whose own words name the aspect asked about
# Aspects a sentence names in words of their own ("a limitation", "adverse events", "inhibits");
# the others' words (doses, design, who took part, response) run through every sentence.
TEXT_FACETS: frozenset[Facet] = frozenset({"limitation", "safety", "mechanism"})
TIME_BOOST = 0.15  # a sentence stating the time point the question asks about
FOLLOW_UP_BOOST = 0.15  # a sentence using a rare word a follow-up adds to the earlier question
MEASURE_BOOST = 0.15  # a sentence with figures naming the response measure asked about
TIME_TOLERANCE = 0.12  # relative: 6 months is 24 weeks, ~5 years is 60.8 months
STUDY_BOOST = 0.3  # added to a fused score (0-1 scale) for passages of the studies asked about
RESULT_BOOST = 0.3  # a comparison or effect estimate, when the question asks what was found
STATED_BOOST = 0.3  # a sentence the profile cites for the criteria or protocol asked about
# A result for part of the patients ("among patients with class V", "in a post-hoc
# analysis", "subgroup"): not the study's main result.
_SUBGROUP = re.compile(
    r"\bsubgroups?\b|\bpost[- ]?hoc\b|\bamong\b[^,.]{0,40}\bwith\b|\bsubset\b", re.I
)
OUTCOME_SHARE = 0.75  # of a primary outcome's words a sentence must name to be about it
TEXT_INTENTS = ("fact", "comparison", "definition")  # answered from the evidence's text alone
FIGURE_CHECK_HITS = 30  # sentences naming a word looked at for the figure asked (BM25, one term)
LEADING_DOCUMENTS = 3  # documents whose primary outcome a "what did it show?" question wants
# "The primary outcome (end point) of X was <outcome>[, which ...]": the outcome a study was
# designed to show, up to the first clause break.
_PRIMARY_OUTCOME = re.compile(
    r"\bprimary\s+(?:efficacy\s+)?(?:outcome|end\s?-?points?|endpoints?)\b[^.;:]{0,60}?"
    r"\b(?:was|were|is|being)\s+(?:the\s+)?([^,;:()]{3,80})",
    re.I,
)
NUMERIC_BOOST = 0.15  # a figure-bearing sentence, when the question asks for a figure
CAVEAT_PENALTY = 0.5  # "could not be confirmed" sentences, unless the question is about that
OTHER_STUDY_PENALTY = 0.5  # a sentence naming another study than the one the question names
CAVEAT_BOOST = 0.2  # ... and when it is ("is it true that...?"), they come first
SPECIFIC_SHARE = 0.01  # a word in at most this share of the corpus's sentences is specific
SPECIFIC_MIN = 5  # ... or in at most this many (small corpora)
SPARSE_WEIGHT = 0.6  # measured on the eval set (top-2 hit rate), over 0.4-0.7

# Words clinicians use for the same thing as papers do, in any field of clinical research
# (an evidence base adds its own in its profile's `synonyms`); expanding the query lets BM25
# match the text's word.
GENERAL_SYNONYMS = {
    "remission": "response",
    "response": "remission",
    # the verb and the person for the noun results are reported with ("responded", "responders")
    "respond": "response",
    "responded": "response",
    "responder": "response",
    "responders": "response",
    "steroid": "glucocorticoid glucocorticoids corticosteroid",
    "steroids": "glucocorticoid glucocorticoids corticosteroids",
    "kidney": "renal",
    "renal": "kidney",
    "side": "adverse",
    "safety": "adverse events",
    "effects": "adverse events aes",
    "proteinuria": "urine protein",
    "enrolled": "randomized randomly assigned",
    "end": "ended",
    "close": "ended",
    "finish": "ended",
    "finished": "ended",
    "completed": "ended",
    "weeks": "week",
    "blinded": "double-blind open-label",
    # the verb and adjective ("did it blind patients", "double blind") for the same design
    "blind": "blinded double-blind open-label",
    # blinding as CONSORT explains it to lay readers: who knew which treatment was given
    "kept hidden": "blinded double-blind open-label",
    "knew which": "blinded double-blind open-label",
    "know which": "blinded double-blind open-label",
    # "masking" is the other name trial reporting (CONSORT) gives blinding
    "masked": "blinded double-blind open-label",
    "masking": "blinding double-blind open-label",
    "level": "concentration",
    "trough": "concentration target",
    "blood": "plasma",
    # what came next in a sequence of treatments (several words: matched as a phrase)
    "followed it": "followed by maintenance",
    "followed that": "followed by maintenance",
    "came after": "followed by maintenance",
    "came next": "followed by maintenance",
    # a change of treatment is written as its sequence: "A followed by B maintenance"
    "switch": "followed maintenance",
    "switched": "followed maintenance",
    "afterwards": "followed maintenance",
    "stopped": "withdrew",
    "discontinued": "withdrew",
    "dropped": "withdrew",
    # leaving a trial or a treatment, in lay words
    "quit": "withdrew",
    "dropout": "withdrew",
    "dropouts": "withdrew",
    "came off": "withdrew",
    "come off": "withdrew",
    "adverse": "aes",  # papers abbreviate "adverse events" once defined
    "resistant": "refractory",  # disease not responding to a treatment, either word
    "refractory": "resistant",
    # kidney failure is end-stage kidney disease (the guidelines' name for it), either wording
    "kidney failure": "end-stage renal disease end-stage kidney disease esrd eskd",
    "renal failure": "end-stage renal disease end-stage kidney disease esrd eskd",
    "esrd": "end-stage renal disease",
    "eskd": "end-stage kidney disease",
    "sae": "serious adverse events",
    "saes": "serious adverse events",
    "aes": "adverse events",
    "ae": "adverse event",
    "bmi": "body mass index",
    "itt": "intention-to-treat",
    "shortcomings": "limitations",
    "weak points": "limitations",
    # the places a multicentre study recruited in: reports count them as centres or sites
    "hospitals": "centres centers sites",
    "weaknesses": "limitations",
    "caveats": "limitations",
    "endpoint": "outcome",
    # a wish for children is a question about fertility, which reports give as ovarian (or
    # gonadal) toxicity or failure
    "fertility": "ovarian gonadal",
    "have children": "fertility ovarian gonadal",
    "having children": "fertility ovarian gonadal",
    "have kids": "fertility ovarian gonadal",
    "wants kids": "fertility ovarian gonadal",
    "get pregnant": "fertility ovarian gonadal",
    "become pregnant": "fertility ovarian gonadal",
    "have a baby": "fertility ovarian gonadal",
    "wants children": "fertility ovarian gonadal",
    "want children": "fertility ovarian gonadal",
    "having a baby": "fertility ovarian gonadal",
    # who paid for a study, in the words reports use ("sponsored by", "funded by")
    "funding": "sponsored funded sponsor",
    "funder": "sponsored funded sponsor",
    "sponsor": "sponsored funded funding",
    "permitted": "included inclusion",
    "allowed": "included inclusion",
    "entry": "inclusion criteria",
    "followed": "follow-up period",
    # how long patients were followed, in lay words
    "watched": "followed follow-up period",
    "tracked": "followed follow-up period",
    "duration": "follow-up period weeks",
    "randomized": "randomly assigned",
    "randomised": "randomly assigned",
    "treated": "received treatment",
    "mortality": "death deaths died",
    # a trial's continuation is also called its extension (and the other way round)
    "extension": "continuation",
    "continuation": "extension",
    # the verb for the noun deaths are reported with (no stemmer joins "died" and "death")
    "died": "death deaths",
    "die": "death deaths",
    "dying": "death deaths",
    # a dosage form and the study of tissue, in lay and in clinical words
    "pill": "tablet",
    "pills": "tablets",
    # a drip is an intravenous infusion, in lay and ward words
    "drip": "intravenous infusion",
    "drips": "intravenous infusions",
    "histology": "pathology pathological",
    "histological": "pathological pathology",
    "histologic": "pathological pathology",
    # a value that fell, rose or moved has changed: results report "the change in X"
    "fall": "change",
    "fell": "change",
    "rise": "change",
    "rose": "change",
    "move": "change",
    "moved": "change",
    # Shorthand of clinical notes for everyday words of clinical research.
    "pts": "patients",
    "pt": "patient",
    "docs": "doctors investigators",
    "meds": "medications drugs",
    "tx": "treatment",
    "dx": "diagnosis",
    "hx": "history",
    "sx": "symptoms",
    "yr": "year",
    "yrs": "years",
    "wk": "week",
    "wks": "weeks",
    "mo": "month",
    "mos": "months",
    "pbo": "placebo",
    "endpt": "endpoint outcome",
    "endpts": "endpoints outcomes",
    "grp": "group",
    "grps": "groups",
    "infx": "infection infections",
    "crit": "criteria",
    "f/u": "follow-up",
    "d/t": "due to",
}


@dataclass(frozen=True)
class Retrieval:
    """Ranked passages plus how confident retrieval was (the best dense similarity)."""

    passages: list[Passage]
    best_similarity: float
    foreign_terms: tuple[str, ...] = ()  # specialist words of the query the corpus never uses
    named_studies: frozenset[str] = frozenset()  # documents the query names (by study name)
    # Specialist words of the query that single out the best passage's document (see
    # `HybridSearch.anchors`): evidence that the question is about that document, whatever
    # unfamiliar word it also uses.
    anchors: tuple[str, ...] = ()
    # The drug (or other specialist) names of a question asking for a figure (a dose, a rate,
    # a duration), when the corpus names them only in sentences giving no figure of that kind: it
    # cannot answer with one. `figures_asked` are the kinds asked for.
    figureless_terms: tuple[str, ...] = ()
    figures_asked: tuple[FigureKind, ...] = ()
    # For a question naming a study, the words besides the name that the corpus never uses,
    # and how close the question without the name comes to any sentence (the best dense
    # similarity): a name alone does not put "who won the World Cup in <study>?" in scope.
    unnamed_unknown: tuple[str, ...] = ()
    similarity_without_names: float | None = None
    # For a question asking several things, the best sentence for each later part.
    part_answers: tuple[str, ...] = ()
    # An arm the question asks about that the study asked about did not have ("the placebo
    # arm of <a drug A vs drug B trial>"), with the sentence saying which arms it compared.
    arm_not_compared: tuple[str, Passage] | None = None
    # Percentages the question attributes to the study it names that no sentence of that
    # study states, with the sentence of another document stating them all, if one does.
    figures_not_stated: FiguresNotStated | None = None
    # For a question asserting or asking a verdict (superior, non-inferior) about the study it
    # is about, that study's sentence stating its verdict, which the answer states.
    verdict: Passage | None = None
    # For a yes/no question giving figures the study it names does state ("the guideline caps it at
    # 36 g, right?"), that study's sentence stating them all.
    figures_stated: FiguresStated | None = None
    # For a question asking one thing that the study asked about states only as not confirmed
    # ("what margin did it use?"), the sentence saying it could not be confirmed.
    not_stated: Passage | None = None
    # Of the `part_answers`, those checking a claim the question rests on ("Given that ...").
    premise_answers: tuple[str, ...] = ()
    # The words asking what something costs, when the corpus says nothing of costs at all:
    # no sentence can answer, however much it says of the drug (also among `foreign_terms`).
    costs_unstated: tuple[str, ...] = ()

    @property
    def of_named_studies(self) -> list[Passage]:
        """The ranked passages of the studies the question names (none if it names none)."""
        return [p for p in self.passages if p.document_id in self.named_studies]


# How a trial report states its verdict: "was (judged / found to be) non-inferior",
# "appeared to be non-inferior", "was not shown to be superior", "the authors concluded".
VERDICT = re.compile(
    r"\b(?:was|were|is|are|be|been|judged|appeared\s+to\s+be|found\s+to\s+be)\s+"
    r"(?:\w+\s+){0,3}?(?:non-?inferior|superior)|\bconclu(?:ded|sion)",
    re.I,
)


# Whether a result was significant, asked or stated ("significantly more", "not significant").
SIGNIFICANCE = re.compile(r"\bsignifican", re.I)
SIGNIFICANCE_RANKS = 5


@dataclass(frozen=True)
class FiguresNotStated:
    """A question's figures that the study it names never states ("STUDY-1 got 46.4% vs
    33.1%?"): as the question writes them, the study's name, and another document's sentence
    stating them all (None when no sentence of the evidence base does)."""

    figures: tuple[str, ...]
    study: str
    stated_in: Passage | None
    rates: bool = True  # a percentage among them (not only drug amounts: "750 mg")
    what: str = "figure"  # what they are: "confidence interval" when only its limits
    source: str = ""  # the study `stated_in` gives them for, as it names it


@dataclass(frozen=True)
class FiguresStated:
    """A question's figures that the study it names states, and its sentence stating all."""

    study: str
    stated_in: Passage
    count: int  # how many figures
    # the time point the sentence states them at ("week 104"), when it is not the question's
    at_other_time: str = ""
    # a second sentence stating the rest, when no one sentence states them all (a dose in
    # one, the rates in another)
    also_in: Passage | None = None


# A drug amount or level as a question states it: "750 mg", "0.5 g/m2", "10 mg/kg", "4 to
# 10 ng/mL" (both ends of a range are figures given).
_AMOUNT_UNIT = (
    r"\s?((?:mg|g|mcg|µg|μg)(?:\s?/\s?(?:kg|m2|m²|day|d))?|ng\s?/\s?ml)\b"
    r"(?![\s/]*(?:dl|l|mmol|24|g\b|mg\b))"
)
_AMOUNT = re.compile(
    r"(?<![\d.])" + extract.NUM + r"(?:\s?(?:-|–|to)\s?" + extract.NUM + r")?" + _AMOUNT_UNIT,
    re.IGNORECASE,
)


# A time point with its count: "week 52", "month-6", "at 24 weeks", "10-year".
_TIME_GIVEN = re.compile(
    r"\b(?:weeks?|months?|years?)[\s-]*(\d+)\b|\b(\d+)[\s-]*(?:weeks?|months?|years?)\b", re.I
)


@functools.lru_cache(maxsize=256)
def _effect_figures(text: str, limits_only: bool = False) -> tuple[float, ...]:
    """The effect estimates and confidence limits `text` gives ("odds ratio 2.65; 95% CI 1.6
    to 4.3": 2.65, 1.6, 4.3), or the limits alone (read once for the checks of a question)."""
    effects = [f for f in extract_facts(text) if f.kind == "effect"]
    figures = ((f.ci_low, f.ci_high) if limits_only else (f.estimate, f.ci_low, f.ci_high)
               for f in effects)  # fmt: skip
    return tuple(v for values in figures for v in values if v is not None)


@functools.lru_cache(maxsize=20_000)  # the same sentences are read question after question
def _figures_with_units(text: str) -> frozenset[tuple[float, str]]:
    """The percentages and drug amounts or levels of `text`, each as (value, unit); a unit
    per day written either way ("mg/kg/day" is "mg/kg/d")."""
    rates = {(value_key(float(m.group(1))), "%") for m in extract.PERCENT.finditer(text)}
    return frozenset(rates) | {
        (value_key(float(v)), re.sub(r"/day$", "/d", re.sub(r"\s", "", m.group(3)).lower()))
        for m in _AMOUNT.finditer(text)
        for v in m.groups()[:2]
        if v
    }


def _same_arms(
    question: str, sentence: str, arms: ArmVocabulary | None, only: set[float] | None = None
) -> bool:
    """Every percentage of the question (or of them, those in `only`) is an arm's, and the
    sentence gives that arm the same one ("drug B 83%" is not "83% with drug A"; a rate of no
    arm is left unconfirmed); or the question pairs two or more rates with no arm named ("43%
    vs 32%") and the sentence gives them to its arms in the same order."""
    written = [value_key(float(m.group(1))) for m in extract.PERCENT.finditer(question)]
    written = [value for value in written if only is None or value in only]
    percents = set(written)
    if not percents:
        return True
    if arms is None:
        return False
    asked = {(v.arm, value_key(v.percent)) for v in extract.arm_values(question, arms)
             if v.percent is not None and value_key(v.percent) in percents}  # fmt: skip
    if not asked and len(written) > 1 and not arms.in_question(question):
        by_arm = [value_key(v.percent) for v in extract.arm_values(sentence, arms)
                  if v.percent is not None]  # fmt: skip
        return by_arm[: len(written)] == written
    stated = {(v.arm, value_key(v.percent)) for v in extract.arm_values(sentence, arms)
              if v.percent is not None}  # fmt: skip
    return {value for _arm, value in asked} >= percents and asked <= stated


def _without_amounts(text: str) -> str:
    return _AMOUNT.sub(" ", text)


ELSEWHERE_CANDIDATES = 20  # sentences searched for the figures a named study does not state
MIN_FIGURES_EACH = 2  # figures of a claim each of two sentences confirming it must state


class HybridSearch:
    """Dense + BM25 over one EvidenceIndex, fused by relative score (see `fuse`). Dense scores
    (and the relevance threshold they are held to) are MiniLM cosines."""

    def __init__(
        self,
        index: EvidenceIndex,
        candidates: int = 30,
        synonyms: dict[str, str] | None = None,
        not_study_names: frozenset[str] = frozenset(),
        stated: Mapping[str, tuple[StatedKnowledge, ...]] | None = None,
    ) -> None:
        self.index = index
        # A second query embedding runs beside the first (see `search`): onnxruntime and
        # Chroma release the GIL, and one short text does not keep both cores busy.
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="search")
        # Where the evidence states the profile's criteria and protocols, by facet.
        self.stated = dict(stated or {})
        self.candidates = candidates
        self.synonyms = {**GENERAL_SYNONYMS, **(synonyms or {})}
        self.not_study_names = GENERAL_ACRONYMS | {w.upper() for w in not_study_names}
        self._names = StudyNames({})
        self._medical: dict[str, tuple[float, float]] = {}
        self._medical_refs: Any = None
        self._everyday_refs: Any = None
        self._names_for: object = None
        self._speller = Speller({})
        self._speller_for: object = None
        self._primary_for: object = None
        self._primary_vocabulary: set[str] = set()
        self._outcomes: PerIndexState[tuple[Passage, ...]] = PerIndexState(TRAITS_CACHE)
        self._traits: PerIndexState[PassageTraits] = PerIndexState(TRAITS_CACHE)
        self._document_vocabulary: PerIndexState[frozenset[str]] = PerIndexState(TRAITS_CACHE)
        self._studies_named: PerIndexState[frozenset[str]] = PerIndexState(TRAITS_CACHE)

    def warm_up(self) -> None:
        """Load the model and the passages now, so the first question is as fast as the rest."""
        self.index.embedder.embed(["warm-up"])
        self.index.passages()

    def _embed(self, text: str) -> np.ndarray:
        return self.index.embedder.embed([text])[0]

    def search(self, query: str, k: int, *, route: Route | None = None) -> Retrieval:
        """The `k` best passages for `query`. What the question asks for (a result, a figure)
        comes from `route` when given (its `query` is the one searched), else is read from
        `query` by the same rules (`intent.retrieval_cues`)."""
        # A Route built by hand has not been read (intent None): read its query here.
        cues = retrieval_cues(query) if route is None or route.intent is None else route.cues
        named = frozenset(self._study_names().named_in(query))
        treatments = _intervention_words(route) if route is not None else frozenset()
        # A question answered from the text alone (not a check of the user's own values, which
        # are its content) that names a study: what does it ask besides the name? The words
        # asking for a result ("show", "find", "win") ask for X's result, not about a topic.
        unknown: tuple[str, ...] = ()
        rest: str | None = None
        if named and (route is None or route.intent in TEXT_INTENTS):
            unknown, rest = self.beside_names(RESULT.sub(" ", query), treatments)
        # The second embedding runs on another core while the query's is made.
        closest = self._worker.submit(self.closest, rest) if rest is not None else None
        # so are the later parts' embeddings, for a question asking several things
        # (a study named by its arms is no topic of a part either: "... the A vs B trial was X")
        resolved = _resolved_parts(route.question, route.parts) if route is not None else ()
        parts = tuple(" ".join(STUDY_BY_ARMS.sub(" ", part).split()) for part in resolved)
        part_vectors = (
            self._worker.submit(self.index.embedder.embed, list(parts)) if parts else None
        )
        vector = self._embed(query)
        dense = self.index.dense_search(vector, self.candidates)
        # A study named by its arms ("the A versus B trial") is matched by the study boosts;
        # left in, its words would rank the study's every sentence naming both arms first.
        words = STUDY_BY_ARMS.sub(" ", query)
        # A study's name is not expanded: "LN" in "STAR-LN" names the study, not a topic.
        topic = self._study_names().without_names(words, treatments)
        expanded = expand_query(words, self.synonyms, topic)
        sparse = self.index.bm25_search(expanded, self.candidates)
        fused = fuse(dense, sparse, SPARSE_WEIGHT)
        passages = {
            pid: passage
            for pid, passage in self.index.passages_by_id(fused).items()
            if not self.traits(passage).fragment
        }
        fused = {pid: score for pid, score in fused.items() if pid in passages}
        # Rare words (drug, disease, test names) the primary study never uses: the question
        # is about something else, so the primary study is no longer its default subject.
        entities = self.specialist_terms(query) - self._primary_tokens()
        subjects = set(named) or (set() if entities else self._study_names().primary)
        # the few-sentence words the question asks about ("margin"), for the caveat checks
        asked_words = expand_query(topic, self.synonyms)
        rare_asked = self._specific_terms(asked_words)
        unconfirmed_asked = self._unconfirmed_asked(rare_asked, passages.values())
        on_unstated = self._caveat_on_unstated(asked_words, subjects)
        asks_result = cues.asks_result
        boosts = self.study_boosts(query, default_to_primary=not entities)
        main_results: set[str] = set()
        from_text = route is None or route.intent in TEXT_INTENTS
        claims = None
        # (a question naming no study makes its claim about the evidence base's own study)
        claimed_of = set(named) or (subjects if route and route.follow_up_of is None else set())
        if route is not None and claimed_of and (from_text or route.intent == "computation"):
            # (the amounts a computation gives are a patient's: "protein 3.8 g")
            claims = self.figures_not_stated(
                route.question,
                claimed_of,
                # (a patient's own values are no claim about the study: "from 4.0 g to 1.6 g")
                amounts=from_text and not route.patient.measurements,
                arms=route.vocabulary,
            )
        confirmed = None
        if isinstance(claims, FiguresStated):
            # said only to a yes/no question checking them ("... 36 g, right?") about one
            # study (with two named, the figures may be one's and the question's claim the other's)
            one_study = len({self._study_names().same_study(d) for d in claimed_of}) == 1
            # (the figures at another time point are said whatever the question's form)
            said = one_study and (cues.polar or bool(claims.at_other_time))
            confirmed, claims = (claims if said else None), None
        # Figures claimed for an outcome the study names only where it says its figures could
        # not be confirmed: that sentence is the answer ("treatment failure 16% vs 20%?")
        claim_caveat = (
            self._caveat_on_claimed(route.question, claimed_of)
            if route is not None and isinstance(claims, FiguresNotStated) and not claims.stated_in
            else None
        )
        # Rates the question gives a study that it never states: its own result on its
        # primary outcome is the correction (for an amount, its sentence stating one is).
        correcting = claims is not None and claims.rates
        for doc in sorted(claimed_of) if correcting else ():
            for passage in self.primary_results(doc):
                passages.setdefault(passage.id, passage)
                fused.setdefault(passage.id, 0.0)
                main_results.add(passage.id)
        if cues.asks_main_result:  # the leading studies' results on their primary outcomes
            for doc in self._leading_documents(fused, passages, boosts):
                results = self.primary_results(doc)
                if route is not None and not _compare(route, results):
                    continue
                for passage in results:
                    passages.setdefault(passage.id, passage)
                    fused.setdefault(passage.id, 0.0)
                    main_results.add(passage.id)
        stated = self.stated_passages(route, query, set(boosts)) if route is not None else set()
        for passage in self.index.passages_by_id(stated).values():
            passages.setdefault(passage.id, passage)
            fused.setdefault(passage.id, 0.0)
        # the trials the question names; a follow-up turning to another phase of the trial the
        # earlier turn named ("and in the extension?") asks about that sibling, not the trial
        own = (
            route.question if route is not None and _SIBLING_PHASE.search(route.question) else query
        )
        asked_trials = _trial_names(own, self.not_study_names) or self._study_names().trials_in(
            own, self.not_study_names
        )
        # the times the question itself asks about (not an earlier turn's, for a follow-up)
        asked_times = durations_in(route.question if route is not None else query)
        asked_measure = route.measure if route is not None else None
        # a follow-up's own rare words, which the earlier question lacks, are what it adds
        # ("... in the continuation study?" after a question on the main result)
        added = self._added_terms(route) if route is not None else set()
        # a treatment asked for a described patient is asked for the concern stated ("hopes
        # to get pregnant"): the sentences naming it in the evidence's words ("ovarian")
        concern = (
            self._concern(route.question) if route is not None and route.asks_advice else set()
        )
        # the documents about the studies the question names (a record and its interview)
        about_named = self._study_names().about(named)
        relevance: dict[str, float] = {}
        for pid, passage in passages.items():
            traits = self.traits(passage)
            fused[pid] += boosts.get(passage.document_id, 0.0)
            if entities and entities & traits.tokens:
                fused[pid] += STUDY_BOOST  # the sentence names the drug or disease asked about
            relevance[pid] = fused[pid]
            fused[pid] += intent_adjustment(
                cues, asked_trials, traits, self.not_study_names,
                caveat_on_asked=bool(unconfirmed_asked & traits.unconfirmed) or on_unstated(traits),
            )  # fmt: skip
            if (
                named
                and passage.document_id not in named
                and self._about_other_than(passage, about_named)
            ):
                fused[pid] -= OTHER_STUDY_PENALTY  # "The Lee 2015 authors ...": not the one asked
            if route is not None and route.facet in traits.facets and not traits.restates_question:
                fused[pid] += FACET_BOOST  # "shortcomings?": a sentence naming its limitations
            if asked_measure in traits.measures and traits.figures:
                fused[pid] += MEASURE_BOOST  # "and partial?": the partial response's figure
            if concern & traits.tokens:
                fused[pid] += FACET_BOOST  # "wants children": the sentence on ovarian failure
            if added & traits.tokens:
                fused[pid] += FOLLOW_UP_BOOST  # "the continuation study": its sentence
            if asked_times and _same_time(asked_times, traits.durations):
                fused[pid] += TIME_BOOST  # "~5 yr" is the "mean follow-up of 60.8 months"
            if asks_result and traits.states_result:
                fused[pid] += RESULT_BOOST
                if pid in main_results:
                    fused[pid] += RESULT_BOOST  # what the study set out to show
            if correcting and pid in main_results:
                fused[pid] += 2 * RESULT_BOOST  # the study's result, against the rate given
            fused[pid] += traits.section_adjustment(asks_result)
            if pid in stated:
                fused[pid] += STATED_BOOST
        similarity = dict(dense)
        ranked = _lead_from_relevant(
            sorted(fused, key=lambda pid: (-fused[pid], pid)),
            relevance,
            passages,
            main_results,
            self._study_names().same_study,
        )[:k]
        ranked = self._with_list_items(ranked, passages)[:k]
        part_answers: tuple[str, ...] = ()
        premise_answers: tuple[str, ...] = ()
        if route is not None and route.parts and ranked:
            assert part_vectors is not None
            answers = self.part_answers(ranked, passages, parts, part_vectors.result())
            part_answers = tuple(pid for pid in answers if pid is not None)
            checks = answers[len(answers) - len(route.premises) :] if route.premises else ()
            premise_answers = tuple(pid for pid in checks if pid is not None)
            # the first ask's figure ("How long was X, how many ...?"), when no sentence shown
            # gives one of its kind: the best-ranked of the lead document's that does
            first = self._first_ask_figure(route, ranked, passages, part_answers)
            part_answers = (first, *part_answers) if first else part_answers
            # each after the two best sentences, unless already among them
            new = [pid for pid in part_answers if pid not in ranked[:2]]
            ranked = [*ranked[:2], *new, *(pid for pid in ranked[2:] if pid not in new)][:k]
        hits = [
            passages[pid].with_score(round(similarity.get(pid, 0.0), 4))
            for pid in ranked
            if pid in passages
        ]
        best = max((s for _, s in dense), default=0.0)
        terms = foreign_terms(
            without_purpose(query),
            self.index.vocabulary(),
            self.medical_score,
            # (an arm's alias is a name the evidence base covers, written in it or not:
            # a brand name, a clinician's short form)
            frozenset(self.synonyms) | (route.vocabulary.one_word_names if route else frozenset()),
            # A study or an intervention the evidence base names (its profile's arms).
            anchored=bool(named) or bool(route is not None and route.arms),
            names_medical=self.names_medical,
        )
        terms += self.unknown_abbreviations(query, terms)
        terms += self.unknown_recommended(query, terms)
        costs = self.unknown_economics(query, terms)
        terms += costs
        anchors = self.anchors(query, terms, hits[0].document_id) if terms and hits else ()
        # An open question for a figure ("what dose of X?"; "is half the dose enough?" asks
        # whether, not for a figure)
        kinds = () if cues.polar else tuple(k for k in cues.figure_kinds if k in UNAMBIGUOUS_KINDS)
        figureless = self.figureless_terms(without_purpose(query), kinds) if kinds else ()
        absent = None
        if route is not None and route.arms and subjects:
            absent = self.arm_not_compared(route, subjects, named=bool(named))
        verdict = None
        # (a study's verdict is on all its patients, not on the subgroup a question names)
        if (route is not None and subjects and VERDICT_ASKED.search(route.question)
                and not route.subgroups):  # fmt: skip
            verdict = self.verdict(hits, subjects)
        elif route is not None and subjects and SIGNIFICANCE.search(route.question):
            verdict = self.significance(hits, subjects)
        # One thing asked, which the study asked about states only as not confirmed: the
        # sentence saying so leads, and is what the answer says.
        lead = self.traits(hits[0]) if hits else None
        not_stated = claim_caveat or (
            hits[0]
            if lead
            and lead.caveat
            and route is not None
            and not route.parts
            and (route.intent in TEXT_INTENTS or INTERVAL.search(route.question))
            and (self._unstated_terms(rare_asked, subjects) & lead.unconfirmed or on_unstated(lead))
            else None
        )
        if not_stated is None and route is not None and not route.parts:
            not_stated = self._caveat_on_asked(
                hits[:CAVEAT_RANK], route.question, rare_asked, subjects
            )
        return Retrieval(
            hits,
            best,
            terms,
            named,
            anchors,
            figureless,
            kinds,
            unknown,
            closest.result() if closest is not None else None,
            part_answers,
            absent,
            claims,
            verdict,
            figures_stated=confirmed,
            not_stated=not_stated,
            premise_answers=premise_answers,
            costs_unstated=costs,
        )

    def _caveat_on_unstated(
        self, asked_words: str, subjects: set[str]
    ) -> Callable[[PassageTraits], bool]:
        """Whether a caveat answers the question: the studies asked about (`subjects`) name
        some of its words only where they say something could not be confirmed, however
        common those words are elsewhere ("treatment failure" in a study reporting none), and
        the caveat's unconfirmed clause names most of what is asked."""
        asked = {t for t in bm25_tokens(asked_words) if not t[0].isdigit()}
        unstated: list[set[str]] = []  # read from the studies' sentences once, if a caveat asks

        def answers(traits: PassageTraits) -> bool:
            covered = len(asked & traits.unconfirmed)
            if not covered or covered < CAVEAT_SHARE * len(asked):
                return False  # (most sentences are no caveat: nothing to read for them)
            if not unstated:
                unstated.append(self._unstated_terms(asked, subjects))
            return bool(unstated[0] & traits.unconfirmed)

        return answers

    def _caveat_on_claimed(self, question: str, documents: set[str]) -> Passage | None:
        """The `documents`' sentence saying the outcome a question gives figures for could not
        be confirmed, when they name that outcome nowhere else: the words beside a claimed
        figure ("treatment failure 16%", "a 71% renal remission rate") are its outcome."""
        words = re.findall(r"\S+", question)
        beside: set[str] = set()
        for i, word in enumerate(words):
            if extract.PERCENT.search(word):
                window = words[max(0, i - CLAIM_WINDOW) : i] + words[i + 1 : i + 1 + CLAIM_WINDOW]
                beside |= {t for w in window for t in bm25_tokens(w) if not t[0].isdigit()}
        outcome = self._unstated_terms(beside, documents)
        passages = (p for d in sorted(documents) for p in self.document_passages(d))
        return next((p for p in passages if outcome & self.traits(p).unconfirmed), None)

    def _caveat_on_asked(
        self, hits: list[Passage], question: str, rare_asked: set[str], subjects: set[str]
    ) -> Passage | None:
        """A caveat among the best sentences saying that the thing a "what X ...?" question
        asks for could not be confirmed, when the studies asked about name X nowhere else
        ("what margin did it use?": "the margin could not be confirmed"), though sentences on
        the question's other words rank above it."""
        head = _WH_HEAD.search(question)
        asked = set(bm25_tokens(head.group(1).split()[-1])) & rare_asked if head else set()
        caveats = [h for h in hits if self.traits(h).caveat] if asked else []
        unstated = self._unstated_terms(asked, subjects) if caveats else set()
        return next((h for h in caveats if unstated & self.traits(h).unconfirmed), None)

    def _unstated_terms(self, rare_asked: set[str], subjects: set[str]) -> set[str]:
        """Of the few-sentence words a question asks about, those the documents about the
        studies asked about (`subjects`) name only where they say something could not be
        confirmed (or in an interviewer's turn, which reports nothing of the study: "a common
        cause of death" in a question put to the author is no report of deaths)."""
        if not subjects:
            return set()
        documents = self._study_names().about(frozenset(subjects))
        passages = [p for doc in sorted(documents) for p in self.document_passages(doc)]
        asked = set(rare_asked)
        unconfirmed: set[str] = set()
        for passage, traits in zip(passages, map(self.traits, passages), strict=True):
            if traits.caveat:
                unconfirmed |= asked & traits.unconfirmed
            elif not interviewer_turn(passage):
                asked -= traits.tokens
        return asked & unconfirmed

    def _first_ask_figure(
        self,
        route: Route,
        ranked: list[str],
        passages: dict[str, Passage],
        part_answers: tuple[str, ...],
    ) -> str | None:
        """For a question asking several things, a sentence of the lead study giving the
        kind of figure its first ask wants ("How long was X": a duration), when neither of the
        two best sentences nor a later part's gives one (the whole question chose them, and
        the later asks can outweigh the first)."""
        at = route.question.find(route.parts[0])
        if at <= 0:
            return None
        asked = route.question[:at]
        kinds = {kind for kind, said in FIGURE_KINDS if said.search(asked)} & UNAMBIGUOUS_KINDS
        # "how many were randomised": a count, of the patients the verb names
        size = SAMPLE_SIZE.search(asked)
        kinds |= {"count"} if size else set()
        if not kinds:
            return None

        verb = size.group(1)[:-2].lower().replace("z", "s") if size else ""  # "randomis"

        def gives(pid: str) -> bool:
            said = passages[pid].text.lower().replace("z", "s")
            return bool(kinds & self.traits(passages[pid]).looks) and verb in said

        shown = [*ranked[:2], *part_answers]
        if any(gives(pid) for pid in shown if pid in passages):
            return None
        # (the lead study's documents: a trial's record and an interview about it are one)
        lead = self._study_names().same_study(passages[ranked[0]].document_id)
        return next((pid for pid in ranked[2:]
                     if passages[pid].document_id in lead and gives(pid)), None)  # fmt: skip

    def _concern(self, question: str) -> set[str]:
        """The evidence's words for what the question's phrases the search expands name
        ("get pregnant" -> "fertility ovarian gonadal"), that the phrases themselves lack."""
        phrases = phrases_in(question, self.synonyms)
        said = {t for phrase in phrases for t in bm25_tokens(phrase)}
        return {t for phrase in phrases for t in bm25_tokens(self.synonyms[phrase])} - said

    def _added_terms(self, route: Route) -> set[str]:
        """The rare words a follow-up uses that the question it follows does not (none for a
        question that follows none)."""
        if route.follow_up_of is None:
            return set()
        earlier = set(bm25_tokens(route.follow_up_of))
        own = self._study_names().without_names(route.question)
        return self._specific_terms(own) - earlier

    def _unconfirmed_asked(self, rare_asked: set[str], candidates: Iterable[Passage]) -> set[str]:
        """Of the few-sentence words a question asks about ("margin"), those the `candidates`
        name only where they say something could not be confirmed: that sentence is the
        answer."""
        asked = set(rare_asked)
        for traits in map(self.traits, candidates):
            if not traits.caveat:
                asked -= traits.tokens
        return asked

    def stated_passages(self, route: Route, query: str, subjects: set[str]) -> set[str]:
        """The passages stating the profile's knowledge of the facet asked about (the entry
        criteria of the study asked about, its response definitions, the dosing protocol of
        the drug named). An entry tied to documents applies when the question is about one of
        them (`subjects`: the studies named, else the primary ones); an entry tied only to
        drugs or arms, when the question names one."""
        entries = self.stated.get(route.facet or "", ())
        if not entries:
            return set()
        documents = self.index.documents()  # looked up, not copied: it may hold 100k ids
        named = {arm.lower() for arm in route.arms} | set(_WORDS.findall(query.lower()))
        found: set[str] = set()
        for entry in entries:
            tied = {name for name in entry.applies_to if name in documents}
            if (tied & subjects) if tied else (entry.applies_to & named):
                found.update(entry.passages)
        return found

    def part_answers(
        self,
        ranked: list[str],
        passages: dict[str, Passage],
        parts: tuple[str, ...],
        vectors: np.ndarray,
    ) -> tuple[str | None, ...]:
        """The best sentence for each later part of a question asking several: the same
        hybrid search on the part's own words, among the sentences of the documents the whole
        question leads to; none for a part whose content words the lead sentence all uses."""
        documents = {passages[pid].document_id for pid in ranked[:LEADING_DOCUMENTS]}
        lead = set(bm25_tokens(passages[ranked[0]].text))
        lead_figures = self.traits(passages[ranked[0]]).figures
        chosen: list[str | None] = []
        for part, vector in zip(parts, vectors, strict=True):
            own = set(bm25_tokens(_BY_ARM.sub(" ", part)))
            if own <= lead and not (_ASKS_AMOUNT.search(part) and not lead_figures):
                chosen.append(None)
                continue  # the lead already answers it ("how many were analysed")
            sparse = self.index.bm25_search(expand_query(part, self.synonyms), self.candidates)
            dense = self.index.dense_search(vector, self.candidates)
            found = self.index.passages_by_id(pid for pid, _ in [*sparse, *dense])
            # scored among the leading documents' sentences only (an interviewer's question
            # is context, never an answer)
            fits_part = {pid for pid, p in found.items() if p.document_id in documents
                         and not interviewer_turn(p)}  # fmt: skip
            fused = fuse([(pid, score) for pid, score in dense if pid in fits_part],
                         [(pid, score) for pid, score in sparse if pid in fits_part],
                         SPARSE_WEIGHT)  # fmt: skip
            order = sorted(fused, key=lambda pid: (-fused[pid], pid))
            if _ASKS_AMOUNT.search(part):  # "how many centres": a sentence giving a figure
                order = sorted(order, key=lambda pid: not self.traits(found[pid]).figures)
            fits = (pid for pid in order if pid not in chosen and pid != ranked[0])
            best = next(fits, None)
            if best is not None:
                passages.setdefault(best, found[best])
            chosen.append(best)
        return tuple(chosen)

    def unknown_abbreviations(self, query: str, found: tuple[str, ...]) -> tuple[str, ...]:
        """Abbreviations the question writes in capitals ("RPGN", "HBsAg") that neither the
        corpus, the search's synonyms, clinical research in general nor the profile knows, nor
        the question spells out: the name of something the evidence base does not cover."""
        vocabulary, synonyms = self.index.vocabulary(), frozenset(self.synonyms)
        defined = abbreviation_pairs(query) if _CAPITALS.search(query) else {}  # "... (MRM)"
        return tuple(dict.fromkeys(
            written.lower() for written in map(_singular, _CAPITALS.findall(query))
            if written.upper() not in self.not_study_names and written.lower() not in found
            and written.lower() not in PATIENT_VALUE_WORDS
            and not _known(written.lower(), vocabulary, synonyms)
            and not self._study_names().named_in(written)
            and not _spelled_out_in(written, query) and not _shortened(written, vocabulary)
            and written not in defined and not said_from(written, query)
        ))  # fmt: skip

    def unknown_recommended(self, query: str, found: tuple[str, ...]) -> tuple[str, ...]:
        """What the question asks to have recommended ("recommend a good hotpot restaurant"),
        when the corpus never names it: nothing in the evidence base can recommend it."""
        vocabulary, synonyms = self.index.vocabulary(), frozenset(self.synonyms)
        return tuple(dict.fromkeys(
            word.lower() for match in _RECOMMENDED.finditer(query) for word in match.groups()
            if word and word.lower() not in found
            and not _known(word.lower(), vocabulary, synonyms)
        ))  # fmt: skip

    def unknown_economics(self, query: str, found: tuple[str, ...]) -> tuple[str, ...]:
        """The words asking what something costs ("how much does a month of X cost?", "list
        price", "budget impact"), when the corpus uses no word of costs at all: however well it
        covers X, it cannot say what X costs."""
        # (in what it asks: "Budget line for X: how many mg per patient?" asks for a dose)
        questions = re.findall(r"[^.:;!?]*\?", query) or [query]
        asked = [w.lower() for q in questions for w in _ECONOMIC.findall(q)]
        vocabulary = self.index.vocabulary()
        if not asked or any(set(bm25_tokens(w)) <= vocabulary for w in ECONOMIC_WORDS):
            return ()
        return tuple(dict.fromkeys(w for w in asked if w not in found))

    def beside_names(
        self, query: str, interventions: frozenset[str] = frozenset()
    ) -> tuple[tuple[str, ...], str | None]:
        """What the question asks besides the study it names: the words the corpus never
        uses, and (only when there are some) the question with the names taken out, whose
        closeness to the evidence (`closest`) then decides whether it is in scope. A study
        name that is also an intervention the question names (`interventions`, lower-cased
        words) stays: the question is about that treatment."""
        rest = self._study_names().without_names(query, interventions)
        unknown = unknown_words(rest, self.index.vocabulary(), frozenset(self.synonyms))
        if not unknown:
            return (), None
        if self.specialist_terms(rest) or self._specific_terms(rest):
            # Besides the name it names a drug, disease or test the corpus uses, or a word
            # only a handful of its sentences use: it is about the evidence's subject
            # whatever else it says (no closeness check needed).
            return unknown, None
        return unknown, rest

    def closest(self, text: str) -> float:
        """The best dense similarity of `text` with any passage."""
        hits = self.index.dense_search(self._embed(text), 1)
        return max((score for _, score in hits), default=0.0)

    def figureless_terms(self, query: str, kinds: tuple[FigureKind, ...]) -> tuple[str, ...]:
        """For a question asking for a figure of one of `kinds`: its specialist words (rare in
        English, used by the corpus but not by its primary documents) when every one of them
        appears only in sentences giving no such figure ("rituximab" in an evidence base that
        names it only as an option has no dose or rate for it)."""
        primary = self._primary_tokens()
        found = []
        for word in self._rare_words(query):
            stems = {t for t in bm25_tokens(word) if t in self.index.vocabulary()} - primary
            if not stems:
                continue
            hits = self.index.bm25_search(word, FIGURE_CHECK_HITS)
            naming = self.index.passages_by_id(pid for pid, _score in hits).values()
            looks = (t.looks for t in map(self.traits, naming) if stems & t.tokens)
            if any(look.intersection(kinds) for look in looks):
                return ()  # one of them gives such a figure: the question may be answered
            found.append(word)
        return tuple(found)

    def anchors(self, query: str, foreign: tuple[str, ...], document_id: str) -> tuple[str, ...]:
        """The query's specialist words (rare in English) that are specific in this corpus (in
        at most `SPECIFIC_SHARE` of its sentences) and that `document_id` uses."""
        rare = [w for w in self._rare_words(query) if w not in foreign]
        if not rare:
            return ()
        limit = max(SPECIFIC_MIN, SPECIFIC_SHARE * self.index.passage_total())
        used = self._document_tokens(document_id)
        return tuple(
            word
            for word in rare
            if (tokens := set(bm25_tokens(word)))
            and tokens <= used
            and all(self.index.passage_frequency(t) <= limit for t in tokens)
        )

    def arm_not_compared(
        self, route: Route, documents: set[str], named: bool = False
    ) -> tuple[str, Passage] | None:
        """An arm the question names that the study it asks about did not compare: the study's
        design sentence (the first saying how patients were randomised or assigned, naming
        two or more arms) names other arms only, and the question calls it an arm ("the
        placebo arm"; "better than placebo" when the question `named` the study) or the
        study's documents never name it (a drug given in both arms, or discussed in passing,
        is not asked about as an arm)."""
        for document in sorted(documents):
            design = extract.design_sentence(self.document_passages(document), route.vocabulary)
            if design is not None:
                compared = route.vocabulary.in_text(design.text)
                absent = [
                    arm for arm in route.arms if arm not in compared
                    and (_called_arm(route, arm, against=named)
                         or not self._named_in(arm, route, documents))
                ]  # fmt: skip
                return (absent[0], design) if absent else None
        return None

    @staticmethod
    def significance(hits: list[Passage], documents: set[str]) -> Passage | None:
        """Among the best few `hits`, the `documents`' first sentence saying whether a result
        was significant (what a question asserting or asking "significantly" is checked
        against); the few best only, as a study states significance of many results."""
        return next(
            (p for p in hits[:SIGNIFICANCE_RANKS] if p.document_id in documents
             and SIGNIFICANCE.search(p.text) and not interviewer_turn(p)),
            None,
        )  # fmt: skip

    def verdict(self, hits: list[Passage], documents: set[str]) -> Passage | None:
        """The `documents`' sentence stating a verdict (superior, non-inferior, concluded):
        the best-ranked among `hits` first, then in document order; never an interviewer's
        remark. A study's own report states its verdict before a news interview about it."""
        ranked = [p for p in hits if p.document_id in documents]
        ranked += [p for d in sorted(documents) for p in self.document_passages(d)]
        stated = [p for p in ranked if VERDICT.search(p.text) and not interviewer_turn(p)]
        reported = (
            p
            for p in stated
            if short_design(str(p.metadata.get("design") or "")) != "news interview"
        )
        return next(reported, stated[0] if stated else None)

    def _about_other_than(self, passage: Passage, about_named: frozenset[str]) -> bool:
        """The sentence is about none of `about_named`: it names a study of its own and none of
        them, or it names none and its document is about another study ("Seven patients
        withdrew" in another trial's report). The studies a sentence names are read once per
        index state."""
        names = self._study_names()
        own = self._studies_named.get(
            names, passage.id, lambda: frozenset(names.named_in(passage.text))
        )
        if own:
            return not own & about_named
        return passage.document_id not in about_named

    def figures_not_stated(
        self,
        question: str,
        documents: set[str],
        amounts: bool = True,
        arms: ArmVocabulary | None = None,
    ) -> FiguresNotStated | FiguresStated | None:
        """The percentages and (`amounts`) drug amounts ("750 mg") `question` states that no
        sentence of the named `documents` states (by value: 83% is 83.0%), and the best-ranked
        sentence of another document stating every one of them, if any; when the documents
        state them all, their first sentence stating every one (`FiguresStated`)."""
        rates = {float(m.group(1)): m.group(0) for m in extract.PERCENT.finditer(question)}
        amounted = _AMOUNT.finditer(question) if amounts else ()
        claimed = rates | {float(v): m.group(0) for m in amounted for v in m.groups()[:2] if v}
        if claimed:  # an effect estimate and its interval given beside them ("OR 2.65; 1.6-4.3")
            claimed |= {abs(v): f"{v:g}" for v in _effect_figures(question)}
        names = self._study_names()
        asked = names.names_used(question)
        # (a sentence naming the study otherwise is another study's: a record of STUDY-3
        # reporting its phase 2 predecessor STUDY-2 by name)
        own = [p for d in sorted(documents) for p in self.document_passages(d)
               if not names.named_otherwise(p, asked)]  # fmt: skip
        if not claimed or not own:
            return None
        stated = {value_key(abs(t.value)) for p in own for t in quoted_numbers(p.text)}
        missing = {v: w for v, w in claimed.items() if value_key(abs(v)) not in stated}
        if not missing:
            checked = question if amounts else _without_amounts(question)
            return self._stating_all(checked, own, arms)
        study = own[0].study
        limits = {value_key(abs(v)) for v in _effect_figures(question, limits_only=True)}
        if {value_key(v) for v in missing} <= limits:
            interval = "confidence interval"
            return FiguresNotStated(tuple(missing.values()), study, None, False, interval)
        # Another study's sentence is named only for figures too particular to share by
        # chance: two or more of them together, or one with a decimal ("46.4%", not "88%").
        # Rates are sought together, as the question pairs them ("40% vs 18%": its own
        # sentences may state an 18% of something else).
        missing_rates = bool(set(missing) & set(rates))
        sought = rates if set(missing) <= set(rates) and len(rates) > 1 else missing
        if len(sought) < 2 and not any("." in w for w in sought.values()):
            return FiguresNotStated(tuple(missing.values()), study, None, missing_rates)
        query = " ".join(f"{v:g} {v:.1f}" for v in sought)
        hits = [pid for pid, _ in self.index.bm25_search(query, ELSEWHERE_CANDIDATES)]
        found = self.index.passages_by_id(hits)
        wanted = set(map(value_key, sought))
        elsewhere = next(
            (found[pid] for pid in hits if pid in found
             and found[pid] not in own
             and wanted <= _percentages(found[pid].text)),
            None,
        )  # fmt: skip
        source = elsewhere.study if elsewhere else ""
        if elsewhere is not None and elsewhere.document_id in documents:
            # a name its record's label lacks ("STUDY-2" in "STUDY-3 (Lee 2025)") as written
            written = names.written(elsewhere.text, names.sentence_names(elsewhere.text) - asked)
            source = source if written.lower() in source.lower() else written
        figures = tuple(missing.values())
        return FiguresNotStated(figures, study, elsewhere, missing_rates, source=source)

    @staticmethod
    def _stating_all(
        question: str, own: list[Passage], arms: ArmVocabulary | None
    ) -> FiguresStated | None:
        """The first of `own` sentences stating every figure of `question` with its unit
        ("36 g", not "36 months") and for the same arms ("drug B 83%" is not "83% with drug
        A"), at the question's time point, if one does; else the first stating them at
        another time point it names ("43% vs 32% at week 52?": the sentence's "week 104")."""
        wanted = _figures_with_units(question)
        # its effect figures and time points too ("OR 2.65", "at month 6"), by value
        effects = {value_key(abs(v)) for v in _effect_figures(question)}
        times = {value_key(float(m.group(1) or m.group(2))) for m in _TIME_GIVEN.finditer(question)}
        elsewhen = None
        for passage in own:
            numbers = {value_key(abs(t.value)) for t in quoted_numbers(passage.text)}
            if not (wanted and wanted <= _figures_with_units(passage.text) and effects <= numbers
                    and _same_arms(question, passage.text, arms)):  # fmt: skip
                continue
            if times <= numbers:
                return FiguresStated(passage.study, passage, len(wanted))
            stated_at = _TIME_GIVEN.search(passage.text)
            if elsewhen is None and stated_at is not None:
                elsewhen = FiguresStated(passage.study, passage, len(wanted), stated_at.group(0))
        return elsewhen or _stating_in_two(question, own, arms, wanted, effects | times)

    def _named_in(self, arm: str, route: Route, documents: set[str]) -> bool:
        pattern = route.vocabulary.pattern(arm)
        return pattern is not None and any(
            pattern.search(p.text) for d in documents for p in self.document_passages(d)
        )

    def _specific_terms(self, text: str) -> set[str]:
        """The text's content tokens the corpus uses in only a few sentences (see `anchors`)."""
        limit = max(SPECIFIC_MIN, SPECIFIC_SHARE * self.index.passage_total())
        return {
            t for t in bm25_tokens(text)
            if 0 < self.index.passage_frequency(t) <= limit and not t[0].isdigit()
        }  # fmt: skip

    def _document_tokens(self, document_id: str) -> frozenset[str]:
        """Every token the document's passages use (cached per index state)."""

        def tokens() -> frozenset[str]:
            passages = self.document_passages(document_id)
            return frozenset().union(*(self.traits(p).tokens for p in passages))

        return self._document_vocabulary.get(self._study_names(), document_id, tokens)

    def _with_list_items(self, ranked: list[str], passages: dict[str, Passage]) -> list[str]:
        """A sentence among the two best that announces a list ("reflected in the following
        aspects: ...") is followed by its items: the sentences after it in the same speaker's
        turn (at most `LIST_ITEMS`)."""
        for pid in ranked[:2]:
            passage = passages[pid]
            if not _ANNOUNCES_LIST.search(passage.text):
                continue
            after = self.document_passages(passage.document_id)[passage.position + 1 :]
            items = list(itertools.takewhile(lambda p: speaker_role(p.metadata) is None, after))
            items = items[:LIST_ITEMS]
            passages.update((item.id, item) for item in items)
            at = ranked.index(pid) + 1
            added = [item.id for item in items]
            return [*ranked[:at], *added, *(p for p in ranked[at:] if p not in added)]
        return ranked

    def document_passages(self, document_id: str) -> list[Passage]:
        """A document's passages, in order."""
        ids = [f"{document_id}#s{i}" for i in range(self.index.passage_count(document_id))]
        return list(self.index.passages_by_id(ids).values())

    def traits(self, passage: Passage) -> PassageTraits:
        """What the ranking reads from the passage alone, cached per index state: the same
        sentences come back question after question."""
        return self._traits.get(self._study_names(), passage.id, lambda: PassageTraits.of(passage))

    def _leading_documents(
        self, fused: dict[str, float], passages: dict[str, Passage], boosts: dict[str, float]
    ) -> tuple[str, ...]:
        """The documents of the best few passages (after study boosts), before other nudges."""
        boosted = {pid: score + boosts.get(passages[pid].document_id, 0.0)
                   for pid, score in fused.items() if pid in passages}  # fmt: skip
        ranked = sorted(boosted, key=boosted.__getitem__, reverse=True)
        return tuple(dict.fromkeys(passages[pid].document_id for pid in ranked))[:LEADING_DOCUMENTS]

    def primary_results(self, document_id: str) -> tuple[Passage, ...]:
        """The document's sentences stating a result on the outcome it calls primary ("The
        primary outcome of X was complete response at week 24, ..."): those naming most of
        that outcome's words, numbers aside ("24 weeks" alone is not "response at week 24"),
        and not about a subgroup. Cached per index state; empty when it names none."""

        def results() -> tuple[Passage, ...]:
            sentences = self.document_passages(document_id)
            found = (m for p in sentences if (m := _PRIMARY_OUTCOME.search(p.text)))
            phrase = next((m.group(1) for m in found), "")
            outcome = {t for t in bm25_tokens(phrase) if not t[0].isdigit()}
            needed = max(2, math.ceil(OUTCOME_SHARE * len(outcome)))
            if len(outcome) < 2:
                return ()
            return tuple(
                p for p in sentences
                if (traits := self.traits(p)).states_result and not _SUBGROUP.search(p.text)
                and len(outcome & self._with_synonyms(traits.tokens)) >= needed
            )  # fmt: skip

        return self._outcomes.get(self._study_names(), document_id, results)

    def _with_synonyms(self, tokens: frozenset[str]) -> frozenset[str]:
        """`tokens` and the tokens of their synonyms: a sentence writing "GAS" names the
        words of "Gout Activity Score (GAS)", one writing "fell" a change."""
        expanded = _synonym_tokens(tuple(self.synonyms.items()))
        extra = [expanded[t] for t in tokens if t in expanded]
        return tokens.union(*extra) if extra else tokens

    def _primary_tokens(self) -> set[str]:
        """Every token the primary documents use (cached per index state)."""
        names = self._study_names()
        if self._primary_for is not names:
            counts = self.index.documents()
            ids = [f"{doc}#s{i}" for doc in names.primary
                   for i in range(int(counts.get(doc, {}).get("passages", 0)))]  # fmt: skip
            self._primary_vocabulary = {
                token
                for passage in self.index.passages_by_id(ids).values()
                for token in bm25_tokens(passage.text)
            }
            self._primary_for = names
        return self._primary_vocabulary

    def specialist_terms(self, query: str) -> set[str]:
        """Stemmed tokens of the query's rare words (drug, disease, test names) that the corpus
        uses: a sentence naming them is about what was asked."""
        vocabulary = self.index.vocabulary()
        return {t for w in self._rare_words(query) for t in bm25_tokens(w) if t in vocabulary}

    @staticmethod
    def _rare_words(query: str) -> list[str]:
        """The query's words rare in English (drug, disease, test names), in order."""
        from wordfreq import zipf_frequency

        words = dict.fromkeys(re.findall(r"\b[a-z][a-z-]*[a-z]\b", query.lower()))
        return [w for w in words if len(w) >= 4 and zipf_frequency(w, "en") < SPECIALIST_ZIPF]

    def medical_score(self, word: str) -> float:
        """How medical a word reads (max cosine to a few medical reference words), cached."""
        return self._closeness(word)[0]

    def names_medical(self, word: str) -> bool:
        """The word reads as medical and is clearly closer to the medical references than to
        every everyday one (what a word the corpus lacks must be to take a question out)."""
        medical, everyday = self._closeness(word)
        return medical >= MEDICAL_WORD and medical - everyday >= MEDICAL_MARGIN

    def _closeness(self, word: str) -> tuple[float, float]:
        """(max cosine to the medical references, max cosine to the everyday ones), cached."""
        if word not in self._medical:
            if self._medical_refs is None:
                self._medical_refs = self.index.embedder.embed(MEDICAL_REFERENCES)
                self._everyday_refs = self.index.embedder.embed(EVERYDAY_REFERENCES)
            vector = self.index.embedder.embed([word])[0]
            medical = float((self._medical_refs @ vector).max())
            everyday = float((self._everyday_refs @ vector).max())
            self._medical[word] = (medical, everyday)
        return self._medical[word]

    def keyword_search(self, query: str, k: int) -> list[Passage]:
        """BM25 alone (well under a millisecond): enough to find a rule or a figure by its
        words, for the tools stage's second look at the evidence."""
        hits = self.index.bm25_search(expand_query(query, self.synonyms), k)
        passages = self.index.passages_by_id(pid for pid, _score in hits)
        return [passages[pid] for pid, _score in hits if pid in passages]

    def study_boosts(self, query: str, default_to_primary: bool = True) -> dict[str, float]:
        """Favour the studies a question names; if it names none, the evidence base's primary
        documents (a question like "how long was follow-up?" is about the trial at its centre)."""
        names = self._study_names()
        default = names.primary if default_to_primary else set()
        return dict.fromkeys(names.named_in(query) or default, STUDY_BOOST)

    def speller(self) -> Speller:
        """The evidence base's words, to read a question's misspelt ones as (per index state)."""
        passages = self.index.passages()  # one object per index state: the cache key
        if self._speller_for is not passages:
            self._speller = Speller.of_texts(p.text for p in passages.values())
            self._speller_for = passages
        return self._speller

    def read_author_year(self, text: str) -> tuple[str, tuple[Correction, ...]]:
        """See `StudyNames.read_author_year`."""
        return self._study_names().read_author_year(text)

    def same_studies(self, documents: frozenset[str]) -> frozenset[str]:
        """Every document about the same studies as `documents` (a record and its interview)."""
        return self._study_names().about(documents)

    def names_study(self, word: str) -> bool:
        """`word` alone is (part of) a study's name."""
        return bool(self._study_names().named_in(word))

    def _study_names(self) -> StudyNames:
        passages = self.index.passages()  # one object per index state: the cache key
        if self._names_for is not passages:
            self._names = StudyNames(self.index.documents())
            self._names_for = passages
        return self._names


T = TypeVar("T")


class PerIndexState(Generic[T]):
    """Values computed from the index alone, by passage or document id. Emptied when the
    index state changes (`state` is another object after a sync or a refresh) and when it
    holds `limit` values (a large index), so it never serves a stale or unbounded value."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._values: dict[str, T] = {}
        self._for: object = None

    def get(self, state: object, key: str, compute: Callable[[], T]) -> T:
        values = self._values
        if self._for is not state or len(values) >= self.limit:
            values = self._values = {}
            self._for = state
        if key not in values:
            values[key] = compute()
        return values[key]


_WORDS = re.compile(r"\w+")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
# A study cited by its author and year run together ("lee16", "Lee'16", "smith2002")
_NAME_AND_YEAR = re.compile(r"\b([A-Za-z][A-Za-z-]{2,})[\u2019']?(\d\d(?:\d\d)?)\b")


class StudyNames:
    """Which documents a question names, found by phrase lookup (cost independent of corpus
    size: a 100k-abstract index must not run one regex per document per question)."""

    def __init__(self, documents: dict[str, dict[str, Any]]) -> None:
        self.by_phrase: dict[tuple[str, ...], set[str]] = {}
        self.primary: set[str] = set()
        self.years: dict[str, set[str]] = {}  # a one-word name -> the years of its studies
        for doc_id, meta in documents.items():
            named = " ".join(str(meta.get(k, "")) for k in ("short_name", "year"))
            years = set(_YEAR.findall(named))
            for key in _name_keys(str(meta.get("short_name", "")), str(meta.get("aliases", ""))):
                self.by_phrase.setdefault(key, set()).add(doc_id)
                if len(key) == 1:
                    self.years.setdefault(key[0], set()).update(years)
            if meta.get("primary"):
                self.primary.add(doc_id)
        self.longest = max(map(len, self.by_phrase), default=0)
        # the same sentences are read question after question (one cache per index state)
        self.sentence_names = functools.lru_cache(maxsize=20_000)(self.names_used)

    def trials_in(self, text: str, not_study_names: frozenset[str]) -> list[tuple[str, str]]:
        """The numbered trial names (as `_trial_names` gives them) that `text` writes in lower
        or mixed case ("abc 1"), when they are a study's name or alias: the number tells a
        trial from its siblings ("ABC 2", the continuation of "ABC 1")."""
        return [
            (name.upper(), digit)
            for name, digit in _ANY_CASE_TRIAL_NAME.findall(text)
            if digit and name.upper() not in not_study_names and (name.lower(),) in self.by_phrase
        ]

    def same_study(self, document: str) -> frozenset[str]:
        """The documents about the same study as `document` (itself included): the primary
        documents (a trial's record and an interview about it) are one study; a shared name
        is not enough (one author may lead two trials)."""
        return frozenset(self.primary) if document in self.primary else frozenset({document})

    def about(self, documents: frozenset[str]) -> frozenset[str]:
        """Every document about the same studies as `documents` (`same_study` of each)."""
        return frozenset().union(*(self.same_study(d) for d in documents))

    def read_author_year(self, text: str) -> tuple[str, tuple[Correction, ...]]:
        """`text` with each author-year shorthand of a study ("lee16", "Lee'16", "lee2016")
        written out as its name and year ("lee 2016"), and each such reading made. Only a
        study's own name with the two or four last digits of exactly one of its years."""
        readings: list[Correction] = []

        def written_out(match: re.Match[str]) -> str:
            name, digits = match.group(1), match.group(2)
            years = [y for y in self.years.get(name.lower(), ()) if y.endswith(digits)]
            if len(years) != 1:
                return match.group()
            readings.append(Correction(match.group(), f"{name} {years[0]}"))
            return readings[-1].read

        return _NAME_AND_YEAR.sub(written_out, text), tuple(readings)

    def names_used(self, text: str) -> frozenset[tuple[str, ...]]:
        """The study names (each as its words) `text` uses."""
        words = _WORDS.findall(text.lower())
        return frozenset(tuple(words[start:end]) for start, end in self._name_spans(words))

    def named_otherwise(self, passage: Passage, asked: AbstractSet[tuple[str, ...]]) -> bool:
        """The sentence names its document's study otherwise than the question (using the
        names `asked`) does: the question calls the study by its label's name, the sentence
        does not and uses another of the document's names, not in the label ("STUDY-2" in the
        record of STUDY-3 (Lee 2025), asked about as STUDY-3; not "Lee" asked about by the
        place it was run in, nor a sentence naming only the drug tested)."""
        document, label = passage.document_id, passage.study.lower()
        asked_label = {name for name in asked
                       if document in self.by_phrase[name] and " ".join(name) in label}  # fmt: skip
        if not asked_label:
            return False
        used = {n for n in self.sentence_names(passage.text) if document in self.by_phrase[n]}
        other = {name for name in used - asked if " ".join(name) not in label}
        return bool(other) and not asked_label & used

    @staticmethod
    def written(text: str, names: AbstractSet[tuple[str, ...]]) -> str:
        """The first of `names` in `text`, as `text` writes it ("STUDY-2")."""
        found = (re.search(r"\W+".join(map(re.escape, name)), text, re.I) for name in names)
        return min((m for m in found if m), key=lambda m: m.start()).group(0)

    def named_in(self, query: str) -> set[str]:
        """The documents of the study names `query` uses."""
        return set().union(*(self.by_phrase[name] for name in self.names_used(query)))

    def without_names(self, query: str, keep: frozenset[str] = frozenset()) -> str:
        """The query's words with every study name in it taken out (but the words in `keep`)."""
        words = _WORDS.findall(query.lower())
        inside = {
            i
            for start, end in self._name_spans(words)
            for i in range(start, end)
            if words[i] not in keep
        }
        return " ".join(w for i, w in enumerate(words) if i not in inside)

    def _name_spans(self, words: list[str]) -> Iterator[tuple[int, int]]:
        """(start, end) of every run of `words` that is a study's name."""
        for size in range(1, self.longest + 1):
            for start in range(len(words) - size + 1):
                if tuple(words[start : start + size]) in self.by_phrase:
                    yield start, start + size


def _intervention_words(route: Route) -> frozenset[str]:
    """The lower-cased words of every name of the interventions the question names."""
    return frozenset(
        word
        for arm in route.arms
        for name in route.vocabulary.words(arm)
        for word in _WORDS.findall(name.lower())
    )


@functools.lru_cache(maxsize=65_536)
def _name_keys(short_name: str, aliases: str) -> tuple[tuple[str, ...], ...]:
    """The word tuples that name a study: its aliases and the words of its short name
    (memoised: many studies share a short name's words, "Li 2009", and a 100k-abstract index
    builds this table on its first search)."""
    words = re.findall(r"[A-Za-z][A-Za-z-]{2,}", short_name)
    named = [a.strip() for a in aliases.split(";") if a.strip()]
    phrases = {w.lower() for w in [*words, *named]} - {"interview", "trial", "study"}
    return tuple(key for phrase in sorted(phrases) if (key := tuple(_WORDS.findall(phrase))))


def _lead_from_relevant(
    ranked: list[str],
    relevance: dict[str, float],
    passages: Mapping[str, Passage],
    main_results: Collection[str] = (),
    same_study: Callable[[str], frozenset[str]] | None = None,
) -> list[str]:
    """`ranked` with the best sentence of the most relevant document first. What kind of
    sentence a question wants (a result, a conclusion, a figure) picks among a document's
    sentences; it must not hand the answer to another document than the one the question
    matches best. A question for what a study found (`main_results` given) is answered by
    that document's result on its primary outcome, when it states one. The documents of one
    study (its record and an interview about it: `same_study`) count as one."""
    if not relevance:
        return ranked
    top = min(relevance, key=lambda pid: (-relevance[pid], pid))
    lead_doc = passages[top].document_id
    lead_docs = {lead_doc, *(same_study(lead_doc) if same_study else ())}
    own = [pid for pid in ranked if passages[pid].document_id in lead_docs]
    main = (pid for pid in own if pid in main_results and passages[pid].document_id == lead_doc)
    first = next(main, own[0])
    return [first, *(pid for pid in ranked if pid != first)]


# A time in any unit clinicians and papers write it in: "24 weeks", "wk 24", "month 6",
# "6 mo", "~5 yr", "a 10-year follow-up", "60.8 ± 26 months" (an age is not one).
_UNIT_WEEKS = {"d": 1 / 7, "w": 1.0, "m": 52.1775 / 12, "y": 52.1775}
_TIME_AFTER = re.compile(
    r"(?<![\w.])(\d+(?:\.\d+)?)(?:\s*±\s*\d+(?:\.\d+)?)?[\s-]?"
    r"(days?|weeks?|wks?|w|months?|mos?|years?|yrs?|y)\b(?![\s-]*(?:old|of\s+age))",
    re.I,
)
_TIME_BEFORE = re.compile(r"\b(day|week|wk|month|mo|year|yr)\s?(\d+(?:\.\d+)?)\b", re.I)
# A time with its number in words ("a five-year follow-up", "after three years")
_NUMBER_WORDS = {w: float(n) for n, w in enumerate(UNIT_WORDS)} | {
    w: float(10 * n) for n, w in enumerate(TENS_WORDS, start=2)
}
_TIME_IN_WORDS = re.compile(
    rf"\b(?:({'|'.join(TENS_WORDS)})[\s-]+)?({'|'.join(_NUMBER_WORDS)})[\s-]"
    r"(days?|weeks?|months?|years?)\b(?![\s-]*(?:old|of\s+age))",
    re.I,
)
_AGE_BEFORE = re.compile(r"(?:\baged?|\bage\s+of)\s+(?:\d+\s*(?:to|-|–)\s*)?$", re.I)


@functools.lru_cache(maxsize=8192)
def durations_in(text: str) -> tuple[float, ...]:
    """The times `text` states, in weeks."""
    found = [
        float(m.group(1)) * _UNIT_WEEKS[m.group(2)[0].lower()]
        for m in _TIME_AFTER.finditer(text)
        if not _AGE_BEFORE.search(text[: m.start()])
    ]
    found += [float(m.group(2)) * _UNIT_WEEKS[m.group(1)[0].lower()]
              for m in _TIME_BEFORE.finditer(text)]  # fmt: skip
    found += [_in_words(m.group(1), m.group(2)) * _UNIT_WEEKS[m.group(3)[0].lower()]
              for m in _TIME_IN_WORDS.finditer(text)]  # fmt: skip
    return tuple(found)


def _in_words(tens: str | None, number: str) -> float:
    """A number written in words ("twenty", "four"; "twenty" and "four")."""
    return (_NUMBER_WORDS[tens.lower()] if tens else 0.0) + _NUMBER_WORDS[number.lower()]


def _same_time(asked: tuple[float, ...], stated: tuple[float, ...]) -> bool:
    return any(abs(a - s) <= TIME_TOLERANCE * max(a, s) for a in asked for s in stated if a > 0)


def _fragment(text: str) -> bool:
    """No word in lower case ("JAMA Netw Open.", "2022 Mar 1;5(3):e224492.", "Results", an
    author list): a heading or a bibliographic line, not a sentence (which has a lower-case
    word however short it is: "No deaths occurred.")."""
    return not any(w[0].islower() for w in re.findall(r"[^\W\d_]{2,}", text))


def fuse(
    dense: list[tuple[str, float]], sparse: list[tuple[str, float]], sparse_weight: float
) -> dict[str, float]:
    """Relative score fusion: min-max normalise each ranking, then a weighted sum.

    Unlike reciprocal-rank fusion it keeps score gaps: a BM25 hit that is far ahead of the
    rest (an exact term like "plasma concentration") is not flattened to "rank 1".
    """
    fused: dict[str, float] = {}
    for ranking, weight in ((dense, 1.0 - sparse_weight), (sparse, sparse_weight)):
        if not ranking:
            continue
        high = max(score for _, score in ranking)
        low = min(score for _, score in ranking)
        for pid, score in ranking:
            normalised = (score - low) / (high - low) if high > low else 1.0
            fused[pid] = fused.get(pid, 0.0) + weight * normalised
    return fused


# How a sentence giving each kind of figure a question may ask for looks.
_FIGURE_LOOKS: dict[FigureKind, re.Pattern[str]] = {
    # "23.7 mg", "2 g/day", "10 mg/kg"; not a ratio or a concentration ("0.5 mg/mg", "3 g/dL")
    "dose": re.compile(r"\d\s?(?:mg|g)\b(?!\s?/\s?(?:mg|g|mmol|dl|l|24)\b)", re.I),
    # "40%", "forty percent", "117/141", "Forty of the 60" (a count opening a sentence is
    # spelled out, as style guides ask).
    "rate": re.compile(rf"{PERCENT.pattern}|\b\d+\s?/\s?\d+\b|{COUNT_OF.pattern}"),
    "concentration": re.compile(r"\d\s?ng\s?/\s?ml", re.I),
    "age": re.compile(r"\baged?\b|\byears\b", re.I),
    "date": re.compile(r"\b(?:19|20)\d\d\b"),
    "duration": re.compile(r"\d\s?(?:weeks?|months?|years?)\b"),
    # "157 (52.5%)", "29 patients", "117/141", "forty of the 60": people or events counted
    "count": re.compile(
        rf"\b\d+\s*(?:\(\d|(?:patients?|participants?|people|subjects|adults|children|women|"
        rf"men|deaths|events)\b)|\b\d+\s?/\s?\d+\b|{COUNT_OF.pattern}|{COUNTED_IN_WORDS.pattern}",
        re.I,
    ),
}


def _called_arm(route: Route, arm: str, against: bool = False) -> bool:
    """The question calls the drug an arm or group ("the placebo arm", "MMF-group", a
    "placebo-controlled" trial) or, with `against` (a study named by the question, whose arms
    are then the ones meant), sets the other drug against it ("better than placebo")."""
    pattern = route.vocabulary.pattern(arm)
    return pattern is not None and any(
        re.match(r"(?:[\s-]*(?:arm|group|patients)\b|-controlled\b)", route.query[m.end() :], re.I)
        or (
            against
            and _SET_AGAINST.search(route.query[: m.start()])
            and not _ALONE.match(route.query[m.end() :])
        )
        for m in pattern.finditer(route.query)
    )


# "A plus B vs B alone": B is the background both arms took, not an arm of its own.
_ALONE = re.compile(r"\s+(?:alone|only)\b", re.I)
# Words setting one treatment against the one after them: "better than", "versus", "against",
# "compared with", "compare to".
_SET_AGAINST = re.compile(
    r"(?:\bthan|\bversus|\bvs\.?|\bagainst|\bcompared?\s+(?:\w+\s+){0,3}?(?:with|to)|"
    r"\bcomparison\s+(?:with|to))\s+(?:the\s+|a\s+)?$",
    re.I,
)


# A sentence saying something could not be confirmed (a caveat of the evidence base).
_UNCONFIRMED = (
    r"could not be confirmed|not confirmed|unconfirmed|not available to us|not verified|"
    r"could not be found|was not seen|not been checked|could not be checked|unchecked"
)
# The share of a question's words a caveat's unconfirmed clause must name to answer it
CAVEAT_SHARE = 0.5
CAVEAT_RANK = 5  # how far down the ranking a caveat on the asked word still answers
# The noun phrase a "what/which ...?" question asks for, up to its verb ("What non-inferiority
# margin did ...": its last word, "margin", is the thing asked).
_WH_HEAD = re.compile(
    r"\b(?:what|which)\s+((?:[\w-]+\s+){0,5}?[\w-]+)\s+(?:was|were|is|are|did|does|do|had|has|"
    r"have|will|would|could|should)\b",
    re.I,
)
# How many words either side of a claimed figure name what it is a figure of
CLAIM_WINDOW = 3
_CAVEAT = re.compile(_UNCONFIRMED + r"|^caveats?\b", re.IGNORECASE)
# What a caveat says is unconfirmed: its clause up to the words saying so ("...: the margin
# could not be confirmed"; "..., but this grade could not be confirmed").
_UNCONFIRMED_SUBJECT = re.compile(
    r"(?:^|[:;]|\bbut\b)((?:(?!\bbut\b)[^:;])*?)\b(?:" + _UNCONFIRMED + ")", re.I
)
_FIGURE = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?!\d)")
_AUTHOR_YEAR = re.compile(r"[A-Z][\w'-]+(?: et al\.?)? (?:19|20)\d\d")  # "Smith 2020"


@dataclass(frozen=True)
class PassageTraits:
    """What the ranking nudges read from a passage, whatever the question (see `of`)."""

    tokens: frozenset[str]  # its BM25 tokens
    figures: bool  # it gives a figure other than a year
    looks: frozenset[FigureKind]  # the kinds of figure it looks like it gives
    caveat: bool  # it says something could not be confirmed
    unconfirmed: frozenset[str]  # the tokens naming what it says could not be confirmed
    trials: tuple[tuple[str, str], ...]  # capitalised names ("ABC", "2") in order of mention
    states_result: bool  # a comparison of groups or an effect estimate (from its facts)
    restates_question: bool  # background, objective, or an interviewer's turn
    concludes: bool  # the authors' conclusions
    fragment: bool  # a heading, a journal's name or a date line: it states nothing
    durations: tuple[float, ...] = ()  # the times it states, in weeks (`durations_in`)
    facets: frozenset[Facet] = frozenset()  # the aspects its own words name (`TEXT_FACETS`)
    measures: frozenset[str] = frozenset()  # the response measures it names

    @classmethod
    def of(cls, passage: Passage) -> PassageTraits:
        text, meta = passage.text, passage.metadata
        section = meta.get("section")
        interviewer = in_ranges(str(meta.get("interviewer_sentences") or ""), passage.position)
        # "In the Smith 2020 trial": the study's own author-year is a name, not a date given.
        unnamed = text
        for cited in _AUTHOR_YEAR.findall(str(meta.get("short_name") or "")):
            unnamed = unnamed.replace(cited, " ")
        return cls(
            tokens=frozenset(bm25_tokens(text)),
            figures=any(not 1900 < float(f) < 2100 for f in _FIGURE.findall(text))
            or bool(COUNTED_IN_WORDS.search(text)),
            looks=frozenset(k for k, look in _FIGURE_LOOKS.items() if look.search(unnamed)),
            caveat=bool(_CAVEAT.search(text)),
            unconfirmed=frozenset(
                token
                for subject in _UNCONFIRMED_SUBJECT.findall(text)
                for token in bm25_tokens(subject)
            ),
            trials=tuple(_TRIAL_NAME.findall(text)),
            states_result=_states_result(passage),
            restates_question=section in ("BACKGROUND", "OBJECTIVE") or interviewer,
            concludes=section == "CONCLUSIONS",
            fragment=_fragment(text),
            durations=durations_in(text),
            facets=frozenset(f for f, words in FACETS if f in TEXT_FACETS and words.search(text)),
            measures=extract.measures_named(text),
        )

    def section_adjustment(self, asks_result: bool) -> float:
        """Background and objective sentences restate the study's question, and an
        interviewer's turn asks one, so they resemble a question without answering it; the
        conclusions are the authors' answer to it."""
        if self.restates_question:
            return -NUMERIC_BOOST
        return NUMERIC_BOOST if self.concludes and asks_result else 0.0


def _states_result(passage: Passage) -> bool:
    """The passage gives an effect estimate or sets two groups' figures side by side (their
    rates, how far a measurement moved in each, or their parts of the sample)."""
    facts = facts_of(passage.metadata)
    return any(f.kind == "effect" for f in facts) or any(
        group_pairs(facts, kind) for kind in ("proportion", "change", "share")
    )


def intent_adjustment(
    cues: RetrievalCues,
    asked_trials: list[tuple[str, str]],
    traits: PassageTraits,
    not_study_names: frozenset[str] = frozenset(),
    caveat_on_asked: bool = False,
) -> float:
    """Small nudges from what the question asks for (`cues`, read by the route): a "how many /
    what dose / when" question wants a sentence with figures in it; a statement that something
    could not be confirmed is the best answer only when the question is about what is known,
    or about what it says was not confirmed (`caveat_on_asked`). `asked_trials`: the trial
    names the question gives (`_trial_names`)."""
    adjustment = 0.0
    if traits.figures and cues.asks_figure:
        adjustment += NUMERIC_BOOST
        adjustment += NUMERIC_BOOST * any(kind in traits.looks for kind in cues.figure_kinds)
    if traits.caveat:  # "could not be confirmed": the answer to "is it true that…?"
        if cues.asks_about_sources:
            adjustment += CAVEAT_BOOST
        elif not caveat_on_asked:
            adjustment -= CAVEAT_PENALTY
    subject = next((t for t in traits.trials if t[0] not in not_study_names), None)
    if _about_sibling_trial(asked_trials, subject):
        adjustment -= CAVEAT_PENALTY
    return adjustment


_TRIAL_NAME = re.compile(r"\b([A-Z][A-Z]{2,}(?:-[A-Z]{2,})?)(?:\s+(\d))?\b")
_ANY_CASE_TRIAL_NAME = re.compile(_TRIAL_NAME.pattern, re.I)
# Another phase of a trial: the study before it or the one continuing it
_SIBLING_PHASE = re.compile(r"\b(?:continuation|extension|predecessor|follow-on)\b", re.I)


def _trial_names(text: str, not_study_names: frozenset[str]) -> list[tuple[str, str]]:
    return [(n, d) for n, d in _TRIAL_NAME.findall(text) if n not in not_study_names]


def _about_sibling_trial(asked: list[tuple[str, str]], subject: tuple[str, str] | None) -> bool:
    """The question names one trial ("ABC 1", in `asked`) but the sentence is first of all
    about another one (its `subject`: "ABC 2", or its predecessor "AB-X")."""
    if not asked or not subject:
        return False
    name, number = subject
    return all(name != a or (number and d and number != d) for a, d in asked)


# The words of what things cost: a question asking with one is about money, whatever its drug.
ECONOMIC_WORDS = (
    "cost", "costs", "costly", "price", "prices", "priced", "budget", "expensive", "cheap",
    "cheaper", "reimbursed", "reimbursement", "economic", "qaly", "qalys", "cost-effective",
    "cost-effectiveness",
)  # fmt: skip
# ("affordable" is not among them: "when not available or affordable" gives no cost)
# A cost counted in harms is the price of a benefit, not money ("what did that cost in serious
# adverse events?", "at a cost in infections").
_COST_IN_HARMS = r"(?!\s+in\s+(?:terms\s+of\s+)?(?:[\w-]+\s+){0,2}?(?:" + HARMS.pattern + r"))"
_ECONOMIC = re.compile(r"\b(?:" + "|".join(ECONOMIC_WORDS) + r")\b" + _COST_IN_HARMS, re.I)
_ABBREVIATION = re.compile(r"\b[A-Z][A-Z0-9]+s?\b")  # "LNDAI", "SAEs", "C3"
# The thing a question asks to have recommended ("recommend a good hotpot restaurant").
_RECOMMENDED = re.compile(
    r"\b(?:recommend|suggest)\s+(?:me\s+)?(?:a|an|some|any)\s+(?:good|nice|decent|cheap)?\s*"
    r"([a-z][\w-]*)(?:\s+(?!(?:near|in|for|at|on|with|to|by|from|around|that|which)\b)"
    r"([a-z][\w-]*))?",
    re.I,
)
# A word of three or more letters with two or more capitals ("RPGN", "IgAN", "HBsAg"); one
# with digits ("V30M", "C3") names a variant or a marker, and would be echoed as a figure.
_CAPITALS = re.compile(r"\b(?=(?:[a-z]*[A-Z]){2})[A-Za-z]{3,}\b")
_MEASUREMENT = re.compile(r"(?<![a-z])\d[\d.,]*\s*[a-zµμ]+(?:\s?/\s?[a-z0-9.]+)*")


# "per arm", "in each group": a breakdown asked for, not a topic to find
_BY_ARM = re.compile(r"\b(?:per|each|both|every|all)\s+(?:arms?|groups?)\b", re.I)
# A part asking for an amount ("how many did it randomise?") wants a figure, not only its words.
_ASKS_AMOUNT = re.compile(r"\bhow\s+(?:many|much|long|often|far)\b", re.I)


# A pronoun ending a part, as its object: what the question's first ask named ("... and what
# followed it?"); not a possessive ("its primary endpoint") or a subject ("was it ITT?").
_PRONOUN = re.compile(r"\b(?:it|them|that|those)\W*$", re.I)


def _resolved_parts(question: str, parts: tuple[str, ...]) -> tuple[str, ...]:
    """The later parts as searched: one pointing back with a pronoun ("what followed it")
    carries the words of the question's first ask, which name what the pronoun stands for."""
    at = question.find(parts[0]) if parts else -1
    first = question[:at] if at > 0 else ""
    return tuple(f"{part} {first}" if first and _PRONOUN.search(part) else part for part in parts)


def _percentages(text: str) -> set[float]:
    """The values the text gives as percentages (a claimed 88% is not the count "88/156")."""
    return {value_key(float(m.group(1))) for m in extract.PERCENT.finditer(text)}


def foreign_terms(
    query: str,
    vocabulary: frozenset[str],
    medical: Callable[[str], float],
    synonyms: frozenset[str] = frozenset(GENERAL_SYNONYMS),
    anchored: bool = False,
    names_medical: Callable[[str], bool] | None = None,
) -> tuple[str, ...]:
    """Specialist words that appear nowhere in the corpus, such as "psoriasis" or "metformin":
    a sign the question is about something the evidence base does not cover, even when the
    embedding finds a vaguely similar sentence.

    A word is specialist when it is rare in general English (wordfreq Zipf below
    `SPECIALIST_ZIPF`, fewer than about one use per million words: drug and disease names), or
    fairly rare and medical (`medical(word)`, 0-1). Everyday words a corpus happens to lack
    ("absolute", "roughly") do not make a medical question out of scope; in a question with no
    medical word at all (and no study or intervention of the evidence base named: `anchored`),
    every word the corpus lacks counts. A word is known when the corpus uses it, or uses each
    part of it ("peri-sinusoidal"), or uses it without its hyphen, or is a compound of its
    words."""
    from wordfreq import zipf_frequency

    words = _topic_words(query)
    # an everyday adjective's superlative ("commonest") names nothing, in any field
    unknown = tuple(
        w for w in unknown_words(query, vocabulary, synonyms) if not everyday_superlative(w)
    )

    def reads_medical(word: str) -> bool:
        # A drug name's INN ending says so even when the embedding does not ("abatacept").
        return drug_like(word) or medical(word) >= MEDICAL_WORD

    def names_entity(word: str) -> bool:
        # What a word the corpus lacks must be to take the question out: a drug's or a
        # disease's word form, or clearly nearer medicine than everyday life in the embedding
        # ("ballpark" is not); a person's role ("pharmacist") is who asks, not what is asked.
        if role_noun(word):
            return False
        # (a code of letters and a digit names a molecule, a receptor or a gene: "sglt2")
        if drug_like(word) or disease_like(word) or MOLECULE_CODE.search(word):
            return True
        return names_medical(word) if names_medical else medical(word) >= MEDICAL_WORD

    def specialist(word: str) -> bool:
        rarity = zipf_frequency(word, "en")
        if role_noun(word):
            return False
        return rarity < SPECIALIST_ZIPF or (rarity < RARE_WORD_ZIPF and names_entity(word))

    medical_words = any(reads_medical(w) for w in words if w not in STOPWORDS)
    known = [w for w in words if w not in unknown]
    # An abbreviation English seldom uses but the corpus does ("LNDAI", "SAEs", "BMI") names a
    # term of its field (a capitalised word may be a place: "Boston").
    abbreviations = {a.lower() for a in _ABBREVIATION.findall(query)}
    names_held = any(
        zipf_frequency(a, "en") < RARE_WORD_ZIPF and _known(a, vocabulary, synonyms)
        for a in abbreviations
    )
    if not (anchored or medical_words or names_held):
        return unknown  # nothing medical at all ("the weather in <a city> tomorrow")
    if anchored or any(zipf_frequency(w, "en") < SPECIALIST_ZIPF for w in known):
        # It names something the evidence base holds (a study, or a drug or disease name it
        # uses): another word counts only if it reads as medical ("titrated" does not).
        single = tuple(
            w for w in unknown if zipf_frequency(w, "en") < RARE_WORD_ZIPF and names_entity(w)
        )
        return single or _medical_phrases(query, unknown, names_medical)
    return tuple(w for w in unknown if specialist(w))


def _medical_phrases(
    query: str, unknown: tuple[str, ...], names_medical: Callable[[str], bool] | None
) -> tuple[str, ...]:
    """Two everyday words side by side, neither of which the corpus uses, that together name
    something medical ("breast cancer", "kidney transplant"): a condition it does not cover.
    Who asks is not what is asked ("pharmacist exercise")."""
    if names_medical is None:
        return ()
    words = re.findall(r"[a-z][a-z-]*", query.lower())
    pairs = (f"{a} {b}" for a, b in itertools.pairwise(words)
             if a in unknown and b in unknown and not (role_noun(a) or role_noun(b)))  # fmt: skip
    return tuple(phrase for phrase in pairs if names_medical(phrase))


def unknown_words(
    query: str, vocabulary: frozenset[str], synonyms: frozenset[str] = frozenset()
) -> tuple[str, ...]:
    """The query's words (of four letters or more) that the corpus never uses, common or not.
    Words giving a patient's own values ("creat", "steady", "halved") are data, not a topic
    the evidence must cover."""
    # (the words of a phrase the search expands as a whole are understood: "kidney failure")
    in_phrases = {word for phrase in phrases_in(query, synonyms) for word in phrase.split()}
    return tuple(
        w
        for w in _topic_words(query)
        if w not in PATIENT_VALUE_WORDS
        and w not in in_phrases
        and not _known(w, vocabulary, synonyms)
    )


# A word, with one digit ending a name ("sglt2", "il6"; "sglt2i", its inhibitors, in
# pharmacology's shorthand) but not a time or figure ("wk24")
_TOPIC_WORD = re.compile(r"\b[a-z][a-z-]*[a-z](?:\di?)?\b")
# A code of letters and a digit (and an inhibitor's "i"): a molecule, a receptor or a gene
MOLECULE_CODE = re.compile(r"[a-z]\di?$")


def _topic_words(query: str) -> dict[str, None]:
    """The words of four letters or more, in order, without possessives or units."""
    text = re.sub(r"['’]s\b", "", query.lower())  # possessives: "the public's" -> "the public"
    text = _MEASUREMENT.sub(" ", text)  # units written after a number ("120 umol/L") are no topic
    return dict.fromkeys(w for w in _TOPIC_WORD.findall(text) if len(w) >= 4)


def _known(word: str, vocabulary: frozenset[str], synonyms: frozenset[str]) -> bool:
    """The corpus uses the word, or each part of it ("peri-sinusoidal"), or the word without
    its hyphen, or the words it is a compound of; or it is a synonym the search expands."""

    def in_corpus(form: str) -> bool:
        return set(bm25_tokens(form)) <= vocabulary

    if word[-1].isdigit() and _known(word[:-1], vocabulary, synonyms):
        return True  # a known word with a number ("arm2"), not a name of something else
    parts = [p for p in word.split("-") if p]
    if len(parts) > 1 and parts[-1] in VIEWPOINT_SUFFIXES:  # "infection-wise": about infection
        parts = parts[:-1]
        word = "-".join(parts)
    whole = (
        in_corpus(word)
        or in_corpus(word.replace("-", ""))
        or _compound(word, vocabulary)
        or _derived(word, vocabulary)
        or _clipped(word, vocabulary)
    )
    return (
        word in synonyms
        or whole
        or (len(parts) > 1 and all(in_corpus(p) or p in synonyms for p in parts))
    )


MIN_COMPOUND_PART = 4  # letters; shorter pieces of a word match some token of any corpus
# English suffixes that make a word "as regards X" ("infection-wise", "dose-related"): the
# word is about X, which the corpus may use.
VIEWPOINT_SUFFIXES = frozenset({"wise", "related", "based", "associated", "induced", "free"})


def _compound(word: str, vocabulary: frozenset[str]) -> bool:
    """A closed compound or prefixed word whose parts the corpus uses separately or hyphenated:
    "shockwave" (shock wave), "autorefraction" (auto-refraction), "underprescribe" (under +
    prescribe; a function word counts as a prefix)."""

    def part(piece: str) -> bool:
        tokens = bm25_tokens(piece)
        if not tokens:
            return True  # a function word the tokenizer drops ("under", "over")
        return len(piece) >= MIN_COMPOUND_PART and set(tokens) <= vocabulary

    if "-" in word:
        return False
    cuts = range(MIN_COMPOUND_PART - 1, len(word) - MIN_COMPOUND_PART + 1)
    return any(part(word[:cut]) and part(word[cut:]) for cut in cuts)


MIN_SHARED_STEM = 8  # letters a derived word must share with a corpus token, at the least
DERIVATION_TAIL = 3  # letters a derivational ending may change ("cystoscop-ist" / "-y")


def _derived(word: str, vocabulary: frozenset[str]) -> bool:
    """A long word that differs from a corpus token only in its last few letters, as
    derivational endings make ("cystoscopist" beside "cystoscopy", "nephrotoxic" beside
    "nephrotoxicity")."""
    tokens = bm25_tokens(word)
    if len(tokens) != 1 or len(tokens[0]) < MIN_SHARED_STEM + DERIVATION_TAIL:
        return False
    stem = tokens[0][: len(tokens[0]) - DERIVATION_TAIL]
    ordered = _sorted_vocabulary(vocabulary)
    at = bisect.bisect_left(ordered, stem)
    return at < len(ordered) and ordered[at].startswith(stem)


def _singular(abbreviation: str) -> str:
    """An abbreviation in capitals made plural with a lowercase "s" ("CIs", "RCTs") is the
    same abbreviation: the singular form is the one a corpus writes."""
    return abbreviation[:-1] if re.fullmatch(r"[A-Z]{2,}s", abbreviation) else abbreviation


def _spelled_out_in(abbreviation: str, text: str) -> bool:
    """The text spells the abbreviation out: the initials of consecutive words ("premature
    ovarian failure ... POF")."""
    letters = [c.lower() for c in abbreviation if c.isalpha()]
    initials = [w[0].lower() for w in re.findall(r"[A-Za-z][\w']*", text)]
    size = len(letters)
    return any(initials[i : i + size] == letters for i in range(len(initials) - size + 1))


SHORTENED_BY = 2  # letters an abbreviation may drop from the end of the corpus's ("ABC", "ABCD")


def _shortened(abbreviation: str, vocabulary: frozenset[str]) -> bool:
    """The abbreviation is the corpus's own one, its last letters left off ("ABC" for ABCD)."""
    word = abbreviation.lower()
    ordered = _sorted_vocabulary(vocabulary)
    at = bisect.bisect_left(ordered, word)
    return (at < len(ordered) and ordered[at].startswith(word)
            and len(ordered[at]) <= len(word) + SHORTENED_BY)  # fmt: skip


MIN_CLIPPED = 5  # letters: shorter beginnings of a word begin too many others
# ... but four letters begin few specialist words: "pred" for a steroid, a drug's name
MIN_CLIPPED_SPECIALIST = 4


def _clipped(word: str, vocabulary: frozenset[str]) -> bool:
    """The beginning of a longer corpus word: clinical shorthand clips words ("creat" for
    creatinine, "hydrocort" for hydrocortisone, "immunosupp"; "pred" for a specialist word,
    a drug's name)."""
    if len(word) < MIN_CLIPPED_SPECIALIST or "-" in word:
        return False
    ordered = _sorted_vocabulary(vocabulary)
    at = bisect.bisect_left(ordered, word)
    longer = itertools.takewhile(lambda v: v.startswith(word), ordered[at:])
    if len(word) >= MIN_CLIPPED:
        return any(len(v) > len(word) for v in longer)
    from wordfreq import zipf_frequency

    return any(len(v) > len(word) and zipf_frequency(v, "en") < SPECIALIST_ZIPF for v in longer)


@functools.lru_cache(maxsize=4)
def _sorted_vocabulary(vocabulary: frozenset[str]) -> tuple[str, ...]:
    return tuple(sorted(vocabulary))


def _compare(route: Route, results: tuple[Passage, ...]) -> bool:
    """Whether a study's `results` compare the two or more arms the question names (the main
    result of A against placebo does not answer "did A beat B?"); true for fewer arms."""
    compared = {arm for p in results for arm in route.vocabulary.in_text(p.text)}
    return len(route.arms) < 2 or set(route.arms) <= compared


@functools.lru_cache(maxsize=4)
def _synonym_tokens(synonyms: tuple[tuple[str, str], ...]) -> dict[str, frozenset[str]]:
    """The synonyms as search tokens: a word's token -> its synonyms' tokens."""
    expanded: dict[str, frozenset[str]] = {}
    for word, synonym in synonyms:
        if " " in word:
            continue  # a phrase: expanded as a whole only (`expand_query`)
        for token in bm25_tokens(word):
            expanded[token] = expanded.get(token, frozenset()) | set(bm25_tokens(synonym))
    return expanded


_QUERY_WORD = re.compile(r"[a-z0-9]+(?:/[a-z](?![a-z]))?")  # "f/u", "d/t": one word each


def expand_query(
    query: str, synonyms: dict[str, str] = GENERAL_SYNONYMS, expand: str | None = None
) -> str:
    """`query` followed by the synonyms of its words and phrases (of the words of `expand`,
    if given)."""
    text = query if expand is None else expand
    extra = [synonyms[w] for w in _QUERY_WORD.findall(text.lower()) if w in synonyms]
    extra += [synonyms[phrase] for phrase in phrases_in(text, synonyms)]
    return " ".join([query, *extra])


def phrases_in(text: str, synonyms: Iterable[str]) -> list[str]:
    """The synonyms of several words ("kidney failure") that `text` uses, word for word."""
    spaced = f" {' '.join(_QUERY_WORD.findall(text.lower()))} "
    return [phrase for phrase in synonyms if " " in phrase and f" {phrase} " in spaced]


class EvidenceRetriever(BaseRetriever):
    """LangChain face of the hybrid search, for chains and users that speak LangChain.

    `k` is the number of passages returned; `retriever.invoke(query, k=1)` overrides it for
    one call (LangChain's standard retriever convention)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    search: Any
    k: int = Field(default=6, ge=1)

    def _get_relevant_documents(
        self,
        query: str,
        *,
        run_manager: CallbackManagerForRetrieverRun,
        k: int | None = None,
        **kwargs: Any,
    ) -> list[LCDocument]:
        unknown = set(kwargs) - {"verbose"}  # `verbose` is LangChain's own, passed along
        if unknown:
            raise TypeError(f"Unknown retriever arguments: {', '.join(sorted(unknown))}.")
        if k is not None and (isinstance(k, bool) or not isinstance(k, int) or k < 1):
            raise ValueError(f"k must be a whole number of at least 1, got {k!r}.")
        result = self.search.search(query, self.k if k is None else k)
        return [
            LCDocument(
                page_content=p.text,
                id=p.id,
                metadata={
                    **p.metadata,
                    "passage_id": p.id,
                    "score": p.score,
                    "context_before": p.context_before,
                    "context_after": p.context_after,
                },
            )
            for p in result.passages
        ]


def _stating_in_two(
    question: str,
    own: list[Passage],
    arms: ArmVocabulary | None,
    wanted: frozenset[tuple[float, str]],
    numbers: set[float],
) -> FiguresStated | None:
    """Two of `own` sentences that between them state every figure of `question` (with its
    unit and for the same arms) and its effect figures and time points (`numbers`), each
    stating two or more of them (a pair of rates, an estimate with its interval: not one
    figure met by chance)."""
    covers = []
    for passage in own:
        figures = wanted & _figures_with_units(passage.text)
        rates = {value for value, unit in figures if unit == "%"}
        if len(figures) >= MIN_FIGURES_EACH and _arms_agree(question, passage.text, arms, rates):
            covers.append((passage, figures))
    for (first, one), (second, other) in itertools.combinations(covers, 2):
        stated = {value_key(abs(t.value)) for p in (first, second) for t in quoted_numbers(p.text)}
        if one | other == wanted and not one & other and numbers <= stated:
            return FiguresStated(first.study, first, len(wanted), also_in=second)
    return None


def _arms_agree(
    question: str, sentence: str, arms: ArmVocabulary | None, rates: set[float]
) -> bool:
    """Of `rates`, each the sentence gives to an arm the question gives to none or to the
    same arm; a rate neither gives to an arm (a difference, an interval's bound) needs none.
    With no arm named beside any of them in the question but arms in the sentence ("43% vs
    32%"), `_same_arms` decides (the arms' order)."""
    if not rates:
        return True
    if arms is None:
        return False
    asked = {value_key(v.percent): v.arm for v in extract.arm_values(question, arms)
             if v.percent is not None and value_key(v.percent) in rates}  # fmt: skip
    stated = [(v.arm, value_key(v.percent)) for v in extract.arm_values(sentence, arms)
              if v.percent is not None and value_key(v.percent) in rates]  # fmt: skip
    if not asked and stated:
        return _same_arms(question, sentence, arms, rates)
    return all(asked.get(value, arm) == arm for arm, value in stated)
