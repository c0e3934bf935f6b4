"""The on-call console: a small server-rendered web app for Switchboard's own people (issue 14)."""
