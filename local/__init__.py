"""The local platform: Switchboard on a moto server, on this machine, with no AWS account."""
