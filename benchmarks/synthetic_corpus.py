"""Synthetic abstract-like records for scale tests (fixed seed, nothing real in them).

Every record looks like a structured PubMed abstract of a nephrology/rheumatology study:
BACKGROUND / METHODS / RESULTS / CONCLUSIONS, 13 sentences and ~200 words, with
consistent numbers (k/n and percentages agree), a design, authors, journal, year, a synthetic
PMID (90 000 000 + i, outside the range PubMed has assigned) and a DOI under `10.99999/`.

Record i depends only on (seed, i, variant), so the first 10k records of a 100k corpus are the
10k corpus, and `variant=1` gives every record a changed text (to test updates).

    python benchmarks/synthetic_corpus.py --n 1000 --format xml --out /tmp/synth   # files
    python benchmarks/synthetic_corpus.py --n 3 --format print                      # look at it
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assistant.ingest import study_design  # noqa: E402
from assistant.types import Document  # noqa: E402

SEED = 20240601
PMID_BASE = 90_000_000

DRUGS = [
    "tacrolimus", "mycophenolate mofetil", "intravenous cyclophosphamide", "rituximab",
    "belimumab", "voclosporin", "obinutuzumab", "azathioprine", "hydroxychloroquine",
    "anifrolumab", "cyclosporine", "leflunomide", "sparsentan", "dapagliflozin", "finerenone",
    "budesonide", "avacopan", "losartan", "empagliflozin", "abatacept",
]  # fmt: skip
CONDITIONS = [
    ("lupus nephritis", "complete renal response"),
    ("class V lupus nephritis", "partial or complete remission"),
    ("IgA nephropathy", "a 30% reduction in proteinuria"),
    ("primary membranous nephropathy", "complete or partial remission"),
    ("ANCA-associated vasculitis", "sustained remission"),
    ("focal segmental glomerulosclerosis", "partial remission of proteinuria"),
    ("diabetic kidney disease", "a 40% decline in eGFR"),
    ("minimal change disease", "relapse-free remission"),
    ("systemic lupus erythematosus", "an SRI-4 response"),
    ("chronic kidney disease", "kidney failure or death"),
]
SECONDARY = [
    "serum albumin", "eGFR slope", "urine protein-to-creatinine ratio", "SLEDAI-2K score",
    "anti-dsDNA titres", "complement C3 levels", "haematuria", "health-related quality of life",
]  # fmt: skip
ADVERSE = [
    "infections", "herpes zoster", "leukopenia", "hyperglycaemia", "tremor", "diarrhoea",
    "hypertension", "elevated liver enzymes", "hair loss", "infusion reactions",
]  # fmt: skip
COUNTRIES = [
    "China", "the United States", "Japan", "Germany", "Brazil", "India", "France", "Mexico",
    "Korea", "Italy", "Spain", "the United Kingdom", "Canada", "Australia", "Argentina",
]  # fmt: skip
JOURNALS = [
    ("Journal of Synthetic Nephrology", "J Synth Nephrol"),
    ("Synthetic Kidney International", "Synth Kidney Int"),
    ("Annals of Synthetic Rheumatology", "Ann Synth Rheum"),
    ("Synthetic Clinical Trials Reports", "Synth Clin Trials Rep"),
    ("Synthetic Lupus Science", "Synth Lupus Sci"),
]
SURNAMES = [
    "Li", "Wang", "Zhang", "Liu", "Chen", "Smith", "Garcia", "Müller", "Rossi", "Tanaka",
    "Kim", "Patel", "Silva", "Dubois", "Novak", "Kowalski", "Okafor", "Haddad", "Larsen",
    "Nguyen", "Ivanova", "Cohen", "Fischer", "Moreau", "Santos", "O'Brien", "Yamamoto",
]  # fmt: skip
DESIGNS = [
    (["Randomized Controlled Trial", "Journal Article", "Multicenter Study"], 0.45),
    (["Clinical Trial, Phase III", "Randomized Controlled Trial", "Journal Article"], 0.15),
    (["Clinical Trial, Phase II", "Journal Article"], 0.1),
    (["Observational Study", "Journal Article"], 0.15),
    (["Meta-Analysis", "Systematic Review", "Journal Article"], 0.1),
    (["Practice Guideline", "Journal Article"], 0.05),
]


def _pct(k: int, n: int) -> str:
    return f"{100 * k / n:.1f}%"


def record(i: int, seed: int = SEED, variant: int = 0) -> dict[str, object]:
    """The fields of synthetic record i (PubMed-like field names)."""
    rng = random.Random(seed * 1_000_003 + i)
    drug, comparator = rng.sample(DRUGS, 2)
    condition, outcome = rng.choice(CONDITIONS)
    types = rng.choices([d for d, _ in DESIGNS], weights=[w for _, w in DESIGNS])[0]
    n = rng.randrange(40, 900, 2)
    arm = n // 2
    k1 = rng.randrange(int(arm * 0.2), int(arm * 0.8))
    k2 = max(1, min(arm - 1, k1 - rng.randrange(-5, max(6, arm // 5))))
    weeks = rng.choice([12, 24, 26, 48, 52, 72, 104])
    centres = rng.randrange(3, 80)
    country = rng.choice(COUNTRIES)
    second = rng.choice(SECONDARY)
    ae1, ae2 = rng.sample(ADVERSE, 2)
    sae1, sae2 = rng.randrange(1, arm // 4 + 2), rng.randrange(1, arm // 4 + 2)
    diff = 100 * (k1 - k2) / arm
    low, high = diff - rng.uniform(4, 12), diff + rng.uniform(4, 12)
    p_value = rng.choice(["P < .001", "P = .002", "P = .01", "P = .03", "P = .21", "P = .48"])
    age = rng.randrange(28, 62)
    women = rng.randrange(55, 93)
    change = f"{rng.uniform(0.3, 2.5):.2f}"
    year = rng.randrange(1998, 2025)
    if variant:  # an updated record: corrected counts and one extra sentence
        k1 = min(arm - 1, k1 + 1 + (i + variant) % 3)
    design = "Randomised" if "Randomized Controlled Trial" in types else "Multicentre"
    abstract = [
        (
            "BACKGROUND",
            f"Treatment of {condition} remains unsatisfactory for many patients. "
            f"Relapses and treatment toxicity contribute to progressive organ damage. "
            f"Whether {drug} is superior to {comparator} for {outcome} is uncertain.",
        ),
        (
            "METHODS",
            f"{design} study at {centres} centres in {country} in which {n} adults with "
            f"{condition} received {drug} or {comparator} for {weeks} weeks. "
            f"The mean age was {age} years and {women}% were women. "
            f"The primary end point was {outcome} at week {weeks}.",
        ),
        (
            "RESULTS",
            f"{outcome.capitalize()} occurred in {k1} of {arm} patients ({_pct(k1, arm)}) in the "
            f"{drug} group and in {k2} of {arm} patients ({_pct(k2, arm)}) in the {comparator} "
            f"group (difference, {diff:.1f} percentage points; 95% CI, {low:.1f} to {high:.1f}; "
            f"{p_value}). "
            f"The change in {second} from baseline was {change} units greater with {drug}. "
            f"Serious adverse events occurred in {sae1} and {sae2} patients, respectively. "
            f"The most common adverse events were {ae1} and {ae2}. "
            f"{rng.randrange(2, arm // 6 + 3)} and {rng.randrange(2, arm // 6 + 3)} patients "
            "withdrew before the end of treatment.",
        ),
        (
            "CONCLUSIONS",
            f"In adults with {condition}, {drug} "
            + ("led to" if k1 > k2 else "did not lead to")
            + f" more frequent {outcome} than {comparator} over {weeks} weeks. "
            "Longer follow-up is needed to assess kidney survival.",
        ),
    ]
    if variant:
        abstract.append(("NOTE", f"Counts were corrected in revision {variant}."))
    authors = [
        f"{rng.choice(SURNAMES)} {''.join(rng.choice('ABCDEFGHJKLMNPRSTWXYZ') for _ in range(2))}"
        for _ in range(rng.randrange(2, 9))
    ]
    journal, abbrev = rng.choice(JOURNALS)
    title = (
        f"{drug.capitalize()} versus {comparator} for {condition}: "
        + {
            True: "a randomized controlled trial",
            False: "a multicentre study",
        }["Randomized Controlled Trial" in types]
    )
    return {
        "pmid": str(PMID_BASE + i),
        "title": title,
        "abstract": abstract,
        "authors": authors,
        "journal": journal,
        "journal_abbrev": abbrev,
        "year": year,
        "doi": f"10.99999/synth.{year}.{i:06d}",
        "publication_types": types,
    }


def make_documents(
    n: int, seed: int = SEED, variant: int = 0, start: int = 0
) -> Iterator[Document]:
    """Documents shaped exactly as the PubMed readers would produce them."""
    for i in range(start, start + n):
        r = record(i, seed, variant)
        design, kind = study_design(r["publication_types"])  # type: ignore[arg-type]
        authors = tuple(r["authors"])  # type: ignore[arg-type]
        text = "\n\n".join(f"{label}: {body}" for label, body in r["abstract"])  # type: ignore[attr-defined]
        yield Document(
            id=f"pmid{r['pmid']}",
            title=str(r["title"]),
            kind=kind,
            citation=f"{authors[0]}, et al. {r['title']}. {r['journal_abbrev']}. {r['year']}. "
            f"PMID: {r['pmid']}.",
            text=text,
            year=int(r["year"]),  # type: ignore[call-overload]
            pmid=str(r["pmid"]),
            doi=str(r["doi"]),
            authors=authors,
            journal=str(r["journal"]),
            design=design,
            extra={"source_format": "synthetic"},
        )


def pubmed_xml(records: list[dict[str, object]]) -> str:
    """A PubMed efetch-style `PubmedArticleSet` holding the records."""
    out = [
        '<?xml version="1.0" ?>',
        '<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
        '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">',
        "<PubmedArticleSet>",
    ]
    for r in records:
        authors = "".join(
            f"<Author><LastName>{escape(a.rsplit(' ', 1)[0])}</LastName>"
            f"<Initials>{escape(a.rsplit(' ', 1)[1])}</Initials></Author>"
            for a in r["authors"]  # type: ignore[attr-defined]
        )
        abstract = "".join(
            f'<AbstractText Label="{label}">{escape(body)}</AbstractText>'
            for label, body in r["abstract"]  # type: ignore[attr-defined]
        )
        types = "".join(
            f"<PublicationType>{escape(t)}</PublicationType>"
            for t in r["publication_types"]  # type: ignore[attr-defined]
        )
        out.append(
            f"<PubmedArticle><MedlineCitation><PMID>{r['pmid']}</PMID><Article>"
            f"<Journal><JournalIssue><PubDate><Year>{r['year']}</Year></PubDate></JournalIssue>"
            f"<Title>{escape(str(r['journal']))}</Title>"
            f"<ISOAbbreviation>{escape(str(r['journal_abbrev']))}</ISOAbbreviation></Journal>"
            f"<ArticleTitle>{escape(str(r['title']))}</ArticleTitle>"
            f'<ELocationID EIdType="doi">{r["doi"]}</ELocationID>'
            f"<Abstract>{abstract}</Abstract><AuthorList>{authors}</AuthorList>"
            f"<PublicationTypeList>{types}</PublicationTypeList></Article></MedlineCitation>"
            f"</PubmedArticle>"
        )
    out.append("</PubmedArticleSet>")
    return "\n".join(out)


def medline(records: list[dict[str, object]]) -> str:
    """The same records in MEDLINE / .nbib format."""
    chunks = []
    for r in records:
        ab = " ".join(f"{label}: {body}" for label, body in r["abstract"])  # type: ignore[attr-defined]
        lines = [f"PMID- {r['pmid']}", f"DP  - {r['year']}", f"TI  - {r['title']}", f"AB  - {ab}"]
        lines += [f"AU  - {a}" for a in r["authors"]]  # type: ignore[attr-defined]
        lines += [f"LID - {r['doi']} [doi]"]
        lines += [f"PT  - {t}" for t in r["publication_types"]]  # type: ignore[attr-defined]
        lines += [f"TA  - {r['journal_abbrev']}", f"JT  - {r['journal']}"]
        chunks.append("\n".join(lines))
    return "\n\n".join(chunks) + "\n"


def write_files(
    out: Path, n: int, fmt: str = "xml", per_file: int = 500, seed: int = SEED, variant: int = 0
) -> list[Path]:
    """Write n records as PubMed XML or MEDLINE files of `per_file` records each."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for start in range(0, n, per_file):
        records = [record(i, seed, variant) for i in range(start, min(n, start + per_file))]
        suffix = ".xml" if fmt == "xml" else ".nbib"
        path = out / f"synthetic-{start // per_file:05d}{suffix}"
        path.write_text(pubmed_xml(records) if fmt == "xml" else medline(records), "utf-8")
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--variant", type=int, default=0)
    parser.add_argument("--format", choices=["xml", "nbib", "print"], default="print")
    parser.add_argument("--per-file", type=int, default=500)
    parser.add_argument("--out", type=Path, default=Path("synthetic-corpus"))
    args = parser.parse_args(argv)
    if args.format == "print":
        for doc in make_documents(args.n, args.seed, args.variant):
            print(f"# {doc.id} | {doc.design} | {doc.citation}\n{doc.text}\n")
        return 0
    paths = write_files(args.out, args.n, args.format, args.per_file, args.seed, args.variant)
    print(f"wrote {args.n} records in {len(paths)} files under {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
