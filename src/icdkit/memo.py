"""Memos bounded by (approximate) bytes, not only by count: memory stays flat under a flood.

A server sees endless unique inputs (codes in every spelling, made-up words, dates); a memo
keyed by them and bounded only by its number of entries can still grow by the size of each
entry (a 500-character word is 50 times a 10-character one). :class:`Memo` is a dict that
weighs each entry as it is stored (:func:`approx_size` of key and value, plus the dict's own
slot) and, past its byte limit, forgets its oldest entries. Reads are plain dict reads (no
cost added); only stores pay the weighing, and they follow a miss, which is the dear part.

:func:`bounded` memoises a one-argument function of text the same way (the vocabulary's
stems and words). Every memo registers itself, so :func:`live` lists them for a test or a
report (the server's ``/health`` does not show them: they are the process's business).

>>> m = Memo("spellings", limit=4096)
>>> for i in range(1000):
...     m[f"m54.{i:03d}"] = "M54"
>>> m.bytes <= m.limit and 0 < len(m) < 1000
True
"""

from __future__ import annotations

import sys
import threading
import weakref
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

__all__ = ["ENTRY", "Memo", "approx_size", "bounded", "flat", "live", "shallow"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
T = TypeVar("T")

#: Bytes a dict spends on one entry besides the key and value objects (hash, two pointers,
#: the index slot, and room left free by the resizing rule).
ENTRY = 64
_DEPTH = 4  # levels of containers weighed; deeper objects count as a pointer
#: share of the limit a memo is trimmed down to when a store takes it past the limit: a small
#: step, so one trim forgets a few thousand entries at most (a millisecond or two), not a
#: quarter of a 24 MB memo at once (tens of milliseconds stalling the search that paid for it)
REFILL = 0.95

_LIVE: weakref.WeakSet[Memo[Any, Any]] = weakref.WeakSet()
_LIVE_LOCK = threading.Lock()
_ATOMS = (str, bytes, int, float, bool, type(None))
_FLAT = frozenset(_ATOMS)  # exact types weighed by getsizeof alone
_SEQUENCES = frozenset({tuple, list, set, frozenset})


def approx_size(obj: object, depth: int = _DEPTH) -> int:
    """Bytes *obj* holds: itself and what it contains, down *depth* levels of containers.

    Strings and bytes by their length, containers by their items, numpy arrays by their
    buffer, slotted objects and dataclasses by their fields. Shared objects are counted each
    time they are met (an over-estimate, which keeps the bound on the safe side).

    >>> approx_size("M54.03") < approx_size("M54.03" * 10)
    True
    """
    size = sys.getsizeof(obj)
    kind = type(obj)
    if kind in _FLAT or isinstance(obj, _ATOMS):
        return size
    if kind in _SEQUENCES or isinstance(obj, (tuple, list, set, frozenset)):
        if depth <= 0:
            return size
        for v in obj:  # type: ignore[attr-defined]
            size += sys.getsizeof(v) if type(v) in _FLAT else approx_size(v, depth - 1)
        return size
    nbytes = getattr(obj, "nbytes", None)
    if isinstance(nbytes, int):  # a numpy array: its buffer (a view counts its window)
        return size + nbytes
    if depth <= 0:
        return size
    if isinstance(obj, dict):
        return size + sum(approx_size(k, depth - 1) + approx_size(v, depth - 1) for k, v in obj.items())
    fields = getattr(kind, "__slots__", None) or getattr(obj, "__dict__", None) or ()
    if isinstance(fields, str):
        fields = (fields,)
    return size + sum(approx_size(getattr(obj, f, None), depth - 1) for f in fields)


class Memo(dict[K, V]):
    """A dict bounded by *limit* bytes (approximate): storing past it forgets the oldest entries.

    Read it as a dict (``get``, ``in``, ``[]``); store with ``memo[key] = value``. *weigh*
    gives an entry's bytes (default: :func:`approx_size` of key and value plus :data:`ENTRY`).
    ``bytes`` is the running estimate, never above ``limit`` once a store returns.
    """

    def __init__(self, name: str, limit: int,
                 weigh: Callable[[Any, Any], int] | None = None) -> None:
        super().__init__()
        self.name = name
        self.limit = limit
        self.bytes = 0
        self.forgotten = 0  # entries dropped to stay under the limit
        self._weigh = weigh or _weigh
        with _LIVE_LOCK:
            _LIVE.add(self)

    def __hash__(self) -> int:  # type: ignore[override]  # in a WeakSet, by identity
        return id(self)

    def __eq__(self, other: object) -> bool:
        return self is other

    def __setitem__(self, key: K, value: V) -> None:
        old = dict.get(self, key, _MISSING)
        if old is not _MISSING:
            self.bytes -= self._weigh(key, old)
        weight = self._weigh(key, value)
        if weight > self.limit:  # never kept: it would push out everything else
            if old is not _MISSING:
                dict.pop(self, key, None)
            return
        dict.__setitem__(self, key, value)
        self.bytes += weight
        if self.bytes > self.limit:
            self._trim(keep=1)

    def resize(self, limit: int) -> None:
        """Set the byte limit, forgetting the oldest entries at once if the memo is over it."""
        self.limit = limit
        self._trim(keep=0)

    def _trim(self, keep: int) -> None:
        """Past the limit, forget the oldest entries down to :data:`REFILL` of it (keeping at
        least *keep*), in one pass: memory stays bounded, and each entry is weighed once (the
        weight found while choosing it is the one taken off)."""
        if self.bytes <= self.limit or len(self) <= keep:
            return
        target = int(self.limit * REFILL)
        weigh = self._weigh
        doomed: list[tuple[K, V]] = []
        freed = 0
        try:
            for k, v in self.items():  # oldest first
                if self.bytes - freed <= target or len(self) - len(doomed) <= keep:
                    break
                doomed.append((k, v))
                freed += weigh(k, v)
        except RuntimeError:  # another thread changed the memo meanwhile: trim what was seen
            pass
        for k, v in doomed:  # one atomic pop each: another thread may trim or store meanwhile
            got = dict.pop(self, k, _MISSING)
            if got is v:  # as chosen (its weight is known)
                self.forgotten += 1
            elif got is _MISSING:  # another trim took it, and its weight
                freed -= weigh(k, v)
            else:  # stored anew meanwhile: that value is the one forgotten
                freed += weigh(k, got) - weigh(k, v)
                self.forgotten += 1
        self.bytes -= freed
        if not len(self):
            self.bytes = 0

    def __delitem__(self, key: K) -> None:
        value = dict.pop(self, key)
        self.bytes -= self._weigh(key, value)

    def pop(self, key: K, *default: Any) -> Any:
        if key in self:
            value = dict.pop(self, key)
            self.bytes -= self._weigh(key, value)
            return value
        if default:
            return default[0]
        raise KeyError(key)

    def popitem(self) -> tuple[K, V]:
        key, value = dict.popitem(self)
        self.bytes -= self._weigh(key, value)
        return key, value

    def setdefault(self, key: K, default: V = None) -> V:  # type: ignore[assignment]
        got = dict.get(self, key, _MISSING)
        if got is _MISSING:
            self[key] = default
            return default
        return got  # type: ignore[no-any-return]

    def update(self, *args: Any, **kwargs: Any) -> None:
        for k, v in dict(*args, **kwargs).items():
            self[k] = v

    def clear(self) -> None:
        dict.clear(self)
        self.bytes = 0

    def __repr__(self) -> str:
        return f"Memo({self.name!r}, {len(self)} entries, {self.bytes} of {self.limit} bytes)"


_MISSING: Any = object()


def _weigh(key: object, value: object) -> int:
    return approx_size(key) + approx_size(value) + ENTRY


def flat(key: object, value: Any) -> int:
    """An entry's weight when its key is text and its value a container of text or numbers
    (a row, the words of a title): :func:`approx_size` without its walk, for hot memos."""
    return sys.getsizeof(key) + sys.getsizeof(value) + sum(map(sys.getsizeof, value)) + ENTRY


def shallow(key: object, value: object) -> int:
    """An entry's weight when its value is a container of objects owned elsewhere (the codes
    and notes a preloaded knowledge base holds anyway): the container, not what it holds."""
    return approx_size(key) + sys.getsizeof(value) + ENTRY


def bounded(name: str, limit: int, weigh: Callable[[Any, Any], int] | None = None
            ) -> Callable[[Callable[[str], T]], Callable[[str], T]]:
    """Memoise a function of one text argument in a :class:`Memo` of *limit* bytes (entries
    weighed by *weigh*, default :func:`approx_size` of key and value).

    >>> @bounded("upper", 1 << 16)
    ... def shout(text: str) -> str:
    ...     return text.upper()
    >>> shout("neck pain"), shout.memo.bytes > 0  # type: ignore[attr-defined]
    ('NECK PAIN', True)
    """
    def wrap(fn: Callable[[str], T]) -> Callable[[str], T]:
        memo: Memo[str, T] = Memo(name, limit, weigh)
        get = memo.get

        def memoised(text: str) -> T:
            got = get(text, _MISSING)
            if got is _MISSING:
                got = memo[text] = fn(text)
            return got  # type: ignore[no-any-return]

        memoised.memo = memo  # type: ignore[attr-defined]
        memoised.__doc__ = fn.__doc__
        memoised.__name__ = fn.__name__
        memoised.__qualname__ = fn.__qualname__
        memoised.__wrapped__ = fn  # type: ignore[attr-defined]
        return memoised
    return wrap


def live() -> list[Memo[Any, Any]]:
    """Every memo alive in this process (the ones of closed knowledge bases go with them)."""
    with _LIVE_LOCK:
        return list(_LIVE)
