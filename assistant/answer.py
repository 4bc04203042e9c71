"""The chain: route -> retrieve -> tools -> compose -> verify, behind `EvidenceAssistant.ask`."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from . import extract
from .calculate import ToolPlan, plan_tools
from .choices import Choice, split_choices, stated_choice
from .config import Settings
from .direction import direction_verdict, group_named
from .facts import facts_of, group_pairs
from .index import EvidenceIndex, SyncReport
from .ingest import SECTION_LABELS, corpus_files, load_corpus
from .intent import INTERVAL, TRUE_OR_FALSE, VERDICT_ASKED, is_polar
from .lexical import bm25_tokens, drug_like
from .llm import Phraser, phraser_from_settings
from .numerals import read_numbers
from .present import (
    badge,
    calculation_words,
    inputs_words,
    interval_methods,
    interviewer_turn,
    plain_statement,
    response_yes_no,
    tool_title,
)
from .profile import Profile, ProfileError, check_sources, load_profile
from .retrieve import (
    GENERAL_SYNONYMS,
    EvidenceRetriever,
    FiguresNotStated,
    HybridSearch,
    PassageTraits,
    Retrieval,
)
from .route import Route, invalid_reason, route
from .spelling import Correction
from .spelling import apply as apply_corrections
from .support import citation_support
from .tools import tools_for
from .types import Answer, Citation, Passage, ToolCall
from .verify import (
    GroundingPool,
    enforce,
    numbers_in,
    quoted_numbers,
    ungrounded_answer,
    value_key,
)
from .vocabulary import stored_pairs, synonyms_from, with_derived_aliases

log = logging.getLogger(__name__)
MAX_EVIDENCE = 3
PATIENT_CHECKS = frozenset({"remission_check", "trial_eligibility"})  # the profile's criteria
CONFIDENT_MATCH = 0.7  # dense similarity at which an unfamiliar word no longer means off-topic


def excused_by_closeness(similarity: float, foreign: tuple[str, ...]) -> bool:
    """A close match excuses words the corpus lacks, but not a drug's name: a question about
    another drug is close to every sentence about this field's drugs."""
    return similarity >= CONFIDENT_MATCH and not any(map(drug_like, foreign))


# A question asking why something it states happened (its statement is a claim to check)
_ASKS_WHY = re.compile(r"\s*(?:so\s+|and\s+|but\s+)?why\b", re.I)
TOOL_CANDIDATES = 20  # passages the tools stage may read trial numbers from
CURATED_LEAD = 3  # a curated passage this high in the ranking leads over an upload
ADDED = "added"  # origin of a document ingested from a path outside the corpus folder

# Calculations on two arms' figures read from a study's sentences.
COMPARED_FROM_EVIDENCE = ("compare_arms", "difference_of_percentages", "non_inferiority")
ADVICE_NOTE = (
    "_This assistant reports what the evidence says and who said it; it does not give "
    "treatment advice for an individual patient._"
)
# A question asking whether the claim it makes holds ("..., right?", "Is that correct?").
CHECKS_CLAIM = re.compile(
    r"\b(?:right|correct|accurate|true|confirm|verify|check|support(?:s|ed)?|backed|fair|"
    r"match(?:es)?|consistent|agrees?|tall(?:y|ies))\b",
    re.I,
)
# A speaker ("Prof. Ann Lee:") or a structured-abstract label ("RESULTS:", "Conclusions and
# relevance:") opening a quoted sentence: not part of what the answer states.
_SPEAKER_PREFIX = re.compile(
    r"^(?:(?:Prof(?:essor)?\.?\s+)?[A-Z][a-z]+\s+[A-Z][a-z]+\s*:|Note\s*:|"
    r"(?i:" + "|".join(re.escape(label) for label in SECTION_LABELS) + r")\s*:)\s*"
)


