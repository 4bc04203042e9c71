"""Readers that turn files in the corpus into cleaned `Document`s, and the sentence splitter.

Formats: plain-text/markdown articles (with an optional `<name>.meta.yaml` beside them), our
abstract records (YAML front matter + a body in our own words), and the bibliographic exports of
`exports.py`: PubMed XML (efetch, baseline and update files), MEDLINE / `.nbib`, PubMed's
"Abstract (text)" export, RIS and PubMed CSV, each optionally `.gz`-compressed. Every reader
treats file content as data: text is normalised and shown as text, XML entities/DTDs are refused,
and a file that cannot be read becomes one clear message while the other files still load.

Every Document records where it came from in `extra["provenance"]`: "curated" for our records
(`records/*.md`) and articles with a `.meta.yaml` (`articles/`), "upload" for anything else.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import yaml

from .exports import (
    MAX_FILE_BYTES,
    MAX_STREAMED_BYTES,
    IngestError,
    Notice,
    head_text,
    looks_like_abstract_text,
    looks_like_medline,
    looks_like_ris,
    message_level,
    normalize_text,
    read_abstract_text,
    read_medline,
    read_pubmed_csv,
    read_pubmed_xml,
    read_ris,
    read_text,
    study_design,
)
from .exports import tidy as _tidy
from .types import Document, Passage

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_STREAMED_BYTES",
    "READERS",
    "IngestError",
    "Notice",
    "clean_text",
    "content_hash",
    "corpus_files",
    "load_corpus",
    "message_level",
    "passages_at",
    "passages_for",
    "read_abstract_text",
    "read_article",
    "read_documents",
    "read_file",
    "read_medline",
    "read_pubmed_csv",
    "read_pubmed_xml",
    "read_record",
    "read_ris",
    "split_sentences",
    "study_design",
]

CURATED_FOLDERS = ("records", "articles")
"""Folders of the bundled corpus whose records (and articles with a `.meta.yaml`) are ours."""


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
# A translation artefact: a sentence restarted mid-clause ("the partial The response rate was
# 38.7%"). A capitalised "The" between two lower-case words is never English; it is dropped.
_STRAY_THE = re.compile(r"\b([a-z]{3,}) The (?=[a-z]{3,}\b)")


def clean_text(raw: str) -> str:
    """Repair a pasted web article: drop furniture, re-join numbers split across lines, drop
    a stray restarted "The" (`_STRAY_THE`).

    The article arrives with numbers broken at their decimal point (`83.` / `0%` is 83.0%)
    and with sentence-final periods on lines of their own. Paragraphs come back separated by
    a blank line; lines inside a paragraph are joined.
    """
    text = normalize_text(raw).replace("\r\n", "\n")
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
    paragraphs = [_STRAY_THE.sub(r"\1 ", p) for p in paragraphs]
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


# ---------------------------------------------------------------- sentences

_ABBREVIATIONS = {
    "prof", "dr", "mr", "mrs", "ms", "vs", "al", "no", "fig", "figs", "tab", "approx", "st",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "ref",
    "ca", "cf", "resp", "incl", "vol", "nos", "eq", "suppl", "viz",
}  # fmt: skip
# Letters each followed by a full stop ("e.g.", "i.v.", "b.i.d.", "U.S.", "C.I.", "S.D.") are an
# abbreviation, not a sentence end, even before a capital ("the U.S. Food and Drug ...").
_INITIALISM = re.compile(r"(?:[A-Za-z]\.){2,}$")
# What may open a sentence after ".!?" and a space: an optional quote or bracket, then a capital
# or digit; an enumerator like "(ii)" or "(b)"; a bullet; or a lower-case symbol holding a
# digit or capital ("p53", "mRNA", "pH").
_SENTENCE_OPENING = r"\s+(?:[\"'(\[]?[A-Z0-9]|\((?:[a-h]|[ivx]{1,4})\)\s|[•▪◦]|[a-z]+[A-Z0-9])"
# A sentence ends at ".!?" (with any closing quote or bracket after it) before a sentence
# opening, at the very end, at a blank line, or where a full stop after a word was glued to the
# next sentence ("respectively.Patients", "(n = 12).The", "(ADT-G).AIM:"): a lower-case letter,
# digit, "%" or ")" before it, a capitalised word or a capitalised label after.
_SENTENCE_END = re.compile(
    rf"[.!?][\"')\]]?(?={_SENTENCE_OPENING})|[.!?]$|\n\n"
    r"|(?:(?<=[a-z][a-z])|(?<=[0-9%)\]]))[.!?](?=[A-Z][a-z]|[A-Z]{2,}:)"
)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of sentences in `text` (paragraph breaks always end a sentence)."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.end() if match.group() != "\n\n" else match.start()
        if match.group() == "." and _abbreviation_before(text[start : match.end()]):
            continue
        _add_span(text, start, end, spans)
        start = match.end()
    _add_span(text, start, len(text), spans)
    return spans


def _abbreviation_before(sentence: str) -> bool:
    """Whether the full stop closing `sentence` ends an abbreviation rather than the sentence."""
    word = re.search(r"([A-Za-z.]+)\.$", sentence)
    if word is None:
        return False
    return word.group(1).lower() in _ABBREVIATIONS or bool(_INITIALISM.search(word.group(0)))


def _add_span(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end - start >= 2:
        spans.append((start, end))


def passages_for(doc: Document) -> list[Passage]:
    """Split a document into sentence passages with stable ids and neighbour context."""
    return passages_at(doc.id, doc.text, split_sentences(doc.text))


def passages_at(
    doc_id: str,
    text: str,
    spans: Sequence[tuple[int, int]],
    metadata: Callable[[int, int, int], dict[str, Any]] | None = None,
) -> list[Passage]:
    """The passages of `text` at the given sentence spans (as `split_sentences` gave them when
    the document was indexed); `metadata(position, start, end)` fills each one's metadata."""
    sentences = [text[s:e] for s, e in spans]
    sections = sections_of(sentences)
    return [
        Passage(
            id=f"{doc_id}#s{i}",
            document_id=doc_id,
            text=sentence,
            start=start,
            end=end,
            position=i,
            context_before=sentences[i - 1] if i > 0 else "",
            context_after=sentences[i + 1] if i + 1 < len(sentences) else "",
            metadata={**(metadata(i, start, end) if metadata else {}), "section": sections[i]},
        )
        for i, (sentence, (start, end)) in enumerate(zip(sentences, spans, strict=True))
    ]


