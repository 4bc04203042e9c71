"""Bibliographic exports as users bring them, and the bytes under every reader.

PubMed XML (efetch `PubmedArticleSet`, PubMed's baseline and update files), MEDLINE / `.nbib`,
PubMed's "Abstract (text)" export, RIS and PubMed CSV, each optionally gzip-compressed.

- Streaming: XML and line formats are read chunk by chunk and parsed record by record, so memory
  is bounded by one article, not one file (`MAX_STREAMED_BYTES` per file, decompressed).
- Damage: a cut-off or broken export keeps every complete article before the break and reports
  one error naming the line; exports joined with `cat` are read part by part.
- Encoding: a byte-order mark or an XML encoding declaration is honoured; UTF-16 works with or
  without a BOM; undeclared text that is not UTF-8 is detected (charset-normalizer) and the
  message names what it was read as.
- Markup: `<sup>`/`<sub>` and MathML become plain text that keeps every digit's meaning
  (`10^9/L`, `h^-1`, `CO₂`, `V̇O₂max`), never `109/L`.

File content is data: DTD internal subsets and entity declarations are refused before the
parser sees the document, and no external resource is ever fetched.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import unicodedata
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .types import Document

# ---------------------------------------------------------------- messages


class IngestError(ValueError):
    """A file or record that cannot become a Document; the message says which file and why.

    `level` is "error" for a file (or part of one) that could not be read, "warning" for a
    record that was skipped on purpose (no abstract, not a journal article).
    """

    def __init__(self, message: str, level: str = "error") -> None:
        super().__init__(message)
        self.level = level


class Notice(str):
    """One ingest message: a plain `str` (callers print or match it) with a `level`:
    "error" (a file could not be read), "warning" (a record skipped, a guess made) or "info"
    (an identical duplicate skipped)."""

    level: str

    def __new__(cls, text: str, level: str = "error") -> Notice:
        notice = super().__new__(cls, text)
        notice.level = level
        return notice


def message_level(message: str) -> str:
    """The level of an ingest message ("error" for a plain string)."""
    return getattr(message, "level", "error")


def _notice(exc: IngestError) -> Notice:
    return Notice(str(exc), exc.level)


# ---------------------------------------------------------------- limits and text normalisation

MAX_FILE_BYTES = 25 * 1024 * 1024
"""Largest file read whole (articles, records, CSV): 25 MiB. Bigger files are refused with a
clear message before anything is read into memory."""

MAX_STREAMED_BYTES = 2 * 1024 * 1024 * 1024
"""Largest streamed export (PubMed XML, MEDLINE, abstract text, RIS): 2 GiB once decompressed,
more than any PubMed baseline file; memory use is per article, not per file."""

CHUNK = 1024 * 1024

# Control characters that have no business in evidence text: C0/C1 controls (tab and newline
# kept), zero-width characters and bidirectional overrides that can make text display as
# something other than what it is.
CONTROL_CHARS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
_SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾"
_SUBSCRIPTS = "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎"
_SCRIPT_RUN = re.compile(f"([{_SUPERSCRIPTS}]+)|([{_SUBSCRIPTS}]+)")
_TO_SUBSCRIPT = str.maketrans("0123456789+-=()−", _SUBSCRIPTS + "₋")


def normalize_text(text: str) -> str:
    """NFKC, except that superscript digits keep their meaning: "10⁹/L" becomes "10^9/L" (NFKC
    alone would give "109/L") and subscripts stay subscripts ("CO₂")."""
    if text.isascii():
        return text
    out: list[str] = []
    last = 0
    for match in _SCRIPT_RUN.finditer(text):
        out.append(unicodedata.normalize("NFKC", text[last : match.start()]))
        if match.group(1):
            out.append("^" + unicodedata.normalize("NFKC", match.group(1)))
        else:
            out.append(match.group(2))
        last = match.end()
    out.append(unicodedata.normalize("NFKC", text[last:]))
    return "".join(out)


def tidy(paragraph: str) -> str:
    """Spacing and punctuation typos of one paragraph."""
    paragraph = re.sub(r"%\s+%", "%", paragraph)  # "75% %" typo
    paragraph = re.sub(r"\s+([,;])", r"\1", paragraph)
    paragraph = re.sub(r"[ \t]{2,}", " ", paragraph)
    paragraph = re.sub(r"\.{2,}$", ".", paragraph)
    return paragraph.strip()


def clean_field(value: str, normalize: bool = True) -> str:
    """One bibliographic field or abstract paragraph: normalised, controls removed, one line."""
    value = CONTROL_CHARS.sub("", normalize_text(value) if normalize else value)
    value = " ".join(value.split())
    value = re.sub(r"([(\[]) (?=\S)", r"\1", value)  # "( V̇O₂max )" around inline maths
    value = re.sub(r"(?<=\S) ([)\]])", r"\1", value)
    return tidy(value)


# ---------------------------------------------------------------- bytes and encodings


def _size_message(path: Path, size: int, limit: int, decompressed: bool = False) -> str:
    what = "holds more than" if decompressed else "is"
    where = " once decompressed" if decompressed else ""
    shown = f"{limit / 2**20:.0f} MiB" if decompressed else f"{size / 2**20:.1f} MiB"
    return (
        f"{path.name}: the file {what} {shown}{where}, over the {limit / 2**20:.0f} MiB limit "
        "per file; split it into smaller files"
    )


def raw_chunks(path: Path, limit: int) -> Iterator[bytes]:
    """The file's bytes in chunks, gunzipped when it is gzip data (whatever its name), refusing
    empty files and files over `limit` (decompressed size for gzip) with a clear message. A cut
    or damaged gzip file yields all it could decompress, then raises."""
    size = path.stat().st_size
    if size == 0:
        raise IngestError(f"{path.name}: the file is empty")
    with path.open("rb") as handle:
        compressed = handle.read(2) == b"\x1f\x8b"
        handle.seek(0)
        if not compressed and size > limit:
            raise IngestError(_size_message(path, size, limit))
        total = 0
        for chunk in _gunzip(handle, path) if compressed else iter(lambda: handle.read(CHUNK), b""):
            total += len(chunk)
            if total > limit:
                raise IngestError(_size_message(path, total, limit, decompressed=True))
            yield chunk
    if total == 0:
        raise IngestError(f"{path.name}: the file is empty (once decompressed)")


def _gunzip(handle: Any, path: Path) -> Iterator[bytes]:
    """Decompress gzip members (several, as `cat a.gz b.gz` makes) chunk by chunk."""
    decompressor = zlib.decompressobj(wbits=31)
    pending = False  # a member has started and not ended
    done = 0
    for raw in iter(lambda: handle.read(CHUNK), b""):
        data = raw
        while data:
            try:
                out = decompressor.decompress(data, CHUNK)
            except zlib.error as exc:
                raise IngestError(
                    f"{path.name}: the compressed data is damaged after {done / 2**20:.1f} MiB "
                    f"({exc})"
                ) from exc
            pending = True
            if out:
                done += len(out)
                yield out
            if decompressor.eof:
                data = decompressor.unused_data
                decompressor = zlib.decompressobj(wbits=31)
                pending = False
            else:
                data = decompressor.unconsumed_tail
    while pending and (out := decompressor.decompress(b"", CHUNK)):
        done += len(out)
        yield out
    if pending and not decompressor.eof:
        raise IngestError(
            f"{path.name}: the compressed file is cut off after {done / 2**20:.1f} MiB of data"
        )


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_XML_ENCODING = re.compile(
    rb"^\s*<\?xml[^>]{0,200}?encoding\s*=\s*[\"']([A-Za-z][\w.:-]{0,40})[\"']"
)


def _utf16_without_bom(head: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when the first bytes look like UTF-16 text without a BOM."""
    sample = head[:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) == 0:
        return "utf-16-be"
    return None


