"""What a question asks for, read once from its words: the intent, the facet of the evidence
it is about, the calculations it calls for and the values it gives for them.

Every rule here encodes a general cue of clinical English (its comment says which); none is
written for one question, and none names a drug, trial or disease: those are the profile's.
`read` is the one place a question is read for what it asks; later stages read the result.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from . import extract, measurements
from .measurements import PatientValues
from .profile import Profile
from .verify import numbers_in

Intent = Literal[
    "fact",  # what the evidence says about something
    "comparison",  # two arms or studies set against each other
    "computation",  # arithmetic on figures the question itself gives
    "patient_check",  # does this patient's result meet a response definition
    "eligibility",  # could this patient have entered the study
    "dosing",  # what dose for this patient
    "definition",  # what a term means
    "out_of_scope",  # a task of another kind (writing), not a question about evidence
]
Facet = Literal[
    "efficacy", "safety", "regimen", "population", "design", "limitation", "mechanism",
    "definition",
]  # fmt: skip
# The calculations of the tools stage, in the order it tries them (the first one whose
# evidence is there is run): a unit conversion, a weight-based dose, a patient's eligibility,
# a patient's response category, a stated rate checked against its counts, one difference
# per study, a difference between two arms.
Task = Literal[
    "convert",
    "thresholds",
    "dose",
    "course",
    "eligibility",
    "remission",
    "compare",
    "rate",
    "across",
    "difference",
    "shares",
]
TASK_INTENT: dict[Task, Intent] = {
    "compare": "computation",
    "convert": "computation",
    "thresholds": "computation",
    "dose": "dosing",
    "course": "dosing",
    "eligibility": "eligibility",
    "remission": "patient_check",
    "rate": "computation",
    "across": "comparison",
    "difference": "comparison",
    "shares": "computation",
}

# ---------------------------------------------------------------- cues of the tools stage

# An amount of drug in milligrams: "mg" not per volume or per amount ("mg/dL" and "mg/mmol"
# are concentrations of a lab test).
# "mg", not a concentration or ratio ("mg/dL", "mg/mmol") nor a collection ("mg/24h").
DRUG_MG = r"(?<!/)\bmg\b(?!\s*/\s*(?:dl|l|mg|mmol|24))"
# A dose, its schedule or its amount is asked about ("what dose", "taper", "mg").
DOSING = re.compile(rf"\bdos(?:e|es|ed|ing)\b|\btaper|\bschedule|\bregimen|{DRUG_MG}", re.I)
# A course's total amount asked for ("how much ... in total", "adds up to", "total cyc in g"):
# a total word, and words asking for an amount.
COURSE_TOTAL = re.compile(
    r"\b(?:in total|total|cumulative|add(?:s|ed)?\s+up|altogether|all told)\b|"
    # the amount of one whole course ("how many grams does one standard course deliver")
    r"\b(?:one|per|each|whole|full|entire)\s+(?:[\w-]+\s+){0,2}course\b",
    re.I,
)
AMOUNT_ASKED = re.compile(
    r"\bhow (?:much|many (?:g|grams|mg|milligrams))\b|\bin (?:g|grams|mg)\b|"
    r"\btotal (?:dose|amount)\b|\badd(?:s|ed)?\s+up\b|"
    r"\bwhat\s+would\b[^?]{0,60}?\b(?:total|come\s+to)\b|"
    r"\bwhat(?:'s|\s+is|\s+was|\s+would\s+be)?\s+(?:the\s+|her\s+|his\s+)?(?:[\w-]+\s+)?dose\b",
    re.I,
)
# (a "pulse" is a course of pulses: "the drug B pulse", "pulse days")
COURSE = re.compile(
    r"\bcourses?\b|\bpulses?\b|\b(?:doses|infusions?|cycles?)\b|\bschedul(?:e|ed)\b", re.I
)
# Each arm's share asked for: "what percentage of each arm", "as percentages of each group".
SHARES_ASKED = re.compile(
    r"\b(?:percentages?|per\s?cent|proportions?|shares?)\s+(?:of|in|for)\s+(?:each|both|"
    r"the\s+two|either)\s+(?:arms?|groups?)\b|"
    r"\b(?:into|as)\s+(?:percentages|per\s?cents?|proportions)\b",
    re.I,
)
# A question asking when a figure was measured ("at what time point", "which week", "when").
TIME_ASKED = re.compile(
    r"\btime\s*-?\s*points?\b|\b(?:which|what)\s+(?:week|month|visit)\b|\bwhen\b", re.I
)
# A cap on a cumulative amount asked about ("share of the lifetime ceiling", "headroom").
LIMIT_ASKED = re.compile(
    r"\b(?:ceiling|caps?|limits?|lifetime|maximum|headroom|exceed\w*|share|proportion|"
    r"percent(?:age)?|fraction)\b|%",
    re.I,
)
# "the trial", "this study", "the protocol": the evidence base's own (primary) study.
OWN_STUDY = re.compile(r"\b(?:the|this|that|same)\s+(?:trial|study|protocol)(?:'s)?\b", re.I)
# Whether a result meets a response definition ("in remission?", "does she meet criteria?",
# or a category named: "partial?", "complete?", "CR or PR?").
RESPONSE = re.compile(
    r"remission|respon|classif|\bclassed\b|criteria|defin|meet|achiev|qualif|\bpartial\b|\bcomplete\b|"
    r"\b(?-i:CR|PR|CRR|PRR|ORR)\b|"  # complete/partial (renal) response, overall response
    # a source's own terms ("by the 2024 guideline's terms", "in the trial's terms"): its
    # definitions; not a manner of speaking ("in plain terms", "in absolute terms")
    r"\b(?:by|in|under|on)\s+(?!(?:plain|simple|lay|layman'?s|practical|absolute|relative|"
    r"everyday|general|real|broad)\b)(?:[\w'-]+\s+){1,3}terms\b",
    re.I,
)
# Whether someone could enter a study ("eligible", "inclusion", "could he enrol?").
ENTRY = re.compile(
    r"eligib|enrol|inclusion|include|recruit|\benter(?:ed|ing|s)?\b|\bjoin|\bentry\b|"
    # "would the threshold have admitted her?" (not "admitted her to the ward")
    r"\badmit(?:ted|s)?\s+(?:her|him|them)\b(?!\s+(?:to|with|for|on|in)\b)|"
    # "getting into the trial", "would he have got in?" (not "what did they get in the trial")
    r"\b(?:get|gets|got|getting)\s+(?:into|onto)\b|\b(?:get|gets|got|getting)\s+in\b(?=\s*(?:[?.!,]|$))|"
    # "would he have been allowed in?" (a person allowed in; not "what doses were allowed in")
    r"\b(?:he|she|they|i|we|patient|pt)\b[^.?!]{0,25}?\ballowed\s+(?:in|into|onto)\b|"
    # "could she go into the X trial?", "made it into the study" (not "go into remission")
    r"\b(?:go|goes|went|gone|going|come|came|make\s+it|made\s+it|be\s+put|been\s+put)\s+"
    r"(?:into|onto)\s+(?:[\w'-]+\s+){0,3}(?:trial|study|rct|protocol)\b|"
    # "would the criteria have let her in?" (taking part, participating: in a study or in
    # anything else, "are patients able to participate in exercise?")
    r"\blet\s+(?:her|him|them)\s+in\b",
    re.I,
)
# "Would she qualify?" asks about entry, unless a response is named ("qualify as a complete
# renal response"): see `asks_entry`.
# (and so does a requirement she would meet: "Would she meet the proteinuria requirement?")
QUALIFY = re.compile(r"qualif|\brequirements?\b", re.I)
# Names of an effect size between two groups ("absolute risk reduction", "percentage points"):
# they set groups against each other and ask for the size of the difference.
EFFECT_SIZE_TERMS = (
    r"\b(?:absolute|relative)\s+(?:risk\s+)?(?:increase|reduction|difference|risk|benefit)|"
    r"percentage[- ]points?"
)
# The limits a definition or an entry rule sets ("cut-offs", "cut off", "thresholds").
THRESHOLDS = re.compile(
    r"thresholds?|cut[- ]?offs?|cut[- ]?points?|limits?|criteri(?:a|on)|defin|ceiling|floor|"
    r"bounds?",
    re.I,
)
# Two groups set against each other, or an effect measure ("higher", "odds", "NNT").
# An interval asked for: "95% CI", "confidence interval", "95% Wilson interval", "Newcombe".
INTERVAL_WORDS = (
    r"\bci\b|confidence|\d\s?%\s+(?:[a-z-]+\s+)?intervals?\b|\b(?:wilson|newcombe|clopper)\b"
)
CONTRAST = re.compile(
    INTERVAL_WORDS + r"|difference|higher|lower|more|less|better|worse|\bnn[th]\b|number needed|"
    r"odds|risk ratio|relative risk|\bratio of\b|non-?inferior|margin|compare|comparison|"
    r"significant|"
    r"one (?:extra|more|additional)|need to (?:get|treat|be treated)|advantage|\bgain|differ|"
    # "how many extra responders": those beyond the comparator's; "the gap", "how far ahead"
    r"\b(?:extra|excess|gaps?)\b|\bhow far (?:ahead|behind)\b|" + EFFECT_SIZE_TERMS,
    re.I,
)
# ... and a size asked for, not only a direction ("how much", "by how", "points", "rate").
SIZE = re.compile(
    r"how (?:much|many|large|big|far)|by how|percentage|points|difference|"
    r"\bgaps? (?:between|of)\b|\d\s*(?:pts?|points?)\s+gap\b|\bnn[th]\b|number needed|"
    + INTERVAL_WORDS
    + r"|odds|ratio|\brisk\b|non-?inferior|margin|compar|significan|"
    r"one (?:extra|more|additional)|\bgain\b|\brates?\b|" + EFFECT_SIZE_TERMS,
    re.I,
)
# "Was it superior?": what the trial tested, answered from its text unless a margin is given.
SUPERIORITY = re.compile(r"\bsuperior", re.I)
# The question asserts or asks a trial's verdict: superior, non-inferior, inferior.
# A study's verdict asked about: superiority or non-inferiority, in the words of the design or
# in plain words ("more effective than", "better than", "beat").
VERDICT_ASKED = re.compile(
    r"\bsuperior|\b(?:non-?)?inferior|\b(?:more|less)\s+effective\b|\b(?:better|worse)\s+than\b|"
    r"\boutperform|\bbeat(?:s|en|ing)?\b|\bequivalen(?:t|ce)\b|"
    # non-inferiority and superiority in plain words: "no worse", "proven better"
    r"\b(?:no|not)\s+worse\b|\b(?:proven|proved|shown|found)\s+(?:to\s+be\s+)?better\b",
    re.I,
)
# A margin named as the study's ("what margin did they use?", "Lee used a 10% margin, right?")
# is a fact of its design, asked about or asserted; a margin the asker supplies to test against
# ("taking a margin of -10 points", "if my margin were", "does it clear a 10% margin?") asks
# for the computation.
MARGIN = re.compile(r"\bmargin\b", re.I)
MARGIN_SUPPLIED = re.compile(
    r"\b(?:if|assum\w*|tak(?:e|ing)|given|using|with|against|at|my|our|clears?|meets?|pass(?:es)?|"
    r"cross(?:es)?|beats?)\b(?:\W+[\w%.-]+){0,5}?\W+margin\b|"
    r"\bmargin\b[^.?!]{0,40}?\b(?:clear|met|meet|pass|cross|hold|beat)|"
    r"\bmargin\s*(?:of|=|:|at)?\s*[-−–]?\d",  # "margin -10 points: CI of the difference?"
    re.I,
)
# ... but a study said to have used, set or chosen one asserts its design ("Lee 2022 used a
# non-inferiority margin of 10 points"), unless the asker did ("we used a margin of 10").
MARGIN_ASSERTED = re.compile(
    r"(?<!\bI\s)(?<!\bwe\s)\b(?:used|set|chose|had|adopted|applied|pre-?specified)\s+"
    r"(?:an?|the|its|their)\s+(?:[\w-]+\s+){0,2}?margin\b|"
    # "confirm the margin they used": the study's margin asked about
    r"\bmargin\s+(?:they|it|the\s+(?:trial|study|investigators|authors))\s+"
    r"(?:used|set|chose|had|adopted|applied|pre-?specified)\b",
    re.I,
)


def margin_supplied(text: str) -> bool:
    """The question gives a margin to test against (see `MARGIN_SUPPLIED`)."""
    return bool(MARGIN_SUPPLIED.search(text)) and not MARGIN_ASSERTED.search(text)


# Measures that need each arm's counts, not only its percentages (intervals, ratios, NNT).
NEEDS_COUNTS = re.compile(
    r"\bci\b|confidence|\bnn[th]\b|number needed|odds|risk ratio|relative risk|non-?inferior|"
    r"margin|significan|risk difference|one (?:extra|more|additional)|need to (?:get|treat)",
    re.I,
)
# Harms: adverse events, infections, toxicity, withdrawals (fewer is better).
HARMS = re.compile(r"adverse|infection|serious|toxicit|harm|side effect|withdr", re.I)
# Outcomes where fewer is better: harms, and also death and relapse, which are results, not
# side effects (more of them in the first arm makes its NNT a number needed to harm).
# (a drug's safety, or its being safer, is judged on its harms)
FEWER_IS_BETTER = re.compile(
    HARMS.pattern + r"|death|died|mortality|fatal|relapse|flare|\bsafe(?:ty|r|st)?\b|tolerab", re.I
)
# ... unless the outcome is their absence: "free of flares", "relapse-free", "without infection".
ABSENCE_OF = re.compile(
    r"\b(?:free(?:dom)? (?:of|from)|absence of|without) [\w-]+|\w+-free\b", re.I
)


def fewer_is_better(query: str) -> bool:
    """The outcome asked about is one where fewer is better (a harm, death, relapse)."""
    return bool(FEWER_IS_BETTER.search(ABSENCE_OF.sub(" ", query)))


# Studies set side by side ("across trials", "each study", "a forest plot").
ACROSS = re.compile(
    r"across (?:the )?(?:trials|studies)|(?:several|other|each|all|different|the) "
    r"(?:trials|studies)|forest|trial by trial|study by study",
    re.I,
)
INTERVAL = re.compile(INTERVAL_WORDS, re.I)
# Measures that exist only between two groups: an interval asked of one is not one arm's.
BETWEEN_GROUPS = re.compile(
    r"difference|\bnn[th]\b|number needed|risk ratio|relative risk|odds ratio|\brr\b|"
    r"non-?inferior|margin|" + EFFECT_SIZE_TERMS,
    re.I,
)
# A response named without its kind ("response rate", "remission"): the overall response.
ANY_RESPONSE = re.compile(r"respon|remission|\b(?-i:CR|PR)\b", re.I)  # "CR" (not "Cr", creatinine)

# ---------------------------------------------------------------- cues of retrieval

# A figure is asked for ("how many", "what dose", "when", "rate", "%"): a sentence with
# numbers in it answers.
FIGURE = re.compile(
    r"\bhow (?:many|much|long|large|often|old)\b|\bwhat (?:age|doses?|level|rates?|proportion|"
    r"percentage|share|number|range|limit|ceiling|threshold)\b|\bwhen\b|\bby how much\b|"
    r"\brates?\b|%|\bpercent|\bdoses?\b|\blimit\b|\bceiling\b|\bcut[- ]?off\b|\bfigures?\b|"
    r"\bage\b|\blevels?\b|\bwindow\b|\bconcentration|\btarget|\bscores?\b|\bchange|\bfall\b|"
    r"\bdrop|\bdurations?\b|\bregimen|\bcounts?\b|\bnumbers?\b",
    re.IGNORECASE,
)
FigureKind = Literal["dose", "rate", "concentration", "age", "date", "duration", "count"]
# The kind of figure asked for, by the word that asks for it (retrieval knows how each looks).
FIGURE_KINDS: tuple[tuple[FigureKind, re.Pattern[str]], ...] = (
    # an amount of drug, or how many times a day it is given ("the high-dose group" names an
    # arm by its dose: it asks for none)
    ("dose", re.compile(rf"(?<!-)\bdos(?:e|es|ing)\b|{DRUG_MG}|\bhow many times?\b", re.I)),
    ("rate", re.compile(r"\brates?\b|\bpercentage|\bproportion", re.I)),  # a share of patients
    ("concentration", re.compile(r"\blevel|concentration|trough", re.I)),  # a blood level
    ("age", re.compile(r"\bage\b|\bold\b", re.I)),  # how old
    ("date", re.compile(r"\bwhen\b|\bdates?\b", re.I)),  # a point in time
    ("duration", re.compile(r"how long|duration", re.I)),  # a length of time
    # a number of people or events ("how many times a day" asks how often a dose is given)
    (
        "count",
        re.compile(
            r"\bhow many\b(?!\s+times?\b)|\bnumber of\b|\bnumerators?\b|"
            r"\bdenominators?\b|\bcounts\b",
            re.I,
        ),
    ),
)
# A study's size asked for ("how many patients were enrolled", "how many were analysed").
SAMPLE_SIZE = re.compile(
    r"\bhow many\b(?:\s+\w+){0,2}?\s+(?:were|was|got|had been)\s+(?:\w+\s+)?"
    r"(enrol?led|randomi[sz]ed|analy[sz]ed|recruited|screened|included|assigned|treated)\b",
    re.I,
)
# Kinds of figure that no difference of two groups' percentages answers.
_OTHER_FIGURES: frozenset[FigureKind] = frozenset(
    {"dose", "concentration", "age", "date", "duration"}
)
# Kinds whose asking words ask for nothing else ("dose", "rate", "how long"); "when" and "old"
# also join clauses and describe things, so they do not show that a figure is wanted.
UNAMBIGUOUS_KINDS: frozenset[FigureKind] = frozenset({"dose", "rate", "duration"})
# Doubt about what is known or its source ("is it true that", "confirmed?", "right?").
ABOUT_SOURCES = re.compile(
    r"confirm|verif|source|reliab|caveat|uncertain|unknown|didn'?t it|did it not|is(?:n'?t)? it "
    r"true|true that|wasn'?t it|right\?|correct\?|\bprove[dn]?\b",
    re.I,
)
# "What did X show?", "Does it work?", "Did it win?", "the bottom line?": the answer is a
# result, i.e. a comparison of groups or an effect estimate, not a design sentence.
RESULT = re.compile(
    r"\b(?:show(?:ed|n)?|find|found|finding|findings|results?|work(?:s|ed)?|effective|efficacy|"
    r"benefit|superior|non-?inferior|better|worse|win|won|headline|bottom\s+line|take-?home|"
    r"upshot|verdict|pan(?:ned)?\s+out|beat|outperform(?:ed)?|prove[dn]?|demonstrated?|"
    r"equivalen(?:t|ce))\b",
    re.I,
)
# "its primary endpoint" (or "its main result"): with a result asked for ("did it meet / win
# on its primary endpoint?"), the study's main result is asked for, whatever else the words
# are about.
PRIMARY_NAMED = re.compile(
    r"\bprimary\b|\b(?:main|principal|key)\s+(?:results?|findings?|outcomes?|end-?points?)\b",
    re.I,
)
# A yes/no question ("Did it...?", "Is it...?") asks whether something was found.
YES_NO = re.compile(
    r"^\s*(?:is|are|was|were|does|do|did|can|could|should|has|have|had|will|would)\b", re.I
)
# A figure the question itself gives ("roughly 70%", "90 percent"): what it asks is about it.
QUOTED_FIGURE = re.compile(r"\d\s?%|\bper\s?cent\b", re.I)
# A question word: a question holding none is polar (answered yes or no), whether it opens
# with an auxiliary ("Does A improve B?") or is elliptic, as research titles often are
# ("Drug X: a risk factor for Y?", "Topic. Is it effective?").
WH_WORD = re.compile(r"\b(?:what|which|who|whom|whose|when|where|why|how)\b", re.I)

# ---------------------------------------------------------------- cues of the intent

# The question turns to someone else ("another patient", "different pt", "new case").
ANOTHER_PATIENT = re.compile(
    r"\b(?:another|different|new|second|other|next)\s+(?:patient|pt|woman|man|case|person)\b",
    re.I,
)
# The question points back at the patient an earlier turn described ("she's 44 now", "is he in
# remission?", "this pt"): values it does not give itself are that turn's.
SAME_PATIENT = re.compile(
    r"\b(?:she|he|her|his|him|(?:the|this|that|my|our)\s+(?:patient|pt))\b|\bshe's\b|\bhe's\b",
    re.I,
)
# Advice for one patient ("should I", "what should we give"): reported as evidence, not advice.
ADVICE = re.compile(
    r"\b(should i|should we|should my|do you recommend|would you (give|use|start|prescribe)|"
    r"what should|is it safe for my|can i give|which drug should|"
    # "which one to start", "which agent do we pick": a choice of treatment asked for
    r"which (?:one|drug|agent|regimen|treatment|option|med(?:ication)?)s? "
    r"(?:to|do (?:i|we|you)|should (?:i|we)) (?:start|use|give|choose|pick|prescribe|go with))\b|"
    # the choice handed over: "you decide", "just pick for her", "tell me which to start",
    # "drug A or drug B for her?"
    r"\b(?:you|just)\s+(?:pick|choose|decide)\b|\bpick\s+(?:one\s+)?for\s+(?:her|him|them|me)\b|"
    r"\b(?:tell\s+me|decide)\s+(?:what|which(?:\s+(?:one|drug|agent))?)\s+"
    r"(?:to|i\s+should|we\s+should)\s+(?:give|start|use|prescribe|choose|pick|put|do)\b|"
    # a named person's treatment chosen: "should she go on A or B?", "put her on", "start him on"
    r"\bshould\s+(?:she|he|they|the\s+patient|my\s+(?:patient|pt))\s+"
    r"(?:go\s+on|be\s+on|take|get|start|switch|stay\s+on|receive|have)\b|"
    r"\b(?:to|i|we|should|shall)\s+(?:put|start|keep|switch)\s+(?:her|him|them)\s+(?:on|to)\b|"
    r"\bor\s+[\w-]+(?:\s+[\w-]+){0,2}\s+for\s+"
    r"(?:her|him|them|my\s+(?:patient|pt)|this\s+(?:patient|pt|woman|man|lady))\b",
    re.IGNORECASE,
)
# Creative or clerical writing is a task of another kind, whatever its topic ("a poem about
# kidneys"), and so is writing one person's treatment (a plan, a prescription): the evidence
# base answers questions about evidence.
OTHER_TASK = re.compile(
    r"\b(?:write|compose|draft|tell)\b.{0,30}\b(?:poem|story|song|joke|essay|limerick|haiku|"
    r"letter|note|certificate|email|tweet|speech|toast|slogan|(?:treatment|care|management)\s+plan|"
    r"prescription)s?\b",
    re.IGNORECASE,
)
# One patient is meant ("my patient", "a 30-year-old woman", "she", "he").
A_PATIENT = re.compile(
    r"\b(?:my|our|this|a|an|the)\s+(?:\d+[- ]year[- ]old\s+)?(?:patient|woman|man|girl|boy|"
    r"person|adult|child|teenager|adolescent)\b|\b(?:she|he|her|his)\b",
    re.I,
)
# What a term means ("what is X", "what does X mean", "define X", "what counts as X").
MEANING = re.compile(
    r"^\s*(?:what\s+(?:is|are)\s+(?:a|an|the)?\s*[\w-]+(?:\s+[\w-]+){0,3}\s*\??\s*$|"
    r"what\s+does\s+.{1,40}\s+(?:mean|stand\s+for)\b|define\b|"
    r"(?:what\s+is\s+)?(?:the\s+)?(?:definition|meaning)\s+of\b|what\s+counts\s+as\b|"
    r"what\s+is\s+meant\s+by\b)",
    re.I,
)
# A study named by its arms: "the A versus B trial", "the study comparing A with B".
STUDY_BY_ARMS = re.compile(
    r"\b[\w-]+?(?:\s[\w-]+)?[\s-](?:versus|vs\.?)[\s-][\w-]+(?:\s[\w-]+){0,3}\s(?:study|trial)\b"
    r"|\b(?:study|trial)\s(?:comparing|of|(?:that|which)\scompared)\s[\w-]+(?:\s[\w-]+)?\s"
    r"(?:with|to|and|versus|vs\.?|against)"
    r"\s[\w-]+",
    re.I,
)
# A study described by its kind of comparison ("the comparison trial", "a head-to-head study").
STUDY_DESCRIBED = re.compile(
    r"\b(?:comparison|comparative|head[- ]to[- ]head|versus)\s+(?:trial|study|rct)\b|"
    r"\b(?:by|in)\s+comparison\b(?!\s+(?:with|to)\b)",  # "by comparison": "in contrast"
    re.I,
)
# Two things set against each other ("versus", "compared with", "better than", "differ").
VERSUS = re.compile(
    r"\b(?:vs\.?|versus|compared?|comparison|comparing|than|relative\s+to|head[- ]to[- ]head|"
    r"better|worse|superior|inferior|non-?inferior|differ(?:ence|ent|ed)?|advantage)\b",
    re.I,
)

# ---------------------------------------------------------------- cues of the facet

# How an outcome or category is defined ("defined as", "what counts as", "criteria for").
DEFINITION = re.compile(
    r"\bdefin\w*|\bmean(?:s|t)?\s*(?:by\b|\??\s*$)|\bmeaning|counts? as|qualif(?:y|ies) as|"
    r"criteria for (?!(?:inclusion|entry|enrol))|stand for",
    re.I,
)

FACETS: tuple[tuple[Facet, re.Pattern[str]], ...] = (
    # Harms first: a question about adverse events among responders is about harms.
    ("safety", re.compile(HARMS.pattern + r"|\bsafe(?:ty|ly)?\b|tolerab|tolerated", re.I)),
    # What the evidence cannot say ("limitations", "weaknesses", "bias", "caveats").
    ("limitation", re.compile(
        r"limitation|weakness|shortcoming|caveat|\bbias|drawback|criticis|generali[sz]|"
        r"\bweak\s+(?:points?|spots?|sides?)\b|\bflaws?\b|\bflawed\b", re.I)),
    # How a treatment acts ("mechanism", "how does it work", "mode of action").
    ("mechanism", re.compile(
        r"mechanism|how does .{1,40}\bwork|mode of action|\binhibit(?:s|ion)?\b|\bpathway|"
        r"\bacts? on\b",
        re.I)),
    ("definition", DEFINITION),
    # What was given, how much and how ("dose", "taper", "regimen", "trough level").
    ("regimen", re.compile(
        rf"\bdos(?:e|es|ed|ing)\b|\btaper|\bschedule|\bregimen|{DRUG_MG}|"
        r"trough|\blevels?\b|administ|infusion|\bpulse|\bgiven\b|"
        r"how long .{0,30}treat|maintenance", re.I)),
    # How the study was run ("blinded", "randomised", "follow-up", "primary endpoint").
    ("design", re.compile(
        r"blind|open[- ]label|randomi[sz]|\bdesign|follow[- ]?up|duration|multicent|"
        r"\bsites?\b|endpoint|primary outcome|sample size|\bpower|allocat|placebo|\bphase\b|"
        r"how long|how many (?:patients|participants|centres|centers)", re.I)),
    # Who was studied ("eligible", "inclusion criteria", "enrolled", "baseline characteristics").
    ("population", re.compile(
        ENTRY.pattern + r"|qualif|exclu|\bpopulation|participants|who (?:was|were)|\bage[ds]?\b|"
        r"baseline characteristics|ethnic|\bsex\b|women|children", re.I)),
    # What the treatment achieved ("response", "remission", "effective", "relapse").
    ("efficacy", re.compile(
        r"respon|remission|efficac|effective|\bwork|benefit|outcome|result|\bshow|better|"
        r"worse|superior|inferior|relapse|flare|improv|reduc|\brates?\b|proteinuria|perform",
        re.I)),
)  # fmt: skip


@dataclass(frozen=True)
class RetrievalCues:
    """What retrieval needs to know of a question: does it ask for a result, for a figure (and
    of which kind), or about how sure the evidence is."""

    asks_result: bool = False  # a finding (comparison of groups, effect estimate) answers it
    asks_figure: bool = False  # a sentence with numbers answers it
    figure_kinds: tuple[FigureKind, ...] = ()  # what the figure measures, when the words say
    asks_about_sources: bool = False  # doubt about what is known: caveats answer it
    polar: bool = False  # a yes/no question: the authors' conclusion answers it
    # What a study found, without naming an aspect (harms, doses, design...) or quoting a
    # figure to check: its primary outcome answers it ("What did X show?").
    asks_main_result: bool = False


@functools.lru_cache(maxsize=4096)
def retrieval_cues(query: str, facet: Facet | Literal["unread"] | None = "unread") -> RetrievalCues:
    """What retrieval reads of `query` (`facet`: the one `read` found, else read here).
    Memoised, like `facet_of`: one question is read several times while it is answered."""
    facet = facet_of(query) if facet == "unread" else facet
    asks_result = bool(RESULT.search(query) or YES_NO.match(query))
    return RetrievalCues(
        asks_result=asks_result,
        asks_figure=bool(FIGURE.search(query)),
        figure_kinds=tuple(kind for kind, asked in FIGURE_KINDS if asked.search(query)),
        asks_about_sources=bool(ABOUT_SOURCES.search(query)),
        polar=is_polar(query),
        asks_main_result=asks_result
        and (facet in (None, "efficacy") or bool(PRIMARY_NAMED.search(query)))
        and not QUOTED_FIGURE.search(query),
    )


@functools.lru_cache(maxsize=4096)
def facet_of(query: str) -> Facet | None:
    """The first facet whose words the question uses (harms before the rest)."""
    return next((name for name, cue in FACETS if cue.search(query)), None)


# A statement put to be judged ("True or false: ...", "T/F: ..."), a yes/no question in form.
TRUE_OR_FALSE = re.compile(r"^\W*(?:true\s+or\s+false|t\s*/\s*f)\b", re.I)
# ... or a statement put to be confirmed: "Just confirm that ...", "Please verify whether ..."
CONFIRM_THAT = re.compile(
    r"^\W*(?:(?:just|please|quickly|so)\W+)*(?:confirm|verify|check)\s+(?:that|whether|if)\b",
    re.I,
)


def is_polar(question: str) -> bool:
    """A yes/no question: no question word, and it opens with an auxiliary or ends with "?";
    or a statement put to be judged true or false."""
    if TRUE_OR_FALSE.match(question) or CONFIRM_THAT.match(question):
        return True
    if WH_WORD.search(question):
        return False
    return bool(YES_NO.match(question) or question.rstrip().endswith("?"))


@dataclass(frozen=True)
class Reading:
    """What the question asks and gives (see `Route`, which carries each field)."""

    intent: Intent
    facet: Facet | None
    tasks: tuple[Task, ...]
    patient: PatientValues = field(default_factory=PatientValues)
    weight_kg: float | None = None
    weights_kg: tuple[float, ...] = ()  # every weight the question gives, in order
    age_years: float | None = None
    height_cm: float | None = None
    bmi: float | None = None
    disease_class: str | None = None
    conversion: tuple[float, str, str] | None = None
    threshold_units: tuple[str, ...] = ()  # "the albumin cut-offs in g/L": the units asked for
    counts: tuple[int, int] | None = None
    group_counts: tuple[tuple[int, int], ...] = ()
    reported_percent: str | None = None
    figures: tuple[float, ...] = ()
    margin: float | None = None
    measure: str | None = None
    names_response: bool = False
    asks_interval: bool = False
    needs_counts: bool = False
    about_harms: bool = False
    names_own_study: bool = False
    names_protocol_drug: bool = False
    subgroups: frozenset[str] = frozenset()
    asks_advice: bool = False
    asks_other_task: bool = False
    entry_implied: bool = False
    dose_count: int | None = None
    bsa_m2: float | None = None
    asks_limit: bool = False
    asks_time: bool = False
    cues: RetrievalCues = field(default_factory=RetrievalCues)


def read(
    question: str,
    query: str,
    follow_up: bool,
    arms: tuple[str, ...],
    profile: Profile,
    earlier: str | None = None,
) -> Reading:
    """Read `question` (as asked) and `query` (follow-ups resolved against the conversation)
    once. What the current question says comes first; a follow-up falls back to the earlier
    question's words and values."""
    asked = query if follow_up else question
    both = f"{question} {query}"
    continued = continued_check(question, earlier)
    same_patient = bool(
        earlier
        and (SAME_PATIENT.search(question) or continued)
        and not ANOTHER_PATIENT.search(question)
    )
    sources = (question, query, earlier) if same_patient and earlier else (question, query)
    patient = patient_values(question, query, earlier, same_patient)
    weight = _first(extract.weight_kg, sources)
    age = _first(extract.age_years, sources)
    height = _first(extract.height_cm, sources)
    bmi = _first(extract.bmi, sources)
    spec = profile.eligibility[0] if profile.eligibility else None
    disease_class = None
    if spec and spec.classes:
        disease_class = _first(extract.isn_class, sources, spec.classes.words)
    protocol = profile.protocols[0] if profile.protocols else None
    names_drug = protocol is not None and (
        _names_any(both, protocol.applies_to)
        # "what would her starting dose be?" naming no drug, after a question on the dose of
        # the protocol's drug: that drug's dose
        or bool(earlier and not arms and DOSING.search(question)
                and _names_any(earlier, protocol.applies_to))
    )  # fmt: skip
    conversion = extract.conversion(question)
    # "the CR and PR albumin cut-offs in g/L": the evidence's thresholds in another unit
    threshold_units = () if conversion else extract.units_asked(asked)
    if not THRESHOLDS.search(both):
        threshold_units = ()
    counts = extract.counts_in(question)
    group_counts = extract.all_counts(question)
    protein, creatinine = patient.get("proteinuria"), patient.get("creatinine")
    # (a weight with a height gives the BMI: the check computes it)
    body_size = bmi if bmi is not None else height if weight is not None else None
    entry_values = (age, body_size, disease_class, protein.value if protein else None,
                    creatinine.value if creatinine else None)  # fmt: skip
    has_figure = any(m.value is not None or m.baseline is not None for m in patient.measurements)
    facet = facet_of(query)
    # Words such as "criteria", "meet" or "fit" ask about entry or response alike; then the
    # values decide: a patient's age and BMI are entry features, never response criteria (a
    # biopsy class alone is not: it also names a subgroup, "in class V patients").
    entry_features = age is not None or bmi is not None or height is not None
    # A creatinine with no proteinuria and no earlier value cannot show a response (every
    # response definition reads a proteinuria, or a change): it is an entry value.
    followed = any(m.baseline is not None or m.change_percent is not None
                   for m in patient.measurements)  # fmt: skip
    entry_features = entry_features or (creatinine is not None and protein is None
                                        and not followed)  # fmt: skip
    # A choice of treatment asked for one patient is not a question about trial entry; nor is
    # a question whose own words ask about another aspect of the study (its doses, harms,
    # design): the patient's values are then the context of a ward note, not what is asked.
    asks_advice = bool(ADVICE.search(question))
    entry_asked = asks_entry(asked) or continued == "entry"
    # (a value given beside its baseline has changed on treatment: a response is judged)
    entry_implied = not entry_asked and (
        entry_features and not ANY_RESPONSE.search(both) and not asks_advice
        and not _asks_other_aspect(question) and not followed
    )  # fmt: skip
    wants_entry = entry_asked or entry_implied
    # "the A versus B trial", "the comparison study": words naming the study ask for nothing
    unnamed = STUDY_DESCRIBED.sub(" ", STUDY_BY_ARMS.sub(" ", asked))
    cues = retrieval_cues(query, facet)
    candidates: tuple[tuple[Task, bool], ...] = (
        ("convert", conversion is not None),
        ("thresholds", bool(threshold_units)),
        # A weight with the protocol's drug or trial named is a dosing question, unless it
        # asks about entry ("wt 58 kg ... does she meet the entry criteria?").
        ("dose", weight is not None
         and bool(DOSING.search(query) or (names_drug and not asks_entry(asked)))),
        # "How much drug A does one course add up to?": a stated regimen's dose times its doses
        ("course", bool(AMOUNT_ASKED.search(asked) and COURSE.search(asked)
                        # (one dose of a regimen per m², for the body-surface area given)
                        and (COURSE_TOTAL.search(asked) or extract.bsa_m2(question)))
         # a dose asked for a body-surface area given: only a dose per m² uses one
         or bool(extract.bsa_m2(question) and DOSING.search(asked))),
        ("eligibility", wants_entry and spec is not None
         and any(v is not None for v in entry_values)),
        ("remission", bool(RESPONSE.search(query) or continued == "response")
         and not asks_entry(question) and has_figure),
        # Two groups' counts given and set against each other ("88/156 vs 83/154: RD?").
        ("compare", len(group_counts) == 2
         and bool(CONTRAST.search(question) or VERSUS.search(question))),
        ("rate", counts is not None),
        # (one difference per study: rates, not how long or how much of a drug)
        ("across", bool(ACROSS.search(question) or profile.class_members(question))
         and not _OTHER_FIGURES.issuperset(cues.figure_kinds or {"rate"})),
        # "what percentage of each arm ...?", "turn those into percentages"
        ("shares", bool(SHARES_ASKED.search(asked))),
        ("difference", bool(CONTRAST.search(unnamed) and SIZE.search(unnamed))
         and not (SUPERIORITY.search(asked) and extract.margin_in(asked) is None)
         and not (MARGIN.search(asked) and not margin_supplied(asked))
         and not (facet == "definition" and not arms)  # "What does NNT mean?"
         # "compare that with B: how long were they followed?" sets durations side by side
         and not _OTHER_FIGURES.issuperset(cues.figure_kinds or {"rate"})
         # "how many were enrolled?" asks for a study's size, not one arm's lead on another
         and not (SAMPLE_SIZE.search(asked) and "rate" not in cues.figure_kinds)),
    )  # fmt: skip
    tasks = tuple(task for task, wanted in candidates if wanted)
    if tasks[:1] == ("eligibility",) and facet == "efficacy":
        facet = "population"  # "does she fit the criteria?": entry criteria, not a result
    # an interval of one group's figure: an effect between groups is not one arm's
    asks_interval = bool(INTERVAL.search(question)) and not BETWEEN_GROUPS.search(question)
    return Reading(
        intent=_intent(question, query, tasks, arms, patient, facet, asks_interval),
        facet=facet,
        tasks=tasks,
        patient=patient,
        weight_kg=weight,
        weights_kg=extract.weights_kg(question) or ((weight,) if weight is not None else ()),
        age_years=age,
        height_cm=height,
        bmi=bmi,
        disease_class=disease_class,
        conversion=conversion,
        threshold_units=threshold_units,
        counts=counts,
        group_counts=group_counts,
        reported_percent=extract.percent_in(question),
        figures=tuple(t.value for t in numbers_in(question)),
        margin=extract.margin_in(question) if margin_supplied(question) else None,
        # a follow-up asking about harms ("and major infections?") does not carry the
        # earlier question's response measure over
        measure=extract.measure_of(question if follow_up and fewer_is_better(question) else query),
        names_response=bool(ANY_RESPONSE.search(query)),
        asks_interval=asks_interval,
        needs_counts=bool(NEEDS_COUNTS.search(query)),
        about_harms=fewer_is_better(query),
        names_own_study=bool(OWN_STUDY.search(both)),
        names_protocol_drug=names_drug,
        subgroups=profile.subgroups_in(query),
        asks_advice=asks_advice,
        entry_implied=entry_implied and "eligibility" in tasks,
        dose_count=extract.dose_count(question),
        bsa_m2=_first(extract.bsa_m2, sources),
        asks_limit=bool(LIMIT_ASKED.search(question)),
        asks_time=bool(TIME_ASKED.search(query)),
        asks_other_task=bool(OTHER_TASK.search(question)),
        cues=cues,
    )


