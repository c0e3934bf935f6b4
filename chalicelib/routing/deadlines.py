"""Time pressure, parsed rather than listed: "in 10 minutes", "at 3", "by end of day", "tonight" → minutes until.

A deadline is read against the sender's own clock (the customer's zone when we know it, the
office's otherwise): "at 3" is the next 3 o'clock after the message, 03:00 or 15:00, and "at 7
tomorrow" is tomorrow morning. Day words ("today", "tomorrow", "by Friday") are everywhere in
messages that are not deadlines ("since today", "I'll try tomorrow"), so they count only in a
sentence with a cue ("need", "due", "by", "before", a meeting…); clock times and "in 10 minutes"
count as they are. A time just after a past is when something happened, not when it is due
("sorted my problem in 10 minutes", "crashed at 9", "paid today"), unless something is still to do
("need it fixed in 10 minutes").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta

from chalicelib.routing.dates import MONTH_NAMES

_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "ten": 10, "fifteen": 15,
    "twenty": 20, "thirty": 30, "forty": 40, "half an": 0.5, "a few": 3, "few": 3, "a couple of": 2, "a couple": 2,
}  # fmt: skip

#: month names and their short forms in the six languages, as normalised (no accents); English's are the
#: calendars' own (dates.py), with "sept"
_MONTHS = (
    *MONTH_NAMES, *(name[:3] for name in MONTH_NAMES if name != "may"), "sept", "enero",
    "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre",
    "diciembre", "janeiro", "fevereiro", "marco", "maio", "junho", "julho", "setembro", "outubro", "novembro",
    "dezembro", "janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout", "septembre", "octobre",
    "novembre", "decembre", "januar", "februar", "marz", "juni", "juli", "oktober", "dezember", "gennaio",
    "febbraio", "aprile", "maggio", "giugno", "luglio", "settembre", "ottobre", "dicembre", "januari", "februari",
    "maart", "mei", "augustus",
)  # fmt: skip
#: what follows "may" the modal, not "May" the month: a verb or an adverb ("may be late", "may not", "may well")
_MAY_VERBS = (
    "be", "have", "not", "need", "take", "get", "come", "go", "run", "miss", "lose", "also", "still", "well",
    "just", "even", "already", "never", "only", "want", "call", "ring", "help", "happen", "arrive", "start",
    "finish", "close", "open", "cause", "affect", "make", "work", "fail", "slip", "change", "move",
)  # fmt: skip
_HOUR_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")
#: "two thirty": the minutes in words, or as reading.py writes them ("2 30")
_MINUTE_WORDS = {"fifteen": 15, "thirty": 30, "forty five": 45, "15": 15, "30": 30, "45": 45}
_RELATIVE = re.compile(
    r" (?:in|within|en|dans|innerhalb|binnen) (?:the next |less than |about |under |roughly )?"
    r"(?P<n>\d+|half an|a few|a couple of|a couple|an|a|one|two|three|four|five|ten|fifteen|twenty|thirty|forty|few)"
    r" ?(?P<u>minutes?|mins?|m|hours?|hrs?|hr|h|minutos?|minuten|heures?|horas?|hora|stunden?)(?= )"
)
#: "the lunch rush starts in 20", "client call in twenty": a number of minutes after an event without the unit
_EVENT_IN = re.compile(
    r" (?:starts?|begins?|opens?|rush|meeting|call|demo|class|shift|service|presentation|interview) in"
    r" (?P<n>\d{1,2}|five|ten|fifteen|twenty|thirty|forty)(?= )(?! (?:minutes?|mins?|hours?|hrs?|m|h|days?|weeks?) )"
)
_THE_HOUR = re.compile(r" (?:within|in) the (?:next )?hour(?= )")
#: the word for "at" or "by" before a clock time, in English and the other languages the corpus has.
#: Words that also mean something else only before a time in hours: Portuguese "as" and French "a"
#: ("as 15h", not "as 5 people"), Dutch "voor" ("voor 17u", not "voor 3 klanten", for 3 customers) and
#: German "vor" ("vor 14 Uhr", not "vor 3 Tagen", 3 days ago); "for" only before a time with am or pm ("for a
#: 3pm hearing", not "for 3 weeks").
#: Italian "alle" is left out: German "alle 3 Filialen" (all 3 branches) is as common.
_CLOCK = re.compile(
    r" (?:at|by|before|until|till|til|due|um|bis|a las|antes de las|antes das|ate as|ate|avant|vers|entro le|prima delle|om"
    r"|a(?= \d{1,2}h )|as(?= \d{1,2}h )|voor(?= \d{1,2}(?:[:.]\d{2})?(?:u | uur |h ))|vor(?= \d{1,2}(?:[:.]\d{2})? uhr )"
    r"|for(?= (?:a |an |my |the |our )?\d{1,2}(?:[:.]\d{2})? ?(?:am|pm) ))"
    r" (?:(?P<art>a |an |my |the |our |his |her |their )|tomorrow |today |tonight |heute |hoy |hoje |oggi |vandaag )?"
    r"(?P<h>\d{1,2}|" + "|".join(_HOUR_WORDS) + ")"
    r"(?:[:.](?P<m>\d{2})| (?P<mw>fifteen|thirty|forty five|15|30|45))?"
    r"(?P<ap>u| ?(?:am|pm|a m|p m|h|uhr|uur|o clock|oclock))?(?= )"
    # a day of a month is a date, not an hour: "we will decide by 15 May", "bis 15 mai", "avant le 3 mars";
    # but "may" before a verb is the modal: "at 3 may be late", "by 5 may not be enough"
    r"(?! (?:of |de )?(?:" + "|".join(m for m in _MONTHS if m != "may") + ") )"
    r"(?! (?:of )?may (?!(?:" + "|".join(_MAY_VERBS) + ") ))"
)
#: "from 1pm": a time something starts, only with am/pm ("from 9" is as often a past start)
#: "courier comes half 3": British half past, 3:30 (the next one)
_HALF_PAST = re.compile(r" half (?:past )?(?P<h>\d{1,2})(?= )")
_FROM_CLOCK = re.compile(r" from (?P<h>\d{1,2})(?::(?P<m>\d{2}))? ?(?P<ap>am|pm)(?= )")
_NAMED_TIME = re.compile(
    r" (?:at|by|before|until|till|avant|vers|a|antes del|entro|prima di) (?P<w>noon|midday|midnight|midi|mediodia|mezzogiorno)(?= )"
)
_DAYPART = re.compile(
    r" (?P<w>end of (?:the )?(?:day|business)|eod|cob|close of business|tonight|this evening|this afternoon|this arvo|this morning"
    r"|heute abend|ce soir|esta noche|esta tarde|cet apres midi|stasera|stanotte|hoje a noite|esta noite|vanavond)(?= )"
)
_DAY = re.compile(
    r" (?P<w>today|tdy|heute|hoy|hoje|oggi|vandaag|aujourd hui|tomorrow|morgen|manana|demain|amanha|domani)"
    r"(?: (?P<part>morning|afternoon|evening|night))?(?= )"
)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY = re.compile(
    r" (?:by|before|on|until|till|for) (?P<w>monday|tuesday|wednesday|thursday|friday|saturday|sunday)(?= )"
    r"| (?P<week>this week|end of (?:the )?week)(?= )"
)
_TOMORROW_WORDS = ("tomorrow", "morgen", "manana", "demain", "amanha", "domani")
#: the word before that makes a day word something else: "since this morning", "guten Morgen", "buenos dias"
_NOT_A_DEADLINE_AFTER = ("since", "from", "guten", "buenos", "bon")
#: a time a few words after one of these is when something happened or how long it took, not a
#: deadline: "sorted my problem in 10 minutes", "paid today", "went out this morning", "crashed at 9";
#: besides these, a word in "-ed" ("switched … this morning", "helped me on Tuesday")
_DONE = frozenset([
    "got", "came", "done", "paid", "went", "sent", "spent", "rang", "spoke", "broke", "took", "ran", "began", "saw",
    "told", "said", "left", "lost", "won", "put", "was", "were", "had",
])  # fmt: skip
#: words in "-ed" that are not a past ("speed", "indeed"), or say what is planned: "scheduled for 6pm tonight"
#: ("need" ends in "-ed" too: _TO_DO holds it, so it is never read as a past)
_NOT_DONE = frozenset([
    "speed", "indeed", "feed", "bed", "red", "embed", "seed", "proceed", "exceed", "succeed", "scheduled", "booked",
    "planned", "supposed", "expected", "timed", "promised", "required", "needed", "asked", "requested",
])  # fmt: skip
#: ... unless something is still to do: "need it fixed in 10 minutes", "must be sorted by 3"
_TO_DO = frozenset([
    "need", "needs", "must", "want", "wants", "please", "have", "has", "will", "can", "could", "should", "be",
    "get", "gets", "going", "gonna", "hope", "expect", "if", "until", "till", "by", "before", "due",
    # what is under way is still to come: "a client coming in at 11:30", "we are going live at 9"
    "coming", "arriving", "starting", "leaving", "landing", "opening", "closing", "launching", "presenting", "flying",
    "heading",
])  # fmt: skip
#: how many words before a time are read for _DONE and _TO_DO
_PAST_WINDOW = 5
#: words one of which each expression's every match holds as a whole word: a message without any of them
#: (most, for most expressions) is not searched with it. Each expression reads its words between spaces,
#: so a word it names is a whole word of the message (test_deadline_words checks these on many messages).
_NEEDS: dict[re.Pattern[str], frozenset[str]] = {
    _RELATIVE: frozenset(["in", "within", "en", "dans", "innerhalb", "binnen"]),
    _EVENT_IN: frozenset([
        "start", "starts", "begin", "begins", "open", "opens", "rush", "meeting", "call", "demo", "class", "shift",
        "service", "presentation", "interview",
    ]),
    _THE_HOUR: frozenset(["hour"]),
    _HALF_PAST: frozenset(["half"]),
    _FROM_CLOCK: frozenset(["from"]),
    _NAMED_TIME: frozenset(["noon", "midday", "midnight", "midi", "mediodia", "mezzogiorno"]),
    # each phrase's last word
    _DAYPART: frozenset([
        "day", "business", "eod", "cob", "tonight", "evening", "afternoon", "arvo", "morning", "abend", "soir",
        "noche", "tarde", "midi", "stasera", "stanotte", "noite", "vanavond",
    ]),
    _DAY: frozenset([
        "today", "tdy", "heute", "hoy", "hoje", "oggi", "vandaag", "aujourd", "tomorrow", "morgen", "manana", "demain",
        "amanha", "domani",
    ]),
    _WEEKDAY: frozenset([*_WEEKDAYS, "week"]),
}  # fmt: skip
_DAY_HOURS = {
    "end of the day": 17, "end of day": 17, "end of business": 17, "end of the business": 17, "eod": 17, "cob": 17,
    "close of business": 17, "tonight": 20, "this evening": 20, "heute abend": 20, "ce soir": 20, "esta noche": 20, "stasera": 20, "stanotte": 22, "hoje a noite": 20,
    "this afternoon": 15, "this arvo": 15, "this morning": 12, "esta tarde": 15, "cet apres midi": 15, "noon": 12, "midday": 12, "midnight": 24,
    "midi": 12, "mediodia": 12, "mezzogiorno": 12, "vanavond": 20, "esta noite": 20,
}  # fmt: skip
_PART_HOURS = {None: 18, "morning": 9, "afternoon": 15, "evening": 19, "night": 21}


def _clause(text: str, start: int, end: int) -> str:
    """The sentence around [start, end) of normalised text (sentences are joined by " . ")."""
    left = text.rfind(" . ", 0, start)
    right = text.find(" . ", end)
    return text[left + 1 if left >= 0 else 0 : right + 1 if right >= 0 else len(text)]


def _word_before(text: str, start: int) -> str:
    return text[max(0, start - 12) : start].rpartition(" ")[2]


def _past(text: str, start: int) -> bool:
    """Whether the time at ``start`` is when something happened: a past verb in the few words before it,
    in its sentence, and nothing still to do."""
    before = text[max(0, start - 80) : start]
    words = before[before.rfind(" . ") + 1 :].split()[-_PAST_WINDOW:]
    done = any(w in _DONE or (w.endswith("ed") and w not in _NOT_DONE) for w in words)
    return done and _TO_DO.isdisjoint(words)


def _at(now: datetime, days: int, hour: int, minute: int = 0) -> datetime:
    day = now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=days)
    return day + timedelta(hours=hour, minutes=minute)


def _clock(now: datetime, hour: int, minute: int, ap: str | None, tomorrow: bool) -> datetime | None:
    if hour > 24 or minute > 59:
        return None
    ap = (ap or "").replace(" ", "")
    if ap == "pm" and hour < 12:
        hour += 12
    elif ap == "am" and hour == 12:
        hour = 0
    # "15h", "14 Uhr", Dutch "20u" and "8 uur" are the 24-hour clock
    if ap in ("am", "pm") or hour > 12 or ap in ("h", "uhr", "u", "uur"):
        readings = [hour]
    elif tomorrow:
        # a clock time tomorrow without am/pm: working hours (7 → 07:00, 3 → 15:00)
        readings = [hour if 7 <= hour <= 12 else hour + 12]
    else:
        readings = [hour, hour + 12] if hour < 12 else [hour]
    if tomorrow:
        return _at(now, 1, readings[0], minute)
    for days in (0, 1):
        for h in readings:
            when = _at(now, days, h, minute)
            if when > now:
                return when
    return None


def _soonest(now: datetime, hour: int) -> datetime:
    """Today at ``hour``, or within the hour if that is past ("by end of day" said at 19:00 means soon)."""
    when = _at(now, 0, hour)
    return when if when > now else now + timedelta(hours=1)


def deadlines(text: str, now: datetime, cues: re.Pattern[str]) -> list[tuple[int, str]]:
    """Every deadline in normalised ``text`` as (minutes from ``now``, the words that said it), soonest first.

    ``cues``: the rules' cue words, compiled (patterns.compile_words); a day word counts only in a
    sentence where they occur.
    """
    found: list[tuple[int, str]] = []
    present = set(text.split(" "))

    def each(pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
        needs = _NEEDS.get(pattern)
        return iter(()) if needs is not None and needs.isdisjoint(present) else pattern.finditer(text)

    def due(pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
        # what is said of the past is not due ("sorted it in 10 minutes", "crashed at 9")
        return (m for m in each(pattern) if not _past(text, m.start()))

    def add(when: datetime | None, words: str) -> None:
        if when is not None and when > now:
            found.append((int((when - now).total_seconds() // 60), words.strip()))

    for m in due(_RELATIVE):
        n = m.group("n")
        count = float(n) if n.isdigit() else _NUMBERS[n]
        unit = m.group("u")
        minutes = count * (60 if unit[0] == "h" or unit.startswith("st") else 1)
        found.append((max(int(minutes), 1), m.group(0).strip()))
    for m in each(_EVENT_IN):
        n = m.group("n")
        found.append((int(n) if n.isdigit() else int(_NUMBERS[n]), m.group(0).strip()))
    for m in due(_THE_HOUR):
        found.append((60, m.group(0).strip()))
    for m in due(_CLOCK):
        clause = _clause(text, m.start(), m.end())
        tomorrow = any(f" {w} " in clause for w in _TOMORROW_WORDS)
        h = m.group("h")
        hour = int(h) if h.isdigit() else _HOUR_WORDS.index(h) + 1
        minute = int(m.group("m") or 0) if not m.group("mw") else _MINUTE_WORDS[m.group("mw")]
        bare = not (m.group("m") or m.group("mw") or m.group("ap"))
        if bare and (hour == 0 or (hour > 12 and m.group(0).startswith(" at "))):
            # an amount with its "%" gone ("VAT at 0%", "stuck at 15%"), not a time; "entro le 17" is one
            continue
        if bare and m.group("art"):
            # a name, not a time: "at the Three Bells", "by our 2 shops"; "before my 2pm call" says its am or pm
            continue
        add(_clock(now, hour, minute, m.group("ap"), tomorrow), m.group(0))
    for m in due(_HALF_PAST):
        add(_clock(now, int(m.group("h")), 30, None, False), m.group(0))
    for m in each(_FROM_CLOCK):
        add(_clock(now, int(m.group("h")), int(m.group("m") or 0), m.group("ap"), False), m.group(0))
    for m in due(_NAMED_TIME):
        add(_soonest(now, _DAY_HOURS[m.group("w")]), m.group(0))
    for m in due(_DAYPART):
        if _word_before(text, m.start()) in _NOT_A_DEADLINE_AFTER:
            continue
        add(_soonest(now, _DAY_HOURS[m.group("w")]), m.group(0))
    for m in due(_DAY):
        if _word_before(text, m.start()) in _NOT_A_DEADLINE_AFTER:
            continue
        if not cues.search(_clause(text, m.start(), m.end())):
            continue
        part = m.group("part")
        if m.group("w") in _TOMORROW_WORDS:
            add(_at(now, 1, _PART_HOURS[part or "morning"]), m.group(0))
        else:
            add(_soonest(now, _PART_HOURS[part]), m.group(0))
    for m in due(_WEEKDAY):
        if not cues.search(_clause(text, m.start(), m.end())):
            continue
        target = _WEEKDAYS.index(m.group("w")) if m.group("w") else 4
        add(_at(now, (target - now.weekday()) % 7, 17), m.group(0))
    return sorted(found)