def _is_utf8(name: str) -> bool:
    return codecs.lookup(name).name in ("utf-8", "utf-8-sig")


class _Peeked:
    """A chunk iterator whose first chunk has been read already."""

    def __init__(self, chunks: Iterator[bytes], size: int = 64 * 1024) -> None:
        self._chunks = chunks
        self.head = b""
        while len(self.head) < size and (chunk := next(chunks, b"")):
            self.head += chunk

    def __iter__(self) -> Iterator[bytes]:
        if self.head:
            yield self.head
        yield from self._chunks


def _first_invalid_utf8(path: Path, limit: int) -> tuple[int, bytes] | None:
    """(offset, nearby bytes) of the first byte that is not UTF-8, or None if all of it is."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    chunks = raw_chunks(path, limit)
    while True:
        try:
            chunk = next(chunks)
        except StopIteration:
            break
        except IngestError:  # cut or damaged: the reading itself reports it, after what it holds
            return None
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            return offset + exc.start, chunk[max(0, exc.start - 32 * 1024) : exc.start + 32 * 1024]
        offset += len(chunk)
    try:
        decoder.decode(b"", True)
    except UnicodeDecodeError:
        return offset, b""
    return None


def _detect(path: Path, limit: int, head: bytes, declared: str | None) -> tuple[str, str, str]:
    """(encoding, decode errors mode, warning or "") for text with no BOM: UTF-8 if it is,
    else what charset-normalizer says, named in the warning."""
    bad = _first_invalid_utf8(path, limit)
    if bad is None:
        return "utf-8", "strict", ""
    offset, nearby = bad
    from charset_normalizer import from_bytes

    matches = list(from_bytes(head[: 256 * 1024] + b"\n" + nearby))
    said = f"declares {declared} but is" if declared else "has no declared encoding and is"
    if not matches:
        raise IngestError(
            f"{path.name}: {said} not UTF-8 text (first bad byte at offset {offset}), and its "
            "encoding could not be recognised; save it as UTF-8"
        )
    # Short Western texts decode equally well in several code pages (cp1250 turns "è" into
    # "č"); when Windows-1252, the usual one for such exports, is among the calmest, take it.
    calmest = min(m.chaos for m in matches)
    calm = [m for m in matches if m.chaos <= calmest + 0.01]
    western = any("cp1252" in m.could_be_from_charset for m in calm)
    best = max(calm, key=lambda m: m.coherence)
    encoding = "cp1252" if western else codecs.lookup(best.encoding).name
    if encoding in ("utf-8", "ascii"):  # mostly UTF-8 with a few stray bytes
        return (
            "utf-8",
            "replace",
            (
                f"{path.name}: {said} not valid UTF-8 at byte {offset}; read as UTF-8 with the "
                "invalid bytes replaced by �"
            ),
        )
    return (
        encoding,
        "strict",
        (
            f"{path.name}: {said} not UTF-8; read as {encoding} (detected by charset-normalizer)"
            "; save it as UTF-8 to be sure"
        ),
    )


def decoded_chunks(
    path: Path, limit: int, notes: list[Notice] | None = None, xml: bool = False
) -> Iterator[str]:
    """The file's text in chunks: BOM, XML declaration or UTF-16 pattern honoured, else UTF-8,
    else the detected encoding (with a warning in `notes`). Binary files are refused."""
    chunks = _Peeked(raw_chunks(path, limit))
    head = chunks.head
    encoding, mode, how = "", "strict", ""
    for bom, name in _BOMS:
        if head.startswith(bom):
            encoding, how = name, "its byte-order mark"
            break
    if not encoding and (guess := _utf16_without_bom(head)):
        encoding, how = guess, "UTF-16 without a byte-order mark"
    if not encoding and b"\x00" in head[:4096]:
        raise IngestError(f"{path.name}: looks like a binary file, not text")
    declared = None
    if not encoding and xml and (match := _XML_ENCODING.match(head)):
        declared = match.group(1).decode("ascii")
        try:
            if not _is_utf8(declared):
                encoding, how = codecs.lookup(declared).name, f"its declaration ({declared})"
        except LookupError as exc:
            raise IngestError(
                f"{path.name}: declares the unknown encoding {declared!r}; save it as UTF-8"
            ) from exc
    if not encoding:
        encoding, mode, warning = _detect(path, limit, head, declared)
        how = "detection"
        if warning and notes is not None:
            notes.append(Notice(warning, "warning"))
    decoder = codecs.getincrementaldecoder(encoding)(errors=mode)
    offset = 0
    try:
        for chunk in chunks:
            text = decoder.decode(chunk)
            offset += len(chunk)
            if text:
                yield text
        tail = decoder.decode(b"", True)
    except UnicodeDecodeError as exc:
        raise IngestError(
            f"{path.name}: not valid {encoding} text (read as {encoding} from {how}) near byte "
            f"{offset + exc.start}; save it as UTF-8"
        ) from exc
    if tail:
        yield tail


def read_text(path: Path, notes: list[Notice] | None = None, limit: int = MAX_FILE_BYTES) -> str:
    """The whole file as text (see `decoded_chunks`), control characters removed."""
    return CONTROL_CHARS.sub("", "".join(decoded_chunks(path, limit, notes)))


def text_lines(path: Path, notes: list[Notice] | None, limit: int) -> Iterator[str]:
    """The file's lines (without line ends, control characters removed), streamed."""
    carry = ""
    for chunk in decoded_chunks(path, limit, notes):
        text = carry + chunk
        hold = "\r" if text.endswith("\r") else ""  # "\r" + "\n" may straddle two chunks
        lines = re.split(r"\r\n|\r|\n", text[: len(text) - len(hold)])
        carry = lines.pop() + hold
        for line in lines:
            yield CONTROL_CHARS.sub("", line)
    if carry.rstrip("\r"):
        yield CONTROL_CHARS.sub("", carry.rstrip("\r"))


