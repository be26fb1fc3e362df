"""Hypothesis strategies for valid incident records and their documents.

Every test module that needs arbitrary valid records imports from here:
``from strategies import records``. The strategies reach the corners the
library must survive: timestamps from year 1 to year 9999, unknown keys,
empty and missing sections, unsorted events, any Unicode text.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import attrs
from hypothesis import strategies as st

from incidentkit.records.schema import (
    MAX_COUNT,
    ActionItem,
    Communication,
    Context,
    CustomerImpact,
    Deployment,
    Event,
    EventType,
    Impact,
    Incident,
    IncidentRecord,
    OnCall,
    Participant,
    Resolution,
    Signals,
)

UTC = timezone.utc

#: Timestamps over the whole range ``datetime`` allows, in UTC.
timestamps = st.datetimes(timezones=st.just(UTC))

#: Timestamps in a realistic window, for tests about ordering and durations.
recent_timestamps = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1)
).map(lambda moment: moment.replace(tzinfo=UTC))

texts = st.text(max_size=30)
short_lists = st.lists(texts, max_size=3).map(tuple)
percentages = st.floats(min_value=0, max_value=100, allow_nan=False)
amounts = st.floats(min_value=0, max_value=1e12, allow_nan=False)
counts = st.integers(min_value=0, max_value=MAX_COUNT)
optional_bools = st.none() | st.booleans()

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | texts
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(texts, children, max_size=3)
    ),
    max_leaves=8,
)
metadata = st.dictionaries(texts, json_values, max_size=3)

severities = st.sampled_from(
    ["SEV0", "SEV1", "SEV-2", "sev 3", "SEV4", "P1", "P2", "critical", "minor", "odd"]
)


def _extra(cls: type[Any]) -> st.SearchStrategy[dict[str, Any]]:
    known = {field.name for field in attrs.fields(cls)}
    keys = texts.filter(lambda key: key not in known)
    return st.dictionaries(keys, json_values, max_size=2)


def _build(cls: type[Any], **fields: Any) -> st.SearchStrategy[Any]:
    return st.builds(cls, **fields, extra=_extra(cls))


def incidents(moments: st.SearchStrategy[datetime] = timestamps) -> Any:
    """Incident sections; ``moments`` draws every timestamp."""
    return _build(
        Incident,
        id=texts,
        title=texts,
        severity=st.none() | severities,
        status=st.sampled_from(["resolved", "investigating", "monitoring", "closed"]),
        declared_at=moments,
        resolved_at=st.none() | moments,
        commander=st.none() | texts,
        service=st.none() | texts,
        affected_services=short_lists,
        # Mostly incidents, as real data is.
        kind=st.sampled_from(["incident", "incident", "maintenance"]),
    )


def events(moments: st.SearchStrategy[datetime] = timestamps) -> Any:
    """Timeline events of any type."""
    return _build(
        Event,
        timestamp=moments,
        type=st.sampled_from(EventType),
        actor=st.none() | texts,
        description=st.none() | texts,
        metadata=metadata
        | st.builds(
            dict, status=st.sampled_from(["identified", "monitoring", "resolved"])
        ),
    )


def communications(moments: st.SearchStrategy[datetime] = timestamps) -> Any:
    """Messages, external ones often promising the next update."""
    return _build(
        Communication,
        timestamp=moments,
        channel=st.none() | st.sampled_from(["status_page", "slack", "email"]),
        audience=st.none() | st.sampled_from(["external", "internal"]),
        message=st.none()
        | texts
        | st.sampled_from(
            [
                "We will provide an update within 15 minutes.",
                "Next update in 30 minutes.",
                "Next update in 1 hour.",
            ]
        ),
    )


impacts = _build(
    Impact,
    revenue_impact=st.none()
    | st.sampled_from(["none", "low", "medium", "high", "critical", "odd"]),
    affected_users_percentage=st.none() | percentages,
    affected_regions=short_lists,
    data_integrity_risk=optional_bools,
    security_breach=optional_bools,
    customer_facing=optional_bools,
    degradation_type=st.none() | st.sampled_from(["full", "partial", "odd"]),
    workaround_available=optional_bools,
)

signals = _build(
    Signals,
    error_rate_percentage=st.none() | percentages,
    latency_p99_ms=st.none() | amounts,
    affected_endpoints=short_lists,
    dependent_services=short_lists,
    alert_count=st.none() | counts,
    customer_reports=st.none() | counts,
)


def contexts(moments: st.SearchStrategy[datetime] = timestamps) -> Any:
    """Context sections with deployments and on-call."""
    return _build(
        Context,
        recent_deployments=st.lists(
            _build(
                Deployment,
                service=st.none() | texts,
                deployed_at=st.none() | moments,
                version=st.none() | texts,
                changes=st.none() | texts,
            ),
            max_size=2,
        ).map(tuple),
        ongoing_incidents=st.lists(json_values, max_size=2).map(tuple),
        maintenance_windows=st.lists(json_values, max_size=2).map(tuple),
        on_call=st.none()
        | _build(
            OnCall,
            primary=st.none() | texts,
            secondary=st.none() | texts,
            escalation_manager=st.none() | texts,
        ),
    )


dates = st.dates()


def resolutions(moments: st.SearchStrategy[datetime] = timestamps) -> Any:
    """Resolution sections with customer impact."""
    return _build(
        Resolution,
        root_cause=st.none() | texts,
        contributing_factors=short_lists,
        mitigation_steps=short_lists,
        permanent_fix=st.none() | texts,
        customer_impact=st.none()
        | _build(
            CustomerImpact,
            affected_users=st.none() | counts,
            failed_transactions=st.none() | counts,
            revenue_impact_usd=st.none() | amounts,
            data_loss=optional_bools,
        ),
        postmortem_scheduled=st.none() | moments | dates,
    )


action_items = _build(
    ActionItem,
    title=texts,
    owner=st.none() | texts,
    priority=st.none() | st.sampled_from(["P1", "P2", "P3", "P4", "odd"]),
    deadline=st.none() | dates,
    type=st.none()
    | st.sampled_from(["detection", "detect", "Prevention", "repair", "process", "x"]),
    status=st.none() | st.sampled_from(["open", "done", "in_progress", "completed"]),
)

participants = _build(Participant, name=texts, role=st.none() | texts)


def records(moments: st.SearchStrategy[datetime] = timestamps) -> Any:
    """Valid records, sparse or full, with every timestamp from ``moments``."""
    return _build(
        IncidentRecord,
        incident=incidents(moments),
        events=st.lists(events(moments), max_size=6).map(tuple),
        communications=st.none()
        | st.lists(communications(moments), max_size=4).map(tuple),
        impact=st.none() | impacts,
        signals=st.none() | signals,
        context=st.none() | contexts(moments),
        resolution=st.none() | resolutions(moments),
        action_items=st.lists(action_items, max_size=4).map(tuple),
        participants=st.lists(participants, max_size=3).map(tuple),
    )


def ordered_milestone_records() -> Any:
    """Records whose six default milestones all exist and are in order."""

    @st.composite
    def build(draw: st.DrawFn) -> IncidentRecord:
        start = draw(recent_timestamps)
        steps = draw(
            st.lists(st.integers(min_value=0, max_value=10**9), min_size=5, max_size=5)
        )
        moments = [start]
        for step in steps:
            moments.append(moments[-1] + timedelta(microseconds=step))
        started, detected, declared, identified, mitigated, resolved = moments
        base = draw(records(recent_timestamps))
        timeline = (
            Event(timestamp=started, type=EventType.TRIGGER),
            Event(timestamp=detected, type=EventType.DETECTION),
            Event(
                timestamp=identified,
                type=EventType.INVESTIGATION,
                metadata={"status": "identified"},
            ),
            Event(timestamp=mitigated, type=EventType.MITIGATION),
        )
        incident = attrs.evolve(
            base.incident, declared_at=declared, resolved_at=resolved
        )
        return attrs.evolve(base, incident=incident, events=timeline)

    return build()


def as_date(moment: datetime) -> date:
    """The UTC calendar day of a moment."""
    return moment.astimezone(UTC).date()


# --- hostile text -------------------------------------------------------------------

#: Strings that have broken renderers before: case-folding specials, a lone
#: surrogate (loads by design: JSON can spell it), bidi and terminal
#: controls, newlines, mathtext, Markdown and HTML syntax, a leading
#: underscore (matplotlib hides such legend labels) and long text.
hostile_fragments = st.sampled_from(
    [
        "ſix",
        "fıve",
        "İ",
        "ß",
        "ﬁ",
        "\ud800",
        "\udfff",
        "\u202e",
        "\u2066",
        "\n",
        "\r\n",
        "\x1b[31m",
        "\x00",
        "\x9b",
        "\t",
        "$\\frac{$",
        "$$",
        "$x$",
        "\\sqrt{" * 200,
        "![x](http://e/x.png)",
        "[link](javascript:alert(1))",
        "*",
        "**",
        "_",
        "`",
        "``",
        "|",
        "<script>",
        "&amp;",
        "#",
        "\\",
        "_hidden",
        "SEV1",
        " @ ",
        "x" * 5000,
    ]
)
hostile_texts = st.lists(
    hostile_fragments | st.text(max_size=8), min_size=1, max_size=4
).map("".join)


def _hostile_json(text: st.SearchStrategy[str]) -> Any:
    scalars = st.none() | st.booleans() | st.integers() | text
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=3) | st.dictionaries(text, children, max_size=3)
        ),
        max_leaves=6,
    )


@st.composite
def hostile_records(draw: st.DrawFn) -> IncidentRecord:
    """A valid record whose every piece of free text may be hostile.

    Built from :func:`records`, then its titles, labels, names, messages,
    factors and metadata are replaced; tests that need "any record the
    loader accepts" round-trip it through ``from_dict`` themselves.
    """
    text = hostile_texts | texts
    maybe = st.none() | text
    rec = draw(records(recent_timestamps))
    incident = attrs.evolve(
        rec.incident,
        id=draw(text),
        title=draw(text),
        severity=draw(text | severities),
        status=draw(text),
        service=draw(maybe),
        commander=draw(maybe),
        affected_services=tuple(draw(st.lists(text, max_size=2))),
    )
    events_ = tuple(
        attrs.evolve(
            event,
            actor=draw(maybe),
            description=draw(maybe),
            metadata=draw(st.dictionaries(text, _hostile_json(text), max_size=2)),
        )
        for event in rec.events
    )
    comms = None
    if rec.communications is not None:
        comms = tuple(
            attrs.evolve(message, message=draw(maybe), channel=draw(maybe))
            for message in rec.communications
        )
    resolution = rec.resolution
    if resolution is not None:
        resolution = attrs.evolve(
            resolution,
            root_cause=draw(maybe),
            contributing_factors=tuple(draw(st.lists(text, max_size=3))),
        )
    items = tuple(
        attrs.evolve(item, title=draw(text), owner=draw(maybe), type=draw(maybe))
        for item in rec.action_items
    )
    return attrs.evolve(
        rec,
        incident=incident,
        events=events_,
        communications=comms,
        resolution=resolution,
        action_items=items,
    )
