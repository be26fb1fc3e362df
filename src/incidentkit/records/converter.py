"""The one cattrs converter that turns JSON values into records and back.

:func:`make_converter` builds it. Primitive hooks are registered before the
class hooks, so that every class picks up the strict primitives: a string is
never silently turned into a list of characters, a number is never accepted
where a string belongs, and NaN is never a number. Errors are collected for the
whole document (cattrs' detailed validation) and turned into
:class:`~incidentkit.errors.ValidationError` paths with
:func:`cattrs.transform_error`.
"""

from __future__ import annotations

import functools
import math
import reprlib
import typing
from collections.abc import Callable, Mapping
from datetime import date, datetime, timezone
from typing import Any, Final, TypeVar, cast

import attrs
import cattrs
from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from dateutil.parser import isoparse

from incidentkit._frozen import FrozenMapping, thaw
from incidentkit.errors import ValidationError
from incidentkit.records.schema import EventType, IncidentRecord

__all__ = [
    "MAX_JSON_DEPTH",
    "format_timestamp",
    "make_converter",
    "parse_date",
    "parse_timestamp",
    "structure_record",
    "unstructure_record",
]

T = TypeVar("T")

#: Nesting allowed inside ``metadata`` and unknown keys. Deeper values could
#: not be written back by the stdlib ``json`` module (recursion) and no real
#: record needs them.
MAX_JSON_DEPTH: Final = 500

_UTC: Final = timezone.utc
_SHOWN_CHARS: Final = 60
# Python refuses to print integers of over 4,300 digits; nothing in an
# incident needs more than a float's range, so the bound stays far below.
_MAX_INT_DIGITS: Final = 308
_MAX_JSON_INT: Final = 10**_MAX_INT_DIGITS
# Below this, an integer is surely within _MAX_JSON_INT (compared cheaply).
_MAX_FLAT_INT: Final = 2**63
_MAPPING_ORIGINS: Final[tuple[object, ...]] = (Mapping, dict)


class Invalid(ValueError):
    """A value breaks a rule; its message already says which and shows it."""


def _short_repr() -> reprlib.Repr:
    # reprlib stops at a depth and a length, so a value nested 100,000 deep or
    # a 10 MB string costs a few characters in a message, not a RecursionError.
    shortener = reprlib.Repr()
    shortener.maxlevel = 3
    shortener.maxstring = shortener.maxother = shortener.maxlong = _SHOWN_CHARS
    shortener.maxlist = shortener.maxtuple = shortener.maxset = 5
    shortener.maxdict = 4
    return shortener


_SHORT_REPR: Final = _short_repr()


def show(value: object) -> str:
    """Render a bad value for an error message, shortened, with its type.

    Example:
        >>> show("x" * 1000)
        "'xxxxxxxxxxxxxxxxxxxxxxxxx...xxxxxxxxxxxxxxxxxxxxxxxxxxxx'"
        >>> show([[[[[1]]]]])
        '[[[[...]]]] (list)'
    """
    text = _SHORT_REPR.repr(value)
    if isinstance(value, str):
        return text
    return f"{text} ({type(value).__name__})"


# --- primitives ---------------------------------------------------------------


