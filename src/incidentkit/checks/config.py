"""Settings kept in a repository: ``incidentkit.toml`` or ``[tool.incidentkit]``.

One file holds what ``incidentkit check`` and a notebook both apply: the
:class:`~incidentkit.Policy` the figures follow, the
:class:`~incidentkit.checks.policy.CheckPolicy` of the linter, and how the
command finds and judges records. :func:`find_settings` looks for the file as
ruff does, walking up from a path; :func:`load_settings` reads and validates
it. Every key is checked: an error names the file, the key and the bad value.

Keys (in ``incidentkit.toml`` at the top level, in ``pyproject.toml`` under
``[tool.incidentkit]``; ``-`` and ``_`` are the same in a key)::

    select = ["IK1", "timeline"]        # only these rules
    ignore = ["IK404"]                  # skip these
    levels = { IK304 = "error" }        # re-level rules
    per-file-ignores = { "archive/**" = ["IK5"] }
    fail-on = "warning"                 # error (default), warning, info
    as-of = "today"                     # today (default), none, YYYY-MM-DD
    exclude = [".*"]                    # replaces the default
    extend-exclude = ["drafts"]
    severity-labels = { critical = 1, major = 2 }
    max-update-gap-minutes = { 1 = 30, 2 = 60 }
    required-action-types = { 1 = ["detection", "prevention"] }
    done-statuses = ["done", "closed"]
    deadline-days = { 1 = 15, 2 = 30, 3 = 60 }
    postmortem-max-level = 2

    [severity]                          # the severity policy
    labels = { critical = 1, major = 2 }   # the same as severity-labels
    major = 2
    revenue-scale = ["none", "low", "medium", "high", "critical"]

    [severity.levels.critical]          # replaces the default levels
    summary = "very high impact"
    [severity.levels.critical.criteria.down_for_all]
    description = "the service is down for everyone"
    customer-facing = true
    degradation = "full"
    min-users-percentage = 90

Levels in the tables are numbers (``1``) or severity labels (``"SEV1"``,
or a word of ``severity-labels``). A criterion's conditions are the fields
of :class:`~incidentkit.figures.severity.Criterion`, ``_`` written ``-``.
"""

from __future__ import annotations

import fnmatch
import os
import re
import sys
import typing
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Final

import attrs

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10: the same parser, as a package
    import tomli as tomllib

from incidentkit.checks.policy import CheckPolicy
from incidentkit.checks.rules import LEVELS
from incidentkit.errors import ValidationError
from incidentkit.figures.policy import Policy
from incidentkit.figures.severity import Criterion, SeverityLevel

__all__ = ["CONFIG_FILES", "Settings", "as_of_text", "find_settings", "load_settings"]

#: The files :func:`find_settings` looks for in each folder, in this order:
#: the stand-alone file wins over ``pyproject.toml`` in the same folder.
CONFIG_FILES: Final = ("incidentkit.toml", ".incidentkit.toml", "pyproject.toml")

_AS_OF: Final = re.compile(r"today|none|\d{4}-\d{2}-\d{2}")
#: How SeverityPolicy names a criterion's field in an error.
_CRITERION_ERROR: Final = re.compile(r"levels\[(\d+)\]\.criteria\[(\d+)\]\.(\w+): ")

#: The keys of ``[severity]``.
SEVERITY_KEYS: Final = ("labels", "major", "revenue-scale", "levels")
#: The keys of a level of ``[severity.levels]``.
LEVEL_KEYS: Final = ("summary", "criteria")


def _condition_kinds() -> dict[str, type]:
    # The conditions are Criterion's keyword fields, each read as the type
    # its annotation names besides None: one list of conditions, Criterion's.
    hints = typing.get_type_hints(Criterion)
    kinds: dict[str, type] = {}
    for field in attrs.fields(Criterion):
        if not field.kw_only:
            continue
        (kind,) = [t for t in typing.get_args(hints[field.name]) if t is not type(None)]
        kinds[field.name.replace("_", "-")] = kind
    return kinds


