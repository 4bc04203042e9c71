"""The domain profile: knowledge of one evidence base lives in `corpus/profile.yaml`, is
validated on load with a message naming the field, and never appears in the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from assistant.config import PROJECT_ROOT
from assistant.profile import Profile, ProfileError, check_sources, load_profile

BUNDLED = PROJECT_ROOT / "corpus"
# Words of the profile that are general clinical vocabulary, not this evidence base's names.
GENERAL = {"placebo", "steroid", "steroids", "glucocorticoid", "glucocorticoids",
           "corticosteroid", "corticosteroids"}  # fmt: skip


def names_of_the_bundled_evidence_base() -> set[str]:
    """Drug, condition and study names: the profile's, plus each record's short name and
    aliases (its study names)."""
    names = {n for n in load_profile(BUNDLED).names() if len(n) >= 4} - GENERAL
    for record in sorted((BUNDLED / "records").glob("*.md")):
        if record.stem.upper() == "README":
            continue
        front = record.read_text(encoding="utf-8").split("---")[1]
        meta = yaml.safe_load(front) or {}
        for field in ("aliases", "short_name"):
            for part in re.split(r"[;()]", str(meta.get(field) or "")):
                words = [w for w in re.findall(r"[A-Za-z][A-Za-z-]+", part) if len(w) >= 4]
                names.update(w.lower() for w in words)
    return names - {"interview", "guideline", "guidelines", "japan", "japanese", "hong", "kong"}


def test_the_code_names_no_drug_trial_or_disease_of_the_bundled_evidence_base() -> None:
    names = names_of_the_bundled_evidence_base()
    assert {"tacrolimus", "lupus", "zheng", "kdigo", "aurora", "ivcy"} <= names
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(names))) + r")\b", re.I)
    hits = [
        f"{path.relative_to(PROJECT_ROOT)}:{n}: {line.strip()[:80]}"
        for path in sorted((PROJECT_ROOT / "assistant").rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line)
    ]
    assert not hits, "evidence-base knowledge in code (move it to corpus/profile.yaml):\n" + (
        "\n".join(hits)
    )


def test_the_bundled_profile_loads_and_keeps_its_features() -> None:
    profile = load_profile(BUNDLED)
    sets = profile.criteria_sets
    assert [s.id for s in sets if s.by_default] == ["trial", "kdigo"]
    # other trials' definitions, applied only when a question names the trial
    assert {s.id for s in sets if not s.by_default} == {"aurora1", "regency", "bliss-perr",
                                                        "bliss-crr"}  # fmt: skip
    assert profile.eligibility and profile.protocols
    assert "lupus nephritis" in profile.coverage
    # an arm's brand name, as clinicians write it, is the arm
    assert set(profile.arms.in_text("ALMS compared CellCept with Endoxan")) == {"MMF", "IVCY"}


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "profile.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_a_bad_field_is_named(tmp_path: Path) -> None:
    bad = BUNDLED.joinpath("profile.yaml").read_text().replace("max_mg_per_day: 45",
                                                              "max_mg_per_day: lots")  # fmt: skip
    with pytest.raises(ProfileError, match=r"protocols\.0\.oral\.max_mg_per_day"):
        load_profile(write(tmp_path, bad))
    with pytest.raises(ProfileError, match=r"title: Field required"):
        load_profile(write(tmp_path, "coverage: x\n"))
    with pytest.raises(ProfileError, match="not a passage id"):
        load_profile(write(tmp_path, BUNDLED.joinpath("profile.yaml").read_text().replace(
            '"zheng2022-interview#s62"', '"somewhere"', 1)))  # fmt: skip
    with pytest.raises(ProfileError, match="cannot be read as YAML"):
        load_profile(write(tmp_path, "title: [unclosed\n"))
    # an eGFR rule takes an eGFR test, and only eGFR does
    mixed = (
        BUNDLED.joinpath("profile.yaml")
        .read_text()
        .replace(
            "{analyte: egfr, test: percent_of_baseline_at_least", "{analyte: egfr, test: below", 1
        )
    )
    with pytest.raises(ProfileError, match="test 'below' does not apply to 'egfr'"):
        load_profile(write(tmp_path, mixed))


def test_no_profile_means_the_generic_one(tmp_path: Path) -> None:
    profile = load_profile(tmp_path)
    assert profile == Profile.generic()
    assert not (profile.criteria_sets or profile.eligibility or profile.protocols)


def test_each_threshold_is_checked_against_its_passage() -> None:
    profile = load_profile(BUNDLED)
    stated = "Partial remission: proteinuria <3.5 g, a decrease of more than 50%, albumin ≥3.0"
    texts = {entry.source: "no figures here" for _, entry in profile.all_sourced()}
    with pytest.raises(ProfileError, match=r"0\.5 not stated in zheng2022-interview#s62"):
        check_sources(profile, texts)
    missing = {k: v for k, v in texts.items() if k != "kdigo2024#s20"}
    with pytest.raises(ProfileError, match=r"kdigo2024#s20 is not in the evidence base"):
        check_sources(profile, missing | {"zheng2022-interview#s63": stated})


def test_a_second_source_of_a_threshold_is_checked_and_cited_too() -> None:
    """`also` names another passage stating the same threshold (the trial record beside the
    interview): it must state it as well, and the tool cites it."""
    from assistant.profile import sources_of

    profile = load_profile(BUNDLED)
    age = next(r for r in profile.eligibility[0].rules if r.criterion == "age")
    assert age.passages == ("zheng2022-interview#s8", "zheng2022#s6")
    assert "zheng2022#s6" in sources_of(profile.eligibility[0].sourced())
    every_figure = ("18-60 18.5-27 1.5 260 0.5 0.7 3.5 15 3 50 0.8 45 4 5 2 20 2.5 10 24 30 60 "
                    "75 85 90 1 6")  # fmt: skip
    texts = {pid: every_figure for _, entry in profile.all_sourced() for pid in entry.passages}
    check_sources(profile, texts)  # every passage states its thresholds: no error
    with pytest.raises(ProfileError, match=r"18, 60 not stated in zheng2022#s6"):
        check_sources(profile, texts | {"zheng2022#s6": "adults with lupus nephritis"})


def test_a_subgroup_has_one_spelling_however_its_kind_is_called() -> None:
    """An interview's "type V" is the record's "class V": the same-subgroup choice of the
    compared figures reads both as one."""
    profile = load_profile(BUNDLED)
    assert profile.subgroups_in("in type V patients") == profile.subgroups_in("class  V")
    assert profile.subgroups_in("Class IV + V") == profile.subgroups_in("type IV+V")
    assert profile.subgroups_in("class IV") != profile.subgroups_in("class V")