def head_text(path: Path, size: int = 64 * 1024) -> str:
    """The first characters of the file, for format sniffing ("" if it cannot be read)."""
    head = ""
    try:
        for chunk in decoded_chunks(path, MAX_STREAMED_BYTES):
            head += chunk
            if len(head) >= size:
                break
    except (IngestError, OSError):
        pass
    return head[:size].lstrip("\ufeff")


# ---------------------------------------------------------------- shared bibliographic fields

# PubMed publication types -> the study-design label shown with citations, most specific first.
_DESIGNS: tuple[tuple[str, str], ...] = (
    ("practice guideline", "Practice guideline"),
    ("guideline", "Guideline"),
    ("consensus development conference", "Consensus statement"),
    ("network meta-analysis", "Network meta-analysis"),
    ("meta-analysis", "Meta-analysis"),
    ("systematic review", "Systematic review"),
    ("randomized controlled trial", "Randomised controlled trial"),
    ("equivalence trial", "Equivalence trial"),
    ("pragmatic clinical trial", "Pragmatic clinical trial"),
    ("clinical trial, phase iv", "Phase 4 clinical trial"),
    ("clinical trial, phase iii", "Phase 3 clinical trial"),
    ("clinical trial, phase ii", "Phase 2 clinical trial"),
    ("clinical trial, phase i", "Phase 1 clinical trial"),
    ("controlled clinical trial", "Controlled clinical trial"),
    ("clinical trial", "Clinical trial"),
    ("observational study", "Observational study"),
    ("comparative study", "Comparative study"),
    ("review", "Review"),
    ("case reports", "Case report"),
    ("editorial", "Editorial"),
    ("letter", "Letter"),
    ("comment", "Comment"),
)
_PHASE = re.compile(r"^clinical trial, phase (i{1,3}|iv)$", re.IGNORECASE)
_PHASE_NUMBER = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


def study_design(publication_types: Iterable[str]) -> tuple[str | None, str]:
    """(design label, document kind) for PubMed publication types.

    "Randomized Controlled Trial" -> "Randomised controlled trial" (with the phase when PubMed
    gives one), "Meta-Analysis" -> "Meta-analysis", "Practice Guideline" -> kind "guideline".
    """
    types = {t.strip().lower() for t in publication_types if t and t.strip()}
    label = next((name for key, name in _DESIGNS if key in types), None)
    phases = sorted(_PHASE_NUMBER[m.group(1).lower()] for t in types if (m := _PHASE.match(t)))
    if label == "Randomised controlled trial" and phases:
        label += f", phase {phases[-1]}"
    kind = "guideline" if types & {"guideline", "practice guideline"} else "abstract"
    return label, kind


def year_in(value: str | None) -> int | None:
    match = re.search(r"\b(1[89]\d\d|20\d\d)\b", value or "")
    return int(match.group(1)) if match else None


def _vancouver(authors: list[str]) -> str:
    if not authors:
        return ""
    shown = authors[:3] if len(authors) > 3 else authors
    return ", ".join(shown) + (", et al." if len(authors) > 3 else ".")


def _volume_issue_pages(volume: str, issue: str, pages: str) -> str:
    out = volume + (f"({issue})" if issue else "")
    return out + (f":{pages}" if pages else "")


def _short_author(full: str) -> str:
    """ "Smith, Anne-Marie" -> "Smith AM" (MEDLINE AU style)."""
    last, _, given = full.partition(",")
    initials = "".join(part[0] for part in re.split(r"[\s.-]+", given.strip()) if part)
    return f"{last.strip()} {initials.upper()}".strip()


def _joined(values: Iterable[str]) -> str:
    seen: dict[str, None] = {}
    for value in values:
        value = clean_field(value)
        if value:
            seen.setdefault(value, None)
    return "; ".join(seen)


def _slug(value: str) -> str:
    return re.sub(r"[^a-z0-9._-]+", "-", value.lower()).strip("-") or "document"


def pubmed_document(path: Path, fields: dict[str, Any]) -> Document:
    """A Document from the fields every export format shares (validated here).

    A record that cannot be used (no PMID, title or abstract) raises a warning-level
    IngestError: the record is skipped, the file is fine.
    """
    pmid = str(fields.get("pmid") or "").strip()
    where = f"{path.name}: article with PMID {pmid}" if pmid else f"{path.name}: an article"
    normalize = fields["format"] != "pubmed-xml"  # XML text is normalised while rendered
    title = clean_field(fields.get("title") or "", normalize).rstrip()
    if title and not pmid:
        where = f"{path.name}: article {title[:60]!r}"
    if pmid and not pmid.isdigit():
        raise IngestError(f"{where} has no valid PMID; skipped", "warning")
    if not pmid and not fields.get("pmid_optional"):
        raise IngestError(f"{where} has no valid PMID; skipped", "warning")
    paragraphs = [clean_field(p, normalize) for p in fields.get("abstract") or []]
    text = "\n\n".join(p for p in paragraphs if p)
    if not title:
        raise IngestError(f"{where} has no title; skipped", "warning")
    if not text:
        raise IngestError(f"{where} has no abstract text (nothing to cite); skipped", "warning")
    authors = [a for a in (clean_field(a, normalize) for a in fields.get("authors") or []) if a]
    pub_types = [clean_field(t) for t in fields.get("publication_types") or []]
    design, kind = study_design(pub_types)
    journal = clean_field(fields.get("journal") or "", normalize) or None
    abbrev = clean_field(fields.get("journal_abbrev") or "", normalize) or journal
    year = fields.get("year")
    doi = clean_field(fields.get("doi") or "") or None
    source = ";".join(x for x in (str(year or ""), fields.get("volume_issue_pages") or "") if x)
    citation = " ".join(
        part
        for part in (
            _vancouver(authors),
            title if title.endswith((".", "?", "!")) else title + ".",
            f"{abbrev}." if abbrev else "",
            f"{source}." if source else "",
            f"doi:{doi}." if doi else "",
            f"PMID: {pmid}." if pmid else "",
        )
        if part
    )
    extra: dict[str, Any] = {"source_format": fields["format"], "provenance": "upload"}
    if pub_types:
        extra["publication_types"] = "; ".join(pub_types)
    if abbrev and abbrev != journal:
        extra["journal_abbrev"] = abbrev
    for key in ("mesh", "keywords", "language"):
        if joined := _joined(fields.get(key) or []):
            extra[key] = joined
    for key in ("pmcid", "revised"):
        if value := clean_field(fields.get(key) or ""):
            extra[key] = value
    if pmid:
        doc_id = f"pmid{pmid}"
    elif doi:
        doc_id = _slug(f"doi-{doi}")
    else:
        doc_id = "ref-" + hashlib.sha256(title.lower().encode()).hexdigest()[:12]
    return Document(
        id=doc_id,
        title=title,
        kind=kind,
        citation=citation,
        text=text,
        year=year,
        pmid=pmid or None,
        doi=doi,
        authors=tuple(authors),
        journal=journal,
        design=design,
        source_path=str(path),
        extra=extra,
    )


