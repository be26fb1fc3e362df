from __future__ import annotations

import copy
import pickle
from datetime import datetime, timedelta, timezone

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import incidentkit as ik
from incidentkit.figures.communications import (
    DEFAULT_MAX_GAP_BY_LEVEL,
    CommunicationPolicy,
    Gap,
    Promise,
    parse_promise,
)
from incidentkit.figures.incident import communications_summary
from incidentkit.records.schema import (
    Communication,
    Event,
    EventType,
    Incident,
    IncidentRecord,
)
from strategies import records

UTC = timezone.utc


def at(hour: int, minute: int) -> datetime:
    return datetime(2024, 1, 15, hour, minute, tzinfo=UTC)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def external(moment: datetime, message: str | None = None) -> Communication:
    return Communication(timestamp=moment, audience="external", message=message)


def record(
    *messages: Communication, severity: str = "SEV2", declared: datetime | None = None
) -> IncidentRecord:
    incident = Incident(
        id="INC-1",
        title="t",
        severity=severity,
        status="resolved",
        declared_at=declared or at(10, 0),
        resolved_at=at(12, 0),
    )
    return IncidentRecord(incident=incident, communications=messages)


# --- the example ----------------------------------------------------------------


def test_example_summary():
    summary = communications_summary(ik.example())
    assert summary.source == "communications"
    # The internal exec message at 14:35 (index 1) is not an update.
    assert summary.external_updates == (at(14, 30), at(14, 45), at(15, 20), at(16, 50))
    assert summary.external_indices == (0, 2, 3, 4)
    assert summary.time_to_first_update == minutes(7)  # declared 14:23 → 14:30
    # 14:30 → 14:45, 14:45 → 15:20, 15:20 → 16:50 (after the resolution: counts).
    assert summary.gaps == (minutes(15), minutes(35), minutes(90))


def test_example_promises():
    summary = communications_summary(ik.example())
    kept, broken = summary.promises
    # 14:30 "update within 15 minutes": due 14:45, the next came at 14:45 exactly.
    assert (kept.made_at, kept.promised_by, kept.next_update_at) == (
        at(14, 30),
        at(14, 45),
        at(14, 45),
    )
    assert kept.broken is False
    assert (kept.index, kept.source, kept.delay) == (0, "communications", minutes(15))
    # 14:45 "Next update in 15 minutes": due 15:00, the next came at 15:20.
    assert (broken.made_at, broken.promised_by, broken.next_update_at) == (
        at(14, 45),
        at(15, 0),
        at(15, 20),
    )
    assert broken.broken is True
    assert broken.index == 2
    assert broken.message is not None
    assert broken.message.endswith("Next update in 15 minutes.")
    assert summary.broken_promises == (broken,)
    # 16:50 promises an incident report within 48 hours, not an update: no
    # promise, so three updates but two promises.


def test_example_long_gaps_for_sev1():
    summary = communications_summary(ik.example())
    # SEV1 allows 30 minutes: the 35- and 90-minute gaps are too long.
    assert summary.long_gaps == (
        Gap(at(14, 45), at(15, 20), minutes(35), minutes(30), 3, "communications"),
        Gap(at(15, 20), at(16, 50), minutes(90), minutes(30), 4, "communications"),
    )
    lenient = CommunicationPolicy(max_gap_by_level={1: minutes(90)})
    policy = ik.Policy(communications=lenient)
    # 90 minutes is not longer than 90 minutes.
    assert communications_summary(ik.example(), policy=policy).long_gaps == ()


def test_example_without_communications_section_uses_status_page_events():
    rec = attrs.evolve(ik.example(), communications=None)
    summary = communications_summary(rec)
    assert summary.source == "events"
    # The four status_page communication events: 14:30, 14:45, 15:20, 16:50.
    assert summary.external_updates == (at(14, 30), at(14, 45), at(15, 20), at(16, 50))
    assert summary.external_indices == (6, 9, 13, 17)
    assert summary.time_to_first_update == minutes(7)
    assert summary.gaps == (minutes(15), minutes(35), minutes(90))
    # The event descriptions promise nothing.
    assert summary.promises == ()
    assert [gap.source for gap in summary.long_gaps] == ["events", "events"]
    assert [gap.index for gap in summary.long_gaps] == [13, 17]


