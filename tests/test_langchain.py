"""LangChain conventions: the standard retriever and tool suites (`langchain-tests`) against
the real index and calculators, and the answer chain as a Runnable (invoke, batch, stream,
callbacks) giving exactly what `EvidenceAssistant.ask` gives."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from uuid import UUID

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_tests.integration_tests import RetrieversIntegrationTests, ToolsIntegrationTests
from langchain_tests.unit_tests import ToolsUnitTests

from assistant import EvidenceAssistant
from assistant.config import Settings
from assistant.lc import CHAIN_NAME, STAGES, calculator_tools
from assistant.profile import load_profile
from assistant.retrieve import EvidenceRetriever
from assistant.tools import tools_for

# ------------------------------------------------------------------ retriever

QUERY = "What was the complete or partial response rate with tacrolimus?"


class TestEvidenceRetrieverStandard(RetrieversIntegrationTests):
    """LangChain's standard retriever suite, on the session's real index (Chroma + MiniLM)."""

    @pytest.fixture(autouse=True)
    def _real_index(self, bot: EvidenceAssistant) -> None:
        self._search = bot.search

    @property
    def retriever_constructor(self) -> type[EvidenceRetriever]:
        return EvidenceRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        return {"search": self._search, "k": 2}

    @property
    def retriever_query_example(self) -> str:
        return QUERY


def test_bot_retriever_is_the_class_the_suite_tests(bot: EvidenceAssistant) -> None:
    retriever = bot.retriever(k=4)
    assert isinstance(retriever, EvidenceRetriever) and retriever.search is bot.search
    docs = retriever.invoke(QUERY)
    assert len(docs) == 4
    assert [d.id for d in retriever.invoke(QUERY, k=2)] == [d.id for d in docs[:2]]
    assert all(d.metadata["passage_id"] == d.id for d in docs)


def test_retriever_refuses_a_bad_k(bot: EvidenceAssistant) -> None:
    retriever = bot.retriever()
    for bad in (0, -1, 1.5, True, "3"):
        with pytest.raises(ValueError, match="k must be"):
            retriever.invoke(QUERY, k=bad)
    with pytest.raises(TypeError, match="top_k"):
        retriever.invoke(QUERY, top_k=1)
    with pytest.raises(ValueError):
        EvidenceRetriever(search=bot.search, k=0)


# ------------------------------------------------------------------ calculators as tools

EXAMPLES: dict[str, dict[str, Any]] = {
    "rate": {"events": 93, "total": 124, "reported_percent": 75},
    "compare_arms": {"events_a": 93, "total_a": 124, "events_b": 79, "total_b": 125},
    "difference_of_percentages": {"pct_a": 75.0, "pct_b": 63.2},
    "non_inferiority": {
        "events_a": 93,
        "total_a": 124,
        "events_b": 79,
        "total_b": 125,
        "margin_pct": 10,
    },
    "remission_check": {
        "proteinuria": 0.3,
        "proteinuria_unit": "g/day",
        "baseline_proteinuria": 3.5,
        "baseline_unit": "g/day",
        "albumin": 38,
        "albumin_unit": "g/L",
        "creatinine": 80,
        "creatinine_unit": "umol/L",
        "baseline_creatinine": 82,
        "baseline_creatinine_unit": "umol/L",
    },
    "trial_eligibility": {
        "age_years": 30,
        "bmi": 22.5,
        "proteinuria_g_per_24h": 2.5,
        "creatinine": 90,
        "isn_class": "IV",
    },
    "dose_schedule": {"weight_kg": 60},
    "convert": {"value": 1.2, "from_unit": "mg/dL", "to_unit": "umol/L"},
    "reported_difference": {
        "study": "Mok 2016",
        "difference_points": 4.3,
        "ci_low_points": -5.1,
        "ci_high_points": 13.7,
        "label_a": "tacrolimus",
        "label_b": "MMF",
        "outcome": "complete response",
    },
    "reported_effect": {
        "study": "Trial B",
        "label_a": "drug A",
        "label_b": "placebo",
        "measure": "OR",
        "estimate": 1.6,
        "ci_low": 1.0,
        "ci_high": 2.3,
        "p_value": 0.03,
    },
    "weight_dose": {"weight_kg": 55, "low_per_kg": 0.06, "high_per_kg": 0.1, "drug": "drug A"},
    "course_total": {"dose": 0.75, "unit": "g", "doses": 6, "per_m2": True, "bsa_m2": 1.6},
}
# Inputs each calculator refuses with its own ToolInputError message.
BAD_INPUTS: dict[str, dict[str, Any]] = {
    "rate": {"events": 130, "total": 124},
    "compare_arms": {"events_a": 5, "total_a": 0, "events_b": 79, "total_b": 125},
    "difference_of_percentages": {"pct_a": 175.0, "pct_b": 63.2},
    "non_inferiority": {**EXAMPLES["non_inferiority"], "margin_pct": -10},
    "remission_check": {"proteinuria": -1, "proteinuria_unit": "g/day"},
    "trial_eligibility": {"age_years": -30},
    "dose_schedule": {"weight_kg": 0},
    "convert": {"value": 1.2, "from_unit": "mg/dL", "to_unit": "furlongs"},
    "reported_difference": {**EXAMPLES["reported_difference"], "ci_low_points": 20.0},
    "reported_effect": {**EXAMPLES["reported_effect"], "ci_high": 1.2},  # estimate outside
    "weight_dose": {"weight_kg": 55, "low_per_kg": 0.1, "high_per_kg": 0.06},
    "course_total": {"dose": 0.75, "unit": "g", "doses": 6, "per_m2": True},  # no BSA
}
TOOLS = tools_for(load_profile(Settings.from_env().corpus_dir))  # the functions themselves
TOOL_BY_NAME = {tool.name: tool for tool in calculator_tools()}


def test_every_calculator_is_a_tool_with_an_example(bot: EvidenceAssistant) -> None:
    assert set(TOOL_BY_NAME) == set(TOOLS) == set(EXAMPLES) == set(BAD_INPUTS)
    assert all(isinstance(tool, BaseTool) for tool in TOOL_BY_NAME.values())
    assert [t.name for t in calculator_tools(bot.tools)] == list(bot.tools)


@pytest.fixture(params=sorted(EXAMPLES))
def calculator(request: pytest.FixtureRequest) -> str:
    return str(request.param)


class _CalculatorTool:
    """Points the standard suites at one calculator (parametrised over all of them)."""

    @pytest.fixture(autouse=True)
    def _which(self, calculator: str) -> None:
        self._name = calculator

    @property
    def tool_constructor(self) -> BaseTool:
        return TOOL_BY_NAME[self._name]

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return EXAMPLES[self._name]


class TestCalculatorToolsUnit(_CalculatorTool, ToolsUnitTests):
    """LangChain's standard tool unit tests, for each calculator."""


