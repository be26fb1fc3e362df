"""Argument checks shared by the grouped statistics, and the statistics they know."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

import numpy as np

from incidentkit.errors import ValidationError

__all__ = [
    "QUANTILES",
    "STATS",
]

#: The quantiles every summary reports, by name, as fractions.
QUANTILES: Final[Mapping[str, float]] = MappingProxyType(
    {"median": 0.5, "p90": 0.9, "p95": 0.95}
)

#: The statistics :func:`grouped_bootstrap` and :func:`compare_samples` know.
STATS: Final = ("mean", "median", "p90", "p95")


def _problem(message: str) -> ValidationError:
    return ValidationError([message])


# --- argument checks -------------------------------------------------------


def _check_stat(stat: str) -> float | None:
    if stat == "mean":
        return None
    if stat not in QUANTILES:
        raise _problem(f"stat: expected one of {', '.join(STATS)} ({stat!r})")
    return QUANTILES[stat]


def _check_count(
    value: object, name: str, minimum: int = 1, maximum: int | None = None
) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise _problem(f"{name}: expected a whole number ({value!r})")
    if value < minimum:
        raise _problem(f"{name}: must be at least {minimum} ({value!r})")
    if maximum is not None and value > maximum:
        raise _problem(f"{name}: must be at most {maximum:,} ({value!r})")
    return int(value)


def _check_confidence(confidence: object) -> float:
    if not (
        isinstance(confidence, (float, int))
        and not isinstance(confidence, bool)
        and 0 < confidence < 1
    ):
        raise _problem(
            f"confidence: expected a number between 0 and 1, e.g. 0.95 ({confidence!r})"
        )
    return float(confidence)


def _rng(seed: object) -> np.random.Generator:
    """The generator of ``seed``, or a ValidationError naming it.

    Checked here rather than left to :func:`numpy.random.default_rng`, whose
    own errors (a ValueError for -1, a TypeError for "x") name no parameter.
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0
    ):
        raise _problem(
            "seed: expected None, a non-negative whole number or a "
            f"numpy.random.Generator ({seed!r})"
        )
    return np.random.default_rng(seed)