def test_fallback_events_need_the_status_page_channel():
    rec = attrs.evolve(
        ik.example(),
        communications=None,
        events=(
            Event(
                timestamp=at(14, 30),
                type=EventType.COMMUNICATION,
                description="Next update in 10 minutes.",
                metadata={"channel": "Status_Page"},
            ),
            Event(
                timestamp=at(14, 35),
                type=EventType.COMMUNICATION,
                metadata={"channel": "slack"},
            ),
            Event(
                timestamp=at(14, 38),
                type=EventType.INVESTIGATION,
                metadata={"channel": "status_page"},
            ),
            Event(
                timestamp=at(14, 50),
                type=EventType.COMMUNICATION,
                metadata={"channel": "status_page"},
            ),
        ),
    )
    summary = communications_summary(rec)
    assert summary.external_updates == (at(14, 30), at(14, 50))
    assert summary.external_indices == (0, 3)
    (promise,) = summary.promises
    # Due 14:40, the next came at 14:50.
    assert (promise.source, promise.index, promise.broken) == ("events", 0, True)


# --- records with few or odd communications -----------------------------------------


def test_empty_communications_section_does_not_fall_back():
    rec = attrs.evolve(ik.example(), communications=())
    summary = communications_summary(rec)
    assert summary.external_updates == ()
    assert summary.source is None
    assert summary.time_to_first_update is None
    assert summary.gaps == summary.promises == summary.long_gaps == ()


def test_internal_messages_are_not_updates():
    rec = record(
        Communication(timestamp=at(10, 5), audience="internal", message="in 1 hour"),
        Communication(timestamp=at(10, 6), message="no audience"),
        Communication(timestamp=at(10, 7), audience=" External ", message="hi"),
    )
    summary = communications_summary(rec)
    assert summary.external_updates == (at(10, 7),)
    assert summary.external_indices == (2,)
    assert summary.gaps == ()
    assert summary.time_to_first_update == minutes(7)  # 10:00 → 10:07


def test_promises_kept_broken_and_unjudged():
    rec = record(
        external(at(10, 10), "Next update in 30 minutes."),  # due 10:40
        external(at(10, 40), "We will post an update within 1 hour."),  # due 11:40
        external(at(11, 41), "Next update in 15 minutes."),  # due 11:56, last
    )
    summary = communications_summary(rec)
    assert [p.broken for p in summary.promises] == [False, True, None]
    assert [p.promised_by for p in summary.promises] == [
        at(10, 40),
        at(11, 40),
        at(11, 56),
    ]
    assert summary.promises[2].next_update_at is None
    # 10:40 → 11:41 is one minute late.
    assert summary.broken_promises == (summary.promises[1],)


def test_updates_after_resolution_count():
    rec = record(
        external(at(11, 50), "Next update in 15 minutes."),  # due 12:05
        external(at(12, 30), "Resolved."),  # after resolved_at 12:00
    )
    summary = communications_summary(rec)
    assert summary.gaps == (minutes(40),)
    assert summary.promises[0].broken is True


def test_unsorted_communications_are_taken_in_time_order():
    rec = record(
        external(at(11, 0), "Resolved."),
        Communication(timestamp=at(10, 20), audience="internal"),
        external(at(10, 15), "Next update in 30 minutes."),  # due 10:45
        external(at(10, 30), "Still investigating."),
    )
    summary = communications_summary(rec)
    assert summary.external_updates == (at(10, 15), at(10, 30), at(11, 0))
    assert summary.external_indices == (2, 3, 0)
    assert summary.gaps == (minutes(15), minutes(30))
    (promise,) = summary.promises
    assert (promise.index, promise.next_update_at, promise.broken) == (
        2,
        at(10, 30),
        False,
    )


