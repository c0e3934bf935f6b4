"""The urgency model's parts: word patterns, reading a message, deadlines, and how the shipped words combine."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.routing.deadlines import deadlines
from chalicelib.routing.loader import load_rules
from chalicelib.routing.patterns import PatternError, check, compile_words
from chalicelib.routing.reading import Reader
from chalicelib.routing.understanding import Model, level_at_most

NY = ZoneInfo("America/New_York")
TUE_1000 = datetime(2026, 11, 24, 10, 0, tzinfo=NY)
TUE_2200 = datetime(2026, 11, 24, 22, 0, tzinfo=NY)
CUES = compile_words(["need", "by"])


@pytest.mark.parametrize(
    ("pattern", "text", "found"),
    [
        ("fail*", " uploads keep failing ", "failing"),
        ("fail*", " a failsafe ", "failsafe"),
        ("log|sign in", " cannot sign in ", "sign in"),
        ("5##", " returns 502 now ", "502"),
        ("5##", " 5020 ", None),  # whole words only
        ("charged ... twice", " charged my card twice ", "charged my card twice"),
        ("charged ... twice", " charged a b c d twice ", None),  # at most three words between
        ("all of? our <people>", " all of our users ", "all of our users"),
        ("all of? our <people>", " all our team members ", "all our team members"),
        ("not *ing", " is not forwarding ", "not forwarding"),
        ("whole *", " the whole office ", "whole office"),
        ("down", " download ", None),
    ],
)
def test_patterns_match_whole_words_with_their_families(pattern, text, found):
    # GIVEN a pattern and a vocabulary list
    words = compile_words([pattern], {"people": ["users", "team members"]})
    # WHEN it is looked for in normalised text
    m = words.search(text)
    # THEN it finds exactly the words expected
    assert (m.group(0).strip() if m else None) == found


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("log-in", "not a word"),
        ("... down", "goes between words"),
        ("of? ours", "cannot be optional"),
        ("all <nobody>", "not a vocabulary list"),
    ],
)
def test_a_bad_pattern_is_a_clear_error(pattern, message):
    with pytest.raises(PatternError, match=message):
        compile_words([pattern], {"people": ["users"]})
    if "vocabulary" not in message:
        with pytest.raises(PatternError):
            check(pattern)


READER = Reader(
    {"pls": "please", "cant": "can not", "2day": "today"}, ["thanks", "kind regards"], ["API"], ["um", "er"]
)


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("Everything's DOWN!! pls", " everything is down . please "),
        ("I can't log in, cant 2day", " i can not log in , can not today "),
        ("¡La plataforma está caída!", " la plataforma esta caida "),
        ("2,300 customers at 4:30pm.", " 2300 customers at 4:30pm "),
        # an amount in whole units is its whole number; cents, versions and times with more after them stay
        ("every invoice says £0.00, total 1.200,00 €", " every invoice says 0 , total 1200 "),
        ("£4.99 not 0.05, v2.00.1 at 3.00.15", " 4.99 not 0.05 , v2.00.1 at 3.00.15 "),
        ("no errors, just slow", " no errors , just slow "),
        ("About forty people, two hundred orders", " about 40 people , 200 orders "),
        # a transcript's fillers go, so a phrase's words meet again; a word that only starts alike stays
        ("none of the um er scanners work um", " none of the scanners work "),
        ("the user error, umbrella", " the user error , umbrella "),
    ],
)
def test_text_is_normalised_before_matching(text, normalised):
    assert READER.normalise(text) == normalised


def test_an_email_is_read_without_its_quote_and_signature():
    # GIVEN a reply whose quoted part and signature say alarming things
    text = (
        "Thanks, that fixed it.\n\nKind regards,\nRaj Patel\nCTO, Outage Experts Ltd\n"
        "+44 20 7946 0000 (call me 24/7)\n\nOn Tue, 3 Nov 2026 at 14:02, Support <s@x.example> wrote:\n"
        "> the whole platform is down"
    )
    # WHEN the body is read as a person reads it
    body = READER.email_body(text)
    # THEN only the new words remain
    assert body == "Thanks, that fixed it.\n"


def test_shouting_is_capitals_that_are_not_acronyms():
    assert READER.shouting("Need help NOW, the API is DOWN!!") == ["NOW", "DOWN", "!!"]


@pytest.mark.parametrize(
    ("text", "now", "first"),
    [
        (" investor meeting in 10 minutes ", TUE_1000, (10, "in 10 minutes")),
        (" signing at 4 ", TUE_1000, (360, "at 4")),  # 16:00, the next 4 o'clock
        (" at 4:30pm ", TUE_1000, (390, "at 4:30pm")),
        (" by end of day ", TUE_1000, (420, "end of day")),
        (" by end of day ", TUE_2200, (60, "end of day")),  # said after it: soon
        (" need it tonight ", TUE_1000, (600, "tonight")),
        (" market opens at 7 tomorrow ", TUE_1000, (1260, "at 7")),  # tomorrow morning
        (" need a quote today ", TUE_1000, (480, "today")),
        (" before my 2pm call ", TUE_1000, (240, "before my 2pm")),
        (" a las 3 ", TUE_1000, (300, "a las 3")),
        (" in half an hour ", TUE_1000, (30, "in half an hour")),
        (" presentation at two thirty ", TUE_1000, (270, "at two thirty")),
        (" antes de las 3 ", TUE_1000, (300, "antes de las 3")),
        (" presentation at 2 30 ", TUE_1000, (270, "at 2 30")),  # "two thirty" as reading.py writes it
        # the other languages' clock words: Portuguese, French, Italian, Dutch, German
        (" reuniao com cliente as 15h ", TUE_1000, (300, "as 15h")),
        (" antes das 18h ", TUE_1000, (480, "antes das 18h")),
        (" avant midi , vous pouvez m aider ", TUE_1000, (120, "avant midi")),
        (" devo inviare entro le 17 di oggi ", TUE_1000, (420, "entro le 17")),
        (" live om 20u ", TUE_1000, (600, "om 20u")),
        (" voor 17u klaar ", TUE_1000, (420, "voor 17u")),
        (" angebot bis heute 14 uhr ", TUE_1000, (240, "bis heute 14 uhr")),
        (" bitte vor 14 uhr ", TUE_1000, (240, "vor 14 uhr")),
        # "for" before a time with am or pm
        (" i need the bundle for a 3pm hearing ", TUE_1000, (300, "for a 3pm")),
        # still to do, though a word before it is a past: needed, planned, under way
        (" need it fixed in 10 minutes ", TUE_1000, (10, "in 10 minutes")),
        (" newsletter is scheduled for 6pm tonight ", TUE_1000, (480, "for 6pm")),
        (" i have got a client coming in at 11:30 ", TUE_1000, (90, "at 11:30")),
        # "may" before a verb is the modal, not the month
        (" the courier at 3 may be late ", TUE_1000, (300, "at 3")),
        (" i need it by 5 may not be enough time ", TUE_1000, (420, "by 5")),
    ],
)
def test_deadlines_become_minutes_until(text, now, first):
    assert deadlines(text, now, CUES)[0] == first


@pytest.mark.parametrize(
    "text",
    [
        " since today it fails ",  # a day word without a cue is not a deadline
        " need help , broken since this morning ",
        " down since 10 min ",  # past, not a deadline
        " i will try again tomorrow ",
        " guten morgen ",
        # words that are "at" or "before" only before a time in hours
        " as 5 people said ",
        " voor 3 klanten ",
        " vor 3 tagen ",
        " alle 3 filialen ",
        # when something happened or how long it took, not when it is due
        " got a real human in 4 minutes , amazing ",
        " you fixed my thing in 5 min ",
        " paid today by bank transfer ",
        " switched our pipeline over this morning and it works ",
        " a story we pulled at 8 for legal reasons ",
        " callum helped me on tuesday with the reminders ",
        " for 3 weeks ",
        # a day of a month is a date, not an hour
        " we will decide by 15 may ",
        " bitte bis 15 mai ",
        " by 15 may we need it signed ",
        # a bare number past 12 or 0 after "at" is an amount, its "%" gone: "VAT at 0%", "stuck at 15%"
        " shows vat at 0 instead of 23 , need a fix ",
        " upload stuck at 15 since this morning , need it ",
        " due by 1 may 2027 ",
        # an article or possessive before a bare number names a place or a count, not an hour
        " this is chloe at the 3 bells , can someone stop it ",
        " a new rota for our 2 shops by the 4 of them ",
    ],
)
def test_words_that_are_not_deadlines(text):
    assert deadlines(text, TUE_1000, CUES) == []


MODEL: Model = load_rules().model


@pytest.mark.parametrize(
    ("text", "points_at_least", "points_below", "says"),
    [
        # an outage for everyone is critical on its own
        ("the app is down for all our users", 70, 101, "all our users') +45"),
        # a count of people is scope only with a problem
        ("can you send pricing for 40 users?", 0, 45, "buying intent"),
        # negation cancels: "no errors"
        ("no errors, just a question about exports", 0, 15, "'errors' not counted: 'no' before it"),
        # a comma bounds the negation: "slow" still counts
        ("no errors, just slow for everyone", 45, 101, "slow ('slow')"),
        # a single person's broken feature with a deadline today is high: its points may reach
        # critical, one person's problem caps it
        ("export is broken and I need it by 5pm", 45, 101, "deadline 'by 5pm'"),
        ("export is broken and I need it by 5pm", 45, 101, "one person's problem, nobody else affected: at most high"),
        # planned maintenance is not an outage
        ("your API was down for maintenance on Sunday, do you retry webhooks?", -100, 15, "maintenance"),
        # only them: no scope
        ("SAML login fails for me only, everyone else is fine", 0, 70, "scope: only them"),
        # ... but asking whether it is only them is a question, not that answer
        ("is it just me or is your site dead? nothing loads", 70, 101, "scope ('is it just me or') +45"),
        ("your site is dead for me, just me though", 0, 70, "scope: only them ('just me')"),
        # a count in words is a count: scope
        ("the app won't open for any of our drivers, sixty of them", 70, 101, "scope ("),
        # the trade's own machines stopping, and what it looks like at the counter
        ("tills down in all fourteen stores", 70, 101, "outage ('tills down')"),
        ("card payments failing, we're cash only now", 70, 200, "stopped ('we are cash only')"),
        # a clause with its own subject is not negated by the clause before it, comma or not
        ("the card machine is not working we are cash only", 70, 200, "stopped ('we are cash only')"),
        ("the drivers are all just sitting in the vans", 70, 200, "stopped ('sitting in the vans')"),
        # nobody can, however it is said
        ("since 11 no customer has been able to complete checkout", 70, 101, "outage ('no customer has been able to')"),
        ("our customers have been unable to pay for an hour", 70, 101, "money ('been unable to pay')"),
        # someone else's data is a compromise
        ("a customer says she can see another customer's invoices", 70, 101, "security ('see another customer')"),
        # a question about the same words is not
        ("can another user see my drafts?", 0, 45, ""),
        # a charge they do not recognise is a billing question, not a stranger in the account ...
        ("There's a charge on my card from you that I don't recognise", 15, 45, "unknown_charge ('charge on my card"),
        # ... and a money problem when many see one
        ("all our customers are seeing charges they don't recognise", 70, 101, "scope ('all our') +45"),
        # what a word says beside its neighbours: a tap that leaks, an office down with flu, a how-to
        ("need someone to look at a leaking tap tomorrow", -100, 45, ""),
        ("half our office went down with flu this week", -100, 15, "noise ('went down with flu')"),
        ("phone died and the 2FA app was on it, how do I recover it?", 0, 45, "request ('how do i recover')"),
        # their own card declined on the renewal is their account's problem, at most high
        ("my card got declined when renewing and our plan runs out tonight", 45, 101, "at most high"),
        # reminders at 3am run away; at 9am they are the day's work
        ("every appointment reminder just went out at 3am to all 400 patients", 70, 101, "runaway ("),
        ("we release results to 180 students at 9am tomorrow", -100, 45, ""),
        # the sender's own slip is theirs, at most high, until they say it is many
        ("I accidentally deleted the reminder template, can it be restored before 2pm?", 45, 101, "at most high"),
        ("we accidentally deleted all 3000 customer records this morning", 70, 101, "scope ("),
        # what a problem does to the people in front of them is a problem: with many, critical
        (
            "we turned 30 customers away at lunch, the booking page is blank for the whole team",
            70,
            101,
            "consequence ('turned 30 customers away')",
        ),
        ("how do I stop customers getting sent home emails", -100, 15, ""),
        # a number inside a word is no count: "the whole 7am class" is scope, not a count of 7
        (
            "memberships are showing as expired, front desk turned away the whole 7am class",
            70,
            101,
            "scope ('whole 7am') +45",
        ),
        # "every couple of days" is how often, not every couple
        ("the app logs me out every couple of days, annoying", 0, 70, "at most high"),
        # money wrong without the usual words, and privacy in German
        ("the card app is charging people 3 times for one order", 45, 101, "money ('charging people 3 times"),
        ("unsere Patienten bekommen die Termine einer anderen Praxis", 70, 200, "security ('einer anderen praxis')"),
        # a person in the account they do not recognise is still one
        ("there's an admin on our account that we don't recognise", 70, 101, "security ('do not recognise')"),
        # feedback said not to be a problem, and a problem that is over
        (
            "Feedback rather than a problem: by Friday nobody reads the digest",
            -100,
            15,
            "noise ('rather than a problem')",
        ),
        (
            "It crashed at 9 this morning but it's been fine since, what happened?",
            -100,
            45,
            "resolved ('been fine since')",
        ),
        # the only one with access: nobody else to ask is not everyone
        (
            "payroll export keeps timing out for me, I'm the only one with access so can't ask anyone else",
            0,
            200,
            "scope: only them ('i am the only one with')",
        ),
        # a leak under the sink is not a data leak
        ("got a leak under the sink, need someone today", 0, 70, ""),
        # a count of places is scope from 2 (each place has its own people); a count of people only from 10
        (
            "number porting done last night, now no calls arrive. 3 offices, 0 calls today",
            70,
            101,
            "scope ('3 offices') +45",
        ),
        ("2 users can't log in since this morning", 0, 45, "one person's problem"),
        ("1 branch has no working tills", 45, 70, "outage ('no working tills') +50"),
    ],
)
def test_the_shipped_words_combine(text, points_at_least, points_below, says):
    # WHEN the shipped model reads the message on a Tuesday morning
    understood = MODEL.read("widget", "", text, TUE_1000)
    # THEN its points fall where the combination puts them, and a reason names the words
    assert points_at_least <= understood.points < points_below
    assert any(says in part for part in [*understood.parts, *understood.intent_parts])


@pytest.mark.parametrize(
    ("text", "cap"),
    [
        # a plain hedge caps whoever is affected
        ("not urgent, but the export is broken for all our users", "normal"),
        # understatement caps one person's problem...
        ("small thing: the export button is broken", "normal"),
        # ...but not a problem for many
        ("small thing: none of our 40 nurses can see their rota", None),
        ("just letting you know the site is down for everyone", None),
    ],
)
def test_understatement_caps_only_one_persons_problem(text, cap):
    # WHEN the shipped model reads a hedged message
    understood = MODEL.read("widget", "", text, TUE_1000)
    # THEN the level is capped only where the words allow
    assert understood.cap == cap


def test_a_hedge_caps_the_level():
    understood = MODEL.read("widget", "", "not urgent, but the export is broken for all our users", TUE_1000)
    assert understood.cap == "normal"
    assert level_at_most("critical", understood.cap) == "normal"
    assert level_at_most("low", understood.cap) == "low"


@pytest.mark.parametrize(
    ("text", "cap"),
    [
        # one person locked out with a deadline in an hour: high at most, however it adds up
        ("URGENT I can't log in and I present to the board in 45 minutes", "high"),
        # the same lock-out for the whole team is not capped
        ("URGENT the whole team can't log in and we present to the board in 45 minutes", None),
        # an outage is not a personal problem
        ("the app is down and I present to the board in 45 minutes", None),
        # ... unless the sender says it is theirs alone: money gone wrong for one account is high at most
        ("I was charged twice this morning, just my account. Need it back today", "high"),
        ("the dashboard won't load, only me, and I present to the board in 45 minutes", "high"),
        # a compromise is critical even for one account
        ("someone logged into my account from abroad, only my account as far as I can tell", None),
    ],
)
def test_one_persons_problem_is_at_most_high(text, cap):
    understood = MODEL.read("widget", "", text, TUE_1000)
    assert (understood.cap, understood.personal) == (cap, cap is not None)


def test_an_automatic_reply_scores_nothing():
    understood = MODEL.read(
        "email", "Out of office", "For urgent matters call my colleague. Pricing: ask Dana.", TUE_1000
    )
    assert (understood.points, understood.buying, understood.churn) == (0, False, False)


@pytest.mark.parametrize(
    ("subject", "text", "automatic"),
    [
        # it opens with what it is, whatever it quotes from the thread
        ("Automatic reply: Re: Whole team can't log in", "I am away until Monday.", True),
        ("", "out of office till 4 Jan. for anything urgent ping @kofi", True),
        # its words anywhere, with nothing wrong for many: still an automatic reply
        ("", "Thank you for your email. I am out of the office until Monday 14 December.", True),
        # a customer describing one, for everyone: a problem, not a machine
        ("", "Every email our customers send us comes back with Undeliverable. All of them.", False),
    ],
)
def test_an_automatic_reply_is_known_by_how_it_opens_not_by_a_quote(subject, text, automatic):
    # WHEN the shipped model reads the email
    understood = MODEL.read("email", subject, text, TUE_1000)
    # THEN only a machine's reply scores nothing
    assert (understood.points == 0 and understood.cap == "low") == automatic


def test_a_forward_is_read_with_the_message_it_brings():
    # GIVEN a forward whose own words say little; the forwarded message has the problem
    text = (
        "See below, can you help?\n\n---------- Forwarded message ---------\nFrom: Night shift\n"
        "> Nobody on the night shift can log in, all 40 agents are locked out"
    )
    # WHEN it is read as a forward, and as a reply with the same body
    forward = MODEL.read("email", "Fwd: night shift", text, TUE_1000)
    reply = MODEL.read("email", "Re: night shift", text, TUE_1000)
    # THEN the forward's quoted message counts; the reply's quote does not
    assert any("scope" in part for part in forward.parts)
    assert not any("scope" in part for part in reply.parts)


@pytest.mark.parametrize(
    ("text", "buying", "churn"),
    [
        ("can I get a demo for my team of 12?", True, False),
        ("we're moving to another tool, your price went up 40%", False, True),  # churn outweighs price words
        (
            "someone made a purchase on our account with our card, we didn't do it",
            False,
            False,
        ),  # a problem, not a sale
        ("how do I change my password", False, False),
        # another company's name in ours is a leak; weighing us against another tool is buying
        ("our invoices are showing another company's logo and bank details", False, False),
        ("can we get a demo today? we decide tomorrow between you and another tool. 25 staff", True, False),
        # leaving, said outright
        ("we've decided not to renew our subscription when the term ends", False, True),
        ("third outage this month. fix it today or we leave", False, True),
    ],
)
def test_intent_facts(text, buying, churn):
    understood = MODEL.read("widget", "", text, TUE_1000)
    assert (understood.buying, understood.churn) == (buying, churn)


@pytest.mark.parametrize(
    ("text", "cap"),
    [
        # a purchase due today, loudly: pressing, but nothing is broken
        ("need a quote for 60 seats TODAY asap, the board signs off at 4pm", "high"),
        # a problem in the same message: the intent does not cap it
        ("checkout is down for all our customers, and we want a quote for 60 more seats", None),
        # no intent, nothing broken, but pressing: a call-me before a time
        ("PLEASE call me before 5, it is about my account", "high"),
        # nothing pressing: nothing to cap, nothing said
        ("how do I export my contacts?", None),
    ],
)
def test_a_message_with_no_problem_is_at_most_the_no_problem_cap(text, cap):
    # WHEN the shipped model reads the message
    understood = MODEL.read("widget", "", text, TUE_1000)
    # THEN a message with nothing broken is capped when something presses, and says so
    assert understood.cap == cap
    assert any("no problem" in part and "at most high" in part for part in understood.parts) == (cap is not None)


@pytest.mark.parametrize(
    ("personal", "message"),
    [
        ({"cap": "high", "concepts": ["outage"]}, None),
        ({"cap": "high", "concepts": ["outage"], "only_them_except": ["security"]}, None),
        ({"cap": "high", "concepts": ["outage"], "only_them_except": ["hacking"]}, "hacking"),
        ({"cap": "high", "concepts": ["outages"]}, "outages"),
    ],
)
def test_the_personal_caps_name_concepts_the_rules_have(personal, message):
    # GIVEN an urgency section with two concepts and a personal cap naming some
    urgency = {
        "concepts": {"security": {"points": 70, "words": ["hacked"]}, "outage": {"points": 50, "words": ["down"]}},
        "personal": personal,
    }
    # WHEN it is compiled THEN a name that is no concept is a clear error, naming it
    if message is None:
        Model(urgency, {})
    else:
        with pytest.raises(PatternError, match=message):
            Model(urgency, {})


@pytest.mark.parametrize(
    ("places", "vocabulary", "message"),
    [
        ("places", {"places": ["branches", "offices"]}, None),
        ("sites", {"places": ["branches", "offices"]}, "scope.places names no vocabulary list: sites"),
    ],
)
def test_the_scope_places_name_a_vocabulary_list(places, vocabulary, message):
    # GIVEN an urgency section whose scope counts places from a vocabulary list
    urgency = {
        "reading": {"vocabulary": vocabulary},
        "concepts": {"outage": {"points": 50, "words": ["down"]}},
        "scope": {"points": 45, "words": ["# <places>"], "at_least": 10, "places": places},
    }
    # WHEN it is compiled THEN a list the rules lack is a clear error, naming it; a list they have counts from 2
    if message is not None:
        with pytest.raises(PatternError, match=message):
            Model(urgency, {})
        return
    model = Model(urgency, {})
    assert model.read("widget", "", "down in 2 offices", TUE_1000).points == 95
    assert model.read("widget", "", "down in 1 offices", TUE_1000).points == 50