class EvidenceAssistant:
    """Answers clinicians' questions from the evidence base, with exact citations."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        index: EvidenceIndex | None = None,
        sync_corpus: bool = True,
        phraser: Phraser | None = None,
    ) -> None:
        self.settings = settings or Settings.from_env()
        self.base_profile: Profile = load_profile(self.settings.corpus_dir)
        self.profile = self.base_profile
        self.tools = tools_for(self.profile)
        self.index = index or EvidenceIndex(self.settings)
        self.last_sync: SyncReport | None = None
        self.ingest_errors: list[str] = []
        self.search = HybridSearch(
            self.index,
            self.settings.candidates,
            not_study_names=self.profile.not_study_names,
            stated=self.profile.stated_knowledge(),
        )
        if sync_corpus:
            self.sync_corpus()  # also checks the profile's thresholds against the corpus
        elif self.index.count():
            self._derive_vocabulary()
            self._check_managed_index()
        self.search.warm_up()
        self.phraser = phraser or phraser_from_settings(self.settings)

    # ------------------------------------------------------------ corpus

    def sync_corpus(self, progress: Callable[[int, int], None] | None = None) -> SyncReport:
        """Bring the index in line with the corpus folder (no work when nothing changed)."""
        documents, self.ingest_errors = load_corpus(corpus_files(self.settings.corpus_dir))
        added = [doc_id for doc_id, meta in self.index.documents().items()
                 if meta.get("origin") == ADDED]  # fmt: skip
        self.last_sync = self.index.sync(documents, progress=progress, keep=added)
        self._check_profile()
        self._derive_vocabulary()
        return self.last_sync

    def _derive_vocabulary(self) -> None:
        """Abbreviations the indexed documents define join the arms' aliases and the query
        expansion (the profile's own synonyms take precedence)."""
        pairs = stored_pairs(self.index.documents())
        self.profile = with_derived_aliases(self.base_profile, pairs)
        self.search.synonyms = {**GENERAL_SYNONYMS, **synonyms_from(pairs),
                                **self.profile.synonyms}  # fmt: skip

    def _check_managed_index(self) -> None:
        """An index the caller manages may not hold the passages the profile cites: then the
        tools that apply the profile's thresholds are left out (said once, in the log), so
        no threshold is ever applied without the sentence that states it."""
        try:
            self._check_profile()
        except ProfileError as exc:
            log.warning("patient-level tools off for this index: %s", exc)
            self.tools = tools_for(Profile.generic())

    def _check_profile(self) -> None:
        """Each threshold of the profile must be written in the indexed passage it cites."""
        cited = [pid for _, entry in self.profile.all_sourced() for pid in entry.passages]
        found = self.index.passages_by_id(cited) if cited else {}
        check_sources(self.profile, {pid: p.text for pid, p in found.items()})

    def ingest(self, paths: Sequence[Path]) -> tuple[SyncReport, list[str]]:
        """Add or update documents from files outside the corpus folder (keeps the rest). They
        are marked as added, so the next corpus sync keeps them."""
        documents, errors = load_corpus(paths)
        marked = [replace(doc, extra={**doc.extra, "origin": ADDED}) for doc in documents]
        report = self.index.sync(marked, remove_missing=False)
        self._derive_vocabulary()
        return report, errors

    def retriever(self, k: int | None = None) -> EvidenceRetriever:
        """The hybrid search as a LangChain retriever."""
        return EvidenceRetriever(search=self.search, k=k or self.settings.top_k)

    def as_runnable(self) -> Any:
        """The answer chain as a LangChain Runnable (see `assistant.lc`)."""
        from .lc import answer_chain

        return answer_chain(self)

    # ------------------------------------------------------------ ask

    def ask(self, question: Any, history: Sequence[dict[str, Any]] | None = None) -> Answer:
        started = time.perf_counter()
        reason = invalid_reason(question, self.settings.max_question_chars)
        if reason:
            return Answer(question=str(question)[:200], answer=reason, status="invalid_input",
                          timings_ms={"total": _ms(started)})  # fmt: skip
        stem, options = split_choices(question)
        if options:  # a multiple-choice question: its stem asked, then the option stated named
            answer = with_choice(self.ask(stem, history), options)
            answer.question = question
            answer.timings_ms["total"] = _ms(started)
            return answer
        routed = self.route(question, history)
        t0 = time.perf_counter()
        retrieval = self.retrieve(routed)
        timings = {"retrieve": _ms(t0)}
        t0 = time.perf_counter()
        plan, basis = self.run_tools(routed, retrieval)
        timings["tools"] = _ms(t0)
        t0 = time.perf_counter()
        answer = self.compose(routed, retrieval, plan, basis)
        timings["compose"] = _ms(t0)
        timings["total"] = _ms(started)
        answer.timings_ms = timings
        return answer

    # The stages of `ask`, one method each (the LangChain runnable wraps the same methods).

    def route(self, question: str, history: Sequence[dict[str, Any]] | None = None) -> Route:
        """The question read (see `route.route`), its numbers written as words first read as
        digits (see `numerals`) and its misspelt or shortened words as the evidence base's own
        (see `spelling`); the earlier turns' too, silently."""
        read, fixes = self._read_words(question)
        turns = list(history or [])
        for n, turn in enumerate(turns):
            if not isinstance(turn, dict):
                continue  # not a message (the route reads past it, as before)
            content = turn.get("content")
            if turn.get("role") == "user" and isinstance(content, str):
                turns[n] = {**turn, "content": self._read_words(content)[0]}
        routed = route(read, turns, self.profile)
        return replace(routed, corrections=fixes, typed=question) if fixes else routed

    def _read_words(self, text: str) -> tuple[str, tuple[Correction, ...]]:
        """`text` with its spelled numbers and misspelt words read, and each reading made."""
        digits, numbers = read_numbers(text)
        cited, studies = self.search.read_author_year(digits)
        spelt = self.search.speller().corrections(cited, self._claimed_word)
        return apply_corrections(cited, spelt), numbers + studies + spelt

    def _claimed_word(self, word: str) -> bool:
        """An arm's alias, a synonym or a study's name: a word with a meaning of its own."""
        return (
            word in self.search.synonyms
            or bool(self.profile.arms.in_text(word))
            or self.search.names_study(word)
        )

    def retrieve(self, routed: Route) -> Retrieval:
        k = max(self.settings.top_k, TOOL_CANDIDATES)
        return self.search.search(routed.query, k, route=routed)

    def run_tools(self, routed: Route, retrieval: Retrieval) -> tuple[ToolPlan, list[Passage]]:
        """The calculations, and the passages stating the thresholds they applied."""
        plan = plan_tools(
            routed,
            retrieval,
            self.search.keyword_search,
            self.profile,
            self.tools,
            self.search.document_passages,
        )
        if retrieval.arm_not_compared is not None and plan.sources:
            # The study asked about had no such arm: calculations on its other arms' figures,
            # read from the evidence, would answer a question that was not asked.
            plan.calls.clear()
            plan.sources.clear()
        found = self.index.passages_by_id(plan.rule_sources) if plan.rule_sources else {}
        return plan, [found[pid] for pid in plan.rule_sources if pid in found]

    def _in_scope(self, retrieval: Retrieval) -> bool:
        """Relevant enough to answer: a close sentence, and no specialist term the corpus lacks
        (unless the match is very close, or the question's other specialist words single out
        one document: then the answer says which words the evidence base lacks)."""
        if retrieval.best_similarity < self.settings.min_relevance:
            return False
        if off_topic(retrieval, self.settings.min_relevance) or retrieval.costs_unstated:
            return False
        close = excused_by_closeness(retrieval.best_similarity, retrieval.foreign_terms)
        return not retrieval.foreign_terms or close or anchored(retrieval)

    def _other_findings(self, routed: Route, retrieval: Retrieval, plan: ToolPlan) -> list[Passage]:
        """The sentences of a compared study answering the question's other parts ("..., and
        how did serious adverse events compare?"): each gives a figure and shares a word with
        the parts that the compared figures' sentence lacks (a part asking for what the
        calculation gives, "with a 95% CI", has no sentence of its own)."""
        if not (plan.sources and plan.calls[0].name in COMPARED_FROM_EVIDENCE):
            return []
        compared = plan.sources[0]
        if not routed.parts:
            return _outcomes_also_named(routed.question, compared, retrieval.passages)
        asked = set(bm25_tokens(" ".join(routed.parts))) - set(bm25_tokens(compared.text))
        return [
            p for p in retrieval.passages
            if p.id in retrieval.part_answers and p.document_id == compared.document_id
            and self.search.traits(p).figures and asked & set(bm25_tokens(p.text))
        ]  # fmt: skip

    def _entry_of_other_studies(self, retrieval: Retrieval, plan: ToolPlan) -> list[Passage]:
        """For an entry check under one study's rules, in a question naming other studies too
        ("which of A, B and C would have let her in?"): each other study's best-ranked
        sentence saying whom it took (the profile holds no rules of theirs to apply)."""
        if not (plan.calls and plan.calls[0].name == "trial_eligibility"):
            return []
        sources = plan.calls[0].output.get("sources") or ()
        checked = self.search.same_studies(frozenset(str(pid).split("#")[0] for pid in sources))
        found: dict[str, Passage] = {}
        for passage in retrieval.passages:
            document = passage.document_id
            if (document in retrieval.named_studies and document not in checked
                    and document not in found and ENTRY_STATED.search(passage.text)):  # fmt: skip
                found[document] = passage
        return list(found.values())

    def compose(
        self, routed: Route, retrieval: Retrieval, plan: ToolPlan, basis: list[Passage]
    ) -> Answer:
        """Direct answer, calculations and quoted evidence, verified (see `verify`)."""
        if plan.not_covered:
            return Answer(question=routed.as_asked, answer=plan.not_covered, status="no_evidence")
        if routed.asks_other_task:
            message = self.profile.no_evidence_message()
            return Answer(question=routed.as_asked, answer=message, status="no_evidence")
        if plan.notes and not plan.calls:
            message = " ".join(plan.notes)
            return Answer(question=routed.as_asked, answer=message, status="invalid_input")
        # Calculations on the user's own values stand alone; anything read from the evidence
        # (trial numbers fed to a tool, or a tool's thresholds) needs the evidence to cover
        # the question.
        from_user_only = plan.calls and not plan.sources and not plan.rule_sources
        # A patient's values checked against the profile's own criteria are covered by them,
        # whatever else the note says ("bx: >90% globally sclerosed glomeruli"), when the
        # check was asked for (an age alone, beside a condition the evidence base never names,
        # does not ask about its trial's entry).
        checks_patient = any(call.name in PATIENT_CHECKS for call in plan.calls) and not (
            routed.entry_implied and retrieval.foreign_terms
        )
        if not (from_user_only or checks_patient) and not self._in_scope(retrieval):
            message = no_evidence_message(retrieval, self.profile, routed.question)
            return Answer(question=routed.as_asked, answer=message, status="no_evidence")
        if not plan.calls and retrieval.figureless_terms:
            message = no_figure_message(retrieval, self.profile)
            return Answer(question=routed.as_asked, answer=message, status="no_evidence")
        # (an interval asked that no calculation gives is as unanswered as with none run)
        unanswered = not plan.calls or (
            INTERVAL.search(routed.question) and not any(map(_gives_interval, plan.calls))
        )
        if unanswered and retrieval.not_stated is not None:
            return self._not_stated(routed, retrieval.not_stated, retrieval.figures_not_stated)
        evidence = select_evidence(retrieval, self.settings, routed, self.search.traits)
        premise = plan.not_run
        if premise:  # a check the named study's definitions would decide: quote them
            evidence = retrieval.of_named_studies[:MAX_EVIDENCE] or evidence
        if retrieval.arm_not_compared is not None and not plan.calls:
            arm, design = retrieval.arm_not_compared
            evidence = [design, *(p for p in evidence if p.id != design.id)]
            premise = no_such_arm(arm, design, routed)
        part_answers = retrieval.part_answers
        if plan.calls:
            found = evidence_for_calls(retrieval.passages, evidence, plan, basis)
            # the study's verdict, when one is asked about, next after the computed figures
            verdict = [retrieval.verdict] if retrieval.verdict else []
            # then the sentences answering the question's other parts, which no
            # calculation covers
            parts = self._other_findings(routed, retrieval, plan)
            # and, for an entry check, the other studies the question names, in their words
            entries = self._entry_of_other_studies(retrieval, plan)
            part_answers = tuple(p.id for p in [*parts, *entries])
            evidence = [*plan.sources[:1], *verdict, *plan.sources[1:], *parts, *found, *entries]
        else:
            entries = []
        limit = max(MAX_EVIDENCE, len(plan.sources), len(basis)) + len(entries)
        if not plan.calls:  # and every later ask's sentence beyond them (`select_evidence`)
            limit += sum(1 for p in evidence[limit:] if p.id in part_answers)
        claims = retrieval.figures_not_stated
        elsewhere = claims.stated_in if claims else None
        confirmed = retrieval.figures_stated
        stating = confirmed.stated_in if confirmed and not premise else None
        also = confirmed.also_in if confirmed and not premise else None
        evidence = _unique(evidence)[:limit] + [p for p in (elsewhere, stating, also) if p]
        evidence = supporting_only(
            routed,
            _unique(evidence),
            plan.calls,
            self.profile.shared,
            part_answers,
            retrieval.verdict,
            # the line is about the question's figures, which the other sentence states
            premise=f"{' '.join(claims.figures)} {figures_not_stated(claims, 0)}" if claims else "",
        )
        if claims:  # after a premise about arms, if there is one
            corrected = figures_not_stated(claims, _position(elsewhere, evidence))
            premise = f"{premise}\n{corrected}" if premise else corrected
        elif confirmed and (position := _position(stating, evidence)) is not None:
            figures = "figures" if confirmed.count > 1 else "figure"
            measure = routed.measure
            if confirmed.at_other_time:
                when = f"at {confirmed.at_other_time}, not at the time point you give"
                premise = f"**{confirmed.study} states the same {figures} {when}.** [{position}]"
            elif measure and measure not in extract.measures_named(
                " ".join(p.text for p in (stating, also) if p)
            ):
                # the figures are right, the measure the question gives them is not the
                # sentence's ("43% vs 32% is the complete response, isn't it?")
                no = "No: " if is_polar(routed.question) else ""
                premise = (
                    f"**{no}{confirmed.study} states the same {figures}, but not as the "
                    f"{measure} response you name.** [{position}]"
                )
            elif otherwise := [
                v for p in (stating, also) if p for v in _labelled_otherwise(routed, p)
            ]:
                # some of the figures are the sentence's, but for another response measure
                # ("complete 49.6% vs 38.7%" when the 38.7% is the other arm's partial rate)
                no = (
                    "No: "
                    if is_polar(routed.question) or CHECKS_CLAIM.search(routed.question)
                    else ""
                )
                given = "; ".join(f"{v.percent:g}% as the {v.measure} response ({v.arm})"
                                  for v, _ in otherwise)  # fmt: skip
                right = "; ".join(f"{r.percent:g}% for {v.arm}" for v, r in otherwise if r)
                right = f" The {measure} response it gives: {right}." if right else ""
                premise = (
                    f"**{no}{confirmed.study} gives {given}, not as the {measure} response "
                    f"you name.{right}** [{position}]"
                )
            else:
                # a question asking whether its claim is right is answered yes first (not one
                # also claiming a verdict, "proved better", which the figures alone do not bear)
                checks = CHECKS_CLAIM.search(routed.question)
                yes = "Yes: " if checks and not VERDICT_ASKED.search(routed.question) else ""
                yes = "True: " if TRUE_OR_FALSE.match(routed.question) else yes
                second = _position(also, evidence)
                markers = f"[{position}]" + (f" [{second}]" if second else "")
                premise = (
                    f"**{yes}{confirmed.study} states the same {figures} you give.** {markers}"
                )
        asks_why = bool(_ASKS_WHY.match(routed.question))
        if not (premise or plan.calls) and evidence and (is_polar(routed.question) or asks_why):
            # a claim of which group had the higher figure, checked against the lead sentence
            # (a "why" question's claim only when it is wrong: "why were there fewer ...?")
            checked = direction_verdict(
                routed.question, evidence[0], routed.vocabulary, self.search.synonyms
            )
            wrong = bool(checked and checked.startswith("**No"))
            premise = f"{checked} [1]" if checked and (wrong or not asks_why) else premise
        citations = [_citation(p) for p in evidence]
        markdown = render(routed, evidence, plan.calls, missing_terms(retrieval), plan.notes,
                          part_answers, retrieval.verdict)  # fmt: skip
        if premise:
            markdown = f"{premise}\n{markdown}"
        if routed.corrections:
            markdown = f"{markdown}\n\n{corrections_note(routed.corrections)}"
        pool = grounding_pool(citations, evidence, plan.calls)
        markdown, _removed = enforce(markdown, pool)
        if not (citations or plan.calls) or not markdown:
            message = self.profile.no_evidence_message()
            return Answer(question=routed.as_asked, answer=message, status="no_evidence")
        if self.phraser is not None:  # optional LLM wording, kept only if it passes the checks
            phrased = self.phraser.phrase(routed.question, markdown, citations, plan.calls, pool)
            markdown = phrased or markdown
        return Answer(
            question=routed.as_asked,
            answer=markdown,
            status="answered",
            citations=citations,
            tool_calls=plan.calls,
            # Recomputed on the final text (after any phrasing): empty because the verifier
            # removed what it could not ground, never because it was not looked at.
            ungrounded_numbers=ungrounded_answer(markdown, pool),
        )

    def _not_stated(
        self, routed: Route, caveat: Passage, claims: FiguresNotStated | None = None
    ) -> Answer:
        """What was asked (or the figures it claims) is not in the evidence base: its sentence
        saying it could not be confirmed is quoted as the reason (status `no_evidence`, with
        that citation)."""
        citations = [_citation(caveat)]
        said = (
            figures_not_stated(claims, None)
            if claims
            else f"**The evidence base does not state this for {caveat.study}.**"
        )
        lead = f"{said} [1]"
        markdown = render(routed, [caveat], [])
        pool = grounding_pool(citations, [caveat], [])
        markdown, _removed = enforce(f"{lead}\n{markdown}", pool)
        return Answer(
            question=routed.as_asked,
            answer=markdown,
            status="no_evidence",
            citations=citations,
            ungrounded_numbers=ungrounded_answer(markdown, pool),
        )


def with_choice(answer: Answer, options: Sequence[Choice]) -> Answer:
    """The answer to a multiple-choice question's stem, led by the option a cited quote
    states ("**B) 23.7 mg twice daily** is the option the evidence states. [2]"), or by a line
    saying that none could be matched to one option."""
    if answer.status != "answered":
        return answer
    stated = stated_choice(options, answer.citations)
    if stated is None:
        lead = "_No single option could be matched to the evidence; it is quoted below._"
    else:
        choice, n = stated
        lead = f"**{choice.letter}) {choice.text}** is the option the evidence states. [{n}]"
    pool = grounding_pool(answer.citations, [], [])
    lead, _removed = enforce(lead, pool)
    answer.answer = f"{lead}\n{answer.answer}" if lead else answer.answer
    answer.ungrounded_numbers = [*ungrounded_answer(lead, pool), *answer.ungrounded_numbers]
    return answer


def corrections_note(corrections: Sequence[Correction]) -> str:
    """The words of the question read as others, said, so a wrong reading can be seen. A number
    written in words is named, not restated: its digits are the question's figure, which the
    answer states only where the evidence grounds it."""
    numbers = [c.typed for c in corrections if _digits(c.read) and not _digits(c.typed)]
    # (a natural frequency is not restated: its count is the question's figure)
    frequencies = [c.typed for c in corrections if c.read.endswith("%")]
    read = [f"“{c.typed}” as “{c.read}”" for c in corrections
            if c.typed not in numbers and c.typed not in frequencies]  # fmt: skip
    if frequencies:
        read.append("a count out of a hundred as a percentage")
    if numbers:
        read.append(f"numbers written in words ({', '.join(f'“{n}”' for n in numbers)}) as digits")
    return f"_Read {'; '.join(read)}._"


def _digits(text: str) -> bool:
    return any(ch.isdigit() for ch in text)


def no_such_arm(arm: str, design: Passage, routed: Route) -> str:
    """The premise corrected: the study asked about had no such arm (its design sentence,
    cited first, says which arms it compared)."""
    compared = " and ".join(routed.vocabulary.in_order(design.text))
    study = design.study
    return f"**{study} had no {arm} arm: it compared {compared}.** [1]"


def figures_not_stated(claims: FiguresNotStated, position: int | None) -> str:
    """The premise corrected: the figures the question gives the study it names are not that
    study's; when another document states them, it is named (and cited at `position`; None:
    that sentence is not cited). The figures are not repeated in the answer's own words."""
    if claims.stated_in is None or position is None:
        what, study = claims.what, claims.study
        return f"**The evidence base does not state the {what} you give for {study}.**"
    source = claims.source
    return (
        f"**The figures you give are not from {claims.study}: the evidence base gives them "
        f"for {source}.** [{position}]"
    )


def _position(passage: Passage | None, evidence: list[Passage]) -> int | None:
    """`passage`'s citation number in `evidence`, if it is cited."""
    ids = [p.id for p in evidence]
    return ids.index(passage.id) + 1 if passage is not None and passage.id in ids else None


def supporting_only(
    routed: Route,
    evidence: list[Passage],
    calls: list[ToolCall],
    shared: frozenset[str] = frozenset(),
    part_answers: Collection[str] = (),
    verdict: Passage | None = None,
    premise: str = "",
) -> list[Passage]:
    """Drop cited passages that support nothing the answer says (same rule as the evaluation:
    a figure-bearing quote must carry a figure the answer uses; a qualitative one must share
    its specific words). Padding citations are what make other tools' citations untrustworthy.
    `premise`: a line the answer opens with (a premise corrected)."""
    if len(evidence) <= 1:
        return evidence
    draft = {
        "answer": premise
        + render(routed, evidence, calls, part_answers=part_answers, verdict=verdict),
        "citations": [_citation(p).to_dict() for p in evidence],
        "tool_calls": [c.to_dict() for c in calls],
    }
    bibliography = {p.document_id: _bibliography(p) for p in evidence}
    flags = citation_support(draft, bibliography, shared)
    kept = [p for p, ok in zip(evidence, flags, strict=True) if ok]
    return kept or evidence[:1]


def _bibliography(passage: Passage) -> str:
    meta = passage.metadata
    return " ".join(str(meta.get(k, "")) for k in ("short_name", "citation", "year", "journal"))


def anchored(retrieval: Retrieval) -> bool:
    """The question's unfamiliar words are outweighed by specialist words that single out the
    best passage's document: more of those than of them (one known drug name does not make
    "<known drug> in <unknown disease>" a question the evidence base covers)."""
    return len(retrieval.anchors) > len(retrieval.foreign_terms)


def missing_terms(retrieval: Retrieval) -> tuple[str, ...]:
    """Specialist words of the question the evidence base never uses, said plainly in an
    answer given from the document its other specialist words single out."""
    return retrieval.foreign_terms if anchored(retrieval) else ()


def off_topic(retrieval: Retrieval, min_relevance: float) -> bool:
    """A question naming a study but asking, in words the corpus never uses, something no
    sentence comes close to once the name is taken out."""
    beside = retrieval.similarity_without_names
    return beside is not None and beside < min_relevance


def no_evidence_message(retrieval: Retrieval, profile: Profile, question: str = "") -> str:
    """What the evidence base lacks, named as the question wrote it ("SGLT2", not "sglt2")."""
    named_words = retrieval.foreign_terms or retrieval.unnamed_unknown
    if not named_words:
        return profile.no_evidence_message()
    terms = ", ".join(f"“{_as_typed(t, question)}”" for t in named_words)
    return f"Nothing in the evidence base mentions {terms}. {profile.no_evidence_message()}"


def _as_typed(word: str, question: str) -> str:
    found = re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", question, re.I)
    return found.group() if found else word


def no_figure_message(retrieval: Retrieval, profile: Profile) -> str:
    named = ", ".join(f"“{t}”" for t in retrieval.figureless_terms)
    kinds = " or ".join(retrieval.figures_asked)  # "dose", "rate", "duration" name themselves
    return (
        f"The evidence base names {named} only in sentences that give no {kinds} for it. "
        f"{profile.no_evidence_message()}"
    )


def select_evidence(
    retrieval: Retrieval,
    settings: Settings,
    routed: Route,
    traits: Callable[[Passage], PassageTraits] = PassageTraits.of,
) -> list[Passage]:
    """The best passages by fused rank (a curated finding first; for a yes/no question about a
    finding, that document's own conclusion first); `supporting_only` later drops any that
    support nothing the answer says. `traits` reads a passage's tokens (the search's cache)."""
    if not retrieval.passages:
        return []
    top = retrieval.passages[: settings.top_k]
    if routed.pointed_at:  # "how many patients does that come to?": the sentence stating them
        top = sorted(top, key=lambda p: not _repeats(p, routed.pointed_at))
    elif routed.stated_before:  # a follow-up: what the previous answer said is not news
        top = [p for p in top if not _repeats(p, routed.stated_before)] or top
    # An interviewer's question or remark is context, never the finding an answer leads with;
    # a curated source leads when one among the top passages is about the question (it shares
    # a word with it, or is as close as the scope check asks), not one ranked there by boosts.
    findings = [p for p in top if not interviewer_turn(p)] or top
    asked = set(bm25_tokens(routed.query))
    curated = [
        p
        for p in findings[:CURATED_LEAD]
        if not unchecked(p.metadata)
        and (asked & traits(p).tokens or p.score >= settings.min_relevance)
    ]
    best = curated[0] if curated else findings[0]
    lead = conclusion_of(best.document_id, retrieval.passages) if asks_conclusion(routed) else None
    lead = retrieval.verdict or lead
    ordered = [lead, best] if lead and lead.id != best.id else [best]
    # the sentence checking a claim the question rests on is kept, whatever its rank
    ordered += [p for p in top if p.id in retrieval.premise_answers and p not in ordered]
    rest = [p for p in top if p.text not in {q.text for q in ordered}]
    chosen = [*ordered, *rest][:MAX_EVIDENCE]
    # every ask of a question asking several keeps the sentence found for it
    return chosen + [p for p in rest if p.id in retrieval.part_answers and p not in chosen]


def _repeats(passage: Passage, stated: frozenset[float]) -> bool:
    """Every result the passage gives (its percentages, or else its figures) was stated
    already; a time point or a count beside them is not news. A passage without figures says
    something else."""
    tokens = quoted_numbers(passage.text)
    results = [t for t in tokens if t.percent] or tokens
    figures = {value_key(abs(t.value)) for t in results}
    return bool(figures) and figures <= stated


def asks_conclusion(routed: Route) -> bool:
    """A yes/no question about what a study found is answered first by its authors'
    conclusion (not a question about its methods, population, doses or terms, nor one that
    doubts a figure or a claim: "Is that right?" is answered by the sentence it doubts)."""
    return (
        routed.cues.polar
        and not routed.cues.asks_about_sources
        and routed.intent in ("fact", "comparison")
        and routed.facet in (None, "efficacy", "safety")
    )


def conclusion_of(document_id: str, candidates: list[Passage]) -> Passage | None:
    """The best-ranked sentence of the document's conclusions section among `candidates`."""
    return next(
        (p for p in candidates
         if p.document_id == document_id and p.metadata.get("section") == "CONCLUSIONS"),
        None,
    )  # fmt: skip


def evidence_for_calls(
    candidates: list[Passage], evidence: list[Passage], plan: ToolPlan, basis: list[Passage]
) -> list[Passage]:
    """What a calculation cites: passages holding the numbers the user gave ("29 of 157" ->
    the sentence with 29 and 18.5), else the passages stating the thresholds the tool applied
    (its output's `sources`), else nothing for a pure unit conversion."""
    wanted = {value_key(t.value) for call in plan.calls if call.name == "rate"
              for t in numbers_in(" ".join(str(v) for v in call.inputs.values()))}  # fmt: skip
    matching = [
        p
        for p in candidates
        if len(wanted & {value_key(t.value) for t in quoted_numbers(p.text)}) >= 2
    ]
    if matching or basis:
        return matching or basis
    if all(call.name == "convert" for call in plan.calls):
        # A value converted is cited where the best passages state it in the same unit ("the
        # cut-off was 260 µmol/L": the sentence giving "≤260 μmol/L"); a value of the user's
        # own has no source.
        stated = {_value_in_unit(call.inputs["value"], call.inputs["from_unit"])
                  for call in plan.calls}  # fmt: skip
        return [p for p in candidates[:MAX_EVIDENCE] if stated & _values_in_units(p.text)][:1]
    return evidence


_VALUE_IN_UNIT = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]+/[a-z]+|[a-z]+)")


def _value_in_unit(value: Any, unit: Any) -> tuple[float, str]:
    return value_key(float(value)), str(unit).lower().replace("µ", "u").replace("μ", "u")


def _values_in_units(text: str) -> set[tuple[float, str]]:
    """ "≤260 μmol/L, BMI 18.5-27 kg/m2" -> {(260.0, "umol/l"), (27.0, "kg/m"), ...}."""
    lowered = text.lower().replace("µ", "u").replace("μ", "u")
    return {_value_in_unit(m.group(1), m.group(2)) for m in _VALUE_IN_UNIT.finditer(lowered)}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def render(
    routed: Route,
    evidence: list[Passage],
    calls: list[ToolCall],
    missing: tuple[str, ...] = (),
    notes: Sequence[str] = (),
    part_answers: Collection[str] = (),
    verdict: Passage | None = None,
) -> str:
    """Direct answer first, then calculations with their inputs (and `notes`: how the
    question's values were read, or which were not), then the quoted evidence; `missing`:
    words of the question the evidence base never uses, named under the answer;
    `part_answers`: sentences answering the later parts of a question asking several."""
    lines = [direct_answer(routed, evidence, calls, part_answers, verdict), ""]
    if missing:
        terms = ", ".join(f"“{t}”" for t in missing)
        lines += [f"_Nothing in the evidence base mentions {terms}: this is its closest "
                  "evidence._", ""]  # fmt: skip
    if calls:
        lines.append("**Calculation**")
        lines += [_calculation_line(n, call) for n, call in enumerate(calls)]
        lines += [f"- _{note}_" for note in notes]
        lines.append("")
    if evidence:
        lines.append("**Evidence**")
        for n, passage in enumerate(evidence, start=1):
            lines.append(f"- [{n}] “{passage.text}” ({source_label(passage)})")
    if routed.asks_advice:
        lines += ["", ADVICE_NOTE]
    return "\n".join(lines).strip()


