"""Structured logging through Powertools Logger; never log phone numbers, emails or message text."""

from __future__ import annotations

from aws_lambda_powertools import Logger

logger = Logger(service="switchboard")
