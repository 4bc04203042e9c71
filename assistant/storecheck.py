"""Check that a local Chroma store can be loaded, in a child process, before this one loads it.

Chroma's native vector index loader (hnswlib, in its Rust core) trusts the files on disk: a
truncated `data_level0.bin` or a link pointing past the end can kill the process that reads them
(segmentation fault, abort) instead of raising. So before an `EvidenceIndex` opens a local store,
a short-lived child Python opens the same store with chromadb itself and runs a few
nearest-neighbour queries per collection; the first forces the vector segment to load. If the
child crashes, raises, or does not answer in time, the store is damaged and the caller says
"rebuild the index" instead of crashing. The check knows nothing of Chroma's file format, so a
chromadb upgrade that changes the format does not turn sound indexes into "damaged" ones.

The child never loads an embedding model: it queries with a vector already stored in the
collection and passes `embedding_function=None`. A stored vector must find itself (at distance
~0); a store where most of the sampled vectors do not is also reported as damaged (an emptied
`length.bin` does that rather than crash).

A sound verdict is cached in the index directory (`VERDICT_FILE`, written atomically), keyed by
the chromadb version, the collections checked, and the name, size and mtime of every file of the
store besides its SQLite database; an unchanged store is probed once. (chromadb 1.5 rewrites the
vector files of a small store, below its sync threshold of 1000 rows, each time it opens it, so
such a store is probed on every open; a larger one hits the cache.)
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .files import write_atomic

log = logging.getLogger(__name__)

PROBE_TIMEOUT = 120.0  # seconds; loading a very large vector index on a slow disk takes a while
VERDICT_FILE = "vector-store-check.json"  # under the index directory, beside chroma/
_SAMPLES = 10  # stored vectors queried per collection, spread over it; most must find themselves
_SELF_DISTANCE = 1e-3
_NO_CHROMADB = 3  # child exit status: chromadb cannot be imported (not a verdict on the store)
_RAISED = 2  # child exit status: opening or querying the store raised
_WRONG = 4  # child exit status: the store answered, wrongly

# Runs in the child: argv = chroma directory, then the collection names to check.
_CHILD = f"""
import os, sys
def finish(status, message):
    stream = sys.stdout if status == 0 else sys.stderr
    stream.write(message + "\\n")
    stream.flush()
    os._exit(status)  # no interpreter shutdown: a damaged store can also crash its destructors
try:
    import chromadb
    from chromadb.config import Settings
except Exception as exc:
    finish({_NO_CHROMADB}, f"cannot import chromadb: {{type(exc).__name__}}: {{exc}}")
