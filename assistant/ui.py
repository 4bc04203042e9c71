"""The clinician-facing Gradio chat: the page (`build`, `main`) and pure rendering helpers.

Everything shown on the page that comes from a question, a document or an upload is escaped
here: chat bubbles get markdown with HTML escaped and images disabled, the panels get HTML
built from escaped text. Nothing from a user or a document is ever rendered as markup.
Numbers on the figure come from tool calls only (see `assistant.plots`).
"""

from __future__ import annotations

import html
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

from .answer import EvidenceAssistant, strip_speaker
from .config import Settings
from .index import IndexError_
from .ingest import IngestError, read_documents
from .plots import figure_for
from .present import (
    INTERVIEWER,
    badge,
    calculation_words,
    inputs_words,
    is_unchecked,
    method_words,
    num,
    plain_statement,
    speaker_role,
    tool_title,
)
from .profile import Profile
from .types import Document, Passage

log = logging.getLogger(__name__)

DISCLAIMER = "Research tool — not medical advice."
UPLOAD_SUFFIXES = (".txt", ".md", ".xml", ".nbib", ".ris", ".csv", ".gz")
MIB = 1024 * 1024
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
/* Contrast (WCAG AA, checked with axe-core in the browser tests): darker subdued text and
   a darker accent than the default theme's. */