def test_equal_timestamps_keep_record_order():
    rec = record(
        external(at(10, 15), "Next update in 10 minutes."),
        external(at(10, 15), "Correction: next update in 10 minutes."),
    )
    summary = communications_summary(rec)
    assert summary.external_indices == (0, 1)
    assert summary.gaps == (timedelta(0),)
    assert [p.broken for p in summary.promises] == [False, None]


def test_update_before_declaration_gives_negative_time():
    rec = record(external(at(9, 55)), declared=at(10, 0))
    assert communications_summary(rec).time_to_first_update == minutes(-5)


def test_offsets(example_doc):
    doc = copy.deepcopy(example_doc)
    # 14:45Z written as 09:45-05:00.
    doc["communications"][2]["timestamp"] = "2024-01-15T09:45:00-05:00"
    summary = communications_summary(ik.from_dict(doc))
    assert summary.external_updates[1] == at(14, 45)
    assert summary.gaps == (minutes(15), minutes(35), minutes(90))


def test_promise_beyond_the_last_datetime():
    last = datetime.max.replace(tzinfo=UTC)
    late = last - minutes(30)  # 9999-12-31 23:29:59.999999
    rec = record(
        external(late, "Next update in 2 hours."),
        declared=datetime(9999, 12, 31, tzinfo=UTC),
    )
    (promise,) = communications_summary(rec).promises
    assert promise.promised_by == last
    assert promise.broken is None
    rec = attrs.evolve(rec, communications=(*rec.communications, external(last)))
    (promise,) = communications_summary(rec).promises
    # The next update came before a moment past the end of time: kept.
    assert promise.broken is False


def test_year_one():
    first = datetime(1, 1, 1, tzinfo=UTC)
    rec = record(
        external(first, "Next update in 5 minutes."),
        external(first + minutes(6)),
        declared=first + minutes(1),
    )
    summary = communications_summary(rec)
    assert summary.time_to_first_update == minutes(-1)
    assert summary.promises[0].broken is True


# --- policy ------------------------------------------------------------------------


def test_default_limits():
    assert dict(DEFAULT_MAX_GAP_BY_LEVEL) == {
        0: minutes(30),
        1: minutes(30),
        2: minutes(60),
        3: minutes(120),
    }
    policy = CommunicationPolicy()
    assert policy.max_gap(4) is None
    assert policy.max_gap(None) is None


def test_unknown_severity_has_no_limit():
    rec = record(external(at(10, 0)), external(at(15, 0)), severity="whatever")
    summary = communications_summary(rec)
    assert summary.gaps == (minutes(300),)
    assert summary.long_gaps == ()


def test_custom_audiences_and_milestone_policy():
    from incidentkit.figures.timeline import DEFAULT_MILESTONE_POLICY, EarliestEvent

    rec = attrs.evolve(
        record(
            Communication(timestamp=at(10, 30), audience="customers"),
            external(at(10, 40)),
        ),
        events=(Event(timestamp=at(10, 20), type=EventType.DECLARATION),),
    )
    policy = ik.Policy(
        communications=CommunicationPolicy(external_audiences={"Customers"}),
        milestones=attrs.evolve(
            DEFAULT_MILESTONE_POLICY, declared=(EarliestEvent("declaration"),)
        ),
    )
    summary = communications_summary(rec, policy=policy)
    assert summary.external_updates == (at(10, 30),)
    assert summary.time_to_first_update == minutes(10)  # 10:20 → 10:30


@pytest.mark.parametrize("limit", [timedelta(0), minutes(-5), 30])
def test_bad_limits_are_rejected(limit):
    with pytest.raises(ik.ValidationError, match=r"max_gap_by_level\[1\]"):
        CommunicationPolicy(max_gap_by_level={1: limit})