try:
    client = chromadb.PersistentClient(
        path=sys.argv[1], settings=Settings(anonymized_telemetry=False, allow_reset=False)
    )
    present = {{getattr(c, "name", c) for c in client.list_collections()}}
    for name in sys.argv[2:]:
        if name not in present:
            continue
        collection = client.get_collection(name, embedding_function=None)
        rows = collection.count()
        nearest = []
        for offset in sorted({{i * rows // {_SAMPLES} for i in range({_SAMPLES})}} if rows else ()):
            sample = collection.get(offset=offset, limit=1, include=["embeddings"])
            vectors = sample.get("embeddings")
            if not sample["ids"] or vectors is None or not len(vectors):
                continue
            found = collection.query(  # the first query loads the vector segment from disk
                query_embeddings=[vectors[0]], n_results=1, include=["distances"]
            )
            nearest.extend(found["distances"][0] or [float("inf")])
        space = (collection.metadata or {{}}).get("hnsw:space", "l2")
        itself = sum(abs(d) <= {_SELF_DISTANCE} for d in nearest)
        if space != "ip" and 2 * itself < len(nearest):  # a sound store: all of them, in tests
            finish({_WRONG}, f"in collection {{name!r}} stored vectors do not find themselves "
                   f"({{itself}} of {{len(nearest)}} queries did)")
except BaseException as exc:
    finish({_RAISED}, f"{{type(exc).__name__}}: {{str(exc).strip()[:300]}}")
finish(0, "sound")
"""


def check_local_store(
    index_dir: Path, collections: Sequence[str], timeout: float = PROBE_TIMEOUT
) -> str | None:
    """None if the Chroma store in `index_dir / "chroma"` loads and answers (or there is nothing
    Chroma's native loader would read); else what went wrong, in a few words."""
    chroma_dir = index_dir / "chroma"
    key = _store_key(chroma_dir, collections)
    if key is None or _already_open_here(chroma_dir):
        return None
    verdict_file = index_dir / VERDICT_FILE
    if _cached(verdict_file) == key:
        return None
    problem = _probe(chroma_dir, collections, timeout)
    if problem is None:
        after = _store_key(chroma_dir, collections)  # the probe itself may rewrite the files
        if after is not None:
            _save(verdict_file, after)
    return problem


def _probe(chroma_dir: Path, collections: Sequence[str], timeout: float) -> str | None:
    command = [sys.executable, "-c", _CHILD, str(chroma_dir.resolve()), *collections]
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    try:
        child = subprocess.Popen(
            command,
            cwd=chroma_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
        )
    except OSError as exc:  # cannot start a child at all: no verdict, the caller opens as before
        log.warning("could not check the vector store %s: %s", chroma_dir, exc)
        return None
    try:
        # The caller imports chromadb next anyway; doing it while the child works overlaps it
        # with the child's own start-up (importing chromadb is most of the probe's time).
        with contextlib.suppress(Exception):
            importlib.import_module("chromadb")
        out, err = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        return f"its vector store did not load within {timeout:.0f} s"
    except BaseException:  # e.g. KeyboardInterrupt: leave no child behind
        child.kill()
        child.wait()
        raise
    last = (err.strip().splitlines() or [""])[-1]
    if child.returncode == 0 and out.strip().endswith("sound"):
        return None
    if child.returncode == _NO_CHROMADB:
        log.warning("could not check the vector store %s: %s", chroma_dir, last)
        return None
    if child.returncode < 0:
        signal_name = _signal_name(-child.returncode)
        return f"its vector store crashed the process that loaded it ({signal_name})"
    if child.returncode == _RAISED:
        return f"its vector store could not be loaded: {last}"
    if child.returncode == _WRONG:
        return f"its vector store answers wrongly: {last}"
    status = f"its vector store ended the process that loaded it with status {child.returncode}"
    return status + (f": {last[:300]}" if last else "")


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _store_key(chroma_dir: Path, collections: Sequence[str]) -> dict[str, Any] | None:
    """What the verdict depends on; None when the store holds nothing but its SQLite database
    (or does not exist): then there are no vector files for the native loader to read."""
    files: dict[str, list[int]] = {}
    if chroma_dir.is_dir():
        for path in sorted(chroma_dir.rglob("*")):
            if path.parent == chroma_dir and path.name.startswith("chroma.sqlite3"):
                continue
            with contextlib.suppress(OSError):
                if path.is_file():
                    stat = path.stat()
                    files[path.relative_to(chroma_dir).as_posix()] = [
                        stat.st_size,
                        stat.st_mtime_ns,
                    ]
    if not files:
        return None
    return {"chromadb": _chromadb_version(), "collections": list(collections), "files": files}


def _chromadb_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("chromadb")
    except PackageNotFoundError:
        return "unknown"


def _already_open_here(chroma_dir: Path) -> bool:
    """This process already holds the store open (Chroma keeps one client system per path), so
    it was loaded here before and is served from that open instance."""
    module = sys.modules.get("chromadb.api.shared_system_client")  # not imported: none open
    systems = getattr(getattr(module, "SharedSystemClient", None), "_identifier_to_system", None)
    return isinstance(systems, dict) and str(chroma_dir) in systems


def _cached(verdict_file: Path) -> Any:
    try:
        saved = json.loads(verdict_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return saved.get("sound") if isinstance(saved, dict) else None


def _save(verdict_file: Path, key: dict[str, Any]) -> None:
    """Write the sound verdict atomically (a reader sees the old file or the new one)."""
    try:
        write_atomic(verdict_file, json.dumps({"sound": key}).encode())
    except OSError as exc:  # read-only index directory etc.: probe again next time
        log.warning("could not record the vector store check in %s: %s", verdict_file, exc)
