"""The scale benchmark still runs end to end (on a tiny corpus; its figures are not checked)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

PROJECT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_scale_benchmark_measures_both_systems_on_a_tiny_corpus(tmp_path: Path) -> None:
    report = tmp_path / "scale.json"
    env = {k: v for k, v in os.environ.items() if k not in ("CHROMA_HOST", "CHROMA_PORT")}
    run = subprocess.run(
        [sys.executable, "benchmarks/scale.py", "--sizes", "25", "--queries", "12",
         "--workdir", str(tmp_path / "work"), "--json", str(report)],
        cwd=PROJECT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    (result,) = json.loads(report.read_text())["results"]
    ours, baseline = result["ours"], result["baseline"]
    assert ours["passages"] == baseline["passages"] > 25  # the same sentence passages in both
    for system in (ours, baseline):
        assert system["abstracts_per_s"] > 0 and system["disk_mb"] > 0
        assert system["memory"]["peak_mb"] >= system["memory"]["start_mb"] > 0
        assert 0 < system["search"]["p50_ms"] <= system["search"]["p95_ms"]
    assert ours["ask"]["p50_ms"] > 0
    assert "error" not in ours["open_no_cache"] and "error" not in baseline["open"]
    assert "| 25 | ours |" in run.stdout and "| 25 | baseline |" in run.stdout


REAL_EXPORTS = PROJECT.parent / "shared" / "real-exports"


def run_benchmark(script: str, tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], Any]:
    """Run a benchmark script that writes its report with `--json`; its output and report."""
    report = tmp_path / "report.json"
    run = subprocess.run(
        [sys.executable, f"benchmarks/{script}", "--json", str(report)],
        cwd=PROJECT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    return run, json.loads(report.read_text())


@pytest.mark.skipif(not REAL_EXPORTS.is_dir(), reason=f"no real exports at {REAL_EXPORTS}")
def test_real_exports_benchmark_reports_every_file_and_keeps_superscripts(tmp_path: Path) -> None:
    run, data = run_benchmark("real_exports.py", tmp_path)
    assert len(data["files"]) >= 10
    for row in data["files"]:  # read, or a reason given: nothing skipped in silence
        assert row["documents"] > 0 or row["notes"], row
    assert data["superscripts_kept"] >= data["superscripts_in_files"] > 0
    assert data["flattened_powers"] == []
    assert f"| {data['files'][0]['file']} |" in run.stdout


PUBMEDQA = PROJECT.parent / "shared" / "pubmedqa"


@pytest.mark.skipif(
    not (REAL_EXPORTS.is_dir() and PUBMEDQA.is_dir()), reason="no real exports or PubMedQA"
)
def test_our_sentence_splitter_makes_fewer_errors_than_pysbd_and_syntok(tmp_path: Path) -> None:
    rows = run_benchmark("sentence_split.py", tmp_path)[1]["splitters"]
    assert set(rows) == {"ours", "pysbd", "syntok"}
    assert rows["ours"]["random_sample"]["sentences"] == 251

    def errors(row: dict, part: str) -> int:
        return int(row[part]["missed"] + row[part]["false_breaks"])

    for other in ("pysbd", "syntok"):  # the splitter we keep is the one that errs least
        for part in ("random_sample", "disagreements"):
            assert errors(rows["ours"], part) <= errors(rows[other], part), (other, part)
    assert errors(rows["ours"], "disagreements") < errors(rows["pysbd"], "disagreements")
