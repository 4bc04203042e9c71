"""The clinician-facing Gradio chat: the page (`build`, `main`) and pure rendering helpers.

Everything shown on the page that comes from a question, a document or an upload is escaped
here: chat bubbles get markdown with HTML escaped and images disabled, the panels get HTML
built from escaped text. Nothing from a user or a document is ever rendered as markup.
Numbers on the figure come from tool calls only (see `assistant.plots`).
"""

from __future__ import annotations

import html
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import gradio as gr

from .answer import EvidenceAssistant
from .index import IndexError_
from .ingest import IngestError, read_documents
from .plots import figure_for
from .profile import Profile
from .types import Document, Passage

log = logging.getLogger(__name__)

DISCLAIMER = "Research tool — not medical advice."
UPLOAD_SUFFIXES = (".txt", ".md", ".xml", ".nbib", ".ris", ".csv", ".gz")
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
ASK_CONCURRENCY = 4  # questions answered at once per server (the rest wait in the queue)
PREVIEW_CHARS = 300  # an over-long question is shown cut to this length
SEARCHING = "_Searching the evidence base…_"
ERROR_REPLY = (
    "**Something went wrong while answering**; the question was not answered. Please try again."
)
EMPTY_SOURCES = '<p class="ea-empty">Sources for the latest answer appear here.</p>'
EMPTY_CALCS = '<p class="ea-empty">Calculations for the latest answer appear here.</p>'
KIND_NAMES = {"article": "article", "abstract": "abstract record", "guideline": "guideline",
              "upload": "upload"}  # fmt: skip

CSS = """
#ea-disclaimer { font-weight: 600; color: #8a3b12; margin: 0.2rem 0 0.4rem; }
.ea-source { border: 1px solid var(--border-color-primary); border-radius: 6px;
             padding: 0.4rem 0.6rem; margin-bottom: 0.5rem; }
.ea-source summary { cursor: pointer; }
.ea-source .ea-title { font-weight: 600; }
.ea-meta, .ea-citation, .ea-empty, .ea-summary { font-size: 0.85em;
  color: var(--body-text-color-subdued); }
.ea-context { margin: 0.4rem 0; padding-left: 0.6rem; border-left: 3px solid #d9c27a; }
mark.ea-quote { background: #ffe58a; color: #1a1a1a; padding: 0 2px; }
.ea-calc { border: 1px solid var(--border-color-primary); border-radius: 6px;
           padding: 0.4rem 0.6rem; margin-bottom: 0.5rem; }
table.ea-kv, table.ea-docs { font-size: 0.85em; border-collapse: collapse; width: 100%; }
table.ea-kv td, table.ea-kv th, table.ea-docs td, table.ea-docs th {
  border-bottom: 1px solid var(--border-color-primary); padding: 2px 6px; text-align: left; }
.ea-upload-ok { color: #2d6a2d; } .ea-upload-error { color: #a01c1c; font-weight: 600; }
"""


# ------------------------------------------------------------------ escaping

_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")


def esc(value: Any) -> str:
    """Any value as HTML text (quotes too, so it is safe inside attributes)."""
    return html.escape(str(value), quote=True)


def safe_markdown(text: str) -> str:
    """Markdown in which HTML shows as text and images never load.

    Only what could start markup is escaped (`<` before a tag name, `/`, `!` or `?`; `&`
    before an entity), so "P<0.001" and "A & B" stay as typed when the answer is copied.
    """
    escaped = _ENTITY.sub("&amp;", text)
    escaped = _TAG_START.sub("&lt;", escaped)
    return re.sub(r"!(?=\[)", r"\\!", escaped)


def preview(question: str, limit: int = PREVIEW_CHARS) -> str:
    if len(question) <= limit:
        return question
    return f"{question[:limit]}… ({len(question):,} characters)"


# ------------------------------------------------------------------ chat bubbles


