"""The postmortem linter: its rules and the engine that runs them."""

from incidentkit.checks.config import Settings, find_settings, load_settings
from incidentkit.checks.engine import (
    CheckPolicy,
    check,
    check_counts,
    check_many,
)
from incidentkit.checks.findings import Finding, Findings, count_levels
from incidentkit.checks.rules import (
    FAMILIES,
    LEVELS,
    RULES,
    Level,
    Rule,
)

__all__ = [
    "FAMILIES",
    "LEVELS",
    "RULES",
    "CheckPolicy",
    "Finding",
    "Findings",
    "Level",
    "Rule",
    "Settings",
    "check",
    "check_counts",
    "check_many",
    "count_levels",
    "find_settings",
    "load_settings",
]
