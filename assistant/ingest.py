"""Readers that turn files in the corpus into cleaned `Document`s, and the sentence splitter.

Two formats live here: plain-text/markdown articles (with an optional `<name>.meta.yaml`
beside them) and our abstract records (YAML front matter + a body in our own words).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml

from .types import Document, Passage


class IngestError(ValueError):
    """A file that cannot become a Document; the message says which file and why."""


# ---------------------------------------------------------------- cleaning

# Lines that are site furniture rather than content: navigation, ads, bylines, footers.
_BOILERPLATE_LINE = re.compile(
    r"""^(?:
        .{0,20}\blogo$                              # "echemi logo"
      | [•·*-]?\s*(?:product|supplier|inquiry|contact\ us|menu|login|sign\ in|share)$
      | home\s*>.*                                  # breadcrumbs
      | [•·*-]?\s*(?:last\ update|source|author|posted|views?)\s*:.*
      | .*\bvisit\ www\.\S+.*                       # ads pointing elsewhere
      | picture\s*:.*                               # captions of images we do not have
      | dry\ goods                                  # translation artefact (section marker)
      | .*(?:copyright|all\ rights\ reserved|plagiarism|infringing\ content).*
      | .*[\w.+-]+@[\w-]+\.[\w.]+.*                 # lines carrying an e-mail address
      | this\ article\ is\ an\ english\ version.*
      | the\ source\ of\ this\ page.*
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
_LEADING_NOISE = re.compile(r"^(?:swipe up on the study abstract to read)\s*", re.IGNORECASE)
_DECIMAL_BREAK = re.compile(r"\d\.$")  # "83." at a line end: the number continues below
_ONLY_PUNCT = re.compile(r"^[.,;:!?]+$")


def clean_text(raw: str) -> str:
    """Repair a pasted web article: drop furniture, re-join numbers split across lines.

    The article arrives with numbers broken at their decimal point (`83.` / `0%` is 83.0%)
    and with sentence-final periods on lines of their own. Paragraphs come back separated by
    a blank line; lines inside a paragraph are joined.
    """
    text = unicodedata.normalize("NFKC", raw).replace("\r\n", "\n")
    paragraphs: list[str] = []
    current = ""
    for line in (ln.strip() for ln in text.split("\n")):
        if _BOILERPLATE_LINE.match(line):
            continue
        line = _LEADING_NOISE.sub("", line)
        if not line:
            if current and not _DECIMAL_BREAK.search(current):
                paragraphs.append(current)
                current = ""
            continue
        current = _join(current, line)
    if current:
        paragraphs.append(current)
    return "\n\n".join(_tidy(p) for p in paragraphs if _tidy(p))


def _join(current: str, line: str) -> str:
    if not current:
        return line
    if _ONLY_PUNCT.match(line):
        return current if current.endswith(line) else current + line
    if line[0] in ",;:" and current.endswith("."):
        return current[:-1] + line  # "68.4%." + ", while" -> "68.4%, while"
    if line[0] in ",;:.)%":
        return current + line
    if _DECIMAL_BREAK.search(current) and line[0].isdigit():
        return current + line  # "83." + "0% (117/141)" -> "83.0% (117/141)"
    return current + " " + line


def _tidy(paragraph: str) -> str:
    paragraph = re.sub(r"%\s+%", "%", paragraph)  # "75% %" typo
    paragraph = re.sub(r"\s+([,;])", r"\1", paragraph)
    paragraph = re.sub(r"[ \t]{2,}", " ", paragraph)
    paragraph = re.sub(r"\.{2,}$", ".", paragraph)
    return paragraph.strip()


# ---------------------------------------------------------------- sentences

_ABBREVIATIONS = {
    "prof", "dr", "mr", "mrs", "ms", "vs", "al", "e.g", "i.e", "no", "fig", "approx", "st",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "ref",
}  # fmt: skip
_SENTENCE_END = re.compile(r"[.!?](?=[\"')\]]?\s+[\"'(\[]?[A-Z0-9])|[.!?]$|\n\n")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of sentences in `text` (paragraph breaks always end a sentence)."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.end() if match.group() != "\n\n" else match.start()
        word = re.search(r"([A-Za-z.]+)\.$", text[start : match.end()])
        if match.group() == "." and word and word.group(1).lower() in _ABBREVIATIONS:
            continue
        _add_span(text, start, end, spans)
        start = match.end()
    _add_span(text, start, len(text), spans)
    return spans


def _add_span(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end - start >= 2:
        spans.append((start, end))


def passages_for(doc: Document) -> list[Passage]:
    """Split a document into sentence passages with stable ids and neighbour context."""
    spans = split_sentences(doc.text)
    sentences = [doc.text[s:e] for s, e in spans]
    return [
        Passage(
            id=f"{doc.id}#s{i}",
            document_id=doc.id,
            text=sentence,
            start=start,
            end=end,
            position=i,
            context_before=sentences[i - 1] if i > 0 else "",
            context_after=sentences[i + 1] if i + 1 < len(sentences) else "",
        )
        for i, (sentence, (start, end)) in enumerate(zip(sentences, spans, strict=True))
    ]


# ---------------------------------------------------------------- readers


def content_hash(doc: Document) -> str:
    """Hash of everything that ends up in the index for this document."""
    payload = repr((doc.text, doc.title, doc.kind, doc.citation, doc.year, doc.pmid, doc.doi,
                    doc.authors, doc.journal, doc.design, sorted(doc.extra.items())))  # fmt: skip
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def read_article(path: Path) -> Document:
    """A plain-text or markdown article; metadata from `<stem>.meta.yaml` when present."""
    raw = _read_text(path)
    meta_path = path.with_suffix(".meta.yaml")
    meta = _load_yaml(meta_path) if meta_path.exists() else {}
    text = clean_text(raw)
    if not text:
        raise IngestError(f"{path.name}: no text left after cleaning")
    title = meta.get("title") or text.split("\n", 1)[0][:200]
    return _document(meta, text, path, default_id=_slug(path.stem), kind="article", title=title)


def read_record(path: Path) -> Document:
    """An abstract record: YAML front matter between `---` lines, then our own-words body."""
    raw = _read_text(path)
    parts = re.split(r"^---\s*$", raw, maxsplit=2, flags=re.MULTILINE)
    if len(parts) < 3 or parts[0].strip():
        raise IngestError(f"{path.name}: a record needs YAML front matter between two '---' lines")
    meta = _parse_yaml(parts[1], path)
    body = _markdown_to_text(parts[2])
    if not body:
        raise IngestError(f"{path.name}: the record has no body text")
    for required in ("title", "year"):
        if not meta.get(required):
            raise IngestError(f"{path.name}: front matter is missing '{required}'")
    return _document(meta, body, path, default_id=_slug(path.stem), kind="abstract")


def _document(meta: dict[str, Any], text: str, path: Path, **defaults: Any) -> Document:
    authors = meta.get("authors") or []
    if isinstance(authors, str):
        authors = [a.strip() for a in authors.split(";") if a.strip()]
    known = {"id", "kind", "title", "citation", "year", "pmid", "doi", "authors", "journal"}
    extra = {k: v for k, v in meta.items() if k not in known | {"design"} and v is not None}
    title = str(meta.get("title") or defaults["title"])
    return Document(
        id=_slug(str(meta.get("id") or defaults["default_id"])),
        title=title,
        kind=str(meta.get("kind") or defaults["kind"]),
        citation=str(meta.get("citation") or title),
        text=text,
        year=int(meta["year"]) if meta.get("year") else None,
        pmid=str(meta["pmid"]) if meta.get("pmid") else None,
        doi=str(meta["doi"]) if meta.get("doi") else None,
        authors=tuple(str(a) for a in authors),
        journal=str(meta["journal"]) if meta.get("journal") else None,
        design=str(meta["design"]) if meta.get("design") else None,
        source_path=str(path),
        extra={k: v if isinstance(v, str | int | float) else str(v) for k, v in extra.items()},
    )


def _markdown_to_text(body: str) -> str:
    lines = [re.sub(r"^#+\s*|^[-*]\s+", "", ln).strip() for ln in body.strip().split("\n")]
    paragraphs, current = [], []
    for line in lines:
        if line:
            current.append(line)
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return "\n\n".join(_tidy(unicodedata.normalize("NFKC", p)) for p in paragraphs)


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    if b"\x00" in data[:4096]:
        raise IngestError(f"{path.name}: looks like a binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError(f"{path.name}: not UTF-8 text ({exc.reason})") from exc


def _load_yaml(path: Path) -> dict[str, Any]:
    return _parse_yaml(_read_text(path), path)


def _parse_yaml(text: str, path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise IngestError(f"{path.name}: front matter is not valid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise IngestError(f"{path.name}: front matter must be a mapping of fields")
    return data


def _slug(value: str) -> str:
    return re.sub(r"[^a-z0-9._-]+", "-", value.lower()).strip("-") or "document"


READERS = {".txt": read_article, ".md": read_record, ".markdown": read_record}


def corpus_files(root: Path) -> Iterator[Path]:
    """Every ingestible file under `root` (README files and metadata sidecars excluded)."""
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix.lower() in READERS and path.stem.upper() != "README":
            yield path


def read_file(path: Path) -> Document:
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise IngestError(f"{path.name}: unsupported file type '{path.suffix}'")
    return reader(path)


def load_corpus(paths: Iterable[Path]) -> tuple[list[Document], list[str]]:
    """Read every file; a bad file becomes an error message and the rest still load."""
    documents: dict[str, Document] = {}
    errors: list[str] = []
    for path in paths:
        try:
            doc = read_file(path)
        except (IngestError, OSError) as exc:
            errors.append(str(exc))
            continue
        if doc.id in documents:
            errors.append(f"{path.name}: duplicate document id '{doc.id}' (kept the first)")
            continue
        documents[doc.id] = doc
    return list(documents.values()), errors
