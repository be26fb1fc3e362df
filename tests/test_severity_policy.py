from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import incidentkit as ik
from incidentkit.figures.incident import expected_severity
from incidentkit.figures.severity import (
    DEFAULT_SEVERITY_POLICY,
    Criterion,
    SeverityLevel,
    SeverityPolicy,
)
from incidentkit.records.labels import SeverityLabels
from incidentkit.records.schema import CustomerImpact, Impact, Resolution
from strategies import records

#: Every impact field the default criteria read, fully known and harmless.
HARMLESS = Impact(
    revenue_impact="none",
    affected_users_percentage=0.0,
    data_integrity_risk=False,
    security_breach=False,
    customer_facing=False,
    degradation_type="partial",
    workaround_available=True,
)
NO_LOSS = Resolution(customer_impact=CustomerImpact(data_loss=False))


def with_impact(
    impact: Impact | None, resolution: Resolution | None = NO_LOSS
) -> ik.IncidentRecord:
    return attrs.evolve(ik.example(), impact=impact, resolution=resolution)


def test_example_warrants_sev1_for_its_high_revenue_impact():
    # The example: revenue "high" (SEV1's high_revenue criterion). Its other
    # facts (customer-facing, 45 % of users, no workaround) meet SEV2 and SEV3
    # criteria, which the most severe level hides.
    verdict = expected_severity(ik.example())
    assert (verdict.level, verdict.label) == (1, "SEV1")
    assert [m.criterion.name for m in verdict.matched] == ["high_revenue"]
    assert verdict.matched[0].facts == ("revenue_impact is high (high or worse)",)
    assert (verdict.possible_level, verdict.missing) == (1, ())


@pytest.mark.parametrize(
    ("changes", "level", "criterion"),
    [
        ({"security_breach": True}, 1, "security_breach"),
        (
            {
                "customer_facing": True,
                "degradation_type": "full",
                "affected_users_percentage": 90.0,
            },
            1,
            "down_for_all",
        ),
        ({"revenue_impact": "critical"}, 1, "high_revenue"),
        ({"revenue_impact": "high"}, 1, "high_revenue"),
        ({"customer_facing": True, "degradation_type": "Full"}, 2, "down_for_subset"),
        (
            {"customer_facing": True, "affected_users_percentage": 50.0},
            2,
            "impaired_for_most",
        ),
        (
            {
                "customer_facing": True,
                "workaround_available": False,
                "affected_users_percentage": 10.0,
            },
            2,
            "many_without_workaround",
        ),
        ({"revenue_impact": "medium"}, 2, "medium_revenue"),
        ({"data_integrity_risk": True}, 2, "data_integrity_risk"),
        (
            {"customer_facing": True, "workaround_available": False},
            3,
            "no_workaround",
        ),
        (
            {"customer_facing": True, "affected_users_percentage": 1.0},
            3,
            "customers_affected",
        ),
        ({"revenue_impact": "low"}, 3, "revenue_affected"),
    ],
)
def test_each_default_criterion_sets_its_level(changes, level, criterion):
    verdict = expected_severity(with_impact(attrs.evolve(HARMLESS, **changes)))
    assert verdict.level == level
    assert verdict.possible_level == level  # everything else is known
    assert criterion in [m.criterion.name for m in verdict.matched]


def test_customer_facing_alone_is_not_enough_for_sev3():
    # 0.5 % of users with a workaround: PagerDuty's SEV-4, "not affecting
    # customer ability to use the product".
    impact = attrs.evolve(HARMLESS, customer_facing=True, affected_users_percentage=0.5)
    assert expected_severity(with_impact(impact)).level == 4


def test_data_loss_comes_from_the_resolution_section():
    lost = Resolution(customer_impact=CustomerImpact(data_loss=True))
    verdict = expected_severity(with_impact(HARMLESS, lost))
    assert verdict.level == 1
    assert verdict.matched[0].facts == ("data_loss is true",)


def test_thresholds_are_inclusive_and_just_below_fails():
    # 10 % is "at least 10"; 9.99 % is not, which leaves SEV3 (no workaround).
    base = attrs.evolve(HARMLESS, customer_facing=True, workaround_available=False)
    at = expected_severity(
        with_impact(attrs.evolve(base, affected_users_percentage=10.0))
    )
    below = expected_severity(
        with_impact(attrs.evolve(base, affected_users_percentage=9.99))
    )
    assert (at.level, below.level) == (2, 3)


