"""Chroma server mode: the same index, retrieval and answers against a real `chroma run` server.

A session fixture starts `chroma run --path <tmp> --host 127.0.0.1 --port <free port>` (the CLI
that ships with the chromadb package), waits for its heartbeat and terminates it at the end.
Every test uses its own collection name, so tests do not see each other's data.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from process_helpers import free_port, stop

from assistant import EvidenceAssistant, Settings
from assistant.embeddings import TextEmbedder
from assistant.index import EvidenceIndex, IndexError_, drop_index
from assistant.ingest import corpus_files, load_corpus

pytestmark = pytest.mark.server

PROJECT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "pubmed"
QUESTIONS = [
    "What was the complete or partial response rate with tacrolimus?",
    "How many patients were randomised?",
    "What were the eligibility criteria?",
    "How was the steroid dose tapered?",
    "Which adverse events were more common with cyclophosphamide?",
    "What did the KDIGO guideline recommend for induction?",
    "What is the capital of France?",
]


def _chroma_cli() -> str:
    beside_python = Path(sys.executable).parent / "chroma"
    found = str(beside_python) if beside_python.exists() else shutil.which("chroma")
    assert found, "the `chroma` CLI (shipped with the chromadb package) is not installed"
    return found


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """A real Chroma server on 127.0.0.1 with a throw-away data directory."""
    data = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    log = (data / "server.log").open("wb")
    command = [_chroma_cli(), "run", "--path", str(data / "db"), "--host", "127.0.0.1"]
    proc = subprocess.Popen(
        [*command, "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, cwd=data,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                url = f"http://127.0.0.1:{port}/api/v2/heartbeat"
                with urllib.request.urlopen(url, timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail(
                    "chroma run did not start:\n" + (data / "server.log").read_text()[-3000:]
                )
            time.sleep(0.2)
        yield "127.0.0.1", port
    finally:
        stop(proc)
        log.close()


def _server_settings(server: tuple[str, int], tmp_path: Path, **overrides: object) -> Settings:
    host, port = server
    return Settings.from_env(
        chroma_host=host,
        chroma_port=port,
        collection=f"t-{uuid.uuid4().hex[:12]}",
        index_dir=tmp_path / "local-cache",  # server mode keeps only the BM25 cache locally
        **overrides,
    )


@pytest.fixture(scope="module")
def server_bot(
    chroma_server: tuple[str, int], tmp_path_factory: pytest.TempPathFactory, embedder: TextEmbedder
) -> EvidenceAssistant:
    settings = _server_settings(chroma_server, tmp_path_factory.mktemp("server-bot"))
    return EvidenceAssistant(settings, index=EvidenceIndex(settings, embedder=embedder))


def _comparable(answer: dict) -> dict:
    return {k: v for k, v in answer.items() if k != "timings_ms"}


def test_server_mode_builds_the_index_in_the_server_not_on_disk(
    server_bot: EvidenceAssistant,
) -> None:
    settings = server_bot.settings
    assert settings.server_mode
    assert not (settings.index_dir / "chroma").exists()  # nothing embedded locally
    assert type(server_bot.index.client).__name__ != "PersistentClient"
    assert server_bot.last_sync is not None and server_bot.last_sync.added
    assert "zheng2022-interview" in server_bot.index.documents()
    assert server_bot.index.count() == len(server_bot.index.passages())


def test_server_answers_exactly_like_the_embedded_store(
    server_bot: EvidenceAssistant, bot: EvidenceAssistant
) -> None:
    for question in QUESTIONS:
        served = server_bot.ask(question).to_dict()
        local = bot.ask(question).to_dict()
        assert _comparable(served) == _comparable(local), question
        assert served["ungrounded_numbers"] == []
    answer = server_bot.ask(QUESTIONS[0]).to_dict()
    assert answer["status"] == "answered"
    assert any("117/141" in c["quote"] for c in answer["citations"])


def test_server_retrieval_matches_the_embedded_store(
    server_bot: EvidenceAssistant, bot: EvidenceAssistant
) -> None:
    from test_retrieval import ARTICLE_QUESTIONS

    for question, _fragment in ARTICLE_QUESTIONS:
        served = [p.id for p in server_bot.search.search(question, 5).passages]
        local = [p.id for p in bot.search.search(question, 5).passages]
        assert served == local, question


def test_reingest_against_the_server_is_idempotent_from_a_new_client(
    server_bot: EvidenceAssistant, embedder: TextEmbedder
) -> None:
    fresh = EvidenceAssistant(
        server_bot.settings, index=EvidenceIndex(server_bot.settings, embedder=embedder)
    )
    assert fresh.last_sync is not None
    assert fresh.last_sync.embedded == 0 and not fresh.last_sync.changed
    assert fresh.index.indexed_hashes() == server_bot.index.indexed_hashes()


def test_updates_and_removals_on_the_server_leave_no_stale_passages(
    chroma_server: tuple[str, int], tmp_path: Path, embedder: TextEmbedder
) -> None:
    from test_ingest_robust import _assert_clean

    settings = _server_settings(chroma_server, tmp_path)
    index = EvidenceIndex(settings, embedder=embedder)
    docs, _ = load_corpus(sorted(FIXTURES.iterdir()))
    assert len(index.sync(docs).added) == 4
    changed = type(docs[0])(**{**docs[0].__dict__, "text": docs[0].text + "\n\nOne more."})
    report = index.sync([changed, *docs[1:3]])
    assert report.updated == [changed.id] and report.removed == [docs[3].id]
    _assert_clean(index)
    last = index.documents()[changed.id]["passages"] - 1
    assert index.passages()[f"{changed.id}#s{last}"].text == "One more."
    # A second process's view: a new client on the same collection sees the same state.
    other = EvidenceIndex(settings, embedder=embedder)
    assert other.indexed_hashes() == index.indexed_hashes()
    assert set(other.passages()) == set(index.passages())
    drop_index(settings)
    names = {getattr(c, "name", c) for c in index.client.list_collections()}
    assert settings.collection not in names and f"{settings.collection}-documents" not in names


def test_an_unreachable_server_gives_a_clear_message(
    tmp_path: Path, embedder: TextEmbedder
) -> None:
    settings = Settings.from_env(
        chroma_host="127.0.0.1", chroma_port=free_port(), index_dir=tmp_path
    )
    with pytest.raises(IndexError_) as exc:
        EvidenceIndex(settings, embedder=embedder)
    message = str(exc.value)
    assert f"Chroma server at 127.0.0.1:{settings.chroma_port}" in message
    assert "chroma run" in message


def test_cli_ingest_and_ask_use_chroma_host_and_port(
    chroma_server: tuple[str, int], tmp_path: Path
) -> None:
    host, port = chroma_server
    env = {
        **os.environ,
        "CHROMA_HOST": host,
        "CHROMA_PORT": str(port),
        "EA_COLLECTION": f"cli-{uuid.uuid4().hex[:8]}",
        "EA_INDEX_DIR": str(tmp_path / "cache"),
        "EA_CORPUS_DIR": str(PROJECT / "corpus"),
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "assistant", *args],
            cwd=PROJECT, env=env, capture_output=True, text=True, timeout=900, check=False,
        )  # fmt: skip

    built = run("ingest")
    assert built.returncode == 0, built.stderr[-2000:]
    assert "added" in built.stdout
    again = run("ingest")
    assert "no embedding work done" in again.stdout
    asked = run("ask", "--json", QUESTIONS[0])
    assert asked.returncode == 0, asked.stderr[-2000:]
    data = json.loads(asked.stdout)
    assert data["status"] == "answered" and data["ungrounded_numbers"] == []
    assert not (tmp_path / "cache" / "chroma").exists()
    bundled, _ = load_corpus(corpus_files(PROJECT / "corpus"))
    index = EvidenceIndex(
        Settings.from_env(
            chroma_host=host, chroma_port=port, collection=env["EA_COLLECTION"], index_dir=tmp_path
        )
    )
    assert set(index.documents()) == {d.id for d in bundled}
