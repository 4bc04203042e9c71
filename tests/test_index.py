"""The index is built from the corpus and updated idempotently from content hashes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from assistant import Settings
from assistant.embeddings import TextEmbedder
from assistant.index import MANIFEST_SNAPSHOT, EvidenceIndex, IndexError_
from assistant.ingest import corpus_files, load_corpus
from assistant.lexical import american, bm25_tokens

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def corpus_copy(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(PROJECT / "corpus", target)
    return target


def _index(tmp_path: Path, corpus: Path, embedder: TextEmbedder) -> tuple[EvidenceIndex, list]:
    settings = Settings.from_env(index_dir=tmp_path / "index", corpus_dir=corpus, chroma_host=None)
    docs, errors = load_corpus(corpus_files(corpus))
    assert errors == []
    return EvidenceIndex(settings, embedder=embedder), docs


def test_reingesting_an_unchanged_corpus_does_no_embedding_work(
    tmp_path: Path, corpus_copy: Path, embedder: TextEmbedder
) -> None:
    index, docs = _index(tmp_path, corpus_copy, embedder)
    first = index.sync(docs)
    assert first.embedded > 50 and len(first.added) == len(docs)
    ids_before = set(index.passages())
    second = index.sync(docs)
    assert second.embedded == 0 and not second.changed
    assert "no embedding work" in second.summary()
    assert set(index.passages()) == ids_before


def test_a_changed_document_is_replaced_without_stale_passages(
    tmp_path: Path, corpus_copy: Path, embedder: TextEmbedder
) -> None:
    index, docs = _index(tmp_path, corpus_copy, embedder)
    index.sync(docs)
    article = corpus_copy / "articles/zheng2022-interview.txt"
    text = article.read_text()
    article.write_text(text[: len(text) // 3])  # the article shrinks to a third
    docs, _ = load_corpus(corpus_files(corpus_copy))
    report = index.sync(docs)
    assert report.updated == ["zheng2022-interview"] and report.embedded > 0
    passages = index.passages()
    article_doc = next(d for d in docs if d.id == "zheng2022-interview")
    kept = [p for p in passages.values() if p.document_id == "zheng2022-interview"]
    assert all(article_doc.text[p.start : p.end] == p.text for p in kept)
    assert len(kept) == index.collection.count() - sum(
        1 for p in passages.values() if p.document_id != "zheng2022-interview"
    )


def test_a_removed_document_leaves_the_index(
    tmp_path: Path, corpus_copy: Path, embedder: TextEmbedder
) -> None:
    index, docs = _index(tmp_path, corpus_copy, embedder)
    index.sync(docs)
    report = index.sync([d for d in docs if d.id != "zheng2022-interview"])
    assert report.removed == ["zheng2022-interview"]
    assert not any(p.document_id == "zheng2022-interview" for p in index.passages().values())


def test_a_damaged_index_directory_gives_a_clear_message(
    tmp_path: Path, embedder: TextEmbedder
) -> None:
    chroma_dir = tmp_path / "index" / "chroma"
    chroma_dir.mkdir(parents=True)
    (chroma_dir / "chroma.sqlite3").write_bytes(b"this is not a database" * 100)
    settings = Settings.from_env(index_dir=tmp_path / "index", chroma_host=None)
    with pytest.raises(IndexError_, match="ingest --rebuild"):
        EvidenceIndex(settings, embedder=embedder)


def test_a_search_ranks_only_the_passages_its_terms_occur_in(bot) -> None:  # type: ignore[no-untyped-def]
    """The same scores, best first, as bm25s's full ranking over every passage (ties at the
    cut may differ): a one-term search reads the term's postings, a longer one chooses among
    the passages that score at all, so neither grows with the corpus."""
    index = bot.index
    state = index._state()
    for query in ("response", "creatinine", "belimumab", "tacrolimus complete response week 24",
                  "serious infections with obinutuzumab"):  # fmt: skip
        fast = index.bm25_search(query, 10)
        tokens = bm25_tokens(query)
        _docs, scores = state.bm25.retrieve([tokens], k=10, show_progress=False, n_threads=0)
        full = [float(s) for s in scores[0] if s > 0]
        assert len(fast) == len(full) > 0
        assert [round(s, 5) for _, s in fast] == [round(s, 5) for s in full]


@pytest.mark.parametrize(
    ("british", "american"),
    [("35 centres", "35 centers"), ("tumour size", "tumor size"), ("analysed", "analyzed"),
     ("anaemia", "anemia"), ("haematuria", "hematuria"), ("paediatric", "pediatric"),
     ("oedema", "edema"), ("diarrhoea", "diarrhea"), ("randomised", "randomized")],
)  # fmt: skip
def test_british_and_american_spellings_are_one_search_term(british: str, american: str) -> None:
    assert bm25_tokens(british) == bm25_tokens(american)


@pytest.mark.parametrize("word", ["acre", "genre", "hour", "four", "does", "shoe", "aerobic"])
def test_words_that_only_look_british_are_kept(word: str) -> None:
    assert american(word) == word


def _counting_scans(index: EvidenceIndex) -> list[int]:
    """Count the index's full reads of the manifest (the scan the snapshot saves)."""
    scans: list[int] = []
    scan = index._scan_manifest

    def counted():  # type: ignore[no-untyped-def]
        scans.append(1)
        return scan()

    index._scan_manifest = counted  # type: ignore[method-assign]
    return scans


