"""The severity an incident's impact warrants, and why.

A :class:`SeverityPolicy` lists severity levels, most severe first, each with
the impact criteria that put an incident at that level. A criterion is a set
of conditions on the record's impact that must all hold ("customer-facing,
full degradation, at least 90 % of users"); a level applies when any of its
criteria holds. :func:`expected_severity` returns the most severe level whose
criteria hold, with the criteria and the values that matched, so that the
verdict explains itself.

Records often leave impact fields out. A condition on a missing field is
*unknown*, neither met nor failed, so the verdict is a range: the level the
known impact already warrants (:attr:`SeverityVerdict.level`) and the most
severe level it could warrant once the missing fields are known
(:attr:`SeverityVerdict.possible_level`). Following PagerDuty's "if you are
unsure which level an incident is, treat it as the higher one", the checks
only call a declared severity too high when no criterion of a more severe
level could still hold.

The default policy follows the public definitions of Atlassian
(https://www.atlassian.com/incident-management/kpis/severity-levels) and
PagerDuty (https://response.pagerduty.com/before/severity_levels/); the
rules page of the documentation sets them side by side.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Final

import attrs

from incidentkit._args import instance, is_whole, texts, whole
from incidentkit.errors import ValidationError
from incidentkit.records.schema import IncidentRecord

__all__ = [
    "DEFAULT_REVENUE_SCALE",
    "DEFAULT_SEVERITY_LEVELS",
    "DEFAULT_SEVERITY_POLICY",
    "Criterion",
    "CriterionMatch",
    "SeverityLevel",
    "SeverityPolicy",
    "SeverityVerdict",
    "judge_severity",
]

#: ``impact.revenue_impact`` labels from the least to the most harm.
DEFAULT_REVENUE_SCALE: Final = ("none", "low", "medium", "high", "critical")


def _is_share(value: object) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and 0 <= value <= 100
    )


def _bool_text(value: bool) -> str:
    return "true" if value else "false"


def _number_text(value: float) -> str:
    return f"{value:g}"


@attrs.frozen
class Criterion:
    """Conditions on the impact that together put an incident at a level.

    Every condition that is not ``None`` must hold (they are joined by *and*);
    a criterion with no condition holds for every record. A condition on a
    field the record leaves out is unknown.

    Attributes:
        name: A short identifier, shown in explanations
            (``"security_breach"``).
        description: When the criterion applies, phrased to follow "applies
            when" (``"data is exposed by a security breach"``).
        customer_facing: Required value of ``impact.customer_facing``.
        min_users_percentage: ``impact.affected_users_percentage`` must be at
            least this (0-100).
        degradation: Required ``impact.degradation_type`` (``"full"`` or
            ``"partial"``), compared case-insensitively.
        min_revenue: ``impact.revenue_impact`` must be this label or a worse
            one on the policy's revenue scale.
        data_loss: Required value of ``resolution.customer_impact.data_loss``.
        data_integrity_risk: Required value of ``impact.data_integrity_risk``.
        security_breach: Required value of ``impact.security_breach``.
        workaround_available: Required value of
            ``impact.workaround_available``.

    Example:
        >>> down = Criterion("down_for_all", "the service is down for everyone",
        ...                  degradation="full", min_users_percentage=90)
        >>> down.conditions()
        ('degradation_type is full', 'affected_users_percentage is at least 90')
    """

    name: str
    description: str
    customer_facing: bool | None = attrs.field(default=None, kw_only=True)
    min_users_percentage: float | None = attrs.field(default=None, kw_only=True)
    degradation: str | None = attrs.field(default=None, kw_only=True)
    min_revenue: str | None = attrs.field(default=None, kw_only=True)
    data_loss: bool | None = attrs.field(default=None, kw_only=True)
    data_integrity_risk: bool | None = attrs.field(default=None, kw_only=True)
    security_breach: bool | None = attrs.field(default=None, kw_only=True)
    workaround_available: bool | None = attrs.field(default=None, kw_only=True)

    def __attrs_post_init__(self) -> None:
        share = self.min_users_percentage
        if share is not None and not _is_share(share):
            raise ValidationError(
                [
                    f"Criterion({self.name!r}).min_users_percentage: must be a "
                    f"number from 0 to 100 ({share!r})"
                ]
            )

    def conditions(self) -> tuple[str, ...]:
        """The conditions, in words, in the order they are tested."""
        out: list[str] = []
        for field, expected in self._flags():
            out.append(f"{field} is {_bool_text(expected)}")
        if self.degradation is not None:
            out.append(f"degradation_type is {self.degradation}")
        if self.min_users_percentage is not None:
            out.append(
                "affected_users_percentage is at least "
                f"{_number_text(self.min_users_percentage)}"
            )
        if self.min_revenue is not None:
            out.append(f"revenue_impact is {self.min_revenue} or worse")
        return tuple(out)

    def _flags(self) -> tuple[tuple[str, bool], ...]:
        pairs = (
            ("security_breach", self.security_breach),
            ("data_loss", self.data_loss),
            ("data_integrity_risk", self.data_integrity_risk),
            ("customer_facing", self.customer_facing),
            ("workaround_available", self.workaround_available),
        )
        return tuple((name, value) for name, value in pairs if value is not None)


@attrs.frozen
class SeverityLevel:
    """One severity level and the criteria that put an incident there.

    Attributes:
        level: The numeric level; lower is more severe.
        label: How messages name the level (``"SEV1"``, ``"critical"``).
        summary: What the level means, in a few words.
        criteria: The level applies when any of these holds. A level without
            criteria is reached only when nothing more severe can apply (the
            usual least severe level, "everything else").
    """

    level: int
    label: str
    summary: str
    criteria: tuple[Criterion, ...] = ()


@attrs.frozen
class CriterionMatch:
    """A criterion that holds for a record, with the values that made it hold.

    Attributes:
        level: The level of the criterion.
        criterion: The criterion.
        facts: One line per condition, with the record's value
            (``"affected_users_percentage is 45 (at least 25)"``).
    """

    level: int
    criterion: Criterion
    facts: tuple[str, ...]


@attrs.frozen
class SeverityVerdict:
    """What severity an incident's impact warrants, with the evidence.

    Attributes:
        level: The most severe level whose criteria the known impact meets;
            the policy's least severe level when no criterion can hold; ``None``
            when no criterion holds yet but some still could (missing fields).
        label: The policy's label for :attr:`level`.
        matched: The criteria of :attr:`level` that hold, with their facts.
        possible_level: The most severe level the impact could warrant once
            its missing fields are known. Equals :attr:`level` when nothing
            missing could raise it.
        possible_label: The policy's label for :attr:`possible_level`.
        missing: The impact fields that are missing and could raise the level
            above :attr:`level` (sorted).
    """

    level: int | None
    label: str | None
    matched: tuple[CriterionMatch, ...]
    possible_level: int
    possible_label: str
    missing: tuple[str, ...]

    def explain(self) -> str:
        """The verdict in one sentence.

        Example:
            >>> import incidentkit as ik
            >>> print(ik.expected_severity(ik.example()).explain())
            SEV1: high_revenue (revenue_impact is high (high or worse))
        """
        if self.level is None:
            return (
                f"undetermined: no criterion holds yet; up to "
                f"{self.possible_label} once {', '.join(self.missing)} are known"
            )
        if not self.matched:
            return f"{self.label}: no criterion of a more severe level can hold"
        parts = [
            f"{match.criterion.name} ({', '.join(match.facts)})"
            for match in self.matched
        ]
        return f"{self.label}: {'; '.join(parts)}"


#: The default levels: Atlassian's SEV1-SEV3 with PagerDuty's share-of-customers
#: wording, the revenue labels one level apart each (high SEV1, medium SEV2,
#: low SEV3), and a least severe level for incidents without customer impact.
DEFAULT_SEVERITY_LEVELS: Final = (
    SeverityLevel(
        1,
        "SEV1",
        "critical incident with very high impact",
        (
            Criterion(
                "security_breach",
                "data is exposed by a security breach",
                security_breach=True,
            ),
            Criterion("data_loss", "customer data is lost", data_loss=True),
            Criterion(
                "down_for_all",
                "a customer-facing service is down for all customers "
                "(full degradation for at least 90% of users)",
                customer_facing=True,
                degradation="full",
                min_users_percentage=90,
            ),
            Criterion(
                "high_revenue",
                "the revenue impact is high or critical",
                min_revenue="high",
            ),
        ),
    ),
    SeverityLevel(
        2,
        "SEV2",
        "major incident with significant impact",
        (
            Criterion(
                "down_for_subset",
                "a customer-facing service is down for a subset of customers",
                customer_facing=True,
                degradation="full",
            ),
            Criterion(
                "impaired_for_most",
                "a customer-facing service is impaired for most customers "
                "(at least 50% of users)",
                customer_facing=True,
                min_users_percentage=50,
            ),
            Criterion(
                "many_without_workaround",
                "a significant share of customers (at least 10% of users) is "
                "affected with no workaround",
                customer_facing=True,
                workaround_available=False,
                min_users_percentage=10,
            ),
            Criterion(
                "medium_revenue",
                "the revenue impact is medium or worse",
                min_revenue="medium",
            ),
            Criterion(
                "data_integrity_risk",
                "data integrity is at risk",
                data_integrity_risk=True,
            ),
        ),
    ),
    SeverityLevel(
        3,
        "SEV3",
        "minor incident with low impact",
        (
            Criterion(
                "no_workaround",
                "customers are affected and have no workaround",
                customer_facing=True,
                workaround_available=False,
            ),
            Criterion(
                "customers_affected",
                "customers notice the incident (at least 1% of users), even "
                "with a workaround",
                customer_facing=True,
                min_users_percentage=1,
            ),
            Criterion(
                "revenue_affected",
                "revenue is affected at all (low or worse)",
                min_revenue="low",
            ),
        ),
    ),
    SeverityLevel(4, "SEV4", "minor issue without customer impact"),
)


def _level_tuple(value: Iterable[SeverityLevel]) -> tuple[SeverityLevel, ...]:
    return _checked_levels(value)


def _checked_levels(value: object) -> tuple[SeverityLevel, ...]:
    if not isinstance(value, Iterable) or isinstance(value, (str, bytes)):
        raise ValidationError(
            [f"levels: expected a sequence of SeverityLevel ({value!r})"]
        )
    levels = tuple(value)
    for i, level in enumerate(levels):
        instance(level, SeverityLevel, f"levels[{i}]")
    return levels


def _revenue_scale(value: Iterable[str]) -> tuple[str, ...]:
    return texts(value, "revenue_scale")


def _validate_levels(
    levels: tuple[SeverityLevel, ...], revenue_scale: tuple[str, ...]
) -> list[str]:
    errors: list[str] = []
    if not levels:
        errors.append("levels: a policy needs at least one level (())")
    numbers = [level.level for level in levels]
    # Levels that are not ints are reported below; they cannot be sorted.
    if all(is_whole(number) for number in numbers) and numbers != sorted(set(numbers)):
        errors.append(
            f"levels: levels must be listed most severe first, each once ({numbers!r})"
        )
    scale = {label.casefold() for label in revenue_scale}
    for i, level in enumerate(levels):
        if isinstance(level.level, bool) or not isinstance(level.level, int):
            errors.append(f"levels[{i}].level: must be an int ({level.level!r})")
        elif level.level < 0:
            errors.append(f"levels[{i}].level: must not be negative ({level.level})")
        for j, criterion in enumerate(level.criteria):
            revenue = criterion.min_revenue
            if revenue is not None and revenue.casefold() not in scale:
                errors.append(
                    f"levels[{i}].criteria[{j}].min_revenue: {revenue!r} is not "
                    f"on the revenue scale {list(revenue_scale)!r}"
                )
    return errors


@attrs.frozen
class SeverityPolicy:
    """Severity levels with their criteria.

    How the labels written in records map to levels is the
    :class:`~incidentkit.Policy`'s ``severity_labels``, for every rule alike
    (see :meth:`incidentkit.Policy.with_labels`).

    Attributes:
        levels: The levels, most severe first.
        revenue_scale: ``impact.revenue_impact`` labels from least to most
            harm, for the ``min_revenue`` conditions.
        major: Levels at this number or lower are major incidents
            (PagerDuty: SEV-1 and SEV-2). Only a major severity is called too
            high for its impact: the levels below differ in ways impact fields
            do not record (PagerDuty's SEV-3 includes "no redundancy in a
            service", with no customer impact yet).

    Example:
        >>> policy = SeverityPolicy()
        >>> [level.label for level in policy.levels]
        ['SEV1', 'SEV2', 'SEV3', 'SEV4']
        >>> policy.label(2), policy.label(7)
        ('SEV2', 'SEV7')
    """

    levels: tuple[SeverityLevel, ...] = attrs.field(
        default=DEFAULT_SEVERITY_LEVELS, converter=_level_tuple
    )
    revenue_scale: tuple[str, ...] = attrs.field(
        default=DEFAULT_REVENUE_SCALE, converter=_revenue_scale
    )
    major: int = attrs.field(default=2, validator=whole)

    def __attrs_post_init__(self) -> None:
        errors = _validate_levels(self.levels, self.revenue_scale)
        if errors:
            raise ValidationError(errors)

    @property
    def most_severe(self) -> int:
        """The numeric level of the first (most severe) level."""
        return self.levels[0].level

    @property
    def least_severe(self) -> int:
        """The numeric level of the last (least severe) level."""
        return self.levels[-1].level

    def label(self, level: int) -> str:
        """The label of a numeric level; ``SEV<n>`` for levels not listed."""
        for entry in self.levels:
            if entry.level == level:
                return entry.label
        return f"SEV{level}"

    def named(self, first_words: Mapping[int, str]) -> SeverityPolicy:
        """The same criteria, levels shown with a team's own words."""
        levels = tuple(
            attrs.evolve(entry, label=first_words.get(entry.level, entry.label))
            for entry in self.levels
        )
        return attrs.evolve(self, levels=levels)


def _revenue_rank(label: str | None, scale: tuple[str, ...]) -> int | None:
    if label is None:
        return None
    folded = label.strip().casefold()
    for rank, entry in enumerate(scale):
        if entry.casefold() == folded:
            return rank
    return None


def _evaluate(
    criterion: Criterion, rec: IncidentRecord, scale: tuple[str, ...]
) -> tuple[bool | None, tuple[str, ...], tuple[str, ...]]:
    """Three-valued truth of a criterion, its facts, and its missing fields.

    Returns ``False`` as soon as one condition fails, ``True`` when all hold,
    ``None`` when none fails but some field is missing.
    """
    impact = rec.impact
    customer = rec.resolution.customer_impact if rec.resolution else None
    facts: list[str] = []
    missing: list[str] = []
    flags: dict[str, bool | None] = {
        "security_breach": impact.security_breach if impact else None,
        "data_loss": customer.data_loss if customer else None,
        "data_integrity_risk": impact.data_integrity_risk if impact else None,
        "customer_facing": impact.customer_facing if impact else None,
        "workaround_available": impact.workaround_available if impact else None,
    }
    for field, expected in criterion._flags():
        actual = flags[field]
        if actual is None:
            missing.append(field)
        elif actual != expected:
            return False, (), ()
        else:
            facts.append(f"{field} is {_bool_text(actual)}")
    if criterion.degradation is not None:
        kind = impact.degradation_type if impact else None
        if kind is None:
            missing.append("degradation_type")
        elif kind.strip().casefold() != criterion.degradation.strip().casefold():
            return False, (), ()
        else:
            facts.append(f"degradation_type is {kind}")
    if criterion.min_users_percentage is not None:
        share = impact.affected_users_percentage if impact else None
        if share is None:
            missing.append("affected_users_percentage")
        elif share < criterion.min_users_percentage:
            return False, (), ()
        else:
            facts.append(
                f"affected_users_percentage is {_number_text(share)} "
                f"(at least {_number_text(criterion.min_users_percentage)})"
            )
    if criterion.min_revenue is not None:
        revenue = impact.revenue_impact if impact else None
        rank = _revenue_rank(revenue, scale)
        needed = _revenue_rank(criterion.min_revenue, scale)
        if rank is None or needed is None:
            # A label off the scale says nothing about the amount: unknown.
            missing.append("revenue_impact")
        elif rank < needed:
            return False, (), ()
        else:
            facts.append(
                f"revenue_impact is {revenue} ({criterion.min_revenue} or worse)"
            )
    if missing:
        return None, (), tuple(missing)
    return True, tuple(facts), ()


def judge_severity(rec: IncidentRecord, rules: SeverityPolicy) -> SeverityVerdict:
    """The severity one record's impact warrants under ``rules``.

    :func:`incidentkit.expected_severity` is the public form, with the whole
    :class:`~incidentkit.Policy`.
    """
    policy = rules
    scale = policy.revenue_scale
    level: int | None = None
    matched: tuple[CriterionMatch, ...] = ()
    possible: int | None = None
    missing: set[str] = set()
    for entry in policy.levels:
        holding: list[CriterionMatch] = []
        undecided: set[str] = set()
        for criterion in entry.criteria:
            truth, facts, unknown = _evaluate(criterion, rec, scale)
            if truth is True:
                holding.append(CriterionMatch(entry.level, criterion, facts))
            elif truth is None:
                undecided.update(unknown)
        if holding or undecided:
            possible = entry.level if possible is None else possible
        if holding:
            level, matched = entry.level, tuple(holding)
            break
        # Fields missing at the matched level itself could not raise it.
        missing.update(undecided)
    if possible is None:
        # Nothing can hold: the incident sits at the least severe level.
        level = possible = policy.least_severe
    return SeverityVerdict(
        level=level,
        label=None if level is None else policy.label(level),
        matched=matched,
        possible_level=possible,
        possible_label=policy.label(possible),
        missing=tuple(sorted(missing)),
    )


#: The policy :func:`expected_severity` and the checks use by default.
DEFAULT_SEVERITY_POLICY: Final = SeverityPolicy()
