"""What a question asks for: checks the input, resolves follow-ups from the chat history and
reads, once, what the question asks and gives (`intent.read`). Later stages read the Route."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, fields, replace
from typing import Any

from . import extract
from .intent import (
    DEFINITION,
    EFFECT_SIZE_TERMS,
    RESULT,
    STUDY_BY_ARMS,
    Facet,
    Intent,
    Reading,
    RetrievalCues,
    Task,
    facet_of,
    read,
)
from .lexical import GENERAL_ACRONYMS, bm25_tokens
from .measurements import PatientValues
from .numerals import UNIT_WORDS, with_digits
from .profile import ArmVocabulary, Profile
from .spelling import Correction
from .support import STOPWORDS, claim_text
from .verify import numbers_in, value_key

# A word acknowledging the last answer ("OK", "Thanks", "Fine"), before what is asked next.
_ACKNOWLEDGEMENT = r"(?:ok(?:ay)?|right|alright|thanks|thank you|great|got it|cool|sure|fine)"
_FOLLOW_UP = re.compile(
    # an acknowledgement may come first: "OK, and ...", "Thanks — what about ..."
    rf"^\s*(?:{_ACKNOWLEDGEMENT}[\s,;:.!\u2013\u2014-]+)?"
    r"(and|what about|how about|and what about|same for|and for|and in|and with|in the|"
    r"for the|for an?|what of|and the|and its|versus|vs\.?|compared with|"
    r"(?:the\s+)?same\s+(?:question|thing|figures?|numbers?|rates?|measures?|data|values?|"
    r"end[- ]?points?|outcomes?|time[- ]?points?|analys[ie]s|comparisons?))\b",
    re.IGNORECASE,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Route:
    """The question as the chain will use it: what it asks (intent, facet, calculations) and
    what it gives (the patient's measurements, a weight, counts), read once by `route`.

    A Route built by hand with only its first four fields has `intent` None: `understood`
    reads it then (the tools stage does so for such a Route)."""

    question: str  # as asked, cleaned of control characters
    query: str  # what retrieval searches for (follow-ups resolved)
    arms: tuple[str, ...]  # treatment arms the question is about, canonical names
    asks_advice: bool
    asks_other_task: bool = False  # a request for writing of another kind, not for evidence
    follow_up_of: str | None = None
    # "and the other arm?": the arms the earlier question named, which this one is not about.
    other_than: tuple[str, ...] = ()
    # The follow-up names a study the earlier question did not ("ok and with drug C in
    # ORBIT?"): a first question about that study, not a switch of arm within one sentence.
    new_study: bool = False
    # The later questions of a question asking several ("What dose was used, and what
    # background therapy did both arms get?"): each wants a sentence of its own.
    parts: tuple[str, ...] = ()
    # The claims the question rests on ("Given that the trial was double-blind, ..."), the
    # last of its `parts`: each is checked by a sentence of its own.
    premises: tuple[str, ...] = ()
    # The previous user turn (itself resolved), follow-up or not: a patient's baseline values
    # given there still hold for the same patient's check now.
    earlier: str | None = None
    # The figures the previous answer stated in its own voice, for a follow-up: a sentence
    # giving only these again tells the asker nothing new.
    stated_before: frozenset[float] = frozenset()
    # The figures of the previous answer, for a follow-up pointing back at them ("the relative
    # risk from those numbers"): the figures it works on.
    pointed_at: frozenset[float] = frozenset()
    vocabulary: ArmVocabulary = field(default_factory=lambda: ArmVocabulary({}), compare=False)
    intent: Intent | None = None  # None: not read yet (a hand-built Route; see `understood`)
    facet: Facet | None = None  # the aspect of the evidence asked about
    # The calculations the words call for, in the order the tools stage tries them.
    tasks: tuple[Task, ...] = ()
    patient: PatientValues = field(default_factory=PatientValues)  # current question first
    weight_kg: float | None = None  # the patient's weight
    weights_kg: tuple[float, ...] = ()  # every weight asked about ("62 kg, and 50 kg?")
    age_years: float | None = None  # the patient's age
    height_cm: float | None = None  # the patient's height
    bmi: float | None = None
    disease_class: str | None = None  # a biopsy-style class ("class IV"), when the profile has one
    conversion: tuple[float, str, str] | None = None  # (value, from unit, to unit)
    threshold_units: tuple[str, ...] = ()  # the units the evidence's thresholds are asked in
    counts: tuple[int, int] | None = None  # "93 of 124": events and total to check
    group_counts: tuple[tuple[int, int], ...] = ()  # every count given ("88/156 vs 83/154")
    reported_percent: str | None = None  # a percentage the question states, as written
    figures: tuple[float, ...] = ()  # every number the question states, by value
    margin: float | None = None  # a non-inferiority margin the question states
    measure: str | None = None  # the response measure named ("complete", "partial", "overall")
    names_response: bool = False  # names a response or remission, whatever its kind
    asks_interval: bool = False  # a confidence interval of one group's figure is asked for
    needs_counts: bool = False  # the measure asked for needs each arm's counts
    about_harms: bool = False  # an outcome where fewer is better (harms, death, relapse)
    names_own_study: bool = False  # "the trial", "this study": the evidence base's own
    names_protocol_drug: bool = False  # names the drug of the profile's dosing protocol
    subgroups: frozenset[str] = frozenset()  # the profile's subgroups it names (`subgroups_in`)
    # An entry check read from a patient's age or BMI alone, no word asking about entry:
    # what the question is about must still be in the evidence base.
    entry_implied: bool = False
    dose_count: int | None = None  # the doses of a course the question gives ("six doses")
    bsa_m2: float | None = None  # the patient's body-surface area
    asks_limit: bool = False  # a cap on a cumulative amount is asked about ("% of the ceiling")
    asks_time: bool = False  # when a figure was measured is asked ("at which week?")
    cues: RetrievalCues = field(default_factory=RetrievalCues)
    # The question's words read as the evidence base's ("remision" as "remission"): `question`
    # and `query` hold the words read; `typed` the question as typed, when they differ.
    corrections: tuple[Correction, ...] = ()
    typed: str | None = None

    @property
    def as_asked(self) -> str:
        """The question as the user typed it (what an answer repeats)."""
        return self.typed if self.typed is not None else self.question

    @property
    def asks_result(self) -> bool:
        """A finding (a comparison of groups, an effect estimate) answers it."""
        return self.cues.asks_result

    @property
    def asks_figure(self) -> bool:
        """A sentence with figures in it answers it."""
        return self.cues.asks_figure


def invalid_reason(question: Any, max_chars: int) -> str | None:
    """A clear message when the question cannot be answered at all, else None."""
    if not isinstance(question, str):
        return "Please ask the question as text."
    if not question.strip():
        return "Please type a question: the message was empty."
    if len(question) > max_chars:
        return (
            f"That question is {len(question):,} characters long; the limit is {max_chars:,}. "
            "Please shorten it to the question itself."
        )
    if not re.search(r"[^\W\d_]", _CONTROL.sub("", question)):
        return "Please ask a question in words; the message contained no words."
    return None


def route(
    question: str, history: Sequence[dict[str, Any]] | None = None, profile: Profile | None = None
) -> Route:
    """Resolve the question against the chat history (Gradio's messages format); arms are
    named as the profile names them."""
    return understood(_resolved(question, history, profile), profile)


# "the Lee drug A trial", "the drug B study": an arm's name describing the study.
_DESCRIBES_STUDY = re.compile(r"\s+(?:trial|study|rct)\b", re.I)


def _arms_asked(text: str, vocabulary: ArmVocabulary) -> tuple[str, ...]:
    """The arms `text` asks about: those it names other than as a description of the study
    ("overall response in the drug A trial?" asks about the trial, both its arms)."""
    named = vocabulary.in_question(text)
    return tuple(arm for arm in named if not _only_describes_study(text, arm, vocabulary))


def _only_describes_study(text: str, arm: str, vocabulary: ArmVocabulary) -> bool:
    """Every mention of `arm` names the study: "the drug A trial", "the A vs B study"."""
    pattern = vocabulary.pattern(arm)
    mentions = list(pattern.finditer(text)) if pattern is not None else []
    by_arms = [m.span() for m in STUDY_BY_ARMS.finditer(text)]
    return bool(mentions) and all(
        _DESCRIBES_STUDY.match(text, m.end()) or any(a <= m.start() < b for a, b in by_arms)
        for m in mentions
    )


def _resolved(
    question: str, history: Sequence[dict[str, Any]] | None, profile: Profile | None
) -> Route:
    """The Route of `question` with its follow-up resolved, not yet read."""
    vocabulary = (profile or Profile.generic()).arms
    cleaned = " ".join(_CONTROL.sub(" ", question).split())
    previous = _previous_user_question(history or [], profile)
    # a turn correcting the last question is read as what it asks instead
    repaired = _repaired(cleaned) if previous else None
    typed, cleaned = (cleaned, repaired) if repaired else (None, cleaned)
    arms = _arms_asked(cleaned, vocabulary)
    if arms and previous and not vocabulary.in_text(previous):
        # "and the cyc number?" after a definition asked about the tac rate: the arm takes
        # the place of the arm of the last question that named one.
        previous = _previous_user_question(history or [], profile, naming_arm=True) or previous
    query = cleaned
    follow_up_of = None
    other_than: tuple[str, ...] = ()
    new_study = False
    stated_before: frozenset[float] = frozenset()
    pointed_at: frozenset[float] = frozenset()
    not_names = GENERAL_ACRONYMS | (profile or Profile.generic()).not_study_names
    # "Back to the drug A study - ...": the conversation returns to the study of the turn that
    # named it, asking the new question of it
    earlier_turn = _BACK_TO.search(cleaned)
    back = earlier_turn and _turn_about(
        history or [], earlier_turn.group(1), profile, vocabulary, not_names
    )
    back = back or (_FIRST_SUBJECT.search(cleaned) and _first_turn(history or [], profile))
    if earlier_turn and not back and _UNNAMED_SUBJECT.search(earlier_turn.group(1)):
        # "back to the steroid regimen", "back to the phase 3 trial itself": a return is to a
        # subject before the last turn's
        back = _turn_described(history or [], earlier_turn.group(1), profile)
    previous = back or previous
    calculation_only = _only_a_calculation(cleaned)
    continues = previous and (
        repaired is not None
        or _is_follow_up(cleaned, vocabulary)
        or _refers_to_unnamed_study(cleaned, not_names)
        or _their_study(cleaned, not_names, vocabulary)
        or _goes_on(cleaned, not_names, vocabulary)
        or calculation_only
    )
    each_arm = bool(_EACH_ARM.search(cleaned)) and not _study_mentions(cleaned, not_names)
    if previous and (continues or each_arm or back):
        follow_up_of = previous
        new_arms = set(arms) - set(vocabulary.in_text(previous))
        if (
            _POINTS_BACK.search(cleaned)
            or calculation_only
            or _effect_of_the_last(cleaned, new_arms)
        ):
            pointed_at = _stated_before(history or [])
        named_now = {m.group().lower() for m in _study_mentions(cleaned, not_names)}
        new_study = bool(
            named_now - {m.group().lower() for m in _study_mentions(previous, not_names)}
        )
        earlier = _without_other_study(previous, cleaned, not_names)
        earlier = _without_other_measure(earlier, cleaned)
        if RESULT.search(cleaned) and facet_of(earlier) == "definition":
            # "X defined?" + "and the results?": the results are asked, not the definition
            earlier = " ".join(DEFINITION.sub(" ", earlier).split())
        if not arms and OTHER_ARM.search(cleaned):
            # The earlier arm stays in the query: the sentence giving both arms answers it.
            other_than = _arms_asked(previous, vocabulary)
        query = _merge(earlier, cleaned, arms, vocabulary)
        study_only = facet_of(cleaned) == "definition" or not continues
        if study_only:
            # A term is defined for a study, not for one of its arms or results ("How was
            # remission defined?" after one arm's rate), and a question on each arm asks about
            # all of them: only the earlier study is carried.
            studies = (m.group() for m in _study_mentions(earlier, not_names))
            query = " ".join((cleaned, *studies))
        elif not arms and _new_ask_of_that_study(cleaned):
            # a question of its own about "that trial" asks something new of the study (its
            # name and arms), not of the earlier question's topic
            studies = (m.group() for m in _study_mentions(earlier, not_names))
            query = " ".join((cleaned, *studies, *vocabulary.in_order(earlier)))
        if not arms and not other_than:
            # (a turn to another arm reads the same sentence as the last answer did)
            stated_before = _stated_before(history or [])
        arms = arms or (() if other_than or study_only else _arms_asked(previous, vocabulary))
    claims = premises(cleaned)
    return Route(
        cleaned,
        query,
        arms,
        False,
        follow_up_of=follow_up_of,
        other_than=other_than,
        new_study=new_study,
        parts=later_parts(cleaned) + claims,
        premises=claims,
        earlier=previous,
        stated_before=stated_before,
        pointed_at=pointed_at,
        vocabulary=vocabulary,
        typed=typed,
    )


# A turn correcting the last question: "No, I meant ...", "Sorry - ... , not ...", "I meant
# ...": an interjection, then what the asker meant (`meant`) or what they set aside.
_REPAIR = re.compile(
    r"^\s*(?:(?:no|nope|sorry|oops|actually|wait)\s*[,;:.!\u2013\u2014-]+\s*)+"
    r"(?P<meant>i\s+(?:meant|mean|need(?:ed)?|want(?:ed)?|was\s+asking\s+(?:about|for)|"
    r"should\s+have\s+(?:said|asked(?:\s+(?:about|for))?))\s+)?|"
    r"^\s*(?P<alone>i\s+(?:meant|mean)\s+)",
    re.I,
)


def _repaired(question: str) -> str | None:
    """What a turn correcting the last question asks instead ("No, I meant complete
    response, not the primary endpoint" asks "complete response"), or None for a question
    that corrects nothing ("Sorry, quick one: what was the dose?" asks anew)."""
    opener = _REPAIR.match(question)
    rest = question[opener.end() :] if opener else ""
    if opener is None or not (opener["meant"] or opener["alone"] or extract.SET_ASIDE.search(rest)):
        return None
    # (without what it sets aside: "..., not the 5-year ones")
    asked = extract.SET_ASIDE.sub("", rest).strip(" ,;-\u2013\u2014")
    return asked if _WORD.search(asked.lower()) else None


# Where a second question starts inside one message: a clause opening with a question word
# (a preposition may lead it: "and at which week ...") after a comma, semicolon, dash or
# question mark, or after "and".
_LED = r"(?:(?:at|in|for|by|to|from|on|with|after|over|of)\s+)?"
_PART_BREAK = re.compile(
    r"(?:[,;?—–]|\s-)\s*(?:and\s+|but\s+|also\s+)?(?=" + _LED + r"(?:what|which|how|when|who|"
    r"where|did|does|do|was|were|is|are)\b)|\band\s+(?=" + _LED + r"(?:what|which|how|when|who|"
    r"where)\b)",
    re.I,
)
# The items of a list ("dose, duration, primary endpoint"; "..., and what followed it")
_LIST_ITEM = re.compile(r"\s*,\s*(?:and\s+|or\s+)?")
MIN_PART_WORDS = 3  # content words a later part needs to ask something of its own
MIN_LIST = 3  # items: three or more asks in a row are each an ask, however short
MAX_ITEM_WORDS = 6  # words: a longer stretch between commas is a clause, not a list item


def later_parts(question: str) -> tuple[str, ...]:
    """The questions after the first in a message asking several; each needs words of its
    own ("..., and what background therapy did both arms receive?"), so "what about it?"
    or "is that right?" is no second question. In a list of three or more asks ("dose,
    duration, primary endpoint?"; "how many countries, how many patients, and ..."), every
    item with a content word is one."""
    pieces = [p.strip(" ,;?.-—–") for p in _PART_BREAK.split(question)]
    if len(pieces) > 1 and re.fullmatch(_ACKNOWLEDGEMENT, pieces[0], re.I):
        pieces = pieces[1:]  # "Fine - and how many ...?" asks one thing
    listed = _list_items(pieces[-1])
    if len(listed) >= MIN_LIST:
        pieces = [*pieces[:-1], *listed]
    least = 1 if len(pieces) >= MIN_LIST else MIN_PART_WORDS
    return tuple(
        piece
        for piece in pieces[1:]
        if not _ABOUT_THE_REPLY.search(piece)
        and len([w for w in _WORD.findall(piece.lower()) if w not in STOPWORDS])
        >= (1 if _WH_ASK.match(piece) else least)
    )


# A remark on the form of the reply, no ask: "a rough figure is fine", "no caveats please",
# "keep it short", "thanks"
_ABOUT_THE_REPLY = re.compile(
    r"^(?:(?:an?|the|any)\s+)?(?:[\w-]+\s+){0,2}(?:is|are|would\s+be|will\s+do)\s+"
    r"(?:fine|ok(?:ay)?|enough|good)$|"
    r"^no\s+(?:caveats?|hedging|disclaimers?|lectures?|explanations?|essays?|waffle)\b|"
    r"^(?:please\s+)?(?:keep\s+it|be)\s+(?:short|brief|quick)\b|"
    rf"^(?:{_ACKNOWLEDGEMENT}|please|cheers)$",
    re.I,
)


# A part opening with a question word asks something with one word of its own ("and what
# followed it?"); without one ("is that right?") it needs more.
_WH_ASK = re.compile(_LED + r"(?:what|which|how|when|who|where)\b(?!\s+about\b)", re.I)


# A premise the question rests on, stated before it asks something else: "Given that X, ..."
# or "Since X, ..." (a claim asked about itself, "I read X. Right?", is the question).
_PREMISE = re.compile(
    r"^\s*(?:so\s+)?(?:given\s+that|since|because|seeing\s+that|now\s+that)\s+([^,?]{12,}),",
    re.I,
)


def premises(question: str) -> tuple[str, ...]:
    """The claim a question rests on, checked by a sentence of its own ("Given that the trial
    was double-blind, ..." is answered with how it was blinded too)."""
    return tuple(m.group(1) for m in _PREMISE.finditer(question))


def _list_items(text: str) -> list[str]:
    """The items of a list of short asks separated by commas (the first may carry what the
    question opens with); [] when a stretch after the first is too long to be an item."""
    items = [i.strip(" ,;?-—–") for i in _LIST_ITEM.split(text.strip(" ?"))]
    if any(len(item.split()) > MAX_ITEM_WORDS for item in items[1:]):
        return []
    return items


# "the other arm", "the control group", "the comparator": the arm the earlier question did not
# name.
OTHER_ARM = re.compile(
    r"\b(?:the\s+)?(?:other|control|comparator)\s+(?:arm|group|one|drug)s?\b|\bthe\s+comparator\b",
    re.I,
)


# An outcome named by its role in the study ("the primary endpoint", "its main result", "the
# primary renal response"), not by what it measures.
_OUTCOME_BY_ROLE = re.compile(
    r"\b(?:primary|main|headline)\b(?:\s+(?:efficacy|renal|kidney|end-?points?|outcomes?|"
    r"results?|response|remission|analysis))*",
    re.I,
)


def _without_other_measure(previous: str, follow_up: str) -> str:
    """The earlier question without its response measure when the follow-up names another
    ("overall response?" + "and partials only?"; "primary endpoint?" + "and complete
    response?"): the new measure takes its place. An outcome named by its role ("main
    result?") gives way to another aspect the follow-up turns to ("and serious infections?")."""
    now = extract.measure_of(follow_up)
    if now is None:
        if facet_of(follow_up) not in (None, "efficacy"):
            return " ".join(_OUTCOME_BY_ROLE.sub(" ", previous).split())
        return previous
    before = extract.measure_of(previous)
    if before is None:
        return " ".join(_OUTCOME_BY_ROLE.sub(" ", previous).split())
    if before == now:
        return previous
    return " ".join(extract.without_measures(previous).split())


def understood(routed: Route, profile: Profile | None = None) -> Route:
    """The Route with what its question asks and gives read (`intent.read`); a Route already
    read is returned as it is."""
    if routed.intent is not None:
        return routed
    profile = profile or Profile.generic()
    reading = read(
        with_digits(routed.question),  # a dictated note's values, as digits
        with_digits(routed.query),
        routed.follow_up_of is not None,
        routed.arms,
        profile,
        routed.earlier,
    )
    fields_read = _fields(reading)
    if fields_read.get("asks_advice") and profile.subgroup is not None:
        # A treatment asked for a described patient is searched for the concern the question
        # states ("wants children"): her subgroup ("class IV") describes her, it is not asked.
        query = " ".join(profile.subgroup.sub(" ", routed.query).split())
        return replace(routed, **fields_read, query=query)
    return replace(routed, **fields_read)


def _fields(reading: Reading) -> dict[str, Any]:
    return {f.name: getattr(reading, f.name) for f in fields(reading)}


# "that" after a verb or preposition ("what does that work out to?", "is that significant?")
_THAT_AFTER_VERB = r"\b(?:does|did|is|was|of|from|on|for|about)\s+that\b"
_ANAPHORA = re.compile(
    r"^\s*(?:so|then|ok(?:ay)?|and|what\s+if|if)\b|\binstead\b|"
    r"\b(?:them|those|these|its|both arms|the two arms|the other arm|"
    r"that trial|that study|this trial|same trial|same study|"
    # "the same time point", "... though": contrasted with, or set at, the last question's
    r"same\s+(?:time\s*point|week|month|visit|outcome|end\s?point|arms?|groups?|class|"
    r"subgroup|fields?|items?)|though)\b|"
    # "that" standing for what was just said, after a verb or preposition ("what does that
    # work out to?", "is that significant?"), not opening a phrase ("is that the ... arm?")
    + _THAT_AFTER_VERB
    + r"(?!\s+(?:the|a|an|\w+(?:ed|ing)\b))|"
    # "it" as the object of a preposition ("who benefited most from it?"), or as the subject
    # of a question about what was just named ("how long was it given?"; not the "it" of
    # "is it true that ...")
    r"\b(?:of|from|on|for|about|with|to)\s+it\b|"
    r"\b(?:was|is|were|did|does|has|had)\s+it\b(?!\s+(?:true|possible|known|likely|the\s+case)\b)|"
    r"^\s*(?:only|just)\b|"  # restricting the earlier question: "only for class V?"
    # the earlier answer carried to something else: "does the same hold for drug B?"
    r"\b(?:the\s+)?same\s+(?:hold|holds|held|apply|applies|applied|go|goes|true|thing)\b",
    re.IGNORECASE,
)


# A demonstrative with a noun for what was just discussed ("from those two rates", "that
# result"): the question works on the previous one's findings, however long it is ("those
# with class V" and "these patients who ..." describe, not point back).
_POINTS_BACK = re.compile(
    r"\b(?:those|these)\s+(?:two\s+|three\s+|\d+\s+)?(?:rates|figures|numbers|results|"
    r"percentages|proportions|values|estimates|findings|data)\b|"
    # (with a word saying which: "that primary result", "that week-52 rate"), or the effect
    # measure it gave ("that odds ratio", "that interval", "that p-value")
    r"\bthat\s+(?:(?!the\b|a\b|an\b)[\w-]+\s+)?"
    r"(?:rate|figure|number|result|percentage|proportion|estimate|finding|ratio|interval|"
    r"value|p-value|ci|nnt)\b|"
    # ... or the comparison it gave: "was that difference significant?", "those gaps"
    r"\b(?:that|this)\s+(?:difference|gap|effect|benefit|reduction|increase)\b|"
    r"\b(?:those|these)\s+(?:differences|gaps|effects|benefits)\b|"
    # "that" standing for the last answer: "how many grams is that in total?"
    r"\b(?:is|was)\s+that\b(?=\s+(?:in|over|for|per|as|at|when|with|compared)\b|\s*[?.!]|\s*$)|"
    # ... as the subject of a verb of amounting: "what would that come to for 55 kg?"
    r"\b(?:would|will|does|did|could)\s+that\s+(?:come|work|amount|translate|add|give|mean)\b|"
    # "that one", "the latter": a pronoun for the thing last named ("the NNT for that one"),
    # not a determiner ("that one patient")
    r"\b(?:that|this)\s+one\b(?=\s*(?:[?.!,;:)]|$)|\s+(?:and|or|in|at|for|of|with|on|by|"
    r"from|to|versus|vs|compared|is|was|were|did|does|had|has|show(?:ed)?|report(?:ed)?|"
    r"found|gave|give)\b)|\bthe\s+latter\b",
    re.IGNORECASE,
)
SHORT_QUESTION = 4  # words: a question this short may lean on the previous one
# "the trial", "the study's", "the IV arm": a definite reference to a study or to one of its
# arms ("how long was the trial?"), not a description of one ("the trial of drug A").
_DEFINITE_STUDY = re.compile(
    r"\b(?:the|that|this)\s+(?:trial|study|rct)(?:'s)?\b"
    r"(?!\s+(?:of|on|in|that|which|where|comparing|with|by|from|for)\b)|"
    r"\bthe\s+(?:[\w-]+\s+){1,3}(?:arm|group)s?\b|"
    # a later phase of a study already discussed: "the continuation study", "the 10-year
    # follow-up", "the extension"
    r"\bthe\s+(?:[\w-]+\s+){0,2}(?:continuation|extension|follow[- ]?up)\b",
    re.IGNORECASE,
)
# The arms taken one by one ("in each arm", "both groups"), which only a study already known
# has: the question is about the conversation's study, on a topic of its own.
_EACH_ARM = re.compile(r"\b(?:each|both|either)\s+(?:of\s+the\s+)?(?:arms?|groups?)\b", re.I)
_WORD = re.compile(r"[a-z][a-z-]+")


def _is_follow_up(question: str, vocabulary: ArmVocabulary) -> bool:
    """Starts like a continuation ("and with ...?"), points back ("the difference between
    them") without naming what it is about, or is very short and names only what it is about
    ("drug B?") or only what is asked ("side effects?"). A short question that names both its
    subject and what it asks ("Side effects of drug B?") stands on its own."""
    if _FOLLOW_UP.match(question) or _POINTS_BACK.search(question):
        return True
    words = question.split()
    if len(words) <= SHORT_QUESTION:
        named = vocabulary.in_question(question)
        remainder = question.lower()
        for arm in named:
            pattern = vocabulary.pattern(arm)
            remainder = pattern.sub(" ", remainder) if pattern else remainder
        asked = [w for w in _WORD.findall(remainder) if w not in STOPWORDS]
        return not (named and asked)
    return len(words) <= 10 and bool(_ANAPHORA.search(question))


# The study itself pointed at ("that trial", "this study", "the same RCT"), not its results
_THAT_STUDY = re.compile(r"\b(?:that|this|the\s+same|same)\s+(?:trial|study|rct)\b", re.I)
_WH_QUESTION = re.compile(
    r"^\s*(?:how|what|which|who|whom|when|where|why|did|does|was|were)\b", re.I
)


# "that" standing for the last answer ("how does that compare ...?", "is that significant?")
_THAT_ANSWER = re.compile(
    _THAT_AFTER_VERB + r"(?!\s+(?:the|a|an|trial|study|rct|\w+(?:ed|ing))\b)", re.I
)


def _new_ask_of_that_study(question: str) -> bool:
    """A question of its own about the study pointed at ("How many patients did that trial
    randomise?"): it opens as a question, and neither continues the last one ("and ...",
    "what about ...") nor points at its answer or figures or at the other arm."""
    return bool(
        _THAT_STUDY.search(question)
        and _WH_QUESTION.match(question)
        and not _FOLLOW_UP.match(question)
        and not _POINTS_BACK.search(question)
        and not _THAT_ANSWER.search(question)
        and not OTHER_ARM.search(question)
    )


def _refers_to_unnamed_study(question: str, not_names: frozenset[str]) -> bool:
    """A question of any length pointing at "the trial" or "the X arm" without naming a study
    is about the study the conversation has been on."""
    return bool(_DEFINITE_STUDY.search(question)) and not _study_mentions(question, not_names)


# "they", "their" with no study or arm named: the investigators or patients of the study
# the conversation is on ("I don't suppose they broke that down for class V?")
_THEY = re.compile(r"\b(?:they|their)\b", re.I)


# "there" standing for a place already named ("how many were randomised there?"), not the
# "there" saying something exists ("is there", "there were").
_THERE = re.compile(
    r"(?<!\bis )(?<!\bare )(?<!\bwas )(?<!\bwere )(?<![.?!]\s)(?<!^)\bthere\b"
    r"(?!\s+(?:is|are|was|were|be|been|any|a|an|no|will|would|might|may|could|should|must)\b)"
    r"(?!'s)",
    re.I,
)


def _their_study(question: str, not_names: frozenset[str], vocabulary: ArmVocabulary) -> bool:
    if _study_mentions(question, not_names):
        return False
    return bool(_THERE.search(question)) or bool(
        _THEY.search(question) and not vocabulary.in_question(question)
    )


# "So ...", "Then ...": the conversation goes on from the last question.
_GOES_ON = re.compile(r"^\s*(?:so|then)\b", re.I)


def _goes_on(question: str, not_names: frozenset[str], vocabulary: ArmVocabulary) -> bool:
    """A question of any length opening with "so" or "then" that names no study and no arm
    ("So for a patient with a BSA of 1.6 m2, what is the starting dose?") works on what the
    last question was about."""
    return bool(
        _GOES_ON.match(question)
        and not _study_mentions(question, not_names)
        and not vocabulary.in_question(question)
    )


def _previous_user_question(
    history: Sequence[dict[str, Any]], profile: Profile | None = None, naming_arm: bool = False
) -> str | None:
    """The previous user turn (`naming_arm`: the last one naming an arm), itself resolved
    against the turns before it (so a follow-up two turns after its subject keeps that
    subject)."""
    vocabulary = (profile or Profile.generic()).arms
    for turn in _user_turns(history):
        query = _resolved_turn(history, turn, profile)
        if not naming_arm or vocabulary.in_text(query):
            return query
    return None


def _user_turns(history: Sequence[dict[str, Any]]) -> Iterator[tuple[int, str]]:
    """The user turns that say something, latest first, each with its position."""
    for position in range(len(history) - 1, -1, -1):
        message = history[position]
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str) and content.strip():
                yield position, content.strip()


# "Back to the X study", "going back to X", "returning to X": a return to an earlier subject.
_BACK_TO = re.compile(r"\b(?:back|returning|return)\s+to\s+([^-\u2013\u2014,:;?.]{2,60})", re.I)


# The words of a calculation asked of figures ("the gap in percentage points", "and the NNT?")
_CALCULATION_WORDS = (
    "difference gap nnt nnh number needed need treat harm relative absolute risk ratio rr rd "
    "arr rrr odds percentage percent point reduction increase interval confidence ci "
    "calculate compute work figure "
    # the words of a request that name nothing ("put that in absolute terms for me")
    "put express give show tell me us terms"
)


# An effect size computed from two groups' figures (not a design fact: "what margin?")
_EFFECT_ASKED = re.compile(
    r"\bnn[th]\b|number needed|one (?:extra|more|additional)\b|"
    r"(?:need|needs|have|has) to (?:get|take|treat|be treated)\b|odds ratio|risk ratio|"
    r"relative risk|risk difference|\bci\b|confidence interval|" + EFFECT_SIZE_TERMS,
    re.I,
)


def _effect_of_the_last(question: str, new_arms: AbstractSet[str]) -> bool:
    """A follow-up asking an effect size that needs two groups' figures ("so how many have to
    take it for one extra to get better?") and names no arm the last question did not, and no
    study or figure of its own: the figures it works on are the ones the last answer gave."""
    return (
        bool(_EFFECT_ASKED.search(question))
        and not new_arms
        and not _STUDY_ACRONYM.search(question)
        and not _AUTHOR_YEAR.search(question)
        and not re.search(r"\d", question)
    )


def _only_a_calculation(question: str) -> bool:
    """A follow-up whose words ask for a calculation and name nothing else ("So what's the gap
    in percentage points?"): it works on the figures the previous answer gave."""
    words = {w for w in bm25_tokens(question) if len(w) > 1}  # ("what's": no "s")
    return bool(words) and words <= _calculation_tokens()


@functools.cache
def _calculation_tokens() -> frozenset[str]:
    """`_CALCULATION_WORDS` as search tokens, stemmed once (not at import: the stemmer loads
    on first use)."""
    return frozenset(bm25_tokens(_CALCULATION_WORDS))


# "the first trial we discussed", "that first study": the subject of the conversation's first
# turn (not a description: "the first trial of drug A", "the first study to ...")
_FIRST_SUBJECT = re.compile(
    r"\b(?:the|that|this)\s+(?:very\s+)?first\s+(?:trial|study|rct|one|paper)\b"
    r"(?!\s+(?:of|on|in|to|that\s+(?!we|you|i)|which|comparing|with|by|for)\b)",
    re.I,
)


# What a return names when it names no study or arm: a study or a subject, described
_UNNAMED_SUBJECT = re.compile(r"\b(?:trial|study|rct|paper|drug|question|topic)\b", re.I)


def _turn_described(
    history: Sequence[dict[str, Any]], subject: str, profile: Profile | None
) -> str | None:
    """The user turn before the latest one that shares most of the words describing
    `subject` ("the steroid regimen": the turn on steroids), else the one just before the
    latest; resolved like any previous question."""
    earlier = list(_user_turns(history))[1:]
    if not earlier:
        return None
    described = set(bm25_tokens(_UNNAMED_SUBJECT.sub(" ", subject)))
    shared = [len(described & set(bm25_tokens(content))) for _position, content in earlier]
    return _resolved_turn(history, earlier[shared.index(max(shared))], profile)


def _first_turn(history: Sequence[dict[str, Any]], profile: Profile | None) -> str | None:
    """The conversation's first user turn, resolved like any previous question."""
    turns = list(_user_turns(history))
    return _resolved_turn(history, turns[-1], profile) if turns else None


def _resolved_turn(
    history: Sequence[dict[str, Any]], turn: tuple[int, str], profile: Profile | None
) -> str:
    """A user turn (its position, its words) resolved like any previous question, against the
    conversation before it."""
    position, content = turn
    return _resolved(content, history[:position], profile).query


def _turn_about(
    history: Sequence[dict[str, Any]],
    subject: str,
    profile: Profile | None,
    vocabulary: ArmVocabulary,
    not_names: frozenset[str],
) -> str | None:
    """The latest user turn naming the study or arm `subject` names, resolved like any
    previous question; None when no turn names it."""
    named = {m.group().lower() for m in _study_mentions(subject, not_names)}
    arms = set(vocabulary.in_text(subject))
    if not (named or arms):
        return None
    for turn in _user_turns(history):
        content = turn[1]
        mentions = {m.group().lower() for m in _study_mentions(content, not_names)}
        if named & mentions or (arms and arms <= set(vocabulary.in_text(content))):
            return _resolved_turn(history, turn, profile)
    return None


# The parts of an answer that are not its own claims: the sections listing calculations
# and quoted evidence, and a source's attribution line ("_(Lee 2020 · RCT)_").
_ANSWER_APPENDIX = re.compile(r"\n\s*\*\*(?:Calculation|Evidence)\b.*", re.S)
_ATTRIBUTION = re.compile(r"_\([^)\n]*\)_")


def _stated_before(history: Sequence[dict[str, Any]]) -> frozenset[float]:
    """The figures of the last assistant turn, in its own voice (not its quotes, evidence list
    or attributions)."""
    for message in reversed(history):
        if isinstance(message, dict) and message.get("role") == "assistant":
            content = message.get("content")
            if not isinstance(content, str):
                return frozenset()
            said = claim_text(_ATTRIBUTION.sub(" ", _ANSWER_APPENDIX.sub("", content)))
            return frozenset(value_key(abs(t.value)) for t in numbers_in(said))
        if isinstance(message, dict) and message.get("role") == "user":
            return frozenset()
    return frozenset()


def _merge(
    previous: str, follow_up: str, new_arms: tuple[str, ...], vocabulary: ArmVocabulary
) -> str:
    """ "What was the CR rate with drug A?" + "and with drug B?" -> swap the arm. What the
    follow-up names replaces the same kind of thing in the earlier question: its arms, and
    its time point ("... at week 52?" + "what about after 3 years?")."""
    if _TIME_POINT.search(follow_up):
        previous = " ".join(_TIME_POINT.sub(" ", previous).split())
    old_arms = vocabulary.in_text(previous)
    if new_arms and old_arms:
        merged = previous
        for arm in old_arms:
            pattern = vocabulary.pattern(arm)
            if pattern is not None and arm not in new_arms:
                # one arm named: it takes the old arms' place; several: they restate them
                merged = pattern.sub(new_arms[0] if len(new_arms) == 1 else " ", merged)
        if len(new_arms) > 1 or _own_words(follow_up, new_arms, vocabulary):
            return f"{follow_up} {merged}"
        return merged
    return f"{follow_up} {previous}"  # what is asked now first, then what it refers to


# A study named in a question: an acronym ("STAR 2", "ABC-LN"), an author and year ("Lee
# 2015", "Lee et al. 2016") or its arms ("the drug A vs drug B trial").
_STUDY_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9]{2,}(?:-(?:[A-Z0-9]{2,}|\d\b))?(?:\s+\d\b)?")
# (an organisation with a year names its publication of that year: "XYZ 2024")
_AUTHOR_YEAR = re.compile(r"\b(?:[A-Z][a-z]+|[A-Z]{2,})(?:\s+et\s+al\.?)?\s+(?:19|20)\d\d\b")
# A study called by its author or place ("the Smith trial", "the Lee et al. study", "the New
# Haven study", "Smith's trial"), without the year.
_AUTHOR_STUDY = re.compile(
    r"(?<=[Tt]he )[A-Z][a-z]{2,}(?:\s+[A-Z][a-z]+)?(?:\s+et\s+al\.?)?(?=\s+(?:trial|study)\b)|"
    r"\b[A-Z][a-z]{2,}(?='s\s+(?:[\w-]+\s+){0,3}?(?:trial|study)\b)"
)


# The same typed in lower case ("the lee trial"): a name only if English rarely uses the word.
# (a later phase of a study is no name: "the continuation study", "the extension trial")
_LOWER_AUTHOR_STUDY = re.compile(
    r"(?<=\bthe )(?!(?:continuation|extension)\b)[a-z]{3,}(?=\s+(?:trial|study)\b)"
)
NAME_ZIPF = 4.0  # "the same trial", "the chinese study" describe; "the okafor trial" names


def _study_mentions(text: str, not_names: frozenset[str]) -> list[re.Match[str]]:
    from wordfreq import zipf_frequency

    # (an acronym that is no study's name is none with a number either: "COVID-19")
    acronyms = (m for m in _STUDY_ACRONYM.finditer(text)
                if re.split(r"[\s-]", m.group())[0] not in not_names)  # fmt: skip
    lower = (
        m for m in _LOWER_AUTHOR_STUDY.finditer(text)
        if m.group().upper() not in not_names and zipf_frequency(m.group(), "en") < NAME_ZIPF
    )  # fmt: skip
    return [*acronyms, *_AUTHOR_YEAR.finditer(text), *_AUTHOR_STUDY.finditer(text), *lower,
            *STUDY_BY_ARMS.finditer(text)]  # fmt: skip


def _without_other_study(previous: str, follow_up: str, not_names: frozenset[str]) -> str:
    """The earlier question without the studies it named when the follow-up names another
    ("... in STAR 1?" + "and in ORBIT?"): the new study takes the old one's place."""
    named_now = {m.group().lower() for m in _study_mentions(follow_up, not_names)}
    if not named_now:
        return previous
    kept = previous
    for mention in sorted(_study_mentions(previous, not_names), key=lambda m: -m.start()):
        if mention.group().lower() not in named_now:
            kept = kept[: mention.start()] + " " + kept[mention.end() :]
    return " ".join(kept.split())


# A time point: "at week 52", "after 3 years", "6 months", "wk 24".
# (a count of time in words too: "after three years", "at one year"; "longer term")
_TIME_COUNT = rf"(?:\d+|{'|'.join(UNIT_WORDS[1:13])})"
_TIME_POINT = re.compile(
    r"\b(?:at|after|by|over)?\s*(?:weeks?|wks?|months?|mos?|years?|yrs?|days?)\s*\d+\b|"
    rf"\b(?:at|after|by|over)?\s*{_TIME_COUNT}[\s-]*(?:weeks?|wks?|months?|mos?|years?|yrs?|days?)\b|"
    r"\b(?:in the\s+)?long(?:er)?[\s-]term\b",
    re.I,
)
# Words of a follow-up that only continue the conversation.
_CONTINUING = frozenset(
    {"and", "what", "about", "how", "with", "for", "ok", "okay", "same", "group", "groups", "arm",
     "arms", "side", "patients", "one", "other", "the", "on", "in", "at", "of", "to", "an", "then",
     "so", "is", "was", "it",
     # words standing for the earlier question's figure ("and the cyc number?")
     "number", "numbers", "figure", "figures", "rate", "rates", "result", "results", "value",
     "values", "data", "percentage", "percent"}
)  # fmt: skip


def _own_words(follow_up: str, arms: tuple[str, ...], vocabulary: ArmVocabulary) -> bool:
    """The follow-up says more than which arm: a study, an outcome, a time point."""
    remainder = follow_up.lower()
    for arm in arms:
        pattern = vocabulary.pattern(arm)
        remainder = pattern.sub(" ", remainder) if pattern else remainder
    words = [w for w in _WORD.findall(remainder) if w not in STOPWORDS]
    return any(w not in _CONTINUING for w in words)
