"""Use cases: intake and triage. They talk to ports (Protocols), never to boto3."""
