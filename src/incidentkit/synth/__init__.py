"""Realistic synthetic incident records, reproducible from a seed.

:func:`generate` yields :class:`~incidentkit.records.schema.IncidentRecord` objects,
:func:`generate_dicts` the same incidents as JSON-ready documents (the shape
of :func:`incidentkit.example`), and :func:`write_jsonl` writes them one per
line, for benchmarks and for trying dashboards without real data.

What the records look like, so that figures computed from them can be
reasoned about:

* Severities ``SEV0``..``SEV4`` with weights 1/5/14/35/45 %, so most
  incidents are minor. About 50 services with Zipf popularity (the most
  common, ``payment-gateway``, has about a fifth of the incidents).
* Trigger times fall between ``start`` and ``end``, more often on weekday
  working hours (UTC) than at night or at weekends, in increasing order of
  the ids ``INC-000001``, ``INC-000002``...
* Every phase of :func:`incidentkit.phase_durations` is log-normal with
  sigma 1.0 (whole seconds, at least one) and a median that grows as the
  severity gets milder (:data:`PHASE_MEDIANS_MINUTES`).
* The events follow the milestones in order: one ``trigger``, detections,
  the ``declaration``, investigations, the event whose ``metadata.status``
  is ``"identified"``, mitigations (the last one is the ``mitigated``
  milestone), monitoring checks, and the ``resolution`` last, 5 to 40
  events in all, sorted by time. Status-page updates appear as
  ``communication`` events at their moment.
* ``open_fraction`` of the incidents are still open: status
  ``investigating``, ``identified`` or ``monitoring``, no ``resolved_at``,
  no ``resolution`` section and no ``resolution`` event.
* Customer-facing incidents have external status-page updates that promise
  the next one ("Next update in 30 minutes.") within the default cadence
  policy, and keep the promise. Internal Slack messages announce and close
  the incidents.
* ``flaw_fraction`` of the incidents carry one imperfection that
  :func:`incidentkit.check` should report: an action item without owner,
  a deadline beyond the policy for its priority, a severity milder than the
  impact, or a broken update promise. Every record stays schema-valid.

Numbers are drawn from :func:`numpy.random.default_rng` in batches of
:data:`CHUNK` incidents; the same arguments give the same records on the
same NumPy version.
"""

from __future__ import annotations

import bisect
import itertools
import json
import math
import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime, timedelta, timezone
from statistics import NormalDist
from typing import Any, Final, NamedTuple

import numpy as np

from incidentkit.checks.engine import DEFAULT_DEADLINE_DAYS, CheckPolicy
from incidentkit.errors import ValidationError
from incidentkit.figures.actions import (
    CANONICAL_ACTION_TYPES,
    DEFAULT_REQUIRED_TYPES_BY_LEVEL,
)
from incidentkit.figures.communications import DEFAULT_MAX_GAP_BY_LEVEL
from incidentkit.figures.severity import DEFAULT_REVENUE_SCALE, DEFAULT_SEVERITY_POLICY
from incidentkit.records.schema import IncidentRecord
from incidentkit.synth._scenarios import (
    Factor,
    Scenario,
    ScenarioText,
    scenario_text,
)

__all__ = [
    "CHUNK",
    "PHASE_MEDIANS_MINUTES",
    "SERVICES",
    "SEVERITY_WEIGHTS",
    "generate",
    "generate_dicts",
    "write_jsonl",
]

Document = dict[str, Any]

#: Incidents whose random numbers are drawn in one batch.
CHUNK: Final = 1_000

#: Share of incidents declared at each level, SEV0 first.
SEVERITY_WEIGHTS: Final = (0.01, 0.05, 0.14, 0.35, 0.45)

#: Median phase length in minutes by severity level (rows SEV0..SEV4) and
#: phase (columns detection, declaration, diagnosis, mitigation, monitoring).
PHASE_MEDIANS_MINUTES: Final = (
    (4.0, 2.0, 20.0, 30.0, 30.0),
    (4.0, 3.0, 22.0, 35.0, 35.0),
    (5.0, 5.0, 28.0, 42.0, 42.0),
    (6.0, 8.0, 34.0, 50.0, 50.0),
    (7.0, 12.0, 40.0, 60.0, 60.0),
)

#: Spread of every phase length: the standard deviation of its logarithm.
PHASE_SIGMA: Final = 1.0

_DEFAULT_START: Final = datetime(2023, 1, 1, tzinfo=timezone.utc)
_DEFAULT_END: Final = datetime(2025, 1, 1, tzinfo=timezone.utc)

# Context (deployments, maintenance) reaches a few days before a trigger and
# deadlines a few months after it; keeping triggers this far from the limits
# of ``datetime`` keeps every timestamp of every record representable.
_EARLIEST_START: Final = datetime(1, 1, 8, tzinfo=timezone.utc)
_LATEST_END: Final = datetime(9998, 1, 1, tzinfo=timezone.utc)

# Clipping each phase at about six sigma changes the log-normal shape in
# one draw in a billion but bounds how far a record reaches past its trigger.
_MAX_PHASE_FACTOR: Final = math.exp(6.0 * PHASE_SIGMA)

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=timezone.utc)
_EPOCH_ORDINAL: Final = date(1970, 1, 1).toordinal()
_DAY: Final = 86_400

#: Uniform draws set aside per incident; a few hundred cover every record
#: but those with extremely long phases, which reuse them (see ``_Draws``).
_POOL: Final = 384

_EVENT_MEDIANS: Final = (24.0, 20.0, 15.0, 10.0, 8.0)
_EVENT_SIGMA: Final = 0.35
_MIN_EVENTS: Final = 5
_MAX_EVENTS: Final = 40

_NORMAL_PPF: Final = NormalDist().inv_cdf


class _Service(NamedTuple):
    name: str
    resource: str
    feature: str
    transactional: bool


