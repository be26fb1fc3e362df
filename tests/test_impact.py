from __future__ import annotations

import copy
import math
import pickle
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import incidentkit as ik
from incidentkit.figures.impact import (
    COMPONENT_GROUPS,
    ImpactScales,
    ImpactWeights,
)
from incidentkit.figures.incident import impact_score
from incidentkit.records.schema import (
    CustomerImpact,
    Event,
    EventType,
    Impact,
    Incident,
    IncidentRecord,
    Resolution,
)
from strategies import impacts, incidents, recent_timestamps, records, resolutions

UTC = timezone.utc
START = datetime(2024, 1, 15, 10, 0, tzinfo=UTC)


def bare(impact: Impact | None = None, **customer: Any) -> IncidentRecord:
    incident = Incident(
        id="INC-1", title="t", severity="SEV2", status="open", declared_at=START
    )
    resolution = (
        Resolution(customer_impact=CustomerImpact(**customer)) if customer else None
    )
    return IncidentRecord(incident=incident, impact=impact, resolution=resolution)


def lasting(rec: IncidentRecord, length: timedelta) -> IncidentRecord:
    """The record with its impact lasting ``length`` from a trigger at START."""
    return attrs.evolve(
        rec,
        events=(
            Event(timestamp=START, type=EventType.TRIGGER),
            Event(timestamp=START + length, type=EventType.MITIGATION),
        ),
    )


# --- the example ------------------------------------------------------------------


def test_example_components():
    result = impact_score(ik.example())
    values = {name: part.value for name, part in result.components.items()}
    expected = {
        "users_share": 0.45,  # 45 %
        "users_count": math.log10(12_501) / 7,  # 4.0969 / 7 = 0.5853
        "regions": 0.4,  # 2 regions of 5
        "degradation": 0.5,  # partial
        "no_workaround": 1.0,  # workaround_available: false
        # started 14:15 → mitigated 15:30 = 75 minutes, a week is 10 080:
        "duration": math.log(76) / math.log(10_081),  # 4.3307 / 9.2184 = 0.4698
        "revenue_level": 0.75,  # high
        "failed_transactions": math.log10(343) / 6,  # 2.5353 / 6 = 0.4225
        "revenue_lost": math.log10(28_501) / 7,  # 4.4549 / 7 = 0.6364
        "data_integrity_risk": 0.0,
        "data_loss": 0.0,
        "security_breach": 0.0,
    }
    assert values == pytest.approx(expected, abs=1e-12)
    # The default weights add up to 100, so points = weight × value:
    # 4.5 + 5.8528 + 2 + 5 + 5 + 7.0469 + 5.25 + 2.5353 + 4.4549 = 41.6398.
    assert result.score == pytest.approx(41.6398, abs=1e-4)
    # 12 500 users × 75 minutes.
    assert result.user_minutes == 937_500.0
    assert result.impact_duration == timedelta(minutes=75)


def test_contributions_add_up_and_explain_the_score():
    result = impact_score(ik.example())
    weights = ImpactWeights()
    assert list(result.components) == list(weights.as_dict())
    assert math.fsum(p.contribution for p in result.components.values()) == (
        pytest.approx(result.score, abs=1e-9)
    )
    for name, part in result.components.items():
        assert part.weight == getattr(weights, name)
        assert part.contribution == pytest.approx(part.weight * part.value)
        assert name in COMPONENT_GROUPS[part.group]


def test_default_weights_add_up_to_100():
    assert ImpactWeights().total() == 100.0
    assert sum(len(names) for names in COMPONENT_GROUPS.values()) == len(
        ImpactWeights().as_dict()
    )


def test_weights_are_relative():
    # Weights 2 and 2 of 4: each component at 1 gives 50 points.
    only = dict.fromkeys(ImpactWeights().as_dict(), 0.0)
    weights = ImpactWeights(**{**only, "security_breach": 2.0, "data_loss": 2.0})
    breach = bare(Impact(security_breach=True))
    result = impact_score(breach, policy=ik.Policy(impact_weights=weights))
    assert result.score == 50.0
    assert result.components["security_breach"].contribution == 50.0
    assert result.components["data_loss"].contribution == 0.0


# --- records with little or no impact ---------------------------------------------


