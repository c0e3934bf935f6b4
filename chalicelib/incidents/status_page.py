"""The public status page as HTML: readable on a phone, complete without JavaScript, dark when the phone is.

Jinja2 with autoescape renders it, so every value (an operator's words, a title, a component's name)
is escaped by default and a template change cannot forget to. This module imports Jinja2 at the top:
only the status routes import this module, on first use, so webhooks never load it.

Times are printed in UTC and labelled; each sits in a <time datetime="…Z"> element, the one
machine-readable form a page without scripts can offer a reader's browser, extensions and screen
readers to show in local time (the page itself cannot know the reader's zone without JavaScript).
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime

from jinja2 import Environment, StrictUndefined
from markupsafe import Markup, escape

from chalicelib.incidents.status_view import StatusView, describe, iso

# Inline and small, like the ack page: no external assets, nothing to load on a poor connection.
STYLE = """
:root{color-scheme:light dark;--fg:#1a1a1a;--muted:#5c5c5c;--bg:#f6f6f4;--card:#fff;--line:#ddd;
--on:#fff;--ok:#1a7f37;--minor:#9a6700;--major:#bc4c00;--critical:#cf222e;--maintenance:#0969da}
@media (prefers-color-scheme:dark){:root{--on:#111318;--fg:#e6e6e6;--muted:#a0a0a0;--bg:#111318;--card:#1c1f26;--line:#333;
--ok:#3fb950;--minor:#d29922;--major:#f0883e;--critical:#f85149;--maintenance:#58a6ff}}
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;padding:1rem;color:var(--fg);background:var(--bg)}
main{max-width:44rem;margin:0 auto}
h1{font-size:1.5rem;margin:.25rem 0 1rem}h2{font-size:1.15rem;margin:1.5rem 0 .5rem}h3{font-size:1.05rem;margin:0 0 .25rem}
.banner{padding:1rem;border-radius:8px;color:var(--on);font-size:1.2rem;font-weight:600;background:var(--ok)}
.banner.minor{background:var(--minor)}.banner.major{background:var(--major)}
.banner.critical{background:var(--critical)}.banner.maintenance{background:var(--maintenance)}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:1rem;margin:0 0 .75rem}
.meta{color:var(--muted);font-size:.9rem;margin:0 0 .5rem}
ul.components{list-style:none;padding:0;margin:0}
ul.components li{display:flex;justify-content:space-between;gap:1rem;padding:.5rem 0;border-bottom:1px solid var(--line)}
ol.updates{list-style:none;padding:0;margin:.5rem 0 0}
ol.updates li{border-left:3px solid var(--line);padding:0 0 .75rem .75rem}
.word{font-weight:600}.body{white-space:pre-wrap;overflow-wrap:anywhere;margin:.1rem 0}
.impact-minor{color:var(--minor)}.impact-major{color:var(--major)}.impact-critical{color:var(--critical)}
a{color:var(--maintenance)}footer{color:var(--muted);font-size:.9rem;margin:2rem 0 1rem}
"""

_TEMPLATE = """{% macro incident(i) %}<article class="card" id="{{ i.incident_id }}">
<h3><a href="#{{ i.incident_id }}">{{ i.title }}</a></h3>
<p class="meta">{% if i.maintenance %}Maintenance{% if i.starts_at %} from {{ when(i.starts_at) }}{% endif %}{% if i.ends_at %} to {{ when(i.ends_at) }}{% endif %}{% else %}<span class="impact-{{ i.impact.value }}">{{ words[i.impact.value] }}</span> · opened {{ when(i.opened_at) }}{% endif %}{% if i.components %} · {{ i.components | join(", ") }}{% endif %}</p>
<ol class="updates">{% for u in i.updates | sort(attribute="at", reverse=True) %}
<li><span class="word">{{ words[u.status.value] }}</span> · <span class="meta">{{ when(u.at) }}</span><p class="body">{{ u.body }}</p></li>{% endfor %}
</ol></article>{% endmacro %}
<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>{{ config.title }} status</title>
<link rel="alternate" type="application/atom+xml" title="{{ config.title }} status" href="{{ config.url }}.atom">
<style>{{ style }}</style></head>
<body><main>
<h1>{{ config.title }} status</h1>
<p class="banner {{ view.indicator }}" role="status">{{ view.description }}</p>
{% if view.components %}<h2>Components</h2><ul class="components card">
{% for c in view.components %}<li><span>{{ c.component.name }}</span><span>{{ words[c.status] }}</span></li>
{% endfor %}</ul>{% endif %}
{% if view.open %}<h2>Open incidents</h2>{% for i in view.open %}{{ incident(i) }}{% endfor %}{% endif %}
{% if view.maintenance %}<h2>Scheduled maintenance</h2>{% for i in view.maintenance %}{{ incident(i) }}{% endfor %}{% endif %}
<h2>Past incidents (last {{ config.days }} days)</h2>
{% for i in view.history %}{{ incident(i) }}{% else %}<p class="meta">No incidents in the last {{ config.days }} days.</p>{% endfor %}
<footer>All times are UTC. Updated {{ when(view.now) }}.
<a href="{{ config.url }}.json">JSON</a> · <a href="{{ config.url }}.atom">Atom feed</a></footer>
</main></body></html>"""

#: every status, impact and component status as a reader reads it
WORDS = {
    "investigating": "Investigating",
    "identified": "Identified",
    "monitoring": "Monitoring",
    "resolved": "Resolved",
    "scheduled": "Scheduled",
    "in_progress": "In progress",
    "completed": "Completed",
    "none": "No impact",
    "minor": "Minor impact",
    "major": "Major impact",
    "critical": "Critical impact",
    "operational": "Operational",
    "degraded_performance": "Degraded performance",
    "partial_outage": "Partial outage",
    "major_outage": "Major outage",
    "under_maintenance": "Under maintenance",
}

_ENV = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True)
_PAGE = _ENV.from_string(_TEMPLATE)


def _when(moment: datetime) -> Markup:
    return Markup('<time datetime="{}">{}</time>').format(escape(iso(moment)), escape(describe(moment)))


def render(view: StatusView) -> str:
    return _PAGE.render(
        view=view,
        config=view.config,
        style=Markup(STYLE),  # our own constant: escaping its quotes would break it and its hash
        words=WORDS,
        when=_when,
    )


def security_headers() -> dict[str, str]:
    """The ack page's headers, with this page's own style pinned by its hash: no scripts, no framing, no forms."""
    style = base64.b64encode(hashlib.sha256(STYLE.encode("utf-8")).digest()).decode("ascii")
    return {
        "Content-Security-Policy": (
            f"default-src 'none'; style-src 'sha256-{style}'; form-action 'none'; frame-ancestors 'none'; "
            "base-uri 'none'"
        ),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }
