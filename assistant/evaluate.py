"""Run a question set through the public API, score every answer, and write a report.

Judge-free and deterministic: every score below is computed from the `Answer` dict, the
question's expectations and the retriever's ranking, with no model in the loop.

Per question (see `score_answer`):
  * pass/fail, with the reasons for a failure;
  * number accuracy: each `must_include_numbers` entry stated and each
    `must_not_include_numbers` entry absent, compared by value (`verify.numbers_in`) in what
    the answer asserts in its own voice: its text outside quotation marks (`claim_text`);
    `any_of_words` is checked in the same text, a word negated right before it not counting
    ("not eligible" does not say "eligible": `asserts_word`);
  * citation recall: the expected passage (document + quote substring) is among the citations;
  * citation precision: share of citations whose quote supports the answer
    (defined exactly in `citation_support`);
  * retrieval recall@k: the expected passage is among the top-k passages the retriever returns
    for the question the chain searches (follow-ups resolved by the router);
  * refusal accuracy (out_of_scope and traps): the expected status and no forbidden number;
  * ungrounded numbers: numbers in the answer found neither in a cited quote, nor in a tool
    call, nor in the bibliographic data of a cited document (plus any the answer reports);
  * latency: wall-clock time of `ask`.

Command line (also wired as `python -m assistant eval`):
    python -m assistant.evaluate [QUESTIONS] [--report DIR] [--k K]
The exit status is 0 when every threshold holds, 1 when one fails, 2 on a bad question file.
"""

from __future__ import annotations

import argparse
import base64
import html
import io
import json
import math
import re
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .numerals import with_digits
from .support import (
    asserts_word,
    citation_support,
    claim_text,
    normalise_text,
    number_present,
    number_stated,
    numbers_of_value,
)
from .verify import NumberToken, numbers_in

if TYPE_CHECKING:
    from .answer import EvidenceAssistant

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_QUESTIONS = PROJECT_ROOT / "tests" / "eval" / "questions.jsonl"
DEFAULT_REPORT_DIR = Path("eval-report")