# --- parse_promise -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("within 15 minutes", minutes(15)),
        ("next update in 30 minutes", minutes(30)),
        ("in 1 hour", minutes(60)),
        ("We will provide an update within 15 minutes.", minutes(15)),
        ("We'll post another update within 30 minutes.", minutes(30)),
        ("We’ll post another update within 30 minutes.", minutes(30)),
        ("Next update in 15 mins.", minutes(15)),
        ("Next update: 20 min", minutes(20)),
        ("NEXT UPDATE IN 2 HOURS", minutes(120)),
        ("We will update within the next hour.", minutes(60)),
        ("We will provide a more detailed status update within an hour.", minutes(60)),
        ("Updates every 45 minutes until resolved.", minutes(45)),
        ("We will update in half an hour.", minutes(30)),
        ("Another update in an hour and a half.", minutes(90)),
        ("Update in 1 hour and 30 minutes.", minutes(90)),
        ("Update in 1.5 hours.", minutes(90)),
        ("Update in fifteen minutes.", minutes(15)),
        ("Update in forty-five minutes.", minutes(45)),
        ("We will post an update within 15-30 minutes.", minutes(30)),
        ("Update in 1 day.", minutes(24 * 60)),
        ("Update in less than 10 minutes.", minutes(10)),
        # The stated time nearest after "update" wins.
        ("Recovery within 2 hours; we will update you in 30 minutes.", minutes(30)),
        ("Recovery within 2 hours, we will update you in 30 minutes.", minutes(30)),
        ("Fixed soon. Next update in 10 minutes.", minutes(10)),
        ("in   1\n hour", None),  # the line break ends the sentence
        ("in   1   hour", minutes(60)),
        # Times of other things, vague times, no times.
        ("We expect service to be back in 15 minutes.", None),
        ("We will publish a full incident report within 48 hours.", None),
        ("We will send another update in a few minutes.", None),
        ("Updates made in the last 30 minutes may be missing.", None),
        ("Maintenance starting in ten minutes.", None),
        ("Update in 2 months.", None),
        ("Next update soon.", None),
        ("", None),
        (None, None),
        # Longer than any timedelta.
        ("Update in 99999999999999 days.", None),
        ("Update in " + "9" * 400 + " days.", None),
    ],
)
def test_parse_promise(text, expected):
    assert parse_promise(text) == expected


def test_parse_promise_is_fast_on_long_blank_runs():
    # A catastrophic backtracking pattern would take minutes on these.
    assert parse_promise("update in 1" + " " * 50_000 + "-") is None
    assert parse_promise("update in 1 - " * 10_000) is None


# --- properties ----------------------------------------------------------------------


@given(records())
def test_any_record_any_year(rec):
    before = copy.deepcopy(rec)
    summary = communications_summary(rec)
    updates = summary.external_updates
    assert list(updates) == sorted(updates)
    assert len(summary.external_indices) == len(updates)
    assert len(summary.gaps) == max(0, len(updates) - 1)
    if len(updates) > 1:
        assert sum(summary.gaps, timedelta(0)) == updates[-1] - updates[0]
    assert set(summary.broken_promises) <= set(summary.promises)
    assert all(p.broken for p in summary.broken_promises)
    assert all(
        gap.limit is not None and gap.length > gap.limit for gap in summary.long_gaps
    )
    assert rec == before


@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=600),
            st.sampled_from([None, 10, 15, 30, 60]),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_promises_match_a_plain_reading(plan):
    # Each step: minutes after 10:00 and the promised minutes (None: no promise).
    messages = [
        external(
            at(10, 0) + minutes(offset),
            None if promised is None else f"Next update in {promised} minutes.",
        )
        for offset, promised in plan
    ]
    summary = communications_summary(record(*messages))
    ordered = sorted(plan, key=lambda step: step[0])
    expected = []
    for position, (offset, promised) in enumerate(ordered):
        if promised is None:
            continue
        following = ordered[position + 1][0] if position + 1 < len(ordered) else None
        expected.append(None if following is None else following > offset + promised)
    assert [p.broken for p in summary.promises] == expected