# NLM's structured-abstract categories, by the labels abstracts use for them. A sentence
# belongs to the section whose label last opened before it ("RESULTS: ..." opens one).
_SECTION_CATEGORIES = {
    "BACKGROUND": ("background", "introduction", "context", "rationale"),
    "OBJECTIVE": ("objective", "objectives", "aim", "aims", "purpose", "hypothesis", "importance"),
    "METHODS": ("methods", "design", "setting", "participants", "patients", "interventions",
                "materials and methods", "study design", "main outcome measures",
                "main outcome measurements", "measurements", "patients and methods"),
    "RESULTS": ("results", "findings", "main results"),
    "CONCLUSIONS": ("conclusion", "conclusions", "interpretation", "conclusions and relevance",
                    "discussion", "implications"),
}  # fmt: skip
_LABEL_TO_SECTION = {label: cat for cat, labels in _SECTION_CATEGORIES.items() for label in labels}
SECTION_LABELS = sorted(_LABEL_TO_SECTION, key=len, reverse=True)  # longest first, for patterns
_LABEL = re.compile(r"^\s*([A-Za-z][A-Za-z ,&/-]{2,40}?)\s*:\s")


def _section_label(sentence: str) -> re.Match[str] | None:
    """The structured-abstract label the sentence opens with ("RESULTS: ..."), if known."""
    label = _LABEL.match(sentence)
    return label if label and label.group(1).strip().lower() in _LABEL_TO_SECTION else None


def without_label(sentence: str) -> str:
    """The sentence without its structured-abstract label: the label names where the
    sentence stands, not what it says."""
    label = _section_label(sentence)
    return sentence[label.end() :] if label else sentence


def sections_of(sentences: Sequence[str]) -> list[str | None]:
    """Each sentence's structured-abstract section (BACKGROUND, OBJECTIVE, METHODS, RESULTS,
    CONCLUSIONS), carried forward from the last labelled sentence; None before any label."""
    current: str | None = None
    found = []
    for sentence in sentences:
        label = _section_label(sentence)
        if label:
            current = _LABEL_TO_SECTION[label.group(1).strip().lower()]
        found.append(current)
    return found