def _reopened(
    tmp_path: Path, corpus: Path, embedder: TextEmbedder
) -> tuple[EvidenceIndex, set[str]]:
    """The corpus synced by one index, then a second index opened on the same folder (as a
    new process would), with the passage ids the first one saw."""
    index, docs = _index(tmp_path, corpus, embedder)
    index.sync(docs)
    ids = set(index.passages())
    return _index(tmp_path, corpus, embedder)[0], ids


def test_reopening_reads_the_manifest_snapshot_not_every_row(
    tmp_path: Path, corpus_copy: Path, embedder: TextEmbedder
) -> None:
    reopened, ids = _reopened(tmp_path, corpus_copy, embedder)
    scans = _counting_scans(reopened)
    assert set(reopened.passages()) == ids and scans == []
    assert (tmp_path / "index" / MANIFEST_SNAPSHOT).exists()


def test_a_write_by_another_index_on_the_same_store_is_seen_after_a_refresh(
    tmp_path: Path, corpus_copy: Path, embedder: TextEmbedder
) -> None:
    reader, docs = _index(tmp_path, corpus_copy, embedder)
    reader.sync(docs)
    assert "zheng2022-interview" in reader.documents()
    writer, _ = _index(tmp_path, corpus_copy, embedder)  # e.g. another process's ingest
    writer.sync([d for d in docs if d.id != "zheng2022-interview"])
    reader.refresh()
    scans = _counting_scans(reader)
    assert "zheng2022-interview" not in reader.documents() and scans == [1]


def test_a_damaged_manifest_snapshot_is_read_past_and_rewritten(
    tmp_path: Path, corpus_copy: Path, embedder: TextEmbedder
) -> None:
    snapshot = tmp_path / "index" / MANIFEST_SNAPSHOT
    reopened, ids = _reopened(tmp_path, corpus_copy, embedder)
    snapshot.write_text('{"format": 1, "token": "x", "committed": {"a": [')  # cut short
    assert set(reopened.passages()) == ids
    assert json.loads(snapshot.read_text())["committed"].keys() == reopened.documents().keys()


@pytest.mark.parametrize("eager", [True, False], ids=["small index", "large index"])
def test_facts_come_with_their_passage_not_with_every_document(
    tmp_path: Path, corpus_copy: Path, embedder: TextEmbedder, monkeypatch, eager: bool
) -> None:  # type: ignore[no-untyped-def]
    """A passage read back carries the facts found in it at ingest, whether the index is held
    whole or read on demand; the per-document table every search loads (and its snapshot)
    holds none, so its size does not grow with the findings of 100k abstracts."""
    import assistant.index as index_module

    if not eager:
        monkeypatch.setattr(index_module, "EAGER_PASSAGES", 0)
    reopened, ids = _reopened(tmp_path, corpus_copy, embedder)
    with_facts = [p for p in reopened.passages_by_id(sorted(ids)).values() if p.metadata["facts"]]
    assert len(with_facts) > 20
    assert all(p.metadata["facts"][0]["span"][1] <= len(p.text) for p in with_facts)
    snapshot = json.loads((tmp_path / "index" / MANIFEST_SNAPSHOT).read_text())
    assert not any("facts" in meta for meta in snapshot["doc_meta"].values())
    assert not any("facts" in meta for meta in reopened.documents().values())