def test_record_with_only_the_incident_has_no_score():
    # SPEC §7: no impact section and no customer impact, no score.
    result = impact_score(bare())
    assert result.score is None
    assert result.reason == (
        "no impact data: no impact section and no customer impact in the resolution"
    )
    assert all(part.value == 0.0 for part in result.components.values())
    assert result.user_minutes is None
    assert result.impact_duration is None


def test_duration_alone_never_makes_a_score():
    # A Statuspage import: milestones, no impact data; a long incident too.
    rec = lasting(bare(), timedelta(days=3))
    assert impact_score(rec).score is None
    assert impact_score(rec).components["duration"].value > 0
    with_impact = attrs.evolve(rec, impact=Impact())
    assert impact_score(with_impact).score is not None


def test_no_customer_facing_impact_scores_low():
    internal = Impact(
        customer_facing=False,
        degradation_type="full",
        workaround_available=False,
        revenue_impact="none",
        affected_users_percentage=0,
    )
    result = impact_score(lasting(bare(internal), timedelta(hours=2)))
    # Full degradation 1 × 10, no workaround 1 × 5, two hours
    # ln(121) / ln(10 081) = 0.52025 × 15 = 7.8037: 22.8037 points, times 0.25.
    assert result.score == pytest.approx(22.8037 * 0.25, abs=1e-3)
    assert result.score < 10
    customer = attrs.evolve(internal, customer_facing=True)
    assert impact_score(lasting(bare(customer), timedelta(hours=2))).score == (
        pytest.approx(22.8037, abs=1e-3)
    )


def test_worst_case_scores_100():
    worst = Impact(
        revenue_impact="Critical",
        affected_users_percentage=100,
        affected_regions=("a", "b", "c", "d", "e"),
        data_integrity_risk=True,
        security_breach=True,
        customer_facing=True,
        degradation_type="FULL",
        workaround_available=False,
    )
    rec = bare(
        worst,
        affected_users=10**7,
        failed_transactions=10**6,
        revenue_impact_usd=10**7,
        data_loss=True,
    )
    result = impact_score(lasting(rec, timedelta(days=8)))
    assert all(part.value == 1.0 for part in result.components.values())
    assert result.score == 100.0


def test_duplicate_regions_count_once():
    rec = bare(Impact(affected_regions=("eu", "eu", "us")))
    assert impact_score(rec).components["regions"].value == 0.4  # 2 of 5


def test_unknown_labels_count_as_no_harm():
    rec = bare(Impact(revenue_impact="catastrophic", degradation_type="weird"))
    result = impact_score(rec)
    assert result.components["revenue_level"].value == 0.0
    assert result.components["degradation"].value == 0.0


def test_user_minutes_end_at_resolution_without_mitigation():
    rec = attrs.evolve(
        bare(affected_users=100),
        incident=attrs.evolve(bare().incident, resolved_at=START + timedelta(hours=1)),
    )
    result = impact_score(rec)
    # started = declared_at 10:00 → resolved 11:00: 100 users × 60 minutes.
    assert result.user_minutes == 6_000.0
    assert result.impact_duration == timedelta(hours=1)


def test_user_minutes_unknown_without_users_or_end():
    assert impact_score(lasting(bare(), timedelta(hours=1))).user_minutes is None
    assert impact_score(bare(affected_users=100)).user_minutes is None


def test_negative_duration_is_no_harm_but_kept_in_user_minutes():
    rec = lasting(bare(affected_users=10), timedelta(minutes=-30))
    result = impact_score(rec)
    assert result.components["duration"].value == 0.0
    # As the spans are: negative when the milestones are out of order.
    assert result.user_minutes == -300.0


def test_year_9999():
    last = datetime.max.replace(tzinfo=UTC)
    rec = attrs.evolve(
        bare(affected_users=2**63 - 1),
        incident=attrs.evolve(
            bare().incident, declared_at=datetime(1, 1, 1, tzinfo=UTC)
        ),
        events=(Event(timestamp=last, type=EventType.MITIGATION),),
    )
    result = impact_score(rec)
    assert result.components["duration"].value == 1.0
    assert result.user_minutes is not None
    assert math.isfinite(result.user_minutes)