#: A criterion's conditions in a settings file (``min-users-percentage``)
#: and the type of each: bool, float (a share, 0-100) or str.
CONDITION_KINDS: Final = _condition_kinds()
#: The keys of a criterion of ``[severity.levels.<level>.criteria]``.
CRITERION_KEYS: Final = ("description", *CONDITION_KINDS)


def as_of_text(value: object) -> str | None:
    """``value`` as ``"today"``, ``"none"`` or an ISO day, or ``None`` if not."""
    if not isinstance(value, str):
        return None
    text = value.strip().casefold()
    if not _AS_OF.fullmatch(text):
        return None
    if text not in ("today", "none"):
        try:
            date.fromisoformat(text)
        except ValueError:
            return None
    return text


@attrs.frozen
class Settings:
    """What a configuration file sets, validated; defaults for the rest.

    Attributes:
        policy: The policy the figures and the checks follow.
        rules: The linter's rules (select, ignore, levels, limits).
        per_file_ignores: Glob pattern → rules ignored in the files it
            matches (relative to :attr:`root`, ``/``-separated).
        fail_on: The lowest level that fails a run, or ``None`` if not set.
        as_of: ``"today"``, ``"none"``, an ISO day, or ``None`` if not set.
        exclude: Patterns replacing the default exclusions, or ``None``.
        extend_exclude: Patterns excluded in addition.
        path: The file read, or ``None`` for the defaults.
        root: The folder per-file patterns are relative to (the file's).

    Example:
        >>> Settings().rules == CheckPolicy(), Settings().path
        (True, None)
    """

    policy: Policy = attrs.field(factory=Policy)
    rules: CheckPolicy = attrs.field(factory=CheckPolicy)
    per_file_ignores: Mapping[str, tuple[str, ...]] = attrs.field(
        factory=dict, hash=False
    )
    fail_on: str | None = None
    as_of: str | None = None
    exclude: tuple[str, ...] | None = None
    extend_exclude: tuple[str, ...] = ()
    path: str | None = None
    root: str | None = None

    def ignored_in(self, file: str) -> tuple[str, ...]:
        """The rules :attr:`per_file_ignores` switch off in ``file``."""
        if not self.per_file_ignores:
            return ()
        base = self.root or os.getcwd()
        relative = Path(os.path.relpath(os.path.abspath(file), base)).as_posix()
        name = os.path.basename(file)
        return tuple(
            code
            for pattern, codes in self.per_file_ignores.items()
            if fnmatch.fnmatchcase(relative, pattern)
            or fnmatch.fnmatchcase(name, pattern)
            for code in codes
        )


def find_settings(start: str | os.PathLike[str] = ".") -> Path | None:
    """The configuration file that applies to ``start``, or ``None``.

    From ``start`` (a file's folder, or a folder) up to the root, the first
    folder holding ``incidentkit.toml``, ``.incidentkit.toml``, or a
    ``pyproject.toml`` with a ``[tool.incidentkit]`` table, as ruff looks
    for its own. A ``pyproject.toml`` without that table is passed over (a
    Python project's file says nothing about its postmortems).
    """
    here = Path(os.path.abspath(start))
    if not _is(here, os.path.isdir):
        here = here.parent
    for folder in (here, *here.parents):
        for name in CONFIG_FILES:
            candidate = folder / name
            if not _is(candidate, os.path.isfile):
                continue
            if name != "pyproject.toml" or _has_tool_table(candidate):
                return candidate
    return None


def _is(path: Path, test: Callable[[Path], bool]) -> bool:
    # A path the system refuses (too long, a NUL byte) holds no settings;
    # reading the records says what is wrong with it.
    try:
        return test(path)
    except (OSError, ValueError):
        return False


def _has_tool_table(path: Path) -> bool:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        # A pyproject.toml that cannot be read is not ours to judge here;
        # naming it with --config reports why.
        return False
    tool = data.get("tool")
    return isinstance(tool, dict) and "incidentkit" in tool


