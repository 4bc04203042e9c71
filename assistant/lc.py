"""LangChain faces of the assistant: the answer chain as a `Runnable`, the calculators as tools.

`answer_chain(bot)` (what `EvidenceAssistant.as_runnable()` returns) calls the stage methods
`EvidenceAssistant.ask` calls, in the same order, each as a named child run that callbacks and
tracers see: ``route`` (the input check, then `bot.route`: a follow-up resolved from the
history) -> ``retrieve`` (`bot.retrieve`) -> ``tools`` (`bot.run_tools`) -> ``compose+verify``
(`bot.compose`; the number check runs inside the composer, so it is one run with it). The
parent run is ``evidence_assistant``; its output is `Answer.to_dict()`. `stream` yields that
final dict once (the stages are not streamed).

Input: ``{"question": str, "history": [messages]}``, ``{"messages": [...]}``, a list of
messages (the last user message is the question, the messages before it its history) or a
plain string. A message is a LangChain message, a ``(role, content)`` pair or a dict in
Gradio's messages format (``{"role": "user", "content": "..."}``).

`calculator_tools()` gives each deterministic calculator (`bot.tools`, or those of the
configured evidence base) as a LangChain tool whose argument schema is derived from its
signature; it returns the `ToolCall` dict, and a bad input comes back as an error message,
not an exception.
"""

from __future__ import annotations

import functools
import inspect
import operator
import time
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import (
    TYPE_CHECKING,
    Annotated,
    Any,
    NotRequired,
    Union,
    get_args,
    get_origin,
    get_type_hints,
)

from langchain_core.messages import BaseMessage
from langchain_core.runnables import Runnable, RunnableConfig, RunnableLambda
from langchain_core.tools import BaseTool, StructuredTool, ToolException
from pydantic import (
    BaseModel,
    ConfigDict,
    StrictBool,
    StrictFloat,
    StrictInt,
    ValidationError,
    WithJsonSchema,
    create_model,
)
from typing_extensions import TypedDict  # pydantic needs this one before Python 3.12

from .calculate import ToolPlan
from .config import Settings
from .profile import load_profile
from .retrieve import Retrieval
from .route import Route, invalid_reason
from .tools import ToolInputError, tools_for
from .types import Answer, Passage, ToolCall

if TYPE_CHECKING:
    from .answer import EvidenceAssistant

CHAIN_NAME = "evidence_assistant"
STAGES = ("route", "retrieve", "tools", "compose+verify")

MessageLike = BaseMessage | dict[str, Any] | tuple[str, Any] | str


class QuestionInput(TypedDict):
    """``{"question": ..., "history": [...]}``: the arguments of `EvidenceAssistant.ask`."""

    question: str
    history: NotRequired[list[MessageLike]]


class MessagesInput(TypedDict):
    """``{"messages": [...]}``: a chat whose last user message is the question."""

    messages: list[MessageLike]


ChainInput = QuestionInput | MessagesInput | list[MessageLike] | str

_ROLES = {"human": "user", "user": "user", "ai": "assistant", "assistant": "assistant"}


@dataclass
class _Turn:
    """What passes between the stages (the same values `ask` keeps in local variables)."""

    question: Any
    history: list[dict[str, Any]]
    started: float = field(default_factory=time.perf_counter)
    routed: Route | None = None
    retrieval: Retrieval | None = None
    plan: ToolPlan | None = None
    basis: list[Passage] = field(default_factory=list)  # passages stating the rules applied
    answer: Answer | None = None
    timings: dict[str, float] = field(default_factory=dict)


