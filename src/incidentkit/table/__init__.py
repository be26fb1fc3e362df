"""Many incidents as NumPy columns: the table, its construction and its statistics."""

from incidentkit.table.frame import (
    CATEGORICAL_COLUMNS,
    MILESTONE_COLUMNS,
    UNKNOWN_LEVEL,
    CoverageStats,
    IncidentTable,
    compare,
    load_table,
)
from incidentkit.table.stats import (
    QUANTILES,
    STATS,
    BootstrapStats,
    Comparison,
    Grouping,
    GroupStats,
    Summary,
    SurvivalStats,
    compare_samples,
    grouped_bootstrap,
    grouped_kaplan_meier,
    grouped_summary,
)

__all__ = [
    "CATEGORICAL_COLUMNS",
    "MILESTONE_COLUMNS",
    "QUANTILES",
    "STATS",
    "UNKNOWN_LEVEL",
    "BootstrapStats",
    "Comparison",
    "CoverageStats",
    "GroupStats",
    "Grouping",
    "IncidentTable",
    "Summary",
    "SurvivalStats",
    "compare",
    "compare_samples",
    "grouped_bootstrap",
    "grouped_kaplan_meier",
    "grouped_summary",
    "load_table",
]
