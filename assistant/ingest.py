"""Readers that turn files in the corpus into cleaned `Document`s, and the sentence splitter.

Formats: plain-text/markdown articles (with an optional `<name>.meta.yaml` beside them), our
abstract records (YAML front matter + a body in our own words), PubMed XML exports (efetch
`PubmedArticleSet`, several articles per file) and MEDLINE / `.nbib` files. Every reader treats
file content as data: text is normalised and shown as text, XML entities/DTDs are refused, and
a file that cannot be read becomes one clear error while the other files still load.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
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
            metadata=metadata(i, start, end) if metadata else {},
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


# ---------------------------------------------------------------- file safety

MAX_FILE_BYTES = 25 * 1024 * 1024
"""Largest file ingest will read (25 MiB). Bigger files are refused with a clear message before
anything is read into memory; split a large PubMed export into several files instead."""

# Control characters that have no business in evidence text: C0/C1 controls (tab and newline
# kept), zero-width characters and bidirectional overrides that can make text display as
# something other than what it is.
_CONTROL_CHARS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, refusing empty, oversized and binary files with a clear message."""
    size = path.stat().st_size
    if size == 0:
        raise IngestError(f"{path.name}: the file is empty")
    if size > MAX_FILE_BYTES:
        raise IngestError(
            f"{path.name}: the file is {size / 2**20:.1f} MiB, over the "
            f"{MAX_FILE_BYTES / 2**20:.0f} MiB limit per file; split it into smaller files"
        )
    data = path.read_bytes()
    if b"\x00" in data[:4096]:
        raise IngestError(f"{path.name}: looks like a binary file, not text")
    return data


