"""How an incident was communicated to customers: speed, cadence, promises.

The *external updates* of a record are its ``communications`` entries whose
``audience`` is ``external``; internal messages are not updates. A record
without a ``communications`` section (``None``, not an empty list) uses its
``communication`` events whose ``metadata.channel`` is ``status_page``
instead, with the event's ``description`` as the message.

Updates are taken in time order (records need not be sorted; equal
timestamps keep their order in the record). From them:

* ``time_to_first_update``: ``declared`` → the first external update;
* ``gaps``: from each external update to the next;
* ``promises``: updates that state when the next one will come ("next update
  in 30 minutes"), each kept or broken by the moment of the next update;
* ``long_gaps``: gaps longer than the policy allows for the record's
  severity level.

Communications after the resolution count like any other.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from types import MappingProxyType
from typing import Any, Final, Literal

import attrs

from incidentkit import _display
from incidentkit._args import mapping, texts, whole_keys
from incidentkit._frozen import FrozenMapping
from incidentkit.errors import ValidationError
from incidentkit.records.schema import EventType, IncidentRecord

__all__ = [
    "DEFAULT_MAX_GAP_BY_LEVEL",
    "CommunicationPolicy",
    "CommunicationsSummary",
    "Gap",
    "Promise",
    "parse_promise",
    "summarise_updates",
]

Source = Literal["communications", "events"]

# --- promises -------------------------------------------------------------------

_NUMBER_WORDS: Final = {
    "a": 1.0,
    "an": 1.0,
    "one": 1.0,
    "two": 2.0,
    "three": 3.0,
    "four": 4.0,
    "five": 5.0,
    "six": 6.0,
    "seven": 7.0,
    "eight": 8.0,
    "nine": 9.0,
    "ten": 10.0,
    "eleven": 11.0,
    "twelve": 12.0,
    "fifteen": 15.0,
    "twenty": 20.0,
    "thirty": 30.0,
    "forty-five": 45.0,
    "forty five": 45.0,
    "forty": 40.0,
    "fifty": 50.0,
    "sixty": 60.0,
    "ninety": 90.0,
    "half an": 0.5,
    "half a": 0.5,
    "half": 0.5,
}
_UNIT_SECONDS: Final = {"m": 60.0, "h": 3600.0, "d": 86400.0}
# ASCII: under Unicode case-folding "ſix" (long s) and "fıve" (dotless i)
# match the words "six" and "five", whose lowercase forms are then not keys of
# _NUMBER_WORDS. The words and units are English; only their ASCII spelling
# counts, so that every match is a key of the tables below.
_FLAGS: Final = re.IGNORECASE | re.ASCII

# Longest words first, so that "forty-five" is not read as "forty".
_NUMBER: Final = r"\d+(?:\.\d+)?|" + "|".join(
    re.escape(word).replace(r"\ ", r"\s+")
    for word in sorted(_NUMBER_WORDS, key=len, reverse=True)
)
_UNIT: Final = r"(?:minutes?|mins?|m|hours?|hrs?|h|days?)"
# One amount of one unit; a range ("15-30 minutes") keeps its upper end.
# "(?:\s*-)?\s*", not "\s*-?\s*": two optional runs of blanks next to each
# other could split one run in every way, which is quadratic in its length.
_TERM_TEXT: Final = (
    rf"(?:{_NUMBER})(?:\s*(?:-|–|to|or)\s*(?:{_NUMBER}))?"
    rf"(?:\s*-)?\s*{_UNIT}\b(?:\s+and\s+a\s+half)?"
)
# "(?<!\d)": a search must not start a number inside another, or each of a
# run's digits would start a scan to its end (quadratic in the run's length).
_TERM: Final = re.compile(
    rf"(?<!\d)(?P<low>{_NUMBER})(?:\s*(?:-|–|to|or)\s*(?P<high>{_NUMBER}))?"
    rf"(?:\s*-)?\s*(?P<unit>{_UNIT})\b(?P<half>\s+and\s+a\s+half)?",
    _FLAGS,
)
_HEDGE: Final = (
    r"(?:(?:the\s+)?next|less\s+than|no\s+more\s+than|no\s+later\s+than|under|"
    r"about|approximately|approx\.?|roughly|around|at\s+most|up\s+to)\s+"
)
# "within"/"in"/"every", hedges, then one or two terms ("1 hour and 30
# minutes"), or a unit alone after "next" ("within the next hour") or after
# "within the" ("within the hour"); not after "in the", which as often says
# when something happened ("in the hour before").
_DURATION: Final = re.compile(
    r"(?:\b(?:within|in|every)\s+|\bnext\s+update\s*[:\-–]\s*)"
    rf"(?:{_HEDGE})*"
    rf"(?:(?P<terms>{_TERM_TEXT}(?:(?:\s*,)?\s*(?:and\s+)?{_TERM_TEXT})?)"
    r"|(?:(?<=next\s)|(?<=within\s)the\s+)(?P<bare>minute|hour|day)\b)",
    _FLAGS,
)
# Words saying that what comes at the stated time is another message, not a
# fix: "we will post an update in 1 hour" promises, "we expect to be back in 1
# hour" does not.
_UPDATE_WORDS: Final = re.compile(
    r"\b(?:updat\w*|post\w*|check\s+(?:back|in)|report\s+back|"
    r"(?:more|further)\s+(?:information|details|news))\b",
    _FLAGS,
)
_SENTENCE_END: Final = re.compile(r"(?<=[.!?;])\s+|\n+")
_NON_WORDS: Final = re.compile(r"[\W_]+")
_MAX_SECONDS: Final = timedelta.max.total_seconds()


def _amount(word: str) -> float:
    text = " ".join(word.lower().split())
    return float(text) if text[0].isdigit() else _NUMBER_WORDS[text]


def _term_seconds(term: re.Match[str]) -> float:
    amount = _amount(term["high"] or term["low"])
    if term["half"]:
        amount += 0.5
    return amount * _UNIT_SECONDS[term["unit"][0].lower()]


def _duration_seconds(match: re.Match[str]) -> float:
    if match["bare"]:
        return _UNIT_SECONDS[match["bare"][0].lower()]
    return math.fsum(_term_seconds(term) for term in _TERM.finditer(match["terms"]))


def _promise_in(sentence: str) -> float | None:
    found = list(_DURATION.finditer(sentence))
    if not found:
        return None
    update = _UPDATE_WORDS.search(sentence)
    if update is not None:
        # The stated time nearest after "update" is the update's; failing
        # that, the last one before it ("within the hour we will update").
        after = [match for match in found if match.start() >= update.start()]
        return _duration_seconds(after[0] if after else found[-1])
    # A sentence that is nothing but the stated time ("In 1 hour.") promises
    # the next update by the same convention as a status page's footer.
    rest = sentence[: found[0].start()] + sentence[found[0].end() :]
    if _NON_WORDS.sub("", rest):
        return None
    return _duration_seconds(found[0])


def parse_promise(text: str | None) -> timedelta | None:
    """The delay a message promises its next update within, if it states one.

    A sentence promises the next update when it states a time ("within 15
    minutes", "in 1 hour", "in the next 30 minutes", "every 30 minutes",
    "next update: 20 minutes") and either speaks of an update or a post
    ("update", "post", "check back", "more information") or is nothing but
    that time ("In 1 hour."). A time for something else ("we expect to be
    back in 15 minutes", "a full incident report within 48 hours") is no
    promise, nor is a vague one ("in a few minutes"). Amounts may be digits
    or words ("an hour", "fifteen minutes", "half an hour", "an hour and a
    half"); a range keeps its upper end ("15-30 minutes" is 30 minutes).
    The first promising sentence counts.

    Args:
        text: The message.

    Returns:
        The promised delay, or ``None`` when the text makes no promise (or
        one too long for a ``timedelta``).

    Example:
        >>> parse_promise("Investigating. Next update in 30 minutes.")
        datetime.timedelta(seconds=1800)
        >>> parse_promise("We will provide an update within 15 minutes.")
        datetime.timedelta(seconds=900)
        >>> parse_promise("in 1 hour")
        datetime.timedelta(seconds=3600)
        >>> parse_promise("We expect service to be back in 15 minutes.") is None
        True

    Raises:
        ValidationError: When ``text`` is neither a string nor ``None``.
    """
    if text is None:
        return None
    if not isinstance(text, str):
        raise ValidationError(
            [f"text: expected a string or None, got {type(text).__name__}"]
        )
    for sentence in _SENTENCE_END.split(text):
        # One space between words keeps the patterns' optional spaces from
        # backtracking quadratically over long runs of blanks.
        seconds = _promise_in(" ".join(sentence.split()))
        if seconds is not None:
            if not seconds <= _MAX_SECONDS:
                return None
            return timedelta(seconds=seconds)
    return None


# --- policy and results -----------------------------------------------------------


def _copied_gaps(value: Mapping[int, timedelta]) -> Mapping[int, timedelta]:
    parameter = "max_gap_by_level"
    gaps = mapping(value, parameter, "severity level to timedelta")
    # "1" or "SEV1" would never equal a level: the limit would never apply.
    whole_keys(gaps, parameter)
    # A frozen copy: a caller's later change to its dict must not reach the
    # policy, and the default policy is shared by every call.
    return FrozenMapping.of(gaps)


def _positive(limit: object) -> bool:
    return isinstance(limit, timedelta) and limit > timedelta(0)


def _valid_gaps(
    _: Any, attribute: attrs.Attribute[Any], value: Mapping[int, timedelta]
) -> None:
    problems = [
        f"{attribute.name}[{level!r}]: a gap limit must be a positive timedelta "
        f"({limit!r})"
        for level, limit in value.items()
        if not _positive(limit)
    ]
    if problems:
        raise ValidationError(problems)


def _lower_set(value: Any, parameter: str) -> frozenset[str]:
    return frozenset(item.strip().casefold() for item in texts(value, parameter))


def _audiences(value: Any) -> frozenset[str]:
    return _lower_set(value, "external_audiences")


def _channels(value: Any) -> frozenset[str]:
    return _lower_set(value, "fallback_channels")


#: Longest acceptable gap between external updates, by severity level.
#:
#: Atlassian's Statuspage guidance ("Incident communication tips") asks for
#: updates every 30 minutes "or whatever cadence is appropriate", which fits
#: the incidents customers feel most: SEV0 and SEV1. Each level below
#: doubles the limit, since a smaller incident draws fewer readers and
#: changes less between updates. Levels below SEV3 have no limit: such
#: incidents are often not published at all.
DEFAULT_MAX_GAP_BY_LEVEL: Final[Mapping[int, timedelta]] = MappingProxyType(
    {
        0: timedelta(minutes=30),
        1: timedelta(minutes=30),
        2: timedelta(hours=1),
        3: timedelta(hours=2),
    }
)


@attrs.frozen
class CommunicationPolicy:
    """What counts as an external update and how often one is expected.

    Attributes:
        max_gap_by_level: Severity level → longest acceptable gap between
            consecutive external updates; a level missing from the mapping
            (or an unknown severity) has no limit. Defaults to
            :data:`DEFAULT_MAX_GAP_BY_LEVEL`. Keys are numeric levels (ints);
            a label such as ``"SEV1"`` is rejected, since it would never
            match a level.
        external_audiences: ``communications[].audience`` values that mean a
            customer-facing message (compared case-insensitively).
        fallback_channels: ``metadata.channel`` values of ``communication``
            events that count as external updates when the record has no
            ``communications`` section. For both, a lone string is one value.

    Example:
        >>> policy = CommunicationPolicy(max_gap_by_level={1: timedelta(hours=1)})
        >>> policy.max_gap(1), policy.max_gap(None)
        (datetime.timedelta(seconds=3600), None)

    Raises:
        ValidationError: When a limit is not a positive timedelta, a level
            not an int, or an audience or channel not a string.
    """

    max_gap_by_level: Mapping[int, timedelta] = attrs.field(
        default=DEFAULT_MAX_GAP_BY_LEVEL,
        converter=_copied_gaps,
        validator=_valid_gaps,
    )
    external_audiences: frozenset[str] = attrs.field(
        default=frozenset({"external"}), converter=_audiences
    )
    fallback_channels: frozenset[str] = attrs.field(
        default=frozenset({"status_page"}), converter=_channels
    )

    def max_gap(self, level: int | None) -> timedelta | None:
        """The longest acceptable gap at a severity level, or ``None``."""
        return None if level is None else self.max_gap_by_level.get(level)


@attrs.frozen
class Promise:
    """An update that promised the next one within a stated time.

    Attributes:
        made_at: When the promising update went out.
        promised_by: ``made_at + delay``, the latest moment that keeps the
            promise (``datetime.max`` in UTC when that lies beyond it).
        next_update_at: When the next external update went out, or ``None``.
        broken: ``True`` when the next update came strictly after
            :attr:`promised_by`, ``False`` when it came at or before it,
            ``None`` (not judged) when no update followed.
        index: Position of the promising message in ``rec.communications``
            (or in ``rec.events`` when :attr:`source` is ``"events"``).
        source: ``"communications"`` or ``"events"``.
        message: The message's text.
        delay: The promised delay (by default ``promised_by - made_at``).
    """

    made_at: datetime
    promised_by: datetime
    next_update_at: datetime | None
    broken: bool | None
    index: int
    source: Source
    message: str | None
    delay: timedelta = attrs.field()

    @delay.default
    def _promised_delay(self) -> timedelta:
        return self.promised_by - self.made_at


@attrs.frozen
class Gap:
    """The time between two consecutive external updates.

    Attributes:
        start: The earlier update.
        end: The later update.
        length: ``end - start``.
        limit: The policy's limit for the record's severity, if any.
        index: Position of the message that ends the gap, in
            ``rec.communications`` or ``rec.events`` (see :attr:`source`).
        source: ``"communications"`` or ``"events"``.
    """

    start: datetime
    end: datetime
    length: timedelta
    limit: timedelta | None
    index: int
    source: Source


@attrs.frozen
class CommunicationsSummary:
    """Speed, cadence and promises of one incident's external updates.

    Attributes:
        external_updates: When each external update went out, in time order.
        time_to_first_update: ``declared`` → first external update; ``None``
            when either is unknown, negative when the update came first.
        gaps: From each external update to the next, in order.
        promises: Every update that promised the next, in time order.
        broken_promises: Those promises that were broken.
        long_gaps: Gaps strictly longer than the policy's limit for the
            record's severity level.
        external_indices: Where each update is in ``rec.communications``
            (or ``rec.events``), parallel to :attr:`external_updates`.
        source: Where the updates were taken from: ``"communications"``,
            ``"events"`` (the fallback), or ``None`` when there are none.
    """

    external_updates: tuple[datetime, ...]
    time_to_first_update: timedelta | None
    gaps: tuple[timedelta, ...]
    promises: tuple[Promise, ...]
    broken_promises: tuple[Promise, ...]
    long_gaps: tuple[Gap, ...]
    external_indices: tuple[int, ...] = ()
    source: Source | None = None

    def __str__(self) -> str:
        """The result as text: readable durations, labels and sample sizes."""
        return _display.text(self)

    def _repr_html_(self) -> str:
        """The notebook rendering (every text escaped)."""
        return _display.html(self)


# --- the summary --------------------------------------------------------------------

_LATEST: Final = datetime.max.replace(tzinfo=timezone.utc)


def _external_updates(
    rec: IncidentRecord, policy: CommunicationPolicy
) -> tuple[Source, list[tuple[datetime, int, str | None]]]:
    if rec.communications is not None:
        return "communications", [
            (message.timestamp, index, message.message)
            for index, message in enumerate(rec.communications)
            if isinstance(message.audience, str)
            and message.audience.strip().casefold() in policy.external_audiences
        ]
    updates = []
    for index, event in enumerate(rec.events):
        channel = event.metadata.get("channel")
        if (
            event.type is EventType.COMMUNICATION
            and isinstance(channel, str)
            and channel.strip().casefold() in policy.fallback_channels
        ):
            updates.append((event.timestamp, index, event.description))
    return "events", updates


def _promise(
    made_at: datetime,
    delay: timedelta,
    next_update_at: datetime | None,
    *,
    index: int,
    source: Source,
    message: str | None,
) -> Promise:
    try:
        promised_by = made_at + delay
    except OverflowError:
        # Beyond the last representable moment: any later update, which is
        # representable, came before it.
        promised_by = _LATEST
        broken = None if next_update_at is None else False
    else:
        broken = None if next_update_at is None else next_update_at > promised_by
    return Promise(
        made_at=made_at,
        promised_by=promised_by,
        next_update_at=next_update_at,
        broken=broken,
        index=index,
        source=source,
        message=message,
        delay=delay,
    )


def summarise_updates(
    rec: IncidentRecord,
    rules: CommunicationPolicy,
    level: int | None,
    declared: datetime | None,
) -> CommunicationsSummary:
    """One record's updates, its severity being ``level``, declared at ``declared``.

    :func:`incidentkit.communications_summary` is the public form, with the
    whole :class:`~incidentkit.Policy`.
    """
    policy = rules
    source, updates = _external_updates(rec, policy)
    # Stable: equal timestamps keep their order in the record.
    updates.sort(key=lambda update: update[0])
    times = tuple(update[0] for update in updates)
    first = None if not times or declared is None else times[0] - declared
    limit = policy.max_gap(level)

    gaps = []
    long_gaps = []
    for (start, _, _), (end, index, _) in itertools.pairwise(updates):
        length = end - start
        gaps.append(length)
        if limit is not None and length > limit:
            long_gaps.append(Gap(start, end, length, limit, index, source))

    promises = []
    for position, (made_at, index, message) in enumerate(updates):
        delay = parse_promise(message)
        if delay is None:
            continue
        following = times[position + 1] if position + 1 < len(times) else None
        promises.append(
            _promise(
                made_at, delay, following, index=index, source=source, message=message
            )
        )

    return CommunicationsSummary(
        external_updates=times,
        external_indices=tuple(update[1] for update in updates),
        source=source if updates else None,
        time_to_first_update=first,
        gaps=tuple(gaps),
        promises=tuple(promises),
        broken_promises=tuple(promise for promise in promises if promise.broken),
        long_gaps=tuple(long_gaps),
    )
