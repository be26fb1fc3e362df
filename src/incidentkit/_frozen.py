"""Immutable mappings, and deep freezing and thawing of JSON-like values."""

from __future__ import annotations

from collections.abc import (
    Callable,
    ItemsView,
    Iterable,
    Iterator,
    KeysView,
    Mapping,
    ValuesView,
)
from typing import Any, Final, Generic, NoReturn, TypeVar, overload

__all__ = ["EMPTY", "FrozenMapping", "freeze", "thaw"]

_K = TypeVar("_K")
_V = TypeVar("_V")
_D = TypeVar("_D")


class FrozenMapping(Mapping[_K, _V], Generic[_K, _V]):
    """A mapping that cannot change, deeply, and that hashes and pickles.

    The policies keep their tables (severity level → limit, label → value)
    in one: a default policy is shared by every call, so its tables must not
    change under anyone (a ``dict`` could), and a policy must pickle to reach
    worker processes (a :class:`types.MappingProxyType` cannot). Records keep
    their ``metadata`` and unknown keys in one, so that a frozen record is
    frozen all the way down and hashes. Values are frozen on the way in
    (:func:`freeze`: a dict inside becomes a ``FrozenMapping``, a list a
    tuple). It keeps its order and compares equal to any mapping with the
    same items, a plain ``dict`` included.

    Example:
        >>> limits = FrozenMapping.of({1: 30, 2: [60, 90]})
        >>> limits[2], limits.get(3), limits == {1: 30, 2: (60, 90)}
        ((60, 90), None, True)
    """

    __slots__ = ("_hash", "_items")

    _items: dict[_K, _V]
    _hash: int | None

    def __init__(self, items: Mapping[_K, _V] | Iterable[tuple[_K, _V]] = ()) -> None:
        copied = dict(items)
        for key, value in copied.items():
            copied[key] = freeze(value)
        object.__setattr__(self, "_items", copied)
        object.__setattr__(self, "_hash", None)

    @classmethod
    def of(cls, mapping: Mapping[_K, _V]) -> FrozenMapping[_K, _V]:
        """A frozen copy of ``mapping``, in its order (itself if already frozen)."""
        # Exact types first: isinstance on an ABC is slow for what it does
        # not match, and every record object passes its mappings through
        # here, most of them frozen already by the converter.
        if type(mapping) is FrozenMapping:
            return mapping
        if type(mapping) is dict:
            if not mapping and cls is FrozenMapping:
                # Most record objects have no unknown keys: one empty
                # mapping serves them all (it cannot change).
                return EMPTY
        elif isinstance(mapping, FrozenMapping):
            return mapping
        return cls(mapping)

    @classmethod
    def adopt(cls, items: dict[_K, _V]) -> FrozenMapping[_K, _V]:
        """Wrap ``items`` without copying it or freezing its values.

        For code that builds frozen values itself, in one pass (the record
        converter): ``items`` must hold frozen values only, and nobody may
        keep a reference to it.
        """
        frozen = cls.__new__(cls)
        object.__setattr__(frozen, "_items", items)
        object.__setattr__(frozen, "_hash", None)
        return frozen

    def __getitem__(self, key: _K) -> _V:
        return self._items[key]

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __iter__(self) -> Iterator[_K]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def get(self, key: _K, /) -> _V | None: ...
    @overload
    def get(self, key: _K, default: _V | _D, /) -> _V | _D: ...
    def get(self, key: _K, default: object = None, /) -> object:
        return self._items.get(key, default)

    # Views of the inner dict: read-only, and faster than Mapping's generic ones.
    def keys(self) -> KeysView[_K]:
        return self._items.keys()

    def values(self) -> ValuesView[_V]:
        return self._items.values()

    def items(self) -> ItemsView[_K, _V]:
        return self._items.items()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrozenMapping):
            return self._items == other._items
        if isinstance(other, dict):
            return self._items == other
        if isinstance(other, Mapping):
            return self._items == dict(other.items())
        return NotImplemented

    def __hash__(self) -> int:
        # Cached: records hash their mappings on every set or dict lookup.
        if self._hash is None:
            object.__setattr__(self, "_hash", hash(frozenset(self._items.items())))
        assert self._hash is not None
        return self._hash

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"{type(self).__name__} cannot be changed")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"{type(self).__name__} cannot be changed")

    def __reduce__(self) -> tuple[type[FrozenMapping[_K, _V]], tuple[dict[_K, _V]]]:
        return type(self), (self._items,)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._items!r})"


#: The one empty mapping that record fields without content share.
EMPTY: Final[FrozenMapping[Any, Any]] = FrozenMapping()


def _rebuild(
    value: object,
    mapping: Callable[[dict[Any, Any]], object],
    sequence: Callable[[list[Any]], object],
    keep: tuple[type, ...],
) -> Any:
    """Copy a nest of mappings and lists/tuples, remaking each container.

    Iterative, so that a value nested thousands deep is no RecursionError. A
    container is remade (``mapping``, ``sequence``) once its contents are,
    innermost first; instances of ``keep`` are taken as they are.
    """
    atoms = (str, bytes, *keep)
    root: list[object] = [None]
    # (value, container to write into, key in it, whether value is a copied
    # container whose contents are done)
    stack: list[tuple[Any, Any, Any, bool]] = [(value, root, 0, False)]
    while stack:
        item, into, key, done = stack.pop()
        if done:
            into[key] = mapping(item) if isinstance(item, dict) else sequence(item)
        elif isinstance(item, atoms):
            into[key] = item
        elif isinstance(item, Mapping):
            copied = dict(item)
            stack.append((copied, into, key, True))
            stack.extend(
                (element, copied, name, False) for name, element in copied.items()
            )
        elif isinstance(item, (list, tuple)):
            listed = list(item)
            stack.append((listed, into, key, True))
            stack.extend(
                (element, listed, index, False) for index, element in enumerate(listed)
            )
        else:
            into[key] = item
    return root[0]


def freeze(value: object) -> Any:
    """``value`` with every mapping in it frozen and every list a tuple.

    A :class:`FrozenMapping` is frozen already and is kept as it is.

    Example:
        >>> freeze({"tags": ["a", "b"]})
        FrozenMapping({'tags': ('a', 'b')})
    """
    if isinstance(value, FrozenMapping) or not isinstance(
        value, (Mapping, list, tuple)
    ):
        return value
    if type(value) is tuple and not any(map(_to_freeze, value)):
        return value  # as the converter builds them, for one scan
    return _rebuild(value, FrozenMapping.adopt, tuple, (FrozenMapping,))


def _to_freeze(value: object) -> bool:
    return isinstance(value, (Mapping, list, tuple)) and not isinstance(
        value, FrozenMapping
    )


def thaw(value: object) -> Any:
    """``value`` with every mapping in it a new ``dict`` and every tuple a list.

    The inverse of :func:`freeze`: plain JSON data that its caller may change
    and that every JSON writer takes.

    Example:
        >>> thaw(freeze({"tags": ["a", "b"]}))
        {'tags': ['a', 'b']}
    """
    if not isinstance(value, (Mapping, list, tuple)):
        return value
    return _rebuild(value, _same, _same, ())


def _same(container: _D) -> _D:
    return container
