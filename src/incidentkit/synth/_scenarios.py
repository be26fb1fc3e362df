"""The text of the synthetic incidents, kept as data in ``scenarios.json``.

What went wrong (a scenario: its titles, trigger, clues, mitigations, root
cause, contributing factors with the action items that address them) and
what people wrote along the way (detections, investigations, escalations,
monitoring notes, generic action items) are prose, not code. They live in
``scenarios.json`` next to this module, shipped as package data and read
once by :func:`scenario_text`.

Most strings are :meth:`str.format` templates over the fields of one
incident (:data:`FIELDS`: ``{svc}``, ``{other}``, ``{version}``...). The file
is checked when it is read: a missing or unknown key, a value of the wrong
kind, a placeholder the generator does not fill or a factor type that is not
a canonical action-item type raises :class:`~incidentkit.errors.ValidationError`
naming the file, the key and the bad value, instead of a ``KeyError`` deep
inside the generator.
"""

from __future__ import annotations

import functools
import json
import math
import string
from collections.abc import Mapping
from importlib import resources
from types import MappingProxyType
from typing import Any, Final, NamedTuple

import numpy as np

from incidentkit.errors import ValidationError
from incidentkit.figures.actions import CANONICAL_ACTION_TYPES

__all__ = [
    "CUSTOMER_REPORT",
    "ESCALATION_REASONS",
    "FIELDS",
    "FILE_NAME",
    "NAMED_SCENARIOS",
    "Detection",
    "Factor",
    "Mitigation",
    "Scenario",
    "ScenarioText",
    "parse_scenarios",
    "scenario_text",
]

#: The file, in the ``incidentkit.synth`` package.
FILE_NAME: Final = "scenarios.json"

#: The placeholders templates may use: the fields of every incident.
FIELDS: Final = frozenset(
    {
        "svc",
        "Svc",
        "other",
        "resource",
        "feature",
        "endpoint",
        "region",
        "version",
        "prev_version",
        "provider",
        "Provider",
        "flag",
        "err",
        "err_thr",
        "lat",
        "lat_thr",
        "metric",
        "tickets",
        "replicas",
        "replicas_up",
        "users_text",
        "symptom",
    }
)
_MONITORING_FIELDS: Final = FIELDS | {"minutes"}
_VERSION_FIELDS: Final = frozenset({"resource"})
_RAW: Final = frozenset[str]()  # written as is: no placeholders

#: Scenarios the generator picks by name (``_sections``): security breaches
#: and data integrity risks.
NAMED_SCENARIOS: Final = ("credential_leak", "replication", "migration")

#: The reasons escalation events give, as ``metadata.reason``.
ESCALATION_REASONS: Final = (
    "customer_impact",
    "revenue_impact",
    "needs_expertise",
    "duration",
)

#: The detection that customers make: the last one in the file.
CUSTOMER_REPORT: Final = "customer_report"


class Factor(NamedTuple):
    """A contributing factor and the action item that addresses it."""

    text: str
    action: str
    type: str


class Scenario(NamedTuple):
    """One kind of failure and everything written about it."""

    key: str
    titles: tuple[str, ...]
    metric: str
    threshold: float
    trigger: str
    symptom: str
    clue: str
    identified: str
    cause_short: str
    mitigations: tuple[str, ...]
    root_cause: str
    factors: tuple[Factor, ...]
    permanent_fix: str
    culprit: str = ""  # "svc" or "other": whose deployment caused it
    change: str = ""


class Detection(NamedTuple):
    """How an incident gets noticed: who, what they saw, the alert source."""

    actor: str
    text: str
    source: str
    prefix: str


class Mitigation(NamedTuple):
    """A mitigation any scenario may try, and its ``metadata.action``."""

    text: str
    action: str


