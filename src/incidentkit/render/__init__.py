"""Rendering for notebooks: escaped HTML for records, figures, findings and tables."""

from incidentkit.render.html import (
    MAX_EVENTS,
    MAX_ROWS,
    Findings,
    action_item_coverage_html,
    bootstrap_stats_html,
    communications_summary_html,
    findings_html,
    format_duration,
    format_number,
    format_seconds,
    format_timestamp,
    group_stats_html,
    impact_score_html,
    phase_durations_html,
    record_html,
    table_html,
)

__all__ = [
    "MAX_EVENTS",
    "MAX_ROWS",
    "Findings",
    "action_item_coverage_html",
    "bootstrap_stats_html",
    "communications_summary_html",
    "findings_html",
    "format_duration",
    "format_number",
    "format_seconds",
    "format_timestamp",
    "group_stats_html",
    "impact_score_html",
    "phase_durations_html",
    "record_html",
    "table_html",
]
