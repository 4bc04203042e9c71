"""Load benchmark for the chat: N concurrent users x M questions through `gradio_client`.

Each simulated user opens its own session (its own chat history, so follow-ups are real
follow-ups) and asks its questions one after another through the same endpoint the page
uses (`/chat`: answer, sources, calculations and figure are all rendered), or through the
plain `/ask` API. Reports errors (goal: 0) and latency p50/p95/max per question.

    python app.py &                                   # a running app (or use --spawn)
    python benchmarks/load_test.py --url http://127.0.0.1:7860/ --users 20 --questions 10
    python benchmarks/load_test.py --spawn            # starts app.py on a free port with a
                                                      # throw-away index and corpus copy
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
QUESTIONS = (
    "What was the complete or partial response rate with tacrolimus and with IVCY?",
    "What was the difference in complete or partial response rate between the tacrolimus group "
    "and the IVCY group?",
    "and with cyclophosphamide?",
    "What was the complete remission rate with tacrolimus?",
    "Which patients were eligible for the tacrolimus versus IVCY trial?",
    "What adverse events were reported with tacrolimus?",
    "What are the limitations of the trial?",
    "What does the KDIGO guideline say about initial therapy for lupus nephritis?",
    "What is the capital of France?",
    "How does response with calcineurin inhibitors compare with IVCY across trials?",
)
OK_STATUSES = {"answered", "no_evidence", "invalid_input"}


@dataclass
class UserResult:
    latencies_s: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)


def check(endpoint: str, result: Any) -> str:
    """The answer's status; raises if the app answered with an error."""
    if endpoint == "/ask":
        status = str(result.get("status"))
        if status not in OK_STATUSES:
            raise RuntimeError(f"status {status!r}")
        return status
    status_line = str(result[-1])
    if status_line.startswith("Error") or not result[0]:
        raise RuntimeError(f"page shows an error: {status_line!r}")
    return status_line.split(" ")[0]  # "Answered", "No", "Not"


def run_user(url: str, endpoint: str, questions: list[str]) -> UserResult:
    from gradio_client import Client

    outcome = UserResult()
    try:
        client = Client(url, verbose=False, analytics_enabled=False, download_files=False)
    except Exception as exc:
        outcome.errors.append(f"connect: {type(exc).__name__}: {exc}")
        return outcome
    for question in questions:
        started = time.perf_counter()
        try:
            status = check(endpoint, client.predict(question, api_name=endpoint))
            outcome.statuses[status] = outcome.statuses.get(status, 0) + 1
        except Exception as exc:
            outcome.errors.append(f"{question[:40]!r}: {type(exc).__name__}: {exc}")
        outcome.latencies_s.append(time.perf_counter() - started)
    return outcome


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summarise(results: list[UserResult], wall_s: float, args: argparse.Namespace) -> dict[str, Any]:
    latencies = [x for r in results for x in r.latencies_s]
    statuses: dict[str, int] = {}
    for r in results:
        for key, n in r.statuses.items():
            statuses[key] = statuses.get(key, 0) + n
    errors = [e for r in results for e in r.errors]
    return {
        "endpoint": args.endpoint,
        "users": args.users,
        "questions_per_user": args.questions,
        "requests": len(latencies),
        "errors": len(errors),
        "error_samples": errors[:5],
        "statuses": statuses,
        "p50_s": round(percentile(latencies, 50), 3),
        "p95_s": round(percentile(latencies, 95), 3),
        "max_s": round(max(latencies, default=float("nan")), 3),
        "mean_s": round(statistics.fmean(latencies), 3) if latencies else None,
        "wall_s": round(wall_s, 2),
        "throughput_per_s": round(len(latencies) / wall_s, 2) if wall_s else None,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def spawned_app(timeout_s: float = 300) -> Iterator[str]:
    """`python app.py` on a free port with a throw-away index and a copy of corpus/."""
    with tempfile.TemporaryDirectory(prefix="ea-load-") as tmp:
        corpus = Path(tmp) / "corpus"
        shutil.copytree(PROJECT / "corpus", corpus, ignore=shutil.ignore_patterns("uploads"))
        port = free_port()
        env = {**os.environ, "EA_CORPUS_DIR": str(corpus), "EA_INDEX_DIR": str(Path(tmp) / "index"),
               "GRADIO_SERVER_PORT": str(port), "GRADIO_SERVER_NAME": "127.0.0.1"}  # fmt: skip
        log = (Path(tmp) / "app.log").open("wb")
        process = subprocess.Popen([sys.executable, "app.py"], cwd=PROJECT, env=env,
                                   stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
        url = f"http://127.0.0.1:{port}/"
        try:
            wait_for(url, process, timeout_s)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=15)
            log.close()


def wait_for(url: str, process: subprocess.Popen[bytes], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"app.py exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"app did not come up on {url} within {timeout_s:.0f} s")


def run(url: str, args: argparse.Namespace) -> dict[str, Any]:
    plan = [[QUESTIONS[(u + i) % len(QUESTIONS)] for i in range(args.questions)]
            for u in range(args.users)]  # fmt: skip
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.users) as pool:
        results = list(pool.map(lambda qs: run_user(url, args.endpoint, qs), plan))
    return summarise(results, time.perf_counter() - started, args)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--url", default=f"http://127.0.0.1:{os.environ.get('GRADIO_SERVER_PORT', '7860')}/"
    )
    parser.add_argument("--spawn", action="store_true", help="start app.py for the run")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--questions", type=int, default=10, help="questions per user")
    parser.add_argument("--endpoint", choices=["/chat", "/ask"], default="/chat")
    parser.add_argument("--json", type=Path, help="also write the summary here")
    args = parser.parse_args(argv)
    if args.spawn:
        with spawned_app() as url:
            summary = run(url, args)
    else:
        summary = run(args.url, args)
    print(json.dumps(summary, indent=2))
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return 0 if summary["errors"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
