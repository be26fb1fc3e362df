"""``check``'s reports for CI services: GitLab code quality and SARIF 2.1.0.

Both take the findings as ``check`` collects them (plain dicts with
``file``, ``line``, ``column``, ``code``, ``level``, ``path``, ``message``)
and return JSON-ready data; ``check`` writes it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import PurePath
from typing import Any, Final
from urllib.parse import quote

from incidentkit._version import __version__
from incidentkit.checks.rules import RULES

#: Where SARIF readers send a user who asks what the tool is.
INFORMATION_URI: Final = "https://github.com/incidentkit/incidentkit"
#: The OASIS standard's schema (2.1.0 with errata 01), the ``id`` of the
#: schema the test suite validates the log against.
SARIF_SCHEMA: Final = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
    "sarif-schema-2.1.0.json"
)
SARIF_VERSION: Final = "2.1.0"

#: GitLab's severities are info, minor, major, critical and blocker. An
#: error-level finding is a record that contradicts itself (major); a record
#: that could not be read at all is worse (critical).
GITLAB_SEVERITY: Final = {"error": "major", "warning": "minor", "info": "info"}
#: SARIF's levels are error, warning, note (and none).
SARIF_LEVEL: Final = {"error": "error", "warning": "warning", "info": "note"}
#: What a document that failed to load is reported as, beside the rules.
LOAD_ERROR: Final = "load-error"


def _fingerprint(parts: Sequence[str], seen: set[str]) -> str:
    # Stable across runs and line moves (no line number in it), so GitLab
    # matches a finding of a merge request with the same one on main; a
    # repeated finding gets a counter, as GitLab needs each to differ.
    base = "\0".join(parts)
    for salt in range(len(seen) + 1):
        digest = hashlib.sha256(f"{base}\0{salt}".encode()).hexdigest()
        if digest not in seen:
            seen.add(digest)
            return digest
    raise AssertionError("unreachable: a free salt exists among len(seen) + 1")


def gitlab_report(
    findings: Sequence[dict[str, Any]], load_errors: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """A GitLab code quality report: one entry per finding and load error."""
    seen: set[str] = set()
    report = [
        {
            "description": f"{f['code']} {f['message']}",
            "check_name": f["code"],
            "fingerprint": _fingerprint(
                (f["file"], f["code"], f["path"], f["message"]), seen
            ),
            "severity": GITLAB_SEVERITY[f["level"]],
            "location": {"path": f["file"], "lines": {"begin": f["line"]}},
        }
        for f in findings
    ]
    report.extend(
        {
            "description": error,
            "check_name": LOAD_ERROR,
            "fingerprint": _fingerprint((item["source"], error), seen),
            "severity": "critical",
            "location": {"path": _file_of(item["source"]), "lines": {"begin": 1}},
        }
        for item in load_errors
        for error in item["errors"]
    )
    return report


def _file_of(source: str) -> str:
    # A JSONL document is "file.jsonl:LINE"; the file is what CI can open.
    name, _, line = source.rpartition(":")
    return name if line.isdigit() and name.endswith(".jsonl") else source


def _uri(file: str) -> str:
    """A file name as a SARIF artifact URI: relative stays relative."""
    if os.path.isabs(file):
        return PurePath(file).as_uri()
    return quote(PurePath(file).as_posix())


def _sarif_rules() -> list[dict[str, Any]]:
    return [
        {
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": rule.rationale},
            "help": {"text": f"{rule.summary} {rule.rationale}"},
            "defaultConfiguration": {"level": SARIF_LEVEL[rule.level]},
            "properties": {"family": rule.family},
        }
        for rule in sorted(RULES.values(), key=lambda rule: rule.code)
    ]


def sarif_report(
    findings: Sequence[dict[str, Any]],
    load_errors: Sequence[dict[str, Any]],
    exit_status: int,
) -> dict[str, Any]:
    """A SARIF 2.1.0 log of one run: every rule, every finding, load errors."""
    rules = _sarif_rules()
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    results = [
        {
            "ruleId": f["code"],
            "ruleIndex": index[f["code"]],
            "level": SARIF_LEVEL[f["level"]],
            "message": {"text": f["message"]},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(f["file"])},
                        "region": {"startLine": f["line"], "startColumn": f["column"]},
                    },
                    "logicalLocations": [
                        {"fullyQualifiedName": f["path"] or "$", "kind": "member"}
                    ],
                }
            ],
        }
        for f in findings
    ]
    notifications = [
        {
            "level": "error",
            "message": {"text": error},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(_file_of(item["source"]))}
                    }
                }
            ],
        }
        for item in load_errors
        for error in item["errors"]
    ]
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "incidentkit",
                        "version": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                # Our columns count characters (code points), not SARIF's
                # default UTF-16 code units.
                "columnKind": "unicodeCodePoints",
                "invocations": [
                    {
                        "executionSuccessful": not load_errors,
                        "exitCode": exit_status,
                        "toolExecutionNotifications": notifications,
                    }
                ],
                "results": results,
            }
        ],
    }