def answer_chain(bot: EvidenceAssistant) -> Runnable[Any, dict[str, Any]]:
    """The answer chain of `bot` as a LangChain Runnable (see the module docstring): each
    stage calls the `EvidenceAssistant` method `ask` calls, so there is one chain, not two."""
    max_chars = bot.settings.max_question_chars

    def route_stage(turn: _Turn) -> _Turn:
        reason = invalid_reason(turn.question, max_chars)
        if reason:
            turn.answer = Answer(question=str(turn.question)[:200], answer=reason,
                                 status="invalid_input")  # fmt: skip
        else:
            turn.routed = bot.route(turn.question, turn.history)
        return turn

    def retrieve_stage(turn: _Turn) -> _Turn:
        assert turn.routed is not None
        t0 = time.perf_counter()
        turn.retrieval = bot.retrieve(turn.routed)
        turn.timings["retrieve"] = _ms(t0)
        return turn

    def tools_stage(turn: _Turn) -> _Turn:
        assert turn.routed is not None and turn.retrieval is not None
        t0 = time.perf_counter()
        turn.plan, turn.basis = bot.run_tools(turn.routed, turn.retrieval)
        turn.timings["tools"] = _ms(t0)
        return turn

    def compose_stage(turn: _Turn) -> _Turn:
        assert turn.routed is not None and turn.retrieval is not None and turn.plan is not None
        t0 = time.perf_counter()
        turn.answer = bot.compose(turn.routed, turn.retrieval, turn.plan, turn.basis)
        turn.timings["compose"] = _ms(t0)
        return turn

    stages = [
        RunnableLambda(route_stage, name="route"),
        RunnableLambda(retrieve_stage, name="retrieve"),
        RunnableLambda(tools_stage, name="tools"),
        RunnableLambda(compose_stage, name="compose+verify"),
    ]

    def run(inputs: ChainInput, config: RunnableConfig) -> dict[str, Any]:
        question, history = parse_input(inputs)
        turn = _Turn(question=question, history=history)
        for stage in stages:
            turn = stage.invoke(turn, config)
            if turn.answer is not None:
                break
        assert turn.answer is not None
        turn.answer.timings_ms = {**turn.timings, "total": _ms(turn.started)}
        return turn.answer.to_dict()

    chain = RunnableLambda(run, name=CHAIN_NAME)
    return chain.with_types(input_type=ChainInput, output_type=dict[str, Any])  # type: ignore[arg-type]


def parse_input(inputs: Any) -> tuple[Any, list[dict[str, Any]]]:
    """(question, history in Gradio's messages format) from any accepted input shape. Input
    that has no question gives question None, which the route stage reports as invalid."""
    if isinstance(inputs, str):
        return inputs, []
    if isinstance(inputs, dict) and "question" in inputs:
        return inputs["question"], _messages(inputs.get("history"))
    if isinstance(inputs, dict) and "messages" in inputs:
        inputs = inputs["messages"]
    if isinstance(inputs, list | tuple):
        pairs = [(raw, m) for raw in inputs if (m := as_message(raw)) is not None]
        users = [n for n, (_, m) in enumerate(pairs) if m["role"] == "user"]
        if users:
            raw, last = pairs[users[-1]]
            return _question_of(raw, last), [m for _, m in pairs[: users[-1]]]
    return None, []


def _messages(history: Any) -> list[dict[str, Any]]:
    """A history in Gradio's messages format (anything but a list of messages is no history,
    as in `ask`)."""
    if not isinstance(history, list | tuple):
        return []
    return [m for m in map(as_message, history) if m is not None]


def as_message(message: Any) -> dict[str, Any] | None:
    """A message as ``{"role": "user" | "assistant" | ..., "content": str}``, or None."""
    if isinstance(message, BaseMessage):
        return {"role": _ROLES.get(message.type, message.type), "content": str(message.text)}
    if isinstance(message, dict) and "content" in message:
        role = str(message.get("role") or message.get("type") or "")
        return {"role": _ROLES.get(role, role), "content": _text(message["content"])}
    if isinstance(message, tuple) and len(message) == 2 and isinstance(message[0], str):
        return {"role": _ROLES.get(message[0], message[0]), "content": _text(message[1])}
    if isinstance(message, str):
        return {"role": "user", "content": message}
    return None


def _question_of(raw: Any, message: dict[str, Any]) -> Any:
    """The question as given when it is text (so the length and emptiness checks see it
    exactly), else the text of its content blocks."""
    content = raw.get("content") if isinstance(raw, dict) else None
    return content if isinstance(content, str) else message["content"]


def _text(content: Any) -> str:
    """The text of a message's content: a string, or text blocks (LangChain's or Gradio's)."""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        content = [content]
    if isinstance(content, list | tuple):
        parts = [
            part if isinstance(part, str) else str(part.get("text", ""))
            for part in content
            if isinstance(part, str) or (isinstance(part, dict) and "text" in part)
        ]
        return "\n".join(parts)
    return ""


