"""The chat page in a real headless Chromium: ask, read citations, open sources, see plots,
follow up, hit the edges (no evidence, too long, HTML in the question) and upload abstracts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from browser_helpers import BOT, USER, RunningApp, ask, shot
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

TRIAL_QUESTION = "What was the complete or partial response rate with tacrolimus and with IVCY?"
COMPARISON_QUESTION = (
    "What was the difference in complete or partial response rate between the tacrolimus group "
    "and the IVCY group?"
)


def synthetic_abstract(drug: str, trial: str, responders: int) -> tuple[str, str]:
    """Title and abstract of a made-up study (unique drug names, so answers can only cite it)."""
    title = f"{drug.capitalize()} for refractory lupus nephritis (synthetic browser-test record)"
    abstract = (
        "This synthetic record exists only to test uploads and is not a real study. In the "
        f"{trial} pilot, 40 adults with refractory lupus nephritis received {drug} for 52 weeks. "
        f"Complete renal response with {drug} was reached by {responders} of 40 patients "
        "at week 52."
    )
    return title, abstract


def pubmed_xml(pmid: str, title: str, abstract: str) -> str:
    """A one-article PubMed XML export (the shape efetch returns)."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2024//EN" "">
<PubmedArticleSet><PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM">
<PMID Version="1">{pmid}</PMID>
<Article PubModel="Print"><Journal><ISSN IssnType="Print">0000-0000</ISSN>
<JournalIssue CitedMedium="Print"><Volume>1</Volume><Issue>1</Issue>
<PubDate><Year>2024</Year></PubDate></JournalIssue>
<Title>Journal of Synthetic Test Records</Title></Journal>
<ArticleTitle>{title}</ArticleTitle>
<Abstract><AbstractText>{abstract}</AbstractText></Abstract>
<AuthorList CompleteYN="Y"><Author ValidYN="Y"><LastName>Tester</LastName><ForeName>Ada</ForeName>
<Initials>A</Initials></Author></AuthorList>
<PublicationTypeList><PublicationType UI="D016428">Journal Article</PublicationType>
</PublicationTypeList></Article></MedlineCitation>
<PubmedData><ArticleIdList><ArticleId IdType="pubmed">{pmid}</ArticleId>
<ArticleId IdType="doi">10.99999/synthetic.{pmid}</ArticleId></ArticleIdList></PubmedData>
</PubmedArticle></PubmedArticleSet>
"""


def medline(records: list[tuple[str, str, str]]) -> str:
    """A MEDLINE (.nbib) export holding one record per (pmid, title, abstract)."""
    return "\n".join(
        f"PMID- {pmid}\nTI  - {title}\nAB  - {abstract}\nFAU - Tester, Ada\nAU  - Tester A\n"
        f"DP  - 2023 Jan\nJT  - Journal of Synthetic Test Records\n"
        for pmid, title, abstract in records
    )


def open_tab(page: Any, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def test_page_renders_offline_with_disclaimer_examples_and_evidence_base(page: Any) -> None:
    expect(page.locator("#ea-disclaimer")).to_have_text("Research tool — not medical advice.")
    expect(page.get_by_role("button", name="Clear chat")).to_be_visible()
    expect(page.get_by_text("What are the limitations of the trial?")).to_be_visible()
    open_tab(page, "Evidence base")
    summary = page.locator("#ea-evidence-summary")
    expect(summary).to_contain_text("documents")
    expect(summary).to_contain_text("passages")
    expect(page.locator("#ea-evidence table tr")).not_to_have_count(1)  # header + documents
    expect(page.locator("#ea-evidence")).to_contain_text("Zheng interview 2022")
    shot(page, "page_loaded")


def test_trial_question_answer_citation_and_highlighted_source(page: Any) -> None:
    answer = ask(page, TRIAL_QUESTION)
    expect(answer).to_contain_text("[1]")
    expect(answer).to_contain_text("83")
    expect(page.locator("#ea-status")).to_contain_text("Answered from")
    source = page.locator("#ea-source-1")
    expect(source).to_contain_text("[1]")
    quote = source.locator("mark.ea-quote")
    expect(quote).to_be_hidden()  # closed until the clinician opens it
    source.locator("summary").click()
    expect(quote).to_be_visible()
    quoted = quote.inner_text().strip()
    assert quoted and quoted[:60] in answer.text_content()  # maybe folded: in the DOM
    context = source.locator(".ea-context").inner_text()
    assert len(context) > len(quoted)  # the quote sits inside its neighbouring sentences
    shot(page, "trial_answer_with_source")


def test_comparison_question_shows_plot_and_calculation(page: Any) -> None:
    answer = ask(page, COMPARISON_QUESTION)
    expect(answer).to_contain_text("95% CI")
    figure = page.locator("#ea-plot img")
    expect(figure).to_be_visible()
    assert figure.evaluate("img => img.naturalWidth") > 200
    page.locator("#ea-source-1 summary").click()
    shot(page, "comparison_answer")
    open_tab(page, "Calculations")
    calcs = page.locator("#ea-calcs")
    expect(calcs).to_contain_text("compare_arms")
    expect(calcs).to_contain_text("Method:")
    expect(calcs).to_contain_text("Newcombe")
    shot(page, "comparison_calculations")


def test_clicking_an_earlier_answer_shows_its_panels(page: Any) -> None:
    ask(page, TRIAL_QUESTION)
    ask(page, COMPARISON_QUESTION)
    figure = page.locator("#ea-plot img")
    expect(figure).to_be_visible()
    page.locator(BOT).first.click()
    expect(figure).to_have_count(0)
    expect(page.locator("#ea-sources")).to_contain_text("[1]")
    page.locator(BOT).last.click()
    expect(figure).to_be_visible()


def test_follow_up_uses_the_previous_question(page: Any) -> None:
    ask(page, "What was the complete remission rate with tacrolimus?")
    follow_up = ask(page, "and with cyclophosphamide?")
    expect(follow_up).to_contain_text("36.3")
    expect(page.locator(USER)).to_have_count(2)
    shot(page, "follow_up")


def test_out_of_scope_question_says_no_evidence(page: Any) -> None:
    answer = ask(page, "What is the capital of France?")
    expect(answer).to_contain_text("No evidence found")
    expect(page.locator("#ea-status")).to_contain_text("No evidence found")
    expect(page.locator("#ea-plot img")).to_have_count(0)
    shot(page, "no_evidence")


def test_over_length_question_is_refused_in_the_page(page: Any) -> None:
    long_question = "Was tacrolimus better than IVCY? " * 80
    answer = ask(page, long_question)
    expect(answer).to_contain_text("Not answered")
    expect(answer).to_contain_text("the limit is 2,000")
    expect(page.locator("#ea-question textarea")).to_have_value(long_question)  # kept to edit


def test_html_in_a_question_is_shown_as_text(page: Any, watch: Any) -> None:
    ask(page, "<script>alert(1)</script>")
    bubble = page.locator(USER).last
    expect(bubble).to_contain_text("<script>alert(1)</script>")
    assert page.locator("#ea-chat script").count() == 0
    ask(page, '<img src=x onerror="alert(2)"> response rate with tacrolimus?')
    expect(page.locator(USER).last).to_contain_text("<img src=x")
    assert page.locator("#ea-chat img[src='x']").count() == 0
    ask(page, "[click me](javascript:alert(3)) response rate with tacrolimus?")
    expect(page.locator(USER).last).to_contain_text("click me")
    assert page.locator("#ea-chat a[href^='javascript']").count() == 0
    ask(page, "![tracker](http://example.com/pixel.png) response rate with tacrolimus?")
    expect(page.locator(USER).last).to_contain_text("tracker")
    assert page.locator("#ea-chat img[src*='example.com']").count() == 0
    page.wait_for_timeout(500)
    assert not watch.dialogs  # and the page fixture checks nothing left 127.0.0.1
    shot(page, "html_as_text")


def test_example_question_click_and_clear_chat(page: Any) -> None:
    page.get_by_text("What are the limitations of the trial?").click()
    expect(page.locator(BOT)).to_have_count(1)
    expect(page.locator(BOT).first).not_to_contain_text("Searching the evidence base")
    page.get_by_role("button", name="Clear chat").click()
    expect(page.locator(BOT)).to_have_count(0)
    expect(page.locator("#ea-sources")).to_contain_text("Sources for the latest answer")


def upload(page: Any, path: Path) -> Any:
    open_tab(page, "Add abstracts")
    page.locator("#ea-upload input[type=file]").set_input_files(str(path))
    report = page.locator("#ea-upload-report li")
    expect(report).to_have_count(1)
    return report


def test_upload_plain_text_then_ask_about_it(page: Any, app: RunningApp, tmp_path: Path) -> None:
    title, abstract = synthetic_abstract("zorbalimab", "ZORBA-LN", 17)
    path = tmp_path / "zorba-ln-pilot.txt"
    path.write_text(f"{title}\n\n{abstract}\n", encoding="utf-8")
    report = upload(page, path)
    expect(report).to_contain_text("Added: zorba-ln-pilot.txt")
    assert (app.corpus / "uploads" / "zorba-ln-pilot.txt").exists()
    answer = ask(page, "How many patients reached complete renal response with zorbalimab?")
    expect(answer).to_contain_text("17 of 40")
    shot(page, "upload_txt_answer")


def test_upload_bad_file_shows_a_clear_error(page: Any, app: RunningApp, tmp_path: Path) -> None:
    path = tmp_path / "not-a-record.md"
    path.write_text("no front matter here, just words\n", encoding="utf-8")
    report = upload(page, path)
    expect(report).to_contain_text("Not added: not-a-record.md")
    expect(report).to_contain_text("front matter")
    assert not (app.corpus / "uploads" / "not-a-record.md").exists()
    shot(page, "upload_error")
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(b"%PDF-1.4 not an abstract")
    page.locator("#ea-upload input[type=file]").set_input_files(str(pdf))
    expect(page.get_by_text("Invalid file type: paper.pdf")).to_be_visible()


def test_upload_medline_with_two_records(page: Any, app: RunningApp, tmp_path: Path) -> None:
    records = [
        ("99999902", *synthetic_abstract("velpirsen", "VELPI-LN", 11)),
        ("99999903", *synthetic_abstract("harnitide", "HARNI-LN", 29)),
    ]
    path = tmp_path / "two-records.nbib"
    path.write_text(medline(records), encoding="utf-8")
    report = upload(page, path)
    expect(report).to_contain_text("Added: two-records.nbib")
    expect(report).to_contain_text("2 documents")
    answer = ask(page, "How many patients reached complete renal response with harnitide?")
    expect(answer).to_contain_text("29 of 40")


def test_upload_pubmed_xml_then_ask_about_it(page: Any, app: RunningApp, tmp_path: Path) -> None:
    title, abstract = synthetic_abstract("quorvatinib", "QUORVA-LN", 23)
    path = tmp_path / "quorva-pubmed.xml"
    path.write_text(pubmed_xml("99999901", title, abstract), encoding="utf-8")
    report = upload(page, path)
    expect(report).to_contain_text("Added: quorva-pubmed.xml")
    open_tab(page, "Evidence base")
    expect(page.locator("#ea-evidence")).to_contain_text("Tester 2024")
    answer = ask(page, "How many patients reached complete renal response with quorvatinib?")
    expect(answer).to_contain_text("23 of 40")
    open_tab(page, "Sources")
    page.locator("#ea-source-1 summary").click()
    source = page.locator("#ea-source-1")
    expect(source).to_contain_text("PMID 99999901")
    expect(source.locator("mark.ea-quote")).to_contain_text("quorvatinib")
    shot(page, "upload_xml_answer")