def load_settings(path: str | os.PathLike[str]) -> Settings:
    r"""Read and validate a configuration file.

    Args:
        path: An ``incidentkit.toml`` (keys at the top level) or a
            ``pyproject.toml`` (keys under ``[tool.incidentkit]``).

    Returns:
        The settings, with the policy and the rules built.

    Raises:
        ValidationError: Naming the file, and for each problem the key and
            the bad value; every problem is listed, not only the first.

    Example:
        >>> import tempfile, pathlib
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (folder / "incidentkit.toml").write_text(
        ...     'ignore = ["IK404"]\ndeadline-days = { 1 = 10 }\n')
        >>> settings = load_settings(folder / "incidentkit.toml")
        >>> settings.rules.level_of("IK404"), settings.policy.deadline_days[1]
        (None, 10)
    """
    file = Path(path)
    shown = os.fspath(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise ValidationError([f"$: cannot read ({reason})"], source=shown) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError([f"$: not valid TOML: {exc}"], source=shown) from None
    prefix = ""
    if file.name == "pyproject.toml":
        tool = data.get("tool", {})
        data = tool.get("incidentkit", {}) if isinstance(tool, dict) else {}
        prefix = "tool.incidentkit."
        if not isinstance(data, dict):
            raise ValidationError(
                [f"tool.incidentkit: expected a table, got {data!r}"], source=shown
            )
    reader = _Reader(prefix)
    settings = reader.settings(data, file)
    if reader.errors:
        raise ValidationError(reader.errors, source=shown)
    return settings


def _key(name: str) -> str:
    return name.replace("_", "-")


class _Reader:
    """Reads the keys of one file, collecting every problem."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.errors: list[str] = []
        #: Level → the key ``[severity.levels]`` names it by, for errors.
        self.level_keys: dict[int, str] = {}

    def fail(self, key: str, message: str, value: object) -> None:
        self.errors.append(f"{self.prefix}{key}: {message}, got {value!r}")

    def strings(self, key: str, value: object) -> tuple[str, ...] | None:
        if isinstance(value, str):
            return (value,)
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
        self.fail(key, "expected a list of strings", value)
        return None

    def table(self, key: str, value: object) -> dict[str, Any] | None:
        if isinstance(value, dict):
            return value
        self.fail(key, "expected a table", value)
        return None

    def level_table(
        self,
        key: str,
        value: object,
        labels: Policy,
        convert: Callable[[str, object], Any],
    ) -> dict[int, Any] | None:
        table = self.table(key, value)
        if table is None:
            return None
        result: dict[int, Any] = {}
        for name, item in table.items():
            level = int(name) if name.isdigit() else labels.level(name)
            if level is None:
                self.fail(
                    f"{key}.{name}",
                    "expected a severity level (1) or label (SEV1) as the key",
                    name,
                )
                continue
            converted = convert(f"{key}.{name}", item)
            if converted is not None:
                result[level] = converted
        return result

    def count(self, key: str, value: object, least: int = 0) -> int | None:
        if isinstance(value, int) and not isinstance(value, bool) and value >= least:
            return value
        self.fail(key, f"expected a whole number >= {least}", value)
        return None

    def settings(self, data: dict[str, Any], file: Path) -> Settings:
        known = {
            "select",
            "ignore",
            "levels",
            "per-file-ignores",
            "fail-on",
            "as-of",
            "exclude",
            "extend-exclude",
            "severity-labels",
            "max-update-gap-minutes",
            "required-action-types",
            "done-statuses",
            "deadline-days",
            "postmortem-max-level",
            "severity",
        }
        values = {_key(name): value for name, value in data.items()}
        for name in values:
            if name not in known:
                self.errors.append(
                    f"{self.prefix}{name}: unknown key (known: "
                    f"{', '.join(sorted(known))})"
                )
        severity = values.get("severity", {})
        if not isinstance(severity, dict):
            self.fail("severity", "expected a table", severity)
            severity = {}
        severity = {_key(name): value for name, value in severity.items()}
        policy, labels = self._labels(values, severity)
        policy = self._policy(values, policy)
        policy = self._severity(severity, policy, labels)
        rules = self._rules(values)
        fail_on = values.get("fail-on")
        if fail_on is not None and fail_on not in LEVELS:
            self.fail("fail-on", f"expected one of {', '.join(LEVELS)}", fail_on)
            fail_on = None
        as_of = values.get("as-of")
        if as_of is not None:
            if isinstance(as_of, date):  # TOML has dates: as-of = 2024-01-30
                as_of = as_of.isoformat()
            if as_of_text(as_of) is None:
                self.fail("as-of", "expected 'today', 'none' or YYYY-MM-DD", as_of)
                as_of = None
            else:
                as_of = as_of_text(as_of)
        exclude = (
            self.strings("exclude", values["exclude"]) if "exclude" in values else None
        )
        extend = self.strings("extend-exclude", values.get("extend-exclude", []))
        per_file: dict[str, tuple[str, ...]] = {}
        table = self.table("per-file-ignores", values.get("per-file-ignores", {}))
        for pattern, codes in (table or {}).items():
            listed = self.strings(f"per-file-ignores.{pattern}", codes)
            if listed is None:
                continue
            try:
                CheckPolicy(ignore=listed)
            except ValidationError as exc:
                self.errors.extend(
                    f"{self.prefix}per-file-ignores.{pattern}: {e}" for e in exc.errors
                )
                continue
            per_file[pattern] = listed
        return Settings(
            policy=policy,
            rules=rules,
            per_file_ignores=per_file,
            fail_on=fail_on,
            as_of=as_of,
            exclude=exclude,
            extend_exclude=extend or (),
            path=os.fspath(file),
            root=os.path.dirname(os.path.abspath(file)),
        )

    def _labels(
        self, values: dict[str, Any], severity: dict[str, Any]
    ) -> tuple[Policy, dict[str, Any] | None]:
        """The team's severity words: ``severity.labels`` or ``severity-labels``."""
        given = [
            (key, value)
            for key, value in (
                ("severity-labels", values.get("severity-labels")),
                ("severity.labels", severity.get("labels")),
            )
            if value is not None
        ]
        if not given:
            return Policy(), None
        if len(given) > 1:
            # Two tables of one mapping would have to be merged or ranked;
            # either is a guess about which the team meant.
            self.fail(
                "severity.labels",
                "the labels are given twice (also as severity-labels); keep one",
                given[1][1],
            )
        key, value = given[0]
        labels = self.table(key, value)
        if labels is None:
            return Policy(), None
        try:
            return Policy().with_labels(labels), labels
        except ValidationError as exc:
            self.errors.extend(f"{self.prefix}{key}: {e}" for e in exc.errors)
            return Policy(), None

    def _severity(
        self,
        severity: dict[str, Any],
        policy: Policy,
        labels: dict[str, Any] | None,
    ) -> Policy:
        """``[severity]``: the severity policy's major, revenue scale and levels."""
        changes: dict[str, Any] = {}
        for name, item in severity.items():
            key = f"severity.{name}"
            if name == "labels":
                continue  # read with the other labels, before every level table
            if name == "major":
                if isinstance(item, int) and not isinstance(item, bool) and item > 0:
                    changes["major"] = item
                else:
                    self.fail(key, "expected a severity level number >= 1", item)
            elif name == "revenue-scale":
                scale = self.strings(key, item)
                if scale is not None:
                    changes["revenue_scale"] = scale
            elif name == "levels":
                levels = self._levels(item, policy)
                if levels is not None:
                    changes["levels"] = levels
            else:
                self.errors.append(
                    f"{self.prefix}{key}: unknown key (known: "
                    f"{', '.join(SEVERITY_KEYS)})"
                )
        if not changes:
            return policy
        try:
            rules = attrs.evolve(policy.severity, **changes)
        except ValidationError as exc:
            self.errors.extend(
                f"{self.prefix}severity{self._level_path(e, changes)}"
                for e in exc.errors
            )
            return policy
        policy = attrs.evolve(policy, severity=rules)
        # New levels are named SEV<n> until the team's first word for each
        # renames them, as it renames the default ones.
        return policy.with_labels(labels) if labels else policy

    def _level_path(self, error: str, changes: dict[str, Any]) -> str:
        # SeverityPolicy names a criterion by position (levels[0].criteria[1]);
        # the file names it by its keys.
        levels = changes.get("levels")
        found = _CRITERION_ERROR.match(error)
        if levels is None or found is None:
            return f": {error}"
        level: SeverityLevel = levels[int(found.group(1))]
        criterion = level.criteria[int(found.group(2))]
        name = self.level_keys.get(level.level, str(level.level))
        field = found.group(3).replace("_", "-")
        return (
            f".levels.{name}.criteria.{criterion.name}.{field}: {error[found.end() :]}"
        )

    def _levels(
        self, value: object, policy: Policy
    ) -> tuple[SeverityLevel, ...] | None:
        """``[severity.levels]``: level → summary and criteria, replacing all."""
        table = self.table("severity.levels", value)
        if table is None:
            return None
        if not table:
            self.fail("severity.levels", "expected at least one level", table)
            return None
        levels: dict[int, SeverityLevel] = {}
        named: dict[int, str] = {}
        failed = False
        for name, entry in table.items():
            key = f"severity.levels.{name}"
            number = int(name) if name.isdigit() else policy.level(name)
            if number is None:
                self.fail(
                    key,
                    "expected a severity level (1) or label (SEV1) as the key",
                    name,
                )
                failed = True
                continue
            if number in named:
                self.fail(
                    key,
                    f"level {number} is given twice (also as {named[number]!r})",
                    name,
                )
                failed = True
                continue
            named[number] = name
            level = self._level(key, entry, number, policy)
            if level is None:
                failed = True
            else:
                levels[number] = level
        if failed:
            return None
        self.level_keys = named
        # Most severe first, as SeverityPolicy reads them, whatever the
        # order of the file.
        return tuple(levels[number] for number in sorted(levels))

    def _level(
        self, key: str, value: object, number: int, policy: Policy
    ) -> SeverityLevel | None:
        table = self.table(key, value)
        if table is None:
            return None
        summary = ""
        criteria: list[Criterion] = []
        ok = True
        for name, item in table.items():
            if _key(name) == "summary":
                if isinstance(item, str):
                    summary = item
                else:
                    self.fail(f"{key}.{name}", "expected a string", item)
                    ok = False
            elif _key(name) == "criteria":
                found = self._criteria(f"{key}.criteria", item)
                if found is None:
                    ok = False
                else:
                    criteria = found
            else:
                self.errors.append(
                    f"{self.prefix}{key}.{name}: unknown key (known: "
                    f"{', '.join(LEVEL_KEYS)})"
                )
                ok = False
        if not ok:
            return None
        return SeverityLevel(
            number, policy.severity.label(number), summary, tuple(criteria)
        )

    def _criteria(self, key: str, value: object) -> list[Criterion] | None:
        table = self.table(key, value)
        if table is None:
            return None
        criteria: list[Criterion] = []
        ok = True
        for name, item in table.items():
            criterion = self._criterion(f"{key}.{name}", name, item)
            if criterion is None:
                ok = False
            else:
                criteria.append(criterion)
        return criteria if ok else None

    def _criterion(self, key: str, name: str, value: object) -> Criterion | None:
        table = self.table(key, value)
        if table is None:
            return None
        description: str | None = None
        conditions: dict[str, Any] = {}
        ok = True
        for field, item in table.items():
            spelled = _key(field)
            where = f"{key}.{field}"
            if spelled == "description":
                if isinstance(item, str) and item.strip():
                    description = item
                else:
                    self.fail(where, "expected a description (a string)", item)
                    ok = False
                continue
            kind = CONDITION_KINDS.get(spelled)
            if kind is None:
                self.errors.append(
                    f"{self.prefix}{where}: unknown key (known: "
                    f"{', '.join(CRITERION_KEYS)})"
                )
                ok = False
            elif kind is bool:
                if isinstance(item, bool):
                    conditions[spelled.replace("-", "_")] = item
                else:
                    self.fail(where, "expected true or false", item)
                    ok = False
            elif kind is float:
                number = isinstance(item, (int, float)) and not isinstance(item, bool)
                if number and 0 <= item <= 100:
                    conditions[spelled.replace("-", "_")] = float(item)
                else:
                    self.fail(where, "expected a number from 0 to 100", item)
                    ok = False
            elif isinstance(item, str) and item.strip():
                conditions[spelled.replace("-", "_")] = item
            else:
                self.fail(where, "expected a non-empty string", item)
                ok = False
        if not ok:
            return None
        criterion = Criterion(name, description or "", **conditions)
        if description is None:
            # Explanations say "<level> applies when <description>": the
            # conditions in words stand in for a description not written.
            words = " and ".join(criterion.conditions()) or "always"
            criterion = attrs.evolve(criterion, description=words)
        return criterion

    def _policy(self, values: dict[str, Any], policy: Policy) -> Policy:
        def minutes(key: str, value: object) -> timedelta | None:
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            if number and value > 0:  # type: ignore[operator]  # a number here
                return timedelta(minutes=value)  # type: ignore[arg-type]
            self.fail(key, "expected a number of minutes > 0", value)
            return None

        changes: dict[str, Any] = {}
        if "max-update-gap-minutes" in values:
            gaps = self.level_table(
                "max-update-gap-minutes",
                values["max-update-gap-minutes"],
                policy,
                minutes,
            )
            if gaps is not None:
                changes["communications"] = attrs.evolve(
                    policy.communications, max_gap_by_level=gaps
                )
        actions: dict[str, Any] = {}
        if "required-action-types" in values:
            required = self.level_table(
                "required-action-types",
                values["required-action-types"],
                policy,
                self.strings,
            )
            if required is not None:
                actions["required_types_by_level"] = required
        if "done-statuses" in values:
            done = self.strings("done-statuses", values["done-statuses"])
            if done is not None:
                actions["done_statuses"] = done
        if actions:
            try:
                changes["actions"] = attrs.evolve(policy.actions, **actions)
            except ValidationError as exc:
                self.errors.extend(
                    f"{self.prefix}required-action-types: {e}" for e in exc.errors
                )
        if "deadline-days" in values:
            days = self.level_table(
                "deadline-days", values["deadline-days"], policy, self.count
            )
            if days is not None:
                changes["deadline_days"] = days
        return attrs.evolve(policy, **changes) if changes else policy

    def _rules(self, values: dict[str, Any]) -> CheckPolicy:
        options: dict[str, Any] = {}
        for name in ("select", "ignore"):
            if name in values:
                listed = self.strings(name, values[name])
                if listed is not None:
                    options[name] = listed
        if "levels" in values:
            levels = self.table("levels", values["levels"])
            if levels is not None:
                options["levels"] = levels
        if "postmortem-max-level" in values:
            level = self.count(
                "postmortem-max-level", values["postmortem-max-level"], least=1
            )
            if level is not None:
                options["postmortem_max_level"] = level
        try:
            return CheckPolicy(**options)
        except ValidationError as exc:
            # The policy names its parameters: select, levels['IK9']...
            self.errors.extend(
                self.prefix
                + e.replace("postmortem_max_level", "postmortem-max-level", 1)
                for e in exc.errors
            )
            return CheckPolicy()