# --- configuration -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: ImpactWeights(duration=-1.0), "duration: a weight must be"),
        (lambda: ImpactWeights(duration=math.nan), "duration: a weight must be"),
        (lambda: ImpactWeights(duration=math.inf), "duration: a weight must be"),
        (
            lambda: ImpactWeights(**dict.fromkeys(ImpactWeights().as_dict(), 0.0)),
            "at least one weight",
        ),
        (lambda: ImpactScales(users_decades=0), "users_decades: must be"),
        (lambda: ImpactScales(internal_factor=1.5), "internal_factor: must be"),
        (
            lambda: ImpactScales(duration_saturation=timedelta(0)),
            "duration_saturation: must be",
        ),
        (
            lambda: ImpactScales(revenue_levels={"huge": 2.0}),
            r"revenue_levels\['huge'\]",
        ),
    ],
)
def test_bad_configuration_is_rejected(build, message):
    with pytest.raises(ik.ValidationError, match=message):
        build()


def test_custom_scales():
    scales = ImpactScales(revenue_levels={"Huge": 1.0}, internal_factor=0.0)
    rec = bare(
        Impact(revenue_impact="huge", customer_facing=False, degradation_type="full")
    )
    result = impact_score(rec, policy=ik.Policy(impact_scales=scales))
    assert result.components["revenue_level"].value == 1.0
    assert result.components["degradation"].value == 0.0


# --- properties --------------------------------------------------------------------

LEVELS = [None, "odd", "none", "low", "medium", "high", "critical"]
DEGRADATIONS = [None, "odd", "partial", "full"]


def _more(value: float | None, extra: float, cap: float | None = None) -> float:
    grown = (value or 0) + extra
    return grown if cap is None else min(cap, grown)


def _customer(rec: IncidentRecord) -> CustomerImpact:
    if rec.resolution is None or rec.resolution.customer_impact is None:
        return CustomerImpact()
    return rec.resolution.customer_impact


def _with_customer(rec: IncidentRecord, **changes: Any) -> IncidentRecord:
    resolution = rec.resolution or Resolution()
    customer = attrs.evolve(_customer(rec), **changes)
    return attrs.evolve(
        rec, resolution=attrs.evolve(resolution, customer_impact=customer)
    )


def _with_impact(rec: IncidentRecord, **changes: Any) -> IncidentRecord:
    return attrs.evolve(rec, impact=attrs.evolve(rec.impact or Impact(), **changes))


def _later(label: str | None, order: list[str | None]) -> str | None:
    position = order.index(label) if label in order else 0
    return order[min(len(order) - 1, position + 1)]


def _harms(draw: st.DrawFn, rec: IncidentRecord) -> IncidentRecord:
    """The record with one harm grown."""
    impact = rec.impact or Impact()
    customer = _customer(rec)
    grow = draw(st.floats(min_value=0, max_value=1e9))
    count = draw(st.integers(min_value=0, max_value=10**12))
    harm = draw(st.integers(min_value=0, max_value=12))
    if harm == 0:
        share = _more(impact.affected_users_percentage, grow, 100)
        return _with_impact(rec, affected_users_percentage=share)
    if harm == 1:
        users = min(2**63 - 1, (customer.affected_users or 0) + count)
        return _with_customer(rec, affected_users=users)
    if harm == 2:
        regions = (*impact.affected_regions, f"new-{len(impact.affected_regions)}-x")
        return _with_impact(rec, affected_regions=regions)
    if harm == 3:
        worse = _later(impact.degradation_type, DEGRADATIONS)
        return _with_impact(rec, degradation_type=worse)
    if harm == 4:
        return _with_impact(rec, workaround_available=False)
    if harm == 5:
        return _with_impact(rec, revenue_impact=_later(impact.revenue_impact, LEVELS))
    if harm == 6:
        failed = min(2**63 - 1, (customer.failed_transactions or 0) + count)
        return _with_customer(rec, failed_transactions=failed)
    if harm == 7:
        return _with_customer(
            rec, revenue_impact_usd=_more(customer.revenue_impact_usd, grow)
        )
    if harm == 8:
        return _with_impact(rec, data_integrity_risk=True)
    if harm == 9:
        return _with_customer(rec, data_loss=True)
    if harm == 10:
        return _with_impact(rec, security_breach=True)
    if harm == 11:
        return _with_impact(rec, customer_facing=True)
    # Longer impact: the same record, mitigated later.
    return rec