# Where a ward note turns to its question: a sentence end, a dash, a semicolon.
_CLAUSE_BREAK = re.compile(r"[.?!;]\s+|\s+[-\u2013\u2014]+\s+")
# Aspects of a study that a patient's values cannot answer.
_STUDY_ASPECTS = frozenset({"regimen", "safety", "design", "limitation", "mechanism"})


def _asks_other_aspect(question: str) -> bool:
    """The question's last clause asks about the study's doses, harms, design, limits or
    mechanism and does not point at the patient ("31F, Cr 1.1 ... remind me what pulse both
    arms got?"): the values before it set the scene."""
    clauses = [c for c in _CLAUSE_BREAK.split(question) if c.strip()]
    last = clauses[-1] if clauses else question
    return facet_of(last) in _STUDY_ASPECTS and not A_PATIENT.search(last)


def _intent(
    question: str,
    query: str,
    tasks: tuple[Task, ...],
    arms: tuple[str, ...],
    patient: PatientValues,
    facet: Facet | None,
    asks_interval: bool,
) -> Intent:
    """The calculation the question calls for names its intent; without one, its words do."""
    if OTHER_TASK.search(question):
        return "out_of_scope"
    if tasks:
        if tasks[0] == "difference" and asks_interval and len(arms) == 1:
            return "computation"  # one arm's rate with its interval
        return TASK_INTENT[tasks[0]]
    one_patient = (
        bool(patient) or bool(A_PATIENT.search(query)) or extract.age_years(query) is not None
    )
    if one_patient and DOSING.search(query):
        return "dosing"
    if one_patient and asks_entry(query):
        return "eligibility"
    # a rate told to a patient ("I told her 88% respond") is the study's, not her result
    states_rate = not patient and extract.percent_in(question) is not None
    if one_patient and RESPONSE.search(query) and not asks_entry(question) and not states_rate:
        return "patient_check"
    # "What is the primary outcome?" asks for a fact of the study (its design, population,
    # regimen, harms or limits), not for what a term means.
    if MEANING.search(question) and facet in (None, "definition", "efficacy", "mechanism"):
        return "definition"
    # "the drug A versus drug B trial" names a study; only the rest of the question can ask
    # for a comparison.
    rest = STUDY_BY_ARMS.sub(" ", query)
    if VERSUS.search(rest) or (len(arms) >= 2 and rest == query):
        return "comparison"
    return "fact"


