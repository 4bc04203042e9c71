"""The second-field benchmark (PubMedQA abstracts) runs end to end, and its own number check
can fail: a planted invented number is flagged."""

from __future__ import annotations

import importlib.util
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
DATA = PROJECT.parent / "shared" / "pubmedqa"


def _load():
    spec = importlib.util.spec_from_file_location(
        "second_field", PROJECT / "benchmarks" / "second_field.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["second_field"] = module
    spec.loader.exec_module(module)
    return module


sf = _load()
needs_data = pytest.mark.skipif(
    not (DATA / "abstracts.jsonl").exists(), reason="../shared/pubmedqa is not present"
)


def test_independent_checker_flags_a_planted_number() -> None:
    bib = {"pmid123": ["123", "2011"]}
    answer = {
        "answer": "According to Abstract 2011: mortality fell to 83.0% [1]. It was 97.3% [1, 2].",
        "citations": [{"id": "pmid123#s4", "document": "pmid123", "title": "t",
                       "quote": "Mortality fell to 83% (117/141)."}],
        "tool_calls": [],
    }  # fmt: skip
    assert sf.ungrounded_numbers(answer, bib) == ["97.3"]  # 83.0% = 83%; [1, 2] and 2011 ok
    answer["tool_calls"] = [{"name": "x", "inputs": {}, "output": {"rate": 97.3}, "text": ""}]
    assert sf.ungrounded_numbers(answer, bib) == []
    assert sf.ungrounded_numbers({"answer": "12 of 40 patients", "citations": []}, bib) == [
        "12",
        "40",
    ]


def test_conclusion_and_pmid_matching() -> None:
    conclusion = "Closed reduction works. It is cheap."
    assert sf.in_conclusion("CONCLUSIONS: Closed reduction works.", conclusion)
    assert sf.in_conclusion("It is  cheap.", conclusion)
    assert not sf.in_conclusion("RESULTS: Closed reduction failed.", conclusion)
    assert sf.pmid_of("pmid21645374") == "21645374" and sf.pmid_of("zheng2022") is None


@needs_data
def test_export_is_pubmed_xml_with_labelled_sections(tmp_path: Path) -> None:
    abstracts, _ = sf.load_data(DATA)
    path = tmp_path / "export.xml"
    assert sf.write_pubmed_xml(abstracts[:3], path) == 3
    article = ET.parse(path).getroot().find("PubmedArticle/MedlineCitation")
    assert article is not None and article.findtext("PMID") == abstracts[0]["pmid"]
    labels = [e.get("Label") for e in article.findall("Article/Abstract/AbstractText")]
    assert labels[-1] == "CONCLUSIONS" and len(labels) == len(abstracts[0]["sections"]) + 1
    assert article.findtext("Article/ArticleTitle", "").startswith("Abstract on ")
    assert article.find("MeshHeadingList/MeshHeading/DescriptorName") is not None


@pytest.mark.slow
@needs_data
def test_benchmark_runs_on_a_small_sample(tmp_path: Path) -> None:
    report = sf.run(DATA, tmp_path, limit=10, n_abstracts=15)
    assert report["questions"] == 10 and report["abstracts"] == 15
    a = report["assistant"]
    for key in ("answered_rate", "own_abstract_citation_rate", "conclusion_quoted_rate"):
        assert 0.0 <= a[key] <= 1.0
    assert isinstance(a["ungrounded_numbers"], int)
    assert 0 < a["latency_ms"]["p50"] <= a["latency_ms"]["p95"]
    assert [b["name"] for b in report["baselines"]] == ["dense MiniLM top-5", "bm25s top-5"]
    for b in report["baselines"]:
        assert 0.0 <= b["own_abstract_hit_rate"] <= 1.0 and 0.0 <= b["conclusion_hit_rate"] <= 1.0
    assert len(report["rows"]) == 10 and {"status", "cited_documents"} <= set(report["rows"][0])
    assert "assistant (ask)" in sf.format_table(report)