def parse_timestamp(value: object, *, assume_utc: bool = False) -> datetime:
    """Parse an ISO 8601 timestamp into an aware UTC ``datetime``.

    The common form goes through :meth:`datetime.fromisoformat`; anything it
    refuses is retried with :func:`dateutil.parser.isoparse`, which accepts
    more of ISO 8601 but is about 50 times slower per call.

    Args:
        value: The JSON value.
        assume_utc: Read a timestamp without an offset as UTC instead of
            rejecting it.

    Raises:
        Invalid: With a message naming the rule and the value.

    Example:
        >>> parse_timestamp("2024-01-15T15:23:00+01:00")
        datetime.datetime(2024, 1, 15, 14, 23, tzinfo=datetime.timezone.utc)
    """
    if not isinstance(value, str):
        raise Invalid(f"expected an ISO 8601 timestamp string, got {show(value)}")
    # Python 3.10's fromisoformat does not know "Z"; spelling it out keeps the
    # fast path for the most common form on every supported version.
    text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = isoparse(value)
        except (ValueError, OverflowError, TypeError):
            raise Invalid(
                f"timestamp {show(value)} is not a valid ISO 8601 date and time"
            ) from None
    if parsed.tzinfo is _UTC:  # "Z" and "+00:00": already what is returned
        return parsed
    offset = parsed.utcoffset()
    if offset is None:
        if not assume_utc:
            raise Invalid(
                f"timestamp {show(value)} has no UTC offset "
                "(add 'Z' or '+00:00', or load with assume_utc=True)"
            )
        return parsed.replace(tzinfo=_UTC)
    if not offset:
        return parsed.replace(tzinfo=_UTC)
    try:
        return parsed.astimezone(_UTC)
    except OverflowError:
        raise Invalid(
            f"timestamp {show(value)} falls outside years 1-9999 when converted to UTC"
        ) from None


def parse_date(value: object) -> date:
    """Parse an ISO 8601 calendar date (``YYYY-MM-DD``).

    Example:
        >>> parse_date("2024-01-22")
        datetime.date(2024, 1, 22)
    """
    if not isinstance(value, str):
        raise Invalid(f"expected a date string YYYY-MM-DD, got {show(value)}")
    try:
        if len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid(f"date {show(value)} is not a valid YYYY-MM-DD date") from None


def _parse_date_or_timestamp(value: object, *, assume_utc: bool) -> datetime | date:
    if isinstance(value, str) and len(value) == 10:
        return parse_date(value)
    return parse_timestamp(value, assume_utc=assume_utc)


def format_timestamp(moment: datetime) -> str:
    """Write a UTC ``datetime`` the way records spell it, with ``Z``.

    Example:
        >>> from datetime import datetime, timezone
        >>> format_timestamp(datetime(2024, 1, 15, 14, 23, tzinfo=timezone.utc))
        '2024-01-15T14:23:00Z'
    """
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _structure_timestamp(value: object, _: object) -> datetime:
    return parse_timestamp(value)


def _structure_timestamp_assume_utc(value: object, _: object) -> datetime:
    return parse_timestamp(value, assume_utc=True)


_TIMESTAMP_HOOKS: Final = {
    False: _structure_timestamp,
    True: _structure_timestamp_assume_utc,
}


def _structure_str(value: object, _: object) -> str:
    if isinstance(value, str):
        return value
    raise Invalid(f"expected a string, got {show(value)}")


def _structure_bool(value: object, _: object) -> bool:
    if isinstance(value, bool):
        return value
    raise Invalid(f"expected true or false, got {show(value)}")