def answer_markdown(answer: Mapping[str, Any]) -> str:
    """The assistant's chat bubble for one `Answer.to_dict()`."""
    body = safe_markdown(str(answer.get("answer", "")))
    status = answer.get("status")
    if status == "no_evidence":
        return f"ℹ️ **No evidence found in the evidence base.** {body}"
    if status == "invalid_input":
        return f"⚠️ **Not answered.** {body}"
    ungrounded = [str(n) for n in answer.get("ungrounded_numbers") or []]
    if ungrounded:
        body += "\n\n⚠️ **Unverified numbers:** " + safe_markdown(", ".join(ungrounded))
    return body


def status_line(answer: Mapping[str, Any]) -> str:
    """One line under the chat: what the answer rests on and how long it took."""
    total = float((answer.get("timings_ms") or {}).get("total", 0.0))
    status = answer.get("status")
    if status == "invalid_input":
        return "Not answered (see the message above)."
    if status == "no_evidence":
        return f"No evidence found · {total:.0f} ms"
    n_sources, n_calcs = len(answer.get("citations") or []), len(answer.get("tool_calls") or [])
    counts = f"{_plural(n_sources, 'source')} · {_plural(n_calcs, 'calculation')}"
    return f"Answered from {counts} · {total:.0f} ms"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# ------------------------------------------------------------------ sources panel


def highlight(text: str, quote: str, before: str = "", after: str = "") -> str:
    """The passage with the quoted sentence marked, between its neighbouring sentences."""
    start = text.find(quote) if quote else -1
    if start >= 0:
        head, tail = text[:start], text[start + len(quote) :]
    else:
        head, tail, quote = "", "", quote or text
    marked = f'<mark class="ea-quote">{esc(quote)}</mark>'
    return " ".join(
        p for p in (esc(before), esc(head).rstrip() + marked + esc(tail), esc(after)) if p
    )


def pmid_html(pmid: str) -> str:
    if re.fullmatch(r"\d{1,9}", pmid):
        url = f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
        return f'<a href="{url}" target="_blank" rel="noopener noreferrer">PMID {pmid}</a>'
    return f"PMID {esc(pmid)}"


def doi_html(doi: str) -> str:
    if re.fullmatch(r"10\.\d{4,9}/\S+", doi):
        url = "https://doi.org/" + quote(doi, safe="/()._-;:")
        return f'<a href="{esc(url)}" target="_blank" rel="noopener noreferrer">doi:{esc(doi)}</a>'
    return f"doi:{esc(doi)}"


def source_meta(meta: Mapping[str, Any]) -> str:
    """ "Zheng 2022 · 2022 · RCT · PMID … · doi:…" from a passage's document metadata."""
    name, year = str(meta.get("short_name") or ""), str(meta.get("year") or "")
    parts = [esc(v) for v in (name, "" if year in name else year, meta.get("design")) if v]
    if meta.get("pmid"):
        parts.append(pmid_html(str(meta["pmid"])))
    if meta.get("doi"):
        parts.append(doi_html(str(meta["doi"])))
    return " · ".join(parts)


def source_html(n: int, citation: Mapping[str, Any], passage: Passage | None) -> str:
    quote_text = str(citation.get("quote", ""))
    meta = passage.metadata if passage else {}
    if passage:
        body = highlight(passage.text, quote_text, passage.context_before, passage.context_after)
    else:
        body = highlight(quote_text, quote_text)
    cite = f'<div class="ea-citation">{esc(meta["citation"])}</div>' if meta.get("citation") else ""
    return (
        f'<details class="ea-source" id="ea-source-{n}"><summary><span class="ea-n">[{n}]</span> '
        f'<span class="ea-title">{esc(citation.get("title", ""))}</span> '
        f'<span class="ea-meta">{source_meta(meta)}</span></summary>'
        f'<blockquote class="ea-context">{body}</blockquote>{cite}</details>'
    )


def sources_html(citations: Sequence[Mapping[str, Any]], passages: Mapping[str, Passage]) -> str:
    """Every citation of an answer, numbered like the [n] markers; click one to open it."""
    if not citations:
        return '<p class="ea-empty">This answer cites no sources.</p>'
    items = [source_html(n, c, passages.get(str(c.get("id")))) for n, c in enumerate(citations, 1)]
    return '<div class="ea-sources">' + "".join(items) + "</div>"