class TestCalculatorToolsIntegration(_CalculatorTool, ToolsIntegrationTests):
    """LangChain's standard tool integration tests (ToolCall in, ToolMessage out)."""


def test_agent_call_gives_the_direct_call(calculator: str) -> None:
    tool, args = TOOL_BY_NAME[calculator], EXAMPLES[calculator]
    direct = TOOLS[calculator](**args).to_dict()
    assert tool.invoke(args) == direct
    message = tool.invoke({"name": calculator, "args": args, "id": "c1", "type": "tool_call"})
    assert isinstance(message, ToolMessage) and message.status == "success"
    assert json.loads(str(message.content)) == direct


def test_numbers_reach_the_calculator_as_given() -> None:
    """75 and 75.0 are different reports to `rate` ("75%" vs "75.0%"): the schema must not
    turn one into the other."""
    rate = TOOL_BY_NAME["rate"]
    for reported in (75, 75.0, "75.0"):
        args = {"events": 93, "total": 124, "reported_percent": reported}
        assert rate.invoke(args) == TOOLS["rate"](**args).to_dict()
    assert rate.invoke({"events": 93.0, "total": 124}) == TOOLS["rate"](93.0, 124).to_dict()


def test_an_agent_can_rerun_the_chains_tool_call(chain: Runnable[Any, dict[str, Any]]) -> None:
    """A calculation the chain logged, re-run by an agent through the LangChain tool."""
    (call,) = chain.invoke("Does 93 of 124 give 75%?")["tool_calls"]
    assert TOOL_BY_NAME[call["name"]].invoke(call["inputs"]) == call