def direct_answer(
    routed: Route,
    evidence: list[Passage],
    calls: list[ToolCall],
    part_answers: Collection[str] = (),
    verdict: Passage | None = None,
) -> str:
    """What a clinician reads at a glance: the tool result (with the study's verdict when one
    is asked about), or the best one or two sentences."""
    if len({c.output.get("study") for c in calls} - {None}) > 1:
        return (
            "**Between-arm differences by study, side by side and not pooled: each trial "
            "defines response in its own way and compares different drugs.**"
        )
    if calls:  # the result in a clinician's words first, its other figures on the next line
        marker = " [1]" if evidence and evidence[0].id else ""
        head, rest = calculation_words(calls[0].to_dict())
        # a yes/no question about a patient's response is answered yes or no first
        yes_no = response_yes_no(calls[0].to_dict()) if is_polar(routed.question) else ""
        head = f"{yes_no}: {head}" if yes_no else head
        said = {verdict.id} if verdict is not None else set()
        said |= {p.id for p in evidence[1:] if p.id in part_answers and p.id != evidence[0].id}
        if "stated_value" in calls[0].output:  # a value set against a figure a sentence states
            said |= set(calls[0].output.get("sources") or ())
        stated = [_statement(routed, p, n) for n, p in enumerate(evidence, start=1)
                  if p.id in said]  # fmt: skip
        return "\n".join([f"**{head}**{marker}", *([rest] if rest else []), *stated])
    # Findings only: an interviewer's turn stays in the evidence list, as context (unless the
    # question quotes its figure: "the interview says 70% ... was that a trial result?").
    numbered = list(enumerate(evidence, start=1))
    asked = {value_key(value) for value in routed.figures}
    findings = [(n, p) for n, p in numbered if not interviewer_turn(p)
                or asked & {value_key(t.value) for t in quoted_numbers(p.text)}]  # fmt: skip
    if not numbered:
        return ""
    lead, *others = findings or numbered
    # A second sentence only when it is about the response measure asked for, if one is named
    # (after "and overall response?", the complete response of the turn before is not).
    second = [(n, p) for n, p in others[:1] if _same_measure(routed, p)]
    # A later part of a question asking several gets its own sentence.
    parts = [(n, p) for n, p in others if p.id in part_answers and (n, p) not in second]
    # Every other sentence of the lead's document stating all the figures the question gives:
    # the same figures under another label ("SAEs 8.9% vs 16.2%" in one sentence, "infection
    # 8.9% vs 16.2%" in another) is news. (Another study's: see `figures_not_stated`.)
    claimed = _claimed_percentages(routed.question)
    restated = [(n, p) for n, p in others if claimed and (n, p) not in [*second, *parts]
                and p.document_id == lead[1].document_id
                and claimed <= {value_key(t.value) for t in quoted_numbers(p.text)}]  # fmt: skip
    chosen = [lead, *second, *parts, *restated]
    chosen += _figures_of_another_outcome(routed, chosen, [x for x in others if x not in chosen])
    statements = [_statement(routed, p, n) for n, p in chosen]
    return "\n".join(statements)  # one source per line