# ------------------------------------------------------------------ calculations panel


def _value_text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def values_table(values: Mapping[str, Any]) -> str:
    rows = "".join(
        f"<tr><th>{esc(k)}</th><td>{esc(_value_text(v))}</td></tr>" for k, v in values.items()
    )
    return f'<table class="ea-kv">{rows}</table>'


def _is_method_key(key: str) -> bool:
    return key.endswith(("method", "convention", "_source")) or key == "note"


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def calculation_html(n: int, call: Mapping[str, Any]) -> str:
    """One tool call: its sentence, the method(s), inputs, outputs (unrounded ones folded)."""
    output, inputs = _mapping(call.get("output")), _mapping(call.get("inputs"))
    methods = [str(v) for k, v in output.items() if _is_method_key(k) and v]
    shown = {
        k: v for k, v in output.items() if not k.endswith("_unrounded") and not _is_method_key(k)
    }
    exact = {k: v for k, v in output.items() if k.endswith("_unrounded")}
    method_html = f"<p><b>Method:</b> {esc('; '.join(methods))}</p>" if methods else ""
    exact_html = (
        f"<details><summary>Unrounded values</summary>{values_table(exact)}</details>"
        if exact
        else ""
    )
    return (
        f'<div class="ea-calc" id="ea-calc-{n}"><div><b>Calculation {n}</b> '
        f"<code>{esc(call.get('name', ''))}</code></div><p>{esc(call.get('text', ''))}</p>"
        f"{method_html}<p><b>Inputs</b></p>{values_table(inputs)}"
        f"<p><b>Output</b></p>{values_table(shown)}{exact_html}</div>"
    )


def calculations_html(tool_calls: Sequence[Mapping[str, Any]]) -> str:
    if not tool_calls:
        return '<p class="ea-empty">No calculation was needed for this answer.</p>'
    return "".join(calculation_html(n, call) for n, call in enumerate(tool_calls, 1))


# ------------------------------------------------------------------ evidence base and uploads


def evidence_html(documents: Mapping[str, Mapping[str, Any]]) -> str:
    """Which documents are loaded, with passage counts and a per-kind summary."""
    kinds: dict[str, int] = {}
    for meta in documents.values():
        kind = str(meta.get("kind") or "document")
        kinds[kind] = kinds.get(kind, 0) + 1
    total = sum(int(m.get("passages", 0)) for m in documents.values())
    by_kind = ", ".join(
        f"{n} {KIND_NAMES.get(k, k)}{'s' if n != 1 else ''}" for k, n in sorted(kinds.items())
    )
    summary = f"{_plural(len(documents), 'document')} · {total:,} passages" + (
        f" ({by_kind})" if by_kind else ""
    )
    rows = "".join(_document_row(meta) for _, meta in sorted(documents.items(), key=_doc_order))
    head = "<tr><th>Source</th><th>Kind</th><th>Year</th><th>Design</th><th>Passages</th></tr>"
    return (
        f'<p class="ea-summary" id="ea-evidence-summary">{esc(summary)}</p>'
        f'<table class="ea-docs">{head}{rows}</table>'
    )


def _doc_order(item: tuple[str, Mapping[str, Any]]) -> tuple[str, int, str]:
    doc_id, meta = item
    return str(meta.get("kind", "")), -int(meta.get("year") or 0), doc_id


def _document_row(meta: Mapping[str, Any]) -> str:
    kind = str(meta.get("kind", ""))
    cells = [
        meta.get("short_name") or meta.get("doc_id") or "",
        KIND_NAMES.get(kind, kind),
        meta.get("year") or "",
        meta.get("design", ""),
        meta.get("passages", 0),
    ]
    tds = "".join(f"<td>{esc(cell)}</td>" for cell in cells)
    return f'<tr title="{esc(meta.get("title", ""))}">{tds}</tr>'


@dataclass(frozen=True)
class UploadResult:
    name: str
    ok: bool
    message: str