#: The services, most popular first: (name, API resource, what customers
#: see, whether failures cost transactions).
SERVICES: Final = (
    _Service("payment-gateway", "payments", "payment processing", True),
    _Service("checkout", "checkout", "checkout", True),
    _Service("api-gateway", "requests", "the public API", False),
    _Service("user-api", "users", "user accounts", False),
    _Service("auth-service", "sessions", "sign-in", False),
    _Service("web-frontend", "pages", "the website", False),
    _Service("search", "search", "search", False),
    _Service("order-service", "orders", "order placement", True),
    _Service("subscription-billing", "subscriptions", "subscription billing", True),
    _Service("cart", "carts", "shopping carts", True),
    _Service("inventory", "inventory", "inventory updates", False),
    _Service("catalog", "products", "product pages", False),
    _Service("notifications", "notifications", "notifications", False),
    _Service("mobile-backend", "devices", "the mobile app", False),
    _Service("pricing", "prices", "pricing", False),
    _Service("shipping", "shipments", "shipping quotes", False),
    _Service("recommendations", "recommendations", "recommendations", False),
    _Service("email-sender", "emails", "email delivery", False),
    _Service("fraud-detection", "risk-checks", "fraud screening", True),
    _Service("ledger", "ledger-entries", "account balances", True),
    _Service("invoicing", "invoices", "invoices", True),
    _Service("identity", "identities", "single sign-on", False),
    _Service("media-upload", "uploads", "file uploads", False),
    _Service("image-resizer", "images", "image loading", False),
    _Service("fulfillment", "fulfillments", "order fulfillment", False),
    _Service("refunds", "refunds", "refunds", True),
    _Service("tax-service", "tax-quotes", "tax calculation", True),
    _Service("coupon-service", "coupons", "coupons and promotions", True),
    _Service("loyalty", "rewards", "loyalty rewards", False),
    _Service("reviews", "reviews", "product reviews", False),
    _Service("sms-gateway", "messages", "SMS delivery", False),
    _Service("webhooks", "webhooks", "webhook delivery", False),
    _Service("reporting", "reports", "reports", False),
    _Service("analytics-ingest", "events", "analytics", False),
    _Service("data-pipeline", "jobs", "data exports", False),
    _Service("admin-portal", "admin", "the admin portal", False),
    _Service("customer-support", "tickets", "customer support tools", False),
    _Service("chat-service", "conversations", "chat", False),
    _Service("geo-location", "locations", "location lookup", False),
    _Service("scheduler", "schedules", "scheduled jobs", False),
    _Service("audit-log", "audit-events", "audit logs", False),
    _Service("graphql-gateway", "graphql", "the GraphQL API", False),
    _Service("partner-api", "partners", "the partner API", False),
    _Service("feature-flags", "flags", "feature configuration", False),
    _Service("session-store", "session-tokens", "staying signed in", False),
    _Service("cdn-edge", "assets", "static content", False),
    _Service("warehouse-sync", "stock-levels", "stock levels", False),
    _Service("billing-api", "accounts", "billing", True),
    _Service("payouts", "payouts", "merchant payouts", True),
    _Service("kyc-verification", "verifications", "identity verification", False),
)

_ACRONYMS: Final = {"api": "API", "sms": "SMS", "cdn": "CDN", "kyc": "KYC"}


def _display(name: str) -> str:
    return " ".join(_ACRONYMS.get(word, word.title()) for word in name.split("-"))


_DISPLAY: Final = tuple(_display(service.name) for service in SERVICES)
# Zipf with exponent 1: a few services have most incidents, as in real fleets.
_POPULARITY: Final = tuple(
    (1.0 / rank) / sum(1.0 / r for r in range(1, len(SERVICES) + 1))
    for rank in range(1, len(SERVICES) + 1)
)
_POPULARITY_CUM: Final = tuple(float(x) for x in np.cumsum(_POPULARITY))
# Users per service, fixed per service so that affected counts stay
# comparable across incidents: 30 thousand to 3 million.
_USER_BASE: Final = tuple(
    int(10 ** (4.5 + 2.0 * ((i * 0.6180339887498949) % 1.0)))
    for i in range(len(SERVICES))
)

# 61 is prime, so any stride through the list visits distinct names.
_PEOPLE: Final = (
    "Jane Smith", "Alice Chen", "Bob Kim", "Carol Davis", "David Okafor",
    "Emma Johansson", "Farid Haddad", "Grace Liu", "Hiro Tanaka", "Isabel Moreno",
    "Jamal Wright", "Katarzyna Nowak", "Liam O'Brien", "Maya Patel", "Nikolai Ivanov",
    "Olivia Brown", "Pedro Alves", "Quinn Murphy", "Rania Aziz", "Samuel Osei",
    "Tara Singh", "Umar Farouk", "Valentina Rossi", "Wei Zhang", "Ximena Ruiz",
    "Yusuf Demir", "Zoe Martin", "Ahmed Karim", "Beatriz Costa", "Chen Wei",
    "Daniel Fischer", "Elena Popescu", "Fatima Bello", "George Miller", "Hana Sato",
    "Ivan Petrov", "Julia Schmidt", "Kwame Mensah", "Laura Garcia", "Mohammed Ali",
    "Nora Lindqvist", "Oscar Diaz", "Priya Raman", "Rafael Souza", "Sofia Greco",
    "Thomas Dubois", "Uma Iyer", "Victor Hugo Lima", "Wanjiru Kamau", "Yara Haddad",
    "Aiko Yamamoto", "Ben Carter", "Chloe Lambert", "Diego Torres", "Eva Novak",
    "Felix Wagner", "Gabriela Silva", "Henrik Larsen", "Ines Ferreira", "Jonas Berg",
    "Kenji Mori",
)  # fmt: skip


def _email(name: str) -> str:
    parts = name.lower().replace("'", "").split()
    return f"{parts[0]}.{parts[-1]}@company.com"


