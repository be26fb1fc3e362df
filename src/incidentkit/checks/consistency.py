"""Consistency rules (IK3xx): sections of the record that contradict each other."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

from incidentkit._frozen import thaw
from incidentkit.checks.context import Context, folded_text, quoted
from incidentkit.checks.policy import word_key
from incidentkit.checks.rules import rule
from incidentkit.records.schema import EventType

#: Nothing here is public: the rules register themselves with
#: :func:`incidentkit.checks.rules.rule` on import.
__all__: list[str] = []


@rule(
    code="IK301",
    name="declaration-severity-mismatch",
    family="consistency",
    level="warning",
    summary="The severity in the declaration event differs from the incident's.",
    rationale=(
        "A re-classified incident should say so; otherwise one of the two "
        "labels is wrong and readers cannot tell which."
    ),
    bad='"severity": "SEV2", declaration event metadata {"severity": "SEV1"}',
    good='"severity": "SEV1", declaration event metadata {"severity": "SEV1"}',
)
def _declaration_severity_mismatch(ctx: Context) -> Iterator[tuple[str, str]]:
    declared = ctx.level
    if declared is None:
        return
    labels = ctx.policy.severity_labels
    for index, event in enumerate(ctx.rec.events):
        if event.type is not EventType.DECLARATION:
            continue
        said = event.metadata.get("severity")
        said_level = labels.level(said) if isinstance(said, str) else None
        if said_level is not None and said_level != declared:
            yield (
                f"events[{index}].metadata.severity",
                f"the declaration event says {said!r} but incident.severity is "
                f"{ctx.rec.incident.severity!r}: if the incident was re-classified, "
                "record the change (an escalation event), else correct one of them",
            )


def _participant_matches(ctx: Context) -> list[int]:
    commander = folded_text(ctx.rec.incident.commander)
    return [
        index
        for index, person in enumerate(ctx.rec.participants)
        if commander and folded_text(person.name) == commander
    ]


@rule(
    code="IK302",
    name="commander-not-participant",
    family="consistency",
    level="warning",
    summary="The incident commander is not among the participants.",
    rationale=(
        "Participants are the record of who responded; the commander leading "
        "the response belongs there."
    ),
    bad='"commander": "Jane Smith", "participants": [{"name": "Alice Chen"}]',
    good=(
        '"commander": "Jane Smith", "participants": [{"name": "Jane Smith", '
        '"role": "Incident Commander"}]'
    ),
)
def _commander_not_participant(ctx: Context) -> Iterator[tuple[str, str]]:
    commander = ctx.rec.incident.commander
    if not folded_text(commander) or _participant_matches(ctx):
        return
    names = [person.name for person in ctx.rec.participants]
    yield (
        "incident.commander",
        f"commander {commander!r} is not among the participants {quoted(names)}: "
        "add them with the role 'Incident Commander'",
    )


@rule(
    code="IK303",
    name="commander-without-role",
    family="consistency",
    level="warning",
    summary="The commander is a participant without the Incident Commander role.",
    rationale=(
        "The participant list and the incident header should agree on who "
        "led the response."
    ),
    bad='{"name": "Jane Smith", "role": "Operations Lead"}',
    good='{"name": "Jane Smith", "role": "Incident Commander"}',
)
def _commander_without_role(ctx: Context) -> Iterator[tuple[str, str]]:
    matches = _participant_matches(ctx)
    if not matches:
        return
    people = ctx.rec.participants
    roles = ctx.rules.commander_roles
    if any(word_key(people[index].role) in roles for index in matches):
        return
    index = matches[0]
    yield (
        f"participants[{index}].role",
        f"participants[{index}] {people[index].name!r} is the commander but has "
        f"the role {people[index].role!r}: set the role to 'Incident Commander'",
    )


def _known_services(ctx: Context) -> list[str]:
    incident = ctx.rec.incident
    services = list(incident.affected_services)
    if incident.service is not None:
        services.append(incident.service)
    return services


@rule(
    code="IK304",
    name="service-not-affected",
    family="consistency",
    level="warning",
    summary=(
        "A service in signals.dependent_services is missing from affected_services."
    ),
    rationale=(
        "Signals show the service was hit; leaving it out of "
        "affected_services hides the incident from that service's figures."
    ),
    bad=(
        '"affected_services": ["checkout"], "dependent_services": '
        '["checkout", "order-service"]'
    ),
    good='"affected_services": ["checkout", "order-service"]',
)
def _service_not_affected(ctx: Context) -> Iterator[tuple[str, str]]:
    signals = ctx.rec.signals
    if signals is None:
        return
    known = {folded_text(name) for name in _known_services(ctx)}
    listed = list(ctx.rec.incident.affected_services)
    for index, service in enumerate(signals.dependent_services):
        if folded_text(service) not in known:
            yield (
                f"signals.dependent_services[{index}]",
                f"{service!r} is in signals.dependent_services but not in "
                f"incident.affected_services {quoted(listed)}: add it to "
                "affected_services, or drop it from the signals if it was not hit",
            )


#: Host names and first path segments that name no service.
_GENERIC_NAMES: Final = frozenset(
    {"api", "apis", "www", "app", "web", "rest", "graphql", "rpc", "localhost"}
)
_HTTP_METHOD: Final = re.compile(
    r"^(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+", re.IGNORECASE
)
_NOT_A_NAME: Final = re.compile(r"^(?:v\d+|[\d.]+|\[.*)$")
_HOST_END: Final = re.compile(r"[/:@?#]")


def _endpoint_service(endpoint: str) -> str | None:
    """The service an endpoint names, or ``None`` for a bare path.

    ``https://orders.internal/v1`` names ``orders``; ``order-service:/v1/x``
    and ``order-service/v1/x`` name ``order-service``; ``/api/orders`` and
    ``GET /api/orders`` name none.
    """
    text = _HTTP_METHOD.sub("", endpoint.strip())
    if "://" in text:
        text = text.split("://", 1)[1]
    elif ":" not in text and "/" not in text:
        return None  # a bare word: a service, a resource? Not judged.
    head = _HOST_END.split(text, maxsplit=1)[0]
    name = head.split(".", 1)[0].strip().casefold()
    if not name or name in _GENERIC_NAMES or _NOT_A_NAME.match(name):
        return None
    return name


@rule(
    code="IK305",
    name="endpoint-service-not-affected",
    family="consistency",
    level="warning",
    summary=(
        "An affected endpoint names its service (a URL host, service:/path or "
        "service/path) and that service is missing from affected_services."
    ),
    rationale=(
        "Like IK304 for endpoints: the signals say the service was hit, the "
        "incident does not list it. Bare paths (/api/orders) name no service "
        "and are not judged."
    ),
    bad=(
        '"service": "payment-gateway", "affected_endpoints": '
        '["https://order-service.internal/v1/orders"]'
    ),
    good=(
        '"affected_services": ["order-service"], "affected_endpoints": '
        '["https://order-service.internal/v1/orders"]'
    ),
)
def _endpoint_service_not_affected(ctx: Context) -> Iterator[tuple[str, str]]:
    signals = ctx.rec.signals
    if signals is None:
        return
    services = _known_services(ctx)
    known = {folded_text(name) for name in services}
    known |= {name.split(".", 1)[0] for name in known if name}
    listed = list(ctx.rec.incident.affected_services)
    for index, endpoint in enumerate(signals.affected_endpoints):
        service = _endpoint_service(endpoint)
        if service is not None and service not in known:
            yield (
                f"signals.affected_endpoints[{index}]",
                f"endpoint {endpoint!r} belongs to {service!r}, which is not in "
                f"incident.affected_services {quoted(listed)}: add it to "
                "affected_services",
            )


@rule(
    code="IK306",
    name="data-loss-without-integrity-risk",
    family="consistency",
    level="error",
    summary=(
        "customer_impact.data_loss is true while impact.data_integrity_risk is false."
    ),
    rationale=(
        "Lost data is the integrity risk come true; the two fields cannot "
        "both hold, and the severity criteria read both."
    ),
    bad='"data_integrity_risk": false, "customer_impact": {"data_loss": true}',
    good='"data_integrity_risk": true, "customer_impact": {"data_loss": true}',
)
def _data_loss_without_integrity_risk(ctx: Context) -> Iterator[tuple[str, str]]:
    rec = ctx.rec
    customer = rec.resolution.customer_impact if rec.resolution else None
    if (
        rec.impact is not None
        and rec.impact.data_integrity_risk is False
        and customer is not None
        and customer.data_loss is True
    ):
        yield (
            "impact.data_integrity_risk",
            "data_integrity_risk is false but resolution.customer_impact.data_loss "
            "is true: set data_integrity_risk to true, or data_loss to false if no "
            "data was lost",
        )


@rule(
    code="IK307",
    name="affected-users-contradiction",
    family="consistency",
    level="error",
    summary=(
        "Affected-user figures contradict each other (a share of 0 % with "
        "affected users, users with no share, failed transactions without "
        "users)."
    ),
    rationale=(
        "Impact scores and user-minutes read these figures; a contradiction "
        "means one of them is wrong."
    ),
    bad='"affected_users_percentage": 0, "customer_impact": {"affected_users": 12500}',
    good=(
        '"affected_users_percentage": 45, "customer_impact": {"affected_users": 12500}'
    ),
)
def _affected_users_contradiction(ctx: Context) -> Iterator[tuple[str, str]]:
    rec = ctx.rec
    share = rec.impact.affected_users_percentage if rec.impact else None
    customer = rec.resolution.customer_impact if rec.resolution else None
    users = customer.affected_users if customer else None
    failed = customer.failed_transactions if customer else None
    if share == 0 and users:
        yield (
            "impact.affected_users_percentage",
            f"affected_users_percentage is 0 but customer_impact.affected_users is "
            f"{users}: give the share of users affected",
        )
    if share and users == 0:
        yield (
            "resolution.customer_impact.affected_users",
            f"affected_users is 0 but impact.affected_users_percentage is "
            f"{share:g}: give the number of users affected",
        )
    if users == 0 and failed:
        yield (
            "resolution.customer_impact.affected_users",
            f"affected_users is 0 but failed_transactions is {failed}: failed "
            "transactions belong to affected users; correct one of them",
        )


@rule(
    code="IK308",
    name="customer-facing-contradiction",
    family="consistency",
    level="warning",
    summary=(
        "impact.customer_facing is false, yet customers were affected or "
        "reported the problem."
    ),
    rationale=(
        "customer_facing decides the severity and the communication rules; "
        "customers affected says it is wrong."
    ),
    bad='"customer_facing": false, "customer_impact": {"failed_transactions": 342}',
    good='"customer_facing": true, "customer_impact": {"failed_transactions": 342}',
)
def _customer_facing_contradiction(ctx: Context) -> Iterator[tuple[str, str]]:
    rec = ctx.rec
    if rec.impact is None or rec.impact.customer_facing is not False:
        return
    customer = rec.resolution.customer_impact if rec.resolution else None
    evidence = []
    if customer is not None:
        if customer.affected_users:
            evidence.append(
                f"customer_impact.affected_users is {customer.affected_users}"
            )
        if customer.failed_transactions:
            evidence.append(
                f"customer_impact.failed_transactions is {customer.failed_transactions}"
            )
        if customer.revenue_impact_usd:
            evidence.append(
                f"customer_impact.revenue_impact_usd is {customer.revenue_impact_usd:g}"
            )
    if rec.signals is not None and rec.signals.customer_reports:
        evidence.append(f"signals.customer_reports is {rec.signals.customer_reports}")
    if evidence:
        yield (
            "impact.customer_facing",
            f"customer_facing is false but {', '.join(evidence)}: set "
            "customer_facing to true, or correct the customer figures",
        )


@rule(
    code="IK309",
    name="unused-suppression",
    family="consistency",
    level="warning",
    summary=(
        "The record's incidentkit.ignore names an unknown rule, is malformed, "
        "or silences a rule that no longer finds anything in it."
    ),
    rationale=(
        "A suppression outlives the problem it hid: once the record is fixed "
        "it would silently hide the next real problem of that rule. Like an "
        "unused '# noqa', it is reported so that it is removed. A rule that "
        "is switched off in this run, or that needs as_of without it, is not "
        "judged."
    ),
    bad=('"incidentkit": {"ignore": ["IK505", "IK999"]}, with every action item typed'),
    good='"incidentkit": {"ignore": []}, or no "incidentkit" key at all',
)
def _unused_suppression(ctx: Context) -> Iterator[tuple[str, str]]:
    for entry in ctx.suppressions:
        if entry.problem is not None:
            yield (
                entry.path,
                # Shown as it was written (a list, not the record's tuple).
                f"{entry.path} {entry.problem} ({thaw(entry.value)!r}); write "
                '"incidentkit": {"ignore": ["IK505", "action_items"]}',
            )
        elif not entry.codes:
            yield (
                entry.path,
                f"{entry.path} {entry.value!r} names no rule; use a code "
                "(IK505), a code prefix (IK5), a rule name or a family",
            )
        elif not ctx.raised & set(entry.codes) and any(
            ctx.judged(code) for code in entry.codes
        ):
            yield (
                entry.path,
                f"{entry.path} {entry.value!r} silences "
                f"{_rules_named(entry.codes)} in this record: remove the entry",
            )


def _rules_named(codes: tuple[str, ...]) -> str:
    if len(codes) == 1:
        return f"{codes[0]}, which finds nothing"
    return f"{len(codes)} rules ({codes[0]}...), which find nothing"