class ScenarioText(NamedTuple):
    """All of ``scenarios.json``, checked.

    Attributes:
        scenarios: Scenario key → scenario, in file order.
        general: Keys of the scenarios drawn for incidents without a breach
            or data risk, in the order of :attr:`general_cum`.
        general_cum: Cumulative weights of :attr:`general`.
        detections: Ways incidents are noticed; the customer report last.
        investigations: Investigation notes.
        verifications: Notes checking a fix.
        generic_mitigations: Mitigations any scenario may try.
        monitoring: Notes while watching a fix (they may use ``{minutes}``).
        generic_actions: Action-item type → a generic item of that type.
        escalation_reasons: Reason → what the escalation event says.
        version_changes: Change notes of unrelated deployments (``{resource}``).
    """

    scenarios: Mapping[str, Scenario]
    general: tuple[str, ...]
    general_cum: tuple[float, ...]
    detections: tuple[Detection, ...]
    investigations: tuple[str, ...]
    verifications: tuple[str, ...]
    generic_mitigations: tuple[Mitigation, ...]
    monitoring: tuple[str, ...]
    generic_actions: Mapping[str, str]
    escalation_reasons: Mapping[str, str]
    version_changes: tuple[str, ...]


_SCENARIO_KEYS: Final = (
    "titles",
    "metric",
    "threshold",
    "trigger",
    "symptom",
    "clue",
    "identified",
    "cause_short",
    "mitigations",
    "root_cause",
    "factors",
    "permanent_fix",
)
_TOP_KEYS: Final = (
    "scenarios",
    "general_mix",
    "detections",
    "investigations",
    "verifications",
    "generic_mitigations",
    "monitoring",
    "generic_actions",
    "escalation_reasons",
    "version_changes",
)
_FORMATTER: Final = string.Formatter()
_TOP: Final = "(top level)"


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _kind(value: object) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return _shown(value)


def _key(path: str, key: str) -> str:
    return key if path == _TOP else f"{path}.{key}"


