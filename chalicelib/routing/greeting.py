"""Who an auto-reply greets: the person who wrote, by first name; never an address, a handle or a number."""

from __future__ import annotations

import re

#: a title is kept with the surname it belongs to: "Dr. Okafor", not "Dr"
_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof"})
_EDGES = "\"'()[]<>{}.,;:!?*-–—|/"
#: a word of letters (any script), perhaps with inner apostrophes or hyphens: "Anne-Marie", "D'Arcy"
_WORD = re.compile(r"^[^\W\d_]+(?:['’-][^\W\d_]+)*$")
#: separators in a login-style name ("dana.whitfield", "dana_w")
_LOGIN = re.compile(r"[._]")
#: an address in angle brackets after a display name
_ADDRESS = re.compile(r"<[^>]*>")
FALLBACK = "there"


def greeting(sender_name: str | None, contact_name: str | None = None) -> str:
    """The first name of who wrote; else the account's contact person; else "there".

    The customer record's own name is not tried: it is often the company ("Trattoria Marco"),
    and "Hi Trattoria" reads like a machine.
    """
    return first_name(sender_name) or first_name(contact_name) or FALLBACK


def first_name(name: str | None) -> str | None:
    """'Dana' from 'Dana Whitfield', 'Okafor, Tom', 'DANA W.' or 'dana.whitfield'; None for what is not a name."""
    if name:  # a whole From header ("Priya <priya@…>"): the address is not part of the name
        name = _ADDRESS.sub(" ", name)
    if not name or "@" in name or any(c.isdigit() for c in name):
        return None  # an email address, a handle or a phone number: never said back as a name
    text = " ".join(name.split())
    if "," in text:  # "Okafor, Tom", as directories and mail clients write it
        surname, _, given = text.partition(",")
        text = f"{given} {surname}"
    words = [w.strip(_EDGES) for w in text.split()]
    words = [w for w in words if w]
    if not words:
        return None
    if len(words) == 1 and _LOGIN.search(words[0]):
        words = [w for w in _LOGIN.split(words[0]) if w]
    first = words[0]
    if first.lower() in _TITLES and len(words) > 1 and _WORD.match(words[-1]):
        return f"{_cased(first)}. {_cased(words[-1])}"
    return _cased(first) if _WORD.match(first) and len(first) > 1 else None


def _cased(word: str) -> str:
    """'DANA' and 'dana' as 'Dana'; a name already in mixed case ('McKenzie', 'DeShawn') as written."""
    return word.capitalize() if word.isupper() or word.islower() else word
