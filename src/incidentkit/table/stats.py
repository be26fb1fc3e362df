"""Grouped statistics on NumPy arrays: summaries, bootstrap, Kaplan–Meier, compare.

The statistics live in modules by concept, and this module gathers their public
names, so that ``from incidentkit.table.stats import ...`` keeps working:

* :mod:`incidentkit.table.grouping`: :class:`Grouping` and the ordering of
  values within groups;
* :mod:`incidentkit.table.summaries`: :func:`grouped_summary` (and how it
  finds quantiles);
* :mod:`incidentkit.table.bootstrap`: :func:`grouped_bootstrap`;
* :mod:`incidentkit.table.intervals`: :func:`grouped_intervals` and
  :func:`order_statistic_ranks`;
* :mod:`incidentkit.table.survival`: :func:`grouped_kaplan_meier`;
* :mod:`incidentkit.table.compare`: :func:`compare_samples` and
  :func:`detectable_change`;
* :mod:`incidentkit.table.results`: the results by group.

These modules work on plain arrays; :class:`incidentkit.IncidentTable` feeds
them its columns. Missing values are NaN; they are counted (``missing``) and
left out.
"""

from __future__ import annotations

from incidentkit.table._checks import QUANTILES, STATS
from incidentkit.table._checks import _check_count as _check_count
from incidentkit.table.bootstrap import MAX_RESAMPLES as MAX_RESAMPLES
from incidentkit.table.bootstrap import TOO_FEW as TOO_FEW
from incidentkit.table.bootstrap import _replicates as _replicates
from incidentkit.table.bootstrap import grouped_bootstrap
from incidentkit.table.compare import (
    CHANGES,
    Comparison,
    DetectableChange,
    compare_samples,
    detectable_change,
)
from incidentkit.table.compare import _permutation_p_many as _permutation_p_many
from incidentkit.table.grouping import Grouping
from incidentkit.table.grouping import _sorted_groups as _sorted_groups
from incidentkit.table.intervals import (
    BOOTSTRAP_MIN_COUNT,
    INTERVAL_METHODS,
    grouped_intervals,
    order_statistic_ranks,
)
from incidentkit.table.results import (
    BootstrapStats,
    GroupStats,
    IntervalStats,
    SurvivalStats,
)
from incidentkit.table.results import _ByGroup as _ByGroup
from incidentkit.table.results import _import_pandas as _import_pandas
from incidentkit.table.results import _python as _python
from incidentkit.table.summaries import Summary, grouped_summary
from incidentkit.table.survival import grouped_kaplan_meier

__all__ = [
    "BOOTSTRAP_MIN_COUNT",
    "CHANGES",
    "INTERVAL_METHODS",
    "QUANTILES",
    "STATS",
    "BootstrapStats",
    "Comparison",
    "DetectableChange",
    "GroupStats",
    "Grouping",
    "IntervalStats",
    "Summary",
    "SurvivalStats",
    "compare_samples",
    "detectable_change",
    "grouped_bootstrap",
    "grouped_intervals",
    "grouped_kaplan_meier",
    "grouped_summary",
    "order_statistic_ranks",
]