def test_schema_is_typed_from_the_signature() -> None:
    schema = TOOL_BY_NAME["compare_arms"].get_input_jsonschema()
    props = schema["properties"]
    assert props["events_a"]["type"] == "integer"
    assert props["label_a"]["type"] == "string" and props["label_a"]["default"] == "group A"
    assert props["higher_is_better"]["type"] == "boolean"
    assert set(schema["required"]) == {"events_a", "total_a", "events_b", "total_b"}
    rate = TOOL_BY_NAME["rate"].get_input_jsonschema()["properties"]
    assert {"type": "number"} in rate["reported_percent"]["anyOf"]


def test_bad_input_is_a_message_not_an_exception(calculator: str) -> None:
    tool, args = TOOL_BY_NAME[calculator], BAD_INPUTS[calculator]
    with pytest.raises(ValueError) as direct:
        TOOLS[calculator](**args)
    result = tool.invoke(args)
    assert result == f"{calculator} could not run: {direct.value}"
    message = tool.invoke({"name": calculator, "args": args, "id": "c2", "type": "tool_call"})
    assert isinstance(message, ToolMessage) and message.status == "error"
    assert message.content == result


def test_wrong_types_and_names_are_reported_per_argument() -> None:
    rate = TOOL_BY_NAME["rate"]
    assert rate.invoke({"events": True, "total": "many", "totl": 3}) == (
        "rate could not run: events: Input should be a number (got True); "
        "total: Input should be a number (got 'many'); "
        "totl: Extra inputs are not permitted (got 3)."
    )
    assert rate.invoke({"total": 124}) == "rate could not run: events: Field required."


# ------------------------------------------------------------------ the chain as a Runnable

FACT = "What was the complete or partial response rate with tacrolimus?"
FOLLOW_UP = "and with cyclophosphamide?"
QUESTIONS = [
    FACT,
    "Does 93 of 124 give 75%?",
    "What is the capital of France?",
    "",
]


def _without_timings(result: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in result.items() if k != "timings_ms"}


@pytest.fixture(scope="module")
def chain(bot: EvidenceAssistant) -> Runnable[Any, dict[str, Any]]:
    return bot.as_runnable()


@pytest.mark.parametrize("question", QUESTIONS)
def test_invoke_gives_what_ask_gives(
    bot: EvidenceAssistant, chain: Runnable[Any, dict[str, Any]], question: str
) -> None:
    result = chain.invoke({"question": question})
    assert _without_timings(result) == _without_timings(bot.ask(question).to_dict())
    assert set(result["timings_ms"]) == {"retrieve", "tools", "compose", "total"}
    assert result["timings_ms"]["total"] > 0


def test_statuses_cover_answered_no_evidence_and_invalid(
    chain: Runnable[Any, dict[str, Any]],
) -> None:
    statuses = [r["status"] for r in chain.batch([{"question": q} for q in QUESTIONS])]
    assert statuses == ["answered", "answered", "no_evidence", "invalid_input"]