Record = dict[str, Any] | IngestError  # fields of one record, or why it was skipped


def collect(
    path: Path, records: Iterator[Record], errors: list[str] | None, notes: list[Notice]
) -> list[Document]:
    """Documents from a stream of records. Skipped records go to `errors` as warnings (after
    the reading notes already in `notes`, e.g. a detected encoding); a break in the file after
    some records keeps those records and adds one error. Without `errors`, the first problem
    raises."""
    documents: list[Document] = []
    try:
        for record in records:
            try:
                if isinstance(record, IngestError):
                    raise record
                documents.append(pubmed_document(path, record))
            except IngestError as exc:
                if errors is None:
                    raise
                notes.append(_notice(exc))
    except IngestError as exc:
        if errors is None or not documents:
            if errors is not None:
                errors.extend(notes)
            raise
        notes.append(_notice(exc))
    if errors is not None:
        errors.extend(notes)
    return documents


# ---------------------------------------------------------------- inline markup and MathML


def _local(tag: Any) -> str:
    return str(tag).rpartition("}")[2].rpartition(":")[2] if isinstance(tag, str) else ""


def _piece(text: str | None) -> str:
    return normalize_text(text) if text else ""


def render(element: Any) -> str:
    """All text inside an element as plain text, with inline markup kept meaningful:
    <sup> -> "^…", <sub> -> subscript digits or "_…", MathML -> its linear text."""
    if element is None:
        return ""
    parts = [_piece(element.text)]
    for child in element:
        before = "".join(parts)
        if _local(child.tag) in ("sup", "sub") and re.search(r"[\n\t]\s*$", before):
            before = before.rstrip()  # "β\n      <sub>2</sub>": indentation, not a space
        parts = [before, _inline(child, before), _piece(child.tail)]
    return "".join(parts)


def _inline(element: Any, before: str) -> str:
    name = _local(element.tag)
    if name == "math":
        return _math(element)
    inner = render(element)
    if name == "sup":
        return superscript(inner)
    if name == "sub":
        return subscript(inner, before)
    return inner  # <i>, <b>, <u>, <sc> and the like: their text


_MARKERS = set("*†‡§¶#®™°'′″")  # footnote marks and symbols: no caret
_SIMPLE = re.compile(r"^[+\-−]?[\w.,+\-−]*$")


def superscript(text: str) -> str:
    """ "9" -> "^9", "-1" -> "^-1", "2+" -> "^2+", "a b" -> "^(a b)"; footnote marks as is."""
    text = text.strip()
    if not text:
        return ""
    if all(ch in _MARKERS for ch in text):
        return text
    return f"^{text}" if _SIMPLE.match(text) else f"^({text})"


def subscript(text: str, before: str = "") -> str:
    """Digits (and signs) become Unicode subscripts ("CO₂", "₂max"); words get an underscore
    ("p_trend", "LE_min") unless they start a word ("[VMLSS" for "[<sub>V</sub>MLSS")."""
    text = text.strip()
    if not text:
        return ""
    digits = re.match(r"^[0-9+\-=()−]+", text)
    if digits:
        return digits.group().translate(_TO_SUBSCRIPT) + text[digits.end() :]
    if not before or before[-1].isspace() or before[-1] in "([{/":
        return text
    return f"_{text}" if re.match(r"^[\w.,+\-]*$", text) else f"_({text})"


_OVER = {".": "\u0307", "˙": "\u0307", "¨": "\u0308", "‾": "\u0305", "¯": "\u0304",
         "^": "\u0302", "ˆ": "\u0302", "~": "\u0303", "˜": "\u0303", "→": "\u20d7"}  # fmt: skip


def _math(element: Any) -> str:
    """MathML as linear plain text: "V̇O₂max", "^3He/^129Xe MRI", "(a)/(b)"."""
    name = _local(element.tag)
    kids = [child for child in element if _local(child.tag) not in ("annotation", "annotation-xml")]
    if name in ("mi", "mn", "mo", "mtext", "ms"):
        return " ".join(_piece("".join(element.itertext())).split()) or (
            " " if name == "mtext" else ""
        )
    if name in ("mspace",):
        return " "
    if name == "none" or name == "mprescripts":
        return ""
    parts = [_math(child) for child in kids]
    if name in ("msub", "munder") and len(parts) >= 2:
        return parts[0] + subscript(parts[1], parts[0])
    if name == "msup" and len(parts) >= 2:
        return parts[0] + superscript(parts[1])
    if name in ("msubsup", "munderover") and len(parts) >= 3:
        return parts[0] + subscript(parts[1], parts[0]) + superscript(parts[2])
    if name == "mover" and len(parts) >= 2:
        accent = _OVER.get(parts[1].strip())
        return parts[0] + accent if accent else parts[0] + superscript(parts[1])
    if name == "mfrac" and len(parts) >= 2:
        num, den = (p if re.match(r"^[\w.]+$", p) else f"({p})" for p in parts[:2])
        return f"{num}/{den}"
    if name == "msqrt":
        return f"√({''.join(parts)})"
    if name == "mroot" and len(parts) >= 2:
        return f"({parts[0]})^(1/{parts[1]})"
    if name == "mfenced":
        separator = (element.get("separators") or ",").strip()[:1] or ","
        inner = separator.join(parts)
        return f"{element.get('open', '(')}{inner}{element.get('close', ')')}"
    if name == "mmultiscripts":
        return _multiscripts(kids)
    if name == "semantics":
        return parts[0] if parts else ""
    if name in ("mtable", "mtr"):
        return "; ".join(p.strip() for p in parts if p.strip())
    return "".join(parts)  # math, mrow, mstyle, mpadded, mphantom, menclose, mtd …