@st.composite
def harm_pairs(draw: st.DrawFn) -> tuple[IncidentRecord, IncidentRecord]:
    # Only the incident, impact and resolution sections feed the score.
    base = IncidentRecord(
        incident=draw(incidents(recent_timestamps)),
        impact=draw(st.none() | impacts),
        resolution=draw(st.none() | resolutions(recent_timestamps)),
    )
    length = timedelta(seconds=draw(st.integers(min_value=0, max_value=10**7)))
    longer = length + timedelta(seconds=draw(st.integers(min_value=0, max_value=10**7)))
    if draw(st.booleans()):
        base = lasting(base, length)
        grown = _harms(draw, base)
        if grown is base:
            grown = lasting(base, longer)
        return base, grown
    return base, _harms(draw, base)


@given(harm_pairs())
def test_score_never_decreases_when_a_harm_grows(pair):
    before, after = pair
    first, then = impact_score(before).score, impact_score(after).score
    # Harm added to a record without impact data makes a score where there
    # was none; among scored records the score never decreases.
    assert then is not None or first is None
    if first is not None:
        assert then is not None
        assert then >= first


@given(records())
def test_any_record_any_year(rec):
    before = copy.deepcopy(rec)
    result = impact_score(rec)
    has_data = rec.impact is not None or (
        rec.resolution is not None and rec.resolution.customer_impact is not None
    )
    assert (result.score is not None) == has_data
    if result.score is not None:
        assert 0.0 <= result.score <= 100.0
        assert math.fsum(p.contribution for p in result.components.values()) == (
            pytest.approx(result.score, abs=1e-9)
        )
    for part in result.components.values():
        assert 0.0 <= part.value <= 1.0
        assert part.contribution >= 0.0
    assert result.user_minutes is None or math.isfinite(result.user_minutes)
    assert rec == before


def test_results_and_settings_pickle_and_copy():
    result = impact_score(ik.example())
    assert pickle.loads(pickle.dumps(result)) == result
    assert copy.deepcopy(result) == result
    scales = ImpactScales(revenue_levels={"Huge": 1.0})
    assert pickle.loads(pickle.dumps(scales)) == scales
    assert hash(scales) == hash(copy.deepcopy(scales))
    assert hash(ImpactWeights()) == hash(ImpactWeights())


def test_the_default_scales_cannot_change():
    with pytest.raises(TypeError):
        ImpactScales().revenue_levels["huge"] = 1.0


def test_huge_weights():
    with pytest.raises(ik.ValidationError, match="sum must be finite"):
        ImpactWeights(duration=1e308, security_breach=1e308)
    weights = ImpactWeights(**dict.fromkeys(ImpactWeights().as_dict(), 1e300))
    policy = ik.Policy(impact_weights=weights)
    result = impact_score(bare(Impact(security_breach=True)), policy=policy)
    # One component of twelve at 1: 100 / 12 points.
    assert result.score == pytest.approx(100 / 12)


# --- bad arguments --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"revenue_levels": {1: 0.5}},
            "revenue_levels[1]: a label must be a string (1)",
        ),
        (
            {"revenue_levels": ["high"]},
            "revenue_levels: expected a mapping of label to value (['high'])",
        ),
        (
            {"degradation_levels": 5},
            "degradation_levels: expected a mapping of label to value (5)",
        ),
    ],
)
def test_bad_scales_raise_validation_error(
    kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ik.ValidationError) as info:
        ImpactScales(**kwargs)
    assert info.value.errors == [message]


@pytest.mark.parametrize(
    ("rec", "policy", "message"),
    [
        ({}, ik.DEFAULT_POLICY, "rec: expected an IncidentRecord, got dict"),
        ("example", "x", "policy: expected a Policy, got str"),
        # The weights alone are no longer a policy: they go in one.
        ("example", ImpactWeights(), "policy: expected a Policy, got ImpactWeights"),
    ],
)
def test_impact_score_checks_its_arguments(
    rec: object, policy: object, message: str
) -> None:
    record = ik.example() if rec == "example" else rec
    with pytest.raises(ik.ValidationError) as info:
        impact_score(record, policy=policy)  # type: ignore[arg-type]
    assert info.value.errors == [message]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"impact_weights": "x"}, "impact_weights: expected an ImpactWeights, got str"),
        ({"impact_scales": "x"}, "impact_scales: expected an ImpactScales, got str"),
        ({"milestones": "x"}, "milestones: expected a MilestonePolicy, got str"),
    ],
)
def test_the_policy_checks_the_impact_rules(
    kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ik.ValidationError) as info:
        ik.Policy(**kwargs)
    assert info.value.errors == [message]