class _Reader:
    """Reads the parsed JSON, collecting every problem with its path."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, path: str, problem: str, value: object) -> None:
        self.errors.append(f"{path}: {problem} ({_kind(value)})")

    def obj(
        self,
        value: object,
        path: str,
        required: tuple[str, ...],
        optional: tuple[str, ...] | None = (),
    ) -> dict[str, Any] | None:
        """The object at ``path`` when it has the keys it should.

        ``optional=None`` allows any other key.
        """
        if not isinstance(value, dict):
            self.fail(path, "must be an object", value)
            return None
        missing = [key for key in required if key not in value]
        for key in missing:
            self.errors.append(f"{_key(path, key)}: required key is missing")
        for key in value:
            if optional is not None and key not in required and key not in optional:
                known = ", ".join((*required, *optional))
                self.fail(_key(path, key), f"unknown key; the keys are {known}", key)
        return None if missing else value

    def text(self, value: object, path: str, fields: frozenset[str]) -> str:
        """A non-empty string whose placeholders are all in ``fields``."""
        if not isinstance(value, str) or not value.strip():
            self.fail(path, "must be a non-empty string", value)
            return ""
        try:
            names = [
                name for _, name, _, _ in _FORMATTER.parse(value) if name is not None
            ]
        except ValueError as exc:
            self.fail(path, f"not a valid template: {exc}", value)
            return ""
        for name in names:
            if not fields:
                self.fail(path, f"is written as is, so it cannot use {{{name}}}", value)
            elif name not in fields:
                allowed = ", ".join(f"{{{field}}}" for field in sorted(fields))
                self.fail(
                    path,
                    f"unknown placeholder {{{name}}}; templates may use {allowed}",
                    value,
                )
        return value

    def texts(
        self, value: object, path: str, fields: frozenset[str]
    ) -> tuple[str, ...]:
        """A non-empty list of :meth:`text`."""
        if not isinstance(value, list) or not value:
            self.fail(path, "must be a non-empty list of strings", value)
            return ()
        return tuple(
            self.text(item, f"{path}[{i}]", fields) for i, item in enumerate(value)
        )

    def number(self, value: object, path: str) -> float:
        """A finite number above zero, as a float."""
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
            or value <= 0
        ):
            self.fail(path, "must be a number above 0", value)
            return 1.0
        return float(value)

    def choice(self, value: object, path: str, choices: tuple[str, ...]) -> str:
        """One of ``choices``."""
        if value not in choices:
            self.fail(path, f"must be one of {', '.join(choices)}", value)
            return ""
        return str(value)

    def table(
        self, value: object, path: str, keys: tuple[str, ...], fields: frozenset[str]
    ) -> Mapping[str, str]:
        """An object with exactly ``keys``, each a template, in file order."""
        found = self.obj(value, path, keys)
        if found is None:
            return MappingProxyType({})
        return MappingProxyType(
            {key: self.text(found[key], f"{path}.{key}", fields) for key in found}
        )

    def scenario(self, key: str, value: object) -> Scenario | None:
        path = f"scenarios.{key}"
        found = self.obj(value, path, _SCENARIO_KEYS, ("culprit", "change"))
        if found is None:
            return None

        def text(name: str, fields: frozenset[str] = FIELDS) -> str:
            return self.text(found[name], f"{path}.{name}", fields)

        culprit = ""
        change = ""
        if "culprit" in found or "change" in found:
            # A deployment is to blame: whose, and what it changed.
            for name in ("culprit", "change"):
                if name not in found:
                    self.errors.append(
                        f"{path}.{name}: required with "
                        f"{'change' if name == 'culprit' else 'culprit'}"
                    )
            if "culprit" in found:
                culprit = self.choice(
                    found["culprit"], f"{path}.culprit", ("svc", "other")
                )
            if "change" in found:
                change = text("change", _RAW)
        factors = found["factors"]
        if not isinstance(factors, list) or len(factors) != 4:
            # The generator draws two to four of exactly four.
            self.fail(f"{path}.factors", "must be a list of exactly 4 factors", factors)
            factors = []
        return Scenario(
            key=key,
            titles=self.texts(found["titles"], f"{path}.titles", FIELDS),
            metric=text("metric", _RAW),
            threshold=self.number(found["threshold"], f"{path}.threshold"),
            trigger=text("trigger"),
            symptom=text("symptom", _RAW),
            clue=text("clue"),
            identified=text("identified"),
            cause_short=text("cause_short", _RAW),
            mitigations=self.texts(found["mitigations"], f"{path}.mitigations", FIELDS),
            root_cause=text("root_cause"),
            factors=tuple(
                self.factor(item, f"{path}.factors[{i}]")
                for i, item in enumerate(factors)
            ),
            permanent_fix=text("permanent_fix"),
            culprit=culprit,
            change=change,
        )

    def factor(self, value: object, path: str) -> Factor:
        found = self.obj(value, path, ("text", "action", "type"))
        if found is None:
            return Factor("", "", "")
        return Factor(
            self.text(found["text"], f"{path}.text", FIELDS),
            self.text(found["action"], f"{path}.action", FIELDS),
            self.choice(found["type"], f"{path}.type", CANONICAL_ACTION_TYPES),
        )

    def detection(self, value: object, path: str) -> Detection:
        found = self.obj(value, path, ("actor", "text", "source", "prefix"))
        if found is None:
            return Detection("", "", "", "")
        return Detection(
            self.text(found["actor"], f"{path}.actor", _RAW),
            self.text(found["text"], f"{path}.text", FIELDS),
            self.text(found["source"], f"{path}.source", _RAW),
            self.text(found["prefix"], f"{path}.prefix", _RAW),
        )

    def mitigation(self, value: object, path: str) -> Mitigation:
        found = self.obj(value, path, ("text", "action"))
        if found is None:
            return Mitigation("", "")
        return Mitigation(
            self.text(found["text"], f"{path}.text", FIELDS),
            self.text(found["action"], f"{path}.action", _RAW),
        )

    def items(self, value: object, path: str) -> list[Any]:
        if not isinstance(value, list) or not value:
            self.fail(path, "must be a non-empty list", value)
            return []
        return value

    def document(self, data: object) -> ScenarioText | None:
        top = self.obj(data, _TOP, _TOP_KEYS, ("about",))
        if top is None:
            return None
        if "about" in top:
            self.texts(top["about"], "about", _RAW)
        scenarios: dict[str, Scenario] = {}
        raw = self.obj(top["scenarios"], "scenarios", NAMED_SCENARIOS, None)
        for key, value in (raw or {}).items():
            scenario = self.scenario(key, value)
            if scenario is not None:
                scenarios[key] = scenario
        mix = top["general_mix"]
        general: dict[str, float] = {}
        if not isinstance(mix, dict) or not mix:
            self.fail(
                "general_mix", "must be an object of scenario keys to weights", mix
            )
        else:
            for key, weight in mix.items():
                if raw is not None and key not in raw:
                    self.fail(f"general_mix.{key}", "not a scenario key", key)
                general[key] = self.number(weight, f"general_mix.{key}")
        detections = tuple(
            self.detection(item, f"detections[{i}]")
            for i, item in enumerate(self.items(top["detections"], "detections"))
        )
        sources = [detection.source for detection in detections]
        if sources and (
            sources[-1] != CUSTOMER_REPORT or CUSTOMER_REPORT in sources[:-1]
        ):
            # Incidents customers do not see skip the last detection.
            self.fail(
                "detections",
                f"the last detection, and only the last, must have source "
                f"{CUSTOMER_REPORT!r}",
                sources,
            )
        text = ScenarioText(
            scenarios=MappingProxyType(scenarios),
            general=tuple(general),
            general_cum=tuple(float(x) for x in np.cumsum(list(general.values()))),
            detections=detections,
            investigations=self.texts(top["investigations"], "investigations", FIELDS),
            verifications=self.texts(top["verifications"], "verifications", FIELDS),
            generic_mitigations=tuple(
                self.mitigation(item, f"generic_mitigations[{i}]")
                for i, item in enumerate(
                    self.items(top["generic_mitigations"], "generic_mitigations")
                )
            ),
            monitoring=self.texts(top["monitoring"], "monitoring", _MONITORING_FIELDS),
            generic_actions=self.table(
                top["generic_actions"],
                "generic_actions",
                CANONICAL_ACTION_TYPES,
                FIELDS,
            ),
            escalation_reasons=self.table(
                top["escalation_reasons"],
                "escalation_reasons",
                ESCALATION_REASONS,
                FIELDS,
            ),
            version_changes=self.texts(
                top["version_changes"], "version_changes", _VERSION_FIELDS
            ),
        )
        return None if self.errors else text


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise ValueError(f"{key}: duplicate key, one would hide the other")
        found[key] = value
    return found


def parse_scenarios(text: str, source: str) -> ScenarioText:
    """Read and check the scenario text from the JSON ``text``.

    Args:
        text: The content of a file like ``scenarios.json``.
        source: Where it comes from, for the errors.

    Returns:
        The checked text.

    Raises:
        ValidationError: Listing every problem as ``source: key: what is
            wrong (the bad value)``.
    """
    try:
        data = json.loads(text, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            [f"line {exc.lineno} column {exc.colno}: not valid JSON: {exc.msg}"],
            source=source,
        ) from None
    except ValueError as exc:
        raise ValidationError([str(exc)], source=source) from None
    reader = _Reader()
    checked = reader.document(data)
    if checked is None:
        raise ValidationError(reader.errors, source=source)
    return checked


@functools.cache
def scenario_text() -> ScenarioText:
    """The scenario text shipped with incidentkit, read and checked once.

    Raises:
        ValidationError: When the file is broken (see :func:`parse_scenarios`).
    """
    resource = resources.files("incidentkit.synth").joinpath(FILE_NAME)
    return parse_scenarios(resource.read_text(encoding="utf-8"), str(resource))
