"""An accelerated reader of incidentkit documents, derived from the schema.

With the optional ``fast`` extra (msgspec), each attrs record class gets a
``msgspec.Struct`` twin generated at first use: same field names, same
defaults. msgspec decodes strings, booleans, event types, lists and nesting
itself, in C; every other field (timestamps, dates, numbers with their
ranges, ``metadata`` and other free JSON values) is decoded as a plain JSON
value and then handed to the *converter's own hook for that field*
(:func:`~incidentkit.records.converter.field_hook`), so that each rule is written
once. The twins are read by attribute exactly as records are, so the table
builds its columns from either.

The decoder only ever accepts a subset of what the converter accepts, with
the same values; anything else (an unknown key, a value it does not take, a
hook that refuses) is ``None`` here, and the caller hands the document to
the converter, which builds the record or names the problem. That keeps the
accepted documents, the rejected ones and their error messages identical
with and without msgspec installed. Unknown keys are refused rather than
skipped because msgspec skips them without checking what JSON the
converter would reject inside them (``1e400``, integers of 400 digits).
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Callable
from typing import Any, Final

import attrs

from incidentkit.records.converter import field_hook, shared_converter
from incidentkit.records.schema import EventType, IncidentRecord


def _optional_msgspec() -> Any:
    try:  # the optional ``fast`` extra
        import msgspec
    except ImportError:  # pragma: no cover - the tests switch it off instead
        return None
    return msgspec


msgspec: Any = _optional_msgspec()

__all__ = ["available", "decoder", "record_decoder"]

# Types msgspec decodes exactly as the converter does: a JSON string (never a
# number) for str, true/false for bool, an enum value for EventType.
_NATIVE: Final = (str, bool, EventType)

# What a twin class must do after msgspec has decoded it: (field, hook, type)
# for the fields decoded as plain JSON, and the nested twins to walk into.
_Fix = Callable[[Any], None]


def available() -> bool:
    """Whether the accelerator (msgspec) is installed."""
    return msgspec is not None


def _is_optional(hint: Any) -> bool:
    args = typing.get_args(hint)
    return len(args) == 2 and type(None) in args


def _inner(hint: Any) -> Any:
    return next(arg for arg in typing.get_args(hint) if arg is not type(None))


def _is_tuple_of(hint: Any) -> bool:
    args = typing.get_args(hint)
    return typing.get_origin(hint) is tuple and len(args) == 2 and args[1] is Ellipsis


class _Twins:
    """The Struct twin of every record class, for one ``assume_utc`` setting."""

    def __init__(self, assume_utc: bool) -> None:
        assert msgspec is not None
        # strict=True: an unknown key never reaches the twins (they refuse
        # it), so the converter's handling of unknown keys does not matter.
        self.converter = shared_converter(assume_utc, True)
        self.structs: dict[type, type] = {}
        self.fixes: dict[type, _Fix | None] = {}
        self.builds: dict[type, Callable[[Any], Any]] = {}
        root = self.struct(IncidentRecord)
        self._build_root = self.builds[root]
        self.decoder: Any = msgspec.json.Decoder(root)
        fix_root = self.fixes[root]
        assert fix_root is not None  # the incident's timestamps always need it
        self._fix_root = fix_root

    def struct(self, cls: type) -> type:
        """The twin of an attrs class (built once)."""
        if cls in self.structs:
            return self.structs[cls]
        hints = typing.get_type_hints(cls)
        fields: list[tuple[str, Any, Any]] = []
        hooked: list[tuple[str, Callable[[Any, Any], Any], Any]] = []
        nested: list[tuple[str, bool, _Fix]] = []
        # How to build the record from its twin: (field, hook or None,
        # type, child twin's builder or None, many).
        recipe: list[tuple[str, Any, Any, Any, bool]] = []
        for field in attrs.fields(cls):
            if field.name == "extra":
                continue
            hint = hints[field.name]
            native, walk = self._native(hint, field)
            if native is None:
                native = Any
                hook = field_hook(self.converter, cls, field)
                hooked.append((field.name, hook, hint))
                recipe.append((field.name, hook, hint, None, False))
            elif walk is not None:
                child = self._twin_of(hint)
                child_fix = self.fixes[child]
                if child_fix is not None:
                    nested.append((field.name, walk, child_fix))
                recipe.append((field.name, None, hint, self.builds[child], walk))
            else:
                recipe.append((field.name, None, hint, None, False))
            if field.default is attrs.NOTHING:
                fields.append((field.name, native, msgspec.NODEFAULT))
            elif isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
                factory = field.default.factory
                fields.append(
                    (field.name, native, msgspec.field(default_factory=factory))
                )
            else:
                fields.append((field.name, native, field.default))
        struct: type = msgspec.defstruct(
            cls.__name__,
            fields,
            kw_only=True,
            forbid_unknown_fields=True,
            # Twins hold JSON values only, never cycles: keeping them out of
            # the garbage collector's lists saves its repeated scans.
            gc=False,
        )
        self.structs[cls] = struct
        self.fixes[struct] = self._fix(hooked, nested) if hooked or nested else None
        self.builds[struct] = self._build(cls, recipe)
        return struct

    def _twin_of(self, hint: Any) -> type:
        """The twin class inside a field's type (``X``, ``X | None``, tuples)."""
        while not attrs.has(hint):
            hint = _inner(hint) if _is_optional(hint) else typing.get_args(hint)[0]
        return self.structs[hint]

    def _native(
        self, hint: Any, field: attrs.Attribute[Any]
    ) -> tuple[Any, bool | None]:
        """The msgspec type of a field, and whether it holds twins (tuple: True).

        ``(None, None)`` when the converter's hook must decode the field.
        """
        if field.validator is not None:
            return None, None
        if hint in _NATIVE:
            return hint, None
        if attrs.has(hint):
            return self.struct(hint), False
        if _is_optional(hint):
            inner, walk = self._native(_inner(hint), field)
            return (None, None) if inner is None else (inner | None, walk)
        if _is_tuple_of(hint):
            element = typing.get_args(hint)[0]
            if element in _NATIVE:
                return hint, None
            if attrs.has(element):
                return tuple[self.struct(element), ...], True  # type: ignore[misc]
        return None, None

    def _fix(
        self,
        hooked: list[tuple[str, Callable[[Any, Any], Any], Any]],
        nested: list[tuple[str, bool, _Fix]],
    ) -> _Fix:
        """A function that hands a twin's hooked fields to their hooks.

        Generated as source, one statement per field, as attrs and cattrs do
        for their own classes: a loop over field names costs more per
        document than the hooks themselves.
        """
        names: dict[str, Any] = {}
        lines = ["def fix(value):"]
        for position, (name, hook, hint) in enumerate(hooked):
            names[f"hook{position}"], names[f"type{position}"] = hook, hint
            lines.append(
                f"    value.{name} = hook{position}(value.{name}, type{position})"
            )
        for position, (name, many, child_fix) in enumerate(nested):
            names[f"fix{position}"] = child_fix
            lines.append(f"    child = value.{name}")
            lines.append("    if child is not None:")
            if many:
                lines.append("        for element in child:")
                lines.append(f"            fix{position}(element)")
            else:
                lines.append(f"        fix{position}(child)")
        exec("\n".join(lines), names)
        fix: _Fix = names["fix"]
        return fix

    def _build(
        self, cls: type, recipe: list[tuple[str, Any, Any, Any, bool]]
    ) -> Callable[[Any], Any]:
        """A function from a twin (not fixed) to its record, generated like ``_fix``.

        Hooked fields go through the converter's hooks, nested twins through
        their own builders, the rest is taken as msgspec decoded it.
        """
        names: dict[str, Any] = {"cls": cls}
        lines = ["def build(value):"]
        arguments = []
        for position, (name, hook, hint, builder, many) in enumerate(recipe):
            if hook is not None:
                names[f"hook{position}"], names[f"type{position}"] = hook, hint
                arguments.append(f"{name}=hook{position}(value.{name}, type{position})")
            elif builder is not None:
                names[f"build{position}"] = builder
                lines.append(f"    child{position} = value.{name}")
                made = (
                    f"tuple([build{position}(item) for item in child{position}])"
                    if many
                    else f"build{position}(child{position})"
                )
                lines.append(
                    f"    if child{position} is not None: child{position} = {made}"
                )
                arguments.append(f"{name}=child{position}")
            else:
                arguments.append(f"{name}=value.{name}")
        lines.append(f"    return cls({', '.join(arguments)})")
        exec("\n".join(lines), names)
        build: Callable[[Any], Any] = names["build"]
        return build

    def record(self, raw: bytes) -> IncidentRecord | None:
        """The record of a document, or ``None`` when the converter must decide."""
        try:
            built: IncidentRecord = self._build_root(self.decoder.decode(raw))
        except Exception:
            return None
        return built

    def decode(self, raw: bytes) -> Any:
        """The twin of a record, or ``None`` when the converter must decide."""
        try:
            value = self.decoder.decode(raw)
            self._fix_root(value)
        except Exception:
            return None
        return value


@functools.cache
def _twins(assume_utc: bool) -> _Twins:
    return _Twins(assume_utc)


def decoder(assume_utc: bool) -> Callable[[bytes], Any] | None:
    """A function from JSON bytes to a record twin (or ``None``), if available."""
    if msgspec is None:
        return None
    return _twins(assume_utc).decode


def record_decoder(assume_utc: bool) -> Callable[[bytes], IncidentRecord | None] | None:
    """A function from JSON bytes to a record (or ``None``), if available.

    The record is the one the converter builds from the same document.
    """
    if msgspec is None:
        return None
    return _twins(assume_utc).record