def _figures_of_another_outcome(
    routed: Route, chosen: list[tuple[int, Passage]], rest: list[tuple[int, Passage]]
) -> list[tuple[int, Passage]]:
    """Under a lead giving no rates, the next sentence of its document giving rates of
    something the question names that no sentence said so far gives rates of ("10-year death
    and end-stage kidney disease rates": the death rates beside the kidney failure ones)."""
    asked = set(bm25_tokens(routed.question))

    def rates(passage: Passage) -> bool:
        return any(t.percent for t in quoted_numbers(passage.text))

    covered = set().union(*(bm25_tokens(p.text) for _n, p in chosen if rates(p)))
    if not covered or rates(chosen[0][1]):
        return []  # (a lead giving rates answers with its own)
    # (what the lead names without its rates: "None of the differences in death or ...")
    wanted = (asked & set(bm25_tokens(chosen[0][1].text))) - covered
    lead = chosen[0][1].document_id
    adds = [(n, p) for n, p in rest if p.document_id == lead and rates(p)
            and wanted & set(bm25_tokens(p.text))]  # fmt: skip
    return adds[:1]


def _claimed_percentages(question: str) -> frozenset[float]:
    """The percentages a question gives, when it gives two or more (a claimed comparison)."""
    values = frozenset(value_key(float(m.group(1))) for m in extract.PERCENT.finditer(question))
    return values if len(values) >= 2 else frozenset()