def test_harmless_impact_sits_at_the_least_severe_level():
    verdict = expected_severity(with_impact(HARMLESS))
    assert (verdict.level, verdict.possible_level, verdict.matched) == (4, 4, ())
    assert verdict.label == "SEV4"
    assert verdict.explain() == "SEV4: no criterion of a more severe level can hold"


def test_no_impact_at_all_is_undetermined_up_to_the_worst():
    verdict = expected_severity(with_impact(None, None))
    assert verdict.level is None
    assert verdict.label is None
    assert verdict.possible_level == 1
    assert verdict.missing == (
        "affected_users_percentage",
        "customer_facing",
        "data_integrity_risk",
        "data_loss",
        "degradation_type",
        "revenue_impact",
        "security_breach",
        "workaround_available",
    )
    assert verdict.explain().startswith(
        "undetermined: no criterion holds yet; up to SEV1"
    )


def test_missing_fields_leave_the_more_severe_levels_possible():
    # Customer-facing without workaround is known (SEV3) but the breach and the
    # share are not:
    # SEV1 stays possible, and only the fields that could raise it count.
    impact = Impact(customer_facing=True, workaround_available=False)
    verdict = expected_severity(with_impact(impact, None))
    assert (verdict.level, verdict.possible_level) == (3, 1)
    assert "security_breach" in verdict.missing
    assert "data_loss" in verdict.missing


def test_revenue_label_off_the_scale_is_unknown_not_harmless():
    verdict = expected_severity(
        with_impact(attrs.evolve(HARMLESS, revenue_impact="huge"))
    )
    # "huge" could be anything: high_revenue (SEV1) stays possible.
    assert verdict.possible_level == 1
    assert verdict.missing == ("revenue_impact",)
    assert verdict.level is None


def test_team_labels_and_custom_levels():
    policy = ik.Policy(
        severity=SeverityPolicy(
            levels=(
                SeverityLevel(
                    1,
                    "critical",
                    "customers are down",
                    (Criterion("down", "customers are down", degradation="full"),),
                ),
                SeverityLevel(2, "major", "anything else"),
            ),
        ),
        severity_labels=SeverityLabels(
            names={"critical": 1, "major": 2}, numbered=False
        ),
    )
    rec = with_impact(attrs.evolve(HARMLESS, degradation_type="full"))
    verdict = expected_severity(rec, policy=policy)
    assert (verdict.level, verdict.label) == (1, "critical")
    assert policy.severity.label(2) == "major"
    assert (policy.level("Major"), policy.level("SEV1")) == (2, None)


def test_with_labels_renames_levels_and_maps_words():
    policy = ik.Policy().with_labels({"critical": 1, "major": 2, "urgent": 1})
    assert [level.label for level in policy.severity.levels] == [
        "critical",
        "major",
        "SEV3",
        "SEV4",
    ]
    assert policy.level("URGENT") == 1
    assert policy.level("SEV3") == 3
    assert policy.severity_labels.level("urgent") == 1
    # The criteria are unchanged.
    assert (
        policy.severity.levels[0].criteria == DEFAULT_SEVERITY_POLICY.levels[0].criteria
    )
    # So are the other rules, and the policy it came from.
    assert (
        attrs.evolve(
            policy,
            severity=DEFAULT_SEVERITY_POLICY,
            severity_labels=ik.DEFAULT_POLICY.severity_labels,
        )
        == ik.Policy()
    )
    assert ik.DEFAULT_POLICY.level("urgent") is None


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (
            lambda: SeverityPolicy(levels=()),
            "levels: a policy needs at least one level (())",
        ),
        (
            lambda: SeverityPolicy(
                levels=(SeverityLevel(2, "b", "b"), SeverityLevel(1, "a", "a"))
            ),
            "levels: levels must be listed most severe first, each once ([2, 1])",
        ),
        (
            lambda: SeverityPolicy(
                levels=(
                    SeverityLevel(
                        1, "a", "a", (Criterion("x", "x", min_revenue="enormous"),)
                    ),
                )
            ),
            "levels[0].criteria[0].min_revenue: 'enormous' is not on the revenue "
            "scale ['none', 'low', 'medium', 'high', 'critical']",
        ),
        (
            lambda: Criterion("x", "x", min_users_percentage=150),
            "Criterion('x').min_users_percentage: must be a number from 0 to 100 (150)",
        ),
        (
            lambda: SeverityPolicy(levels=(SeverityLevel(-1, "a", "a"),)),
            "levels[0].level: must not be negative (-1)",
        ),
    ],
)
def test_bad_policies_name_the_field_and_value(make, error):
    with pytest.raises(ik.ValidationError) as caught:
        make()
    assert caught.value.errors == [error]