# ---------------------------------------------------------------- interviews

# An interviewer's turn starts at "Q:" or "Q <outlet>:" (also glued after a section heading:
# "Safer than X Q medical community: …"), or at "Interviewer:"; in a document that has such
# turns, "The <outlet>:" opening a sentence starts one too. A named speaker ("Professor A B:",
# "Prof. B A:", "Dr A B:") opening a sentence ends it.
_Q_LABEL = re.compile(r"(?:^|\s)(?:Q(?:\s+[a-z]+){0,3}|Interviewer)\s*:\s")
_OUTLET_LABEL = re.compile(r"^The(?:\s+[a-z]+){1,3}\s*:\s")
_SPEAKER_LABEL = re.compile(
    r"^(?:(?:Prof(?:essor)?|Dr)\.?\s+)?[A-Z][a-z]+(?:[- ][A-Z][a-z]+){1,2}\s*:\s"
)


def interviewer_sentences(sentences: Sequence[str]) -> list[int]:
    """Positions of the sentences an interviewer says (questions, prompts and the remarks
    between them): context for the answers, never findings. Empty for a non-interview."""
    if not any(_Q_LABEL.search(s) for s in sentences):
        return []
    found, asking = [], False
    for i, sentence in enumerate(sentences):
        if _Q_LABEL.search(sentence) or _OUTLET_LABEL.match(sentence):
            asking = True
        elif _SPEAKER_LABEL.match(sentence):
            asking = False
        if asking:
            found.append(i)
    return found


def as_ranges(positions: Sequence[int]) -> str:
    """[27, 28, 29, 42] -> "27-29,42" (a Chroma-safe string in the document's metadata)."""
    ranges: list[list[int]] = []
    for position in positions:
        if ranges and position == ranges[-1][1] + 1:
            ranges[-1][1] = position
        else:
            ranges.append([position, position])
    return ",".join(f"{a}-{b}" if b > a else str(a) for a, b in ranges)


def in_ranges(ranges: str, position: int) -> bool:
    """Whether `position` lies in an `as_ranges` string ("27-29,42")."""
    for part in ranges.split(","):
        low, _, high = part.partition("-")
        if low.isdigit() and int(low) <= position <= int(high or low):
            return True
    return False


# ---------------------------------------------------------------- readers


# What the index derives from a document's text (its sentences, facts and abbreviation pairs):
# a new version makes the next sync rewrite every document once, so no index keeps rows made by
# an older splitter or extractor.
DERIVED_VERSION = "sentences-2+facts-5+abbreviations-1"


def content_hash(doc: Document) -> str:
    """Hash of everything that ends up in the index for this document."""
    payload = repr((doc.text, doc.title, doc.kind, doc.citation, doc.year, doc.pmid, doc.doi,
                    doc.authors, doc.journal, doc.design, sorted(doc.extra.items()),
                    DERIVED_VERSION))  # fmt: skip
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def read_article(path: Path, errors: list[str] | None = None) -> Document:
    """A plain-text or markdown article; metadata from `<stem>.meta.yaml` when present."""
    notes: list[Notice] = []
    raw = read_text(path, notes)
    meta_path = path.with_suffix(".meta.yaml")
    meta = _load_yaml(meta_path, notes) if meta_path.exists() else {}
    text = clean_text(raw)
    if not text:
        raise IngestError(f"{path.name}: no text left after cleaning")
    if errors is not None:
        errors.extend(notes)
    title = meta.get("title") or text.split("\n", 1)[0][:200]
    turns = interviewer_sentences([text[a:b] for a, b in split_sentences(text)])
    if turns:  # passages read this from their document's metadata (`present.speaker_role`)
        meta = {**meta, "interviewer_sentences": as_ranges(turns)}
    return _document(meta, text, path, default_id=_slug(path.stem), kind="article", title=title,
                     provenance=_provenance(path, curated=meta_path.exists()))  # fmt: skip


def read_record(path: Path, errors: list[str] | None = None) -> Document:
    """An abstract record: YAML front matter between `---` lines, then our own-words body."""
    notes: list[Notice] = []
    raw = read_text(path, notes)
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
    if errors is not None:
        errors.extend(notes)
    return _document(meta, body, path, default_id=_slug(path.stem), kind="abstract",
                     provenance=_provenance(path, curated=True))  # fmt: skip


