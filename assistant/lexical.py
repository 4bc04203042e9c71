"""Words for BM25 and scope checks: one tokenizer, so the index and the queries agree."""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from typing import Any

_STOPWORDS = frozenset(
    """a about after all also an and any are as at be been before being both but by can could
    did do does doing during each for from had has have how i if in into is it its many much
    my of on or our own over so such than that the their them then there these they this those to
    under up was we were what when where which while who whom why will with would you your
    patients patient study trial group groups""".split()  # noqa: SIM905 - a word list reads best as text
)
_BRITISH = re.compile(r"(?<=[a-z])is(?=e|ed|es|ing|ation)")


def _drop_a(match: re.Match[str]) -> str:
    return match.group().replace("ae", "e", 1)


def _drop_o(match: re.Match[str]) -> str:
    return match.group().replace("oe", "e", 1)


# British spellings written the American way, so "centres" finds "centers" and "oedema" finds
# "edema" (the systematic differences: -re/-er, -our/-or, -yse/-yze, and the ae/oe of Greek
# and Latin medical words; each stem listed is one whose British form has the ending).
_SPELLINGS = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"\b(\w*(?:cent|fib|lit|met|tit|theat|calib|spect|lust|meag|somb))re(s|d)?\b", r"\1er\2"),
        (
            r"\b(\w*(?:col|behavi|fav|hon|lab|tum|hum|od|vap|rum|neighb|flav|harb|sav|vig|rig|arm|"
            r"clam|endeav))our",
            r"\1or",
        ),
        (r"(?<=[a-z]l)ys(?=e\b|ed\b|es\b|ing\b)", "yz"),
        (r"aem(?=ia|ic)|\bhaem|paed|gynaec|\baetiol|anaesth|\bfaec|\bcaesar", _drop_a),
        (r"\boe(?=dem|soph|str)|\bfoet|\bcoel|(?<=rh|pn)oea\b", _drop_o),
    )
)
_WORD = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?")
# Changes whenever the word rules change, so cached BM25 indexes built with old rules are rebuilt.
TOKENIZER_VERSION = hashlib.sha256(
    "|".join(
        [*sorted(_STOPWORDS), _BRITISH.pattern, *(p.pattern for p, _ in _SPELLINGS), _WORD.pattern]
    ).encode()
).hexdigest()[:8]


@lru_cache(maxsize=8192)
def american(lowered: str) -> str:
    """Lower-cased text with British spellings made American ("randomised" -> "randomized").
    Memoised: one question's words are looked up many times while it is answered."""
    text = _BRITISH.sub("iz", lowered)
    for pattern, replacement in _SPELLINGS:
        text = pattern.sub(replacement, text)
    return text


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


def encodable(text: str) -> str:
    """The text without lone surrogates (e.g. "\\ud800"), which the tokenizers cannot encode."""
    return text.encode("utf-8", "ignore").decode("utf-8") if not text.isascii() else text


def bm25_tokens(text: str) -> list[str]:
    """Lower-cased, spelling-normalised (randomised = randomized), stemmed, stopwords out."""
    words = _WORD.findall(american(text.lower()))
    return list(_stemmer().stemWords([w for w in words if w not in _STOPWORDS]))


# Endings the WHO's International Nonproprietary Names give to drugs of one class ("-mab"
# monoclonal antibodies, "-tinib" kinase inhibitors, "-sartan" angiotensin receptor blockers,
# "-gliflozin" SGLT2 inhibitors, ...; WHO, "The use of stems in the selection of INN"). They
# name a drug in any field, whatever an embedding makes of the word.
DRUG_NAME_ENDINGS = tuple(
    """mab cept tinib fenib ciclib parib zomib limus sporin sporine entan pril sartan olol
    dipine statin xaban gatran parin grel afil semide thiazide renone lactone milast gliflozin
    gliptin glutide glinide glitazone formin avir ivir ovir uvir mycin cillin floxacin conazole
    prazole cycline penem tidine setron triptan oxetine azepam azolam profen coxib dronate terol
    tropium caine lukast olone sone kinra plase grastim relin platin taxel rubicin tecan poside
    trexate trexed citabine phamide arabine peridol apine pramine triptyline faxine""".split()  # noqa: SIM905
)
MIN_DRUG_NAME = 8  # letters: shorter words with these endings are English ("april", "caine")


# Endings of the Greek and Latin word-forming elements that name diseases, findings and
# procedures in any field of medicine ("-itis" inflammation, "-osis" condition, "-emia" in the
# blood, "-oma" tumour, "-pathy" disease, "-ectomy" removal, "-uria" in the urine, ...).
DISEASE_NAME_ENDINGS = tuple(
    """itis itides osis oses iasis emia aemia oma omas pathy pathies plasia trophy algia ectomy
    ectomies otomy ostomy plasty scopy uria penia megaly lysis cardia rrhea rrhoea phylaxis
    plegia""".split()  # noqa: SIM905
)
MIN_DISEASE_NAME = 6  # letters: "coma", "soma" and "aroma" are too short to tell
# Endings of nouns naming a person by role or trade ("pharmacist", "clinician"): who asks, not
# what the question is about.
ROLE_ENDINGS = ("ist", "ists", "ian", "ians")
# Roles of people in clinical care named otherwise ("nurse here:", "my resident asks").
ROLE_WORDS = frozenset(
    {"nurse", "nurses", "doctor", "doctors", "resident", "residents", "fellow", "fellows",
     "registrar", "registrars", "intern", "interns", "student", "students", "consultant",
     "consultants", "attending", "surgeon", "surgeons", "practitioner", "practitioners",
     "midwife", "trainee", "trainees"}
)  # fmt: skip
# Places of care a question is asked from ("ICU here:", "Ward round, pt 31F...").
CARE_SETTINGS = frozenset(
    {"icu", "itu", "hdu", "ccu", "picu", "nicu", "ed", "er", "a&e", "ward", "clinic", "opd"}
)
# A question's opening words before its first break ("ICU, 34F with..."; "Clinic:").
_OPENING = re.compile(r"^[^,:;.\u2013\u2014?!]*?(?=\s*[,:;.\u2013\u2014]\s*\S)")


