"""StaticEmbedder: the distilled token table from the real packaged MiniLM (no mocks).

The distillation (~50 s) runs once per module, plus once more to prove a damaged cache is
recomputed; the other cache tests copy its file into new directories instead.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from test_scope import IN_SCOPE, OUT_OF_SCOPE, assert_covered, assert_not_covered

from assistant import EvidenceAssistant, Settings
from assistant.index import Embedder, EvidenceIndex, IndexError_, embedding_text
from assistant.static_embedding import DIM, StaticEmbedder


@pytest.fixture(scope="module")
def static(tmp_path_factory: pytest.TempPathFactory) -> StaticEmbedder:
    """One embedder whose table is distilled into a fresh cache directory (created by it)."""
    embedder = StaticEmbedder(tmp_path_factory.mktemp("static") / "not-yet-there")
    embedder.embed(["warm up"])
    assert embedder.distilled is True
    return embedder


def _copy_cache(static: StaticEmbedder, to: Path) -> Path:
    to.mkdir()
    return Path(shutil.copy2(static.cache_path, to / static.cache_path.name))


def test_interface_matches_embedder(static: StaticEmbedder) -> None:
    assert static.model_name == StaticEmbedder.MODEL_NAME == "static-minilm-l6"
    assert static.bf16 is False
    assert static.embed([]).shape == (0, DIM)


def test_awkward_texts_give_unit_vectors(static: StaticEmbedder) -> None:
    texts = ["", "   ", "\ud800", "\x00\x01", "[PAD]", "lupus " * 4000, "腎炎", "нефрит", "a"]
    vectors = static.embed(texts)
    assert vectors.shape == (len(texts), DIM)
    assert vectors.dtype == np.float32
    assert np.isfinite(vectors).all()
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_textless_inputs_get_the_unk_direction(static: StaticEmbedder) -> None:
    unk = static.embed(["\U0001f600"])[0]  # the tokenizer maps an emoji to [UNK]
    for vector in static.embed(["", "   ", "\ud800", "[PAD]"]):
        np.testing.assert_allclose(vector, unk, atol=1e-6)


def test_deterministic_and_batch_independent(static: StaticEmbedder) -> None:
    texts = ["Tacrolimus versus cyclophosphamide.", "Complete response at 24 weeks.", ""]
    batch = static.embed(texts)
    np.testing.assert_array_equal(batch, static.embed(texts))
    for text, row in zip(texts, batch, strict=True):
        np.testing.assert_array_equal(static.embed([text])[0], row)


def test_paraphrase_is_closer_than_unrelated_text(static: StaticEmbedder) -> None:
    query, paraphrase, unrelated = static.embed(
        [
            "tacrolimus for lupus nephritis",
            "lupus nephritis treated with tacrolimus",
            "the weather forecast for tomorrow",
        ]
    )
    assert query @ paraphrase > query @ unrelated + 0.2


def test_second_instance_loads_the_cache(static: StaticEmbedder) -> None:
    path = static.cache_path
    mtime = path.stat().st_mtime_ns
    again = StaticEmbedder(path.parent)
    texts = ["Induction therapy for lupus nephritis.", "нефрит"]
    np.testing.assert_array_equal(again.embed(texts), static.embed(texts))
    assert again.distilled is False
    assert path.stat().st_mtime_ns == mtime
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp files left


def test_truncated_cache_is_recomputed_with_a_warning(
    static: StaticEmbedder, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = _copy_cache(static, tmp_path / "cache")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    embedder = StaticEmbedder(path.parent)
    with caplog.at_level(logging.WARNING, logger="assistant.static_embedding"):
        table = embedder.table
    assert embedder.distilled is True
    assert any("recomputing" in r.getMessage() for r in caplog.records)
    np.testing.assert_allclose(table, static.table, atol=1e-4)
    np.testing.assert_array_equal(np.load(path), table)  # the repaired file replaced the bad one


def _nan_table(path: Path) -> None:
    table = np.load(path)
    table[7, 3] = np.nan
    np.save(path, table)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda p: p.write_bytes(b"not a numpy file at all"), id="garbage"),
        pytest.param(lambda p: p.write_bytes(b""), id="empty"),
        pytest.param(lambda p: np.save(p, np.zeros((3, DIM), np.float32)), id="wrong-shape"),
        pytest.param(lambda p: np.save(p, np.load(p).astype(np.float64)), id="wrong-dtype"),
        pytest.param(lambda p: np.save(p, np.array([{"x": 1}]), allow_pickle=True), id="pickle"),
        pytest.param(_nan_table, id="nan"),
    ],
)
def test_unusable_cache_is_refused_with_a_warning(
    static: StaticEmbedder,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    damage: Callable[[Path], object],
) -> None:
    """Each kind of bad file is rejected (recomputing is covered once, above: it takes ~50 s)."""
    path = _copy_cache(static, tmp_path / "cache")
    damage(path)
    with caplog.at_level(logging.WARNING, logger="assistant.static_embedding"):
        assert StaticEmbedder(path.parent)._load_cached() is None
    assert any("recomputing" in r.getMessage() for r in caplog.records)


# ---------------------------------------------------------------- bulk mode: an index built with it


@pytest.fixture(scope="module")
def bulk_bot(static: StaticEmbedder, tmp_path_factory: pytest.TempPathFactory) -> EvidenceAssistant:
    """The bundled corpus indexed with the static embedder, chosen by name in the settings."""
    settings = Settings.from_env(
        index_dir=tmp_path_factory.mktemp("bulk-index"),
        cache_dir=static.cache_dir,
        embedding_model=StaticEmbedder.MODEL_NAME,
        chroma_host=None,
    )
    return EvidenceAssistant(settings)


def test_settings_choose_the_bulk_embedder_and_minilm_scores(bulk_bot: EvidenceAssistant) -> None:
    assert isinstance(bulk_bot.index.embedder, StaticEmbedder)
    assert bulk_bot.index.embedder.distilled is False  # the module's cached table was reused
    assert isinstance(bulk_bot.search.scorer, Embedder)


def test_bulk_dense_scores_are_minilm_cosines(bulk_bot: EvidenceAssistant) -> None:
    """So the relevance threshold means what it means for MiniLM (the torch model, loaded
    here afresh, rescores the static shortlist)."""
    embedder = Embedder()
    query = "What was the complete remission rate with tacrolimus?"
    retrieval = bulk_bot.search.search(query, 6)
    top = max(retrieval.passages, key=lambda p: p.score)
    passage_vector = embedder.embed([embedding_text(top.metadata["short_name"], top.text)])[0]
    expected = float(embedder.embed([query])[0] @ passage_vector)
    assert top.score == pytest.approx(expected, abs=1e-3)
    assert retrieval.best_similarity == pytest.approx(expected, abs=1e-3)


# A known miss of bulk mode: MiniLM lets this vague question through only on a synonym
# (AURORA 1's "142 hospitals", cosine 0.31) that the static shortlist ranks 130th; every kept
# candidate scores below the relevance threshold, so bulk mode says the evidence does not cover it.
BULK_MISSES = {"How many centres took part?"}


@pytest.mark.parametrize(
    "question",
    [
        pytest.param(q, marks=pytest.mark.xfail(strict=True, reason="static shortlist miss"))
        if q in BULK_MISSES
        else q
        for q in IN_SCOPE
    ],
)
def test_bulk_mode_answers_what_the_evidence_covers(
    bulk_bot: EvidenceAssistant, question: str
) -> None:
    assert_covered(bulk_bot.ask(question))


@pytest.mark.parametrize("question", OUT_OF_SCOPE)
def test_bulk_mode_says_when_the_evidence_does_not_cover_a_question(
    bulk_bot: EvidenceAssistant, question: str
) -> None:
    assert_not_covered(bulk_bot.ask(question))


def test_an_index_refuses_settings_naming_another_embedder(bulk_bot: EvidenceAssistant) -> None:
    default = Settings.from_env(index_dir=bulk_bot.settings.index_dir, chroma_host=None)
    with pytest.raises(IndexError_, match="'static-minilm-l6', but the settings use"):
        EvidenceIndex(default)


def test_an_unknown_embedder_name_is_a_clear_error(tmp_path: Path) -> None:
    settings = Settings.from_env(index_dir=tmp_path, embedding_model="word2vec", chroma_host=None)
    with pytest.raises(IndexError_, match="Unknown embedding model 'word2vec'"):
        EvidenceIndex(settings)