# ------------------------------------------------------------------ thresholds
# Two splits (tests/eval/README.md): `questions.jsonl` is the dev split, which changes may be
# tuned on; `test_questions.jsonl` is the frozen test split, written before the evidence-model
# change of issue 11 and never tuned on. Each has its own floors, set at what was measured on
# 2026-12-01 after the question-derived rules were deleted (the dev split passed 91.4% with
# them); floors only go up for a given set. On 2026-12-05 the dev split grew from 116 to 284
# questions in two batches (88, then 80) written anew by writers who never read the test split
# (each batch passed about what the test split passed before the changes it then guided), so
# the dev floor was set again from the larger set. On 2026-12-06 60 more (ids d4-...), written
# from the evidence alone by a writer who read no code and no question, joined it (they passed
# 45.0% before that day's changes they then guided), then 30 patient and eligibility checks
# (ids d5-..., 60.0% before the parser fixes they guided); later that day 60 more (ids d6-...,
# 65.0% before the changes they guided); the dev split is 434 questions. The target for both
# is issue 11's 95%.
TARGET_PASS_RATE = 0.95
# Floors one question below the measured rates (scores near ties can differ between processes).
# The third frozen split ("test3") has floors of its own, set from its first run (71.7%,
# refusal accuracy 81.8% (9/11), citation precision 0.413), never from a tuned one.
# 2026-12-06 (third session): dev 82.4% (440/534, grown by 100 fresh questions), test
# 70.9% (78/110), test 2 73.3% (44/60), test 3 78.3% (47/60).
# 2026-12-06 (fourth session): dev 81.2% (531/654, grown by 120 fresh questions that passed
# 66.7% and 51.7% on the session's starting commit), test 76.4% (84/110), test 2 73.3%,
# test 3 78.3%.
# 2026-12-06 (seventh session): dev 83.2% (744/894, grown by 60 fresh questions that passed
# 63.3% on the session's starting commit), test 77.3% (85/110), test 2 75.0%, test 3 80.0%.
# 2026-12-06 (eighth session): dev 84.6% (858/1014, grown by 120 fresh questions that passed
# 68.3% and 60.0% on the session's starting commit), test 77.3% (85/110), test 2 76.7%,
# test 3 81.7%.
# 2026-12-06 (ninth session): dev 83.6% (948/1134, grown by 120 fresh questions that passed
# 60.0% and 56.7% on the session's starting commit), test 77.3%, test 2 78.3%, test 3 83.3%.
# 2026-12-06 (tenth session): dev 83.0% (1041/1254, grown by 120 fresh questions that passed
# 73.3% and 55.0% on the session's starting commit), test 78.2% (86/110), test 2 78.3%,
# test 3 83.3%.
# 2026-12-07 (eleventh session): dev 82.8% (1137/1374, grown by 120 fresh questions that
# passed 70.0% and 65.0% on the session's starting commit under today's scorer), test 78.2%,
# test 2 78.3%, test 3 83.3%; dev refusal 88.5% (the fresh batches' 86.7% and 80.0%).
# 2026-12-07 (twelfth session): dev 83.1% (1292/1554, grown by 180 fresh questions that
# passed 68.3%, 68.3% and 60.0% on the session's starting commit; the last batch was never
# tuned on), test 79.1%, test 2 78.3%, test 3 85.0%; dev refusal 87.7% (the fresh batches'
# traps and out-of-scope asks 66.7%, 86.7% and 93.3%; 87.7% on the starting commit too).
# 2026-12-07 (eighteenth session): dev 83.1% (1441/1734, grown by 180 fresh questions that
# passed 61.7%, 68.3% and 66.7% on the session's starting commit; the second batch was never
# tuned on), test 80.0% (88/110), test 2 78.3%, test 3 85.0%; dev refusal 85.7% (the fresh
# batches' traps and out-of-scope asks 60.0%, 60.0% and 80.0%; 85.2% on the starting commit).
# 2026-12-07 (nineteenth session): dev 84.0% (1708/2034, grown by 300 fresh questions that
# passed 73.3%, 65.0%, 71.7%, 73.3% and 78.3% on the session's starting commit; the second
# batch was never tuned on), test 80.0% (88/110), test 2 78.3%, test 3 85.0%; dev refusal
# 89.6% (84.6% on the starting commit): its floor goes back up to 0.87, the pass floor to 0.83.
# 2026-12-07 (twentieth session): dev 84.6% (1872/2214, grown by 180 fresh questions that
# passed 80.0%, 73.3% and 63.3% on the session's starting commit; the second batch was never
# tuned on and passes 78.3% now), test 80.9% (89/110), test 2 78.3%, test 3 85.0%; dev
# refusal 92.2% (89.6% on the starting commit): the dev floors go up to 0.84 and 0.9.
# 2026-12-07 (twenty-first session): dev 84.8% (2031/2394, grown by 180 fresh questions that
# passed 76.7%, 78.3% and 71.7% on the session's starting commit; the second batch was never
# tuned on and passes 78.3% now), test 81.8% (90/110), test 2 80.0%, test 3 85.0%; dev
# refusal 91.7% (the same on the starting commit); floors unchanged.
# 2026-12-07 (twenty-second session): dev 84.1% (2216/2634, grown by 240 fresh questions that
# passed 75.0%, 75.0%, 65.0% and 73.3% on the session's starting commit; the second and fourth
# batches were never tuned on until they joined, and passed 75.0% and 73.3% then), test 82.7%
# (91/110), test 2 80.0%, test 3 85.0%; dev refusal 91.9%: the dev pass floor goes back to
# 0.83 (the grown split passes 0.841, two questions above 0.84, with a few answers known to
# flip between runs).
# 2026-12-07 (twenty-third session): dev 83.7% (2505/2994, grown by 360 fresh questions that
# passed 71.7%, 80.0%, 81.7%, 60.0%, 73.3% and 71.7% on the session's starting commit; the
# second and fourth batches were never tuned on and passed 80.0% and 61.7% at the end), test
# 82.7%, test 2 80.0%, test 3 85.0% (unchanged); dev refusal 91.8%, citation precision 0.412:
# floors unchanged.
# 2026-12-07 (twenty-fourth session): dev 83.1% (2786/3354, grown by 360 fresh questions that
# passed 71.7%, 85.0%, 58.3%, 73.3%, 75.0% and 68.3% on the session's starting commit; the
# second, fourth and sixth batches were never tuned on and passed 85.0%, 73.3% and 68.3% at the
# end), test 82.7%, test 2 81.7%, test 3 85.0%; dev refusal 91.2%, citation precision 0.407:
# the dev pass floor goes to 0.82 (the grown split is 0.6 points above 0.83, with a few answers
# known to flip between runs).
# 2026-12-08 (twenty-fifth session): dev 82.9% (3078/3714, grown by 360 fresh questions that
# passed 73.3%, 68.3%, 76.7%, 78.3%, 70.0% and 83.3% on the session's starting commit; the
# second, fourth and sixth batches were never tuned on and passed 68.3%, 78.3% and 83.3% at the
# end), test 82.7%, test 2 81.7%, test 3 85.0%; dev refusal 91.1%, citation precision 0.402:
# floors unchanged (the grown split is 0.9 points above the dev pass floor).
# (test 2 is judged against the test split's floors: 0.383 citation precision holds them down)
MIN_PASS_RATE = {"dev": 0.82, "test": 0.74, "test3": 0.81}
MIN_REFUSAL_ACCURACY = {"dev": 0.9, "test": 0.9, "test3": 0.81}  # 91.9%, 96.2%, 90.9%
MAX_UNGROUNDED_NUMBERS = 0
# Citation precision against each question's labelled acceptable passages (independent of
# the chain); the chain's own support rule is reported beside it as a consistency check.
# (dev set again when it grew to 534 questions: 0.402 measured; the clinic-note batch cites
# both sources of a criterion where its labels name one)
MIN_CITATION_PRECISION = {"dev": 0.39, "test": 0.37, "test3": 0.39}  # 0.414, 0.445, 0.413
MIN_SUPPORT_RATE = 0.95
TEST_QUESTIONS = PROJECT_ROOT / "tests" / "eval" / "test_questions.jsonl"
# A second frozen split, written on 2026-12-05 by a writer who read neither the code nor any
# other question; never tuned on (60 questions, ids tf60+, rf60+, ...). Same floors as the test
# split.
TEST_QUESTIONS_2 = PROJECT_ROOT / "tests" / "eval" / "test_questions_2.jsonl"
# A third frozen split, written on 2026-12-06 by a writer who read only the evidence (no code,
# no question), in the middle of that day's changes and run for the first time after them
# (60 questions, ids t3-...). Same floors as the test split.
TEST_QUESTIONS_3 = PROJECT_ROOT / "tests" / "eval" / "test_questions_3.jsonl"
FROZEN_SPLITS = (TEST_QUESTIONS, TEST_QUESTIONS_2, TEST_QUESTIONS_3)


def split_of(path: str | Path) -> str:
    """ "test" for a frozen split's file (test_*.jsonl; "test3" for the third, whose floors
    are its own), else "dev"."""
    name = Path(path).name
    if name == TEST_QUESTIONS_3.name:
        return "test3"
    return "test" if name.startswith("test_") else "dev"


CATEGORIES = (
    "trial_facts",
    "reference_facts",
    "computation",
    "patient_remission",
    "eligibility",
    "follow_up",
    "out_of_scope",
    "traps",
)
REFUSAL_CATEGORIES = ("out_of_scope", "traps")
STATUSES = ("answered", "no_evidence", "invalid_input")
ROLES = ("user", "assistant")