MIN_CLIPPED_NAME = 4  # letters of a clipped drug name ("pred", "hydrocort")


def _names_any(text: str, names: tuple[str, ...]) -> bool:
    """The text names one of `names`, in full or clipped as clinical notes clip drug names
    ("hydrocort" for hydrocortisone: a word of four letters or more that begins the name)."""
    if not names:
        return False
    in_full, clipped = _name_forms(names)
    if in_full.search(text):
        return True
    return not clipped.isdisjoint(re.findall(r"[a-z]+", text.lower()))


@functools.lru_cache(maxsize=64)
def _name_forms(names: tuple[str, ...]) -> tuple[re.Pattern[str], frozenset[str]]:
    """One pattern for the names in full, and every clipped form (a beginning of four letters
    or more, short of the whole name): read once per profile, not per question."""
    lowered = sorted({n.lower() for n in names}, key=len, reverse=True)
    in_full = re.compile(r"\b(?:" + "|".join(map(re.escape, lowered)) + r")\b", re.I)
    clipped = frozenset(n[:end] for n in lowered for end in range(MIN_CLIPPED_NAME, len(n)))
    return in_full, clipped


def asks_entry(text: str) -> bool:
    """Whether `text` asks if someone could enter a study ("eligible", "could he enrol?",
    "would she qualify?" when no response is named)."""
    return bool(ENTRY.search(text) or (QUALIFY.search(text) and not ANY_RESPONSE.search(text)))


