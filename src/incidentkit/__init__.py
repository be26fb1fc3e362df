"""incidentkit: incident and postmortem records turned into honest numbers."""

from incidentkit._version import __version__
from incidentkit.errors import ValidationError
from incidentkit.io import (
    LoadResult,
    dump,
    dumps,
    example,
    example_path,
    from_dict,
    load,
    load_many,
    loads,
    to_dict,
)
from incidentkit.schema import (
    ActionItem,
    Communication,
    Context,
    CustomerImpact,
    Deployment,
    Event,
    EventType,
    Impact,
    Incident,
    IncidentRecord,
    OnCall,
    Participant,
    Resolution,
    Signals,
)
from incidentkit.severity import SeverityLabels, severity_level

__all__ = [
    "ActionItem",
    "Communication",
    "Context",
    "CustomerImpact",
    "Deployment",
    "Event",
    "EventType",
    "Impact",
    "Incident",
    "IncidentRecord",
    "LoadResult",
    "OnCall",
    "Participant",
    "Resolution",
    "SeverityLabels",
    "Signals",
    "ValidationError",
    "__version__",
    "dump",
    "dumps",
    "example",
    "example_path",
    "from_dict",
    "load",
    "load_many",
    "loads",
    "severity_level",
    "to_dict",
]