def test_results_and_policies_pickle_and_copy():
    summary = communications_summary(ik.example())
    assert pickle.loads(pickle.dumps(summary)) == summary
    policy = CommunicationPolicy(max_gap_by_level={1: minutes(10)})
    assert pickle.loads(pickle.dumps(policy)) == policy
    assert copy.deepcopy(policy) == policy
    assert hash(policy) == hash(copy.deepcopy(policy))


def test_policy_keeps_its_own_copy_of_the_limits():
    limits = {1: minutes(10)}
    policy = CommunicationPolicy(max_gap_by_level=limits)
    limits[1] = minutes(90)
    assert policy.max_gap(1) == minutes(10)


def test_custom_severity_labels():
    from incidentkit.records.labels import SeverityLabels

    rec = record(external(at(10, 0)), external(at(10, 45)), severity="Catastrophe")
    assert communications_summary(rec).long_gaps == ()
    policy = ik.Policy(severity_labels=SeverityLabels(names={"catastrophe": 0}))
    # SEV0 allows 30 minutes; the gap is 45.
    summary = communications_summary(rec, policy=policy)
    assert [g.length for g in summary.long_gaps] == [minutes(45)]
    # The labels live in the Policy only, read by every rule alike.
    assert not hasattr(CommunicationPolicy(), "severity_labels")


def test_promise_delay_defaults_to_its_span():
    promise = Promise(at(10, 0), at(10, 30), None, None, 0, "communications", None)
    assert promise.delay == minutes(30)


def test_the_default_policy_cannot_change():
    with pytest.raises(TypeError):
        CommunicationPolicy().max_gap_by_level[1] = minutes(1)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        CommunicationPolicy().max_gap_by_level = {}


# --- bad arguments --------------------------------------------------------------------


def test_a_lone_audience_or_channel_is_one_value() -> None:
    policy = CommunicationPolicy(
        external_audiences="External", fallback_channels="status_page"
    )
    assert policy.external_audiences == frozenset({"external"})
    assert policy.fallback_channels == frozenset({"status_page"})
    # The example's audiences: external, internal, external ×3 → indices 0, 2-4.
    summary = communications_summary(
        ik.example(), policy=ik.Policy(communications=policy)
    )
    assert summary.external_indices == (0, 2, 3, 4)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"max_gap_by_level": 5},
            "max_gap_by_level: expected a mapping of severity level to timedelta (5)",
        ),
        (
            {"max_gap_by_level": {"1": timedelta(hours=1)}},
            "max_gap_by_level['1']: a severity level must be an int ('1')",
        ),
        (
            {"max_gap_by_level": {"SEV1": timedelta(hours=1)}},
            "max_gap_by_level['SEV1']: a severity level must be an int ('SEV1')",
        ),
        (
            {"external_audiences": [5]},
            "external_audiences: every item must be a string (5)",
        ),
        (
            {"fallback_channels": None},
            "fallback_channels: expected a string or a collection of strings (None)",
        ),
    ],
)
def test_bad_policy_arguments_raise_validation_error(
    kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ik.ValidationError) as info:
        CommunicationPolicy(**kwargs)  # type: ignore[arg-type]
    assert info.value.errors == [message]


@pytest.mark.parametrize(
    ("rec", "kwargs", "message"),
    [
        ("x", {}, "rec: expected an IncidentRecord, got str"),
        ({}, {}, "rec: expected an IncidentRecord, got dict"),
        ("example", {"policy": "x"}, "policy: expected a Policy, got str"),
        # The cadence rules alone are no longer a policy: they go in one.
        (
            "example",
            {"policy": CommunicationPolicy()},
            "policy: expected a Policy, got CommunicationPolicy",
        ),
    ],
)
def test_communications_summary_checks_its_arguments(
    rec: object, kwargs: dict[str, object], message: str
) -> None:
    record = ik.example() if rec == "example" else rec
    with pytest.raises(ik.ValidationError) as info:
        communications_summary(record, **kwargs)  # type: ignore[arg-type]
    assert info.value.errors == [message]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"severity_labels": "x"},
            "severity_labels: expected a SeverityLabels, got str",
        ),
        (
            {"communications": "x"},
            "communications: expected a CommunicationPolicy, got str",
        ),
        ({"milestones": "x"}, "milestones: expected a MilestonePolicy, got str"),
    ],
)
def test_the_policy_checks_the_cadence_rules(
    kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ik.ValidationError) as info:
        ik.Policy(**kwargs)  # type: ignore[arg-type]
    assert info.value.errors == [message]


