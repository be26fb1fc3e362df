"""``incidentkit report``: a readable report on one incident."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, TextIO

from incidentkit.checks.engine import CheckPolicy, check
from incidentkit.checks.rules import LEVELS
from incidentkit.cli._output import (
    _MISSING,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    JSON_SCHEMA_VERSION,
    RENDERERS,
    _iso,
    _json_dump,
    _print_errors,
    _seconds,
    _span,
)
from incidentkit.cli._sources import _load_one_file
from incidentkit.cli.check import (
    _failing,
    _finding_data,
    _level_counts,
    _resolve_or_exit,
)
from incidentkit.errors import ValidationError
from incidentkit.figures.incident import (
    action_item_coverage,
    communications_summary,
    impact_score,
    phase_durations,
)
from incidentkit.figures.policy import DEFAULT_POLICY, Policy
from incidentkit.figures.timeline import FIGURES, PHASES
from incidentkit.records.io import AUTO, example_path
from incidentkit.records.schema import MAINTENANCE, IncidentRecord
from incidentkit.render.document import Section as _Section
from incidentkit.render.html import format_number, format_timestamp


def report_data(
    rec: IncidentRecord,
    *,
    as_of: date | None,
    source: str | None = None,
    rules: CheckPolicy | None = None,
    policy: Policy = DEFAULT_POLICY,
) -> dict[str, Any]:
    """Everything ``incidentkit report`` shows, as JSON-ready data.

    This is the ``--format json`` output (documented field by field in the
    command-line page of the documentation): durations are seconds,
    moments are ISO 8601 UTC strings ending in ``Z``, and anything unknown
    is ``null``.

    Args:
        rec: The record.
        as_of: The day to judge action-item deadlines on; ``None`` judges
            none (``overdue`` is then ``null`` and IK508 does not run).
        source: Where the record came from, copied into the output.
        rules: The rules of the findings, as ``incidentkit check`` applies
            them; ``CheckPolicy()`` by default.
        policy: The policy of the figures and the findings.
    """
    durations = phase_durations(rec, policy=policy)
    comms = communications_summary(rec, policy=policy)
    impact = impact_score(rec, policy=policy)
    # No day, no overdue item: the earliest day finds none.
    day = date.min if as_of is None else as_of
    coverage = action_item_coverage(rec, as_of=day, policy=policy)
    findings = check(rec, policy=policy, rules=rules, as_of=as_of)
    incident = rec.incident
    limit = comms.long_gaps[0].limit if comms.long_gaps else None
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "source": source,
        "as_of": None if as_of is None else as_of.isoformat(),
        "incident": {
            "id": incident.id,
            "title": incident.title,
            "severity": incident.severity,
            "severity_level": incident.severity_level,
            "status": incident.status,
            "kind": incident.kind,
            "service": incident.service,
            "commander": incident.commander,
            "declared_at": _iso(incident.declared_at),
            "resolved_at": _iso(incident.resolved_at),
        },
        "milestones": {
            name: _iso(moment)
            for name, moment in durations.milestones.as_dict().items()
        },
        "figures": {name: _seconds(span) for name, span in durations.figures.items()},
        "phases": {name: _seconds(span) for name, span in durations.phases.items()},
        "communications": {
            "source": comms.source,
            "external_updates": [_iso(moment) for moment in comms.external_updates],
            "time_to_first_update": _seconds(comms.time_to_first_update),
            "gaps": [_seconds(gap) for gap in comms.gaps],
            "gap_limit": _seconds(limit),
            "long_gaps": [
                {
                    "start": _iso(gap.start),
                    "end": _iso(gap.end),
                    "length": _seconds(gap.length),
                    "limit": _seconds(gap.limit),
                }
                for gap in comms.long_gaps
            ],
            "promises": [
                {
                    "made_at": _iso(promise.made_at),
                    "promised_by": _iso(promise.promised_by),
                    "next_update_at": _iso(promise.next_update_at),
                    "broken": promise.broken,
                }
                for promise in comms.promises
            ],
            "broken_promises": len(comms.broken_promises),
        },
        "impact": {
            "score": impact.score,
            "score_unknown_reason": impact.reason,
            "user_minutes": impact.user_minutes,
            "impact_duration": _seconds(impact.impact_duration),
            "components": {
                name: {
                    "group": part.group,
                    "weight": part.weight,
                    "value": part.value,
                    "contribution": part.contribution,
                }
                for name, part in impact.components.items()
            },
        },
        "action_items": {
            "count": len(rec.action_items),
            "by_type": dict(coverage.by_type),
            "required_types": sorted(coverage.required_types),
            "missing_types": sorted(coverage.missing_types),
            "overdue": None if as_of is None else list(coverage.overdue),
            "without_owner": list(coverage.without_owner),
            "without_deadline": list(coverage.without_deadline),
            "unaddressed_factors": list(coverage.unaddressed_factors),
        },
        "findings": [_finding_data(finding) for finding in findings],
    }


def _moment(text: str | None) -> str:
    return _MISSING if text is None else format_timestamp(datetime.fromisoformat(text))


def _item_list(rec: IncidentRecord, indices: Sequence[int]) -> str:
    if not indices:
        return "none"
    return "; ".join(f"#{i} {rec.action_items[i].title}" for i in indices)


def _report_sections(
    rec: IncidentRecord, data: dict[str, Any]
) -> tuple[str, list[str], list[_Section]]:
    incident = data["incident"]
    heading = f"{incident['id']} · {incident['title']}"
    level = incident["severity_level"]
    severity = "unknown" if incident["severity"] is None else incident["severity"]
    facts = [
        f"severity {severity}"
        + ("" if level is None else f" (level {level})")
        + f" · status {incident['status']}"
        + (f" · service {incident['service']}" if incident["service"] else ""),
    ]
    if incident["kind"] == MAINTENANCE:
        facts.append(
            "a scheduled maintenance: planned work, measured over its window and "
            "left out of incident statistics by default"
        )
    if data["source"]:
        facts.append(f"source: {data['source']}")

    milestones = _Section("Milestones")
    milestones.pairs = [(name, _moment(m)) for name, m in data["milestones"].items()]

    figures = _Section("Durations")
    figures.table(
        ("figure", "duration", "from → to"),
        [
            (name, _span(value), " → ".join(FIGURES[name]))
            for name, value in data["figures"].items()
        ],
        (False, True, False),
    )
    phases = _Section("Phases")
    known = [v for v in data["phases"].values() if v is not None and v > 0]
    whole = sum(known)
    rows: list[Sequence[str]] = []
    for name, value in data["phases"].items():
        share = ""
        if value is not None and value > 0 and whole > 0:
            share = f"{value / whole:4.0%} " + "█" * max(1, round(20 * value / whole))
        rows.append((name, _span(value), " → ".join(PHASES[name]), share))
    phases.table(("phase", "duration", "from → to", "share"), rows, (False, True))

    comms = data["communications"]
    communications = _Section("Communications")
    gaps = ", ".join(_span(gap) for gap in comms["gaps"]) or "none"
    broken = [p for p in comms["promises"] if p["broken"]]
    communications.pairs = [
        ("external updates", str(len(comms["external_updates"]))),
        ("time to first update", _span(comms["time_to_first_update"])),
        ("gaps", gaps),
    ]
    if comms["gap_limit"] is not None:
        longest = ", ".join(_span(gap["length"]) for gap in comms["long_gaps"])
        communications.pairs.append(
            (f"gaps over {_span(comms['gap_limit'])}", longest or "none")
        )
    communications.pairs.append(
        ("promises", f"{len(comms['promises'])} made, {len(broken)} broken")
    )
    for promise in broken:
        communications.notes.append(
            f"broken: update at {_moment(promise['made_at'])} promised the next "
            f"by {_moment(promise['promised_by'])}; it came at "
            f"{_moment(promise['next_update_at'])}"
        )

    impact_data = data["impact"]
    score = impact_data["score"]
    impact = _Section(
        "Impact score unknown: " + impact_data["score_unknown_reason"]
        if score is None
        else f"Impact score {score:.1f} / 100",
        f"user-minutes {format_number(impact_data['user_minutes'])}",
    )
    impact.table(
        ("component", "group", "weight", "value", "points"),
        [
            (
                name,
                part["group"],
                format_number(part["weight"]),
                f"{part['value']:.3f}",
                f"{part['contribution']:.2f}",
            )
            for name, part in impact_data["components"].items()
        ],
        (False, False, True, True, True),
    )

    items = data["action_items"]
    judged = (
        "deadlines not judged" if data["as_of"] is None else f"as of {data['as_of']}"
    )
    actions = _Section("Action items", f"{items['count']}, {judged}")
    counted = [f"{kind} {n}" for kind, n in items["by_type"].items() if n]
    actions.pairs = [
        ("by type", ", ".join(counted) or "none"),
        ("required types", ", ".join(items["required_types"]) or "none"),
        ("missing types", ", ".join(items["missing_types"]) or "none"),
        (
            "overdue",
            "not judged"
            if items["overdue"] is None
            else _item_list(rec, items["overdue"]),
        ),
        ("without owner", _item_list(rec, items["without_owner"])),
        ("without deadline", _item_list(rec, items["without_deadline"])),
        ("unaddressed factors", "; ".join(items["unaddressed_factors"]) or "none"),
    ]

    findings = _Section("Findings", _level_counts(data["findings"]))
    if data["findings"]:
        findings.table(
            ("level", "code", "path", "message"),
            [
                (f["level"], f["code"], f["path"] or "$", f["message"])
                for f in data["findings"]
            ],
        )
    else:
        findings.notes.append("none")
    sections = [milestones, figures, phases, communications, impact, actions, findings]
    return heading, facts, sections


def _run_report(
    args: argparse.Namespace,
    out: TextIO,
    err: TextIO,
    parser: argparse.ArgumentParser,
) -> int:
    run = _resolve_or_exit(args, parser, args.file or ".", out, err)
    if isinstance(run, int):
        return run
    if args.file is None:
        if args.input_format not in ("incidentkit", AUTO):
            err.write(
                "incidentkit report: --input-format needs a FILE (the bundled "
                "example is in incidentkit's own format)\n"
            )
            return EXIT_USAGE
        path = str(example_path())
    else:
        path = args.file
    try:
        rec = _load_one_file(path, args.input_format, args.assume_utc)
    except ValidationError as exc:
        _print_errors(exc, err)
        return EXIT_FAILED
    data = report_data(
        rec,
        as_of=run.as_of,
        source=path,
        rules=run.rules_for(path),
        policy=run.settings.policy,
    )
    counts: dict[str, int] = dict.fromkeys(LEVELS, 0)
    for finding in data["findings"]:
        counts[finding["level"]] += 1
    # The exit status of `check` on the same record, whatever the format.
    status = EXIT_FAILED if _failing(counts, run.fail_on) else EXIT_OK
    if args.format == "json":
        _json_dump(data, out)
        return status
    heading, facts, sections = _report_sections(rec, data)
    render = RENDERERS[args.format]
    out.write(render(heading, facts, sections))
    return status
