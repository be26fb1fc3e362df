"""One policy for every figure, check and table: :class:`Policy`.

A team's rules live in one object: how milestones are found, what its
severity labels mean (stored once, read by every rule), the severity
criteria, the update cadence, the action-item rules and deadlines, and the
impact weights and scales. Every public function, the table and the command
line take it as the keyword ``policy=``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

import attrs

from incidentkit._args import instance_of, is_whole, mapping
from incidentkit._frozen import FrozenMapping
from incidentkit.errors import ValidationError
from incidentkit.figures.actions import ActionItemPolicy
from incidentkit.figures.communications import CommunicationPolicy
from incidentkit.figures.impact import ImpactScales, ImpactWeights
from incidentkit.figures.severity import DEFAULT_SEVERITY_POLICY, SeverityPolicy
from incidentkit.figures.timeline import DEFAULT_MILESTONE_POLICY, MilestonePolicy
from incidentkit.records.labels import DEFAULT_SEVERITY_LABELS, SeverityLabels

__all__ = ["DEFAULT_DEADLINE_DAYS", "DEFAULT_POLICY", "Policy"]

#: Days from the resolution date within which an action item of each
#: priority level is due (P1 15, P2 30, P3 60).
DEFAULT_DEADLINE_DAYS: Final[Mapping[int, int]] = MappingProxyType(
    {1: 15, 2: 30, 3: 60}
)


def _deadline_days(value: Mapping[int, int]) -> Mapping[int, int]:
    days = mapping(value, "deadline_days", "priority level to days")
    problems = [
        f"deadline_days[{key!r}]: must map a priority level (int) to a "
        f"number of days >= 0 ({count!r})"
        for key, count in days.items()
        if not (is_whole(key) and is_whole(count) and count >= 0)
    ]
    if problems:
        raise ValidationError(problems)
    return FrozenMapping.of(dict(days))


@attrs.frozen
class Policy:
    """Every rule the figures, the checks and the table follow.

    Attributes:
        milestones: How each milestone is found in a record.
        severity_labels: How the severity labels written in records map to
            numeric levels. Stored here only: cadence limits, required
            action-item types, severity criteria and action-item priorities
            all read levels through it.
        severity: The levels' criteria (what impact warrants which level).
        communications: What counts as an external update and the longest
            gap allowed at each level.
        actions: Required action-item types by level, done statuses and the
            factor-matching rule.
        impact_weights: How much each impact component counts.
        impact_scales: Where each impact component's scale reaches 1.
        deadline_days: Action-item priority level → days after the
            resolution date an action item may be due (IK503). Levels more
            urgent than the most urgent listed use its limit; less urgent
            levels not listed have none.

    Example:
        >>> import incidentkit as ik
        >>> policy = ik.Policy().with_labels({"critical": 1, "major": 2})
        >>> policy.level("Critical"), policy.level("SEV3")
        (1, 3)
        >>> ik.action_item_coverage(
        ...     ik.example(), as_of=ik.example().incident.declared_at, policy=policy
        ... ).required_types == frozenset({"detection", "prevention"})
        True

    Raises:
        ValidationError: When a part is not of its type, naming it.
    """

    milestones: MilestonePolicy = attrs.field(
        default=DEFAULT_MILESTONE_POLICY, validator=instance_of(MilestonePolicy)
    )
    severity_labels: SeverityLabels = attrs.field(
        default=DEFAULT_SEVERITY_LABELS,
        validator=instance_of(SeverityLabels),
        # SeverityLabels holds a dict, which has no hash; equality still
        # compares it.
        hash=False,
    )
    severity: SeverityPolicy = attrs.field(
        default=DEFAULT_SEVERITY_POLICY, validator=instance_of(SeverityPolicy)
    )
    communications: CommunicationPolicy = attrs.field(
        factory=CommunicationPolicy, validator=instance_of(CommunicationPolicy)
    )
    actions: ActionItemPolicy = attrs.field(
        factory=ActionItemPolicy, validator=instance_of(ActionItemPolicy)
    )
    impact_weights: ImpactWeights = attrs.field(
        factory=ImpactWeights, validator=instance_of(ImpactWeights)
    )
    impact_scales: ImpactScales = attrs.field(
        factory=ImpactScales, validator=instance_of(ImpactScales)
    )
    deadline_days: Mapping[int, int] = attrs.field(
        default=DEFAULT_DEADLINE_DAYS, converter=_deadline_days, hash=False
    )

    def level(self, label: str | None) -> int | None:
        """The numeric level of a severity (or priority) label, or ``None``."""
        return self.severity_labels.level(label)

    def with_labels(self, names: Mapping[str, int]) -> Policy:
        """The same policy with a team's own severity words.

        Every word maps to a level; the first word given for a level also
        becomes that level's name in messages. Numbered labels (``SEV1``,
        ``P1``) keep working.

        Example:
            >>> policy = Policy().with_labels(
            ...     {"critical": 1, "major": 2, "minor": 3, "low": 4})
            >>> policy.level("Major"), policy.severity.label(1)
            (2, 'critical')

        Raises:
            ValidationError: When ``names`` is not a mapping of strings to
                ints.
        """
        # The labels check the words and levels (SeverityLabels' converter);
        # only the shape is needed before reading them here.
        words = mapping(names, "names", "label to level")
        labels = attrs.evolve(self.severity_labels, names=dict(words))
        first: dict[int, str] = {}
        for word, level in words.items():
            first.setdefault(level, word)
        return attrs.evolve(
            self, severity_labels=labels, severity=self.severity.named(first)
        )


#: The rules of the specification, with the default labels and criteria.
DEFAULT_POLICY: Final = Policy()