:root, .gradio-container, body { --body-text-color-subdued: #4b5563 !important;
  --block-info-text-color: #4b5563 !important; --color-accent: #b4450c !important;
  --button-primary-background-fill: #b4450c !important;
  --button-primary-background-fill-hover: #9a3a0a !important;
  --button-primary-text-color: #ffffff !important; }
.tab-wrapper button.selected, button[role="tab"].selected { color: #b4450c !important; }
footer .show-api, footer .settings, footer a, footer button { color: #4b5563 !important; }
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
.ea-upload-pending { font-size: 0.85em; color: var(--body-text-color-subdued); margin: 0; }
.ea-badge { display: inline-block; font-size: 0.78em; line-height: 1.35; padding: 0 6px;
  border-radius: 8px; background: #eef2f6; color: #334155; border: 1px solid #cfd8e3;
  white-space: normal; vertical-align: baseline; }
#ea-chat a.ea-marker, a.ea-marker { color: #1e3a8a !important; text-decoration: underline dotted;
  text-underline-offset: 2px; white-space: nowrap; }
a.ea-marker:hover, a.ea-marker:focus-visible { text-decoration-style: solid; }
details.ea-fold { margin: 0.3rem 0; } #ea-chat details.ea-fold > summary { cursor: pointer;
  font-size: 0.9em; color: #374151 !important; }
.ea-note { margin: 0.3rem 0; font-size: 0.85em; color: #8a3b12; font-weight: 600; }
.ea-calc .ea-headline { font-weight: 600; margin: 0.3rem 0; }
.ea-calc .ea-rest, .ea-calc .ea-from, .ea-calc .ea-method { font-size: 0.85em; margin: 0.2rem 0; }
.ea-verdict { margin: 0.5rem 0 0.2rem; }
table.ea-check { font-size: 0.8em; border-collapse: collapse; width: 100%; table-layout: fixed;
  margin-bottom: 0.4rem; }
table.ea-check caption { text-align: left; font-weight: 600; padding: 2px 0; }
table.ea-check th, table.ea-check td { border-bottom: 1px solid var(--border-color-primary);
  padding: 2px 4px; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
table.ea-check th { overflow-wrap: normal; }
table.ea-check th:nth-child(1) { width: 22%; } table.ea-check th:nth-child(2) { width: 16%; }
table.ea-check th:nth-child(3) { width: 16%; } table.ea-check th:nth-child(4) { width: 12%; }
table.ea-check th:nth-child(5) { width: 34%; }
table.ea-check tr.ea-unmet td:nth-child(4) { color: #a01c1c; font-weight: 600; }
table.ea-check tr.ea-met td:nth-child(4) { color: #2d6a2d; }
table.ea-kv { table-layout: fixed; } table.ea-kv th { width: 45%; }
table.ea-kv td, table.ea-kv th { overflow-wrap: anywhere; }
.ea-examples-label { font-size: 0.85em; color: var(--body-text-color-subdued); margin: 0; }
#ea-examples { flex-wrap: wrap; gap: 6px; }
#ea-examples .ea-example { white-space: normal; text-align: left; flex: 1 1 16rem;
  min-width: 0; height: auto; line-height: 1.3; }
#ea-plot img, #ea-plot .matplotlib img { max-width: 100%; height: auto; }
#ea-plot { overflow: hidden; }
@media (max-width: 640px) {
  #ea-examples .ea-example { flex-basis: 100%; }
  /* A patient check on a phone: one card per criterion, each value under its column's name. */
  table.ea-check, table.ea-check tbody, table.ea-check tr, table.ea-check td {
    display: block; width: auto !important; }
  table.ea-check tr.ea-head { display: none; }
  table.ea-check tr { border-bottom: 1px solid var(--border-color-primary); padding: 3px 0; }
  table.ea-check td { border: none; padding: 1px 4px; overflow-wrap: break-word; }
  table.ea-check td::before { content: attr(data-label) " "; font-weight: 600; }
  table.ea-check caption { display: block; }
  table.ea-check td:first-child { font-weight: 600; }
  table.ea-check td:first-child::before { content: none; }
}
"""

# Outside Gradio's scoped custom CSS (which only reaches inside the main column): the page's
# side padding, narrower on a phone so the chat gets the width.
HEAD = (
    "<style>@media (max-width: 640px) { .main.app { padding-left: 6px !important; "
    "padding-right: 6px !important; } }</style>"
)

CHAT_HEIGHT = "min(520px, 64vh)"  # the chat and the first line of an answer fit a laptop screen

# After each new answer, put the question at the top of the chat box and make sure the answer's
# first line is on screen (Gradio's autoscroll would jump to the bottom of a long answer).
PLACE_ANSWER_JS = """
() => {
  const lineOf = (block) => {
    const range = document.createRange();
    range.selectNodeContents(block);
    return range.getClientRects()[0] || block.getBoundingClientRect();
  };
  const place = () => {
    const chat = document.querySelector('#ea-chat');
    if (!chat) return;
    const bots = chat.querySelectorAll('[data-testid="bot"]');
    if (!bots.length) return;
    const bot = bots[bots.length - 1];
    const key = bots.length + ':' + bot.textContent.length;
    if (chat.dataset.eaPlaced === key) return;
    chat.dataset.eaPlaced = key;
    const users = chat.querySelectorAll('[data-testid="user"]');
    const user = users.length ? users[users.length - 1] : null;
    const block = bot.querySelector('p, li, table') || bot;
    let log = chat.querySelector('[role="log"]') || bot.parentElement;
    while (log && log !== chat && log.scrollHeight <= log.clientHeight + 1) {
      log = log.parentElement;
    }
    if (log && log !== chat) {  // the question at the top of the chat box, if it leaves room
      const box = log.getBoundingClientRect();
      log.scrollTop += (user || bot).getBoundingClientRect().top - box.top - 8;
      const line = lineOf(block);
      if (line.bottom > box.bottom) log.scrollTop += line.bottom - box.bottom + 8;
    }
    const line = lineOf(block);  // and the first line inside the window
    if (line.top < 0) window.scrollBy(0, line.top - 80);
    else if (line.bottom > window.innerHeight) window.scrollBy(0, line.bottom - innerHeight + 80);
  };
  const observer = new MutationObserver(() => requestAnimationFrame(place));
  observer.observe(document.body, { childList: true, subtree: true, characterData: true });

  // An [n] marker opens Sources entry n: the Sources tab selected, the entry open and on screen.
  const openSource = (n) => {
    const tab = [...document.querySelectorAll('button[role="tab"]')]
      .find((b) => b.textContent.trim() === 'Sources');
    if (tab && tab.getAttribute('aria-selected') !== 'true') tab.click();
    let tries = 0;
    const open = () => {
      const entry = document.getElementById('ea-source-' + n);
      if (!entry || entry.offsetParent === null) {
        if (++tries < 60) requestAnimationFrame(open);
        return;
      }
      entry.open = true;
      const box = entry.getBoundingClientRect();
      if (box.top < 0 || box.bottom > window.innerHeight) entry.scrollIntoView({ block: 'start' });
      const summary = entry.querySelector('summary');
      if (summary) summary.focus({ preventScroll: true });
    };
    requestAnimationFrame(open);
  };
  document.addEventListener('click', (event) => {
    const link = event.target.closest && event.target.closest('a.ea-marker');
    if (!link) return;
    event.preventDefault();
    const n = (link.getAttribute('href') || '').replace('#ea-source-', '');
    openSource(n);
    // The click goes on to the bubble, whose select event shows that answer's panels: needless
    // for the latest answer (its panels are shown, and a pending select would swallow the next
    // click); for an earlier one, open the entry again once its panels have landed.
    const bubble = link.closest('[data-testid="bot"]');
    const bots = document.querySelectorAll('#ea-chat [data-testid="bot"]');
    if (!bubble || bubble === bots[bots.length - 1]) {
      event.stopPropagation();
      return;
    }
    const titles = () => [...document.querySelectorAll('#ea-sources .ea-title')]
      .map((t) => t.textContent).join('|');
    let seen = titles();
    const again = new MutationObserver(() => {  // the earlier answer's panel has landed
      const now = titles();
      if (now !== seen) { seen = now; openSource(n); }
    });
    again.observe(document.body, { childList: true, subtree: true, characterData: true });
    setTimeout(() => again.disconnect(), 4000);
  }, true);
}
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


def answer_markdown(answer: Mapping[str, Any], badges: Sequence[str] = ()) -> str:
    """The assistant's chat bubble for one `Answer.to_dict()`: the direct answer with a badge
    per [n] marker, the calculation lines folded, the first quote shown and the rest folded.
    `badges[n - 1]` is the compact badge of citation n (from its passage's metadata)."""
    status = answer.get("status")
    text = str(answer.get("answer", ""))
    if status == "no_evidence" and answer.get("citations"):
        # the evidence base says it lacks what was asked: that sentence is shown like a finding
        return f"ℹ️ {bubble_markdown(text, badges)}"
    if status == "no_evidence":
        return f"ℹ️ **No evidence found in the evidence base.** {safe_markdown(text)}"
    if status == "invalid_input":
        return f"⚠️ **Not answered.** {safe_markdown(text)}"
    body = bubble_markdown(text, badges)
    ungrounded = [str(n) for n in answer.get("ungrounded_numbers") or []]
    if ungrounded:
        body += "\n\n⚠️ **Unverified numbers:** " + safe_markdown(", ".join(ungrounded))
    return body


_SECTION = re.compile(r"^\*\*(Calculation|Evidence)\*\*$")
_BADGE = re.compile(r"^(?P<said>.*\[\d+\]) _\((?P<badge>.+)\)_$")
_QUOTE_ITEM = re.compile(r"^- \[(?P<n>\d+)\] “(?P<quote>.*)” \((?P<label>.*)\)$")


NO_FINDING = (
    "_No finding on this is stated in the evidence base: the closest sentence is an "
    "interviewer's question, kept below as context._"
)


def bubble_markdown(text: str, badges: Sequence[str] = ()) -> str:
    """The answer markdown as the bubble shows it (every piece of it escaped). An interviewer's
    question is never shown as a finding: it leaves the direct answer and waits, folded and
    labelled, among the quotes."""
    sections: dict[str, list[str]] = {"": []}
    current = ""
    for line in text.split("\n"):
        match = _SECTION.match(line.strip())
        if match:
            current = match.group(1)
            sections[current] = []
        else:
            sections.setdefault(current, []).append(line)
    findings = [line for line in sections[""] if not _interviewer_line(line)]
    if not any(line.strip() for line in findings) and any(line.strip() for line in sections[""]):
        findings = [NO_FINDING]
    direct = [_badged(line, badges) for line in findings]
    parts = ["\n".join(direct).strip()]
    said = " ".join(findings)
    if "Evidence" in sections:
        parts.append(_evidence_block(sections["Evidence"], said, badges))
    if "Calculation" in sections:
        lines = [safe_markdown(line) for line in sections["Calculation"] if line.strip()]
        if re.search(r"\d", said):  # the result is above: its inputs can wait
            parts.append(_folded("How it was calculated", "\n".join(lines), "ea-calc-lines"))
        else:  # the per-study results are the answer, first (side by side, not pooled)
            studies = [_study_result(line, badges) for line in sections["Calculation"]]
            parts.insert(0, "\n".join(line for line in studies if line))
    return "\n\n".join(p for p in parts if p)


_HOW = re.compile(r"\s+_\((?P<how>[^\n]*)\)_$")  # " _(Comparison of two arms, from 117/141 …)_"


def _study_result(line: str, badges: Sequence[str]) -> str:
    """ "- Smith 2020: A vs B: RD … _(tool, from inputs)_" as the bubble shows a study's result:
    without how it was calculated (the Calculations panel says), with the marker and badge of
    the study's first citation."""
    text = _HOW.sub("", line.strip())
    if not text:
        return ""
    named = re.match(r"^- (?P<study>[^:]{1,80}): ", text)
    study = named.group("study") if named else ""
    n = next((i for i, b in enumerate(badges, 1) if study and b.startswith(study + " · ")), 0)
    if not n:
        return safe_markdown(text)
    rest = badges[n - 1][len(study) + 3 :]  # the line already names the study
    return f'{safe_markdown(text)} {marker_link(n)} <span class="ea-badge">{esc(rest)}</span>'


def _interviewer_line(line: str) -> bool:
    """A direct-answer sentence whose badge says it is an interviewer's words."""
    match = _BADGE.match(line.strip())
    return bool(match and INTERVIEWER in match.group("badge"))


def _is_interviewer(n: int, badges: Sequence[str]) -> bool:
    return 0 < n <= len(badges) and INTERVIEWER in badges[n - 1]


_LAST_MARKER = re.compile(r"\[(\d+)\]$")


def marker_link(n: int | str) -> str:
    """An [n] marker that opens Sources entry n (PLACE_ANSWER_JS handles the click)."""
    return f'<a class="ea-marker" href="#ea-source-{n}" title="Open source {n}">[{n}]</a>'


def _linked(markdown: str, badges: Sequence[str]) -> str:
    """The sentence's closing [n] as a link to its source, when citation n exists."""
    match = _LAST_MARKER.search(markdown)
    if not match or not 0 < int(match.group(1)) <= len(badges):
        return markdown
    return markdown[: match.start()] + marker_link(match.group(1))


def _badged(line: str, badges: Sequence[str] = ()) -> str:
    """ "… [1] _(Smith 2020 · RCT)_" -> the sentence, its marker (a link to the source) and a
    badge span; a line ending in a bare [n] (a calculation's result) gets citation n's badge."""
    match = _BADGE.match(line.strip())
    if match:
        badge_text = esc(match.group("badge"))
        said = _linked(safe_markdown(match.group("said")), badges)
        return f'{said} <span class="ea-badge">{badge_text}</span>'
    bare = _LAST_MARKER.search(line.strip())
    n = int(bare.group(1)) if bare else 0
    if 0 < n <= len(badges) and badges[n - 1]:
        said = _linked(safe_markdown(line.strip()), badges)
        return f'{said} <span class="ea-badge">{esc(badges[n - 1])}</span>'
    return safe_markdown(line)


def _evidence_block(lines: Sequence[str], said: str, badges: Sequence[str] = ()) -> str:
    """Each quote once: a quote the direct answer already states is folded; of the others the
    first is shown and the rest folded. Anything after the list (a note) is kept as is."""
    items, tail = [], []
    for line in lines:
        match = _QUOTE_ITEM.match(line.strip())
        if match:
            items.append(match)
        elif line.strip():
            tail.append(safe_markdown(line))
    shown: list[str] = []
    folded: list[str] = []
    for match in items:
        stated = _core(plain_statement(strip_speaker(match.group("quote"))), 12) in _core(said)
        asked = _is_interviewer(int(match.group("n")), badges)  # context, never the evidence
        (folded if stated or asked or shown else shown).append(_quote_line(match, badges))
    out = []
    if shown:
        out.append("**Evidence**\n\n" + "\n".join(shown))
    if folded:
        title = "Quoted sentences" if not shown else f"{_plural(len(folded), 'more quote')}"
        out.append(_folded(title, "\n".join(folded), "ea-more-quotes"))
    out += tail
    return "\n\n".join(out)


def _quote_line(match: re.Match[str], badges: Sequence[str] = ()) -> str:
    n, quote_text, label = match.group("n"), match.group("quote"), match.group("label")
    if 0 < int(n) <= len(badges) and badges[int(n) - 1]:
        label = badges[int(n) - 1]
    marker = marker_link(n) if 0 < int(n) <= len(badges) else f"[{n}]"
    return f'- {marker} “{safe_markdown(quote_text)}” <span class="ea-badge">{esc(label)}</span>'


def _core(text: str, last: int | None = None) -> str:
    """A sentence reduced to its words (its `last` ones), for "is this quote stated above?"."""
    words = re.findall(r"[a-z0-9.%]+", text.lower())
    return " ".join(words[-last:] if last else words)


def _folded(title: str, markdown: str, css_class: str) -> str:
    """A closed <details> around markdown (blank lines keep the markdown inside parsed)."""
    return (
        f'<details class="ea-fold {css_class}"><summary>{esc(title)}</summary>\n\n'
        f"{markdown}\n\n</details>"
    )


def status_line(answer: Mapping[str, Any]) -> str:
    """One line under the chat: what the answer rests on and how long it took."""
    total = float((answer.get("timings_ms") or {}).get("total", 0.0))
    status = answer.get("status")
    if status == "invalid_input":
        return "Not answered (see the message above)."
    n_sources, n_calcs = len(answer.get("citations") or []), len(answer.get("tool_calls") or [])
    if status == "no_evidence" and n_sources:
        return f"Not stated in the evidence base · {_plural(n_sources, 'source')} · {total:.0f} ms"
    if status == "no_evidence":
        return f"No evidence found · {total:.0f} ms"
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


def source_meta(meta: Mapping[str, Any], named: bool = True) -> str:
    """ "Smith 2020 · RCT · abstract record · PMID … · doi:…" from a passage's metadata
    (without "Smith 2020" when not `named`: the entry's title already starts with it)."""
    shown = badge(meta) if meta else ""
    name = str(meta.get("short_name") or "")
    if not named and name and shown.startswith(name + " · "):
        shown = shown[len(name) + 3 :]
    parts = [esc(shown)] if shown else []
    if meta.get("pmid"):
        parts.append(pmid_html(str(meta["pmid"])))
    if meta.get("doi"):
        parts.append(doi_html(str(meta["doi"])))
    return " · ".join(parts)


def opening_words(quote_text: str, words: int = 8) -> str:
    """The first words of a quoted sentence ("The complete or partial response rate was…")."""
    parts = plain_statement(strip_speaker(quote_text)).split()
    if len(parts) <= words:
        return " ".join(parts)
    return " ".join(parts[:words]).rstrip(",;:") + "…"


def source_title(citation: Mapping[str, Any], meta: Mapping[str, Any], words: int = 8) -> str:
    """ "Smith interview 2021: “The complete or partial response rate was…”"."""
    study = str(meta.get("short_name") or citation.get("document") or citation.get("title") or "")
    quote_text = str(citation.get("quote", ""))
    return f"{study}: “{opening_words(quote_text, words)}”" if study else quote_text


def _unique_titles(
    citations: Sequence[Mapping[str, Any]], metas: Sequence[Mapping[str, Any]]
) -> list[str]:
    """Titles that tell the entries apart: more of the quote where two would read the same."""
    words = [8] * len(citations)
    titles = [source_title(c, m, w) for c, m, w in zip(citations, metas, words, strict=True)]
    for _ in range(4):
        seen: dict[str, list[int]] = {}
        for i, title in enumerate(titles):
            seen.setdefault(title, []).append(i)
        clashes = [i for same in seen.values() if len(same) > 1 for i in same]
        if not clashes:
            break
        for i in clashes:
            words[i] += 8
            titles[i] = source_title(citations[i], metas[i], words[i])
    return titles


def garbled(meta: Mapping[str, Any], text: str) -> bool:
    """The sentence holds a passage its document's metadata lists as garbled in the source
    (`garbled_text`, several separated by " | "): shown with a warning, never silently."""
    parts = [p.strip() for p in str(meta.get("garbled_text") or "").split(" | ") if p.strip()]
    return any(part in text for part in parts)


def source_notes(meta: Mapping[str, Any], text: str = "") -> str:
    """Warnings a clinician needs before trusting the sentence."""
    notes = []
    if speaker_role(meta) == "interviewer":
        notes.append("The interviewer's question or remark, not a finding of the study.")
    if is_unchecked(meta):
        notes.append("Uploaded document: nobody has checked it against its source.")
    if garbled(meta, text):
        notes.append("The source text is garbled here (as published); read it in context.")
    return "".join(f'<p class="ea-note">{esc(note)}</p>' for note in notes)


def source_html(
    n: int, citation: Mapping[str, Any], passage: Passage | None, title: str | None = None
) -> str:
    quote_text = str(citation.get("quote", ""))
    meta = passage.metadata if passage else {}
    if passage:
        body = highlight(passage.text, quote_text, passage.context_before, passage.context_after)
    else:
        body = highlight(quote_text, quote_text)
    doc_title = str(citation.get("title", ""))
    cite = esc(meta["citation"]) if meta.get("citation") else ""
    about = " · ".join(p for p in (esc(doc_title), cite) if p)
    shown_title = title if title is not None else source_title(citation, meta)
    study = str(meta.get("short_name") or "\0")
    return (
        f'<details class="ea-source" id="ea-source-{n}"><summary><span class="ea-n">[{n}]</span> '
        f'<span class="ea-title">{esc(shown_title)}</span> '
        f'<span class="ea-meta">{source_meta(meta, named=not shown_title.startswith(study))}'
        "</span></summary>"
        f"{source_notes(meta, passage.text if passage else quote_text)}"
        f'<blockquote class="ea-context">{body}</blockquote>'
        f'<div class="ea-citation">{about}</div></details>'
    )


def sources_html(citations: Sequence[Mapping[str, Any]], passages: Mapping[str, Passage]) -> str:
    """Every citation of an answer, numbered like the [n] markers; click one to open it."""
    if not citations:
        return '<p class="ea-empty">This answer cites no sources.</p>'
    found = [passages.get(str(c.get("id"))) for c in citations]
    titles = _unique_titles(citations, [p.metadata if p else {} for p in found])
    items = [
        source_html(n, c, p, t)
        for n, (c, p, t) in enumerate(zip(citations, found, titles, strict=True), 1)
    ]
    return '<div class="ea-sources">' + "".join(items) + "</div>"


# ------------------------------------------------------------------ calculations panel


def flatten(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Nested tool values as (path, text) rows: "trial › complete criteria › 1 › status"."""
    if isinstance(value, dict):
        rows: list[tuple[str, str]] = []
        for key, item in value.items():
            rows += flatten(item, f"{prefix} › {_words(key)}" if prefix else _words(key))
        return rows or [(prefix, "—")]
    if isinstance(value, list | tuple):
        if all(not isinstance(v, dict | list | tuple) for v in value):
            return [(prefix, ", ".join(_scalar(v) for v in value) or "—")]
        rows = []
        for i, item in enumerate(value, 1):
            rows += flatten(item, f"{prefix} › {i}")
        return rows
    return [(prefix, _scalar(value))]


def _words(key: Any) -> str:
    return str(key).replace("_", " ")


def _scalar(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def values_table(values: Mapping[str, Any]) -> str:
    rows = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in flatten(values))
    return f'<table class="ea-kv">{rows}</table>'


def _is_method_key(key: str) -> bool:
    return key.endswith(("method", "convention", "_source")) or key == "note"


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


STATUS_WORDS = {"pass": "✓ met", "fail": "✗ not met", "missing": "? not given"}


@dataclass(frozen=True)
class CheckRow:
    """One criterion of a patient check, as the table shows it."""

    criterion: str
    value: str
    threshold: str
    status: str
    source: str


_RELATION = re.compile(r"\s(<=|>=|<|>|≤|≥|=)\s")


def _split_rule(rule: str) -> tuple[str, str]:
    """ "proteinuria < 0.5 g/day" -> ("proteinuria", "< 0.5 g/day"); "stable renal function
    (creatinine <= 15% above baseline)" -> ("stable renal function", "creatinine ≤ 15% …")."""
    match = _RELATION.search(rule)
    if not match:
        return rule, ""
    name, threshold = rule[: match.start()].strip(), rule[match.start() :].strip()
    if "(" in name:  # the test is spelled out in brackets after the criterion's name
        name, _, inner = rule.partition("(")
        name, threshold = name.strip(), inner.rstrip(")").strip()
        alternative = re.match(r"(?P<head>.+?)\s+(?:or|and)$", name)
        if alternative:  # "creatinine in normal range or (creatinine <= 15% above baseline)"
            subject, _, first = alternative.group("head").partition(" ")
            if first and threshold.startswith(subject + " "):
                joined = name[len(subject) + 1 :] + " " + threshold[len(subject) + 1 :]
                name, threshold = subject, joined
    return name, _symbols(threshold)


def _symbols(text: str) -> str:
    return text.replace(">=", "≥").replace("<=", "≤")


def _patient_value(item: Mapping[str, Any]) -> str:
    value, unit = item.get("value"), str(item.get("unit") or "")
    reason = str(item.get("reason") or "")
    if value is None:  # met or not on what the clinician said ("creatinine reported stable")
        return reason if reason and item.get("status") in ("pass", "fail") else "not given"
    if "(approximation" in reason:  # "0.4 g/g is below 0.5 (approximation: other measure …)"
        shown = num(value) if isinstance(value, int | float) else str(value)
        return f"≈ {shown} {unit}".strip()  # the calculation's note above says which
    if unit == "%" and item.get("reason"):  # a change: "creatinine +5.6% vs baseline"
        return str(item["reason"])
    shown = num(value) if isinstance(value, int | float) else str(value)
    return f"{shown} {unit}".strip()


def _status(item: Mapping[str, Any]) -> str:
    status = str(item.get("status") or "")
    return STATUS_WORDS.get(status, status or "—")


def criteria_rows(
    items: Sequence[Any], sources: Sequence[str], sentence: Any, rule_key: str = ""
) -> list[CheckRow]:
    """Table rows for a tool's list of criteria (`sentence(pid)` gives a source's text)."""
    rows = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        if rule_key:
            rule = str(item.get(rule_key) or "")
            name, threshold = str(item.get("criterion") or ""), _symbols(rule)
        else:
            name, threshold = _split_rule(str(item.get("criterion") or ""))
        pid = sources[i] if i < len(sources) else ""
        rows.append(CheckRow(name, _patient_value(item), threshold, _status(item), sentence(pid)))
    return rows


CHECK_COLUMNS = ("Criterion", "Patient value", "Threshold", "Met?", "Source sentence")


def check_table(title: str, rows: Sequence[CheckRow]) -> str:
    """Criterion | patient value | threshold | met? | source sentence; on a phone each row
    becomes a small card whose cells carry their column's name (`data-label`)."""
    head = '<tr class="ea-head">' + "".join(f"<th>{c}</th>" for c in CHECK_COLUMNS) + "</tr>"
    labels = [c if c.endswith("?") else f"{c}:" for c in CHECK_COLUMNS]
    cells = [f'<td data-label="{esc(label)}"' for label in labels]
    body = "".join(
        f'<tr class="ea-{_row_class(r.status)}">{cells[0]}>{esc(r.criterion)}</td>'
        f"{cells[1]}>{esc(r.value)}</td>{cells[2]}>{esc(r.threshold)}</td>"
        f'{cells[3]}>{esc(r.status)}</td>{cells[4]} class="ea-src">{esc(r.source)}</td></tr>'
        for r in rows
    )
    caption = f"<caption>{esc(title)}</caption>" if title else ""
    return f'<table class="ea-check">{caption}{head}{body}</table>'


def _row_class(status: str) -> str:
    return {"✓ met": "met", "✗ not met": "unmet"}.get(status, "missing")


class CheckSources:
    """Which sentence states each threshold: the profile's `source` per criterion, read from
    the index; the tool output's own `sources` list when the profile does not say."""

    def __init__(self, profile: Profile | None, passages: Mapping[str, Passage]) -> None:
        self.profile = profile
        self.passages = passages

    def sentence(self, pid: str) -> str:
        passage = self.passages.get(pid) if pid else None
        if passage is None:
            return pid
        name = passage.study
        return f"{name}: “{opening_words(passage.text, 12)}”"

    def remission(self, set_id: str, kind: str) -> list[str]:
        for spec in self.profile.criteria_sets if self.profile else ():
            if spec.id == set_id:
                return [c.source for c in (spec.complete if kind == "complete" else spec.partial)]
        return []

    def eligibility(self, label: str, items: Sequence[Any]) -> list[str]:
        for spec in self.profile.eligibility if self.profile else ():
            if label in (spec.label, spec.short_label, spec.id):
                by_name = {r.criterion: r.source for r in spec.rules}
                if spec.classes is not None:
                    by_name[spec.classes.label] = spec.classes.source
                return [
                    by_name.get(str(i.get("criterion")), "") if isinstance(i, dict) else ""
                    for i in items
                ]
        return []


_CATEGORY = {"complete": "complete response", "partial": "partial response"}


def patient_check_html(call: Mapping[str, Any], sources: CheckSources) -> str:
    """A remission or eligibility check as verdicts and criterion tables (no raw values)."""
    output = _mapping(call.get("output"))
    parts = []
    if isinstance(output.get("criteria"), list):  # an eligibility check
        label = str(output.get("trial") or "")
        pids = sources.eligibility(label, output["criteria"]) or []
        verdict = str(output.get("status") or "")
        parts.append(f'<p class="ea-verdict">{esc(verdict.capitalize())}: {esc(label)}</p>')
        rows = criteria_rows(output["criteria"], pids, sources.sentence, rule_key="rule")
        parts.append(check_table("", rows))
    for set_id, result in output.items():
        result = _mapping(result)
        if "complete_criteria" not in result:
            continue
        name = str(result.get("criteria_set") or set_id)
        category = str(result.get("category") or "")
        needed = ", ".join(_words(n) for n in result.get("needed_inputs") or [])
        extra = f" (needs {needed})" if needed else ""
        verdict = f"{_CATEGORY.get(category, category)}{extra}"
        parts.append(f'<p class="ea-verdict">{esc(name)}: <b>{esc(verdict)}</b></p>')
        for kind in ("complete", "partial"):
            rows = criteria_rows(
                result.get(f"{kind}_criteria") or [],
                sources.remission(set_id, kind),
                sources.sentence,
            )
            parts.append(check_table(f"{kind.capitalize()} response criteria", rows))
    return "".join(parts)


def calculation_html(n: int, call: Mapping[str, Any], sources: CheckSources | None = None) -> str:
    """One tool call in words (and as criterion tables for a patient check); its raw inputs
    and outputs folded under "Details", as rows of a table, never as JSON."""
    output, inputs = _mapping(call.get("output")), _mapping(call.get("inputs"))
    head, rest = calculation_words({**call, "output": output, "inputs": inputs})
    methods = [method_words(k, v) for k, v in output.items() if _is_method_key(k) and v]
    method_html = f'<p class="ea-method">Method: {esc("; ".join(methods))}</p>' if methods else ""
    check = patient_check_html({**call, "output": output}, sources or CheckSources(None, {}))
    name = str(call.get("name", ""))
    if check and name == "trial_eligibility":
        rest = ""  # its criterion list is the table
    return (
        f'<div class="ea-calc" id="ea-calc-{n}"><div class="ea-calc-title"><b>{n}. '
        f"{esc(tool_title(name))}</b></div>"
        f'<p class="ea-headline">{esc(head)}</p>'
        + (f'<p class="ea-rest">{esc(rest)}</p>' if rest else "")
        + check
        + f'<p class="ea-from">From: {esc(inputs_words({"inputs": inputs}))}</p>'
        + method_html
        + '<details class="ea-details"><summary>Details: every input and output</summary>'
        f'<p class="ea-tool">Tool <code>{esc(name)}</code></p>'
        f"<p><b>Inputs</b></p>{values_table(inputs)}<p><b>Output</b></p>{values_table(output)}"
        "</details></div>"
    )


def calculations_html(
    tool_calls: Sequence[Mapping[str, Any]], sources: CheckSources | None = None
) -> str:
    if not tool_calls:
        return '<p class="ea-empty">No calculation was needed for this answer.</p>'
    return "".join(calculation_html(n, call, sources) for n, call in enumerate(tool_calls, 1))


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


def upload_report_html(results: Sequence[UploadResult], pending: Sequence[Path] = ()) -> str:
    """One line per file: added or not and why; files still waiting are listed after them."""
    if not results and not pending:
        return '<p class="ea-empty">No file was uploaded.</p>'
    items = "".join(
        f'<li class="{"ea-upload-ok" if r.ok else "ea-upload-error"}">'
        f"{'Added' if r.ok else 'Not added'}: <b>{esc(r.name)}</b> — {esc(r.message)}</li>"
        for r in results
    )
    waiting = "".join(
        f'<p class="ea-upload-pending">Waiting: <b>{esc(safe_filename(p.name))}</b></p>'
        for p in pending
    )
    done = len(results)
    total = done + len(pending)
    summary = f'<p class="ea-summary">{done} of {total} files processed</p>' if pending else ""
    return f'{summary}<ul class="ea-upload-report">{items}</ul>{waiting}'


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
                checks = CheckSources(self.bot.profile, passages)
                calcs = calculations_html(result["tool_calls"], checks)
                badges = [_citation_badge(c, passages) for c in result["citations"]]
        except Exception:
            log.exception("answering failed")
            result = {"status": "error", "answer": "", "citations": [], "tool_calls": []}
            return Turn(shown, ERROR_REPLY, result, EMPTY_SOURCES, EMPTY_CALCS)
        return Turn(shown, answer_markdown(result, badges), result, sources, calcs)

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
        # The box was cleared when the question was sent; it is touched again only to give a
        # refused question back (to shorten it, not retype it), never to wipe what the
        # clinician has started typing meanwhile.
        kept = question if status == "invalid_input" else gr.skip()
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
        problem = _upload_problem(source, name, self.bot.settings.max_upload_mb * MIB)
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
        *_, final = self.upload_steps(files, progress)
        return final[0], final[1], None

    def upload_steps(
        self, files: Sequence[Any] | None, progress: Any = None
    ) -> Iterator[tuple[Any, Any, Any]]:
        """The upload report after each file (so a clinician sees each result as it lands),
        with Gradio's progress bar naming the file being indexed; then the evidence base."""
        paths = [Path(f if isinstance(f, str) else getattr(f, "name", str(f))) for f in files or []]
        results: list[UploadResult] = []
        for i, path in enumerate(paths):
            if progress is not None:
                progress((i, len(paths)), desc=f"Indexing {path.name} ({i + 1} of {len(paths)})")
            results.append(self.add_file(path))
            if i + 1 < len(paths):
                yield upload_report_html(results, pending=paths[i + 1 :]), gr.skip(), gr.skip()
        if progress is not None and paths:
            progress((len(paths), len(paths)), desc="Done")
        yield upload_report_html(results), self.evidence(), None


def _citation_badge(citation: Mapping[str, Any], passages: Mapping[str, Passage]) -> str:
    passage = passages.get(str(citation.get("id")))
    if passage is None:
        return ""
    flag = " · garbled in the source" if garbled(passage.metadata, passage.text) else ""
    return badge(passage.metadata) + flag


def _upload_problem(source: Path, name: str, limit_bytes: int) -> str | None:
    if Path(name).suffix not in UPLOAD_SUFFIXES:
        return f"unsupported file type; use one of {', '.join(UPLOAD_SUFFIXES)}."
    size = source.stat().st_size
    if size > limit_bytes:
        return (
            f"the file is {size / MIB:.1f} MB; the chat takes files up to {limit_bytes / MIB:.0f} "
            "MB (EA_MAX_UPLOAD_MB). Larger exports: `python -m assistant ingest <file>`."
        )
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
        label="Chat", show_label=False, elem_id="ea-chat", height=CHAT_HEIGHT,
        autoscroll=False,  # PLACE_ANSWER_JS keeps the new answer's first line in view instead
        sanitize_html=True, allow_tags=False, render_markdown=True, latex_delimiters=[],
        feedback_options=None, buttons=["copy"], placeholder=f"Ask about {profile.coverage}.",
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
    gr.HTML('<p class="ea-examples-label">Example questions</p>', js_on_load=None)
    with gr.Row(elem_id="ea-examples"):
        examples = [
            gr.Button(text, size="sm", variant="secondary", elem_classes=["ea-example"])
            for text in list(profile.examples) or ["What was the main result?"]
        ]
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
    for example in page.examples:  # a click asks the example question (shown in the box)
        example.click(
            lambda text: text, example, page.question, api_visibility="private", queue=False
        ).then(**ask, api_visibility="private")
    page.clear.click(_clear_all, None, page.chat_outputs(), api_visibility="private")

    def on_select(turns: list[Turn], event: gr.SelectData) -> tuple[Any, ...]:
        return app.select(turns, event)

    page.chatbot.select(on_select, [page.turns], page.panel_outputs(), api_visibility="private")

    def on_upload(
        files: list[str] | None, progress: Any = PROGRESS
    ) -> Iterator[tuple[Any, Any, Any]]:
        yield from app.upload_steps(files, progress)

    outputs = [page.report, page.evidence, page.files]
    page.files.upload(
        on_upload, [page.files], outputs, api_name="upload", concurrency_limit=1,
        show_progress="full", show_progress_on=[page.report],
    )  # fmt: skip
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


def launch(demo: Any, port: int | None = None, max_upload_mb: int | None = None) -> None:
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
        max_file_size=(max_upload_mb or Settings().max_upload_mb) * MIB,
        css=CSS,
        js=PLACE_ANSWER_JS,
        head=HEAD,
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
    launch(build(bot), max_upload_mb=bot.settings.max_upload_mb)
    return 0