def _labelled_otherwise(
    routed: Route, passage: Passage
) -> list[tuple[extract.ArmValue, extract.ArmValue | None]]:
    """The question's percentages that the sentence gives only as another response measure
    than the one the question names (its "complete ... 38.7%" when the sentence's 38.7% is a
    partial response rate), each with the same arm's figure for the measure named, if given."""
    if routed.measure is None:
        return []
    values = [v for v in extract.arm_values(passage.text, routed.vocabulary) if v.percent]
    otherwise = []
    for match in extract.PERCENT.finditer(routed.question):
        key = value_key(float(match.group(1)))
        given = [v for v in values if value_key(v.percent or 0.0) == key]
        if given and all(v.measure not in ("other", routed.measure) for v in given):
            named = (v for v in values if v.arm == given[0].arm and v.measure == routed.measure)
            otherwise.append((given[0], next(named, None)))
    return otherwise


def _same_measure(routed: Route, passage: Passage) -> bool:
    """The passage names no response measure, or the one the question names (if any), be it
    beside others ("complete ... 49.6%, overall ... 83%")."""
    asked = routed.measure
    named = extract.measures_named(passage.text)
    return asked is None or not named or asked in named


def _statement(routed: Route, passage: Passage, marker: int) -> str:
    """One cited sentence in the answer's voice, then its marker and a compact source badge
    (focused on the arm asked about when the sentence gives several arms)."""
    focused = focused_clauses(passage, routed)
    plain = plain_statement(strip_speaker(passage.text))
    said = (f"For {focused[0]}: {focused[1]}" if focused[0] else focused[1]) if focused else plain
    return f"{said} [{marker}] _({source_phrase(passage)})_"


