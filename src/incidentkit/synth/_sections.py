"""The sections of one incident's document, and the builder that assembles it.

What happened (the scenario, the impact, the services and people involved),
what the responders recorded (signals, context, resolution, action items,
participants), and :class:`Builder`, which draws them in a fixed order with
the timeline of :mod:`._timeline` and puts the document together.
"""

from __future__ import annotations

import bisect
from collections import deque
from typing import Final, NamedTuple

from incidentkit.figures.actions import (
    CANONICAL_ACTION_TYPES,
    DEFAULT_REQUIRED_TYPES_BY_LEVEL,
)
from incidentkit.figures.policy import DEFAULT_DEADLINE_DAYS
from incidentkit.figures.severity import DEFAULT_REVENUE_SCALE, DEFAULT_SEVERITY_POLICY
from incidentkit.synth._draft import DAY, SEVERITY_LABELS, Clock, Document, Draft, Draws
from incidentkit.synth._fleet import (
    DISPLAY,
    FLAGS,
    PEOPLE,
    POPULARITY_CUM,
    PROVIDERS,
    REGIONS,
    SERVICES,
    USER_BASE,
    email,
)
from incidentkit.synth._scenarios import Factor, scenario_text
from incidentkit.synth._timeline import (
    filler_events,
    internal_messages,
    milestone_events,
    resolution_event,
    set_milestones,
    status_page,
)

# Statuses of the action items of a resolved incident.
_ITEM_STATUSES: Final = (("open", 0.30), ("in_progress", 0.55), ("done", 1.0))
# Days after the resolution within which an item of each priority is due,
# by the default deadline policy; ``P<n>`` is level n, as the checks read it.
_DEADLINE_LIMIT: Final = {
    f"P{level}": days for level, days in DEFAULT_DEADLINE_DAYS.items()
}
# Deadline ranges in days after the resolution: synth's own choice, inside
# the limits above so that only deliberate imperfections are late.
_DEADLINE_DAYS: Final = {"P1": (3, 14), "P2": (7, 28), "P3": (14, 56)}
# Revenue label by severity level, most harm first: the default severity
# policy's scale read from the top, one label a level (critical for SEV0,
# high for SEV1, medium, low, none for SEV4), as its criteria read them.
_REVENUE_BY_LEVEL: Final = DEFAULT_REVENUE_SCALE[::-1]
# The most severe level of the default severity policy (SEV1): it cannot
# tell the impact of anything more severe apart from that level's.
_MOST_SEVERE_POLICY_LEVEL: Final = min(
    entry.level for entry in DEFAULT_SEVERITY_POLICY.levels
)
# The action-item types the default policy requires by severity level, in
# the canonical order so that records do not depend on the order of a set.
_REQUIRED_TYPES: Final = tuple(
    tuple(
        kind
        for kind in CANONICAL_ACTION_TYPES
        if kind in DEFAULT_REQUIRED_TYPES_BY_LEVEL.get(level, frozenset())
    )
    for level in range(len(SEVERITY_LABELS))
)
# Spellings some teams use for the canonical action-item types; the library
# reads each back as its type (canonical_action_type).
_ALIASES: Final = {
    "detection": "detect",
    "prevention": "prevent",
    "mitigation": "mitigate",
    "investigation": "investigate",
}
_FLAWS: Final = ("missing_owner", "late_deadline", "underdeclared", "broken_promise")


class _Recent(NamedTuple):
    id: str
    severity: str
    title: str
    end: int