# How close two numbers must be to count as the same value (after percent/proportion scaling).
_VALUE_TOLERANCE = 1e-6


class QuestionSetError(ValueError):
    """The question file cannot be used; the message names the file, line and field."""


# ------------------------------------------------------------------ the question set


@dataclass(frozen=True)
class ExpectedCitation:
    document: str
    contains: str

    def matches(self, document: str, text: str) -> bool:
        return document == self.document and normalise_text(self.contains) in normalise_text(text)


@dataclass(frozen=True)
class Question:
    id: str
    category: str
    question: str
    expected_status: str
    history: tuple[dict[str, str], ...] = ()
    must_include_numbers: tuple[str, ...] = ()
    must_not_include_numbers: tuple[str, ...] = ()
    any_of_words: tuple[str, ...] = ()
    expected_citation: tuple[ExpectedCitation, ...] = ()  # alternatives: any one will do
    notes: str = ""

    def history_messages(self) -> list[dict[str, str]]:
        return [dict(m) for m in self.history]


_FIELDS = {
    "id", "category", "question", "history", "expected_status", "must_include_numbers",
    "must_not_include_numbers", "any_of_words", "expected_citation", "notes",
}  # fmt: skip
_REQUIRED = ("id", "category", "question", "expected_status")


def load_questions(path: Path | str) -> list[Question]:
    """Read and validate a JSONL question file (one object a line; blank lines allowed).

    Raises `QuestionSetError` naming the file, the line and the problem.
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise QuestionSetError(f"{path}: cannot read the question file ({exc})") from exc
    questions: list[Question] = []
    seen: dict[str, int] = {}
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise QuestionSetError(f"{where}: not valid JSON ({exc.msg})") from exc
        question = parse_question(raw, where)
        if question.id in seen:
            raise QuestionSetError(
                f"{where}: duplicate id '{question.id}' (first on line {seen[question.id]})"
            )
        seen[question.id] = lineno
        questions.append(question)
    if not questions:
        raise QuestionSetError(f"{path}: the question file holds no questions")
    return questions


def parse_question(raw: Any, where: str = "question") -> Question:
    """One validated `Question` from a decoded JSON object."""
    if not isinstance(raw, dict):
        raise QuestionSetError(f"{where}: each line must be a JSON object")
    unknown = sorted(set(raw) - _FIELDS)
    if unknown:
        raise QuestionSetError(f"{where}: unknown field(s) {', '.join(unknown)}")
    for name in _REQUIRED:
        if not isinstance(raw.get(name), str) or not raw[name].strip():
            raise QuestionSetError(f"{where}: '{name}' is required and must be non-empty text")
    qid = raw["id"]
    where = f"{where} ({qid})"
    if raw["category"] not in CATEGORIES:
        raise QuestionSetError(
            f"{where}: category '{raw['category']}' is not one of {', '.join(CATEGORIES)}"
        )
    if raw["expected_status"] not in STATUSES:
        raise QuestionSetError(
            f"{where}: expected_status '{raw['expected_status']}' is not one of "
            f"{', '.join(STATUSES)}"
        )
    history = _history(raw.get("history"), where)
    include = _number_list(raw, "must_include_numbers", where)
    exclude = _number_list(raw, "must_not_include_numbers", where)
    words = _text_list(raw, "any_of_words", where)
    citations = _expected_citations(raw.get("expected_citation"), where)
    notes = raw.get("notes", "")
    if not isinstance(notes, str):
        raise QuestionSetError(f"{where}: 'notes' must be text")
    if raw["expected_status"] != "answered" and (include or citations):
        raise QuestionSetError(
            f"{where}: a question expecting '{raw['expected_status']}' cannot require numbers "
            "or a citation"
        )
    clash = {_num_key(n) for n in include} & {_num_key(n) for n in exclude}
    if clash:
        raise QuestionSetError(f"{where}: a number is both required and forbidden")
    return Question(
        id=qid,
        category=raw["category"],
        question=raw["question"],
        expected_status=raw["expected_status"],
        history=history,
        must_include_numbers=include,
        must_not_include_numbers=exclude,
        any_of_words=words,
        expected_citation=citations,
        notes=notes,
    )


def _history(value: Any, where: str) -> tuple[dict[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise QuestionSetError(f"{where}: 'history' must be a list of messages")
    messages = []
    for i, message in enumerate(value):
        if (
            not isinstance(message, dict)
            or set(message) != {"role", "content"}
            or message["role"] not in ROLES
            or not isinstance(message["content"], str)
            or not message["content"].strip()
        ):
            raise QuestionSetError(
                f'{where}: history[{i}] must be {{"role": "user"|"assistant", '
                '"content": non-empty text}'
            )
        messages.append({"role": message["role"], "content": message["content"]})
    return tuple(messages)


def _text_list(raw: dict[str, Any], name: str, where: str) -> tuple[str, ...]:
    value = raw.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise QuestionSetError(f"{where}: '{name}' must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _number_list(raw: dict[str, Any], name: str, where: str) -> tuple[str, ...]:
    values = _text_list(raw, name, where)
    for value in values:
        if not numbers_in(value):
            raise QuestionSetError(f"{where}: '{name}' entry {value!r} holds no number")
    return values


def _expected_citations(value: Any, where: str) -> tuple[ExpectedCitation, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    result = []
    for item in items:
        if (
            not isinstance(item, dict)
            or set(item) != {"document", "contains"}
            or not all(isinstance(item[k], str) and item[k].strip() for k in item)
        ):
            raise QuestionSetError(
                f'{where}: \'expected_citation\' must be {{"document": id, "contains": text}} '
                "or a list of them"
            )
        result.append(ExpectedCitation(item["document"].strip(), item["contains"].strip()))
    if isinstance(value, list) and not result:
        raise QuestionSetError(f"{where}: 'expected_citation' is an empty list (use null)")
    return tuple(result)


def _num_key(text: str) -> tuple[float, ...]:
    return tuple(round(abs(t.value), 6) for t in numbers_in(text))


# ------------------------------------------------------------------ grounding


def ungrounded_numbers(
    answer: Mapping[str, Any], bibliography: Mapping[str, str] | None = None
) -> list[str]:
    """Numbers in the answer text not found in a cited quote, a tool call or a cited source's
    bibliographic line, plus any the answer itself reports as ungrounded (deduplicated)."""
    pool: list[NumberToken] = []
    bibliography = bibliography or {}
    for citation in answer.get("citations") or []:
        pool += numbers_in(str(citation.get("quote", "")))
        pool += numbers_in(str(citation.get("title", "")))
        pool += numbers_in(bibliography.get(str(citation.get("document", "")), ""))
    for call in answer.get("tool_calls") or []:
        pool += numbers_of_value(call.get("inputs", {}))
        pool += numbers_of_value(call.get("output", {}))
        pool += numbers_in(str(call.get("text", "")))
    values = {round(abs(t.value), 6) for t in pool}
    values |= {round(abs(t.value) / 100, 6) for t in pool if t.percent}
    found = []
    for token in numbers_in(str(answer.get("answer", ""))):
        value = round(abs(token.value), 6)
        if value in values or (token.percent and round(value / 100, 6) in values):
            continue
        found.append(token.text)
    reported = [str(n) for n in answer.get("ungrounded_numbers") or []]
    return list(dict.fromkeys(found + reported))


# ------------------------------------------------------------------ scoring


@dataclass
class Result:
    """The score of one question; `reasons` is empty exactly when `passed` is True."""

    id: str
    category: str
    question: str
    passed: bool
    reasons: list[str]
    status: str
    expected_status: str
    numbers_expected: int
    numbers_correct: int
    missing_numbers: list[str]
    forbidden_numbers: list[str]
    words_ok: bool | None
    citation_recall: bool | None  # None: no expected citation
    citation_precision: float | None  # labelled: None when nothing to judge
    citations_acceptable: int  # citations matching one of the question's labelled passages
    citations_judged: int  # citations of answers to questions with labelled passages
    citations_supported: int  # consistency check: the chain's own support rule
    citations_total: int
    retrieval_hit: bool | None  # None: no expected citation or retrieval not measured
    retrieval_rank: int | None
    refusal_correct: bool | None  # None: not an out_of_scope/trap question
    ungrounded: list[str]
    latency_ms: float
    answer: str
    cited: list[str] = field(default_factory=list)
    tools: list[str] = field(default_factory=list)
    likely_cause: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def score_answer(
    question: Question,
    answer: Mapping[str, Any],
    *,
    retrieval_rank: int | None = None,
    retrieval_measured: bool = False,
    latency_ms: float = 0.0,
    bibliography: Mapping[str, str] | None = None,
) -> Result:
    """Score one `Answer.to_dict()` against its question's expectations.

    `retrieval_rank` is the 1-based rank of the expected passage in the top-k retrieved
    (None when it was not among them); pass `retrieval_measured=True` when it was looked
    for. Retrieval does not decide pass/fail: it explains failures.
    """
    text = str(answer.get("answer", ""))
    status = str(answer.get("status", ""))
    # Numbers and words are looked for in what the answer asserts in its own voice (its text
    # outside quotation marks): a quoted evidence sentence may carry the other arm's figure,
    # and a figure shown only inside a quote has not been given as the answer.
    claims = claim_text(text)
    # a figure written in words ("Seven patients in each group") is stated as much as in digits
    claimed = numbers_in(with_digits(claims))
    reasons: list[str] = []

    if status != question.expected_status:
        reasons.append(f"status is '{status}', expected '{question.expected_status}'")

    missing = [n for n in question.must_include_numbers if not number_present(n, claimed)]
    forbidden = [n for n in question.must_not_include_numbers if number_stated(n, claimed)]
    if missing:
        reasons.append(f"missing number(s): {', '.join(missing)}")
    if forbidden:
        reasons.append(f"states forbidden number(s): {', '.join(forbidden)}")
    numbers_expected = len(question.must_include_numbers) + len(question.must_not_include_numbers)
    numbers_correct = numbers_expected - len(missing) - len(forbidden)

    words_ok: bool | None = None
    if question.any_of_words:
        words_ok = any(asserts_word(claims, w) for w in question.any_of_words)
        if not words_ok:
            reasons.append(f"none of the words: {' | '.join(question.any_of_words)}")

    citations = list(answer.get("citations") or [])
    citation_recall: bool | None = None
    if question.expected_citation and question.expected_status == "answered":
        citation_recall = any(
            exp.matches(str(c.get("document", "")), str(c.get("quote", "")))
            for exp in question.expected_citation
            for c in citations
        )
        if not citation_recall:
            wanted = " or ".join(f"{e.document} «{e.contains}»" for e in question.expected_citation)
            reasons.append(f"expected citation not cited: {wanted}")

    # Citation precision is judged against the question's labelled acceptable passages, not
    # with the rule the chain itself uses to drop citations (that one is reported apart, as a
    # consistency check, and cannot fail an answer the chain already filtered with it).
    judged = citations if question.expected_citation and status == "answered" else []
    acceptable = [
        any(e.matches(str(c.get("document", "")), str(c.get("quote", "")))
            for e in question.expected_citation)
        for c in judged
    ]  # fmt: skip
    precision = (sum(acceptable) / len(acceptable)) if acceptable else None
    support = citation_support(answer, bibliography) if citations else []

    ungrounded = ungrounded_numbers(answer, bibliography)
    if status != "answered":  # fixed messages (no evidence, invalid input) are not claims
        ungrounded = [str(n) for n in answer.get("ungrounded_numbers") or []]
    if ungrounded:
        reasons.append(f"ungrounded number(s): {', '.join(ungrounded)}")

    refusal_correct: bool | None = None
    if question.category in REFUSAL_CATEGORIES:
        refusal_correct = status == question.expected_status and not forbidden

    retrieval_hit: bool | None = None
    if retrieval_measured and question.expected_citation and question.expected_status == "answered":
        retrieval_hit = retrieval_rank is not None

    result = Result(
        id=question.id,
        category=question.category,
        question=question.question,
        passed=not reasons,
        reasons=reasons,
        status=status,
        expected_status=question.expected_status,
        numbers_expected=numbers_expected,
        numbers_correct=numbers_correct,
        missing_numbers=missing,
        forbidden_numbers=forbidden,
        words_ok=words_ok,
        citation_recall=citation_recall,
        citation_precision=precision,
        citations_acceptable=sum(acceptable),
        citations_judged=len(acceptable),
        citations_supported=sum(support),
        citations_total=len(support),
        retrieval_hit=retrieval_hit,
        retrieval_rank=retrieval_rank,
        refusal_correct=refusal_correct,
        ungrounded=ungrounded,
        latency_ms=latency_ms,
        answer=text,
        cited=[str(c.get("id", "")) for c in citations],
        tools=[str(t.get("name", "")) for t in answer.get("tool_calls") or []],
    )
    result.likely_cause = likely_cause(question, result)
    return result


TOOL_CATEGORIES = ("computation", "patient_remission", "eligibility")
# A fragment of the name of the tool each patient-level category needs.
EXPECTED_TOOL = {"patient_remission": "remission", "eligibility": "eligib"}


def likely_cause(question: Question, result: Result) -> str:
    """A first guess at why a question failed, to group failures in the report.

    Checked in this order:
      grounding            the answer carries an ungrounded number;
      refusal              answered when it should have said no_evidence, or the reverse
                           (a wrong no_evidence with the passage not retrieved counts as
                           a retrieval miss);
      tool not wired       a computation / patient check got no tool call at all;
      wrong tool           a patient check answered by another tool;
      retrieval miss       the expected passage is not in the retriever's top k (and the
                           answer did not cite it some other way);
      composition: evidence selection   retrieved but not cited;
      composition: answer content       cited, but the answer does not state the required
                                        figure or word, or states a forbidden one;
      composition: extra citations      only fault: a cited quote that does not support it.
    """
    if result.passed:
        return ""
    if result.ungrounded:
        return "grounding"
    if result.status != question.expected_status:
        if question.expected_status == "answered" and result.retrieval_hit is False:
            return "retrieval miss"
        return "refusal"
    if question.category in TOOL_CATEGORIES and not result.tools:
        return "tool not wired"
    wanted = EXPECTED_TOOL.get(question.category)
    if wanted and not any(wanted in name for name in result.tools):
        return "wrong tool"
    if result.retrieval_hit is False and result.citation_recall is not True:
        return "retrieval miss"
    if result.citation_recall is False:
        return "composition: evidence selection"
    if result.missing_numbers or result.forbidden_numbers or result.words_ok is False:
        return "composition: answer content"
    return "composition: extra citations"


# ------------------------------------------------------------------ running a set


@dataclass
class Report:
    questions_path: str
    k: int
    results: list[Result]
    summary: dict[str, Any]
    by_category: dict[str, dict[str, Any]]
    failed: list[str]  # thresholds that do not hold, as sentences
    generated: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "generated": self.generated,
            "questions_path": self.questions_path,
            "k": self.k,
            "split": split_of(self.questions_path),
            "thresholds": thresholds(split_of(self.questions_path)),
            "failed_thresholds": self.failed,
            "summary": self.summary,
            "by_category": self.by_category,
            "results": [r.to_dict() for r in self.results],
        }

    def failures_text(self) -> str:
        """The failing questions, one a line with their reasons (for assertion messages)."""
        lines = [f"{r.id} [{r.category}; {r.likely_cause}]: {'; '.join(r.reasons)}"
                 for r in self.results if not r.passed]  # fmt: skip
        return "\n".join(lines)


def retrieval_query(question: Question) -> str:
    """What the chain searches for: the router's query (follow-ups resolved from history)."""
    try:
        from .route import route

        return str(route(question.question, question.history_messages()).query)
    except Exception:  # the router is being reworked; never let it break the evaluation
        previous = [m["content"] for m in question.history if m["role"] == "user"]
        return " ".join([*previous[-1:], question.question])