_REGIONS: Final = (
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "ap-southeast-1",
    "ap-northeast-1",
)
_PROVIDERS: Final = (
    "the payment processor",
    "the SMS provider",
    "the email delivery provider",
    "the CDN provider",
    "the identity provider",
    "the maps API provider",
)
_FLAGS: Final = ("{r}_v2_flow", "new_{r}_page", "{r}_batching", "async_{r}")
_SEVERITY_LABELS: Final = ("SEV0", "SEV1", "SEV2", "SEV3", "SEV4")


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
# Update promises in minutes by severity level: the first and the longest.
# The longest is the default cadence limit (DEFAULT_MAX_GAP_BY_LEVEL), so
# that updates, which come before their promise falls due, keep within it.
# The policy sets no limit for SEV4; there synth promises at most four
# hours. The first promises are synth's own choice, never above the longest.
_FIRST_PROMISE_MINUTES: Final = (15, 15, 30, 60, 60)
_UNLIMITED_PROMISE_MINUTES: Final = 240
_LONGEST_PROMISE_MINUTES: Final = tuple(
    DEFAULT_MAX_GAP_BY_LEVEL[level] // timedelta(minutes=1)
    if level in DEFAULT_MAX_GAP_BY_LEVEL
    else _UNLIMITED_PROMISE_MINUTES
    for level in range(len(_SEVERITY_LABELS))
)
_PROMISE_MINUTES: Final = tuple(
    (min(first, longest), longest)
    for first, longest in zip(
        _FIRST_PROMISE_MINUTES, _LONGEST_PROMISE_MINUTES, strict=True
    )
)
# Revenue label by severity level, most harm first: the default severity
# policy's scale read from the top, one label a level (critical for SEV0,
# high for SEV1, medium, low, none for SEV4), as its criteria read them.
_REVENUE_BY_LEVEL: Final = DEFAULT_REVENUE_SCALE[::-1]
# The most severe level of the default severity policy (SEV1): it cannot
# tell the impact of anything more severe apart from that level's.
_MOST_SEVERE_POLICY_LEVEL: Final = min(
    entry.level for entry in DEFAULT_SEVERITY_POLICY.levels
)
# Resolved incidents at this level or more severe need a scheduled
# postmortem by the default checks (IK507).
_POSTMORTEM_MAX_LEVEL: Final = CheckPolicy().postmortem_max_level
_EVENT_RANK: Final = {
    "trigger": 0,
    "detection": 1,
    "declaration": 2,
    "investigation": 3,
    "communication": 4,
    "escalation": 5,
    "mitigation": 6,
    "resolution": 7,
}
_FILLERS: Final = (
    ("detect", 0.10),
    ("investigate", 0.45),
    ("escalate", 0.53),
    ("mitigate", 0.70),
    ("verify", 0.82),
    ("monitor", 1.0),
)
# The action-item types the default policy requires by severity level, in
# the canonical order so that records do not depend on the order of a set.
_REQUIRED_TYPES: Final = tuple(
    tuple(
        kind
        for kind in CANONICAL_ACTION_TYPES
        if kind in DEFAULT_REQUIRED_TYPES_BY_LEVEL.get(level, frozenset())
    )
    for level in range(len(_SEVERITY_LABELS))
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


def _reused(pool: list[float]) -> Iterator[float]:
    # Only records with extreme phase lengths (many status-page updates) run
    # past their pool. Reusing it shifted by an irrational step keeps the
    # output a pure function of the seed without sizing every pool for the
    # worst case.
    n = len(pool)
    for i in itertools.count(n):
        yield (pool[i % n] + 0.6180339887498949 * (i // n)) % 1.0


class _Draws:
    """Hands out one incident's share of a chunk's uniform draws, in order.

    Attributes:
        u: The next uniform draw in [0, 1).
    """

    __slots__ = ("u",)

    def __init__(self, pool: list[float]) -> None:
        # A bound C method: these calls are the hot loop of the generator.
        self.u: Callable[[], float] = itertools.chain(pool, _reused(pool)).__next__

    def below(self, k: int) -> int:
        j = int(self.u() * k)
        return j if j < k else k - 1

    def integer(self, low: int, high: int) -> int:
        k = high - low + 1
        j = int(self.u() * k)
        return low + (j if j < k else k - 1)

    def between(self, low: float, high: float) -> float:
        return low + (high - low) * self.u()

    def log_between(self, low: float, high: float) -> float:
        return low * float((high / low) ** self.u())

    def chance(self, p: float) -> bool:
        return self.u() < p

    def lognormal(self, median: float, sigma: float) -> float:
        u = min(max(self.u(), 1e-12), 1.0 - 1e-12)
        return median * math.exp(sigma * _NORMAL_PPF(u))

    def pick(self, items: Sequence[Any]) -> Any:
        k = len(items)
        j = int(self.u() * k)
        return items[j if j < k else k - 1]


class _Clock:
    """Writes epoch seconds as ISO 8601 UTC, caching the date part."""

    __slots__ = ("_days",)

    def __init__(self) -> None:
        self._days: dict[int, str] = {}

    def day(self, day: int) -> str:
        text = self._days.get(day)
        if text is None:
            if len(self._days) > 20_000:  # wide ranges must not grow it forever
                self._days.clear()
            text = date.fromordinal(_EPOCH_ORDINAL + day).isoformat()
            self._days[day] = text
        return text

    def iso(self, seconds: int) -> str:
        day, rest = divmod(seconds, _DAY)
        hour, rest = divmod(rest, 3600)
        minute, second = divmod(rest, 60)
        return f"{self.day(day)}T{hour:02d}:{minute:02d}:{second:02d}Z"


def _minutes_text(minutes: int) -> str:
    if minutes < 60:
        return f"{minutes} minutes"
    hours = minutes // 60
    return "1 hour" if hours == 1 else f"{hours} hours"


def _promise_text(minutes: int, form: int) -> str:
    span = _minutes_text(minutes)
    if form == 0:
        return f"We will provide an update within {span}."
    if form == 1:
        return f"Next update in {span}."
    return f"We will provide another update in {span}."


class _Recent(NamedTuple):
    id: str
    severity: str
    title: str
    end: int


class _Draft:
    """What the parts of one incident share while its document is built.

    Times are epoch seconds. ``end`` is the last moment the record covers:
    the resolution, or for an open incident the moment it was written.
    """

    d: _Draws
    iso: Callable[[int], str]
    sev: int
    label: str
    service_index: int
    service: _Service
    flaw: str
    level: int
    breach: bool
    data_risk: bool
    customer_facing: bool
    users_pct: float
    affected_users: int
    revenue: str
    regions: list[str]
    scenario: Scenario
    affected: list[int]
    other_index: int
    people: list[str]
    commander: str
    ops: str
    comms: str
    has_comms_lead: bool
    investigators: list[str]
    err: float
    fields: dict[str, object]
    title: str
    t0: int
    t_det: int
    t_decl: int
    t_id: int
    t_mit: int
    t_res: int
    end: int
    status: str
    reached_id: bool
    reached_mit: bool
    resolved: bool
    channel: str
    id_via_comm: bool
    postmortem: str | None
    factors: list[Factor]

    def __init__(
        self, d: _Draws, iso: Callable[[int], str], text: ScenarioText
    ) -> None:
        self.d = d
        self.iso = iso
        self.text = text
        # Sorted by (time, phase, type, order of creation): at equal seconds
        # the phase keeps the story in order, whatever the event types.
        self.events: list[tuple[int, int, int, int, Document]] = []
        self.communications: list[tuple[int, int, Document]] = []

    def event(
        self, ts: int, phase: int, kind: str, actor: str, text: str, meta: Document
    ) -> None:
        document = {
            "timestamp": self.iso(ts),
            "type": kind,
            "actor": actor,
            "description": text,
            "metadata": meta,
        }
        self.events.append((ts, phase, _EVENT_RANK[kind], len(self.events), document))

    def message(self, ts: int, channel: str, audience: str, text: str) -> None:
        document = {
            "timestamp": self.iso(ts),
            "channel": channel,
            "audience": audience,
            "message": text,
        }
        self.communications.append((ts, len(self.communications), document))

    def fill(self, template: str) -> str:
        return template.format(**self.fields)


class _Builder:
    """Builds one document at a time; holds what outlives one incident."""

    def __init__(self) -> None:
        self.clock = _Clock()
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
        d: _Draws,
    ) -> Document:
        x = _Draft(d, self.clock.iso, self.text)
        x.sev = sev
        x.label = _SEVERITY_LABELS[sev]
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
        _milestones(x, phases, t0, is_open)
        _milestone_events(x)
        _status_page(x)
        _internal_messages(x)
        # The resolution event comes last but counts towards the total.
        _filler_events(x, n_events - len(x.events) - x.resolved)
        _resolution_event(x, self.clock)
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

    def _context(self, x: _Draft) -> Document:
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
            ts = x.t0 - d.integer(600, _DAY)
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
        secondary = others[0] if others else d.pick(_PEOPLE)
        managers = ("director-eng@company.com", "eng-managers@company.com")
        return {
            "recent_deployments": [deployment for _, deployment in deployments],
            "ongoing_incidents": ongoing,
            "maintenance_windows": maintenance,
            "on_call": {
                "primary": _email(x.ops),
                "secondary": _email(secondary),
                "escalation_manager": d.pick(managers),
            },
        }


def _pick_flaw(d: _Draws, sev: int, is_open: bool) -> str:
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


def _pick_services(d: _Draws, k: int, exclude: int) -> list[int]:
    """Up to ``k`` distinct services other than ``exclude``, by popularity."""
    chosen: list[int] = []
    for _ in range(4 * k + 4):
        if len(chosen) == k:
            break
        j = min(bisect.bisect_right(_POPULARITY_CUM, d.u()), len(SERVICES) - 1)
        if j != exclude and j not in chosen:
            chosen.append(j)
    return chosen


def _impact(x: _Draft) -> Document:
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
        low, high = ((50, 100), (20, 70), (5, 25), (0.5, 5), (0.1, 0.9))[level]
        x.users_pct = round(d.between(low, high), 1)
    else:
        x.users_pct = 0.0
    x.affected_users = round(x.users_pct / 100.0 * _USER_BASE[x.service_index])
    # Revenue one label per level, as the default severity policy reads it;
    # a SEV3 that customers do not see still costs a little (delayed jobs).
    x.revenue = _REVENUE_BY_LEVEL[level]
    workaround = d.chance((0.0, 0.15, 0.5, 0.8, 0.9)[level])
    if level == 4:
        # Customers who notice a SEV4 have a workaround, or it would be a SEV3.
        workaround = workaround or x.customer_facing
    n_regions = d.integer(*((2, 4), (1, 2), (1, 1), (1, 1), (1, 1))[level])
    first = d.below(len(_REGIONS))
    x.regions = [_REGIONS[(first + i) % len(_REGIONS)] for i in range(n_regions)]

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


def _scenario_and_services(x: _Draft) -> None:
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


def _cast(x: _Draft) -> None:
    d = x.d
    n_people = d.integer(*((4, 6), (4, 6), (3, 4), (2, 3), (1, 2))[x.sev])
    first = d.below(len(_PEOPLE))
    stride = 1 + d.below(len(_PEOPLE) - 1)
    x.people = [_PEOPLE[(first + i * stride) % len(_PEOPLE)] for i in range(n_people)]
    x.commander = x.people[0]
    x.ops = x.people[1] if n_people > 1 else x.commander
    x.has_comms_lead = x.customer_facing and x.sev <= 2 and n_people > 2
    x.comms = x.people[2] if x.has_comms_lead else x.commander
    x.investigators = x.people[3 if x.has_comms_lead else 2 :] or [x.ops]


def _signals_and_fields(x: _Draft) -> Document:
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
    provider: str = d.pick(_PROVIDERS)
    endpoints = [
        f"/api/{service.resource}",
        f"/api/{service.resource}/{{id}}",
        f"/v2/{service.resource}/search",
    ]
    replicas = d.integer(4, 12)
    flag: str = d.pick(_FLAGS)
    x.fields = {
        "svc": service.name,
        "Svc": _DISPLAY[x.service_index],
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


def _milestones(x: _Draft, phases: list[int], t0: int, is_open: bool) -> None:
    d = x.d
    x.t0 = t0
    x.t_det = t0 + phases[0]
    x.t_decl = x.t_det + phases[1]
    x.t_id = x.t_decl + phases[2]
    x.t_mit = x.t_id + phases[3]
    x.t_res = x.t_mit + phases[4]
    if is_open:
        # The record was written partway through the phase it is in.
        r = d.u()
        if r < 0.4:
            x.status = "investigating"
            x.end = x.t_decl + max(1, int(d.u() * phases[2]))
        elif r < 0.7:
            x.status = "identified"
            x.end = x.t_id + max(1, int(d.u() * phases[3]))
        else:
            x.status = "monitoring"
            x.end = x.t_mit + max(1, int(d.u() * phases[4]))
    else:
        x.status = "resolved"
        x.end = x.t_res
    x.reached_id = x.status != "investigating"
    x.reached_mit = x.status in ("monitoring", "resolved")
    x.resolved = x.status == "resolved"


def _detection(x: _Draft, ts: int) -> None:
    d = x.d
    # Only customer-facing incidents get reported by customers.
    detections = x.text.detections
    how = detections[d.below(len(detections) - (not x.customer_facing))]
    actor, text, source, prefix = how
    meta: Document
    if source == "customer_report":
        meta = {"source": source, "ticket_count": x.fields["tickets"]}
    else:
        meta = {"alert_id": f"{prefix}-{d.integer(10000, 99999)}", "source": source}
    x.event(ts, 1, "detection", actor, x.fill(text), meta)


def _milestone_events(x: _Draft) -> None:
    d = x.d
    scenario = x.scenario
    value = round(scenario.threshold * d.between(1.05, 3.0), 1)
    meta = {"metric": scenario.metric, "value": value, "threshold": scenario.threshold}
    x.event(x.t0, 0, "trigger", "system", x.fill(scenario.trigger), meta)
    _detection(x, x.t_det)
    x.channel = f"#inc-{x.iso(x.t_decl)[:10].replace('-', '')}-{x.service.name}"
    text = f"{x.label} declared. Incident channel {x.channel} created."
    if x.sev <= 1:
        text += " Bridge call started."
    meta = {"channel": x.channel, "severity": x.label}
    x.event(x.t_decl, 2, "declaration", x.commander, text, meta)
    # Customer-facing incidents mark the cause identified on the status page
    # half of the time; otherwise an investigation event carries the status.
    x.id_via_comm = x.customer_facing and d.chance(0.5)
    if x.reached_id and not x.id_via_comm:
        actor = d.pick(x.investigators)
        text = x.fill(scenario.identified)
        x.event(x.t_id, 3, "investigation", actor, text, {"status": "identified"})
    if x.reached_mit:
        text = x.fill(scenario.mitigations[-1])
        x.event(x.t_mit, 4, "mitigation", x.ops, text, {"action": "final_mitigation"})


def _status_texts(x: _Draft) -> tuple[dict[str, str], dict[str, str]]:
    feature = x.service.feature
    symptom = x.scenario.symptom
    opening = {
        "investigating": f"Investigating - We are investigating {symptom} "
        f"affecting {feature}.",
        "identified": "Identified - The issue has been identified as "
        f"{x.scenario.cause_short}. We are implementing a fix.",
        "monitoring": "Monitoring - A fix has been implemented and we are "
        "monitoring the results.",
        "resolved": "Resolved - This incident has been resolved. "
        f"{feature[0].upper() + feature[1:]} is operating normally.",
    }
    continuing = {
        "investigating": f"Update - We are continuing to investigate {symptom} "
        f"affecting {feature}.",
        "identified": "Update - We are continuing to work on a fix for this issue.",
        "monitoring": "Update - We are continuing to monitor for any further issues.",
    }
    return opening, continuing


def _status_changes(x: _Draft) -> list[tuple[int, str]]:
    """When the status page moves to each status, in order."""
    d = x.d
    states: list[tuple[int, str]] = []
    first = x.t_decl + max(60, int(d.lognormal(360.0, 0.5)))
    if not x.resolved:
        # An open record written before the first update would be a
        # customer-facing incident without one: it was written just after.
        first = min(first, x.end)
    if first < x.t_id and first <= x.end:
        states.append((first, "investigating"))
    if x.reached_id:
        if x.id_via_comm:
            states.append((x.t_id, "identified"))
        else:
            bound = x.t_mit if x.reached_mit else x.end
            delay = min(int(d.lognormal(300.0, 0.5)), (bound - x.t_id) // 2)
            states.append((x.t_id + delay, "identified"))
    if x.reached_mit:
        bound = x.t_res if x.resolved else x.end
        delay = min(int(d.lognormal(240.0, 0.5)), (bound - x.t_mit) // 2)
        states.append((x.t_mit + delay, "monitoring"))
    if x.resolved:
        states.append((x.t_res, "resolved"))
    return states


def _status_page(x: _Draft) -> None:
    """External updates: a status change, then updates on a promised cadence.

    Each update comes before its promise falls due (60-95 % of it), so that
    promises are kept, and long phases slow the cadence down within the
    default cadence policy, as status pages do. A record with the
    ``broken_promise`` imperfection has one update come late.
    """
    if not x.customer_facing:
        return
    d = x.d
    opening, continuing = _status_texts(x)
    phase_of = {
        "investigating": 3,
        "identified": 3 if x.id_via_comm else 4,
        "monitoring": 5,
        "resolved": 6,
    }
    first_promise, longest_promise = _PROMISE_MINUTES[x.sev]
    late_pending = x.flaw == "broken_promise"
    states = _status_changes(x)
    for i, (ts, state) in enumerate(states):
        meta = {"channel": "status_page", "status": state}
        text = opening[state]
        x.event(
            ts,
            phase_of[state],
            "communication",
            x.comms,
            f"Status page updated: {text}",
            meta,
        )
        if state == "resolved":
            if x.sev <= 1 and d.chance(0.6):
                text += " We will publish a full incident report within 48 hours."
            x.message(ts, "status_page", "external", text)
            break
        limit = states[i + 1][0] if i + 1 < len(states) else x.end
        t = ts
        promise = first_promise
        updates = 0
        while True:
            promises = not d.chance(0.1)
            form = d.below(3)
            if promises and late_pending and limit - t > 300:
                late_pending = False
                if limit > t + promise * 60:
                    t_next = min(t + int(d.between(1.2, 2.0) * promise * 60), limit)
                else:
                    # The next status change comes before the usual promise
                    # falls due: promise less time than it will take.
                    promise = max(p for p in (5, 10, 15, 30) if p * 60 < limit - t)
                    t_next = limit
            else:
                t_next = t + int(d.between(0.6, 0.95) * promise * 60)
                # Nobody posts an update minutes before the status changes.
                if t_next > limit - 300 and limit <= t + promise * 60:
                    t_next = limit
            if promises:
                text += " " + _promise_text(promise, form)
            else:
                text += " We will provide more information as it becomes available."
            x.message(t, "status_page", "external", text)
            if t_next >= limit:
                break
            t = t_next
            text = continuing[state]
            updates += 1
            if updates % 4 == 0:
                promise = min(promise * 2, longest_promise)


def _internal_messages(x: _Draft) -> None:
    d = x.d
    ts = x.t_decl + d.integer(30, 180)
    if ts <= x.end:
        x.message(
            ts,
            "slack",
            "internal",
            f"{x.label} declared: {x.title}. IC: {x.commander}. "
            f"Incident channel: {x.channel}.",
        )
    if x.sev <= 1:
        ts = x.t_decl + d.integer(300, 900)
        if ts <= x.end:
            x.message(
                ts,
                "slack_exec",
                "internal",
                f"{x.label} ACTIVE: {x.title}. ~{x.affected_users:,} users "
                f"affected. IC: {x.commander}. Bridge: [link].",
            )
    if x.resolved:
        ts = x.t_res + d.integer(60, 600)
        minutes = (x.t_res - x.t0) // 60
        x.message(
            ts,
            "slack",
            "internal",
            f"{x.label} resolved: {x.title}. Duration {minutes // 60}h "
            f"{minutes % 60:02d}m. Postmortem to follow.",
        )


def _filler_slots(x: _Draft, count: int) -> dict[str, list[int]]:
    """Times for ``count`` events beyond the milestones, by kind, sorted."""
    d = x.d
    slots: dict[str, list[int]] = {key: [] for key, _ in _FILLERS}
    top_id = min(x.t_id, x.end)
    top_mit = min(x.t_mit, x.end)
    windows = {
        "detect": (x.t_det, x.t_decl),
        "investigate": (x.t_decl, top_id),
        "escalate": (x.t_decl, top_mit),
        "mitigate": (x.t_id, x.t_mit),
        "verify": (x.t_id, top_mit),
        "monitor": (x.t_mit, x.end),
    }
    for _ in range(count):
        r = d.u()
        kind = next(key for key, cut in _FILLERS if r < cut)
        # Kinds that do not fit this incident become investigations.
        unfit = (
            (kind == "detect" and len(slots["detect"]) >= 4)
            or (kind == "escalate" and (x.sev > 2 or len(slots["escalate"]) >= 3))
            or (kind in ("mitigate", "monitor") and not x.reached_mit)
            or (kind == "verify" and not x.reached_id)
        )
        if unfit:
            kind = "investigate"
        low, high = windows[kind]
        slots[kind].append(low + min(int(d.u() * (high - low + 1)), high - low))
    for times in slots.values():
        times.sort()
    return slots


def _filler_events(x: _Draft, count: int) -> None:
    d = x.d
    scenario = x.scenario
    slots = _filler_slots(x, count)
    text = x.text
    for ts in slots["detect"]:
        _detection(x, ts)
    found = slots["investigate"]
    notes = text.investigations
    offset = d.below(len(notes))
    for j, ts in enumerate(found):
        # The clue to the cause comes last, just before it is identified.
        if j == len(found) - 1:
            note = x.fill(scenario.clue)
        else:
            note = x.fill(notes[(offset + j) % len(notes)])
        x.event(ts, 3, "investigation", d.pick(x.investigators), note, {})
    for ts in slots["escalate"]:
        if x.level <= 1 and d.chance(0.5):
            target = d.pick(("VP Engineering", "Director of Engineering"))
            reason = d.pick(("customer_impact", "revenue_impact"))
        else:
            on_call = (f"{x.fields['other']} on-call", "Database on-call")
            target = d.pick((*on_call, "Network on-call"))
            reason = d.pick(("needs_expertise", "duration"))
        note = f"Escalated to {target}. " + x.fill(text.escalation_reasons[reason])
        phase = 3 if ts <= x.t_id else 4
        x.event(
            ts,
            phase,
            "escalation",
            x.commander,
            note,
            {"escalated_to": target, "reason": reason},
        )
    attempts = [(x.fill(m), "mitigation_attempt") for m in scenario.mitigations[:-1]]
    attempts += [(x.fill(m.text), m.action) for m in text.generic_mitigations]
    for j, ts in enumerate(slots["mitigate"]):
        note, action = attempts[j % len(attempts)]
        x.event(ts, 4, "mitigation", x.ops, note, {"action": action})
    notes = text.verifications
    offset = d.below(len(notes))
    for j, ts in enumerate(slots["verify"]):
        note = x.fill(notes[(offset + j) % len(notes)])
        x.event(ts, 4, "investigation", d.pick(x.investigators), note, {})
    notes = text.monitoring
    offset = d.below(len(notes))
    for j, ts in enumerate(slots["monitor"]):
        stable = (ts - x.t_mit) // 60
        meta: Document
        if stable:
            template = notes[(offset + j) % len(notes)]
            note = template.format(minutes=stable, **x.fields)
            meta = {"monitoring_duration_minutes": stable, "stable": True}
        else:
            note = (
                f"Metrics recovering after the fix. Watching for {x.scenario.symptom}."
            )
            meta = {"stable": False}
        x.event(ts, 5, "investigation", d.pick(x.investigators), note, meta)


def _resolution_event(x: _Draft, clock: _Clock) -> None:
    d = x.d
    x.postmortem = None
    if not x.resolved:
        return
    # Half of the incidents one level milder than required get one too.
    if x.sev <= _POSTMORTEM_MAX_LEVEL or (
        x.sev == _POSTMORTEM_MAX_LEVEL + 1 and d.chance(0.5)
    ):
        day = x.t_res // _DAY + d.integer(1, 5)
        if d.chance(0.2):  # some teams only fix the day
            x.postmortem = clock.day(day)
        else:
            x.postmortem = x.iso(day * _DAY + d.pick((10, 14, 16)) * 3600)
    feature = x.service.feature
    text = (
        f"Incident resolved. {feature[0].upper() + feature[1:]} is operating normally."
    )
    meta: Document = {}
    if x.postmortem is not None:
        text += f" Postmortem scheduled for {x.postmortem}."
        meta = {"postmortem_scheduled": x.postmortem}
    x.event(x.t_res, 6, "resolution", x.commander, text, meta)


def _factors(x: _Draft) -> list[Factor]:
    d = x.d
    n_factors = d.integer(2, 4)
    chosen = sorted(range(4), key=lambda _: d.u())[:n_factors]
    return [x.scenario.factors[j] for j in sorted(chosen)]


def _resolution(x: _Draft) -> Document:
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


def _action_items(x: _Draft, clock: _Clock) -> list[Document]:
    d = x.d
    owners = [_email(p) for p in x.people]
    if not x.resolved:
        if not d.chance(0.5):
            return []
        item = {
            "title": f"Investigate the cause of {x.scenario.symptom} on "
            f"{x.service.name}",
            "owner": d.pick(owners),
            "priority": "P2",
            "deadline": clock.day(x.t_decl // _DAY + d.integer(2, 7)),
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
    resolved_day = x.t_res // _DAY
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


def _participants(x: _Draft) -> list[Document]:
    roles = ["Incident Commander"]
    if len(x.people) > 1:
        roles.append("Operations Lead")
    if x.has_comms_lead:
        roles.append("Communications Lead")
    experts = (
        f"{_DISPLAY[x.service_index]} SME",
        "Database SME",
        "Network SME",
        f"{_DISPLAY[x.other_index]} SME",
        "Scribe",
    )
    roles += experts[: len(x.people) - len(roles)]
    return [
        {"name": name, "role": role} for name, role in zip(x.people, roles, strict=True)
    ]


# --- arguments and the generator -------------------------------------------------


def _is_integer(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _is_fraction(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(
        value, (int, float, np.integer, np.floating)
    ):
        return False
    return 0.0 <= float(value) <= 1.0  # also rejects NaN


def _check_arguments(
    n: object,
    seed: object,
    start: object,
    end: object,
    open_fraction: object,
    flaw_fraction: object,
) -> tuple[datetime, datetime]:
    errors: list[str] = []
    if not _is_integer(n) or n < 0:  # type: ignore[operator]
        errors.append(f"n: must be a non-negative integer (got {n!r})")
    if seed is not None and (not _is_integer(seed) or seed < 0):  # type: ignore[operator]
        errors.append(f"seed: must be None or a non-negative integer (got {seed!r})")
    moments: list[datetime] = []
    for name, value, limit, after in (
        ("start", start, _EARLIEST_START, True),
        ("end", end, _LATEST_END, False),
    ):
        if not isinstance(value, datetime):
            errors.append(f"{name}: must be a datetime (got {value!r})")
        elif value.tzinfo is None or value.utcoffset() is None:
            errors.append(
                f"{name}: must be timezone-aware; naive datetimes are ambiguous "
                f"(got {value.isoformat()!r})"
            )
        elif (value < limit) if after else (value > limit):
            errors.append(
                f"{name}: must be {'on or after' if after else 'on or before'} "
                f"{limit.isoformat()} so that every timestamp of every record "
                f"fits in a datetime (got {value.isoformat()!r})"
            )
        else:
            moments.append(value.astimezone(timezone.utc))
    if len(moments) == 2 and moments[0] + timedelta(seconds=1) > moments[1]:
        errors.append(
            f"end: must be at least one second after start "
            f"(got start {moments[0].isoformat()!r}, end {moments[1].isoformat()!r})"
        )
    for name, value in (
        ("open_fraction", open_fraction),
        ("flaw_fraction", flaw_fraction),
    ):
        if not _is_fraction(value):
            errors.append(f"{name}: must be a number from 0 to 1 (got {value!r})")
    if errors:
        raise ValidationError(errors)
    return moments[0], moments[1]


# Incidents cluster in working hours (deploys, traffic peaks); flat arrival
# times would make hour-of-day and weekday dashboards look artificial. Hours
# of the week from Monday 00:00 UTC.
_HOUR_OF_WEEK_RATE: Final = np.array(
    [
        (0.55 if day >= 5 else 1.6 if 8 <= hour < 20 else 0.8)
        for day in range(7)
        for hour in range(24)
    ]
)


def _arrival_curve(start: int, span: int) -> tuple[np.ndarray, np.ndarray]:
    """The cumulative arrival rate over ``[0, span]`` seconds after ``start``."""
    bins = min(max(1, math.ceil(span / 3600)), 200_000)
    edges = np.linspace(0.0, float(span), bins + 1)
    middles = start + (edges[:-1] + edges[1:]) / 2.0
    # 1970-01-01 was a Thursday: three days after the Monday that starts a week.
    hour_of_week = ((np.floor(middles / 3600.0) + 72) % 168).astype(np.int64)
    cumulative = np.concatenate(
        ([0.0], np.cumsum(_HOUR_OF_WEEK_RATE[hour_of_week] * np.diff(edges)))
    )
    return cumulative / cumulative[-1], edges


def _documents(
    n: int,
    seed: int | None,
    start: datetime,
    end: datetime,
    open_fraction: float,
    flaw_fraction: float,
) -> Iterator[Document]:
    rng = np.random.default_rng(seed)
    start_s = int((start - _EPOCH).total_seconds())
    span = int((end - _EPOCH).total_seconds()) - start_s
    cumulative, edges = _arrival_curve(start_s, span)
    medians = np.log(np.array(PHASE_MEDIANS_MINUTES) * 60.0)
    event_medians = np.log(np.array(_EVENT_MEDIANS))
    builder = _Builder()
    remaining = n
    lower = 0.0
    number = 0
    while remaining:
        k = min(CHUNK, remaining)
        # The k smallest of the remaining uniform arrival positions, drawn
        # chunk by chunk: the k-th smallest of m uniforms on [lower, 1] is
        # lower + (1 - lower) * Beta(k, m - k + 1), and the k - 1 below it
        # are uniform under it. Ids then follow time without drawing all n
        # arrivals first, so a million records still stream.
        upper = lower + (1.0 - lower) * rng.beta(k, remaining - k + 1)
        positions = np.append(np.sort(rng.uniform(lower, upper, k - 1)), upper)
        lower = upper
        remaining -= k
        offsets = np.minimum(
            np.floor(np.interp(positions, cumulative, edges)), span - 1
        )
        triggers = (start_s + offsets.astype(np.int64)).tolist()
        severities = rng.choice(len(SEVERITY_WEIGHTS), size=k, p=SEVERITY_WEIGHTS)
        services = rng.choice(len(SERVICES), size=k, p=_POPULARITY)
        opened = (rng.random(k) < open_fraction).tolist()
        flawed = (rng.random(k) < flaw_fraction).tolist()
        seconds = rng.lognormal(medians[severities], PHASE_SIGMA)
        ceiling = np.exp(medians[severities]) * _MAX_PHASE_FACTOR
        phases = np.maximum(np.rint(np.minimum(seconds, ceiling)), 1).astype(np.int64)
        counts = np.rint(rng.lognormal(event_medians[severities], _EVENT_SIGMA))
        counts = np.clip(counts, _MIN_EVENTS, _MAX_EVENTS).astype(np.int64).tolist()
        pools = rng.random((k, _POOL)).tolist()
        sev_list = severities.tolist()
        svc_list = services.tolist()
        phase_list = phases.tolist()
        for j in range(k):
            number += 1
            yield builder.build(
                number,
                sev_list[j],
                svc_list[j],
                opened[j],
                flawed[j],
                phase_list[j],
                counts[j],
                triggers[j],
                _Draws(pools[j]),
            )


def generate_dicts(
    n: int,
    *,
    seed: int | None = None,
    start: datetime = _DEFAULT_START,
    end: datetime = _DEFAULT_END,
    open_fraction: float = 0.05,
    flaw_fraction: float = 0.05,
) -> Iterator[Document]:
    """Yield ``n`` synthetic incidents as JSON-ready documents.

    The documents have the shape of the canonical example: timestamps are
    ISO 8601 strings in UTC with ``Z`` and whole seconds, deadlines are
    ``YYYY-MM-DD``. Each is a fresh ``dict``, free to modify. See the module
    documentation for what the incidents look like.

    Args:
        n: How many incidents.
        seed: Seed for :func:`numpy.random.default_rng`; ``None`` draws fresh
            entropy. The same seed and arguments give the same documents.
        start: Earliest trigger time (timezone-aware).
        end: Triggers fall before this time (timezone-aware). Later events of
            an incident may come after it.
        open_fraction: Expected share of incidents that are still open.
        flaw_fraction: Expected share of incidents with one imperfection that
            the checks report (resolved ones may get any of the four kinds,
            open ones only a milder severity or a broken promise).

    Returns:
        A generator; the arguments are checked when it is created.

    Raises:
        ValidationError: For a negative ``n``, a fraction outside 0..1, a
            naive ``start`` or ``end``, or ``end`` not after ``start``.

    Example:
        >>> from incidentkit import synth
        >>> docs = list(synth.generate_dicts(3, seed=7))
        >>> [doc["incident"]["id"] for doc in docs]
        ['INC-000001', 'INC-000002', 'INC-000003']
        >>> docs[0]["events"][0]["type"], docs[0]["incident"]["declared_at"][-1]
        ('trigger', 'Z')
        >>> docs == list(synth.generate_dicts(3, seed=7))
        True
    """
    start_utc, end_utc = _check_arguments(
        n, seed, start, end, open_fraction, flaw_fraction
    )
    scenario_text()  # a broken scenario file fails here, not at the first record
    return _documents(
        int(n),
        None if seed is None else int(seed),
        start_utc,
        end_utc,
        float(open_fraction),
        float(flaw_fraction),
    )


def generate(
    n: int,
    *,
    seed: int | None = None,
    start: datetime = _DEFAULT_START,
    end: datetime = _DEFAULT_END,
    open_fraction: float = 0.05,
    flaw_fraction: float = 0.05,
) -> Iterator[IncidentRecord]:
    """Yield ``n`` realistic, valid synthetic incident records.

    The records are :func:`generate_dicts`'s documents read by
    :func:`incidentkit.from_dict`, so both functions give the same incidents
    for the same arguments.

    Args:
        n: How many incidents.
        seed: Seed for :func:`numpy.random.default_rng`; ``None`` draws fresh
            entropy.
        start: Earliest trigger time (timezone-aware).
        end: Triggers fall before this time (timezone-aware).
        open_fraction: Expected share of incidents that are still open.
        flaw_fraction: Expected share of incidents with one imperfection that
            the checks report.

    Returns:
        A generator; the arguments are checked when it is created.

    Raises:
        ValidationError: For bad arguments, as :func:`generate_dicts`.

    Example:
        >>> from incidentkit import synth
        >>> records = list(synth.generate(2, seed=1))
        >>> records[0].incident.id, records[1].incident.id
        ('INC-000001', 'INC-000002')
        >>> records[0].incident.declared_at.tzname()
        'UTC'
    """
    documents = generate_dicts(
        n,
        seed=seed,
        start=start,
        end=end,
        open_fraction=open_fraction,
        flaw_fraction=flaw_fraction,
    )
    return _records(documents)


def _records(documents: Iterator[Document]) -> Iterator[IncidentRecord]:
    from incidentkit.records.io import from_dict

    for document in documents:
        yield from_dict(document)


def _encoder() -> Callable[[Document], bytes]:
    try:  # the optional ``fast`` extra
        import orjson
    except ImportError:  # pragma: no cover - exercised without the extra

        def encode(document: Document) -> bytes:
            return json.dumps(
                document, ensure_ascii=False, separators=(",", ":")
            ).encode()

        return encode
    dumps: Callable[[Document], bytes] = orjson.dumps
    return dumps


def write_jsonl(
    path: str | os.PathLike[str],
    n: int,
    *,
    seed: int | None = None,
    start: datetime = _DEFAULT_START,
    end: datetime = _DEFAULT_END,
    open_fraction: float = 0.05,
    flaw_fraction: float = 0.05,
) -> None:
    """Write ``n`` synthetic incidents to ``path``, one JSON document a line.

    The lines are :func:`generate_dicts`'s documents, written with orjson
    when it is installed (the ``fast`` extra) and the stdlib otherwise. An
    existing file is replaced.

    Args:
        path: Where to write.
        n: How many incidents.
        seed: Seed for :func:`numpy.random.default_rng`.
        start: Earliest trigger time (timezone-aware).
        end: Triggers fall before this time (timezone-aware).
        open_fraction: Expected share of incidents that are still open.
        flaw_fraction: Expected share of incidents with one imperfection.

    Raises:
        ValidationError: For bad arguments, as :func:`generate_dicts`, before
            the file is touched.

    Example:
        >>> import json, os, tempfile
        >>> from incidentkit import synth
        >>> path = os.path.join(tempfile.mkdtemp(), "incidents.jsonl")
        >>> synth.write_jsonl(path, 5, seed=3)
        >>> with open(path, encoding="utf-8") as lines:
        ...     [json.loads(line)["incident"]["id"] for line in lines][-1]
        'INC-000005'
    """
    documents = generate_dicts(
        n,
        seed=seed,
        start=start,
        end=end,
        open_fraction=open_fraction,
        flaw_fraction=flaw_fraction,
    )
    encode = _encoder()
    with open(path, "wb") as out:
        batch: list[bytes] = []
        for document in documents:
            batch.append(encode(document))
            if len(batch) == CHUNK:
                out.write(b"\n".join(batch) + b"\n")
                batch.clear()
        if batch:
            out.write(b"\n".join(batch) + b"\n")