def test_criterion_without_conditions_always_holds():
    policy = SeverityPolicy(
        levels=(SeverityLevel(3, "SEV3", "floor", (Criterion("any", "always"),)),)
    )
    verdict = expected_severity(
        with_impact(None, None), policy=ik.Policy(severity=policy)
    )
    assert (verdict.level, verdict.possible_level) == (3, 3)
    assert verdict.matched[0].facts == ()


def test_expected_severity_does_not_change_the_record():
    rec = ik.example()
    expected_severity(rec)
    assert rec == ik.example()


# --- properties -------------------------------------------------------------------


@given(records())
def test_verdict_is_a_consistent_range(rec):
    verdict = expected_severity(rec)
    least = DEFAULT_SEVERITY_POLICY.least_severe
    assert verdict.possible_level <= least
    if verdict.level is None:
        assert verdict.missing
    else:
        assert verdict.possible_level <= verdict.level <= least
        if not verdict.missing:
            assert verdict.level == verdict.possible_level


_fills = {
    "revenue_impact": st.sampled_from(["none", "low", "medium", "high", "critical"]),
    "affected_users_percentage": st.floats(0, 100),
    "data_integrity_risk": st.booleans(),
    "security_breach": st.booleans(),
    "customer_facing": st.booleans(),
    "degradation_type": st.sampled_from(["full", "partial"]),
    "workaround_available": st.booleans(),
}


@given(records(), st.data())
def test_knowing_the_missing_fields_lands_inside_the_range(rec, data):
    # Whatever the missing fields turn out to be, the level ends between the
    # verdict's two bounds: the three-valued logic never over- or under-claims.
    verdict = expected_severity(rec)
    impact = rec.impact or Impact()
    changes = {}
    for field, values in _fills.items():
        value = getattr(impact, field)
        if value is None or (field == "revenue_impact" and value not in _REVENUE):
            changes[field] = data.draw(values)
    resolution = rec.resolution or Resolution()
    customer = resolution.customer_impact or CustomerImpact()
    if customer.data_loss is None:
        customer = attrs.evolve(customer, data_loss=data.draw(st.booleans()))
    known = attrs.evolve(
        rec,
        impact=attrs.evolve(impact, **changes),
        resolution=attrs.evolve(resolution, customer_impact=customer),
    )
    after = expected_severity(known)
    assert after.level is not None
    assert verdict.possible_level <= after.level
    if verdict.level is not None:
        assert after.level <= verdict.level


_REVENUE = {"none", "low", "medium", "high", "critical"}


_REVENUE_ORDER = ("none", "low", "medium", "high", "critical")


def _worse(rec: ik.IncidentRecord, harm: str) -> ik.IncidentRecord | None:
    """The record with one known harm made worse, or None when it can't be.

    Only known values grow: an unknown turning known resolves uncertainty,
    which may rightly narrow the verdict's range.
    """
    impact = rec.impact
    customer = rec.resolution.customer_impact if rec.resolution else None
    if harm == "data_loss":
        if customer is None or customer.data_loss is not False:
            return None
        worse_customer = attrs.evolve(customer, data_loss=True)
        resolution = attrs.evolve(rec.resolution, customer_impact=worse_customer)
        return attrs.evolve(rec, resolution=resolution)
    if impact is None:
        return None
    value = getattr(impact, harm)
    if harm == "affected_users_percentage":
        changed = None if value is None or value >= 100 else min(100.0, value + 25)
    elif harm == "degradation_type":
        changed = "full" if value == "partial" else None
    elif harm == "revenue_impact":
        known = value in _REVENUE_ORDER[:-1]
        changed = _REVENUE_ORDER[_REVENUE_ORDER.index(value) + 1] if known else None
    elif harm == "workaround_available":
        changed = False if value is True else None
    else:  # customer_facing, data_integrity_risk, security_breach
        changed = True if value is False else None
    if changed is None:
        return None
    return attrs.evolve(rec, impact=attrs.evolve(impact, **{harm: changed}))


