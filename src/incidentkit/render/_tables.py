"""The notebook renderings of the table layer's results, registered.

:mod:`incidentkit.render.html` holds the renderers of
:class:`~incidentkit.IncidentTable`, :class:`~incidentkit.GroupStats` and
:class:`~incidentkit.BootstrapStats`, but cannot yet import those classes at
run time: :mod:`incidentkit.checks.engine` imports it (for ``Findings``), and
the table layer imports the checks, so the import would close a cycle. This
module, which ``import incidentkit`` runs once every layer is loaded, makes
the registrations instead. When ``Findings`` has moved out of the render
layer, they belong at the end of :mod:`incidentkit.render.html`, with its
``TYPE_CHECKING`` imports of the table layer made ordinary ones.
"""

from __future__ import annotations

from incidentkit import _display
from incidentkit.render.html import bootstrap_stats_html, group_stats_html, table_html
from incidentkit.table.frame import IncidentTable
from incidentkit.table.stats import BootstrapStats, GroupStats

__all__: list[str] = []

_display.html.register(IncidentTable, table_html)
_display.html.register(GroupStats, group_stats_html)
_display.html.register(BootstrapStats, bootstrap_stats_html)
