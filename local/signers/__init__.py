"""Per-provider signers for sample requests: each signs an events/ sample as its provider would."""
