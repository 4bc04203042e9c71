"""The evaluation harness: scoring rules on hand-made answers, the question set, the full run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from assistant import evaluate as ev
from assistant.config import Settings
from assistant.ingest import corpus_files, load_corpus, passages_for
from assistant.verify import numbers_in

QUESTIONS = ev.DEFAULT_QUESTIONS
A = "zheng2022-interview"
RESPONSE_QUOTE = (
    "The complete or partial response rate was 83.0% (117/141) in the tacrolimus group "
    "and 75.0% (93/124) in the IVCY group."
)
SAE_QUOTE = (
    "Serious adverse events (TEAEs) were reported in 29 patients (18.5%) in the tacrolimus "
    "group and 35 patients (24.6%) in the IVCY group."
)
TITLE = "In the initial treatment of lupus nephritis, tacrolimus can replace cyclophosphamide"


def question(**overrides: Any) -> ev.Question:
    raw: dict[str, Any] = {
        "id": "t1",
        "category": "trial_facts",
        "question": "What share of the tacrolimus arm responded?",
        "expected_status": "answered",
        "must_include_numbers": ["83.0"],
        "must_not_include_numbers": ["90"],
        "any_of_words": ["tacrolimus"],
        "expected_citation": {"document": A, "contains": "83.0% (117/141)"},
    }
    raw.update(overrides)
    return ev.parse_question(raw)


def cite(quote: str = RESPONSE_QUOTE, pid: str = f"{A}#s18", doc: str = A) -> dict[str, str]:
    return {"id": pid, "document": doc, "title": TITLE, "quote": quote}


def answer(text: str, citations: list[dict[str, str]] | None = None, **extra: Any) -> dict:
    base: dict[str, Any] = {
        "question": "q",
        "answer": text,
        "status": "answered",
        "citations": [cite()] if citations is None else citations,
        "tool_calls": [],
        "ungrounded_numbers": [],
        "timings_ms": {"total": 5.0},
    }
    base.update(extra)
    return base


GOOD = answer(
    f"Tacrolimus: 83.0% responded (117/141) [1].\n\n**Evidence**\n- [1] “{RESPONSE_QUOTE}”"
)


# ------------------------------------------------------------------ number matching


@pytest.mark.parametrize(
    ("expected", "text", "found"),
    [
        ("83.0", "83% responded", True),
        ("83.0", "83.0 % responded", True),
        ("83", "83.0% responded", True),
        ("75.9", "CI 0.759 to 0.883", True),  # a proportion for a percentage
        ("2.94", "2.9412 mg/dL", True),  # more decimals, rounds half up to the expected value
        ("13", "NNT 12.53", True),
        ("13.3", "about 13 points", False),  # fewer decimals never match
        ("8.6", "fell by 8.6 points", True),
        ("-8.6", "a change of -8.6", True),
        ("117/141", "117 of 141", True),
        ("117/141", "117 of 150", False),
        ("83.0", "83.5%", False),
        ("45", "45 mg/d", True),
    ],
)
def test_number_present_compares_values(expected: str, text: str, found: bool) -> None:
    assert ev.number_present(expected, numbers_in(text)) is found


@pytest.mark.parametrize(
    ("forbidden", "text", "stated"),
    [("95", "95% responded", True), ("95", "95.2% were treated", False),
     ("95", "a proportion of 0.95", False), ("83.0", "83% of patients", True)],
)  # fmt: skip
def test_number_stated_is_exact(forbidden: str, text: str, stated: bool) -> None:
    assert ev.number_stated(forbidden, numbers_in(text)) is stated


def test_words_match_whole_words_case_insensitively() -> None:
    assert ev.asserts_word("It was an Open-Label trial", "open-label")
    assert ev.asserts_word("class IV+V excepted", "IV+V")
    assert not ev.asserts_word("incomplete response", "complete")
    # a negation right before the word says the opposite
    assert not ev.asserts_word("Not eligible for the trial", "eligible")
    assert not ev.asserts_word("judged non-inferior", "inferior")
    assert ev.asserts_word("not eligible at first; eligible after the repeat biopsy", "eligible")
    assert ev.asserts_word("There was no significant difference", "no significant")
    assert ev.asserts_word("number  needed to treat", "number needed")
    # a unit written against its number is still the word; a longer word is not
    assert ev.asserts_word("target concentration, 4-10ng/ml", "ng/ml")
    assert not ev.asserts_word("grade 11C", "1C")


# ------------------------------------------------------------------ scoring one answer


def test_a_correct_answer_passes() -> None:
    result = ev.score_answer(question(), GOOD)
    assert result.passed, result.reasons
    assert result.reasons == []
    assert result.citation_recall is True
    assert result.citation_precision == 1.0
    assert result.numbers_correct == result.numbers_expected == 2


def test_a_wrong_number_fails() -> None:
    bad = answer(f"Tacrolimus: 90% responded [1].\n- [1] “{RESPONSE_QUOTE}”")
    result = ev.score_answer(question(), bad)
    assert not result.passed
    assert result.missing_numbers == ["83.0"]
    assert result.forbidden_numbers == ["90"]
    assert any("missing number" in r for r in result.reasons)
    assert any("forbidden" in r for r in result.reasons)
    # 90 is also in no cited quote: the independent grounding check catches it too.
    assert result.ungrounded == ["90%"]


def test_a_number_only_inside_a_quote_is_not_an_answer() -> None:
    quoted_only = answer(f"See the evidence [1].\n- [1] “{RESPONSE_QUOTE}”")
    result = ev.score_answer(question(), quoted_only)
    assert result.missing_numbers == ["83.0"]
    assert not result.passed


def test_a_forbidden_number_inside_a_quote_is_allowed() -> None:
    follow_up = question(
        must_include_numbers=["75.0"],
        must_not_include_numbers=["83.0"],
        any_of_words=[],
    )
    focused = answer(f"With IVCY, 75.0% responded (93/124) [1].\n- [1] “{RESPONSE_QUOTE}”")
    assert ev.score_answer(follow_up, focused).passed
    restated = answer(f"{RESPONSE_QUOTE} [1]\n- [1] “{RESPONSE_QUOTE}”")
    result = ev.score_answer(follow_up, restated)
    assert result.forbidden_numbers == ["83.0"]
    assert not result.passed


def test_a_missing_citation_fails() -> None:
    other = cite(SAE_QUOTE, f"{A}#s21")
    uncited = answer("Tacrolimus: 83.0% responded.", citations=[other])
    result = ev.score_answer(question(), uncited)
    assert result.citation_recall is False
    assert any("expected citation not cited" in r for r in result.reasons)
    assert not result.passed


def test_citation_alternatives_any_one_will_do() -> None:
    q = question(
        expected_citation=[
            {"document": "zheng2022", "contains": "83.0% of the tacrolimus group"},
            {"document": A, "contains": "83.0% (117/141)"},
        ]
    )
    assert ev.score_answer(q, GOOD).citation_recall is True


def test_the_document_must_match_not_just_the_words() -> None:
    wrong_doc = answer("Tacrolimus: 83.0% responded [1].", citations=[cite(doc="zheng2022")])
    assert ev.score_answer(question(), wrong_doc).citation_recall is False


def test_wrong_status_fails() -> None:
    refused = answer("The evidence base does not cover this.", citations=[], status="no_evidence")
    result = ev.score_answer(question(), refused)
    assert not result.passed
    assert result.reasons[0] == "status is 'no_evidence', expected 'answered'"


def test_out_of_scope_scores_refusal() -> None:
    q = question(
        category="out_of_scope",
        expected_status="no_evidence",
        must_include_numbers=[],
        must_not_include_numbers=[],
        any_of_words=[],
        expected_citation=None,
    )
    refused = answer("Nothing to cite.", citations=[], status="no_evidence")
    assert ev.score_answer(q, refused).refusal_correct is True
    answered = ev.score_answer(q, GOOD)
    assert answered.refusal_correct is False
    assert not answered.passed
    assert answered.likely_cause == "refusal"


def test_a_trap_that_repeats_the_planted_number_is_a_refusal_failure() -> None:
    trap = question(category="traps", must_not_include_numbers=["95"])
    parroted = answer(f"The response rate was 95% [1].\n- [1] “{RESPONSE_QUOTE}”")
    result = ev.score_answer(trap, parroted)
    assert result.refusal_correct is False
    assert ev.score_answer(trap, GOOD).refusal_correct is True


def test_reported_ungrounded_numbers_fail() -> None:
    reported = dict(GOOD, ungrounded_numbers=["12"])
    result = ev.score_answer(question(), reported)
    assert result.ungrounded == ["12"]
    assert not result.passed


def test_tool_numbers_are_grounded() -> None:
    tool = {
        "name": "difference_of_percentages",
        "inputs": {"first": 49.6, "second": 36.3},
        "output": {"difference": 13.3},
        "text": "49.6% - 36.3% = +13.3 percentage points",
    }
    quote = "the complete remission rate of tacrolimus was 49.6% ... cyclophosphamide was 36.3%"
    ans = answer(
        "Complete remission was 13.3 points higher with tacrolimus (49.6% vs 36.3%) [1].",
        citations=[cite(quote, f"{A}#s60")],
        tool_calls=[tool],
    )
    q = question(
        category="computation",
        must_include_numbers=["13.3"],
        must_not_include_numbers=[],
        expected_citation={"document": A, "contains": "tacrolimus was 49.6%"},
    )
    result = ev.score_answer(q, ans)
    assert result.passed, result.reasons
    assert result.ungrounded == []
    assert result.tools == ["difference_of_percentages"]


def test_bibliographic_numbers_are_grounded_by_the_bibliography() -> None:
    ans = answer("According to Zheng 2022, 83.0% responded [1].")
    assert ev.ungrounded_numbers(ans) == ["2022"]
    assert ev.ungrounded_numbers(ans, {A: "Zheng interview 2022"}) == []


def test_a_citation_outside_the_labelled_passages_lowers_precision() -> None:
    # Precision is judged against the question's labelled acceptable passages, independently
    # of the support rule the chain uses to drop citations (reported apart, as a check).
    noisy = answer(
        f"Tacrolimus: 83.0% responded [1].\n- [1] “{RESPONSE_QUOTE}”\n- [2] “{SAE_QUOTE}”",
        citations=[cite(), cite(SAE_QUOTE, f"{A}#s21")],
    )
    result = ev.score_answer(question(), noisy)
    assert result.citation_precision == 0.5
    assert (result.citations_acceptable, result.citations_judged) == (1, 2)
    assert result.citations_supported == 1  # the chain's own rule agrees here
    # A citation the support rule accepts still counts against precision when unlabelled.
    both = answer("83.0% responded; 29 had a serious adverse event [1] [2].",
                  citations=[cite(), cite(SAE_QUOTE, f"{A}#s21")])  # fmt: skip
    scored = ev.score_answer(question(), both)
    assert scored.citations_supported == 2 and scored.citation_precision == 0.5


def test_citation_support_definition() -> None:
    # A figure-bearing quote must carry a figure the answer states (bibliographic years aside).
    dated = "In the Zheng 2022 trial, 299 patients were analysed."
    ans = answer("Zheng 2022 analysed 299 patients [1].", citations=[cite(dated)])
    assert ev.citation_support(ans, {A: "Zheng 2022"}) == [True]
    other = answer("Zheng 2022 randomised 314 patients [1].", citations=[cite(dated)])
    assert ev.citation_support(other, {A: "Zheng 2022"}) == [False]
    # A quote without figures supports the answer through shared specific words.
    qualitative = "In terms of design, this study is an open-label design, not double-blind."
    ok = answer("It was open-label rather than double-blind [1].", citations=[cite(qualitative)])
    assert ev.citation_support(ok) == [True]
    off = answer("Ovarian toxicity is lower with tacrolimus [1].", citations=[cite(qualitative)])
    assert ev.citation_support(off) == [False]
    # A tool input taken from a quote counts as relied on.
    tool = {"name": "rate", "inputs": {"events": 117, "total": 141}, "output": {}, "text": ""}
    computed = answer("The rate is as reported.", citations=[cite()], tool_calls=[tool])
    assert ev.citation_support(computed) == [True]


def test_a_confidence_level_or_a_studys_name_is_no_shared_figure() -> None:
    # "95% CI" is in every sentence reporting an interval; "Trial 1" names the study a tool read.
    other_ci = "The hazard ratio was 0.51 (95% CI 0.34 to 0.77)."
    reported = {
        "name": "reported_effect",
        "inputs": {"study": "Trial 1 (Lee 2021)"},
        "output": {"estimate": 1.6, "confidence_level_percent": 95},
        "text": "",
    }
    ans = answer("Odds ratio 1.6 (95% CI 1.0 to 2.3) [1].", citations=[cite(other_ci)],
                 tool_calls=[reported])  # fmt: skip
    assert ev.citation_support(ans, {A: "Trial 1 (Lee 2021)"}) == [False]
    named = answer("As reported [1].", citations=[cite("Trial 1 enrolled adults.")],
                   tool_calls=[reported])  # fmt: skip
    assert ev.citation_support(named, {A: "Trial 1 (Lee 2021)"}) == [False]
    same_ci = answer(
        "Odds ratio 1.6 (95% CI 1.0 to 2.3) [1].", citations=[cite("OR 1.6 (95% CI 1.0 to 2.3)")]
    )
    assert ev.citation_support(same_ci) == [True]


def test_a_figure_written_in_words_counts_as_stated() -> None:
    withdrew = "Seven patients in each group withdrew due to AEs."
    asked = question(must_include_numbers=["7"], must_not_include_numbers=["9"],
                     any_of_words=[], expected_citation=None)  # fmt: skip
    said = ev.score_answer(asked, answer(f"{withdrew} [1]", citations=[cite(withdrew)]))
    assert said.passed, said.reasons
    wrong = ev.score_answer(asked, answer("Nine patients withdrew [1].", citations=[cite()]))
    assert not wrong.passed and "forbidden" in " ".join(wrong.reasons)


def test_retrieval_rank_is_reported_but_does_not_decide_pass() -> None:
    missed = ev.score_answer(question(), GOOD, retrieval_rank=None, retrieval_measured=True)
    assert missed.passed and missed.retrieval_hit is False
    hit = ev.score_answer(question(), GOOD, retrieval_rank=2, retrieval_measured=True)
    assert hit.retrieval_hit is True and hit.retrieval_rank == 2


def test_likely_cause_tool_not_wired() -> None:
    q = question(category="computation", must_include_numbers=["13.3"])
    result = ev.score_answer(q, GOOD, retrieval_rank=1, retrieval_measured=True)
    assert result.likely_cause == "tool not wired"


# ------------------------------------------------------------------ loading and validation


def write_lines(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


VALID = json.dumps(
    {"id": "a", "category": "trial_facts", "question": "Q?", "expected_status": "answered"}
)


def test_loads_a_minimal_line_and_skips_blank_lines(tmp_path: Path) -> None:
    items = ev.load_questions(write_lines(tmp_path, VALID, "", "  "))
    assert [q.id for q in items] == ["a"]
    assert items[0].history == () and items[0].expected_citation == ()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", ":2: not valid JSON"),
        ('["a list"]', "must be a JSON object"),
        ('{"id": "b", "category": "traps", "question": "Q"}', "'expected_status' is required"),
        ('{"id": "b", "category": "nope", "question": "Q", "expected_status": "answered"}',
         "category 'nope'"),
        ('{"id": "b", "category": "traps", "question": "Q", "expected_status": "maybe"}',
         "expected_status 'maybe'"),
        ('{"id": "b", "category": "traps", "question": "Q", "expected_status": "answered", '
         '"must_include_numbers": ["many"]}', "holds no number"),
        ('{"id": "b", "category": "traps", "question": "Q", "expected_status": "answered", '
         '"must_include_numbers": [83]}', "list of non-empty strings"),
        ('{"id": "b", "category": "traps", "question": "Q", "expected_status": "answered", '
         '"typo": 1}', "unknown field(s) typo"),
        ('{"id": "b", "category": "traps", "question": "Q", "expected_status": "answered", '
         '"history": [{"role": "bot", "content": "x"}]}', "history[0]"),
        ('{"id": "b", "category": "traps", "question": "Q", "expected_status": "answered", '
         '"expected_citation": {"document": "x"}}', "expected_citation"),
        ('{"id": "b", "category": "out_of_scope", "question": "Q", "expected_status": '
         '"no_evidence", "must_include_numbers": ["1"]}', "cannot require numbers"),
        ('{"id": "b", "category": "traps", "question": "Q", "expected_status": "answered", '
         '"must_include_numbers": ["83"], "must_not_include_numbers": ["83.0"]}',
         "both required and forbidden"),
        (VALID, "duplicate id 'a' (first on line 1)"),
    ],
)  # fmt: skip
def test_a_bad_line_gives_a_clear_error(tmp_path: Path, line: str, message: str) -> None:
    path = write_lines(tmp_path, VALID, line)
    with pytest.raises(ev.QuestionSetError) as error:
        ev.load_questions(path)
    assert message in str(error.value)
    assert str(path) in str(error.value)


def test_an_empty_or_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ev.QuestionSetError, match="no questions"):
        ev.load_questions(write_lines(tmp_path, ""))
    with pytest.raises(ev.QuestionSetError, match="cannot read"):
        ev.load_questions(tmp_path / "absent.jsonl")


def test_main_reports_a_bad_file_with_exit_code_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert ev.main([str(write_lines(tmp_path, "{oops")), "--report", str(tmp_path)]) == 2
    assert "not valid JSON" in capsys.readouterr().err


# ------------------------------------------------------------------ summary, thresholds, report


def results_of(*passes: bool) -> list[ev.Result]:
    out = []
    for i, ok in enumerate(passes):
        result = ev.score_answer(question(id=f"q{i}"), GOOD if ok else answer("nothing [1]"))
        result.latency_ms = float(10 * (i + 1))
        out.append(result)
    return out


def test_summary_and_thresholds() -> None:
    report = ev.build_report(results_of(True, True, False), k=6)
    s = report.summary
    assert (s["questions"], s["passed"], s["pass_rate"]) == (3, 2, 0.6667)
    assert s["failing_ids"] == ["q2"]
    assert s["latency_p50_ms"] == 20.0
    assert f"pass rate 66.7% < {ev.MIN_PASS_RATE['dev']:.0%}" in report.failed
    assert "q2 [trial_facts; composition: answer content]: missing number(s): 83.0" in (
        report.failures_text()
    )
    assert (
        ev.failed_thresholds(
            {
                "pass_rate": 1.0,
                "refusal_accuracy": 1.0,
                "ungrounded_numbers": 0,
                "citation_precision": 0.96,
            }
        )
        == []
    )
    failing = ev.failed_thresholds(
        {
            "pass_rate": 0.95,
            "refusal_accuracy": 0.8,
            "ungrounded_numbers": 2,
            "citation_precision": 0.2,
            "citation_support_rate": 0.9,
        }
    )
    assert len(failing) == 4
    assert any("refusal accuracy" in f for f in failing)
    assert any("2 ungrounded" in f for f in failing)
    assert any("citation precision" in f for f in failing)
    assert any("citation support rate" in f for f in failing)
    # The frozen test split has its own floors: the same summary is judged against them.
    assert ev.failed_thresholds({"pass_rate": 0.74, "refusal_accuracy": 0.95}, "test") == []
    assert ev.failed_thresholds({"pass_rate": 0.74, "refusal_accuracy": 0.95}, "dev") != []


def test_thresholds_only_go_up_towards_the_issue_targets() -> None:
    # Issue 11's target stays written down; each split's floor is what was measured on
    # 2026-12-01 after the question-derived rules were deleted, and never claims the target.
    assert ev.TARGET_PASS_RATE == 0.95
    # The dev floor was set again when the dev split grew to 284 questions (2026-12-05).
    assert ev.MIN_PASS_RATE["dev"] >= 0.79 and ev.MIN_PASS_RATE["test"] >= 0.66
    assert all(floor <= ev.TARGET_PASS_RATE for floor in ev.MIN_PASS_RATE.values())
    # Its refusal floor was set again when it grew to 1734 questions (2026-12-07), the fresh
    # batches' traps and out-of-scope asks 60-80% right (85.7% measured, 85.2% on the commit
    # before the session's changes).
    assert ev.MIN_REFUSAL_ACCURACY["dev"] >= 0.85
    assert ev.MAX_UNGROUNDED_NUMBERS == 0
    assert ev.MIN_SUPPORT_RATE >= 0.95
    assert ev.split_of(ev.TEST_QUESTIONS) == "test" and ev.split_of(ev.DEFAULT_QUESTIONS) == "dev"
    assert ev.split_of(ev.TEST_QUESTIONS_2) == "test"
    assert ev.split_of(ev.TEST_QUESTIONS_3) == "test3"


def test_percentile() -> None:
    assert ev.percentile([], 50) is None
    assert ev.percentile([7.0], 95) == 7.0
    assert ev.percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert ev.percentile(list(map(float, range(1, 101))), 95) == 95.05


def test_html_is_self_contained_and_escaped(tmp_path: Path) -> None:
    results = results_of(True, False)
    results[1].question = "<script>alert('x')</script> & more"
    results[1].answer = "<b>bold</b>"
    report = ev.build_report(results, k=6, questions_path="<path>")
    json_path, html_path = ev.write_report(report, tmp_path / "out")
    page = html_path.read_text(encoding="utf-8")
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; more" in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page
    assert page.count("data:image/png;base64,") == 2  # category and latency charts, inline
    assert "http://" not in page and "https://" not in page
    data = json.loads(json_path.read_text(encoding="utf-8"))
    assert data["summary"]["questions"] == 2
    assert data["results"][1]["passed"] is False
    assert data["thresholds"]["min_pass_rate"] == ev.MIN_PASS_RATE[data["split"]]


# ------------------------------------------------------------------ the question set itself


@pytest.fixture(scope="module", params=["dev", "test", "test2", "test3"])
def question_set(request: pytest.FixtureRequest) -> list[ev.Question]:
    """Each split on its own (the frozen test splits are checked for consistency, not tuned)."""
    files = {"dev": QUESTIONS, "test": ev.TEST_QUESTIONS, "test2": ev.TEST_QUESTIONS_2,
             "test3": ev.TEST_QUESTIONS_3}  # fmt: skip
    return ev.load_questions(files[request.param])


@pytest.fixture(scope="module")
def corpus_passages() -> list[Any]:
    documents, errors = load_corpus(corpus_files(Settings().corpus_dir))
    assert not errors
    return [p for d in documents for p in passages_for(d)]


def test_the_set_is_big_and_covers_every_category(question_set: list[ev.Question]) -> None:
    # The second frozen split is smaller (60 questions, at least 5 a category).
    big = len(question_set) >= 80
    assert big or len(question_set) >= 60
    for category in ev.CATEGORIES:
        n = sum(q.category == category for q in question_set)
        assert n >= (8 if big else 5), f"{category} has {n} questions"


def test_every_expected_citation_exists_in_the_corpus(
    question_set: list[ev.Question], corpus_passages: list[Any]
) -> None:
    missing = [
        f"{q.id}: {exp.document} «{exp.contains}»"
        for q in question_set
        for exp in q.expected_citation
        if not any(exp.matches(p.document_id, p.text) for p in corpus_passages)
    ]
    assert not missing, "expected citations matching no passage:\n" + "\n".join(missing)


def test_every_expected_number_is_traceable(
    question_set: list[ev.Question], corpus_passages: list[Any]
) -> None:
    """A required number is in the corpus, or its derivation is written in the notes."""
    corpus = {round(abs(t.value), 6) for p in corpus_passages for t in numbers_in(p.text)}
    untraced = []
    for q in question_set:
        local = {round(abs(t.value), 6) for t in numbers_in(f"{q.question} {q.notes}")}
        for expected in q.must_include_numbers:
            for token in numbers_in(expected):
                value = round(abs(token.value), 6)
                if value not in corpus and value not in local:
                    untraced.append(f"{q.id}: {expected}")
    assert not untraced, untraced


def test_the_set_is_well_formed(question_set: list[ev.Question]) -> None:
    for q in question_set:
        assert q.notes, f"{q.id} needs notes saying where its expectations come from"
        if q.category == "out_of_scope":
            assert q.expected_status == "no_evidence", q.id
        if q.category == "follow_up":
            assert q.history and q.history[0]["role"] == "user", q.id
        # (a fact the evidence base says it could not confirm is answered no_evidence, which
        # requires no citation)
        if q.category in ("trial_facts", "reference_facts") and q.expected_status == "answered":
            assert q.expected_citation, f"{q.id} must name the passage to cite"
    wordings = [q.question.lower() for q in question_set]
    assert len(set(wordings)) == len(wordings)


def test_the_splits_share_no_question() -> None:
    dev = ev.load_questions(QUESTIONS)
    frozen = [q for split in ev.FROZEN_SPLITS for q in ev.load_questions(split)]
    splits = [dev, *(ev.load_questions(split) for split in ev.FROZEN_SPLITS)]
    assert len({q.id for q in dev + frozen}) == sum(map(len, splits))
    assert len({q.question.lower() for q in dev + frozen}) == sum(map(len, splits))


# ------------------------------------------------------------------ the whole set, for real


@pytest.mark.slow
@pytest.mark.parametrize(
    "split",
    [ev.DEFAULT_QUESTIONS, *ev.FROZEN_SPLITS],
    ids=["dev", "test", "test2", "test3"],
)
def test_the_question_set_meets_the_thresholds(bot: Any, tmp_path: Path, split: Path) -> None:
    report = ev.run_eval(split, bot)
    ev.write_report(report, tmp_path)
    print("\n" + ev.format_summary(report))
    assert not report.failed, (
        "thresholds failing: "
        + "; ".join(report.failed)
        + f"\nfailing questions ({len(report.summary['failing_ids'])}):\n"
        + report.failures_text()
    )


def test_the_cheap_rounding_test_never_rejects_figures_that_round_alike() -> None:
    import random

    from assistant.support import _may_round_alike, _round_half_up

    rng = random.Random(15)
    for _ in range(20_000):
        places = rng.randint(0, 4)
        target = round(rng.uniform(0, 200), rng.randint(0, 6))
        value = target + rng.uniform(-2, 2) * 10.0**-places
        if _round_half_up(value, places) == _round_half_up(target, places):
            assert _may_round_alike(value, target, places), (value, target, places)