# A sentence saying whom a study took: "enrolled adults aged 18 to 65", "allowed patients aged",
# "entry required a ratio of at least 1 mg/mg".
ENTRY_STATED = re.compile(
    r"\b(?:enrolled|allowed|recruited|included|eligible|inclusion|excluded)\b[^.]{0,60}?"
    r"\baged?\s+\d|"
    r"\b(?:entry|inclusion|eligibility|required|requiring)\b[^.]{0,60}?"
    r"\b(?:at\s+least|at\s+most|or\s+more|or\s+less|below|above|under|over|within)\b",
    re.I,
)
# The arm a conversation is on, pointed back at: "that same drug", "this arm".
_SAME_ARM = re.compile(
    r"\b(?:(?:that|this|the)\s+)?same\s+(?:drug|arm|group|treatment|medicine|medication|agent)\b|"
    r"\b(?:that|this)\s+(?:drug|arm|group|treatment|medicine|medication|agent)\b",
    re.I,
)
# "in each arm", "both groups", "the two arms": every arm's figure is asked for.
EVERY_ARM = re.compile(
    r"\b(?:each|both|every|all)\s+(?:arms?|groups?)\b|\bthe two (?:arms|groups)\b", re.I
)


def focused_clauses(passage: Passage, routed: Route) -> tuple[str, str] | None:
    """When a follow-up switches to one arm ("and with drug B?", "and the other arm?"), that
    arm and just its figures from a sentence giving several (a first question, or one asking
    for each arm, keeps the comparator beside it)."""
    if not routed.follow_up_of or routed.new_study or EVERY_ARM.search(routed.query):
        return None
    # "that same drug", "that arm": the one arm the conversation is on
    same_arm = bool(_SAME_ARM.search(routed.question)) and len(routed.arms) == 1
    if not (routed.other_than or same_arm or routed.vocabulary.in_question(routed.question)):
        # a group the sentence names in its own words ("and in the high-dose arm?"); else it
        # turns to another measure or time, not to an arm: keep them all
        return _focused_group(passage, routed.question) or _focused_clause(passage, routed)
    values = extract.arm_values(passage.text, routed.vocabulary)
    arms = list(dict.fromkeys(v.arm for v in values))
    if len(arms) < 2:
        return None
    if routed.other_than:  # "the other arm": the sentence's arm not named before
        others = [arm for arm in arms if arm not in routed.other_than]
        wanted_arm = others[0] if len(others) == 1 else None
    else:
        wanted_arm = routed.arms[0] if len(routed.arms) == 1 else None
    # (every response measure asked: "complete versus partial" wants both of the arm's)
    wanted = extract.measures_named(routed.query)
    picked = [v for v in values if v.arm == wanted_arm and (not wanted or v.measure in wanted)]
    if wanted_arm is None or not picked:
        return None
    parts = [f"{v.figure}{_counts_written(v, passage)} ({_measure_words(v)})" if v.figure
             else v.clause.rstrip(".") for v in picked]  # fmt: skip
    return wanted_arm, "; ".join(parts) + "."


# Where a sentence joins two findings: "..., and in 11.0% versus 7.6% when ...", "...; ..."
_FINDINGS_JOINED = re.compile(r",\s+and\s+|;\s+")


