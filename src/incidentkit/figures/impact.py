"""An impact score from 0 to 100 that explains itself, and user-minutes.

The score is a weighted sum of twelve *components*, each a harm measured on
a scale from 0 (none, or unknown) to 1 (as bad as the scale goes)::

    score = 100 × Σ weightᵢ × valueᵢ / Σ weightᵢ

so a component's *contribution* is ``100 × weight × value / Σ weight`` and
the contributions add up to the score. With the default weights, which add
up to 100, a component contributes at most its weight in points.

=============== ======================= =========================================
group           component               value
=============== ======================= =========================================
breadth         ``users_share``         ``affected_users_percentage`` / 100
breadth         ``users_count``         log₁₀(1 + affected users) / 7
breadth         ``regions``             distinct affected regions / 5, at most 1
depth           ``degradation``         full 1, partial 0.5
depth           ``no_workaround``       1 when ``workaround_available`` is false
duration        ``duration``            ln(1 + minutes) / ln(1 + minutes in 7 days)
money           ``revenue_level``       none 0, low 0.25, medium 0.5, high 0.75,
                                        critical 1
money           ``failed_transactions`` log₁₀(1 + failed transactions) / 6
money           ``revenue_lost``        log₁₀(1 + revenue lost in USD) / 7
data            ``data_integrity_risk`` 1 when ``data_integrity_risk`` is true
data            ``data_loss``           1 when ``customer_impact.data_loss``
security        ``security_breach``     1 when ``security_breach`` is true
=============== ======================= =========================================

Counts and money are on a log scale, capped at 1: the tenth thousand users
hurt less than the first, and the scales (10 million users, a million failed
transactions, 10 million dollars, a week) are where an incident is as bad as
it gets for most companies. The impact lasts from ``started`` to
``mitigated`` (to ``resolved`` when there is no ``mitigated``); an unknown or
negative duration counts as none. When ``impact.customer_facing`` is false,
the breadth, depth and duration components are multiplied by
:attr:`ImpactScales.internal_factor` (0.25): an internal incident harms
colleagues, not customers. Unknown values count as no harm, so the score
never invents impact; and every value grows with its harm, so the score
never decreases when any harm grows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import timedelta
from types import MappingProxyType
from typing import Any, Final

import attrs
import numpy as np
from numpy.typing import NDArray

from incidentkit import _display
from incidentkit._args import mapping
from incidentkit._frozen import FrozenMapping
from incidentkit.errors import ValidationError
from incidentkit.figures.columns import (
    NAT,
    IncidentColumns,
    TextColumn,
    incident_columns,
    seconds,
)
from incidentkit.figures.timeline import Milestones, milestone_moments
from incidentkit.records.schema import IncidentRecord

__all__ = [
    "COMPONENT_GROUPS",
    "NO_IMPACT_DATA",
    "ImpactColumns",
    "ImpactComponent",
    "ImpactScales",
    "ImpactScore",
    "ImpactWeights",
    "impact_columns",
    "score_impact",
]

#: The components of each group, in the order of :class:`ImpactWeights`.
COMPONENT_GROUPS: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "breadth": ("users_share", "users_count", "regions"),
        "depth": ("degradation", "no_workaround"),
        "duration": ("duration",),
        "money": ("revenue_level", "failed_transactions", "revenue_lost"),
        "data": ("data_integrity_risk", "data_loss"),
        "security": ("security_breach",),
    }
)

# The harms that only customers feel; damped for internal incidents.
_CUSTOMER_GROUPS: Final = ("breadth", "depth", "duration")
_GROUP_OF: Final = {
    name: group for group, names in COMPONENT_GROUPS.items() for name in names
}
FloatArray = NDArray[np.float64]


def _problem(attribute: attrs.Attribute[Any], rule: str, value: object) -> None:
    raise ValidationError([f"{attribute.name}: {rule} ({value!r})"])


def _weight(_: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
        _problem(attribute, "a weight must be a finite number >= 0", value)


def _positive(_: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
        _problem(attribute, "must be a finite number > 0", value)


def _fraction(_: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if not (isinstance(value, (int, float)) and 0 <= value <= 1):
        _problem(attribute, "must be a number between 0 and 1", value)


def _weight_field(default: float) -> Any:
    return attrs.field(default=default, validator=_weight)


@attrs.frozen
class ImpactWeights:
    """How much each component counts; only the ratios matter.

    The defaults add up to 100, so that each is the most points its component
    can give. Their reasoning:

    * breadth 25 (share of users 10, count of users 10, regions 5): how many
      were hurt is the first question of every severity scale (Atlassian,
      PagerDuty);
    * depth 15 (degradation 10, no workaround 5): down is worse than slow,
      and a workaround turns an outage into an inconvenience;
    * duration 15: harm accrues with time, but less than breadth, which a
      long incident affecting few users must not outweigh;
    * money 20 (revenue level 7, failed transactions 6, revenue lost 7):
      the harm the business states in its own units;
    * data 13 (integrity risk 5, data loss 8): lost data cannot be restored
      by a rollback, unlike availability;
    * security 12 (breach): the largest single component, since a breach
      harms customers beyond the incident itself.

    Example:
        >>> ImpactWeights(security_breach=30.0).total()
        118.0

    Raises:
        ValidationError: For a negative or non-finite weight, or when all
            weights are zero.
    """

    users_share: float = _weight_field(10.0)
    users_count: float = _weight_field(10.0)
    regions: float = _weight_field(5.0)
    degradation: float = _weight_field(10.0)
    no_workaround: float = _weight_field(5.0)
    duration: float = _weight_field(15.0)
    revenue_level: float = _weight_field(7.0)
    failed_transactions: float = _weight_field(6.0)
    revenue_lost: float = _weight_field(7.0)
    data_integrity_risk: float = _weight_field(5.0)
    data_loss: float = _weight_field(8.0)
    security_breach: float = _weight_field(12.0)

    def __attrs_post_init__(self) -> None:
        total = self.total()
        if not total > 0:
            raise ValidationError(["weights: at least one weight must be > 0 (all 0)"])
        if not math.isfinite(total):
            raise ValidationError([f"weights: their sum must be finite ({total!r})"])

    def total(self) -> float:
        """The sum of the weights (``inf`` when it overflows)."""
        try:
            return math.fsum(self.as_dict().values())
        except OverflowError:
            return math.inf

    def as_dict(self) -> dict[str, float]:
        """The weights as a component → weight dict, in order."""
        return {
            field.name: getattr(self, field.name) for field in attrs.fields(type(self))
        }


def _levels(value: Mapping[str, float], parameter: str) -> Mapping[str, float]:
    levels = mapping(value, parameter, "label to value")
    problems = [
        f"{parameter}[{key!r}]: a label must be a string ({key!r})"
        for key in levels
        if not isinstance(key, str)
    ]
    if problems:
        raise ValidationError(problems)
    return FrozenMapping.of(
        {key.strip().casefold(): level for key, level in levels.items()}
    )


def _revenue_levels(value: Mapping[str, float]) -> Mapping[str, float]:
    return _levels(value, "revenue_levels")


def _degradation_levels(value: Mapping[str, float]) -> Mapping[str, float]:
    return _levels(value, "degradation_levels")


def _valid_levels(
    _: Any, attribute: attrs.Attribute[Any], value: Mapping[str, object]
) -> None:
    problems = [
        f"{attribute.name}[{key!r}]: must be a number between 0 and 1 ({level!r})"
        for key, level in value.items()
        if not (isinstance(level, (int, float)) and 0 <= level <= 1)
    ]
    if problems:
        raise ValidationError(problems)


def _positive_duration(_: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if not (isinstance(value, timedelta) and value > timedelta(0)):
        _problem(attribute, "must be a positive timedelta", value)


#: ``impact.revenue_impact`` labels and their value.
DEFAULT_REVENUE_LEVELS: Final[Mapping[str, float]] = MappingProxyType(
    {"none": 0.0, "low": 0.25, "medium": 0.5, "high": 0.75, "critical": 1.0}
)
#: ``impact.degradation_type`` labels and their value.
DEFAULT_DEGRADATION_LEVELS: Final[Mapping[str, float]] = MappingProxyType(
    {
        "none": 0.0,
        "partial": 0.5,
        "degraded": 0.5,
        "full": 1.0,
        "complete": 1.0,
        "total": 1.0,
    }
)


@attrs.frozen
class ImpactScales:
    """Where each scale reaches 1, and the labels' values.

    Attributes:
        users_decades: Affected users reach 1 at ``10 ** users_decades``
            (default 7: ten million users).
        max_regions: Distinct regions reach 1 at this many (default 5).
        duration_saturation: Impact duration reaches 1 at this (default a
            week).
        failed_transactions_decades: Failed transactions reach 1 at
            ``10 ** failed_transactions_decades`` (default 6: a million).
        revenue_decades: Revenue lost reaches 1 at ``10 ** revenue_decades``
            dollars (default 7: ten million).
        internal_factor: Multiplies breadth, depth and duration when
            ``customer_facing`` is false (default 0.25).
        revenue_levels: ``revenue_impact`` label → value; labels compare
            case-insensitively, unknown labels count 0.
        degradation_levels: ``degradation_type`` label → value, likewise.

    Raises:
        ValidationError: For a scale that is not a positive number, or a
            label table that is not a mapping of strings to values in [0, 1].
    """

    users_decades: float = attrs.field(default=7.0, validator=_positive)
    max_regions: float = attrs.field(default=5.0, validator=_positive)
    duration_saturation: timedelta = attrs.field(
        default=timedelta(days=7), validator=_positive_duration
    )
    failed_transactions_decades: float = attrs.field(default=6.0, validator=_positive)
    revenue_decades: float = attrs.field(default=7.0, validator=_positive)
    internal_factor: float = attrs.field(default=0.25, validator=_fraction)
    revenue_levels: Mapping[str, float] = attrs.field(
        default=DEFAULT_REVENUE_LEVELS,
        converter=_revenue_levels,
        validator=_valid_levels,
    )
    degradation_levels: Mapping[str, float] = attrs.field(
        default=DEFAULT_DEGRADATION_LEVELS,
        converter=_degradation_levels,
        validator=_valid_levels,
    )


@attrs.frozen
class ImpactComponent:
    """One component of an impact score.

    Attributes:
        weight: Its weight, as set in :class:`ImpactWeights`.
        value: The harm on its scale, in [0, 1].
        contribution: ``100 × weight × value / Σ weights``, its points.
        group: ``breadth``, ``depth``, ``duration``, ``money``, ``data`` or
            ``security`` (empty for a component built by hand).
    """

    weight: float
    value: float
    contribution: float
    group: str = ""


#: The reason an impact score is unknown.
NO_IMPACT_DATA: Final = (
    "no impact data: no impact section and no customer impact in the resolution"
)


@attrs.frozen
class ImpactScore:
    """An impact score and what it is made of.

    Attributes:
        score: 0 to 100, the sum of the components' contributions; ``None``
            when the record holds no impact data (no ``impact`` section and
            no customer impact in the resolution): duration alone never makes
            an impact score. The components are still listed, for what they
            read.
        components: Component name → :class:`ImpactComponent`, in the order of
            :class:`ImpactWeights`.
        user_minutes: Affected users × impact duration in minutes; ``None``
            when either is unknown (negative when the milestones are out of
            order, as the duration is).
        impact_duration: ``started`` → ``mitigated`` (→ ``resolved`` when
            there is no ``mitigated``), or ``None``.
        reason: Why :attr:`score` is ``None`` (:data:`NO_IMPACT_DATA`), else
            ``None``.
    """

    score: float | None
    components: Mapping[str, ImpactComponent] = attrs.field(hash=False)
    user_minutes: float | None
    impact_duration: timedelta | None = None
    reason: str | None = None

    def __str__(self) -> str:
        """The result as text: readable durations, labels and sample sizes."""
        return _display.text(self)

    def _repr_html_(self) -> str:
        """The notebook rendering (every text escaped)."""
        return _display.html(self)


def _log_scale(amounts: FloatArray, decades: float) -> FloatArray:
    """log₁₀(1 + amount) / decades, at most 1; 0 for unknown or non-positive."""
    out = np.zeros(amounts.size)
    harmed = np.flatnonzero(amounts > 0)  # NaN (unknown) is not > 0
    # math, one value at a time: NumPy's vectorised logarithms may differ in
    # the last bit between array positions, and a score must not depend on
    # where its incident sits in a table.
    logs = [math.log10(1.0 + amount) for amount in amounts[harmed].tolist()]
    out[harmed] = np.minimum(1.0, np.array(logs, dtype=np.float64) / decades)
    return out


def _label_values(levels: Mapping[str, float], labels: TextColumn) -> FloatArray:
    return labels.map(
        lambda label: (
            0.0 if label is None else float(levels.get(label.strip().casefold(), 0.0))
        ),
        np.float64,
    )


@attrs.frozen(eq=False)
class ImpactColumns:
    """Impact scores of many incidents (:func:`impact_columns`).

    Attributes:
        values: One row per incident, one column per component in the order
            of :class:`ImpactWeights`: the harm on its scale, damped for
            internal incidents.
        contributions: ``100 × weight × value / Σ weights``, same shape.
        score: The scores, 0 to 100; NaN for an incident with no impact
            data (no ``impact`` section and no customer impact).
        user_minutes: Affected users × impact minutes; NaN when unknown.
        start, end: The impact's bounds in µs since 1970 UTC (NaT unknown).
    """

    values: FloatArray
    contributions: FloatArray
    score: FloatArray
    user_minutes: FloatArray
    start: NDArray[np.int64]
    end: NDArray[np.int64]


def impact_columns(
    columns: IncidentColumns,
    found: Mapping[str, NDArray[np.int64]],
    weights: ImpactWeights,
    scales: ImpactScales,
) -> ImpactColumns:
    """The impact score of every incident of ``columns`` (the one formula).

    Args:
        columns: The incidents' inputs.
        found: Their milestones
            (:func:`~incidentkit.figures.timeline.milestone_columns`).
        weights: How much each component counts.
        scales: Where each component's scale reaches 1.
    """
    inputs = columns.impact
    n = len(columns)
    started = found["started"]
    end = np.where(found["mitigated"] != NAT, found["mitigated"], found["resolved"])
    duration = seconds(started, end)
    minutes = np.where(np.isnan(duration), 0.0, np.maximum(0.0, duration / 60))
    saturation = scales.duration_saturation.total_seconds() / 60
    share = inputs.users_share
    values = {
        "users_share": np.where(np.isnan(share), 0.0, np.minimum(1.0, share / 100)),
        "users_count": _log_scale(inputs.affected_users, scales.users_decades),
        "regions": np.minimum(1.0, inputs.regions / scales.max_regions),
        "degradation": _label_values(scales.degradation_levels, inputs.degradation),
        "no_workaround": inputs.workaround_available.map(
            lambda value: value is False, np.float64
        ),
        "duration": np.minimum(
            1.0,
            np.array([math.log1p(m) for m in minutes.tolist()], dtype=np.float64)
            / math.log1p(saturation),
        ),
        "revenue_level": _label_values(scales.revenue_levels, inputs.revenue_impact),
        "failed_transactions": _log_scale(
            inputs.failed_transactions, scales.failed_transactions_decades
        ),
        "revenue_lost": _log_scale(inputs.revenue_lost, scales.revenue_decades),
        "data_integrity_risk": inputs.data_integrity_risk.astype(np.float64),
        "data_loss": inputs.data_loss.astype(np.float64),
        "security_breach": inputs.security_breach.astype(np.float64),
    }
    internal = inputs.customer_facing.map(lambda value: value is False, bool)
    for group in _CUSTOMER_GROUPS:
        for name in COMPONENT_GROUPS[group]:
            values[name] = np.where(
                internal, values[name] * scales.internal_factor, values[name]
            )
    names = list(weights.as_dict())
    matrix = np.empty((n, len(names)))
    contributions = np.empty((n, len(names)))
    total = weights.total()
    for position, name in enumerate(names):
        matrix[:, position] = values[name]
        # weight / total first: it is at most 1, so no huge weight overflows.
        contributions[:, position] = (
            100.0 * (getattr(weights, name) / total) * values[name]
        )
    # A sum in a fixed order: each addition of non-negative numbers rounds
    # monotonically, so the score never decreases when a harm grows, and a
    # row's score does not depend on the other rows. The clamp only removes
    # rounding above 100 when every harm is at its worst.
    total_points = contributions[:, 0].copy()
    for position in range(1, len(names)):
        total_points += contributions[:, position]
    # Without any impact data only the duration would score: a number that
    # measures how long, not how bad. Unknown stays unknown (SPEC §7).
    score = np.where(inputs.has_data, np.minimum(100.0, total_points), np.nan)
    return ImpactColumns(
        values=matrix,
        contributions=contributions,
        score=score,
        user_minutes=inputs.affected_users * (duration / 60),
        start=started,
        end=end,
    )


def score_impact(
    rec: IncidentRecord,
    found: Milestones,
    weights: ImpactWeights,
    scales: ImpactScales,
) -> ImpactScore:
    """One record's impact score, by the formula of :func:`impact_columns`.

    :func:`incidentkit.impact_score` is the public form, with the whole
    :class:`~incidentkit.Policy`.
    """
    columns = incident_columns([rec])
    result = impact_columns(columns, milestone_moments(found), weights, scales)
    components = {
        name: ImpactComponent(
            weight,
            float(result.values[0, position]),
            float(result.contributions[0, position]),
            _GROUP_OF[name],
        )
        for position, (name, weight) in enumerate(weights.as_dict().items())
    }
    start, end = int(result.start[0]), int(result.end[0])
    duration = None if NAT in (start, end) else timedelta(microseconds=end - start)
    users = columns.impact.affected_users_exact[0]
    known = bool(columns.impact.has_data[0])
    return ImpactScore(
        score=float(result.score[0]) if known else None,
        components=components,
        user_minutes=None
        if users is None or duration is None
        else float(result.user_minutes[0]),
        impact_duration=duration,
        reason=None if known else NO_IMPACT_DATA,
    )
