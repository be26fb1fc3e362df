"""An immutable mapping for policy tables."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Generic, TypeVar

import attrs

__all__ = ["FrozenMapping"]

_K = TypeVar("_K")
_V = TypeVar("_V")


@attrs.frozen(eq=False, repr=False)
class FrozenMapping(Mapping[_K, _V], Generic[_K, _V]):
    """A small mapping that cannot change, and that hashes and pickles.

    The policies keep their tables (severity level → limit, label → value)
    in one: a default policy is shared by every call, so its tables must not
    change under anyone (a ``dict`` could), and a policy must pickle to reach
    worker processes (a :class:`types.MappingProxyType` cannot). Lookups
    scan the pairs, which is fast for the few entries a policy has. It
    compares equal to any mapping with the same items.

    Example:
        >>> limits = FrozenMapping.of({1: 30, 2: 60})
        >>> limits[2], limits.get(3), limits == {1: 30, 2: 60}
        (60, None, True)
    """

    _pairs: tuple[tuple[_K, _V], ...]

    @classmethod
    def of(cls, mapping: Mapping[_K, _V]) -> FrozenMapping[_K, _V]:
        """A frozen copy of ``mapping``, in its order."""
        if isinstance(mapping, FrozenMapping):
            return mapping
        return cls(tuple(dict(mapping).items()))

    def __getitem__(self, key: _K) -> _V:
        for known, value in self._pairs:
            if known == key:
                return value
        raise KeyError(key)

    def __iter__(self) -> Iterator[_K]:
        return (key for key, _ in self._pairs)

    def __len__(self) -> int:
        return len(self._pairs)

    def __hash__(self) -> int:
        return hash(frozenset(self._pairs))

    def __repr__(self) -> str:
        return f"FrozenMapping({dict(self._pairs)!r})"
