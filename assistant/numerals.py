"""Numbers a question writes as words ("ninety three percent", "two point three grams", "one
eighty"), as voice typing and plain writing give them, read as the digits the evidence base and
the tools use ("93 percent", "2.3 grams", "180").

The reading is text2num's (`alpha2digit`), with two choices of ours:
- a digit word followed by a tens word ("one eighty", "two fifty") is a number read aloud in
  hundreds, as values are said on a ward ("creatinine one eighty"), not two numbers;
- in the question as a whole a lone small number stays a word ("the two trials", "six doses",
  "a third of patients"): there a word is how English writes a count, and "third" may be a
  fraction. Reading a patient's values, only "one" and "two" do ("protein four grams").
"""

from __future__ import annotations

import difflib
import re

from text_to_num import alpha2digit

from .spelling import Correction

# A number alone stays a word below this: in a question up to ten ("six doses", "ten
# years"), in a patient's values only "one" and "two" ("one of the limits": text2num's own).
LONE_WORD_BELOW = 11
LONE_VALUE_BELOW = 3
_KEPT = "\ue000"  # stands for a lone "ten" while text2num reads the rest (it reads every "ten")

# English number words below twenty, and the tens (also read by `facts` for counts in words)
UNIT_WORDS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
)  # fmt: skip
TENS_WORDS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_DIGIT_WORDS = "|".join(UNIT_WORDS[1:10])
_TENS_WORDS = "|".join(UNIT_WORDS[10:] + TENS_WORDS)  # a tens word or a teen
_NUMBER_WORD = re.compile(
    rf"\b(?:{_DIGIT_WORDS}|{_TENS_WORDS}|zero|hundred|thousand|point)\b", re.IGNORECASE
)
# "twenty four twenty four hour protein": two numbers said one after the other, not the
# four-digit number text2num would make of them
_TWO_NUMBERS = re.compile(
    rf"\b((?:{'|'.join(TENS_WORDS)})[\s-](?:{_DIGIT_WORDS}))"
    rf"\s+(?=(?:{_TENS_WORDS})\b)",
    re.IGNORECASE,
)
# "ten" with no number word beside it ("ten years", not "hundred and ten" or "ten point five")
_LONE_TEN = re.compile(
    rf"(?<!hundred )(?<!hundred and )(?<![\w-])ten(?![\w-])"
    rf"(?![\s-]+(?:point|hundred|thousand|{_DIGIT_WORDS})\b)",
    re.IGNORECASE,
)
_READ_ALOUD_HUNDREDS = re.compile(rf"\b({_DIGIT_WORDS})\s+(?=(?:{_TENS_WORDS})\b)", re.IGNORECASE)


def read_numbers(text: str) -> tuple[str, tuple[Correction, ...]]:
    """`text` with its numbers written as words in digits, and each reading made; a natural
    frequency ("88 out of 100 patients") is read as the percentage it is ("88%")."""
    read = _NATURAL_FREQUENCY.sub(r"\1%", with_digits(text, LONE_WORD_BELOW))
    return read, _readings(text, read) if read != text else ()


# A count out of a hundred, as figures are put to patients ("88 out of 100", "5 in every 100",
# "7 per 100"): a percentage in plain words (not "of 100", which may be a real group's count).
_NATURAL_FREQUENCY = re.compile(
    r"(?<![\d.])(\d+(?:\.\d+)?)\s+(?:out\s+of(?:\s+every)?|in(?:\s+every)?|of\s+every|per)\s+"
    r"(?:a\s+)?(?:100|hundred)\b(?![.,]?\d)(?!\s*(?:mg|g|ml|kg|mmol|µmol|%|per\s*cent))",
    re.IGNORECASE,
)


def with_digits(text: str, lone_word_below: int = LONE_VALUE_BELOW) -> str:
    """`text` with numbers written in words as digits ("protein four point two grams,
    creatinine from seventy to seventy eight" -> "protein 4.2 grams, creatinine from 70 to
    78"); a number alone below `lone_word_below` stays a word."""
    if not _NUMBER_WORD.search(text):
        return text
    aloud = _READ_ALOUD_HUNDREDS.sub(r"\1 hundred ", _TWO_NUMBERS.sub(r"\1, ", text))
    tens = _LONE_TEN.findall(aloud) if lone_word_below > 10 else []
    try:
        read = alpha2digit(_LONE_TEN.sub(_KEPT, aloud) if tens else aloud, "en", lone_word_below)
    except UnicodeEncodeError:  # a lone surrogate: the parser takes only valid UTF-8
        return text
    for ten in tens:
        read = read.replace(_KEPT, ten, 1)
    return read


def _readings(typed: str, read: str) -> tuple[Correction, ...]:
    """The spans of `typed` that `read` words differently, as typed and as read."""
    typed_words, read_words = typed.split(), read.split()
    matcher = difflib.SequenceMatcher(a=typed_words, b=read_words, autojunk=False)
    return tuple(
        _without_shared_ending(" ".join(typed_words[i1:i2]), " ".join(read_words[j1:j2]))
        for op, i1, i2, j1, j2 in matcher.get_opcodes()
        if op == "replace"
    )


def _without_shared_ending(typed: str, read: str) -> Correction:
    """ "fifty two?" read as "52?" is "fifty two" read as "52"."""
    while typed[-1:] == read[-1:] and not typed[-1:].isalnum():
        typed, read = typed[:-1], read[:-1]
    return Correction(typed, read)