def continued_check(question: str, earlier: str | None) -> Literal["entry", "response"] | None:
    """A turn giving a patient's new values and asking nothing of its own ("repeat creat today
    2.9 mg/dL. still ok?", "24h collection back: 1.3 g/d") after a turn that asked whether
    the patient meets entry criteria or a response definition: the same check, again."""
    if not earlier or ANOTHER_PATIENT.search(question):
        return None
    if asks_entry(question) or ANY_RESPONSE.search(question):
        return None  # it asks its own question
    if not measurements.parse(question).measurements:
        return None
    if asks_entry(earlier):
        return "entry"
    return "response" if ANY_RESPONSE.search(earlier) else None


def patient_values(
    question: str, query: str, earlier: str | None = None, same_patient: bool = False
) -> PatientValues:
    """Current question first; a follow-up falls back, analyte by analyte, to the earlier
    question's values (its words are in `query`), and so does a question about the patient
    an earlier turn described (`same_patient`). A value given now without its baseline takes
    the baseline an earlier turn gave ("Baseline: proteinuria 4.8 g" ... "Now 1.9 g:
    partial?"), unless the question turns to another patient."""
    asked = measurements.parse(question)
    if query != question:
        asked = _filled(asked, measurements.parse(query))
    if not earlier or ANOTHER_PATIENT.search(question):
        return asked
    given = measurements.parse(earlier)
    later = bool(measurements.LATER_TIME.search(question))
    with_baselines = PatientValues(
        tuple(_with_baseline(m, given.get(m.analyte), later) for m in asked.measurements),
        asked.not_understood,
    )
    return _filled(with_baselines, given) if same_patient else with_baselines