_HARMS = (
    "affected_users_percentage",
    "degradation_type",
    "revenue_impact",
    "workaround_available",
    "customer_facing",
    "data_integrity_risk",
    "security_breach",
    "data_loss",
)


@given(records(), st.sampled_from(_HARMS))
def test_more_harm_never_lowers_the_warranted_level(rec, harm):
    worse = _worse(rec, harm)
    if worse is None:
        return
    before, after = expected_severity(rec), expected_severity(worse)
    # Lower levels are more severe: growing one harm may only lower them.
    assert after.possible_level <= before.possible_level
    if before.level is not None:
        assert after.level is not None
        assert after.level <= before.level


def test_each_harm_can_raise_the_level():
    # From a mild, fully known impact, each harm alone raises the level; this
    # keeps the property above from passing on a policy that ignores a harm.
    mild = ik.from_dict(
        {
            "incident": {
                "id": "INC-1",
                "title": "t",
                "severity": "SEV4",
                "status": "resolved",
                "declared_at": "2024-01-01T00:00:00Z",
            },
            "impact": {
                "revenue_impact": "none",
                "affected_users_percentage": 1,
                "data_integrity_risk": False,
                "security_breach": False,
                "customer_facing": True,
                "degradation_type": "partial",
                "workaround_available": True,
            },
            "resolution": {"customer_impact": {"data_loss": False}},
        }
    )
    base = expected_severity(mild).level
    assert base is not None
    for harm in ("security_breach", "data_loss", "data_integrity_risk"):
        worse = _worse(mild, harm)
        assert worse is not None
        assert expected_severity(worse).level < base, harm


# --- bad arguments --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: ik.Policy().with_labels({"critical": "x"}),
            "names['critical']: a level must be an int ('x')",
        ),
        (
            lambda: ik.Policy().with_labels(5),
            "names: expected a mapping of label to level (5)",
        ),
        (lambda: SeverityPolicy(major="x"), "major: must be an int ('x')"),
        (lambda: SeverityPolicy(major=True), "major: must be an int (True)"),
        (
            lambda: SeverityPolicy(levels=5),
            "levels: expected a sequence of SeverityLevel (5)",
        ),
        (
            lambda: SeverityPolicy(levels=[5]),
            "levels[0]: expected a SeverityLevel, got int",
        ),
        (
            lambda: ik.Policy(severity_labels="x"),
            "severity_labels: expected a SeverityLabels, got str",
        ),
        (
            lambda: ik.Policy(severity="x"),
            "severity: expected a SeverityPolicy, got str",
        ),
        (
            lambda: SeverityPolicy(revenue_scale=[1]),
            "revenue_scale: every item must be a string (1)",
        ),
        (
            lambda: SeverityPolicy(levels=[SeverityLevel("x", "X", "")]),
            "levels[0].level: must be an int ('x')",
        ),
    ],
)
def test_bad_policy_arguments_raise_validation_error(make: Any, message: str) -> None:
    with pytest.raises(ik.ValidationError) as info:
        make()
    assert info.value.errors == [message]


def test_with_labels_of_a_bad_level_leaves_check_working() -> None:
    # Before the fix the bad level got in and check() failed with TypeError.
    with pytest.raises(ik.ValidationError):
        ik.Policy().with_labels({"critical": "x"})
    policy = ik.Policy().with_labels({"critical": 1})
    assert policy.level("critical") == 1
    found = [(f.code, f.path) for f in ik.check(ik.example(), policy=policy)]
    assert found == [(f.code, f.path) for f in ik.check(ik.example())]


@pytest.mark.parametrize(
    ("rec", "policy", "message"),
    [
        ({}, ik.DEFAULT_POLICY, "rec: expected an IncidentRecord, got dict"),
        (None, ik.DEFAULT_POLICY, "rec: expected an IncidentRecord, got NoneType"),
        ("example", "x", "policy: expected a Policy, got str"),
        # The criteria alone are no longer a policy: they go in one.
        (
            "example",
            DEFAULT_SEVERITY_POLICY,
            "policy: expected a Policy, got SeverityPolicy",
        ),
    ],
)
def test_expected_severity_checks_its_arguments(
    rec: object, policy: object, message: str
) -> None:
    record = ik.example() if rec == "example" else rec
    with pytest.raises(ik.ValidationError) as info:
        expected_severity(record, policy=policy)  # type: ignore[arg-type]
    assert info.value.errors == [message]
