"""Importers: other incident tools' JSON as incident records.

Each importer is a pure function from one source document (as ``json.loads``
returns it) to an :class:`~incidentkit.records.schema.IncidentRecord`. What the
source lacks stays ``None`` or empty; nothing is invented. A document of the
wrong shape raises :class:`~incidentkit.errors.ValidationError` listing every
problem, each starting with the format's name and the path in the source
document, e.g. ``statuspage: incident.incident_updates[2].display_at:
timestamp '2024-01-15 14:20' has no UTC offset (...)``.

Users reach them through ``format=`` on :func:`incidentkit.load` and its
siblings; :func:`import_document` is that dispatch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Final

from incidentkit.errors import ValidationError
from incidentkit.formats._reader import SOURCE_KEY
from incidentkit.formats.incidentio import from_incidentio
from incidentkit.formats.pagerduty import from_pagerduty
from incidentkit.formats.statuspage import from_statuspage
from incidentkit.records.converter import structure_record
from incidentkit.records.schema import IncidentRecord

__all__ = [
    "IMPORTERS",
    "detect_format",
    "format_in",
    "from_incidentio",
    "from_pagerduty",
    "from_statuspage",
    "import_document",
    "list_documents",
    "source_format",
]

# Statuspage's list of scheduled maintenances, beside (or instead of) incidents.
_MAINTENANCES: Final = "scheduled_maintenances"

Importer = Callable[..., IncidentRecord]

#: Format name → importer, for the formats of other tools.
IMPORTERS: Final[Mapping[str, Importer]] = MappingProxyType(
    {
        "statuspage": from_statuspage,
        "pagerduty": from_pagerduty,
        "incidentio": from_incidentio,
    }
)


def source_format(rec: IncidentRecord) -> str | None:
    """The format a record was imported from, or ``None`` when it does not say.

    The importers write ``incident.extra["source"] = {"format": <name>}``
    (``"statuspage"``, ``"pagerduty"``, ``"incidentio"``); a record exported
    by another tool of yours may say so the same way. The checks skip the
    rules that a record's source format cannot satisfy.

    Example:
        >>> import incidentkit as ik
        >>> doc = {"id": "abc", "name": "Slow API", "status": "resolved",
        ...        "impact": "minor", "created_at": "2024-03-01T10:05:00Z",
        ...        "incident_updates": []}
        >>> source_format(ik.from_dict(doc, format="statuspage"))
        'statuspage'
        >>> source_format(ik.example()) is None
        True
    """
    return format_in(rec.incident.extra)


def format_in(extra: Mapping[str, object]) -> str | None:
    """The source format an incident's unknown keys name (see :func:`source_format`).

    Example:
        >>> format_in({"source": {"format": "pagerduty"}}), format_in({})
        ('pagerduty', None)
    """
    source = extra.get(SOURCE_KEY)
    if isinstance(source, Mapping):
        name = source.get("format")
        if isinstance(name, str):
            return name
    return None


def _detect_incident(incident: Mapping[str, object]) -> str | None:
    """The format of one incident object, bare or under ``incident``."""
    if "incident_updates" in incident:
        return "statuspage"
    if incident.get("type") == "incident":
        return "pagerduty"
    if isinstance(incident.get("incident_status"), Mapping) or isinstance(
        incident.get("severity"), Mapping
    ):
        return "incidentio"
    return None


def detect_format(data: object) -> str | None:
    """The format a document looks like, from its top-level keys, or ``None``.

    ``"statuspage"``: an ``incident`` with ``incident_updates``, or a ``page``
    with ``incident``, ``incidents`` or ``scheduled_maintenances``.
    ``"pagerduty"``: ``log_entries``, or an ``incident`` (or a bare object)
    with ``"type": "incident"``.
    ``"incidentio"``: ``follow_ups``, or an ``incident`` (or a bare object)
    whose ``incident_status`` or ``severity`` is an object.
    ``"incidentkit"``: an ``incident`` with ``declared_at``. A list response
    (a JSON array, or ``{"incidents": [...]}``) is the format of its first
    element. Only the shape is looked at: the document may still be invalid.

    Example:
        >>> detect_format({"incident": {"type": "incident", "id": "P1"}})
        'pagerduty'
        >>> detect_format({"page": {"id": "x"}, "incidents": []})
        'statuspage'
        >>> detect_format([{"incident": {"declared_at": "2024-03-01T09:00:00Z"}}])
        'incidentkit'
        >>> detect_format({"title": "no incident here"}) is None
        True
    """
    if isinstance(data, list):
        return detect_format(data[0]) if data else None
    if not isinstance(data, Mapping):
        return None
    incident = data.get("incident")
    # incidentkit first: a document its own schema could take (declared_at
    # is required) is read as incidentkit whatever else it holds, as the
    # loaders' fast decoder reads it.
    if isinstance(incident, Mapping) and "declared_at" in incident:
        return "incidentkit"
    if isinstance(data.get("page"), Mapping) and (
        "incident" in data or "incidents" in data or _MAINTENANCES in data
    ):
        return "statuspage"
    if "log_entries" in data:
        return "pagerduty"
    if "follow_ups" in data:
        return "incidentio"
    if isinstance(incident, Mapping):
        return _detect_incident(incident)
    incidents = data.get("incidents")
    if isinstance(incidents, list) and "incident" not in data:
        return detect_format(incidents[0]) if incidents else None
    return _detect_incident(data)


def list_documents(data: object, format: str) -> list[object] | None:
    """The documents of an API list response, or ``None`` for one document.

    A list response is a JSON array, or an object whose ``incidents`` is a
    list and which has no ``incident`` (``{"incidents": [...]}`` of the
    PagerDuty and incident.io APIs, Statuspage's ``{"page": ...,
    "incidents": [...]}``). Statuspage's ``scheduled_maintenances`` list
    (``scheduled-maintenances.json``, and ``summary.json`` beside its
    ``incidents``) is read too, after the incidents. Each element becomes
    the document its format reads: a Statuspage incident keeps the page in
    the ``{"page", "incident"}`` envelope, an incident.io incident is
    wrapped as ``{"incident": ...}``; other elements are documents as they
    are.

    Example:
        >>> list_documents({"page": {"name": "Acme"}, "incidents": [{"id": "a"}]},
        ...     "statuspage")
        [{'page': {'name': 'Acme'}, 'incident': {'id': 'a'}}]
        >>> list_documents({"incident": {}}, "pagerduty") is None
        True
    """
    if isinstance(data, list):
        return list(data)
    if not isinstance(data, dict) or "incident" in data:
        return None
    elements = data.get("incidents")
    page = data.get("page")
    if format == "statuspage":
        maintenances = data.get(_MAINTENANCES)
        if isinstance(maintenances, list):
            elements = [
                *(elements if isinstance(elements, list) else ()),
                *maintenances,
            ]
    if not isinstance(elements, list):
        return None
    if format == "statuspage" and isinstance(page, dict):
        return [{"page": page, "incident": element} for element in elements]
    if format == "incidentio":
        # The list's elements are bare incidents; the importer reads them
        # inside {"incident": ...}, as GET /v2/incidents/{id} returns one.
        return [
            {"incident": element}
            if isinstance(element, dict) and "incident" not in element
            else element
            for element in elements
        ]
    return list(elements)


def import_document(
    data: object, format: str, *, assume_utc: bool = False
) -> IncidentRecord:
    """Build a record from one document of ``format``.

    Args:
        data: The parsed JSON document, whatever its shape.
        format: ``"statuspage"``, ``"pagerduty"`` or ``"incidentio"``;
            ``"incidentkit"`` reads the library's own format.
        assume_utc: Read timestamps without an offset as UTC.

    Raises:
        ValidationError: For an unknown format, or naming every problem of
            the document with its format and path.

    Example:
        >>> import_document([], "pagerduty")
        Traceback (most recent call last):
        ...
        incidentkit.errors.ValidationError: 1 problem:
          pagerduty: $: expected a JSON object, got [] (list)
    """
    # Callers from untyped code pass anything; an unhashable value must not
    # raise TypeError from the lookup.
    importer = IMPORTERS.get(format) if isinstance(format, str) else None  # type: ignore[redundant-expr]
    if importer is not None:
        return importer(data, assume_utc=assume_utc)
    if format == "incidentkit":
        return structure_record(data, assume_utc=assume_utc)
    known = ", ".join(("incidentkit", *IMPORTERS))
    raise ValidationError([f"format: unknown format {format!r} (one of {known})"])
