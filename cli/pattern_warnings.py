"""Warnings for the rules' word patterns (routing/pattern_lint.py), placed as FILE:LINE like the errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from chalicelib.routing.pattern_lint import lint_rules
from chalicelib.routing.schema import RulesDocument
from cli.compile import RuleIssue, display, issue_at, yaml_lines


def pattern_warnings(path: Path) -> list[RuleIssue]:
    """The warnings for a rules file that compiles (so it parses and validates here too)."""
    text = path.read_text(encoding="utf-8")
    document = yaml.safe_load(text)
    lines: dict[tuple[Any, ...], int] = {}
    if (root := yaml.compose(text)) is not None:
        yaml_lines(root, (), lines)
    model = RulesDocument.model_validate(document)
    return [issue_at(display(path), where, message, document, lines) for where, message in lint_rules(model)]


def warning_line(issue: RuleIssue) -> str:
    """``file:line: warning: path: message``, the form compilers use, so editors jump to it too."""
    return f"{issue.file}:{issue.line}: warning: {issue.path}: {issue.message}"
