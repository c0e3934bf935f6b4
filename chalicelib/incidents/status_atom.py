"""The status page as an Atom feed (RFC 4287): one entry per public update, newest first.

Built with ElementTree, which escapes every value, so an operator's "<" or "&" cannot break the feed.
Feed readers and chat integrations subscribe to this instead of polling the page.
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

from chalicelib.incidents.model import Incident, Update
from chalicelib.incidents.status_view import StatusView, iso

ATOM = "http://www.w3.org/2005/Atom"
_WORDS = {
    "investigating": "Investigating",
    "identified": "Identified",
    "monitoring": "Monitoring",
    "resolved": "Resolved",
    "scheduled": "Scheduled",
    "in_progress": "In progress",
    "completed": "Completed",
}


def render(view: StatusView) -> str:
    ET.register_namespace("", ATOM)
    config = view.config
    entries = sorted(
        ((incident, update) for incident in _every(view) for update in incident.updates),
        key=lambda pair: pair[1].at,
        reverse=True,
    )
    feed = ET.Element(f"{{{ATOM}}}feed")
    # an id must be an absolute IRI that never changes: the page's URL when we know it
    _text(feed, "id", config.url if config.base_url else "urn:switchboard:status")
    _text(feed, "title", f"{config.title} status")
    # the newest update, not the request's time: a feed that changes on every fetch defeats readers' caches
    _text(feed, "updated", iso(entries[0][1].at if entries else view.now))
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", config.title)
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=config.url)
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", type="application/atom+xml", href=f"{config.url}.atom")
    for incident, update in entries:
        _entry(feed, incident, update, view)
    return ET.tostring(feed, encoding="unicode", xml_declaration=True)


def _every(view: StatusView) -> list[Incident]:
    return [*view.open, *view.maintenance, *view.history]


def _entry(feed: ET.Element, incident: Incident, update: Update, view: StatusView) -> None:
    entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
    _text(entry, "id", f"urn:switchboard:update:{update.update_id}")
    _text(entry, "title", f"{incident.title}: {_WORDS.get(update.status.value, update.status.value)}")
    _text(entry, "updated", iso(update.at))
    _text(entry, "published", iso(update.at))
    ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=view.config.link(incident))
    content = _text(entry, "content", update.body)
    content.set("type", "text")


def _text(parent: ET.Element, name: str, value: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{name}")
    element.text = value
    return element
