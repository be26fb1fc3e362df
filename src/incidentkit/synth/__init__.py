"""Realistic synthetic incident records, reproducible from a seed.

:func:`generate` yields :class:`~incidentkit.records.schema.IncidentRecord` objects,
:func:`generate_dicts` the same incidents as JSON-ready documents (the shape
of :func:`incidentkit.example`), and :func:`write_jsonl` writes them one per
line, for benchmarks and for trying dashboards without real data.

What the records look like, so that figures computed from them can be
reasoned about:

* Severities ``SEV0``..``SEV4`` with weights 1/5/14/35/45 %, so most
  incidents are minor. About 50 services with Zipf popularity (the most
  common, ``payment-gateway``, has about a fifth of the incidents).
* Trigger times fall between ``start`` and ``end``, more often on weekday
  working hours (UTC) than at night or at weekends, in increasing order of
  the ids ``INC-000001``, ``INC-000002``...
* Every phase of :func:`incidentkit.phase_durations` is log-normal with
  sigma 1.0 (whole seconds, at least one) and a median that grows as the
  severity gets milder (:data:`PHASE_MEDIANS_MINUTES`).
* The events follow the milestones in order: one ``trigger``, detections,
  the ``declaration``, investigations, the event whose ``metadata.status``
  is ``"identified"``, mitigations (the last one is the ``mitigated``
  milestone), monitoring checks, and the ``resolution`` last, 5 to 40
  events in all, sorted by time. Status-page updates appear as
  ``communication`` events at their moment.
* ``open_fraction`` of the incidents are still open: status
  ``investigating``, ``identified`` or ``monitoring``, no ``resolved_at``,
  no ``resolution`` section and no ``resolution`` event.
* Customer-facing incidents have external status-page updates that promise
  the next one ("Next update in 30 minutes.") within the default cadence
  policy, and keep the promise. Internal Slack messages announce and close
  the incidents.
* ``flaw_fraction`` of the incidents carry one imperfection that
  :func:`incidentkit.check` should report: an action item without owner,
  a deadline beyond the policy for its priority, a severity milder than the
  impact, or a broken update promise. Every record stays schema-valid.

Numbers are drawn from :func:`numpy.random.default_rng` in batches of
:data:`CHUNK` incidents; the same arguments give the same records on the
same NumPy version.

The text of the incidents (scenarios, their root causes, factors and action
items, the notes responders write) is data, ``scenarios.json`` in this
package, checked when it is first read. The limits the records keep to
(deadlines by priority, update cadence, required action-item types, revenue
labels, postmortems) are the library's defaults, imported from
:mod:`incidentkit.figures` and :mod:`incidentkit.checks`.
"""

from incidentkit.synth._draft import Document as Document
from incidentkit.synth._fleet import SERVICES
from incidentkit.synth._generator import (
    CHUNK,
    PHASE_MEDIANS_MINUTES,
    SEVERITY_WEIGHTS,
    generate,
    generate_dicts,
    write_jsonl,
)
from incidentkit.synth._generator import PHASE_SIGMA as PHASE_SIGMA

__all__ = [
    "CHUNK",
    "PHASE_MEDIANS_MINUTES",
    "SERVICES",
    "SEVERITY_WEIGHTS",
    "generate",
    "generate_dicts",
    "write_jsonl",
]