# What a question is for, set off before it ("For a pharmacology lecture: ...", "For my
# journal club slides, ..."): the asker's purpose, not what is asked.
_PURPOSE = re.compile(
    r"^\s*(?:for|preparing|prepping|writing)\s+(?:a|an|my|our|the|this|tomorrow's)?\s*"
    r"[^,:;.?!\u2013\u2014]{0,60}?\b(?:lecture|talk|seminar|teaching|"
    r"presentation|slides?|deck|exam|essay|leaflet|handout|dossier|audit|journal\s+club|"
    r"tutorial|meeting|grand\s+rounds?|poster|newsletter|article|blog)s?\b"
    r"[^,:;.?!\u2013\u2014]{0,40}[,:;.\u2013\u2014]",
    re.I,
)


# Who asks, introduced before the question ("Rheum reg here.", "Pharmacist here:"), and how
# the answer is to be written ("(two decimals)", "to 1 decimal place"): not what is asked.
_INTRODUCTION = re.compile(r"^\s*(?:[\w/&'-]+\s+){0,3}here\s*[.:,;!\u2013\u2014-]+", re.I)
_FORMAT = re.compile(
    r"\(?\b(?:to\s+)?(?:one|two|three|\d)\s+(?:decimal\s+places?|decimals?|dp)\b\)?", re.I
)


def without_purpose(question: str) -> str:
    """The question without an opening that says what it is for ("For a pharmacology
    lecture: what blood level ...?" -> "what blood level ...?") or who asks ("Rheum reg
    here."), and without how its figures are to be written ("(two decimals)")."""
    text = _INTRODUCTION.sub(" ", _PURPOSE.sub(" ", question, count=1), count=1)
    return re.sub(r"\s+([?.!,;:])", r"\1", " ".join(_FORMAT.sub(" ", text).split()))


def said_from(word: str, question: str) -> bool:
    """`word` is the place of care the question is asked from: a care setting in the
    opening words, set off from the question ("ICU, 34F...", "Quick one from the ward:"),
    not what it asks about ("ICU admissions in STUDY-1?")."""
    opening = _OPENING.match(question.strip())
    words = re.findall(r"[a-z&]+", opening.group().lower()) if opening else ()
    return word.lower() in CARE_SETTINGS and word.lower() in words


def disease_like(word: str) -> bool:
    """The word has the form of a disease, finding or procedure name (DISEASE_NAME_ENDINGS)."""
    return len(word) >= MIN_DISEASE_NAME and word.lower().endswith(DISEASE_NAME_ENDINGS)


EVERYDAY_ZIPF = 4.5  # wordfreq Zipf: a word at least this common is everyday English


def everyday_superlative(word: str) -> bool:
    """The superlative of an everyday adjective ("commonest", "likeliest", "biggest"):
    rare as a written form, but no term of any field."""
    from wordfreq import zipf_frequency

    lowered = word.lower()
    if not lowered.endswith("est") or len(lowered) < MIN_DISEASE_NAME:
        return False
    stem = lowered[:-3]
    bases = {stem, stem + "e", stem[:-1] + "y" if stem.endswith("i") else stem}
    if len(stem) > 2 and stem[-1] == stem[-2]:
        bases.add(stem[:-1])  # "biggest": big
    return any(zipf_frequency(base, "en") >= EVERYDAY_ZIPF for base in bases)


def role_noun(word: str) -> bool:
    """The word names a person by role ("pharmacist", "nephrologist", "clinician")."""
    lowered = word.lower()
    return lowered in ROLE_WORDS or (
        len(word) >= MIN_DISEASE_NAME and lowered.endswith(ROLE_ENDINGS)
    )


def drug_like(word: str) -> bool:
    """The word has the form of a drug's nonproprietary name (see DRUG_NAME_ENDINGS)."""
    return len(word) >= MIN_DRUG_NAME and word.lower().endswith(DRUG_NAME_ENDINGS)


# Capitalised abbreviations of clinical research in general that are not study names (an
# evidence base adds its field's own, and its drugs', from its profile).
GENERAL_ACRONYMS = frozenset(
    {
        "UPCR", "PCR", "ACR", "TEAE", "TEAES", "SAE", "BMI", "NIH", "RCT", "PMID", "DOI", "LSM",
        "BID", "GRADE", "IVIG", "TMA", "CKD", "ESRD", "COVID", "RESULTS", "PPS", "FAS", "CI",
        "HR", "OR", "RR", "NNT", "NNH", "ITT", "FDA", "EMA", "WHO", "CONSORT", "BSA",
        # the team meeting an answer is for, and who asks: not what is asked (a place of care
        # may be: "ICU admission rate")
        "MDT", "HCP", "NP", "RN",
    }
)  # fmt: skip
