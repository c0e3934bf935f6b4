"""The pure routing engine: rules in, decisions with reasons out. No I/O here, and no clock reads."""