def upload_report_html(results: Sequence[UploadResult]) -> str:
    if not results:
        return '<p class="ea-empty">No file was uploaded.</p>'
    items = "".join(
        f'<li class="{"ea-upload-ok" if r.ok else "ea-upload-error"}">'
        f"{'Added' if r.ok else 'Not added'}: <b>{esc(r.name)}</b> — {esc(r.message)}</li>"
        for r in results
    )
    return f'<ul class="ea-upload-report">{items}</ul>'


def safe_filename(name: str) -> str:
    """A file name that cannot leave the uploads folder or surprise a shell."""
    stem, dot, suffix = Path(name).name.rpartition(".")
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem if dot else suffix).strip(".-")[:80] or "upload"
    return f"{stem}.{suffix.lower()}" if dot else stem


# ------------------------------------------------------------------ the app


class ReadWriteLock:
    """Many questions at once, or one upload alone (an upload rewrites the index in place)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False
        self._waiting_writers = 0

    @contextmanager
    def reading(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._writing and not self._waiting_writers)
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def writing(self) -> Iterator[None]:
        with self._cond:
            self._waiting_writers += 1
            self._cond.wait_for(lambda: not self._writing and not self._readers)
            self._waiting_writers -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()


@dataclass(frozen=True)
class Turn:
    """One question and its answer, as shown: bubbles and panels (kept in the session)."""

    question_md: str
    answer_md: str
    answer: dict[str, Any]
    sources: str
    calculations: str

    def messages(self) -> list[dict[str, str]]:
        return [{"role": "user", "content": self.question_md},
                {"role": "assistant", "content": self.answer_md}]  # fmt: skip


class ChatApp:
    """The event handlers, around one EvidenceAssistant shared by every session."""

    def __init__(self, bot: EvidenceAssistant) -> None:
        self.bot = bot
        self.lock = ReadWriteLock()

    @property
    def uploads_dir(self) -> Path:
        return self.bot.settings.corpus_dir / "uploads"

    # -------------------------------------------------------------- asking

    def answer(self, question: Any, history: Sequence[dict[str, Any]]) -> Turn:
        """Ask the assistant and render the turn (a crash becomes a message, not a 500)."""
        shown = safe_markdown(preview(question if isinstance(question, str) else str(question)))
        try:
            with self.lock.reading():
                result = self.bot.ask(question, history=list(history)).to_dict()
                passages = self.bot.index.passages()
                sources = sources_html(result["citations"], passages)
        except Exception:
            log.exception("answering failed")
            result = {"status": "error", "answer": "", "citations": [], "tool_calls": []}
            return Turn(shown, ERROR_REPLY, result, EMPTY_SOURCES, EMPTY_CALCS)
        calcs = calculations_html(result["tool_calls"])
        return Turn(shown, answer_markdown(result), result, sources, calcs)

    def ask_api(self, question: str, history: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """`/ask` for programs: the public `Answer.to_dict()` (raw markdown, not escaped)."""
        with self.lock.reading():
            return self.bot.ask(question, history=history or []).to_dict()

    def respond(
        self, question: Any, history: list[dict[str, Any]], turns: list[Turn]
    ) -> Iterator[tuple[Any, ...]]:
        """Show the question at once with a 'searching' line, then the answer and its panels."""
        pending = Turn(safe_markdown(preview(str(question or ""))), SEARCHING, {}, "", "")
        chat = [m for t in [*turns, pending] for m in t.messages()]
        yield chat, history, turns, "", gr.skip(), gr.skip(), gr.skip(), "Searching…"
        turn = self.answer(question, history)
        status = turn.answer.get("status")
        if status in ("answered", "no_evidence"):
            history = [*history, {"role": "user", "content": question},
                       {"role": "assistant", "content": turn.answer["answer"]}]  # fmt: skip
        turns = [*turns, turn]
        chat = [m for t in turns for m in t.messages()]
        kept = question if status == "invalid_input" else ""  # to shorten it, not retype it
        yield (chat, history, turns, kept, *self.panels(turn))

    def panels(self, turn: Turn) -> tuple[Any, ...]:
        """Sources, calculations, figure and status line for one turn."""
        figure = figure_for(turn.answer.get("tool_calls") or [])
        plot = gr.update(value=figure, visible=figure is not None)
        status = status_line(turn.answer) if turn.answer.get("status") != "error" else "Error."
        return turn.sources, turn.calculations, plot, status

    def select(self, turns: list[Turn], event: Any) -> tuple[Any, ...]:
        """Clicking a message shows the panels of that turn."""
        index = event.index if isinstance(event.index, int) else None
        if index is None or not 0 <= index // 2 < len(turns):
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        return self.panels(turns[index // 2])

    # -------------------------------------------------------------- evidence base

    def evidence(self) -> str:
        with self.lock.reading():
            return evidence_html(self.bot.index.documents())

    def add_file(self, source: Path) -> UploadResult:
        """Validate one uploaded file, keep it under corpus/uploads/ and index it."""
        name = safe_filename(source.name)
        problem = _upload_problem(source, name)
        if problem:
            return UploadResult(name, False, problem)
        with tempfile.TemporaryDirectory() as staging:
            staged = Path(staging) / name  # read under the name it will be stored with
            shutil.copyfile(source, staged)
            try:
                notes: list[str] = []  # skipped records, a detected encoding
                documents = read_documents(staged, notes)
            except (IngestError, OSError) as exc:
                return UploadResult(name, False, _reason(exc, name))
            if not documents:
                return UploadResult(name, False, "no abstract or article found in the file.")
            with self.lock.writing():
                return self._store(staged, documents, notes)

    def _store(
        self, staged: Path, documents: list[Document], notes: Sequence[str] = ()
    ) -> UploadResult:
        target = self.uploads_dir / staged.name
        existed = target.exists()
        clash = "" if existed else _already_known(documents, self.bot.index.documents())
        known = set(clash.split(", ")) if clash else set()
        documents = [d for d in documents if d.id not in known]  # the export's new articles
        if not documents:
            return UploadResult(target.name, False, f"already in the evidence base: {clash}.")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(staged, target)
        if known:  # index only the new ones; the copies already indexed stay as they are
            from dataclasses import replace

            new = [replace(d, source_path=str(target)) for d in documents]
            report, errors = self.bot.index.sync(new, remove_missing=False), list(notes)
        else:
            report, errors = self.bot.ingest([target])
        indexed = self.bot.index.documents()
        missing = [d.id for d in documents if d.id not in indexed]
        if missing:
            if not existed:
                target.unlink(missing_ok=True)
            reasons = "; ".join(_reason(e, target.name) for e in errors) or "not indexed."
            return UploadResult(target.name, False, reasons)
        passages = sum(int(indexed[d.id]["passages"]) for d in documents)
        message = _added_message(documents, report, passages, errors)
        skipped = f" Already in the evidence base, not added again: {clash}." if clash else ""
        return UploadResult(target.name, True, message + skipped)

    def upload(self, files: Sequence[Any] | None, progress: Any = None) -> tuple[str, str, None]:
        """Add every uploaded file in turn, reporting progress and a line per file."""
        paths = [Path(f if isinstance(f, str) else getattr(f, "name", str(f))) for f in files or []]
        results = []
        for i, path in enumerate(paths):
            if progress is not None:
                progress((i, len(paths)), desc=f"Indexing {path.name}")
            results.append(self.add_file(path))
        return upload_report_html(results), self.evidence(), None


def _upload_problem(source: Path, name: str) -> str | None:
    if Path(name).suffix not in UPLOAD_SUFFIXES:
        return f"unsupported file type; use one of {', '.join(UPLOAD_SUFFIXES)}."
    size = source.stat().st_size
    if size > MAX_UPLOAD_BYTES:
        return f"the file is {size / 1e6:.1f} MB; the limit is {MAX_UPLOAD_BYTES / 1e6:.1f} MB."
    if size == 0:
        return "the file is empty."
    return None


def _already_known(documents: Sequence[Document], known: Mapping[str, Mapping[str, Any]]) -> str:
    """Ids or PMIDs of `documents` that the index already holds (from another file)."""
    pmids = {str(meta.get("pmid")) for meta in known.values() if meta.get("pmid")}
    clash = [d.id for d in documents if d.id in known or (d.pmid and d.pmid in pmids)]
    return ", ".join(clash)


def _added_message(
    documents: Sequence[Document], report: Any, passages: int, errors: Sequence[str]
) -> str:
    verbs = ("updated", "unchanged")
    verb = next((v for v in verbs if all(d.id in getattr(report, v) for d in documents)), "added")
    titles = "; ".join(d.title for d in documents[:3]) + ("; …" if len(documents) > 3 else "")
    count = f"{len(documents)} documents, " if len(documents) > 1 else ""
    skipped = f" Skipped: {'; '.join(errors)}" if errors else ""
    return f"{titles} ({count}{verb}; {passages} passages).{skipped}"


def _reason(error: Exception | str, name: str) -> str:
    """An ingest error without the file name it starts with (the report shows the name)."""
    text = str(error)
    return text[len(name) + 2 :] if text.startswith(f"{name}: ") else text


# ------------------------------------------------------------------ page


def header_html(max_chars: int, profile: Profile) -> str:
    return (
        f"<h1 style='margin-bottom:0'>{esc(profile.title)}</h1>"
        f'<p id="ea-disclaimer">{esc(DISCLAIMER)}</p>'
        "<p class='ea-summary'>Answers quote the evidence base sentence by sentence, with "
        "[n] markers pointing to the Sources panel; every calculation is done by a logged tool "
        f"and shown under Calculations. Questions up to {max_chars:,} characters.</p>"
    )


UPLOAD_LABEL = (
    "Upload abstracts: plain text (.txt), records (.md), PubMed XML (.xml), MEDLINE (.nbib), "
    "RIS (.ris); .gz-compressed exports too"
)


@dataclass
class Page:
    """The components the handlers read and write."""

    chatbot: Any
    question: Any
    ask: Any
    clear: Any
    status: Any
    plot: Any
    examples: Any
    sources: Any = None
    calcs: Any = None
    evidence: Any = None
    files: Any = None
    report: Any = None
    history: Any = None
    turns: Any = None

    def chat_outputs(self) -> list[Any]:
        return [self.chatbot, self.history, self.turns, self.question, *self.panel_outputs()]

    def panel_outputs(self) -> list[Any]:
        return [self.sources, self.calcs, self.plot, self.status]


def _chat_column(limit: int, profile: Profile) -> Page:
    chatbot = gr.Chatbot(
        label="Chat", elem_id="ea-chat", height=520, sanitize_html=True, allow_tags=False,
        render_markdown=True, latex_delimiters=[], feedback_options=None, buttons=["copy"],
        placeholder=f"Ask about {profile.coverage}.",
    )  # fmt: skip
    question = gr.Textbox(
        label="Question", elem_id="ea-question", lines=1, max_lines=8,
        placeholder=profile.placeholder,
        info=f"Press Enter to ask. Up to {limit:,} characters.",
    )  # fmt: skip
    with gr.Row():
        ask = gr.Button("Ask", variant="primary", elem_id="ea-ask")
        clear = gr.Button("Clear chat", elem_id="ea-clear")
    status = gr.Markdown("", elem_id="ea-status")
    plot = gr.Plot(
        label="Figure (numbers from the calculations)", show_label=False, visible=False,
        elem_id="ea-plot", format="png",
    )  # fmt: skip
    examples = gr.Examples(
        list(profile.examples) or ["What was the main result?"],
        inputs=[question],
        label="Example questions",
    )
    return Page(chatbot, question, ask, clear, status, plot, examples)


def _panel_column(page: Page) -> None:
    with gr.Tabs():
        with gr.Tab("Sources", id="sources"):
            page.sources = gr.HTML(EMPTY_SOURCES, js_on_load=None, elem_id="ea-sources")
        with gr.Tab("Calculations", id="calculations"):
            page.calcs = gr.HTML(EMPTY_CALCS, js_on_load=None, elem_id="ea-calcs")
        with gr.Tab("Evidence base", id="evidence"):
            page.evidence = gr.HTML("", js_on_load=None, elem_id="ea-evidence")
        with gr.Tab("Add abstracts", id="upload"):
            page.files = gr.File(
                label=UPLOAD_LABEL, file_count="multiple", file_types=list(UPLOAD_SUFFIXES),
                elem_id="ea-upload",
            )  # fmt: skip
            page.report = gr.HTML("", js_on_load=None, elem_id="ea-upload-report")


PROGRESS = gr.Progress()  # one shared tracker object; Gradio gives each event its own state


def _clear_all() -> tuple[Any, ...]:
    hidden = gr.update(value=None, visible=False)
    return [], [], [], "", EMPTY_SOURCES, EMPTY_CALCS, hidden, ""


def _wire(app: ChatApp, page: Page, demo: Any) -> None:
    """Connect the events: ask (button, Enter, example), clear, select, upload, page load."""
    ask: dict[str, Any] = {
        "fn": app.respond,
        "inputs": [page.question, page.history, page.turns],
        "outputs": page.chat_outputs(),
        "concurrency_limit": ASK_CONCURRENCY,
        "concurrency_id": "ask",
    }
    page.ask.click(**ask, api_name="chat")
    page.question.submit(**ask, api_visibility="private")
    page.examples.load_input_event.then(**ask, api_visibility="private")
    page.clear.click(_clear_all, None, page.chat_outputs(), api_visibility="private")

    def on_select(turns: list[Turn], event: gr.SelectData) -> tuple[Any, ...]:
        return app.select(turns, event)

    page.chatbot.select(on_select, [page.turns], page.panel_outputs(), api_visibility="private")

    def on_upload(files: list[str] | None, progress: Any = PROGRESS) -> tuple[str, str, None]:
        return app.upload(files, progress)

    outputs = [page.report, page.evidence, page.files]
    page.files.upload(on_upload, [page.files], outputs, api_name="upload", concurrency_limit=1)
    demo.load(app.evidence, None, page.evidence, api_visibility="private")
    gr.api(app.ask_api, api_name="ask", concurrency_limit=ASK_CONCURRENCY, concurrency_id="ask")


def build(bot: EvidenceAssistant) -> Any:
    """The Blocks of the chat page (not launched)."""
    app = ChatApp(bot)
    with gr.Blocks(title=bot.profile.title, analytics_enabled=False) as demo:
        header = header_html(bot.settings.max_question_chars, bot.profile)
        gr.HTML(header, js_on_load=None, elem_id="ea-header")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                page = _chat_column(bot.settings.max_question_chars, bot.profile)
            with gr.Column(scale=2):
                _panel_column(page)
        page.history = gr.State([])
        page.turns = gr.State([])
        _wire(app, page, demo)
    return demo


def launch(demo: Any, port: int | None = None) -> None:
    """Serve on 127.0.0.1 with nothing that reaches the internet (no share link, no analytics)."""
    demo.queue(default_concurrency_limit=ASK_CONCURRENCY).launch(
        server_name=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        server_port=port or int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        share=False,
        inbrowser=False,
        ssr_mode=False,
        pwa=False,
        mcp_server=False,
        enable_monitoring=False,
        run_history=False,
        footer_links=["api", "settings"],
        max_file_size=MAX_UPLOAD_BYTES,
        css=CSS,
    )


def main() -> int:
    """`python app.py`: open (or build) the index, then serve the chat."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    print("Opening the evidence index (it is built from corpus/ on first start)…", flush=True)
    try:
        bot = EvidenceAssistant()
    except IndexError_ as exc:  # e.g. an index built by an older version: say what to do
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if bot.last_sync is not None:
        print(bot.last_sync.summary(), flush=True)
    for error in bot.ingest_errors:
        print(f"warning: could not read {error}", flush=True)
    launch(build(bot))
    return 0
