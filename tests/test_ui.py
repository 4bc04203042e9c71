"""Fast tests of the chat page's pure helpers and figures (no browser, no index)."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from matplotlib.figure import Figure

from assistant import Settings
from assistant.plots import comparison_bars, difference_row, figure_for, rate_bar
from assistant.present import speaker_role
from assistant.profile import load_profile
from assistant.tools.stats import compare_arms, difference_of_percentages, non_inferiority, rate
from assistant.types import Document, Passage
from assistant.ui import (
    DISCLAIMER,
    CheckSources,
    ReadWriteLock,
    UploadResult,
    _added_message,
    _already_known,
    _upload_problem,
    answer_markdown,
    build,
    calculations_html,
    doi_html,
    evidence_html,
    highlight,
    pmid_html,
    preview,
    safe_filename,
    safe_markdown,
    sources_html,
    status_line,
    upload_report_html,
)

EVIL = '<script>alert(1)</script><img src=x onerror="alert(2)">'


def passage(text: str, before: str = "", after: str = "", **meta: Any) -> Passage:
    return Passage(id="doc#s1", document_id="doc", text=text, start=0, end=len(text), position=1,
                   context_before=before, context_after=after, metadata=meta)  # fmt: skip


def answer(status: str = "answered", text: str = "Answer [1]", **extra: Any) -> dict[str, Any]:
    return {"question": "q", "answer": text, "status": status, "citations": [], "tool_calls": [],
            "ungrounded_numbers": [], "timings_ms": {"total": 12.0}, **extra}  # fmt: skip


# ------------------------------------------------------------------ escaping


def test_safe_markdown_shows_html_as_text_and_blocks_images() -> None:
    shown = safe_markdown(EVIL + " ![x](http://example.com/a.png) &amp; <!-- c --></p>")
    assert "<script>" not in shown and "<img" not in shown and "<!--" not in shown
    assert "&lt;script>alert(1)&lt;/script>" in shown and "&lt;/p>" in shown
    assert "&amp;amp;" in shown  # an entity in the text is shown, not decoded
    assert "\\![x]" in shown and "![" not in shown.replace("\\![", "")


def test_safe_markdown_leaves_ordinary_text_as_typed() -> None:
    text = "P<0.001, 5 < 6 and A & B; 3>2 [1]"
    assert safe_markdown(text) == text


def test_over_long_question_is_previewed_with_its_length() -> None:
    assert preview("short") == "short"
    long = "x" * 5000
    shown = preview(long)
    assert shown.startswith("x" * 300) and "(5,000 characters)" in shown and len(shown) < 400


@pytest.mark.parametrize(
    ("status", "label"),
    [("no_evidence", "No evidence found"), ("invalid_input", "Not answered")],
)
def test_answer_bubble_labels_each_status(status: str, label: str) -> None:
    assert label in answer_markdown(answer(status, "Because."))


def test_answer_bubble_escapes_document_html_and_flags_ungrounded_numbers() -> None:
    bubble = answer_markdown(answer(text=f"Quote {EVIL} [1]", ungrounded_numbers=["42%"]))
    assert "<script>" not in bubble and "&lt;script>" in bubble
    assert "Unverified numbers" in bubble and "42%" in bubble
    assert "Unverified" not in answer_markdown(answer())


BUBBLE = """83.0% with A vs 75.0% with B. [1] _(Study interview 2022 · news interview)_
Other figure 49.6%. [2] _(Study 2022 · RCT · abstract record)_