@pytest.mark.parametrize("text", [5, b"in 1 hour", ["in 1 hour"]])
def test_parse_promise_rejects_non_text(text: object) -> None:
    with pytest.raises(ik.ValidationError) as info:
        parse_promise(text)  # type: ignore[arg-type]
    assert info.value.errors == [
        f"text: expected a string or None, got {type(text).__name__}"
    ]


def test_parse_promise_of_empty_text_is_none() -> None:
    assert parse_promise(None) is None
    assert parse_promise("") is None


@pytest.mark.parametrize(
    "text",
    [
        "Next update within the hour.",
        "Next update within the next hour.",
        "We will post an update within the hour.",
        "WITHIN THE HOUR we will post an update.",
    ],
)
def test_within_the_hour_promises_an_hour(text: str) -> None:
    assert parse_promise(text) == timedelta(hours=1)


@pytest.mark.parametrize(
    "text",
    [
        # A time for something else, not for an update.
        "Within the hour we expect a full recovery.",
        # "in the hour" says when, not by when.
        "In the hour before, errors rose.",
    ],
)
def test_the_hour_without_a_promise_is_none(text: str) -> None:
    assert parse_promise(text) is None


# --- case-folding specials -------------------------------------------------------


def _folds_to_ascii_letter(char: str) -> bool:
    if char.isascii():
        return False
    return any(
        len(form) == 1 and form.isascii() and form.isalpha()
        for form in (char.lower(), char.upper(), char.casefold())
    )


# Every character that a Unicode case-insensitive match takes for an ASCII
# letter: "ſ" (long s) for s, "ı" (dotless i) and "İ" for i, "K" (Kelvin) for k.
_FOLDING = [
    chr(code)
    for code in range(0x80, 0x3_0000)
    if not 0xD800 <= code <= 0xDFFF and _folds_to_ascii_letter(chr(code))
]


def test_folding_specials_are_known() -> None:
    assert {"\u017f", "\u0131", "\u212a"} <= set(_FOLDING)


@pytest.mark.parametrize("special", _FOLDING)
@pytest.mark.parametrize(
    "phrase",
    [
        "Next update in six minutes.",
        "Next update in five minutes.",
        "We will post an update within forty-five minutes.",
        "Update in half an hour.",
        "Next update: thirty minutes",
    ],
)
def test_promise_with_folding_specials_never_raises(phrase: str, special: str) -> None:
    # Each letter the special folds to is replaced everywhere in the phrase:
    # the number word no longer spells an English word in ASCII, so no
    # promise is read from it (but the digits and other words still count).
    target = next(
        form
        for form in (special.lower(), special.upper(), special.casefold())
        if len(form) == 1 and form.isascii()
    ).lower()
    text = phrase.replace(target, special).replace(target.upper(), special)
    result = parse_promise(text)
    assert result is None or isinstance(result, timedelta)


def test_promise_with_long_s_is_not_a_number() -> None:
    assert parse_promise("Next update in \u017fix minutes.") is None
    assert parse_promise("Next update in f\u0131ve minutes.") is None
    assert parse_promise("Next update in six minutes.") == minutes(6)


def test_check_and_summary_hold_on_folding_specials() -> None:
    rec = ik.example()
    message = Communication(
        timestamp=rec.incident.declared_at,
        channel="status_page",
        audience="customers",
        message="Investigating. Next update in \u017fix minutes, or f\u0131ve.",
    )
    odd = attrs.evolve(rec, communications=[*rec.communications, message])
    assert communications_summary(odd) is not None
    assert isinstance(ik.check(odd), list)