def _provenance(path: Path, curated: bool) -> str:
    """ "curated" for a record or described article in the corpus's records/ or articles/
    folder, "upload" for anything else (e.g. corpus/uploads/, a file given on the command line
    elsewhere)."""
    return "curated" if curated and path.parent.name in CURATED_FOLDERS else "upload"


def _document(meta: dict[str, Any], text: str, path: Path, **defaults: Any) -> Document:
    authors = meta.get("authors") or []
    if isinstance(authors, str):
        authors = [a.strip() for a in authors.split(";") if a.strip()]
    known = {"id", "kind", "title", "citation", "year", "pmid", "doi", "authors", "journal"}
    extra = {k: v for k, v in meta.items() if k not in known | {"design"} and v is not None}
    extra["provenance"] = defaults["provenance"]
    title = str(meta.get("title") or defaults.get("title") or "")
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
    return "\n\n".join(_tidy(normalize_text(p)) for p in paragraphs)


# ---------------------------------------------------------------- file helpers


def _load_yaml(path: Path, notes: list[Notice] | None = None) -> dict[str, Any]:
    return _parse_yaml(read_text(path, notes), path)


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


# ---------------------------------------------------------------- registry and loading

Reader = Callable[..., Document | list[Document]]

READERS: dict[str, Reader] = {
    ".txt": read_article,  # or MEDLINE, Abstract (text) or RIS, recognised by content
    ".md": read_record,
    ".markdown": read_record,
    ".xml": read_pubmed_xml,
    ".nbib": read_medline,
    ".medline": read_medline,
    ".ris": read_ris,
    ".csv": read_pubmed_csv,
}
"""Readers by file type; each may also be gzip-compressed (`export.xml.gz`)."""

_SIDECAR = ".meta.yaml"
_READABLE = ".xml, .nbib, .txt, .ris, .csv, .md (each may be .gz-compressed)"


def file_type(path: Path) -> str:
    """The suffix that names the format: ".xml" for both "set.xml" and "set.xml.gz"."""
    suffixes = [s.lower() for s in path.suffixes[-2:]]
    if suffixes and suffixes[-1] in (".gz", ".gzip"):
        return suffixes[0] if len(suffixes) == 2 else ".gz"
    return path.suffix.lower()


def _is_sidecar_of_an_article(path: Path) -> bool:
    if not path.name.lower().endswith(_SIDECAR):
        return False
    stem = path.name[: -len(_SIDECAR)]
    return any((path.parent / f"{stem}{s}").exists() for s in (".txt", ".md", ".markdown"))


CORPUS_SETTINGS = ("profile.yaml",)
"""Files at the top of the corpus folder that configure it and are not evidence."""


def corpus_files(root: Path) -> Iterator[Path]:
    """Every file under `root` that ingest answers for: all of them except README files, hidden
    files and folders, the corpus settings (`profile.yaml`) and the `.meta.yaml` sidecar of an
    article beside it. Files of an unsupported type are listed too, so that each gets a one-line
    reason, never silence."""
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(root).parts
        if any(part.startswith(".") for part in relative) or path.stem.upper() == "README":
            continue
        if len(relative) == 1 and path.name in CORPUS_SETTINGS:
            continue
        if not _is_sidecar_of_an_article(path):
            yield path


def reader_for(path: Path) -> Reader:
    """The reader for a file, by its type and, for .txt, by what it holds (PubMed's "PubMed
    format" (MEDLINE), its "Abstract (text)" export and RIS are recognised; else an article)."""
    kind = file_type(path)
    if path.name.lower().endswith(_SIDECAR):
        stem = path.name[: -len(_SIDECAR)]
        raise IngestError(
            f"{path.name}: a metadata file with no article beside it (expected {stem}.txt)"
        )
    if kind == ".gz":
        raise IngestError(
            f"{path.name}: a gzip file whose name does not say what it holds; name it after "
            "its content, e.g. pubmed-set.xml.gz"
        )
    reader = READERS.get(kind)
    if reader is None:
        raise IngestError(
            f"{path.name}: unsupported file type '{kind or path.name}'; readable: {_READABLE}"
        )
    if reader is read_article:
        head = head_text(path)
        if looks_like_medline(head):
            return read_medline
        if looks_like_abstract_text(head):
            return read_abstract_text
        if looks_like_ris(head):
            return read_ris
    return reader