def _multiscripts(kids: list[Any]) -> str:
    """<mmultiscripts>base (sub sup)* <mprescripts/> (sub sup)*</mmultiscripts>."""
    names = [_local(k.tag) for k in kids]
    if not kids:
        return ""
    split = names.index("mprescripts") if "mprescripts" in names else len(kids)
    base = _math(kids[0])
    post = [_math(k) for k in kids[1:split]]
    pre = [_math(k) for k in kids[split + 1 :]]

    def scripts(items: list[str], anchor: str) -> str:
        out = ""
        for i in range(0, len(items), 2):
            sub = items[i]
            sup = items[i + 1] if i + 1 < len(items) else ""
            out += subscript(sub, anchor or "x") + superscript(sup)
        return out

    return scripts(pre, "") + base + scripts(post, base)


# ---------------------------------------------------------------- PubMed XML (streamed)

_ENTRY_KINDS = {
    "PubmedBookArticle": "a book or book chapter, not a journal article",
    "DeleteCitation": "PubMed's list of deleted citations",
}
_ENTRY_TAGS = {"PubmedArticle", *_ENTRY_KINDS}


def read_pubmed_xml(path: Path, errors: list[str] | None = None) -> list[Document]:
    """Every article of a PubMed XML export (efetch `PubmedArticleSet`, a baseline or update
    file, `.xml.gz` too), one Document each, streamed article by article.

    An article that cannot be used (no PMID, title or abstract; a book chapter) is reported in
    `errors` as a warning and skipped. A file that breaks after some articles keeps them and
    gets one error naming the line; exports joined with `cat` are read part by part. A file that
    is not a PubMed export, or declares entities, is refused as a whole.
    """
    notes: list[Notice] = []
    stream = _PubmedXmlStream(path)
    records = stream.records(decoded_chunks(path, MAX_STREAMED_BYTES, notes, xml=True))
    return collect(path, records, errors, notes)


_FEED = 64 * 1024


class _PrologDone(Exception):
    """The root element has started: no DTD or entity declaration can follow."""