def _focused_clause(passage: Passage, routed: Route) -> tuple[str, str] | None:
    """For a follow-up narrowing the last question by a condition ("and if you take the
    COVID-19 cases out?"), the one clause of a sentence joining two findings that names it, led
    by the sentence's opening ("In X, serious infections occurred in 11.0% versus 7.6% when
    COVID-19 events were excluded."); the label is empty: the text says what it is about."""
    clauses = _FINDINGS_JOINED.split(passage.text)
    figured = [c for c in clauses if extract.PERCENT.search(c)]
    new = set(bm25_tokens(routed.question)) - set(bm25_tokens(routed.follow_up_of or ""))
    naming = [c for c in figured if new & set(bm25_tokens(c))]
    if len(figured) < 2 or len(naming) != 1 or naming[0] is figured[0]:
        return None
    first = extract.PERCENT.search(figured[0])
    assert first is not None
    head = figured[0][: first.start()].split()
    clause = naming[0].split()
    if head and clause and head[-1].lower() == clause[0].lower():
        head = head[:-1]  # "... occurred in" + "in 11.0% versus ...": one "in"
    return "", " ".join([*head, *clause])


def _focused_group(passage: Passage, question: str) -> tuple[str, str] | None:
    """The one group of the sentence's figures (as its facts, extracted at ingest, name it:
    "the high-dose arm") that the question names by a word no other group's name has, with
    just its figures as the sentence writes them."""
    facts = [f for f in facts_of(passage.metadata)
             if f.kind == "proportion" and f.group and f.span]  # fmt: skip
    groups = list(dict.fromkeys(str(f.group) for f in facts))
    named = group_named(question, groups) if len(groups) > 1 else None
    if named is None:
        return None
    figures = []
    for fact in (f for f in facts if f.group == named):
        what = " ".join(w for w in (fact.outcome, (fact.timepoint or "").lower()) if w)
        figure = passage.text[fact.span[0] : fact.span[1]]
        figures.append(f"{figure} ({what})" if what else figure)
    return named, "; ".join(figures) + "."


def _counts_written(value: extract.ArmValue, passage: Passage) -> str:
    """ ", 15/31" when the sentence writes the arm's figure with its count and total ("15/31
    (48.4%)"), as the facts extracted from it at ingest record."""
    facts = facts_of(passage.metadata)
    counted = next((f for f in facts if f.percent is not None and f.percent == value.percent
                    and f.events is not None and f.total), None)  # fmt: skip
    return f", {counted.events}/{counted.total}" if counted else ""


def _measure_words(value: extract.ArmValue) -> str:
    return extract.MEASURE_WORDS.get(value.measure or "", "as reported")


def _calculation_line(position: int, call: ToolCall) -> str:
    """The first calculation is already the direct answer: here it only shows its inputs."""
    title, inputs = tool_title(call.name), inputs_words(call.to_dict())
    if position == 0 and not call.output.get("study"):
        return f"- {title}, from {inputs}" + interval_methods(call.output)
    head, rest = calculation_words(call.to_dict())
    study = call.output.get("study")
    named = f"{study}: " if study else ""
    joint = " " if head.endswith(".") else "; "
    return f"- {named}{head}" + (f"{joint}{rest}" if rest else "") + f" _({title}, from {inputs})_"


def _unique(passages: list[Passage]) -> list[Passage]:
    by_id: dict[str, Passage] = {}
    for passage in passages:
        by_id.setdefault(passage.id, passage)
    return list(by_id.values())


def unchecked(meta: dict[str, Any]) -> bool:
    """Uploaded or added from a file by a user: nobody checked it against its source."""
    return (
        meta.get("provenance") == "upload"
        or meta.get("origin") == ADDED
        or meta.get("kind") == "upload"
    )


def source_phrase(passage: Passage) -> str:
    """Who says it, as a compact badge ("Smith interview 2021 · news interview", "… · unchecked
    upload"), so a clinician can tell trial data from an interview remark or from a file
    someone added."""
    return badge(passage.metadata)


def source_label(passage: Passage) -> str:
    meta = passage.metadata
    name = meta.get("short_name") or meta.get("doc_id")
    if unchecked(meta) or not meta.get("design"):
        return f"{name}, uploaded document, not checked"
    return f"{name}, {meta['design']}"


def strip_speaker(sentence: str) -> str:
    return _SPEAKER_PREFIX.sub("", sentence).strip()


def _citation(passage: Passage) -> Citation:
    return Citation(
        id=passage.id,
        document=passage.document_id,
        title=str(passage.metadata.get("title", passage.document_id)),
        quote=passage.text,
    )


def grounding_pool(
    citations: list[Citation], evidence: list[Passage], tool_calls: list[ToolCall]
) -> GroundingPool:
    """Numbers the answer may contain: cited quotes, tool calls, cited sources' bibliography."""
    bibliography = [
        " ".join(str(p.metadata.get(k, "")) for k in ("short_name", "design", "year"))
        for p in evidence
    ]
    pool = GroundingPool(texts=[c.quote for c in citations] + bibliography)
    for call in tool_calls:
        pool.add_value(call.inputs)
        pool.add_value(call.output)
        pool.add_value(call.text)
    return pool


def _ms(since: float) -> float:
    return (time.perf_counter() - since) * 1000.0


def _gives_interval(call: ToolCall) -> bool:
    """The calculation states a confidence interval (of a rate, a difference or a ratio)."""
    return any("ci_low" in key and value is not None for key, value in call.output.items())


def _outcomes_also_named(
    question: str, compared: Passage, passages: list[Passage]
) -> list[Passage]:
    """For a question naming two outcomes in one ask ("how did serious adverse events and
    serious infections compare?"), the compared study's sentence setting the groups' figures of
    the other side by side: its outcome (from the facts extracted at ingest) is named in the
    question, word for word, and the compared sentence does not name it."""
    asked = set(bm25_tokens(question))
    computed = f" {' '.join(bm25_tokens(compared.text))} "

    def other_outcome_asked(passage: Passage) -> bool:
        named = (bm25_tokens(o) for o in _pair_outcomes(passage))
        return any(set(o) <= asked and f" {' '.join(o)} " not in computed for o in named)

    same_study = (p for p in passages
                  if p.document_id == compared.document_id and p.id != compared.id)  # fmt: skip
    return next(([p] for p in same_study if other_outcome_asked(p)), [])


def _pair_outcomes(passage: Passage) -> list[str]:
    """The outcomes of the groups' figures a passage sets side by side."""
    pairs = group_pairs(facts_of(passage.metadata))
    return [a.outcome.lower() for a, _ in pairs if a.outcome]
