"""Record: a small immutable value type that is cheap to define, for what the Lambda builds on every cold start."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

_set = object.__setattr__


class Record:
    """An immutable record: its fields are slots, set once; compared, hashed, shown and unpacked by value.

    A plain class, because defining one is what costs on a cold start: a typing.NamedTuple takes
    about 0.15 ms a class (collections.namedtuple compiles code for each), a frozen dataclass about
    0.8 ms; a Record subclass about 0.01 ms. Subclasses list their fields in ``_fields`` (in the
    constructor's order), make them ``__slots__`` and give a typed ``__init__``.
    """

    _fields: tuple[str, ...] = ()
    __slots__ = ()

    def __init__(self, *values: Any) -> None:
        for name, value in zip(self._fields, values, strict=True):
            _set(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"cannot assign to field {name!r}: {type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}: {type(self).__name__} is immutable")

    def __iter__(self) -> Iterator[Any]:
        return (getattr(self, name) for name in self._fields)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and tuple(self) == tuple(other)

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{name}={getattr(self, name)!r}' for name in self._fields)})"
