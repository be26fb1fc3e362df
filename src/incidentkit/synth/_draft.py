"""What the parts of one incident share: its random draws, clock and draft.

An incident's numbers come from a pool of uniform draws handed out in order
(:class:`Draws`), its timestamps are written by a :class:`Clock`, and the
parts of its document (:mod:`._timeline`, :mod:`._sections`) read and write
one :class:`Draft`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from statistics import NormalDist
from typing import Any, Final

from incidentkit.synth._fleet import Service
from incidentkit.synth._scenarios import Factor, Scenario, ScenarioText

#: A JSON-ready document, or a part of one.
Document = dict[str, Any]

#: The severities, by level.
SEVERITY_LABELS: Final = ("SEV0", "SEV1", "SEV2", "SEV3", "SEV4")

_EPOCH_ORDINAL: Final = date(1970, 1, 1).toordinal()

#: Seconds in a day.
DAY: Final = 86_400

_NORMAL_PPF: Final = NormalDist().inv_cdf

# Event types in the order they sort in at the same second and phase.
_EVENT_RANK: Final = {
    "trigger": 0,
    "detection": 1,
    "acknowledgement": 2,
    "declaration": 3,
    "investigation": 4,
    "communication": 5,
    "escalation": 6,
    "mitigation": 7,
    "resolution": 8,
}


def _reused(pool: list[float]) -> Iterator[float]:
    # Only records with extreme phase lengths (many status-page updates) run
    # past their pool. Reusing it shifted by an irrational step keeps the
    # output a pure function of the seed without sizing every pool for the
    # worst case.
    n = len(pool)
    for i in itertools.count(n):
        yield (pool[i % n] + 0.6180339887498949 * (i // n)) % 1.0


class Draws:
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


class Clock:
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
        day, rest = divmod(seconds, DAY)
        hour, rest = divmod(rest, 3600)
        minute, second = divmod(rest, 60)
        return f"{self.day(day)}T{hour:02d}:{minute:02d}:{second:02d}Z"


class Draft:
    """What the parts of one incident share while its document is built.

    Times are epoch seconds. ``end`` is the last moment the record covers:
    the resolution, or for an open incident the moment it was written.
    """

    d: Draws
    iso: Callable[[int], str]
    text: ScenarioText
    sev: int
    label: str
    service_index: int
    service: Service
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

    def __init__(self, d: Draws, iso: Callable[[int], str], text: ScenarioText) -> None:
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