class Builder:
    """Builds one document at a time; holds what outlives one incident."""

    def __init__(self) -> None:
        self.clock = Clock()
        self.text = scenario_text()
        self.recent: deque[_Recent] = deque(maxlen=5)

    def build(
        self,
        number: int,
        sev: int,
        service_index: int,
        is_open: bool,
        flawed: bool,
        phases: list[int],
        n_events: int,
        t0: int,
        d: Draws,
    ) -> Document:
        x = Draft(d, self.clock.iso, self.text)
        x.sev = sev
        x.label = SEVERITY_LABELS[sev]
        x.service_index = service_index
        x.service = SERVICES[service_index]
        x.flaw = _pick_flaw(d, sev, is_open) if flawed else ""
        # The impact follows the severity the incident truly warrants; an
        # under-declared incident was declared one level milder than that.
        x.level = sev - 1 if x.flaw == "underdeclared" else sev
        impact = _impact(x)
        _scenario_and_services(x)
        _cast(x)
        signals = _signals_and_fields(x)
        set_milestones(x, phases, t0, is_open)
        milestone_events(x)
        status_page(x)
        internal_messages(x)
        # The resolution event comes last but counts towards the total.
        filler_events(x, n_events - len(x.events) - x.resolved)
        resolution_event(x, self.clock)
        x.events.sort(key=lambda e: e[:4])
        x.communications.sort(key=lambda c: c[:2])

        iso = x.iso
        incident: Document = {
            "id": f"INC-{number:06d}",
            "title": x.title,
            "severity": x.label,
            "status": x.status,
            "declared_at": iso(x.t_decl),
        }
        if x.resolved:
            incident["resolved_at"] = iso(x.t_res)
        incident["commander"] = x.commander
        incident["service"] = x.service.name
        incident["affected_services"] = [SERVICES[i].name for i in x.affected]
        document: Document = {
            "incident": incident,
            "events": [e[4] for e in x.events],
            "communications": [c[2] for c in x.communications],
            "impact": impact,
            "signals": signals,
            "context": self._context(x),
        }
        if x.resolved:
            document["resolution"] = _resolution(x)
        document["action_items"] = _action_items(x, self.clock)
        document["participants"] = _participants(x)
        self.recent.append(_Recent(incident["id"], x.label, x.title, x.end))
        return document

    def _context(self, x: Draft) -> Document:
        d = x.d
        iso = x.iso
        deployments: list[tuple[int, Document]] = []
        scenario = x.scenario
        if scenario.culprit:
            culprit = (
                x.service if scenario.culprit == "svc" else SERVICES[x.other_index]
            )
            ts = x.t0 - d.integer(300, 5400)
            deployment = {
                "service": culprit.name,
                "deployed_at": iso(ts),
                "version": x.fields["version"],
                "changes": scenario.change,
            }
            deployments.append((ts, deployment))
        for _ in range(d.integer(0, 2)):
            service = SERVICES[_pick_services(d, 1, -1)[0]]
            ts = x.t0 - d.integer(600, DAY)
            version = f"{d.integer(1, 9)}.{d.integer(0, 40)}.{d.integer(0, 9)}"
            change = d.pick(x.text.version_changes).format(resource=service.resource)
            deployment = {
                "service": service.name,
                "deployed_at": iso(ts),
                "version": version,
                "changes": change,
            }
            deployments.append((ts, deployment))
        deployments.sort(key=lambda pair: pair[0])
        # Incidents still going on when this one started, as the tracker
        # would list them.
        ongoing = [
            {"id": r.id, "severity": r.severity, "title": r.title}
            for r in self.recent
            if r.end > x.t0
        ]
        maintenance: list[Document] = []
        if d.chance(0.04):
            other = SERVICES[x.other_index].name
            window = {
                "service": other,
                "start": iso(x.t0 - d.integer(600, 7200)),
                "end": iso(x.t0 + d.integer(600, 7200)),
                "description": f"Scheduled {other} database maintenance",
            }
            maintenance.append(window)
        others = [p for p in x.people if p != x.ops]
        secondary = others[0] if others else d.pick(PEOPLE)
        managers = ("director-eng@company.com", "eng-managers@company.com")
        return {
            "recent_deployments": [deployment for _, deployment in deployments],
            "ongoing_incidents": ongoing,
            "maintenance_windows": maintenance,
            "on_call": {
                "primary": email(x.ops),
                "secondary": email(secondary),
                "escalation_manager": d.pick(managers),
            },
        }