def _read_text(path: Path) -> str:
    data = _read_bytes(path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError(f"{path.name}: not UTF-8 text ({exc.reason})") from exc
    return _CONTROL_CHARS.sub("", text)


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


def _clean_field(value: str) -> str:
    """One bibliographic field or abstract paragraph: normalised, controls removed, one line."""
    value = _CONTROL_CHARS.sub("", unicodedata.normalize("NFKC", value))
    return _tidy(" ".join(value.split()))


# ---------------------------------------------------------------- PubMed XML and MEDLINE

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


def _year(value: str | None) -> int | None:
    match = re.search(r"\b(1[89]\d\d|20\d\d)\b", value or "")
    return int(match.group(1)) if match else None


def _vancouver(authors: list[str]) -> str:
    if not authors:
        return ""
    shown = authors[:3] if len(authors) > 3 else authors
    return ", ".join(shown) + (", et al." if len(authors) > 3 else ".")


def _pubmed_document(path: Path, fields: dict[str, Any]) -> Document:
    """A Document from the fields both PubMed formats share (validated here)."""
    pmid = str(fields.get("pmid") or "").strip()
    where = f"{path.name}: article with PMID {pmid}" if pmid else f"{path.name}: an article"
    if not pmid.isdigit():
        raise IngestError(f"{where} has no valid PMID")
    title = _clean_field(fields.get("title") or "").rstrip()
    paragraphs = [_clean_field(p) for p in fields.get("abstract") or []]
    text = "\n\n".join(p for p in paragraphs if p)
    if not title:
        raise IngestError(f"{where} has no title")
    if not text:
        raise IngestError(f"{where} has no abstract text (nothing to cite); skipped")
    authors = [a for a in (_clean_field(a) for a in fields.get("authors") or []) if a]
    pub_types = [_clean_field(t) for t in fields.get("publication_types") or []]
    design, kind = study_design(pub_types)
    journal = _clean_field(fields.get("journal") or "") or None
    abbrev = _clean_field(fields.get("journal_abbrev") or "") or journal
    year = fields.get("year")
    doi = _clean_field(fields.get("doi") or "") or None
    source = ";".join(x for x in (str(year or ""), fields.get("volume_issue_pages") or "") if x)
    citation = " ".join(
        part
        for part in (
            _vancouver(authors),
            title if title.endswith((".", "?", "!")) else title + ".",
            f"{abbrev}." if abbrev else "",
            f"{source}." if source else "",
            f"doi:{doi}." if doi else "",
            f"PMID: {pmid}.",
        )
        if part
    )
    extra: dict[str, Any] = {"source_format": fields["format"]}
    if pub_types:
        extra["publication_types"] = "; ".join(pub_types)
    if abbrev and abbrev != journal:
        extra["journal_abbrev"] = abbrev
    return Document(
        id=f"pmid{pmid}",
        title=title,
        kind=kind,
        citation=citation,
        text=text,
        year=year,
        pmid=pmid,
        doi=doi,
        authors=tuple(authors),
        journal=journal,
        design=design,
        source_path=str(path),
        extra=extra,
    )


def _reject_xml_declarations(data: bytes, path: Path) -> None:
    """Refuse DTD internal subsets and entity declarations (billion laughs, XXE).

    PubMed's own `<!DOCTYPE PubmedArticleSet PUBLIC ... "pubmed_*.dtd">` has no internal subset
    and is allowed; the external DTD is never fetched.
    """
    from xml.parsers import expat

    def refuse(*_args: Any) -> None:
        raise IngestError(
            f"{path.name}: the XML declares entities or an internal DTD, which is refused "
            "(a PubMed export never does)"
        )

    def doctype(_name: str, _sysid: str | None, _pubid: str | None, internal: int) -> None:
        if internal:
            refuse()

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse  # type: ignore[assignment]
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise IngestError(f"{path.name}: not well-formed XML ({exc})") from exc


def _xml_text(element: Any) -> str:
    """All text inside an element (inline markup such as <i>, <sup> flattened), as plain text."""
    return "" if element is None else "".join(element.itertext())


def read_pubmed_xml(path: Path, errors: list[str] | None = None) -> list[Document]:
    """Every article of a PubMed efetch export (`PubmedArticleSet`), one Document each.

    An article that cannot be used (no PMID, title or abstract) is reported in `errors` and
    skipped; the others are returned. A file that is not well-formed XML, not a PubMed export
    or declares entities is refused as a whole.
    """
    import xml.etree.ElementTree as ET

    data = _read_bytes(path)
    _reject_xml_declarations(data, path)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise IngestError(f"{path.name}: not well-formed XML ({exc})") from exc
    if root.tag == "PubmedArticle":
        articles = [root]
    elif root.tag == "PubmedArticleSet":
        articles = list(root)
    else:
        raise IngestError(
            f"{path.name}: not a PubMed XML export (root element <{root.tag}>, "
            "expected <PubmedArticleSet>)"
        )
    documents: list[Document] = []
    for number, article in enumerate(articles, start=1):
        try:
            if article.tag != "PubmedArticle":
                raise IngestError(
                    f"{path.name}: entry {number} is <{article.tag}>, "
                    "not a journal article; skipped"
                )
            documents.append(_pubmed_document(path, _pubmed_fields(article)))
        except IngestError as exc:
            if errors is None:
                raise
            errors.append(str(exc))
    if not articles:
        raise IngestError(f"{path.name}: the PubMed export contains no articles")
    return documents


def _pubmed_fields(article: Any) -> dict[str, Any]:
    citation = article.find("MedlineCitation")
    art = citation.find("Article") if citation is not None else None
    if citation is None or art is None:
        raise IngestError("a PubmedArticle without MedlineCitation/Article")
    abstract = []
    for part in art.findall("Abstract/AbstractText"):
        text = _xml_text(part).strip()
        label = (part.get("Label") or "").strip()
        if text:
            abstract.append(f"{label}: {text}" if label and label.upper() != "UNLABELLED" else text)
    authors = []
    for author in art.findall("AuthorList/Author"):
        last = _xml_text(author.find("LastName")).strip()
        initials = _xml_text(author.find("Initials")).strip()
        collective = _xml_text(author.find("CollectiveName")).strip()
        if last:
            authors.append(f"{last} {initials}".strip())
        elif collective:
            authors.append(collective)
    issue = art.find("Journal/JournalIssue")
    year = _year(_xml_text(issue.find("PubDate/Year")) if issue is not None else None)
    if year is None and issue is not None:
        year = _year(_xml_text(issue.find("PubDate/MedlineDate")))
    year = year or _year(_xml_text(art.find("ArticleDate/Year")))
    doi = next(
        (
            _xml_text(e).strip()
            for e in [
                *art.findall("ELocationID"),
                *article.findall("PubmedData/ArticleIdList/ArticleId"),
            ]
            if (e.get("EIdType") or e.get("IdType")) == "doi" and _xml_text(e).strip()
        ),
        None,
    )
    volume = _xml_text(issue.find("Volume")).strip() if issue is not None else ""
    number = _xml_text(issue.find("Issue")).strip() if issue is not None else ""
    pages = _xml_text(art.find("Pagination/MedlinePgn")).strip()
    return {
        "format": "pubmed-xml",
        "pmid": _xml_text(citation.find("PMID")).strip(),
        "title": _xml_text(art.find("ArticleTitle")),
        "abstract": abstract,
        "authors": authors,
        "journal": _xml_text(art.find("Journal/Title")),
        "journal_abbrev": _xml_text(art.find("Journal/ISOAbbreviation")),
        "year": year,
        "doi": doi,
        "volume_issue_pages": _volume_issue_pages(volume, number, pages),
        "publication_types": [
            _xml_text(t) for t in art.findall("PublicationTypeList/PublicationType")
        ],
    }


_ARTICLE_IDS = "PubmedData/ArticleIdList/ArticleId"
_PUBLICATION_TYPES = "PublicationTypeList/PublicationType"


def _volume_issue_pages(volume: str, issue: str, pages: str) -> str:
    out = volume + (f"({issue})" if issue else "")
    return out + (f":{pages}" if pages else "")


_MEDLINE_LINE = re.compile(r"^([A-Z][A-Z0-9]{0,3})\s*-\s?(.*)$")
_ABSTRACT_LABEL = re.compile(r"(?<=[.?!])\s+(?=[A-Z][A-Z ,&/-]{2,40}:\s)")


def read_medline(path: Path, errors: list[str] | None = None) -> list[Document]:
    """Every record of a MEDLINE / .nbib file (PubMed's "PubMed format"), one Document each."""
    text = _read_text(path)
    records: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            if current:
                records.append(current)
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
                f"{path.name}: line {line[:40]!r} is not MEDLINE format (expected 'TAG - value')"
            )
    if current:
        records.append(current)
    records = [r for r in records if any(tag == "PMID" for tag, _ in r)]
    if not records:
        raise IngestError(f"{path.name}: no MEDLINE record with a PMID line was found")
    documents: list[Document] = []
    for record in records:
        try:
            documents.append(_pubmed_document(path, _medline_fields(record)))
        except IngestError as exc:
            if errors is None:
                raise
            errors.append(str(exc))
    return documents


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
    return {
        "format": "medline",
        "pmid": first("PMID"),
        "title": first("TI"),
        "abstract": abstract,
        "authors": authors,
        "journal": first("JT"),
        "journal_abbrev": first("TA"),
        "year": _year(first("DP")),
        "doi": doi,
        "volume_issue_pages": _volume_issue_pages(first("VI"), first("IP"), first("PG")),
        "publication_types": every("PT"),
    }


