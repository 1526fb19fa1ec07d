"""SQLite persistence for the emulator: resources, subscriptions, operations, references and settings.

The state file and its -wal/-shm companions hold the client secret and token signing key, so they are
0600 (created so, and tightened when found looser). Every write commits before the caller answers (WAL,
synchronous=FULL), so a kill -9 loses nothing the emulator acknowledged. One re-entrant lock serialises all access; `transaction()` groups several writes
into one atomic commit.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from aksegress.private_files import ensure_private, tighten

_SCHEMA = """
CREATE TABLE IF NOT EXISTS resources (
    key TEXT PRIMARY KEY,          -- lower-cased resource id
    id TEXT NOT NULL,              -- canonical-cased resource id
    type TEXT NOT NULL,            -- lower-cased full ARM type, e.g. microsoft.network/virtualnetworks
    parent TEXT NOT NULL,          -- lower-cased id of the parent scope (resource group, resource, subscription)
    rg TEXT,                       -- lower-cased resource group id, if any
    sub TEXT NOT NULL,             -- lower-cased subscription id (the GUID)
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS resources_parent ON resources(parent, type);
CREATE INDEX IF NOT EXISTS resources_sub ON resources(sub, type);
CREATE TABLE IF NOT EXISTS subscriptions (
    id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, display_name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS operations (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, resource_key TEXT NOT NULL, status TEXT NOT NULL,
    polls_left INTEGER NOT NULL, ready_at REAL NOT NULL, error TEXT, started REAL, ended REAL, output TEXT
);
CREATE TABLE IF NOT EXISTS refs (
    source TEXT NOT NULL, source_id TEXT NOT NULL, referenced TEXT NOT NULL, backref TEXT NOT NULL,
    PRIMARY KEY (source, referenced, backref)
);
CREATE INDEX IF NOT EXISTS refs_referenced ON refs(referenced);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass
class Record:
    """One stored resource: canonical id, lower-cased full type, and its ARM JSON body."""

    id: str
    type: str
    body: dict

    @property
    def key(self) -> str:
        return self.id.lower()


@dataclass
class Operation:
    """A long-running operation the SDK polls; `kind` is 'put', 'delete' or 'action' (a POST with `output`)."""

    id: str
    kind: str
    resource_key: str
    status: str
    polls_left: int
    ready_at: float
    error: dict | None
    started: float = 0.0
    ended: float | None = None
    output: dict | None = None


_OPERATION_COLUMNS = "id, kind, resource_key, status, polls_left, ready_at, error, started, ended, output"


def _prefix_match(column: str) -> str:
    return f"({column} = ? OR substr({column}, 1, ?) = ?)"


class Store:
    """Thread-safe access to the state file."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        ensure_private(self.path)
        for companion in ("-wal", "-shm", "-journal"):
            tighten(f"{self.path}{companion}")
        self._lock = threading.RLock()
        self._depth = 0
        self._subscriptions: list[tuple[str, str, str]] | None = None
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        for companion in ("-wal", "-shm"):
            tighten(f"{self.path}{companion}")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(operations)")}
        for column, kind in (("started", "REAL"), ("ended", "REAL"), ("output", "TEXT")):
            if column not in columns:  # a state file written before operations kept their times and output
                self._db.execute(f"ALTER TABLE operations ADD COLUMN {column} {kind}")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator["Store"]:
        """Hold the lock and commit everything done inside at once (nested calls join the outer one)."""
        with self._lock:
            outer = self._depth == 0
            if outer:
                self._db.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield self
            except BaseException:
                self._depth -= 1
                if outer:
                    self._db.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                self._db.execute("COMMIT")

    def _exec(self, sql: str, args: tuple = ()) -> sqlite3.Cursor:
        with self.transaction():
            return self._db.execute(sql, args)

    def _query(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # resources

    def get(self, resource_id: str) -> Record | None:
        rows = self._query("SELECT id, type, body FROM resources WHERE key = ?", (resource_id.lower(),))
        return Record(rows[0][0], rows[0][1], json.loads(rows[0][2])) if rows else None

    def put(self, record: Record, *, parent: str, rg: str | None, sub: str) -> None:
        self._exec(
            "INSERT INTO resources (key, id, type, parent, rg, sub, body) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET id = excluded.id, body = excluded.body",
            (record.key, record.id, record.type.lower(), parent.lower(), rg.lower() if rg else None, sub.lower(),
             json.dumps(record.body)),
        )

    def update_body(self, record: Record) -> None:
        self._exec("UPDATE resources SET body = ? WHERE key = ?", (json.dumps(record.body), record.key))

    def delete(self, resource_id: str) -> None:
        key = resource_id.lower()
        with self.transaction():
            self._db.execute("DELETE FROM resources WHERE key = ?", (key,))
            self._db.execute(f"DELETE FROM refs WHERE {_prefix_match('source')}", (key, len(key) + 1, key + "/"))

    def _records(self, where: str, args: tuple) -> list[Record]:
        rows = self._query(f"SELECT id, type, body FROM resources WHERE {where} ORDER BY rowid", args)
        return [Record(i, t, json.loads(b)) for i, t, b in rows]

    def children(self, parent_id: str, type_: str | None = None) -> list[Record]:
        if type_ is None:
            return self._records("parent = ?", (parent_id.lower(),))
        return self._records("parent = ? AND type = ?", (parent_id.lower(), type_.lower()))

    def in_subscription(self, sub: str, type_: str | None = None) -> list[Record]:
        if type_ is None:
            return self._records("sub = ?", (sub.lower(),))
        return self._records("sub = ? AND type = ?", (sub.lower(), type_.lower()))

    def of_type(self, type_: str) -> list[Record]:
        return self._records("type = ?", (type_.lower(),))

    def descendants(self, resource_id: str) -> list[Record]:
        """Every stored resource whose id lies under `resource_id` (not itself)."""
        prefix = resource_id.lower() + "/"
        return self._records("substr(key, 1, ?) = ?", (len(prefix), prefix))

    # references: `source` points at `referenced`, which shows it under properties[backref]

    def set_references(self, source_id: str, references: list[tuple[str, str]]) -> None:
        """Replace what `source_id` references with (referenced id, back-reference property) pairs."""
        key = source_id.lower()
        with self.transaction():
            self._db.execute("DELETE FROM refs WHERE source = ?", (key,))
            for referenced, backref in references:
                self._db.execute("INSERT OR IGNORE INTO refs VALUES (?, ?, ?, ?)", (key, source_id, referenced.lower(), backref))

    def referrers(self, referenced_id: str, backref: str | None = None) -> list[tuple[str, str]]:
        """(source id, back-reference property) pairs pointing at `referenced_id`, in insertion order."""
        rows = self._query("SELECT source_id, backref FROM refs WHERE referenced = ? ORDER BY rowid", (referenced_id.lower(),))
        return [(s, b) for s, b in rows if backref is None or b == backref]

    # subscriptions

    def add_subscription(self, sub: str, tenant_id: str, display_name: str) -> None:
        self._exec(
            "INSERT INTO subscriptions VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET tenant_id = excluded.tenant_id",
            (sub.lower(), tenant_id, display_name),
        )
        self._subscriptions = None

    def subscriptions(self) -> list[tuple[str, str, str]]:
        """(id, tenant, display name) of each subscription, oldest first; read once, as only this store adds them."""
        known = self._subscriptions
        if known is None:
            known = self._subscriptions = self._query("SELECT id, tenant_id, display_name FROM subscriptions ORDER BY rowid")
        return list(known)

    # operations

    def add_operation(self, op: Operation) -> None:
        self._exec(
            "INSERT INTO operations (id, kind, resource_key, status, polls_left, ready_at, error, started, ended, output) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (op.id, op.kind, op.resource_key, op.status, op.polls_left, op.ready_at, json.dumps(op.error), op.started,
             op.ended, json.dumps(op.output)),
        )

    def get_operation(self, op_id: str) -> Operation | None:
        rows = self._query(f"SELECT {_OPERATION_COLUMNS} FROM operations WHERE id = ?", (op_id.lower(),))
        return self._operation(rows[0]) if rows else None

    def operations(self) -> list[Operation]:
        """Every operation kept, oldest first (what a run waited for, to measure it)."""
        return [self._operation(r) for r in self._query(f"SELECT {_OPERATION_COLUMNS} FROM operations ORDER BY rowid")]

    def due_operations(self, now: float | None = None) -> list[Operation]:
        now = time.time() if now is None else now
        rows = self._query(f"SELECT {_OPERATION_COLUMNS} FROM operations WHERE status = 'InProgress' AND ready_at <= ? ORDER BY rowid",
                           (now,))
        return [self._operation(r) for r in rows]

    def operations_in_progress(self, resource_key: str) -> list[Operation]:
        """Unfinished operations on a resource or anything under it."""
        resource_key = resource_key.lower()
        rows = self._query(f"SELECT {_OPERATION_COLUMNS} FROM operations WHERE status = 'InProgress' AND "
                           f"{_prefix_match('resource_key')} ORDER BY rowid", (resource_key, len(resource_key) + 1, resource_key + "/"))
        return [self._operation(r) for r in rows]

    def deletes_in_progress_over(self, resource_id: str) -> list[Operation]:
        """Unfinished deletes of a resource or of anything it lies under (its parent, its resource group)."""
        key = resource_id.lower()
        rows = self._query(f"SELECT {_OPERATION_COLUMNS} FROM operations WHERE status = 'InProgress' AND kind = 'delete' AND "
                           "(resource_key = ? OR substr(?, 1, length(resource_key) + 1) = resource_key || '/') ORDER BY rowid", (key, key))
        return [self._operation(r) for r in rows]

    def save_operation(self, op: Operation) -> None:
        self._exec("UPDATE operations SET status = ?, polls_left = ?, error = ?, ended = ? WHERE id = ?",
                   (op.status, op.polls_left, json.dumps(op.error), op.ended, op.id))

    @staticmethod
    def _operation(row: tuple) -> Operation:
        return Operation(row[0], row[1], row[2], row[3], row[4], row[5], json.loads(row[6]) if row[6] else None,
                         row[7] or 0.0, row[8], json.loads(row[9]) if row[9] else None)

    # settings

    def setting(self, key: str) -> str | None:
        rows = self._query("SELECT value FROM settings WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def set_setting(self, key: str, value: str) -> None:
        self._exec("INSERT INTO settings VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))