class _PubmedXmlStream:
    """Parses a (possibly concatenated) PubMed XML text stream into article records."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.complete = 0  # complete entries (articles, skipped or not)
        self.last_pmid = ""
        self.problems: list[str] = []
        self.line_offset = 0  # lines of the earlier parts of a joined file
        self.parts = 0
        self._start_part()

    # -- parts

    def _start_part(self) -> None:
        import xml.etree.ElementTree as ET

        self.parser: Any = ET.XMLPullParser(("end",))  # "end" only: half the events
        self.checker = _prolog_checker(self.path, self._check_root)
        self.root_tag = ""
        self.root_closed = False
        self.failed = False
        self.content = False
        self.lines = 0

    def records(self, chunks: Iterator[str]) -> Iterator[Record]:
        carry = ""
        for chunk in chunks:
            text = carry + chunk.replace("\ufeff", "")
            keep = next((n for n in range(4, 0, -1) if "<?xml".startswith(text[-n:])), 0)
            carry, text = (text[-keep:], text[:-keep]) if keep else ("", text)
            yield from self._split(text)
        yield from self._split(carry)
        yield from self._close()
        if self.problems:
            raise IngestError(self._problem_message())
        if self.complete == 0:
            raise IngestError(f"{self.path.name}: the PubMed export contains no articles")

    def _split(self, text: str) -> Iterator[Record]:
        """Feed `text`, starting a new part at each `<?xml` declaration after the first."""
        position = 0
        search = 0
        while (found := text.find("<?xml", search)) != -1:
            if self.content or text[position:found].strip():
                yield from self._feed(text[position:found])
                yield from self._close()
                self.line_offset += self.lines
                self._start_part()
                position = found
            search = found + 1
        yield from self._feed(text[position:])

    def _feed(self, text: str) -> Iterator[Record]:
        import xml.etree.ElementTree as ET

        if not text or self.failed:
            self.lines += text.count("\n")
            return
        if not text.isspace():
            self.content = True
        if self.checker is not None:
            try:
                self.checker.Parse(text, False)
            except _PrologDone:
                self.checker = None
            except IngestError:
                raise
            except Exception:  # malformed prolog: the main parser says where
                self.checker = None
        for start in range(0, len(text), _FEED):  # small slices: few elements alive at once
            try:
                self.parser.feed(text[start : start + _FEED])
            except ET.ParseError as exc:
                self._fail(exc, cut_off=False)
            yield from self._events()
            if self.failed:
                break
        self.lines += text.count("\n")

    def _close(self) -> Iterator[Record]:
        import xml.etree.ElementTree as ET

        if self.failed or not self.content:
            return
        try:
            self.parser.close()
        except ET.ParseError as exc:
            self._fail(exc, cut_off=not self.root_closed)
        yield from self._events()
        self.parts += 1

    def _fail(self, exc: Any, cut_off: bool) -> None:
        self.failed = True
        line, column = getattr(exc, "position", (0, 0))
        line += self.line_offset
        reason = re.sub(r":? line \d+, column \d+$", "", str(exc))
        if cut_off and ("no element found" in reason or "unclosed token" in reason):
            self.problems.append(
                f"the file ends in the middle of an article at line {line}: it looks cut off"
            )
        elif "junk after document element" in reason:
            self.problems.append(
                f"unexpected data after the end of the export at line {line}, column {column} "
                "(joined exports need each part's own '<?xml' line)"
            )
        else:
            self.problems.append(f"at line {line}, column {column} ({reason})")

    def _problem_message(self) -> str:
        where = self.problems[0] + (
            f" (and {len(self.problems) - 1} more breaks)" if len(self.problems) > 1 else ""
        )
        if self.complete:
            last = f", last PMID {self.last_pmid}" if self.last_pmid else ""
            count = f"{self.complete} complete article" + ("s" if self.complete > 1 else "")
            kept = f"the {count} before it {'were' if self.complete > 1 else 'was'} read{last}"
        else:
            kept = "no complete article was found before it"
        return f"{self.path.name}: not well-formed XML: {where}; {kept}"

    # -- elements

    def _events(self) -> Iterator[Record]:
        import xml.etree.ElementTree as ET

        try:
            for _event, element in self.parser.read_events():
                tag = element.tag
                if tag in _ENTRY_TAGS:
                    yield self._entry(element)
                    element.clear()  # its memory goes; the empty shell stays in the root
                if tag == self.root_tag:
                    self.root_closed = True
        except ET.ParseError as exc:  # queued by feed(), after the events before it
            self._fail(exc, cut_off=False)

    def _check_root(self, name: str) -> None:
        tag = name.rpartition(":")[2]
        if tag not in ("PubmedArticleSet", "PubmedArticle"):
            raise IngestError(
                f"{self.path.name}: not a PubMed XML export (root element <{tag}>, "
                "expected <PubmedArticleSet>)"
            )
        self.root_tag = name

    def _entry(self, element: Any) -> Record:
        self.complete += 1
        tag = _local(element.tag)
        if tag == "PubmedArticle":
            try:
                fields = pubmed_fields(element)
            except IngestError as exc:
                return IngestError(f"{self.path.name}: entry {self.complete}: {exc}", "warning")
            self.last_pmid = fields["pmid"] or self.last_pmid
            return fields
        if tag == "DeleteCitation":
            self.complete -= 1
            pmids = [render(p).strip() for p in element.findall("PMID")]
            shown = ", ".join(pmids[:5]) + (", …" if len(pmids) > 5 else "")
            return IngestError(
                f"{self.path.name}: lists {len(pmids)} PMIDs that PubMed deleted ({shown}); "
                "they are not removed from the evidence base by this file",
                "warning",
            )
        what = _ENTRY_KINDS.get(tag, "not a journal article")
        pmid = render(element.find(".//PMID")).strip()
        which = f"PMID {pmid}" if pmid else f"entry {self.complete}"
        return IngestError(f"{self.path.name}: {which} is <{tag}> ({what}); skipped", "warning")


def _prolog_checker(path: Path, on_root: Any) -> Any:
    """An expat parser that refuses DTD internal subsets and entity declarations (billion
    laughs, XXE) and stops at the root element. PubMed's own `<!DOCTYPE PubmedArticleSet PUBLIC
    ... "pubmed_*.dtd">` has no internal subset and is allowed; the DTD is never fetched.
    `on_root(name)` is called with the root element's name."""
    from xml.parsers import expat

    def refuse(*_args: Any) -> None:
        raise IngestError(
            f"{path.name}: the XML declares entities or an internal DTD, which is refused "
            "(a PubMed export never does)"
        )

    def doctype(_name: str, _sysid: str | None, _pubid: str | None, internal: int) -> None:
        if internal:
            refuse()

    def root(name: str, *_args: Any) -> None:
        on_root(name)
        raise _PrologDone

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse  # type: ignore[assignment]
    parser.StartElementHandler = root
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    return parser


def _date(element: Any) -> str:
    if element is None:
        return ""
    year = render(element.find("Year")).strip()
    month = render(element.find("Month")).strip()
    day = render(element.find("Day")).strip()
    if not year.isdigit():
        return ""
    return "-".join([year] + [p.zfill(2) for p in (month, day) if p.isdigit()])


def pubmed_fields(article: Any) -> dict[str, Any]:
    """The fields of one <PubmedArticle>."""
    citation = article.find("MedlineCitation")
    art = citation.find("Article") if citation is not None else None
    if citation is None or art is None:
        raise IngestError("a PubmedArticle without MedlineCitation/Article; skipped", "warning")
    abstract = []
    for part in art.findall("Abstract/AbstractText"):
        text = render(part).strip()
        label = (part.get("Label") or "").strip()
        if text:
            abstract.append(f"{label}: {text}" if label and label.upper() != "UNLABELLED" else text)
    authors = []
    for author in art.findall("AuthorList/Author"):
        last = render(author.find("LastName")).strip()
        initials = render(author.find("Initials")).strip()
        collective = render(author.find("CollectiveName")).strip()
        if last:
            authors.append(f"{last} {initials}".strip())
        elif collective:
            authors.append(collective)
    issue = art.find("Journal/JournalIssue")
    year = year_in(render(issue.find("PubDate/Year")) if issue is not None else None)
    if year is None and issue is not None:
        year = year_in(render(issue.find("PubDate/MedlineDate")))
    year = year or year_in(render(art.find("ArticleDate/Year")))
    ids = article.findall("PubmedData/ArticleIdList/ArticleId")
    doi = next(
        (
            render(e).strip()
            for e in [*art.findall("ELocationID"), *ids]
            if (e.get("EIdType") or e.get("IdType")) == "doi" and render(e).strip()
        ),
        None,
    )
    pmcid = next((render(e).strip() for e in ids if e.get("IdType") == "pmc"), "")
    volume = render(issue.find("Volume")).strip() if issue is not None else ""
    number = render(issue.find("Issue")).strip() if issue is not None else ""
    pages = render(art.find("Pagination/MedlinePgn")).strip()
    return {
        "format": "pubmed-xml",
        "pmid": render(citation.find("PMID")).strip(),
        "title": render(art.find("ArticleTitle")) or render(art.find("VernacularTitle")),
        "abstract": abstract,
        "authors": authors,
        "journal": render(art.find("Journal/Title")),
        "journal_abbrev": render(art.find("Journal/ISOAbbreviation")),
        "year": year,
        "doi": doi,
        "volume_issue_pages": _volume_issue_pages(volume, number, pages),
        "publication_types": [
            render(t) for t in art.findall("PublicationTypeList/PublicationType")
        ],
        "mesh": [
            render(h.find("DescriptorName"))
            for h in citation.findall("MeshHeadingList/MeshHeading")
        ],
        "keywords": [render(k) for k in citation.findall("KeywordList/Keyword")],
        "language": [render(lang) for lang in art.findall("Language")],
        "pmcid": pmcid,
        "revised": _date(citation.find("DateRevised")),
    }


# ---------------------------------------------------------------- MEDLINE (.nbib)

_MEDLINE_LINE = re.compile(r"^([A-Z][A-Z0-9]{0,3})\s*-\s?(.*)$")
_ABSTRACT_LABEL = re.compile(r"(?<=[.?!])\s+(?=[A-Z][A-Z ,&/-]{2,40}:\s)")


def read_medline(path: Path, errors: list[str] | None = None) -> list[Document]:
    """Every record of a MEDLINE / .nbib file (PubMed's "PubMed format"), one Document each,
    streamed record by record."""
    notes: list[Notice] = []
    return collect(path, _medline_records(path, notes), errors, notes)


def _medline_records(path: Path, notes: list[Notice]) -> Iterator[Record]:
    current: list[tuple[str, str]] = []
    found = 0
    number = 0
    for line in text_lines(path, notes, MAX_STREAMED_BYTES):
        number += 1
        if not line.strip():
            if any(tag == "PMID" for tag, _ in current):
                found += 1
                yield _medline_fields(current)
            current = []
            continue
        match = _MEDLINE_LINE.match(line)
        if match and not line[:1].isspace():
            current.append((match.group(1), match.group(2).strip()))
        elif line[:1].isspace() and current:
            tag, value = current[-1]
            current[-1] = (tag, f"{value} {line.strip()}")
        else:
            raise IngestError(
                f"{path.name}: line {number} ({line[:40]!r}) is not MEDLINE format "
                "(expected 'TAG - value')"
            )
    if any(tag == "PMID" for tag, _ in current):
        found += 1
        yield _medline_fields(current)
    if not found:
        raise IngestError(f"{path.name}: no MEDLINE record with a PMID line was found")


def _medline_fields(record: list[tuple[str, str]]) -> dict[str, Any]:
    def first(tag: str) -> str:
        return next((v for t, v in record if t == tag), "")

    def every(tag: str) -> list[str]:
        return [v for t, v in record if t == tag]

    authors = every("AU") or [_short_author(a) for a in every("FAU")]
    authors += [c for c in every("CN") if c not in authors]
    doi = next(
        (v[: -len("[doi]")].strip() for v in every("LID") + every("AID") if v.endswith("[doi]")),
        None,
    )
    abstract = _ABSTRACT_LABEL.sub("\n\n", first("AB")).split("\n\n") if first("AB") else []
    revised = re.sub(r"^(\d{4})(\d{2})(\d{2})$", r"\1-\2-\3", first("LR") or first("DCOM"))
    return {
        "format": "medline",
        "pmid": first("PMID"),
        "title": first("TI") or first("TT"),
        "abstract": abstract,
        "authors": authors,
        "journal": first("JT"),
        "journal_abbrev": first("TA"),
        "year": year_in(first("DP")),
        "doi": doi,
        "volume_issue_pages": _volume_issue_pages(first("VI"), first("IP"), first("PG")),
        "publication_types": every("PT"),
        "mesh": [re.split(r"/", h.lstrip("*"), maxsplit=1)[0] for h in every("MH")],
        "keywords": every("OT"),
        "language": every("LA"),
        "pmcid": first("PMC"),
        "revised": revised if first("LR") else "",
    }


def looks_like_medline(head: str) -> bool:
    return bool(re.match(r"\s*PMID\s*-\s*\d+", head))


# ---------------------------------------------------------------- PubMed "Abstract (text)"

_TEXT_RECORD_START = re.compile(r"^(\d+)\.\s+\S")
_TEXT_PMID = re.compile(r"^PMID:\s*(\d+)")
_TEXT_LABEL = re.compile(r"^([A-Z][A-Za-z ,&/()-]{2,60}):\s")
_TEXT_FURNITURE = re.compile(
    r"^(?:Author information:|Collaborators:|Comment (?:in|on)\b|Erratum (?:in|for)\b|"
    r"Update (?:of|in)\b|Retraction (?:in|of)\b|Retracted and republished|Republished|"
    r"Expression of concern|Conflict of interest statement:|Copyright|©|\(c\) |"
    r"DOI:|PMCID:|PMID:|NIHMSID:|Free PMC article|Free article|Similar articles|Cited by|"
    r"\(\d+\)\s*\S)",
    re.IGNORECASE,
)
_NAME = r"[^\W\d_][\w'’.-]*(?: [^\W\d_][\w'’.-]*)*"
_AUTHOR_LIST = re.compile(
    rf"^{_NAME} [A-Z]{{1,4}}(?:\(\d+\))*(?:, {_NAME}(?: [A-Z]{{1,4}})?(?:\(\d+\))*)*(?:;.*)?\.?$"
)


def looks_like_abstract_text(head: str) -> bool:
    """PubMed's "Abstract (text)" export: "1. Journal. Year…" then a "PMID: n" line."""
    lines = head.lstrip().split("\n", 1)
    return bool(_TEXT_RECORD_START.match(lines[0])) and bool(
        re.search(r"^PMID:\s*\d+", head, re.MULTILINE)
    )


def read_abstract_text(path: Path, errors: list[str] | None = None) -> list[Document]:
    """Every record of PubMed's "Abstract (text)" export (`abstract-pubmed-set.txt`)."""
    notes: list[Notice] = []
    return collect(path, _abstract_text_records(path, notes), errors, notes)


def _abstract_text_records(path: Path, notes: list[Notice]) -> Iterator[Record]:
    lines: list[str] = []
    found = 0
    for line in text_lines(path, notes, MAX_STREAMED_BYTES):
        if not lines and not line.strip():
            continue
        lines.append(line)
        if _TEXT_PMID.match(line.strip()):
            found += 1
            yield _abstract_text_fields(lines)
            lines = []
    if any(line.strip() for line in lines):
        where = "after the last record" if found else "before any record"
        raise IngestError(
            f"{path.name}: the file ends {where} without its 'PMID:' line: it looks cut off"
        )
    if not found:
        raise IngestError(f"{path.name}: no record with a 'PMID:' line was found")


def _paragraphs(lines: list[str]) -> list[list[str]]:
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            blocks[-1].append(line.strip())
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


def _abstract_text_fields(lines: list[str]) -> dict[str, Any]:
    blocks = _paragraphs(lines)
    header = " ".join(blocks[0])
    header = _TEXT_RECORD_START.sub(lambda m: m.group()[-1], header, count=1)
    journal = header.split(". ", 1)[0].strip()
    fields: dict[str, Any] = {"format": "pubmed-text", "journal_abbrev": journal}
    fields["year"] = year_in(header[len(journal) :])
    found = re.search(r";\s*([\w-]+)(?:\(([^)]*)\))?(?::\s*([\w-]+))?", header)
    if found:
        fields["volume_issue_pages"] = _volume_issue_pages(
            found.group(1), found.group(2) or "", found.group(3) or ""
        )
    rest = blocks[1:]
    fields["title"] = " ".join(rest[0]) if rest else ""
    rest = rest[1:]
    language = []
    while rest and re.match(r"^\[(?:Article in|In) ([A-Za-z, ]+)\]\.?$", " ".join(rest[0])):
        language.append(re.findall(r"[A-Z][a-z]+", " ".join(rest[0]))[-1])
        rest = rest[1:]
    if rest and _AUTHOR_LIST.match(" ".join(rest[0])):
        names, _, groups = " ".join(rest[0]).rstrip(".").partition(";")
        fields["authors"] = [
            re.sub(r"\(\d+\)", "", a).strip() for a in [*names.split(", "), *groups.split(";")]
        ]
        rest = rest[1:]
    abstract: list[str] = []
    for block in rest:
        first = block[0]
        if _TEXT_FURNITURE.match(first):
            for line in block:
                if m := re.match(r"^DOI:\s*(\S+)", line):
                    fields["doi"] = m.group(1)
                elif m := re.match(r"^PMCID:\s*(PMC\d+)", line):
                    fields["pmcid"] = m.group(1)
                elif m := _TEXT_PMID.match(line):
                    fields["pmid"] = m.group(1)
            continue
        sections: list[str] = []
        for line in block:
            if _TEXT_LABEL.match(line) and sections:
                sections.append(line)
            elif sections:
                sections[-1] += " " + line
            else:
                sections.append(line)
        abstract.extend(sections)
    fields["abstract"] = abstract
    fields["language"] = language
    if "doi" not in fields and (m := re.search(r"\bdoi:\s*(10\.\S+?)\.?(?:\s|$)", header)):
        fields["doi"] = m.group(1)
    return fields


# ---------------------------------------------------------------- RIS

_RIS_JOURNAL_TYPES = {"JOUR", "EJOUR", "JFULL", "INPR", "ABST", "MGZN"}
_RIS_END = re.compile(r"^ER\s{2}-")
_PMID_IN_TEXT = re.compile(r"(?:PMID:?\s*|pubmed(?:\.ncbi\.nlm\.nih\.gov)?/)(\d{1,9})\b", re.I)


def looks_like_ris(head: str) -> bool:
    return bool(re.match(r"\s*TY\s{2}-\s", head))


def read_ris(path: Path, errors: list[str] | None = None) -> list[Document]:
    """Every journal-article record of a RIS file (parsed with `rispy`), one Document each."""
    notes: list[Notice] = []
    return collect(path, _ris_records(path, notes), errors, notes)


def _ris_records(path: Path, notes: list[Notice]) -> Iterator[Record]:
    import rispy

    chunk: list[str] = []
    found = 0
    for line in text_lines(path, notes, MAX_STREAMED_BYTES):
        chunk.append(line)
        if not _RIS_END.match(line):
            continue
        found += 1
        try:
            entries = rispy.loads("\n".join(chunk) + "\n")
        except Exception as exc:  # rispy raises its own ParseError and plain ValueErrors
            yield IngestError(f"{path.name}: RIS record {found} could not be read ({exc})")
            entries = []
        chunk = []
        for entry in entries:
            yield _ris_fields(path, entry, found)
    if any(line.strip() for line in chunk):
        raise IngestError(
            f"{path.name}: the last RIS record has no 'ER  -' line: the file looks cut off"
        )
    if not found:
        raise IngestError(f"{path.name}: no RIS record ('TY  -' … 'ER  -') was found")


def _ris_fields(path: Path, entry: dict[str, Any], number: int) -> Record:
    kind = str(entry.get("type_of_reference") or "").upper()
    title = str(entry.get("title") or entry.get("primary_title") or "")
    if kind and kind not in _RIS_JOURNAL_TYPES:
        return IngestError(
            f"{path.name}: RIS record {number} ({title[:50]!r}) is of type {kind}, not a "
            "journal article; skipped",
            "warning",
        )

    def text(*keys: str) -> str:
        for key in keys:
            value = entry.get(key)
            if isinstance(value, list):
                value = "; ".join(str(v) for v in value)
            if value:
                return str(value)
        return ""

    pmid = text("accession_number")
    if not pmid.isdigit():
        found = _PMID_IN_TEXT.search(" ".join([text("notes"), text("note"), text("urls")]))
        pmid = found.group(1) if found else ""
    authors = entry.get("authors") or entry.get("first_authors") or []
    pages = "-".join(p for p in (text("start_page"), text("end_page")) if p)
    abstract = text("abstract", "notes_abstract")
    return {
        "format": "ris",
        "pmid": pmid,
        "pmid_optional": True,
        "title": title,
        "abstract": _ABSTRACT_LABEL.sub("\n\n", abstract).split("\n\n") if abstract else [],
        "authors": [_short_author(a) if "," in a else a for a in authors],
        "journal": text("journal_name", "secondary_title", "alternate_title3"),
        "journal_abbrev": text("alternate_title2", "alternate_title1"),
        "year": year_in(text("year", "publication_year", "date")),
        "doi": re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", text("doi"), flags=re.I),
        "volume_issue_pages": _volume_issue_pages(text("volume"), text("number"), pages),
        "publication_types": ["Journal Article"] if kind in ("JOUR", "EJOUR") else [],
        "keywords": entry.get("keywords") or [],
        "language": [text("language")] if text("language") else [],
    }


# ---------------------------------------------------------------- PubMed CSV

NO_ABSTRACTS = "has no abstracts: export as PubMed XML or MEDLINE instead"


def read_pubmed_csv(path: Path, errors: list[str] | None = None) -> list[Document]:
    """A PubMed CSV export. PubMed's own CSV ("Save → CSV") has no abstract column and is
    refused with what to export instead; a CSV with PMID, Title and Abstract columns is read."""
    notes: list[Notice] = []
    text = read_text(path, notes)
    rows = csv.DictReader(io.StringIO(text))
    columns = {(name or "").strip().lower(): name for name in rows.fieldnames or []}
    if "pmid" not in columns or "title" not in columns:
        shown = ", ".join(list(columns)[:8]) or "none"
        raise IngestError(
            f"{path.name}: not a PubMed CSV export (no PMID and Title columns; columns: {shown})"
        )
    if "abstract" not in columns:
        raise IngestError(f"{path.name}: this PubMed CSV export {NO_ABSTRACTS}")

    def records() -> Iterator[Record]:
        for row in rows:
            get = {name: str(row.get(key) or "") for name, key in columns.items()}
            yield {
                "format": "pubmed-csv",
                "pmid": get["pmid"],
                "title": get["title"],
                "abstract": [get["abstract"]],
                "authors": [a.strip() for a in get.get("authors", "").rstrip(".").split(",")],
                "journal": get.get("journal/book", ""),
                "year": year_in(get.get("publication year")),
                "doi": get.get("doi", ""),
                "pmcid": get.get("pmcid", ""),
            }

    return collect(path, records(), errors, notes)