def expected_rank(question: Question, passages: Sequence[Any]) -> int | None:
    """1-based rank of the first retrieved passage matching an expected citation, else None."""
    for rank, passage in enumerate(passages, start=1):
        doc = str(getattr(passage, "document_id", ""))
        if any(exp.matches(doc, str(getattr(passage, "text", ""))) for exp in
               question.expected_citation):  # fmt: skip
            return rank
    return None


def bibliography_of(bot: Any) -> dict[str, str]:
    """document id -> its bibliographic line (names, design, year) the answer may quote."""
    try:
        docs = bot.index.documents()
    except Exception:
        return {}
    keys = ("short_name", "title", "design", "year", "citation", "journal", "pmid", "doi")
    return {doc_id: " ".join(str(meta.get(k, "")) for k in keys) for doc_id, meta in docs.items()}


def run_eval(
    questions: Sequence[Question] | Path | str = DEFAULT_QUESTIONS,
    bot: EvidenceAssistant | None = None,
    *,
    k: int | None = None,
    progress: Callable[[int, int, Result], None] | None = None,
) -> Report:
    """Ask every question through `bot.ask` (with its history), score it, and summarise."""
    path = str(questions) if isinstance(questions, Path | str) else "<in memory>"
    items = load_questions(questions) if isinstance(questions, Path | str) else list(questions)
    if bot is None:
        from .answer import EvidenceAssistant

        bot = EvidenceAssistant()
    k = k or int(getattr(getattr(bot, "settings", None), "top_k", 6))
    bibliography = bibliography_of(bot)
    results = []
    for n, question in enumerate(items, start=1):
        started = time.perf_counter()
        answer = bot.ask(question.question, history=question.history_messages() or None)
        latency = (time.perf_counter() - started) * 1000.0
        rank, measured = None, False
        if question.expected_citation and question.expected_status == "answered":
            try:
                hits = bot.search.search(retrieval_query(question), k).passages
            except Exception:  # retrieval is a diagnostic; never let it stop the evaluation
                hits = None
            if hits is not None:
                rank, measured = expected_rank(question, hits), True
        result = score_answer(
            question,
            answer.to_dict(),
            retrieval_rank=rank,
            retrieval_measured=measured,
            latency_ms=latency,
            bibliography=bibliography,
        )
        results.append(result)
        if progress:
            progress(n, len(items), result)
    return build_report(results, k=k, questions_path=path)


