"""Each case's own key: the key-table row "case/CASE_ID", made with the case's first personal data,
wrapped by the master key when there is one, destroyed when the case is erased (crypto-shredding:
without the key, the case's sealed fields cannot be read by anyone, the master key's holder
included)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from infrastructure.key_table import CLEAR, KeyRow, KeyTable
from infrastructure.keyring import MasterKey, WrongKey, new_key

CACHE_SIZE = 10_000
_NOT_READ = object()


class CaseKeyErased(Exception):
    """Personal data written to an erased case (the application refuses its commands first)."""


class CaseKeyMissing(Exception):
    """A case's sealed data without a row in the key table: the table was lost or not copied,
    which erasure never does (it keeps the row, without its key)."""


class CaseKeys:
    """The keys of the cases, unwrapped, with the most recently used kept in memory. An erased
    case is remembered as None."""

    def __init__(self, table: KeyTable, master: MasterKey | None) -> None:
        self.table = table
        self.master = master
        self._cache: OrderedDict[str, bytes | None] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def name_of(case_id: object) -> str:
        return f"case/{case_id}"

    def for_writing(self, case_id: object) -> bytes:
        key = self._known(case_id)
        if key is _NOT_READ:
            key = self._remember(case_id, self.table.insert_if_absent(self._new_row(case_id)))
        if key is None:
            raise CaseKeyErased(f"case {case_id} was erased; nothing personal can be added to it")
        return key  # type: ignore[return-value]

    def make(self, case_ids: Sequence[object]) -> None:
        """The keys of `case_ids` that have none yet, made in one transaction."""
        rows = self.table.insert_all_if_absent([self._new_row(case_id) for case_id in case_ids])
        for row in rows:
            self._remember(row.name.removeprefix("case/"), row)

    def read_ahead(self, case_ids: Sequence[object]) -> None:
        """Read the keys of those of `case_ids` not in memory in one query (a projection batch
        decodes the events of many cases; one query per case was 8% of a rebuild)."""
        with self._lock:
            unknown = {self.name_of(case_id) for case_id in case_ids if str(case_id) not in self._cache}
        for row in self.table.rows_named(sorted(unknown)[:CACHE_SIZE]):
            self._remember(row.name.removeprefix("case/"), row)

    def for_reading(self, case_id: object) -> bytes | None:
        """The case's key; None once the case was erased."""
        key = self._known(case_id)
        if key is _NOT_READ:
            raise CaseKeyMissing(f"the key table has no key for case {case_id}")
        return key  # type: ignore[return-value]

    def erase_in(self, c: Any, case_id: object) -> None:
        """Destroy the case's key in the transaction of cursor `c`."""
        self.table.erase_in(c, self.name_of(case_id), datetime.now(UTC).isoformat())
        self.forget(case_id)

    def forget(self, case_id: object) -> None:
        with self._lock:
            self._cache.pop(str(case_id), None)

    def _known(self, case_id: object) -> bytes | object | None:
        with self._lock:
            if str(case_id) in self._cache:
                self._cache.move_to_end(str(case_id))
                return self._cache[str(case_id)]
        row = self.table.row(self.name_of(case_id))
        return _NOT_READ if row is None else self._remember(case_id, row)

    def _remember(self, case_id: object, row: KeyRow) -> bytes | None:
        key = self._unwrapped(row)
        with self._lock:
            self._cache[str(case_id)] = key
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return key

    def _unwrapped(self, row: KeyRow) -> bytes | None:
        if row.key is None:
            return None
        if row.wrapped_by == CLEAR:
            return row.key
        if self.master is None or row.wrapped_by != self.master.key_id:
            raise WrongKey(row.name)
        return self.master.unwrap(row.name, row.key)

    def _new_row(self, case_id: object) -> KeyRow:
        name, key = self.name_of(case_id), new_key()
        if self.master is None:
            return KeyRow(name, CLEAR, key)
        return KeyRow(name, self.master.key_id, self.master.wrap(name, key))
