"""The edges: Chalice blueprints and event handlers that parse, call one service, and answer."""