def _short_author(full: str) -> str:
    """ "Zheng, Zhao-Hui" -> "Zheng ZH" (MEDLINE AU style)."""
    last, _, given = full.partition(",")
    initials = "".join(part[0] for part in re.split(r"[\s-]+", given.strip()) if part)
    return f"{last.strip()} {initials.upper()}".strip()


def _looks_like_medline(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(2048).decode("utf-8-sig", errors="replace")
    except OSError:
        return False
    return bool(re.match(r"\s*PMID\s*-\s*\d+", head))


# ---------------------------------------------------------------- registry and loading

Reader = Callable[..., Document | list[Document]]

READERS: dict[str, Reader] = {
    ".txt": read_article,
    ".md": read_record,
    ".markdown": read_record,
    ".xml": read_pubmed_xml,
    ".nbib": read_medline,
    ".medline": read_medline,
}
_MULTI_DOCUMENT_READERS = {read_pubmed_xml, read_medline}


def corpus_files(root: Path) -> Iterator[Path]:
    """Every ingestible file under `root` (README files and metadata sidecars excluded)."""
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix.lower() in READERS and path.stem.upper() != "README":
            yield path


def read_documents(path: Path, errors: list[str] | None = None) -> list[Document]:
    """All documents in one file (a PubMed or MEDLINE export may hold many).

    Problems with single records of a multi-record file are appended to `errors` (when given)
    and those records skipped; a problem with the file as a whole raises IngestError.
    A `.txt` file in PubMed's "PubMed format" (it starts with `PMID-`) is read as MEDLINE.
    """
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise IngestError(f"{path.name}: unsupported file type '{path.suffix}'")
    if reader is read_article and _looks_like_medline(path):
        reader = read_medline
    result = reader(path, errors) if reader in _MULTI_DOCUMENT_READERS else reader(path)
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
    """Read every file; a bad file (or record) becomes an error message and the rest still load.

    Duplicates (the same document id, or the same PMID under another id) keep the first copy;
    the message says whether the copies differ.
    """
    documents: dict[str, Document] = {}
    by_pmid: dict[str, Document] = {}
    errors: list[str] = []
    for path in paths:
        try:
            found = read_documents(path, errors)
        except IngestError as exc:
            errors.append(str(exc))
            continue
        except OSError as exc:
            errors.append(f"{path.name}: could not be read ({exc.strerror or exc})")
            continue
        except Exception as exc:  # a reader bug or odd input must not stop the other files
            errors.append(f"{path.name}: could not be read ({type(exc).__name__}: {exc})")
            continue
        for doc in found:
            prior = documents.get(doc.id) or (by_pmid.get(doc.pmid) if doc.pmid else None)
            if prior is not None:
                errors.append(_duplicate_message(path, doc, prior))
                continue
            documents[doc.id] = doc
            if doc.pmid:
                by_pmid[doc.pmid] = doc
    return list(documents.values()), errors


def _duplicate_message(path: Path, doc: Document, prior: Document) -> str:
    what = f"PMID {doc.pmid}" if doc.pmid and doc.pmid == prior.pmid else f"id '{doc.id}'"
    first = Path(prior.source_path).name if prior.source_path else "an earlier file"
    if doc.text == prior.text:
        return f"{path.name}: duplicate of {what} already read from {first} (same text; skipped)"
    return (
        f"{path.name}: duplicate {what} with different text from the copy in {first}; "
        "kept the first, remove or fix one of them"
    )