def build_report(results: Sequence[Result], *, k: int, questions_path: str = "") -> Report:
    """Summaries overall and by category; thresholds of the questions file's split."""
    summary = summarise(results)
    summary["k"] = k
    by_category = {
        category: summarise([r for r in results if r.category == category], brief=True)
        for category in _categories_in(results)
    }
    return Report(
        questions_path=questions_path,
        k=k,
        results=list(results),
        summary=summary,
        by_category=by_category,
        failed=failed_thresholds(summary, split_of(questions_path)),
    )


def _categories_in(results: Sequence[Result]) -> list[str]:
    present = {r.category for r in results}
    return [c for c in CATEGORIES if c in present] + sorted(present - set(CATEGORIES))


def summarise(results: Sequence[Result], brief: bool = False) -> dict[str, Any]:
    """Overall scores of a list of results (micro-averaged: every check weighs the same)."""
    n = len(results)
    passed = sum(r.passed for r in results)
    numbers_expected = sum(r.numbers_expected for r in results)
    cited_total = sum(r.citations_total for r in results)
    recall = [r.citation_recall for r in results if r.citation_recall is not None]
    retrieval = [r.retrieval_hit for r in results if r.retrieval_hit is not None]
    refusal = [r.refusal_correct for r in results if r.refusal_correct is not None]
    latencies = [r.latency_ms for r in results]
    summary: dict[str, Any] = {
        "questions": n,
        "passed": passed,
        "pass_rate": _ratio(passed, n),
        "number_accuracy": _ratio(sum(r.numbers_correct for r in results), numbers_expected),
        "citation_precision": _ratio(
            sum(r.citations_acceptable for r in results), sum(r.citations_judged for r in results)
        ),
        "citation_support_rate": _ratio(sum(r.citations_supported for r in results), cited_total),
        "citation_recall": _ratio(sum(recall), len(recall)),
        "retrieval_recall_at_k": _ratio(sum(retrieval), len(retrieval)),
        "refusal_accuracy": _ratio(sum(refusal), len(refusal)),
        "ungrounded_numbers": sum(len(r.ungrounded) for r in results),
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p95_ms": percentile(latencies, 95),
    }
    if not brief:
        summary["latency_max_ms"] = max(latencies, default=None)
        summary["failing_ids"] = [r.id for r in results if not r.passed]
        causes: dict[str, list[str]] = {}
        for r in results:
            if not r.passed:
                causes.setdefault(r.likely_cause, []).append(r.id)
        summary["failures_by_cause"] = causes
    return summary


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def percentile(values: Sequence[float], pct: float) -> float | None:
    """Linear-interpolated percentile (numpy's default method); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    if len(ordered) == 1:
        return round(ordered[0], 3)
    position = (len(ordered) - 1) * pct / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    value = ordered[low] + (ordered[high] - ordered[low]) * (position - low)
    return round(value, 3)


def thresholds(split: str = "dev") -> dict[str, float]:
    return {
        "min_pass_rate": MIN_PASS_RATE[split],
        "target_pass_rate": TARGET_PASS_RATE,
        "min_refusal_accuracy": MIN_REFUSAL_ACCURACY[split],
        "max_ungrounded_numbers": MAX_UNGROUNDED_NUMBERS,
        "min_citation_precision": MIN_CITATION_PRECISION[split],
        "min_citation_support_rate": MIN_SUPPORT_RATE,
    }


def failed_thresholds(summary: Mapping[str, Any], split: str = "dev") -> list[str]:
    """One sentence per threshold of `split` the summary does not meet; empty when all hold.

    A metric that could not be measured (None) does not fail its threshold, except the pass
    rate, which is always measured.
    """
    limits = thresholds(split)
    failed = []
    pass_rate = summary.get("pass_rate") or 0.0
    if pass_rate < limits["min_pass_rate"]:
        failed.append(f"pass rate {pass_rate:.1%} < {limits['min_pass_rate']:.0%}")
    refusal = summary.get("refusal_accuracy")
    if refusal is not None and refusal < limits["min_refusal_accuracy"]:
        failed.append(f"refusal accuracy {refusal:.1%} < {limits['min_refusal_accuracy']:.0%}")
    ungrounded = summary.get("ungrounded_numbers") or 0
    if ungrounded > MAX_UNGROUNDED_NUMBERS:
        failed.append(f"{ungrounded} ungrounded number(s) > {MAX_UNGROUNDED_NUMBERS}")
    precision = summary.get("citation_precision")
    if precision is not None and precision < limits["min_citation_precision"]:
        failed.append(f"citation precision {precision:.3f} < {limits['min_citation_precision']}")
    support = summary.get("citation_support_rate")
    if support is not None and support < MIN_SUPPORT_RATE:
        failed.append(f"citation support rate {support:.3f} < {MIN_SUPPORT_RATE}")
    return failed


# ------------------------------------------------------------------ writing the report


def write_report(report: Report, directory: Path | str) -> tuple[Path, Path]:
    """Write `report.json` and a self-contained `report.html` into `directory`."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    json_path = directory / "report.json"
    html_path = directory / "report.html"
    json_path.write_text(
        json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    html_path.write_text(render_html(report), encoding="utf-8")
    return json_path, html_path


def _png(figure: Any) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def charts(report: Report) -> dict[str, str]:
    """Base64 PNGs: pass rate by category, latency distribution."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out: dict[str, str] = {}
    categories = list(report.by_category)
    rates = [(report.by_category[c]["pass_rate"] or 0.0) * 100 for c in categories]
    floor = thresholds(split_of(report.questions_path))["min_pass_rate"] * 100
    fig, ax = plt.subplots(figsize=(7.5, 3.4))
    bars = ax.barh(categories[::-1], rates[::-1],
                   color=["#2e7d32" if r >= floor else "#c62828"
                          for r in rates[::-1]])  # fmt: skip
    ax.axvline(floor, color="#555", linestyle="--", linewidth=1)
    ax.set_xlim(0, 100)
    ax.set_xlabel("pass rate (%)")
    ax.set_title("Pass rate by category (dashed: threshold)")
    for bar, rate in zip(bars, rates[::-1], strict=True):
        ax.text(min(rate + 1, 92), bar.get_y() + bar.get_height() / 2, f"{rate:.0f}%",
                va="center", fontsize=8)  # fmt: skip
    out["categories"] = _png(fig)
    plt.close(fig)

    latencies = [r.latency_ms for r in report.results]
    fig, ax = plt.subplots(figsize=(7.5, 3.0))
    ax.hist(latencies, bins=min(30, max(5, len(latencies) // 3)), color="#1565c0")
    for pct, style in ((50, "-"), (95, "--")):
        value = percentile(latencies, pct)
        if value is not None:
            label = f"p{pct} {value:.0f} ms"
            ax.axvline(value, color="#333", linestyle=style, linewidth=1, label=label)
    ax.set_xlabel("latency of ask() (ms)")
    ax.set_ylabel("questions")
    ax.set_title("Latency distribution")
    ax.legend(fontsize=8)
    out["latency"] = _png(fig)
    plt.close(fig)
    return out


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#222;
max-width:1200px}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;font-size:.88rem}
th,td{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}.ok{color:#2e7d32;font-weight:600}.bad{color:#c62828;font-weight:600}
.muted{color:#777}pre{white-space:pre-wrap;font-size:.82rem;background:#fafafa;padding:.5rem;
margin:.3rem 0}details summary{cursor:pointer}img{max-width:100%}
"""


_SHORT = {
    "questions": "n",
    "pass_rate": "pass rate",
    "number_accuracy": "number acc.",
    "citation_precision": "citation prec.",
    "citation_recall": "citation recall",
    "retrieval_recall_at_k": "retrieval @k",
    "refusal_accuracy": "refusal acc.",
    "ungrounded_numbers": "ungrounded",
    "latency_p50_ms": "p50 ms",
    "latency_p95_ms": "p95 ms",
}


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3f}" if value <= 1 else f"{value:.1f}"
    return str(value)