def test_history_in_every_accepted_shape(
    bot: EvidenceAssistant, chain: Runnable[Any, dict[str, Any]]
) -> None:
    first = bot.ask(FACT)
    history = [
        {"role": "user", "content": FACT},
        {"role": "assistant", "content": first.answer},
    ]
    expected = _without_timings(bot.ask(FOLLOW_UP, history=history).to_dict())
    assert "tacrolimus" not in expected["question"]  # it is a real follow-up
    lc_messages = [HumanMessage(FACT), AIMessage(first.answer), HumanMessage(FOLLOW_UP)]
    gradio = [
        *history,
        {"role": "user", "content": [{"type": "text", "text": FOLLOW_UP}], "metadata": None},
    ]
    shapes: list[Any] = [
        {"question": FOLLOW_UP, "history": history},
        {"question": FOLLOW_UP, "history": lc_messages[:2]},
        lc_messages,
        gradio,
        {"messages": [("user", FACT), ("assistant", first.answer), ("user", FOLLOW_UP)]},
        # messages after the last user turn are not part of the question or its history
        [*lc_messages, AIMessage("(a reply still being written)")],
    ]
    for shape in shapes:
        assert _without_timings(chain.invoke(shape)) == expected, shape
    assert _without_timings(chain.invoke(FACT)) == _without_timings(first.to_dict())
    not_a_history = chain.invoke({"question": FACT, "history": "and with cyclophosphamide"})
    assert _without_timings(not_a_history) == _without_timings(first.to_dict())


@pytest.mark.parametrize(
    "shape", [{}, [], [AIMessage("hello")], {"question": 42}, {"messages": "hi"}, 42], ids=repr
)
def test_input_without_a_question_is_invalid(
    chain: Runnable[Any, dict[str, Any]], shape: Any
) -> None:
    result = chain.invoke(shape)
    assert result["status"] == "invalid_input"
    assert result["answer"] == "Please ask the question as text."


def test_batch_and_stream(chain: Runnable[Any, dict[str, Any]]) -> None:
    inputs = [{"question": q} for q in QUESTIONS]
    singles = [_without_timings(chain.invoke(x)) for x in inputs]
    assert [_without_timings(r) for r in chain.batch(inputs)] == singles
    assert [_without_timings(r) for r in chain.batch(inputs, {"max_concurrency": 2})] == singles
    chunks = list(chain.stream(inputs[0]))
    assert len(chunks) == 1  # stream yields the final answer dict once
    assert _without_timings(chunks[0]) == singles[0]
    assert _without_timings(asyncio.run(chain.ainvoke(inputs[0]))) == singles[0]


class _Runs(BaseCallbackHandler):
    def __init__(self) -> None:
        self.started: list[tuple[str, UUID, UUID | None]] = []
        self.ended: list[UUID] = []

    def on_chain_start(
        self,
        serialized: dict[str, Any] | None,
        inputs: Any,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> None:
        self.started.append((str(kwargs.get("name")), run_id, parent_run_id))

    def on_chain_end(self, outputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self.ended.append(run_id)


def test_callbacks_see_each_stage_as_a_child_run(
    chain: Runnable[Any, dict[str, Any]],
) -> None:
    runs = _Runs()
    result = chain.invoke({"question": FACT}, {"callbacks": [runs]})
    names = [name for name, _, _ in runs.started]
    assert names == [CHAIN_NAME, *STAGES]
    assert STAGES == ("route", "retrieve", "tools", "compose+verify")
    (_, root, parent), *stages = runs.started
    assert parent is None
    assert all(stage_parent == root for _, _, stage_parent in stages)
    assert set(runs.ended) == {run_id for _, run_id, _ in runs.started}
    assert result["status"] == "answered"


def test_invalid_input_stops_after_route(chain: Runnable[Any, dict[str, Any]]) -> None:
    runs = _Runs()
    assert chain.invoke("   ", {"callbacks": [runs]})["status"] == "invalid_input"
    assert [name for name, _, _ in runs.started] == [CHAIN_NAME, "route"]


def test_chain_declares_its_input_schema(chain: Runnable[Any, dict[str, Any]]) -> None:
    schema = chain.get_input_jsonschema()
    assert "question" in json.dumps(schema) and "messages" in json.dumps(schema)
    assert chain.get_name() == CHAIN_NAME