def _filled(values: PatientValues, fallback: PatientValues) -> PatientValues:
    """`values`, with `fallback`'s measurement for each analyte it lacks."""
    found = (values.get(a) or fallback.get(a) for a in measurements.ANALYTES)
    return PatientValues(tuple(m for m in found if m), values.not_understood)


def _with_baseline(
    now: measurements.Measurement, before: measurements.Measurement | None, later: bool = False
) -> measurements.Measurement:
    """`now` with the baseline of an earlier turn's reading, when it has none of its own; a
    value of the earlier turn is the baseline of one given `later` (at a later time)."""
    if before is None or now.baseline is not None:
        return now
    if now.value is None or now.change_percent is not None:
        return now
    if before.baseline is not None:
        baseline, unit = before.baseline, before.baseline_unit or before.unit
    elif later and before.value is not None:
        baseline, unit = before.value, before.unit
    else:
        return now
    return replace(
        now,
        baseline=baseline,
        baseline_unit=unit,
        text=f"{now.text}; baseline from earlier: {before.text}",
    )


def _first(getter: Callable[..., Any], sources: tuple[str, ...], *args: Any) -> Any:
    """What `getter` reads in the first of `sources` that gives it: the current question, then
    the resolved follow-up query, then (same patient) the earlier turn."""
    for text in dict.fromkeys(sources):
        value = getter(text, *args)
        if value is not None:
            return value
    return None
