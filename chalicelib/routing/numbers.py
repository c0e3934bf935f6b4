"""Counts written as words become digits: "forty orders" → "40 orders", "two hundred patients" → "200 patients".

The rules' patterns read a count as digits ("# <people>", "all # ... <things>"), and people write
counts both ways: "sixty drivers sat in the yard" is the same scope as "60 drivers". This runs on
text as reading.py normalises it (lower-case words between single spaces) and keeps every other
word as it is.

"one" alone stays a word ("no one", "every one of", "one of our agents"): only inside a longer
number ("twenty one", "one hundred") is it a digit. "a hundred", "a thousand" and "a dozen" are
counts; "hundreds", "dozens" stay words (the rules read them as "many"). Two numbers side by side
stay two ("two thirty" → "2 30": a time, not 32).
"""

from __future__ import annotations

_UNITS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
}  # fmt: skip
_TEENS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
#: tens and teens in the other languages the corpus sees ("treinta llamadas", "vinte e dois motoristas",
#: "dreissig Mal"), each standing alone: their units are joined to them in ways English's are not
#: ("veintidos", "zweiundzwanzig"), and the tens alone already say "more than ten". Left out where the
#: word is also English ("once", "onze", "elf", "cent", "seize", "doze")
_ELSEWHERE = {
    "diez": 10, "doce": 12, "trece": 13, "catorce": 14, "quince": 15, "veinte": 20, "treinta": 30,
    "cuarenta": 40, "cincuenta": 50, "sesenta": 60, "setenta": 70, "ochenta": 80, "noventa": 90, "cien": 100,
    "dez": 10, "treze": 13, "catorze": 14, "quinze": 15, "vinte": 20, "trinta": 30, "quarenta": 40,
    "cinquenta": 50, "sessenta": 60, "oitenta": 80, "cem": 100,
    "dix": 10, "douze": 12, "treize": 13, "quatorze": 14, "vingt": 20, "trente": 30, "quarante": 40,
    "cinquante": 50, "soixante": 60,
    "zehn": 10, "zwolf": 12, "dreizehn": 13, "vierzehn": 14, "funfzehn": 15, "zwanzig": 20, "dreissig": 30,
    "vierzig": 40, "funfzig": 50, "sechzig": 60, "siebzig": 70, "achtzig": 80, "neunzig": 90, "hundert": 100,
    "dieci": 10, "dodici": 12, "tredici": 13, "quattordici": 14, "quindici": 15, "venti": 20, "trenta": 30,
    "quaranta": 40, "cinquanta": 50, "sessanta": 60, "settanta": 70, "ottanta": 80, "novanta": 90, "cento": 100,
    "tien": 10, "twaalf": 12, "dertien": 13, "veertien": 14, "vijftien": 15, "twintig": 20, "dertig": 30,
    "veertig": 40, "vijftig": 50, "zestig": 60, "zeventig": 70, "tachtig": 80, "negentig": 90, "honderd": 100,
}  # fmt: skip
_SCALES = {"hundred": 100, "thousand": 1000}
#: a cheap test first: most messages have no number word at all. A word between two spaces is one this
#: expression would find (" (?:one|two|…)(?= )"): looked up in a set instead, it costs a tenth
_ANY = frozenset([*_UNITS, *_TEENS, *_TENS, *_ELSEWHERE, "hundred", "thousand", "dozen"])
#: the words a number can start from ("a hundred"), besides digits ("3 hundred"): every other word is
#: passed over without the parsers' calls, which cost a long email ~50 µs (issue 11's cost budget)
_STARTS = frozenset(["a", *_UNITS, *_TEENS, *_TENS, *_ELSEWHERE])


def _below_hundred(words: list[str], i: int) -> tuple[int, int] | None:
    """The number 1-99 said from ``words[i]``, and the index after it."""
    word = words[i] if i < len(words) else ""
    if word in _TENS:
        after = words[i + 1] if i + 1 < len(words) else ""
        return (_TENS[word] + _UNITS[after], i + 2) if after in _UNITS else (_TENS[word], i + 1)
    if word in _TEENS:
        return _TEENS[word], i + 1
    if word in _ELSEWHERE:
        return _ELSEWHERE[word], i + 1
    if word in _UNITS:
        return _UNITS[word], i + 1
    return None


def _below_thousand(words: list[str], i: int) -> tuple[int, int] | None:
    """1-999 from ``words[i]``: "two hundred and fifty", "a hundred", "3 hundred", "a dozen", "forty"."""
    nxt = words[i + 1] if i + 1 < len(words) else ""
    if (words[i] == "a" or words[i].isdigit()) and nxt in ("hundred", "dozen", "thousand"):
        value, j = (1 if words[i] == "a" else int(words[i])), i + 1
    elif (found := _below_hundred(words, i)) is not None:
        value, j = found
    else:
        return None
    if j < len(words) and words[j] == "dozen":
        return value * 12, j + 1
    if j < len(words) and words[j] == "hundred":
        value, j = value * 100, j + 1
        k = j + 1 if j < len(words) and words[j] == "and" else j
        if (rest := _below_hundred(words, k)) is not None:
            value, j = value + rest[0], rest[1]
    return value, j


def _number(words: list[str], i: int) -> tuple[int, int] | None:
    """A whole number from ``words[i]`` (up to the thousands), and the index after it."""
    found = _below_thousand(words, i)
    if found is None:
        return None
    value, j = found
    if j < len(words) and words[j] == "thousand":
        value, j = value * 1000, j + 1
        k = j + 1 if j < len(words) and words[j] == "and" else j
        if k < len(words) and (rest := _below_thousand(words, k)) is not None and not words[k].isdigit():
            value, j = value + rest[0], rest[1]
    return value, j


def spell_counts(text: str) -> str:
    """``text`` (normalised: words between single spaces) with counts in words written as digits."""
    words = text.split(" ")
    if _ANY.isdisjoint(words[1:-1]):  # the first and last pieces have no space on one side
        return text
    out: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        found = _number(words, i) if word in _STARTS or word.isdigit() else None
        # a lone "one" is a pronoun more often than a count; a lone digit is already a digit
        if found is None or (found[1] == i + 1 and (words[i] == "one" or words[i].isdigit())):
            out.append(words[i])
            i += 1
            continue
        out.append(str(found[0]))
        i = found[1]
    return " ".join(out)