def render_html(report: Report, chart_pngs: Mapping[str, str] | None = None) -> str:
    """A readable, self-contained HTML page; every piece of text is escaped."""
    e = html.escape
    pngs = dict(chart_pngs) if chart_pngs is not None else charts(report)
    s = report.summary
    limits = thresholds(split_of(report.questions_path))
    verdict = (
        '<p class="ok">All thresholds hold.</p>'
        if not report.failed
        else "<p class='bad'>Thresholds failing: " + e("; ".join(report.failed)) + "</p>"
    )
    metric_rows = "".join(
        f"<tr><td>{e(name)}</td><td>{e(_fmt(s.get(key)))}</td><td>{e(goal)}</td></tr>"
        for name, key, goal in (
            ("questions", "questions", ""),
            ("pass rate", "pass_rate", f">= {limits['min_pass_rate']}"),
            ("number accuracy", "number_accuracy", ""),
            (
                "citation precision (labelled)",
                "citation_precision",
                f">= {limits['min_citation_precision']}",
            ),
            ("citation support (chain's rule)", "citation_support_rate", f">= {MIN_SUPPORT_RATE}"),
            ("citation recall", "citation_recall", ""),
            (f"retrieval recall@{report.k}", "retrieval_recall_at_k", ""),
            ("refusal accuracy", "refusal_accuracy", f">= {limits['min_refusal_accuracy']}"),
            ("ungrounded numbers", "ungrounded_numbers", f"<= {MAX_UNGROUNDED_NUMBERS}"),
            ("latency p50 (ms)", "latency_p50_ms", ""),
            ("latency p95 (ms)", "latency_p95_ms", ""),
        )
    )
    cat_cols = ("questions", "passed", "pass_rate", "number_accuracy", "citation_precision",
                "citation_recall", "retrieval_recall_at_k", "refusal_accuracy",
                "ungrounded_numbers", "latency_p50_ms", "latency_p95_ms")  # fmt: skip
    cat_rows = "".join(
        f"<tr><td>{e(cat)}</td>"
        + "".join(f"<td>{e(_fmt(v.get(c)))}</td>" for c in cat_cols)
        + "</tr>"
        for cat, v in report.by_category.items()
    )
    causes = s.get("failures_by_cause") or {}
    cause_rows = "".join(
        f"<tr><td>{e(cause)}</td><td>{len(ids)}</td><td>{e(', '.join(ids))}</td></tr>"
        for cause, ids in sorted(causes.items())
    )
    q_rows = []
    for r in report.results:
        mark = '<span class="ok">pass</span>' if r.passed else '<span class="bad">FAIL</span>'
        reasons = "<br>".join(e(x) for x in r.reasons) or '<span class="muted">-</span>'
        details = (
            f"<details><summary>answer</summary><pre>{e(r.answer)}</pre>"
            f"<div class='muted'>cited: {e(', '.join(r.cited) or '-')} · tools: "
            f"{e(', '.join(r.tools) or '-')}</div></details>"
        )
        q_rows.append(
            f"<tr><td>{e(r.id)}</td><td>{e(r.category)}</td><td>{mark}</td>"
            f"<td>{e(r.question)}{details}</td><td>{e(r.status)}</td><td>{reasons}</td>"
            f"<td>{e(r.likely_cause)}</td><td>{e(_fmt(r.retrieval_rank))}</td>"
            f"<td>{e(_fmt(r.citation_precision))}</td><td>{r.latency_ms:.0f}</td></tr>"
        )
    images = "".join(
        f'<p><img alt="{e(name)} chart" src="data:image/png;base64,{png}"></p>'
        for name, png in pngs.items()
        if re.fullmatch(r"[A-Za-z0-9+/=]*", png)
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Evaluation report</title>
<style>{_CSS}</style></head><body>
<h1>Evidence assistant: evaluation report</h1>
<p class="muted">{e(report.generated)} · {e(report.questions_path)} ·
{len(report.results)} questions · k = {report.k}</p>
{verdict}
<h2>Overall</h2>
<table><tr><th>metric</th><th>value</th><th>threshold</th></tr>{metric_rows}</table>
{images}
<h2>By category</h2>
<table><tr><th>category</th>{"".join(f"<th>{e(_SHORT.get(c, c))}</th>" for c in cat_cols)}</tr>
{cat_rows}</table>
<h2>Failures by likely cause</h2>
<table><tr><th>cause</th><th>n</th><th>questions</th></tr>{cause_rows}</table>
<h2>Questions</h2>
<table><tr><th>id</th><th>category</th><th>result</th><th>question</th><th>status</th>
<th>reasons</th><th>likely cause</th><th>retrieval rank</th><th>citation precision</th>
<th>ms</th></tr>{"".join(q_rows)}</table>
</body></html>
"""


# ------------------------------------------------------------------ command line


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m assistant eval [QUESTIONS] [--report DIR] [--k K]`; 1 if a threshold fails."""
    parser = argparse.ArgumentParser(
        prog="python -m assistant eval", description="Run and score a question set."
    )
    parser.add_argument("questions", nargs="?", type=Path, default=DEFAULT_QUESTIONS,
                        help=f"JSONL question file (default: {DEFAULT_QUESTIONS})")  # fmt: skip
    parser.add_argument("--report", type=Path, default=DEFAULT_REPORT_DIR,
                        help="folder for report.json + report.html")  # fmt: skip
    parser.add_argument("--k", type=int, default=None, help="k for retrieval recall@k")
    parser.add_argument("--quiet", action="store_true", help="no per-question progress")
    args = parser.parse_args(argv)
    try:
        questions = load_questions(args.questions)
    except QuestionSetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    def show(n: int, total: int, result: Result) -> None:
        mark = "ok  " if result.passed else "FAIL"
        print(f"[{n:3d}/{total}] {mark} {result.id} ({result.latency_ms:.0f} ms)", file=sys.stderr)

    report = run_eval(questions, k=args.k, progress=None if args.quiet else show)
    report.questions_path = str(args.questions)
    report.failed = failed_thresholds(report.summary, split_of(args.questions))
    json_path, html_path = write_report(report, args.report)
    print(format_summary(report))
    print(f"\nwrote {json_path} and {html_path}")
    return 1 if report.failed else 0


def format_summary(report: Report) -> str:
    s = report.summary
    lines = [
        f"questions {s['questions']}  passed {s['passed']}  pass rate {_fmt(s['pass_rate'])}",
        f"number accuracy {_fmt(s['number_accuracy'])}  citation precision "
        f"{_fmt(s['citation_precision'])}  citation recall {_fmt(s['citation_recall'])}  "
        f"retrieval recall@{report.k} {_fmt(s['retrieval_recall_at_k'])}",
        f"refusal accuracy {_fmt(s['refusal_accuracy'])}  ungrounded numbers "
        f"{s['ungrounded_numbers']}  latency p50 {_fmt(s['latency_p50_ms'])} ms  "
        f"p95 {_fmt(s['latency_p95_ms'])} ms",
        "",
        f"{'category':18} {'n':>3} {'pass':>6} {'num.acc':>8} {'cit.prec':>8} {'cit.rec':>8} "
        f"{'ret@k':>6} {'refusal':>8}",
    ]
    for category, v in report.by_category.items():
        lines.append(
            f"{category:18} {v['questions']:>3} {_fmt(v['pass_rate']):>6} "
            f"{_fmt(v['number_accuracy']):>8} {_fmt(v['citation_precision']):>8} "
            f"{_fmt(v['citation_recall']):>8} {_fmt(v['retrieval_recall_at_k']):>6} "
            f"{_fmt(v['refusal_accuracy']):>8}"
        )
    for cause, ids in sorted((s.get("failures_by_cause") or {}).items()):
        lines.append(f"\nfailing ({cause}): {', '.join(ids)}")
    verdict = "all hold" if not report.failed else "FAIL - " + "; ".join(report.failed)
    lines.append(f"\nthresholds: {verdict}")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