**Evidence**
- [1] “It was found that 83.0% with A vs 75.0% with B.” (Study interview 2022, News interview)
- [2] “Other figure 49.6%.” (Study 2022, Randomised controlled trial)
- [3] “A third sentence about <b>B</b>.” (Study 2022, Randomised controlled trial)"""


def test_bubble_gives_each_marker_a_badge_and_each_quote_once() -> None:
    bubble = answer_markdown(answer(text=BUBBLE))
    first = bubble.split("\n")[0]
    assert first.startswith('83.0% with A vs 75.0% with B. [1] <span class="ea-badge">')
    assert "Study interview 2022 · news interview</span>" in first
    # quotes [1] and [2] are stated above, so they are folded; [3] is shown, and HTML escaped
    shown, _, folded = bubble.partition("<details")
    assert "“A third sentence about &lt;b>B&lt;/b>.”" in shown and "<b>B" not in bubble
    assert "“Other figure 49.6%.”" not in shown and "“Other figure 49.6%.”" in folded
    assert "Quoted sentences" in folded or "more quote" in folded


def test_bubble_folds_calculation_lines_and_badges_a_bare_marker() -> None:
    text = (
        "**RD +8.0 points (95% CI −1.8 to +17.8)** [1]\nRR 1.11\n\n**Calculation**\n"
        "- Comparison, from 117/141 A vs 93/124 B\n\n**Evidence**\n"
        "- [1] “The rate was 83.0% (117/141) and 75.0% (93/124).” (Study, RCT)\n"
        "- [2] “Another sentence.” (Study, RCT)"
    )
    bubble = answer_markdown(answer(text=text), ["Study 2022 · RCT", "Study 2022 · RCT"])
    marker = '<a class="ea-marker" href="#ea-source-1" title="Open source 1">[1]</a>'
    assert bubble.startswith(f"**RD +8.0 points (95% CI −1.8 to +17.8)** {marker} <span")
    assert "How it was calculated</summary>" in bubble and "1 more quote</summary>" in bubble
    evidence = bubble[bubble.index("**Evidence**") :]
    assert evidence.index("“The rate was 83.0%") < evidence.index("<details")
    assert "(Study, RCT)" not in bubble and "Study 2022 · RCT</span>" in evidence


def test_bubble_never_states_an_interviewers_question_as_a_finding() -> None:
    asked = "Q outlet: does this research have limitations?"
    text = (
        f"{asked} [1] _(Study interview 2022 · news interview · interviewer's words, not a "
        "finding)_\nAll patients were from one country. [2] _(Study interview 2022 · news "
        f"interview)_\n\n**Evidence**\n- [1] “{asked}” (Study interview 2022, News interview)\n"
        "- [2] “All patients were from one country.” (Study interview 2022, News interview)"
    )
    badges = ["Study interview 2022 · interviewer's words, not a finding", "Study interview 2022"]
    bubble = answer_markdown(answer(text=text), badges)
    shown, _, folded = bubble.partition("<details")
    assert shown.startswith("All patients were from one country.") and asked not in shown
    assert asked in folded and "interviewer&#x27;s words, not a finding</span>" in folded
    only_asked = text.split("\n")[0] + "\n\n**Evidence**\n" + text.split("**Evidence**\n")[1]
    shown = answer_markdown(answer(text=only_asked), badges).partition("<details")[0]
    assert asked not in shown and "No finding on this is stated" in shown


def test_markers_link_to_their_source_only_when_the_citation_exists() -> None:
    bubble = answer_markdown(answer(text="A finding as in [12]. [1] _(Study 2022 · RCT)_"),
                             ["Study 2022 · RCT"])  # fmt: skip
    assert bubble.startswith('A finding as in [12]. <a class="ea-marker" href="#ea-source-1"')
    assert "ea-source-12" not in bubble


def test_per_study_results_carry_their_studys_marker_not_how_they_were_computed() -> None:
    text = (
        "**By study, side by side and not pooled.**\n\n**Calculation**\n"
        "- Liu 2015: A vs B: difference +20.4 points, as reported _(Difference as the study "
        "reported it, from Liu 2015's reported figures)_\n"
        "- Lee 2020: C vs B: RD +8.0 points _(Comparison of two arms, from 117/141 C vs 93/124 B)_"
        "\n\n**Evidence**\n- [1] “Lee 2020 sentence.” (Lee 2020, RCT)\n"
        "- [2] “Liu 2015 sentence.” (Liu 2015, RCT)"
    )
    bubble = answer_markdown(answer(text=text), ["Lee 2020 · RCT", "Liu 2015 · RCT"])
    results = bubble[: bubble.index("**Evidence**")]
    assert "Difference as the study reported it" not in results and "from 117/141" not in results
    assert 'as reported <a class="ea-marker" href="#ea-source-2"' in results
    assert 'RD +8.0 points <a class="ea-marker" href="#ea-source-1"' in results
    assert '<span class="ea-badge">RCT</span>' in results
    assert results.index("RD +8.0") < results.index("not pooled")  # the figures lead


def test_status_line_counts_sources_and_calculations() -> None:
    line = status_line(answer(citations=[{}, {}], tool_calls=[{}]))
    assert line == "Answered from 2 sources · 1 calculation · 12 ms"
    assert status_line(answer("no_evidence")).startswith("No evidence found")


def test_a_sentence_saying_what_the_evidence_lacks_is_shown_with_its_source() -> None:
    lacking = answer("no_evidence", BUBBLE, citations=[{}])
    bubble = answer_markdown(lacking, badges=["RCT"])
    assert bubble.startswith("ℹ️ ") and "No evidence found" not in bubble
    assert '<span class="ea-badge">RCT</span>' in bubble  # its [n] marker, as in a finding
    assert status_line(lacking).startswith("Not stated in the evidence base · 1 source")


# ------------------------------------------------------------------ sources


def test_highlight_marks_the_quote_inside_its_context_and_escapes_everything() -> None:
    html = highlight("Before <b>. The quote.", "The quote.", before=EVIL, after="After & more")
    assert '<mark class="ea-quote">The quote.</mark>' in html
    assert html.index("&lt;script&gt;") < html.index("Before &lt;b&gt;.") < html.index("<mark")
    assert html.endswith("After &amp; more")
    assert "<script>" not in html and "<b>" not in html


def test_highlight_marks_a_quote_missing_from_the_passage_on_its_own() -> None:
    assert (
        highlight("Other text.", "Quoted <i>") == '<mark class="ea-quote">Quoted &lt;i&gt;</mark>'
    )


def test_sources_panel_lists_title_year_identifiers_and_highlighted_quote() -> None:
    meta = {"short_name": "Zheng 2022", "year": 2022, "design": "RCT", "pmid": "12345678",
            "doi": "10.1001/x.2022.4492", "citation": "Zheng et al."}  # fmt: skip
    p = passage("83.0% responded.", "Before.", "After.", **meta)
    html = sources_html([{"id": "doc#s1", "title": "A <trial>", "quote": "83.0% responded."}],
                        {"doc#s1": p})  # fmt: skip
    assert 'id="ea-source-1"' in html and "[1]" in html
    assert "A &lt;trial&gt;" in html and "<trial>" not in html
    summary = html[: html.index("</summary>")]
    assert "Zheng 2022: “83.0% responded.”" in summary  # the study names the entry once
    assert summary.count("Zheng 2022") == 1 and "RCT · <a" in summary
    assert "2022 · 2022" not in html  # the year already in the short name is not repeated
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/12345678/"' in html
    assert 'href="https://doi.org/10.1001/x.2022.4492"' in html
    assert "Before. <mark" in html and "</mark> After." in html


def test_sources_entries_are_titled_by_study_and_opening_words_and_never_alike() -> None:
    meta: dict[str, Any] = {"short_name": "Study interview 2022", "design": "News interview",
                            "position": 3, "interviewer_sentences": "2-4"}  # fmt: skip
    same = "The response rate was 83.0% in the first group and 75.0% in the second, at week 24."
    other = same.replace("week 24", "week 52")
    cites = [{"id": f"d#s{i}", "title": "Long title", "quote": q} for i, q in
             enumerate([same, other])]  # fmt: skip
    found = {c["id"]: passage(c["quote"], **meta) for c in cites}
    html = sources_html(cites, found)
    titles = re.findall(r'<span class="ea-title">(.*?)</span>', html)
    assert len(set(titles)) == 2 and titles[0].startswith("Study interview 2022: “The response")
    assert "interviewer" in html  # sentence 3 lies in the interviewer's turn


def test_sources_panel_without_the_passage_still_shows_the_quote() -> None:
    html = sources_html([{"id": "gone#s1", "title": "T", "quote": "Q."}], {})
    assert '<mark class="ea-quote">Q.</mark>' in html
    assert "cites no sources" in sources_html([], {})


@pytest.mark.parametrize("pmid", ['1" onmouseover="x', "12 (unverified)", "<b>1</b>"])
def test_pmid_is_linked_only_when_it_is_a_plain_number(pmid: str) -> None:
    assert pmid_html("12345678").startswith('<a href="https://pubmed.ncbi.nlm.nih.gov/12345678/"')
    html = pmid_html(pmid)
    assert "<a " not in html and '"' not in html and "<b>" not in html


def test_doi_link_is_escaped_and_only_for_real_dois() -> None:
    assert doi_html("10.1056/NEJMoa2001180").startswith(
        '<a href="https://doi.org/10.1056/NEJMoa2001180"'
    )
    assert "<a " not in doi_html('javascript:alert(1)"')
    assert "&quot;" in doi_html('x"y')


# ------------------------------------------------------------------ calculations


def test_calculations_panel_reads_in_words_with_the_raw_values_folded() -> None:
    call = compare_arms(117, 141, 93, 124, "tacrolimus", "IVCY").to_dict()
    html = calculations_html([call])
    assert "1. Comparison of two arms" in html and "<code>compare_arms</code>" in html
    assert "RD +8.0 points (95% CI −1.8 to +17.8)" in html
    assert "NNT 13 (95% CI: NNT 6 benefit to NNT 56 harm)" in html
    assert "From: 117/141 tacrolimus vs 93/124 IVCY" in html
    assert "Method: Newcombe (Wilson score)" in html
    assert "to infinity to" not in html[: html.index('<details class="ea-details">')]
    details = html[html.index('<details class="ea-details">') :]
    assert "<th>events a</th><td>117</td>" in details  # raw values only under Details
    assert "<th>risk difference points</th><td>8.0</td>" in details
    assert "risk_difference_points" not in html and "{" not in html
    assert "No calculation was needed" in calculations_html([])


def _remission_call() -> dict[str, Any]:
    profile = load_profile(Settings.from_env().corpus_dir)
    from assistant.tools import tools_for

    tools = tools_for(profile)
    check = tools["remission_check"]
    return check(proteinuria=1.6, proteinuria_unit="g/24h", baseline_proteinuria=4.0,
                 baseline_unit="g/24h", albumin=3.2, albumin_unit="g/dL", creatinine=80.0,
                 creatinine_unit="umol/L", baseline_creatinine=80.0,
                 baseline_creatinine_unit="umol/L").to_dict()  # fmt: skip


def test_a_patient_check_is_a_table_of_criteria_with_the_verdict_above() -> None:
    profile = load_profile(Settings.from_env().corpus_dir)
    call = _remission_call()
    set_id = profile.criteria_sets[0].id
    cited = profile.criteria_sets[0].complete[0].source
    text = "Complete remission is defined as proteinuria below the cited threshold."
    sources = CheckSources(profile, {cited: passage(text, short_name="Source A")})
    html = calculations_html([call], sources)
    assert '<p class="ea-verdict">' in html and "partial response" in html
    assert html.index("ea-verdict") < html.index('<table class="ea-check"')
    assert "<th>Criterion</th><th>Patient value</th><th>Threshold</th><th>Met?</th>" in html
    assert (
        '<td data-label="Patient value:">1.6 g/day</td><td data-label="Threshold:">&lt; 0.5 g/day'
        '</td><td data-label="Met?">✗ not met</td>'
    ) in html
    assert "Source A: “Complete remission is defined as proteinuria below the cited" in html
    body = html[: html.index('<details class="ea-details">')]
    assert "{" not in html and "criteria_set" not in body and set_id in call["output"]
    assert "From: proteinuria 1.6 g/24h, baseline proteinuria 4 g/24h, albumin 3.2 g/dL" in body
    assert " unit " not in body and "µmol/L" in body


def test_a_patient_check_says_what_a_criterion_was_met_on_and_names_it_whole() -> None:
    profile = load_profile(Settings.from_env().corpus_dir)
    from assistant.tools import tools_for

    check = tools_for(profile)["remission_check"]
    call = check(proteinuria=0.4, proteinuria_unit="g/day", baseline_proteinuria=3.5,
                 baseline_unit="g/day", albumin=3.6, albumin_unit="g/dL", creatinine=90.0,
                 creatinine_unit="umol/L", creatinine_stable=True).to_dict()  # fmt: skip
    html = calculations_html([call], CheckSources(profile, {}))
    rows = re.findall(r'<tr class="ea-(?:met|unmet|missing)">(.*?)</tr>', html)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in rows]
    assert cells and all(not (c[1] == "not given" and c[3] == "✓ met") for c in cells), cells
    assert all(not re.search(r"\b(?:or|and)$", c[0]) for c in cells), cells
    assert "From: proteinuria 0.4 g/day" in html and "creatinine stable" in html


def test_an_eligibility_check_is_a_table_too() -> None:
    profile = load_profile(Settings.from_env().corpus_dir)
    from assistant.tools import tools_for

    check = tools_for(profile)["trial_eligibility"]
    call = check(age_years=65, bmi=24, proteinuria_g_per_24h=3.0, creatinine=120,
                 creatinine_unit="umol/L", isn_class="III").to_dict()  # fmt: skip
    html = calculations_html([call], CheckSources(profile, {}))
    assert "Not eligible" in html and "✗ not met" in html and "✓ met" in html
    assert "{" not in html


def test_calculations_panel_escapes_labels_and_survives_odd_calls() -> None:
    html = calculations_html([{"name": "<x>", "inputs": None, "output": "oops", "text": EVIL}])
    assert "<script>" not in html and "&lt;x&gt;" in html


# ------------------------------------------------------------------ evidence base and uploads


def test_evidence_panel_counts_documents_passages_and_kinds() -> None:
    docs = {
        "a": {"short_name": "Zheng 2022", "kind": "abstract", "year": 2022, "passages": 10},
        "b": {"short_name": "<b>Interview</b>", "kind": "article", "year": 2022, "passages": 90},
    }
    html = evidence_html(docs)
    assert "2 documents · 100 passages (1 abstract record, 1 article)" in html
    assert "&lt;b&gt;Interview&lt;/b&gt;" in html and "<b>Interview" not in html


def test_upload_report_says_which_file_failed_and_why() -> None:
    html = upload_report_html([UploadResult("a.xml", True, "T (added; 3 passages)."),
                               UploadResult("<b>.md", False, "no front matter")])  # fmt: skip
    assert "Added: <b>a.xml</b>" in html
    assert 'class="ea-upload-error">Not added: <b>&lt;b&gt;.md</b> — no front matter' in html


@pytest.mark.parametrize(
    ("name", "safe"),
    [("abstract.XML", "abstract.xml"), ("../../etc/passwd.txt", "passwd.txt"),
     ("my file (1).nbib", "my-file-1.nbib"), (".hidden.md", "hidden.md"), ("noext", "noext")],
)  # fmt: skip
def test_safe_filename_stays_inside_the_uploads_folder(name: str, safe: str) -> None:
    assert safe_filename(name) == safe


def test_upload_problems_are_reported_before_reading(tmp_path: Path) -> None:
    empty = tmp_path / "a.txt"
    empty.write_bytes(b"")
    limit = 2 * 1024 * 1024
    assert _upload_problem(empty, "a.txt", limit) == "the file is empty."
    assert "unsupported file type" in str(_upload_problem(empty, "a.pdf", limit))
    big = tmp_path / "b.xml"
    big.write_bytes(b"x" * (3 * 1024 * 1024))
    message = str(_upload_problem(big, "b.xml", limit))
    assert "3.0 MB" in message and "up to 2 MB" in message and "assistant ingest" in message
    assert _upload_problem(big, "b.xml", Settings().max_upload_mb * 1024 * 1024) is None


def test_duplicate_uploads_are_found_by_id_or_pmid() -> None:
    docs = [Document(id="pmid1", title="T", kind="abstract", citation="c", text="t", pmid="1")]
    assert _already_known(docs, {"zheng": {"pmid": "1"}}) == "pmid1"
    assert _already_known(docs, {"pmid1": {}}) == "pmid1"
    assert _already_known(docs, {"other": {"pmid": "2"}}) == ""
    report = SimpleNamespace(updated=[], unchanged=[])
    assert _added_message(docs, report, 4, []) == "T (added; 4 passages)."


# ------------------------------------------------------------------ figures


def test_comparison_with_rate_calls_gives_bars_with_wilson_intervals() -> None:
    calls = [compare_arms(117, 141, 93, 124, "tacrolimus", "IVCY"), rate(117, 141), rate(93, 124)]
    bars = comparison_bars(calls[0].to_dict(), [c.to_dict() for c in calls[1:]])
    assert bars is not None
    assert [(b.label, b.percent, b.low, b.high, b.counts) for b in bars] == [
        ("tacrolimus", 83.0, 75.9, 88.3, "117/141"),
        ("IVCY", 75.0, 66.7, 81.8, "93/124"),
    ]
    figure = figure_for(calls)
    assert isinstance(figure, Figure)
    assert "RD +8.0 points (95% CI −1.8 to +17.8)" in figure.axes[0].get_title()


def test_comparison_with_per_arm_ci_keys_gives_bars() -> None:
    call = compare_arms(117, 141, 93, 124, "tacrolimus", "IVCY").to_dict()
    call["output"].update(ci_low_percent_a=75.9, ci_high_percent_a=88.3,
                          ci_low_percent_b=66.7, ci_high_percent_b=81.8)  # fmt: skip
    bars = comparison_bars(call)
    assert bars is not None and bars[1].high == 81.8
    figure = figure_for([call])
    assert figure is not None and len(figure.axes[0].patches) == 2  # two bars


def test_comparison_without_per_arm_intervals_shows_the_difference_only() -> None:
    call = compare_arms(117, 141, 93, 124, "tacrolimus", "IVCY").to_dict()
    assert comparison_bars(call) is None
    figure = figure_for([call])
    assert figure is not None and "with 95% CI" in figure.axes[0].get_title()
    labels = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert labels == ["tacrolimus vs IVCY"]


def test_several_comparisons_give_a_forest_plot_labelled_by_study() -> None:
    zheng = compare_arms(117, 141, 93, 124, "tacrolimus", "IVCY").to_dict()
    zheng["inputs"]["study"] = "Zheng 2022"
    mok = non_inferiority(22, 40, 17, 41, 10, "tacrolimus", "MMF").to_dict()
    mok["inputs"]["study"] = "Mok 2016"
    rows = [difference_row(zheng), difference_row(mok)]
    assert rows[0] is not None and rows[0].label == "Zheng 2022: tacrolimus vs IVCY"
    assert rows[1] is not None and rows[1].margin == 10.0
    figure = figure_for([zheng, mok])
    assert figure is not None and "by study (not pooled)" in figure.axes[0].get_title()
    texts = [t.get_text() for t in figure.axes[0].texts]
    assert "+8.0\n(−1.8 to +17.8)" in texts


def test_no_figure_without_intervals_or_with_missing_keys() -> None:
    assert figure_for([]) is None
    assert (
        figure_for([difference_of_percentages(83, 75, "tacrolimus", "IVCY")]) is None
    )  # no CI without counts
    assert figure_for([rate(117, 141)]) is None  # one rate is read, not plotted
    broken = {"name": "compare_arms", "inputs": {}, "output": {"risk_difference_points": 8.0}}
    assert figure_for([broken]) is None
    assert rate_bar({"name": "rate", "output": {"percent": "83"}}) is None


def test_two_rates_give_bars() -> None:
    figure = figure_for([rate(117, 141), rate(93, 124)])
    assert figure is not None and len(figure.axes[0].patches) == 2


# ------------------------------------------------------------------ page and lock


def test_page_builds_with_the_disclaimer_and_public_endpoints() -> None:
    profile = load_profile(Settings().corpus_dir)
    demo = build(SimpleNamespace(settings=Settings(), profile=profile))  # type: ignore[arg-type]
    config = demo.get_config_file()
    text = str(config)
    assert DISCLAIMER in text
    names = {d.get("api_name") for d in config["dependencies"]}
    assert {"chat", "ask", "upload"} <= names


def test_read_write_lock_lets_readers_share_and_writers_wait() -> None:
    lock = ReadWriteLock()
    order: list[str] = []
    with lock.reading(), lock.reading():
        order.append("two readers at once")
        writer = threading.Thread(target=lambda: _write(lock, order))
        writer.start()
        time.sleep(0.05)
        order.append("readers still inside")
    writer.join(timeout=2)
    assert order == ["two readers at once", "readers still inside", "writer"]


def _write(lock: ReadWriteLock, order: list[str]) -> None:
    with lock.writing():
        order.append("writer")


# ------------------------------------------------------------------ interview text as shown


def test_interviewer_turns_are_found_and_named_speakers_end_them() -> None:
    from assistant.ingest import as_ranges, interviewer_sentences

    sentences = [
        "Objectives: the aim was X.",
        "Safer than Y Q medical community: research points out that X is safer.",
        "What is the clinical significance of this?",
        "Professor Ada Tester: Most adverse events were mild.",
        "The rate was 8.9% vs 16.2%.",
        "The medical community: about 70% of patients progress.",
        "Prof. Tester Ada: We found more.",
    ]
    assert interviewer_sentences(sentences) == [1, 2, 5]
    assert as_ranges([1, 2, 5, 7, 8, 9]) == "1-2,5,7-9"
    assert interviewer_sentences(["The primary endpoint: response.", "RESULTS: 83%."]) == []
    assert speaker_role({"interviewer_sentences": "1-2,5", "position": 5}) == "interviewer"
    assert speaker_role({"interviewer_sentences": "1-2,5", "position": 3}) is None


@pytest.mark.parametrize(
    ("language", "shown"),
    [("ger", "German"), ("chi; jpn", "Chinese and Japanese"), ("eng", None), ("eng; fre", None),
     ("", None), ("English", None), ("zzq", "zzq")],
)  # fmt: skip
def test_sources_name_a_records_language_when_it_is_not_english(
    language: str, shown: str | None
) -> None:
    from assistant.present import badge, language_name

    meta = {"short_name": "Meyer 2019", "kind": "abstract", "language": language}
    assert language_name(meta) == shown
    assert ("· in " in badge(meta)) is (shown is not None)


def test_a_restarted_the_is_repaired_without_moving_sentences() -> None:
    from assistant.ingest import clean_text, split_sentences

    raw = "the complete rate was 36.3%, and the partial The response rate was 38.7%. The end."
    cleaned = clean_text(raw)
    assert "the partial response rate was 38.7%" in cleaned
    assert len(split_sentences(cleaned)) == len(split_sentences(raw)) == 2
    assert clean_text("In The Lancet the authors said so.") == "In The Lancet the authors said so."


def test_a_sentence_garbled_in_the_source_is_marked() -> None:
    text = "Trial recruited patients with SLE combined with III, Patients with type IV, V LN."
    p = passage(text, short_name="S 2022", garbled_text="nothing here | with III, Patients with")
    html = sources_html([{"id": "doc#s1", "title": "T", "quote": text}], {"doc#s1": p})
    assert "garbled here" in html
    clean = passage("A clean sentence.", garbled_text="with III, Patients with")
    assert "garbled" not in sources_html([{"id": "doc#s1", "quote": "A clean sentence."}],
                                         {"doc#s1": clean})  # fmt: skip


def _texts_outside(figure: Figure) -> list[str]:
    """Texts of the figure drawn (partly) outside its canvas: cut off when shown."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    width, height = figure.bbox.width, figure.bbox.height
    outside = []
    from matplotlib.text import Text

    texts = [t for t in figure.findobj(Text) if isinstance(t, Text)]
    for text in texts:
        if not text.get_visible() or not str(text.get_text()).strip():
            continue
        box = text.get_window_extent(renderer)
        if box.x0 < -1 or box.y0 < -1 or box.x1 > width + 1 or box.y1 > height + 1:
            outside.append(str(text.get_text()))
    return outside


def test_no_title_or_label_of_a_figure_is_cut_at_its_edge() -> None:
    long_arm = "multitarget therapy (three drugs at reduced doses)"
    zheng = compare_arms(117, 141, 93, 124, "tacrolimus", "IVCY").to_dict()
    zheng["output"]["study"] = "A long study name interview 2022"
    other = compare_arms(62, 135, 33, 129, long_arm, "IVCY").to_dict()
    other["output"]["study"] = "Another study 2015"
    forest = figure_for([zheng, other])
    bars = figure_for([zheng, rate(117, 141).to_dict(), rate(93, 124).to_dict()])
    for figure in (forest, bars):
        assert isinstance(figure, Figure)
        assert _texts_outside(figure) == []
