"""The public functions: arguments, arrivals and phases drawn in chunks.

Numbers that concern many incidents at once (trigger times, severities,
services, phase lengths, event counts, and a pool of uniform draws for
everything else) are drawn with NumPy a chunk of :data:`CHUNK` incidents at
a time; :class:`~._sections.Builder` turns each incident's share into a
document.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Final

import numpy as np

from incidentkit.errors import ValidationError
from incidentkit.records.io import from_dict
from incidentkit.records.schema import IncidentRecord
from incidentkit.synth._draft import Document, Draws
from incidentkit.synth._fleet import POPULARITY, SERVICES
from incidentkit.synth._scenarios import scenario_text
from incidentkit.synth._sections import Builder

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

#: Uniform draws set aside per incident; a few hundred cover every record
#: but those with extremely long phases, which reuse them (see ``Draws``).
_POOL: Final = 384

_EVENT_MEDIANS: Final = (24.0, 20.0, 15.0, 10.0, 8.0)
_EVENT_SIGMA: Final = 0.35
_MIN_EVENTS: Final = 5
_MAX_EVENTS: Final = 40


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
    builder = Builder()
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
        services = rng.choice(len(SERVICES), size=k, p=POPULARITY)
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
                Draws(pools[j]),
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
