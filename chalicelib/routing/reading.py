"""A message as the urgency model reads it: what the person wrote, in one plain, comparable form.

- an email is read as a person reads it: the subject counts, the quoted earlier messages and the
  signature do not (the email adapter already trims most quotes; a forwarded or pasted one may remain);
- case, accents ("está caída" → "esta caida"), curly quotes, contractions ("can't" → "can not"),
  digit grouping ("2,300" → "2300") and whole-unit amounts ("£0.00" → "0") are normalised, counts in
  words become digits ("forty orders" → "40 orders", numbers.py), and the rules' ``spellings`` put
  shorthand and common misspellings right ("pls", "cant", "2day", "dwon");
- sentences stay apart (" . "), so "not" in one sentence never negates a word in the next.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

from chalicelib.channels.quotes import trim_quoted
from chalicelib.routing.numbers import spell_counts

#: a signature's conventional first line ("-- "), or a mobile client's footer
_SIGNATURE = re.compile(r"^(--\s*|sent from my \w+.*|get outlook for \w+.*)$", re.IGNORECASE)
#: contractions that are not "<verb> + n't", then the rest; the text is lower-case with straight quotes by then
_IRREGULAR = (("can't", "can not"), ("won't", "will not"), ("ain't", "is not"), ("shan't", "shall not"))
#: "n't" and "'re", "'m"…: each starts with a literal character, so the engine finds them quickly
_CONTRACTIONS = re.compile(r"n't\b|'(re|m|ll|ve|d|s)\b")
_ENDINGS = {"re": " are", "m": " am", "ll": " will", "ve": " have", "d": " would", "s": " is"}
_GROUPED = re.compile(r"(\d)[,.](?=\d{3}\b)")
#: an amount in whole units ("£0.00", "1.200,00 €"): its whole number, so "0.00" is the zero a pattern names;
#: not a version or a time with more after it ("2.00.1", "3.00.15")
_NO_CENTS = re.compile(r"(\d)[.,]00\b(?![.,:]\d)")
# The next five are written to start with one character class (or literal), so the engine skips to the
# characters that can start a match instead of trying the whole expression at every character: a third of
# normalising. Each finds exactly what its plainer form (in the comments, and in test_reading_expressions)
# finds.
#: a run of sentence ends with a space or the end after it, else "!" or "?" runs ("wait!!what"):
#: [.!?;\n]+(?:\s|$)|[!?]+
_CLAUSE = re.compile(r"[.!?;\n](?:[.!?;\n]*(?:\s|$)|(?<=[!?])[!?]*)")
#: what is not a word, a comma or a sentence mark; ":" and "." only between two digits are ("3:30", "2.5"):
#: [^\w:.,\x00]+|(?<!\d)[:.]|[:.](?!\d)
_NOT_WORD = re.compile(r"[^\w,\x00](?:(?<=[^:.])[^\w:.,\x00]*|(?<!\d[:.])|(?!\d))")
#: sentence markers and commas with the spaces around them: a sentence end wins over a comma, and a
#: comma is kept as its own token (it bounds a negation: "no errors, just slow"): [ \x00,]*[\x00,][ \x00,]*
_BREAKS = re.compile(r"[ \x00,](?:(?<=[\x00,])[ \x00,]*| *[\x00,][ \x00,]*)")
#: two spaces or more: " {2,}"
_SPACES = re.compile(r"   *")
#: a word of three capitals or more, from a capital with no word character before it: \b[A-Z]{3,}\b
_CAPS = re.compile(r"[A-Z](?<!\w[A-Z])[A-Z]{2,}\b")
_BANGS = re.compile(r"!!|\?!|!\?")
_NOT_ASCII = re.compile(r"[^\x00-\x7f]+")


def _contraction(m: re.Match[str]) -> str:
    ending = m.group(1)
    return _ENDINGS[ending] if ending else " not"


def _break(m: re.Match[str]) -> str:
    return " . " if "\x00" in m.group(0) else " , "


def _without_marks(m: re.Match[str]) -> str:
    return "".join(c for c in m.group(0) if not unicodedata.combining(c))


def _strip_accents(text: str) -> str:
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    # combining marks are never ASCII: only the runs of other characters are looked at one by one (a
    # message with one curly quote or dash is otherwise read a character at a time)
    return _NOT_ASCII.sub(_without_marks, decomposed).replace("ß", "ss")


class Reader:
    """Normalises messages with one rules file's spellings, sign-offs and acronyms (built once per rules)."""

    def __init__(
        self,
        spellings: Mapping[str, str],
        signoffs: Iterable[str],
        acronyms: Iterable[str],
        fillers: Iterable[str] = (),
    ) -> None:
        self.spellings = {_strip_accents(k.lower()): v.lower() for k, v in spellings.items()}
        words = sorted(self.spellings, key=len, reverse=True)
        # matched from the space before a word, as patterns.py does: the engine skips to word starts
        self._spelled = re.compile(" (" + "|".join(re.escape(w) for w in words) + ")(?= )") if words else None
        offs = sorted({s.lower().strip(" ,") for s in signoffs}, key=len, reverse=True)
        #: a sign-off on its own line ("Kind regards," "Thanks" "Best, Marta"): the signature starts there
        self._signoff = (
            re.compile(r"^\s*(?:" + "|".join(re.escape(s) for s in offs) + r")\b[ ,.!]*(?:[A-Z][\w. -]{0,40})?$", re.I)
            if offs
            else None
        )
        self.acronyms = frozenset(a.upper() for a in acronyms)
        # a call transcript's "um", "er": not words, and between two words of a phrase they would part them
        gaps = sorted({_strip_accents(f.lower()) for f in fillers}, key=len, reverse=True)
        self._fillers = re.compile(" (?:" + "|".join(re.escape(f) for f in gaps) + ")(?= )") if gaps else None
        # both expressions match whole words between spaces, so a message none of whose words starts one
        # (most messages) is left as it is, and spellings and fillers of one word are a look-up per word
        self._one_word_spellings = {k: v for k, v in self.spellings.items() if " " not in k}
        self._spelling_starts = frozenset(k.split(" ")[0] for k in self.spellings)
        self._long_spelling_starts = frozenset(k.split(" ")[0] for k in self.spellings if " " in k)
        self._one_word_fillers = frozenset(f for f in gaps if " " not in f)
        self._filler_starts = frozenset(f.split(" ")[0] for f in gaps)
        self._long_filler_starts = frozenset(f.split(" ")[0] for f in gaps if " " in f)

    def email_body(self, text: str) -> str:
        """What is new in an email: quotes trimmed, and the signature cut from its sign-off or "-- " line."""
        lines = trim_quoted(text).split("\n")
        # a sign-off is only a signature's start near the end: "Thanks, that worked!" opens a message
        for i, line in enumerate(lines):
            if i and (
                _SIGNATURE.match(line.strip()) or (self._signoff and len(lines) - i <= 8 and self._signoff.match(line))
            ):
                return "\n".join(lines[:i])
        return "\n".join(lines)

    def shouting(self, text: str) -> list[str]:
        """Words in capitals that are not acronyms ("NOW", "HELP"), and runs of "!!" or "?!"."""
        loud = [w for w in _CAPS.findall(text) if w not in self.acronyms]
        return loud + _BANGS.findall(text)[:1]

    def normalise(self, text: str) -> str:
        """Lower-case words and numbers separated by single spaces; sentences end in " . ", commas stand alone."""
        text = _strip_accents(text).lower()
        if "'" in text or "’" in text or "‘" in text:  # most messages have no apostrophe: skip the scan
            text = text.replace("’", "'").replace("‘", "'")
            for short, long in _IRREGULAR:
                text = text.replace(short, long)
            text = _CONTRACTIONS.sub(_contraction, text)
        text = _GROUPED.sub(r"\1", text)
        if "00" in text:  # most messages hold no amount: skip the scan
            text = _NO_CENTS.sub(r"\1", text)
        # sentence ends become a marker that survives the clean-up, then " . " (runs of them, one)
        text = _NOT_WORD.sub(" ", _CLAUSE.sub(" \x00 ", text))
        text = _BREAKS.sub(_break, text)
        text = spell_counts(" " + _SPACES.sub(" ", text).strip(" .,") + " ")
        return self._respell(text)

    def _respell(self, text: str) -> str:
        """``text`` (words between single spaces, a space at each end) with the spellings put right, then
        the fillers dropped: as ``_spelled.sub`` and ``_fillers.sub`` do it, word by word where they can.

        Either expression matches at the space before a word and needs a space after what it matched: so
        only a word between two spaces (not the first or last piece) can start a match, and a spelling or
        filler of one word matches exactly the words equal to it. One of several words ("five oh two")
        is left to the expression, when its first word is there.
        """
        words = text.split(" ")
        inner = words[1:-1]
        if self._spelled is not None and not self._spelling_starts.isdisjoint(inner):
            if self._long_spelling_starts.isdisjoint(inner):
                get = self._one_word_spellings.get
                text = " ".join([words[0], *[get(w, w) for w in inner], words[-1]])
            else:
                text = self._spelled.sub(lambda m: " " + self.spellings[m.group(1)], text)
            words = text.split(" ")
            inner = words[1:-1]
        if self._fillers is not None and not self._filler_starts.isdisjoint(inner):
            if self._long_filler_starts.isdisjoint(inner):
                gaps = self._one_word_fillers
                text = " ".join([words[0], *[w for w in inner if w not in gaps], words[-1]])
            else:
                text = self._fillers.sub("", text)
        return text