def read_documents(path: Path, errors: list[str] | None = None) -> list[Document]:
    """All documents in one file (a PubMed or MEDLINE export may hold many).

    Problems with single records of a multi-record file (warnings), and what was guessed while
    reading (e.g. a detected encoding), are appended to `errors` when given; a problem with the
    file as a whole raises IngestError. A file that breaks after some records keeps them and
    appends one error.
    """
    result = reader_for(path)(path, errors)
    return result if isinstance(result, list) else [result]


def read_file(path: Path) -> Document:
    """The one document in a file; use `read_documents` for exports holding several."""
    documents = read_documents(path)
    if len(documents) != 1:
        raise IngestError(
            f"{path.name}: holds {len(documents)} documents; read it with read_documents()"
        )
    return documents[0]


def load_corpus(paths: Iterable[Path]) -> tuple[list[Document], list[str]]:
    """Read every file; a bad file (or record) becomes a message and the rest still load.

    Each message is a `Notice` (a str) with a `level`: "error" when a file, or part of it,
    could not be read; "warning" for a skipped record or a guess; "info" for an identical
    duplicate. `message_level(m)` reads it. Duplicates (the same id, or the same PMID under
    another id): a curated record beats an uploaded one, then the newer revision (PubMed's
    DateRevised / MEDLINE LR) wins, else the first copy is kept.
    """
    documents: dict[str, Document] = {}
    by_pmid: dict[str, str] = {}
    errors: list[str] = []
    for path in paths:
        try:
            found = read_documents(path, errors)
        except IngestError as exc:
            errors.append(Notice(str(exc), exc.level))
            continue
        except OSError as exc:
            errors.append(Notice(f"{path.name}: could not be read ({exc.strerror or exc})"))
            continue
        except Exception as exc:  # a reader bug or odd input must not stop the other files
            errors.append(Notice(f"{path.name}: could not be read ({type(exc).__name__}: {exc})"))
            continue
        for doc in found:
            prior_id = doc.id if doc.id in documents else by_pmid.get(doc.pmid or "")
            if prior_id is None:
                documents[doc.id] = doc
                if doc.pmid:
                    by_pmid[doc.pmid] = doc.id
                continue
            prior = documents[prior_id]
            kept, message = _resolve_duplicate(path, doc, prior)
            errors.append(message)
            if kept is doc:
                del documents[prior_id]
                if prior.pmid:
                    by_pmid.pop(prior.pmid, None)
                documents[doc.id] = doc
                if doc.pmid:
                    by_pmid[doc.pmid] = doc.id
    return list(documents.values()), errors


def _resolve_duplicate(path: Path, doc: Document, prior: Document) -> tuple[Document, Notice]:
    """Which of two copies of one document to keep, and the message saying so."""
    what = f"PMID {doc.pmid}" if doc.pmid and doc.pmid == prior.pmid else f"id '{doc.id}'"
    first = Path(prior.source_path).name if prior.source_path else "an earlier file"
    curated = [d.extra.get("provenance") == "curated" for d in (doc, prior)]
    new, old = str(doc.extra.get("revised") or ""), str(prior.extra.get("revised") or "")
    newer = doc if new and old and new > old else prior
    if doc.text == prior.text:
        kept = prior if curated[1] else doc if curated[0] else newer
        return kept, Notice(
            f"{path.name}: duplicate of {what} already read from {first} (same text; skipped)",
            "info",
        )
    if curated[0] != curated[1]:
        kept = doc if curated[0] else prior
        return kept, Notice(
            f"{path.name}: {what} is also in {first}; kept the curated record from "
            f"{Path(kept.source_path or '').name}",
            "warning",
        )
    if new and old and new != old:
        if newer is doc:
            message = (
                f"{path.name}: {what} revised {new} replaces the copy revised {old} from "
                f"{first} (the newer record wins)"
            )
        else:
            message = (
                f"{path.name}: {what} revised {new} is older than the copy revised {old} in "
                f"{first}; kept the newer one"
            )
        return newer, Notice(message, "warning")
    return prior, Notice(
        f"{path.name}: duplicate {what} with different text from the copy in {first}; "
        "kept the first, remove or fix one of them",
        "warning",
    )