def _ms(since: float) -> float:
    return (time.perf_counter() - since) * 1000.0


# ---------------------------------------------------------------- calculators as tools


def calculator_tools(
    tools: Mapping[str, Callable[..., ToolCall]] | None = None,
) -> list[BaseTool]:
    """Each calculator as a LangChain tool with the name it logs under: `tools` (e.g. a bot's
    `bot.tools`), by default the calculators of the configured evidence base's profile
    (`tools_for`; the patient-level ones follow its criteria sets and protocols)."""
    if tools is None:
        tools = tools_for(load_profile(Settings.from_env().corpus_dir))
    return [calculator_tool(name, function) for name, function in tools.items()]


def calculator_tool(name: str, function: Callable[..., Any]) -> BaseTool:
    """One calculator as a StructuredTool: arguments validated against a pydantic schema
    built from the function's signature; output the `ToolCall` dict; a `ToolInputError` or
    an argument of the wrong type becomes the tool's output as a one-line message."""

    def run(**arguments: Any) -> dict[str, Any]:
        try:
            result: dict[str, Any] = function(**arguments).to_dict()
        except ToolInputError as error:
            raise ToolException(f"{name} could not run: {error}") from error
        return result

    schema = argument_schema(name, function)
    doc = inspect.getdoc(function if inspect.isroutine(function) else type(function).__call__)
    doc = doc or inspect.getdoc(function) or name
    description = (
        f"{doc}\n\nDeterministic calculator; returns the logged tool call as "
        "{name, inputs, output, text}."
    )
    return StructuredTool(
        name=name,
        description=description,
        args_schema=schema,
        func=run,
        handle_tool_error=True,
        handle_validation_error=_validation_message(name),
    )


def argument_schema(name: str, function: Callable[..., Any]) -> type[BaseModel]:
    """A pydantic model of the calculator's keyword arguments: the signature's names,
    annotations and defaults (a parameter without a default is required). Unknown
    arguments are refused, so a misspelt one is reported instead of silently ignored."""
    annotated = function if inspect.isroutine(function) else type(function).__call__
    hints = get_type_hints(annotated)
    fields: dict[str, Any] = {
        p.name: (as_given(hints.get(p.name, Any)), ... if p.default is p.empty else p.default)
        for p in inspect.signature(function).parameters.values()
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    }
    model: type[BaseModel] = create_model(
        _camel(name) + "Input", __config__=ConfigDict(extra="forbid"), **fields
    )
    return model


# Numbers reach the calculator as the caller gave them (75 stays 75, 117.0 stays 117.0, a
# boolean is no number): the calculator's own checks decide what a valid count is, and its
# output (which shows "75%" for 75 but "75.0%" for 75.0) is the same as a direct call's.
_AS_GIVEN: dict[Any, Any] = {
    int: Annotated[StrictInt | StrictFloat, WithJsonSchema({"type": "integer"})],
    float: Annotated[StrictInt | StrictFloat, WithJsonSchema({"type": "number"})],
    bool: StrictBool,
}


def as_given(annotation: Any) -> Any:
    """The annotation with int, float and bool (also inside `X | None`) validated strictly
    and passed on unconverted."""
    if annotation in _AS_GIVEN:
        return _AS_GIVEN[annotation]
    if get_origin(annotation) in (Union, types.UnionType):
        return functools.reduce(operator.or_, map(as_given, get_args(annotation)))
    return annotation


def _validation_message(name: str) -> Callable[[Any], str]:
    """One line naming each bad argument once, e.g. "rate could not run: events: Input should
    be a number (got True)." """

    def message(error: Any) -> str:
        if not isinstance(error, ValidationError):
            return f"{name} could not run: {error}"
        problems: dict[str, str] = {}
        for e in error.errors():
            argument = str(e["loc"][0]) if e["loc"] else "input"
            if argument in problems:
                continue  # one line per argument, not one per member of its type
            numeric = {"int", "float"} & {str(part) for part in e["loc"][1:]}
            text = "Input should be a number" if numeric else e["msg"]
            got = "" if e["type"] == "missing" else f" (got {e.get('input')!r})"
            problems[argument] = f"{argument}: {text}{got}"
        return f"{name} could not run: " + "; ".join(problems.values()) + "."

    return message


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))
