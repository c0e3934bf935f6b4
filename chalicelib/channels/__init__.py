"""Channel adapters: one pure module per provider (verify the raw bytes, parse, map to SupportEvent)."""