def _structure_int(value: object, _: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    # Some exporters write every number as a float; 12500.0 is still a count.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise Invalid(f"expected a whole number, got {show(value)}")


def _structure_float(value: object, _: object) -> float:
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        raise Invalid(f"expected a finite number, got {value!r} (not valid JSON)")
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return float(value)
        except OverflowError:
            raise Invalid(f"number {show(value)} is too large") from None
    raise Invalid(f"expected a number, got {show(value)}")


_EVENT_TYPES: Final = ", ".join(member.value for member in EventType)


def _structure_event_type(value: object, _: object) -> EventType:
    if isinstance(value, str):
        try:
            return EventType(value)
        except ValueError:
            pass
    raise Invalid(f"{show(value)} is not an event type (one of {_EVENT_TYPES})")


# --- JSON values (metadata, unknown keys) --------------------------------------

_Problem = tuple[tuple[str | int, ...], str]


def _copy_json(value: object) -> tuple[object, list[_Problem]]:
    """Copy a JSON value, frozen, listing everything in it JSON could not hold.

    Objects become :class:`~incidentkit._frozen.FrozenMapping` and arrays
    tuples in the same pass that checks them, each container once its
    contents are done. Iterative, so that a value nested 100,000 deep is
    reported, not a RecursionError.
    """
    problems: list[_Problem] = []
    root: list[object] = [None]
    # (value, container to write into, key in that container, path); a path
    # of None marks a copied container whose contents are done.
    stack: list[tuple[object, Any, Any, tuple[str | int, ...] | None]] = [
        (value, root, 0, ())
    ]
    while stack:
        item, into, key, path = stack.pop()
        if path is None:
            into[key] = (
                FrozenMapping.adopt(item)
                if isinstance(item, dict)
                else tuple(cast(list[object], item))
            )
        elif item is None or isinstance(item, (str, bool)):
            into[key] = item
        elif isinstance(item, int):
            if -_MAX_JSON_INT < item < _MAX_JSON_INT:
                into[key] = item
            else:
                problems.append((path, f"integer with over {_MAX_INT_DIGITS} digits"))
        elif isinstance(item, float):
            if math.isfinite(item):
                into[key] = item
            else:
                problems.append((path, f"{item!r} is not valid JSON"))
        elif isinstance(item, (dict, list)):
            if len(path) >= MAX_JSON_DEPTH:
                problems.append((path, f"nested deeper than {MAX_JSON_DEPTH} levels"))
                continue
            if isinstance(item, list):
                copied_list: list[object] = [None] * len(item)
                stack.append((copied_list, into, key, None))
                stack.extend(
                    (element, copied_list, index, (*path, index))
                    for index, element in enumerate(item)
                )
            else:
                copied: dict[str, object] = {}
                stack.append((copied, into, key, None))
                for name, element in item.items():
                    if not isinstance(name, str):
                        problems.append(
                            (path, f"object key {show(name)} is not a string")
                        )
                        continue
                    copied[name] = None
                    stack.append((element, copied, name, (*path, name)))
        else:
            problems.append(
                (path, f"{show(item)} is not a JSON value (string, number, ...)")
            )
    return root[0], problems


def _with_note(exc: Exception, note: object) -> Exception:
    # Python 3.10 has no add_note; cattrs reads __notes__ on every version.
    exc.__notes__ = [*getattr(exc, "__notes__", []), note]  # type: ignore[attr-defined]
    return exc


def _located(path: tuple[str | int, ...], message: str) -> Exception:
    """Nest one problem in cattrs' exception groups, one level per path step.

    :func:`cattrs.transform_error` reads the notes back into a path, so values
    checked here get paths like every other field.
    """
    exc: Exception = Invalid(message)
    for position in range(len(path) - 1, -1, -1):
        step = path[position]
        if isinstance(step, str) and len(step) > _SHOWN_CHARS:
            # A 10 MB key must not make a 10 MB path.
            step = step[: _SHOWN_CHARS - 3] + "..."
        note: object = (
            IterableValidationNote("", step, Any)
            if isinstance(step, int)
            else AttributeValidationNote("", step, Any)
        )
        exc = _with_note(exc, note)
        if position:
            exc = _group(step, [exc])
    return exc


def _group(step: str | int, exceptions: list[Exception]) -> Exception:
    if isinstance(step, int):
        return IterableValidationError("", exceptions, list)
    return ClassValidationError("", exceptions, dict)


def _problems_error(problems: list[_Problem]) -> Exception:
    """One exception for all problems of a value, paths relative to it."""
    located = [_located(path, message) for path, message in problems]
    first_steps = [path[0] for path, _ in problems if path]
    return _group(first_steps[0] if first_steps else "", located)


def _flat_scalars(value: dict[Any, Any]) -> bool:
    """Whether an object holds only JSON scalars that need no further check.

    Most ``metadata`` is like this; it is copied in one step instead of
    walked value by value.
    """
    for key, item in value.items():
        kind = type(key)
        if kind is not str:
            return False
        kind = type(item)
        if kind is str or kind is bool or item is None:
            continue
        if kind is float:
            if item - item != 0.0:  # inf and nan, without a function call
                return False
        elif kind is not int or not -_MAX_FLAT_INT < item < _MAX_FLAT_INT:
            return False
    return True


def _structure_json(value: object, _: object = None) -> Any:
    if type(value) is dict and _flat_scalars(value):
        return FrozenMapping.adopt(dict(value))
    copied, problems = _copy_json(value)
    if problems:
        raise _problems_error(problems)
    return copied


def _structure_json_object(value: object, _: object) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise Invalid(f"expected a JSON object, got {show(value)}")
    copied: Mapping[str, Any] = _structure_json(value)
    return copied


# --- sequences ------------------------------------------------------------------


def _is_homogeneous_tuple(type_: Any) -> bool:
    args = typing.get_args(type_)
    return typing.get_origin(type_) is tuple and len(args) == 2 and args[1] is Ellipsis


def _tuple_hook_factory(
    type_: Any, converter: cattrs.Converter
) -> Callable[[object, object], tuple[Any, ...]]:
    element_type = typing.get_args(type_)[0]
    if element_type is Any:
        element_hook: Callable[[Any, Any], Any] = _structure_json
    else:
        element_hook = converter.get_structure_hook(element_type)

    def structure_tuple(value: object, _: object) -> tuple[Any, ...]:
        # A string is iterable too; it must not become a tuple of characters.
        if not isinstance(value, list):
            raise Invalid(f"expected a list, got {show(value)}")
        out = []
        errors = []
        for index, element in enumerate(value):
            try:
                out.append(element_hook(element, element_type))
            except Exception as exc:  # noqa: PERF203 - free unless raised (3.11+)
                errors.append(
                    _with_note(exc, IterableValidationNote("", index, element_type))
                )
        if errors:
            raise IterableValidationError("", errors, type_)
        return tuple(out)

    return structure_tuple


def _is_optional(type_: Any) -> bool:
    args = typing.get_args(type_)
    return len(args) == 2 and type(None) in args


def _optional_hook_factory(
    type_: Any, converter: cattrs.Converter
) -> Callable[[object, object], Any]:
    # cattrs' own Optional hook dispatches on every call; records have
    # hundreds of optional fields, so the inner hook is looked up once here.
    inner_type = next(arg for arg in typing.get_args(type_) if arg is not type(None))
    inner_hook = converter.get_structure_hook(inner_type)

    def structure_optional(value: object, _: object) -> Any:
        return None if value is None else inner_hook(value, inner_type)

    return structure_optional


def _is_optional_date_or_timestamp(type_: Any) -> bool:
    return set(typing.get_args(type_)) == {datetime, date, type(None)}


# --- classes --------------------------------------------------------------------


def _validated(
    hook: Callable[[Any, Any], Any], field: attrs.Attribute[Any]
) -> Callable[[Any, Any], Any]:
    """Run a field's attrs validator inside the structuring, to keep its path."""
    validator = field.validator
    assert validator is not None

    def structure_and_validate(value: object, type_: object) -> Any:
        result = hook(value, type_)
        try:
            validator(None, field, result)
        except ValueError as exc:
            message = str(exc).removeprefix(f"{field.name} ")
            raise Invalid(message) from None
        return result

    return structure_and_validate


def field_hook(
    converter: cattrs.Converter, cls: type, field: attrs.Attribute[Any]
) -> Callable[[Any, Any], Any]:
    """The hook that structures one field of a record class, validator included.

    The class hooks use it, and so does the accelerated decoder
    (:mod:`incidentkit.records.fast`), so that a field follows one rule.
    """
    hook = converter.get_structure_hook(typing.get_type_hints(cls)[field.name])
    return hook if field.validator is None else _validated(hook, field)


def _class_hook_factory(
    cls: type[T], converter: cattrs.Converter, *, strict: bool
) -> Callable[[object, object], T]:
    fields = attrs.fields(cls)  # type: ignore[arg-type]
    known = frozenset(field.name for field in fields if field.name != "extra")
    has_extra = any(field.name == "extra" for field in fields)
    overrides: dict[str, Any] = {"extra": override(omit=True)} if has_extra else {}
    for field in fields:
        if field.name != "extra" and field.validator is not None:
            overrides[field.name] = override(
                struct_hook=field_hook(converter, cls, field)
            )
    base = make_dict_structure_fn(
        cls,
        converter,
        _cattrs_forbid_extra_keys=False,
        _cattrs_detailed_validation=True,
        **overrides,
    )

    def structure_class(value: object, _: object) -> T:
        if not isinstance(value, dict):
            raise Invalid(f"expected a JSON object, got {show(value)}")
        if known.issuperset(value):
            return base(value, cls)
        unknown = {key: value[key] for key in value if key not in known}
        extra: Any = None
        if strict or not has_extra:
            problems: list[_Problem] = [
                ((key,), "unknown key (strict mode keeps only known keys)")
                if isinstance(key, str)
                else ((), f"object key {show(key)} is not a string")
                for key in unknown
            ]
        else:
            extra, problems = _copy_json(unknown)
        # The known keys are structured either way, so that one pass reports
        # the problems nested below an unknown key's neighbours too.
        errors: list[Exception] = []
        instance = None
        try:
            instance = base(value, cls)
        except ClassValidationError as exc:
            errors.extend(exc.exceptions)
        if problems:
            errors.extend(_problems_error(problems).exceptions)  # type: ignore[attr-defined]
        if errors or instance is None:
            raise ClassValidationError("", errors, cls)
        if extra is None:
            return instance
        return attrs.evolve(instance, extra=extra)  # type: ignore[misc]

    return structure_class


def _unstructure_class_factory(
    cls: type[Any], converter: cattrs.Converter
) -> Callable[[Any], dict[str, Any]]:
    # None fields are left out (absent and null read the same); empty lists
    # and dicts are written, so that a document that had them gets them back.
    # A text default (Incident.kind's "incident") is left out too: documents
    # written before the field existed stay as they were.
    overrides: dict[str, Any] = {
        field.name: override(
            omit_if_default=field.default is None or isinstance(field.default, str)
        )
        for field in attrs.fields(cls)
        if field.name != "extra"
    }
    base = make_dict_unstructure_fn(
        cls,
        converter,
        _cattrs_omit_if_default=False,
        extra=override(omit=True),
        **overrides,
    )

    def unstructure_class(instance: Any) -> dict[str, Any]:
        out = base(instance)
        if instance.extra:
            out.update(thaw(instance.extra))
        return out

    return unstructure_class


def _unstructure_tuple_factory(
    type_: Any, converter: cattrs.Converter
) -> Callable[[tuple[Any, ...]], list[Any]]:
    if typing.get_args(type_)[0] is Any:
        # JSON values: their nested tuples and mappings are thawed too.
        return thaw

    def unstructure_tuple(value: tuple[Any, ...]) -> list[Any]:
        return [converter.unstructure(element) for element in value]

    return unstructure_tuple


def make_converter(
    *, assume_utc: bool = False, strict: bool = False
) -> cattrs.Converter:
    """Build the converter between JSON values and incidentkit records.

    Args:
        assume_utc: Read timestamps without an offset as UTC instead of
            rejecting them.
        strict: Reject keys the schema does not know instead of keeping them
            in each object's ``extra``.

    Returns:
        A :class:`cattrs.Converter` with detailed validation; structuring
        errors are cattrs exception groups (see :func:`structure_record` for
        the :class:`~incidentkit.errors.ValidationError` form).

    Example:
        >>> from incidentkit.records.schema import Participant
        >>> converter = make_converter(strict=True)
        >>> converter.structure({"name": "Jane Smith"}, Participant)
        Participant(name='Jane Smith', role=None)
    """
    converter = cattrs.Converter(detailed_validation=True)

    # Primitive hooks first: the class hooks generated below look them up.
    converter.register_structure_hook(str, _structure_str)
    converter.register_structure_hook(bool, _structure_bool)
    converter.register_structure_hook(int, _structure_int)
    converter.register_structure_hook(float, _structure_float)
    converter.register_structure_hook(EventType, _structure_event_type)
    converter.register_structure_hook(datetime, _TIMESTAMP_HOOKS[assume_utc])
    converter.register_structure_hook(date, lambda value, _: parse_date(value))
    converter.register_structure_hook_func(
        _is_optional_date_or_timestamp,
        lambda value, _: (
            None
            if value is None
            else _parse_date_or_timestamp(value, assume_utc=assume_utc)
        ),
    )
    converter.register_structure_hook_func(
        lambda type_: typing.get_origin(type_) in _MAPPING_ORIGINS,
        _structure_json_object,
    )
    converter.register_structure_hook_factory(
        _is_homogeneous_tuple, _tuple_hook_factory
    )
    converter.register_structure_hook_factory(_is_optional, _optional_hook_factory)
    converter.register_structure_hook_factory(
        attrs.has, functools.partial(_class_hook_factory, strict=strict)
    )

    converter.register_unstructure_hook(datetime, format_timestamp)
    converter.register_unstructure_hook(date, date.isoformat)
    converter.register_unstructure_hook(EventType, lambda member: member.value)
    converter.register_unstructure_hook_factory(
        _is_homogeneous_tuple, _unstructure_tuple_factory
    )
    # JSON values are frozen in records and plain (dicts, lists) outside.
    converter.register_unstructure_hook_func(
        lambda type_: typing.get_origin(type_) in _MAPPING_ORIGINS or type_ is Any,
        thaw,
    )
    converter.register_unstructure_hook_factory(attrs.has, _unstructure_class_factory)
    return converter


@functools.cache
def shared_converter(assume_utc: bool, strict: bool) -> cattrs.Converter:
    """The converter for one option set, built once (its hooks are generated)."""
    return make_converter(assume_utc=assume_utc, strict=strict)


# --- errors ---------------------------------------------------------------------


def _describe(exc: BaseException, _: type | None) -> str:
    if isinstance(exc, KeyError):
        return "required field is missing"
    if isinstance(exc, Invalid):
        return str(exc)
    return f"invalid value ({type(exc).__name__}: {exc})"


def error_lines(exc: BaseException) -> list[str]:
    """Turn a structuring exception into ``path: message`` lines."""
    # cattrs joins each message to its path with " @ ", which a message (a
    # quoted value) and a path (a quoted key) may both contain. The message
    # is kept aside and stands in the line as its number, which holds no
    # " @ ", so that the first " @ " of each line is the separator.
    messages: list[str] = []

    def numbered(error: BaseException, kind: type | None) -> str:
        messages.append(_describe(error, kind))
        return str(len(messages) - 1)

    lines = []
    for line in cattrs.transform_error(exc, "$", numbered):
        number, _, path = line.partition(" @ ")
        tidy = path.removeprefix("$").removeprefix(".") or "$"
        lines.append(f"{tidy}: {messages[int(number)]}")
    return lines


def structure_record(
    data: object, *, assume_utc: bool = False, strict: bool = False
) -> IncidentRecord:
    """Structure one JSON document into an :class:`IncidentRecord`.

    Raises:
        ValidationError: Listing every problem in the document with its path.
    """
    converter = shared_converter(assume_utc, strict)
    try:
        return converter.structure(data, IncidentRecord)
    except (ClassValidationError, IterableValidationError, Invalid) as exc:
        raise ValidationError(error_lines(exc)) from None
    except RecursionError:
        raise ValidationError(["$: nested too deeply to read"]) from None


def unstructure_record(record: IncidentRecord) -> dict[str, Any]:
    """The JSON-ready ``dict`` of a record; unknown keys are written back."""
    result: dict[str, Any] = shared_converter(False, False).unstructure(record)
    return result