def _pick_flaw(d: Draws, sev: int, is_open: bool) -> str:
    # Open incidents have no resolution date to count deadlines from, and
    # the default severity policy tells the impact of its most severe level
    # (SEV1) apart from nothing more severe: a SEV1 whose impact is a SEV0's
    # is not under-declared to it, so under-declaring starts one level below.
    kinds = [
        kind
        for kind in _FLAWS
        if not (kind == "underdeclared" and sev <= _MOST_SEVERE_POLICY_LEVEL)
        and not (is_open and kind in ("missing_owner", "late_deadline"))
    ]
    flaw: str = d.pick(kinds)
    return flaw


def _pick_services(d: Draws, k: int, exclude: int) -> list[int]:
    """Up to ``k`` distinct services other than ``exclude``, by popularity."""
    chosen: list[int] = []
    for _ in range(4 * k + 4):
        if len(chosen) == k:
            break
        j = min(bisect.bisect_right(POPULARITY_CUM, d.u()), len(SERVICES) - 1)
        if j != exclude and j not in chosen:
            chosen.append(j)
    return chosen


def _impact(x: Draft) -> Document:
    d = x.d
    level = x.level
    # Following public severity definitions: data loss, security breaches
    # and most users down are SEV0/SEV1; SEV4 is mostly internal.
    x.breach = level <= 1 and d.chance(0.08 if level == 0 else 0.03)
    x.data_risk = level <= 1 and not x.breach and d.chance(0.15 if level == 0 else 0.07)
    # An imperfect impact or update cadence needs customers to see it.
    if level <= 2 or x.flaw in ("underdeclared", "broken_promise"):
        x.customer_facing = True
    else:
        x.customer_facing = d.chance(0.5 if level == 3 else 0.1)
    full = d.chance((0.8, 0.4, 0.1, 0.0, 0.0)[level])
    if x.customer_facing:
        # Synth's own ranges, each below the share at which the default
        # severity policy would call the impact more severe: 1 % of users
        # for SEV3, 10 % without a workaround for SEV2, 90 % down for SEV1.
        low, high = ((50, 100), (20, 70), (5, 25), (0.5, 5), (0.1, 0.9))[level]
        x.users_pct = round(d.between(low, high), 1)
    else:
        x.users_pct = 0.0
    x.affected_users = round(x.users_pct / 100.0 * USER_BASE[x.service_index])
    # Revenue one label per level, as the default severity policy reads it;
    # a SEV3 that customers do not see still costs a little (delayed jobs).
    x.revenue = _REVENUE_BY_LEVEL[level]
    workaround = d.chance((0.0, 0.15, 0.5, 0.8, 0.9)[level])
    if level == 4:
        # Customers who notice a SEV4 have a workaround, or it would be a SEV3.
        workaround = workaround or x.customer_facing
    n_regions = d.integer(*((2, 4), (1, 2), (1, 1), (1, 1), (1, 1))[level])
    first = d.below(len(REGIONS))
    x.regions = [REGIONS[(first + i) % len(REGIONS)] for i in range(n_regions)]

    return {
        "revenue_impact": x.revenue,
        "affected_users_percentage": x.users_pct,
        "affected_regions": x.regions,
        "data_integrity_risk": x.data_risk,
        "security_breach": x.breach,
        "customer_facing": x.customer_facing,
        "degradation_type": "full" if full else "partial",
        "workaround_available": workaround,
    }


def _scenario_and_services(x: Draft) -> None:
    """What went wrong, and which other services it touched or involved."""
    d = x.d
    level = x.level
    if x.breach:
        key = "credential_leak"
    elif x.data_risk:
        key = "replication" if d.chance(0.7) else "migration"
    else:
        cumulative = x.text.general_cum
        r = d.u() * cumulative[-1]
        pick = min(bisect.bisect_right(cumulative, r), len(cumulative) - 1)
        key = x.text.general[pick]
    x.scenario = x.text.scenarios[key]

    n_affected = d.integer(*((2, 4), (1, 3), (1, 2), (0, 1), (0, 1))[level])
    picked = _pick_services(d, n_affected + 1, x.service_index)
    # One more service than affected: the culprit or the service ruled out
    # in the texts, which must not be among the affected ones.
    if len(picked) > n_affected:
        x.other_index = picked.pop()
    else:
        x.other_index = next(
            i for i in range(len(SERVICES)) if i != x.service_index and i not in picked
        )
    x.affected = picked


