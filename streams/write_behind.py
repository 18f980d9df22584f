"""A dict-like view of a Faust table that sends each changed key to the changelog once per flush.

Every write to a Faust table is a changelog message. A stage writes through a
:class:`WriteBehind` and flushes it once per message or batch, so a key changed by
ten reports of one batch reaches the changelog once, not ten times.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

_DELETED = object()


class WriteBehind(MutableMapping[str, Any]):
    """A dict-like view of a table that keeps writes in memory until :meth:`flush`.

    Reads see the pending writes. Only the last value of a key is written, so the
    changelog gets one message per changed key and flush.

    Example:
        >>> state = WriteBehind({})
        >>> state["k:governorate:Idlib"] = {"n": 1}; state["k:governorate:Idlib"] = {"n": 2}
        >>> state.flush()
        1
    """

    def __init__(self, table: MutableMapping[str, Any]):
        self.table = table
        self._pending: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        value = self._pending[key] if key in self._pending else self.table[key]
        if value is _DELETED:
            raise KeyError(key)
        return value

    def get(self, key: str, default: Any = None) -> Any:
        if key in self._pending:
            value = self._pending[key]
            return default if value is _DELETED else value
        return self.table.get(key, default)

    def __contains__(self, key: object) -> bool:
        if key in self._pending:
            return self._pending[key] is not _DELETED
        return key in self.table

    def __setitem__(self, key: str, value: Any) -> None:
        self._pending[key] = value

    def __delitem__(self, key: str) -> None:
        if key not in self:
            raise KeyError(key)
        self._pending[key] = _DELETED

    def __iter__(self) -> Iterator[str]:
        for key in list(self.table):
            if key not in self._pending:
                yield key
        for key, value in list(self._pending.items()):
            if value is not _DELETED:
                yield key

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def flush(self) -> int:
        """Write the pending changes to the table; returns how many keys were written or deleted."""
        written = len(self._pending)
        for key, value in self._pending.items():
            if value is _DELETED:
                self.table.pop(key, None)
            else:
                self.table[key] = value
        self._pending.clear()
        return written