def _cast(x: Draft) -> None:
    d = x.d
    n_people = d.integer(*((4, 6), (4, 6), (3, 4), (2, 3), (1, 2))[x.sev])
    first = d.below(len(PEOPLE))
    stride = 1 + d.below(len(PEOPLE) - 1)
    x.people = [PEOPLE[(first + i * stride) % len(PEOPLE)] for i in range(n_people)]
    x.commander = x.people[0]
    x.ops = x.people[1] if n_people > 1 else x.commander
    x.has_comms_lead = x.customer_facing and x.sev <= 2 and n_people > 2
    x.comms = x.people[2] if x.has_comms_lead else x.commander
    x.investigators = x.people[3 if x.has_comms_lead else 2 :] or [x.ops]


def _signals_and_fields(x: Draft) -> Document:
    d = x.d
    level = x.level
    service = x.service
    err_range = ((20, 90), (8, 50), (3, 20), (0.5, 8), (0.1, 3))[level]
    lat_range = ((5000, 30000), (2000, 10000), (800, 4000), (400, 1500), (200, 800))
    x.err = round(d.log_between(*err_range), 1)
    lat = int(d.log_between(*lat_range[level]))
    major, minor, patch = d.integer(1, 5), d.integer(1, 30), d.integer(0, 9)
    version = f"{major}.{minor}.{patch}"
    previous = f"{major}.{minor}.{patch - 1}" if patch else f"{major}.{minor - 1}.9"
    provider: str = d.pick(PROVIDERS)
    endpoints = [
        f"/api/{service.resource}",
        f"/api/{service.resource}/{{id}}",
        f"/v2/{service.resource}/search",
    ]
    replicas = d.integer(4, 12)
    flag: str = d.pick(FLAGS)
    # What the templates of the scenario text may use (_scenarios.FIELDS).
    x.fields = {
        "svc": service.name,
        "Svc": DISPLAY[x.service_index],
        "other": SERVICES[x.other_index].name,
        "resource": service.resource,
        "feature": service.feature,
        "endpoint": endpoints[0],
        "region": x.regions[0],
        "version": version,
        "prev_version": previous,
        "provider": provider,
        "Provider": provider[0].upper() + provider[1:],
        "flag": flag.format(r=service.resource.replace("-", "_")),
        "err": x.err,
        "err_thr": d.pick((1, 2, 5)),
        "lat": lat,
        "lat_thr": (lat // 2000 + 1) * 1000,
        "metric": x.scenario.metric,
        "tickets": d.integer(3, 40),
        "replicas": replicas,
        "replicas_up": replicas * 2,
        "users_text": f"{x.affected_users:,}",
        "symptom": x.scenario.symptom,
    }
    x.title = x.fill(d.pick(x.scenario.titles))
    affected = [SERVICES[i].name for i in x.affected]
    alerts = ((10, 60), (5, 30), (3, 15), (1, 8), (1, 4))[level]
    reports = x.affected_users * d.between(0.0005, 0.005)
    return {
        "error_rate_percentage": x.err,
        "latency_p99_ms": float(lat),
        "affected_endpoints": endpoints[: d.integer(1, 3)],
        # Only affected services, so that signals and incident agree.
        "dependent_services": affected[: d.integer(0, len(affected))],
        "alert_count": d.integer(*alerts),
        "customer_reports": int(reports) if x.customer_facing else 0,
    }


def _factors(x: Draft) -> list[Factor]:
    d = x.d
    n_factors = d.integer(2, 4)
    chosen = sorted(range(4), key=lambda _: d.u())[:n_factors]
    return [x.scenario.factors[j] for j in sorted(chosen)]


def _resolution(x: Draft) -> Document:
    d = x.d
    scenario = x.scenario
    x.factors = _factors(x)
    if x.service.transactional:
        failed = int(x.affected_users * d.between(0.01, 0.15))
    else:
        failed = 0
    if failed:
        revenue_usd = round(failed * d.between(15.0, 120.0), 2)
    elif x.revenue in ("critical", "high"):
        revenue_usd = round(d.between(500.0, 20000.0), 2)
    else:
        revenue_usd = 0.0
    resolution: Document = {
        "root_cause": x.fill(scenario.root_cause),
        "contributing_factors": [x.fill(f.text) for f in x.factors],
        "mitigation_steps": [
            e[4]["description"] for e in x.events if e[4]["type"] == "mitigation"
        ],
        "permanent_fix": x.fill(scenario.permanent_fix),
        "customer_impact": {
            "affected_users": x.affected_users,
            "failed_transactions": failed,
            "revenue_impact_usd": revenue_usd,
            "data_loss": x.data_risk and d.chance(0.4),
        },
    }
    if x.postmortem is not None:
        resolution["postmortem_scheduled"] = x.postmortem
    return resolution


def _action_items(x: Draft, clock: Clock) -> list[Document]:
    d = x.d
    owners = [email(p) for p in x.people]
    if not x.resolved:
        if not d.chance(0.5):
            return []
        item = {
            "title": f"Investigate the cause of {x.scenario.symptom} on "
            f"{x.service.name}",
            "owner": d.pick(owners),
            "priority": "P2",
            "deadline": clock.day(x.t_decl // DAY + d.integer(2, 7)),
            "type": "investigation",
            "status": "in_progress",
        }
        return [item]
    # One item per contributing factor, then the types the default policy
    # requires for the severity, then a few extra for the bigger incidents.
    wanted = [(x.fill(f.action), f.type) for f in x.factors]
    required = _REQUIRED_TYPES[x.sev]
    present = {kind for _, kind in wanted}
    generic = x.text.generic_actions
    wanted += [
        (x.fill(generic[kind]), kind) for kind in required if kind not in present
    ]
    if x.sev <= 2:
        for _ in range(d.integer(0, 2)):
            kind = d.pick(tuple(generic))
            title = x.fill(generic[kind])
            if all(title != w for w, _ in wanted):
                wanted.append((title, kind))
    resolved_day = x.t_res // DAY
    items: list[Document] = []
    for title, kind in wanted:
        if kind in ("detection", "prevention"):
            choices = (("P1",), ("P1",), ("P1", "P2"), ("P2", "P3"), ("P2", "P3"))
            priority: str = d.pick(choices[x.sev])
        else:
            priority = "P2" if x.sev <= 2 else "P3"
        low, high = _DEADLINE_DAYS[priority]
        r = d.u()
        status = next(s for s, cut in _ITEM_STATUSES if r < cut)
        shown = kind
        if kind in _ALIASES and d.chance(0.12):
            shown = _ALIASES[kind]
        item = {
            "title": title,
            "owner": d.pick(owners),
            "priority": priority,
            "deadline": clock.day(resolved_day + d.integer(low, high)),
            "type": shown,
            "status": status,
        }
        items.append(item)
    if x.flaw == "missing_owner":
        del items[d.below(len(items))]["owner"]
    elif x.flaw == "late_deadline":
        item = items[d.below(len(items))]
        late = _DEADLINE_LIMIT[item["priority"]] + d.integer(5, 45)
        item["deadline"] = clock.day(resolved_day + late)
    return items


def _participants(x: Draft) -> list[Document]:
    roles = ["Incident Commander"]
    if len(x.people) > 1:
        roles.append("Operations Lead")
    if x.has_comms_lead:
        roles.append("Communications Lead")
    experts = (
        f"{DISPLAY[x.service_index]} SME",
        "Database SME",
        "Network SME",
        f"{DISPLAY[x.other_index]} SME",
        "Scribe",
    )
    roles += experts[: len(x.people) - len(roles)]
    return [
        {"name": name, "role": role} for name, role in zip(x.people, roles, strict=True)
    ]
