"""Bulk writes with COPY: fresh ids, rows, and foreign keys checked once a chunk."""

from collections.abc import Iterable
from operator import itemgetter

from django.db import IntegrityError, connection, models


def int_array(values: list[int]) -> str:
    """Return a PostgreSQL array literal of integers."""
    return "{" + ",".join(map(str, values)) + "}"


def lz4_available() -> bool:
    """Return whether the server can compress stored values with lz4 (PostgreSQL 14+)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        row = cursor.fetchone()
    return bool(row and row[0])


def allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """Return count fresh primary keys from the model's sequence."""
    with connection.cursor() as cursor:
        # The sequence's name is looked up first: in the select list, PostgreSQL looked it
        # up again for each id (4% of its time on an import).
        cursor.execute(
            "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, %s)::regclass AS seq)"
            " SELECT nextval(s.seq) FROM s, generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def fk_triggers_skippable(tables: list[type[models.Model]]) -> bool:
    """Return whether rows may be written into tables with foreign-key triggers off.

    That takes the right to set session_replication_role (a superuser's, or granted with
    GRANT SET ON PARAMETER), and tables whose only triggers and rules on INSERT are the
    foreign keys' own: any other would not run either, so with one they stay on (see
    ForeignKeys). Triggers on UPDATE, such as article_body_frozen, are not concerned.
    """
    names = [model._meta.db_table for model in tables]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT (current_setting('is_superuser') = 'on'
                    OR has_parameter_privilege('session_replication_role', 'SET'))
               AND NOT EXISTS (
                   SELECT 1 FROM pg_trigger t
                   WHERE t.tgrelid = ANY(%(tables)s::regclass[])
                     AND t.tgtype & 4 <> 0  -- TRIGGER_TYPE_INSERT
                     AND NOT EXISTS (
                         SELECT 1 FROM pg_constraint c
                         WHERE c.oid = t.tgconstraint AND c.contype = 'f'))
               AND NOT EXISTS (
                   SELECT 1 FROM pg_rewrite
                   WHERE ev_class = ANY(%(tables)s::regclass[]) AND ev_type = '3')  -- INSERT
            """,
            {"tables": names},
        )
        return bool(cursor.fetchone()[0])


class ForeignKeys:
    """COPY rows, their foreign keys checked per chunk rather than by a trigger per row.

    PostgreSQL checks each foreign key of each new row with a trigger that looks the
    referenced row up and locks it: ~250 lookups an article for its mentions and
    suggestions, about a third of the server's time on an import. Where the session may
    (skip_triggers), the rows are copied with session_replication_role = replica, which
    turns those triggers off, and the same check is made afterwards, in the same
    transaction, one query per referenced table: every referenced row must exist, and is
    locked FOR KEY SHARE, as the trigger locks it, so that none can be deleted before the
    chunk commits. Rows written here need no query (the chunk's articles, the claims'
    speaker and source suggestions): they exist, and no other transaction sees them. A
    missing row raises IntegrityError, as the trigger would, and the transaction rolls
    back whole. Without skip_triggers, the triggers check each row as usual.
    """

    def __init__(self, *, skip_triggers: bool) -> None:
        self.skip_triggers = skip_triggers
        # (referenced table, column, type) -> who refers to it -> the values referred to
        self.references: dict[tuple[str, str, str], dict[str, set]] = {}
        # (table, primary key column) -> the keys of the rows written here
        self.written: dict[tuple[str, str], set] = {}

    def __enter__(self) -> "ForeignKeys":
        if self.skip_triggers:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
        return self

    def copy(self, model: type[models.Model], columns: list[str], rows: list[tuple]) -> None:
        """Write rows into the model's table; note their foreign keys if they go unchecked."""
        if not rows:
            return
        copy_rows(model, columns, rows)
        if not self.skip_triggers:
            return
        # (collected with itemgetter: ~4,700 mentions a chunk)
        pk = model._meta.pk.column
        if pk in columns:
            written = self.written.setdefault((model._meta.db_table, pk), set())
            written.update(map(itemgetter(columns.index(pk)), rows))
        for reference in model._meta.concrete_fields:
            column = reference.column
            if not (reference.many_to_one and reference.db_constraint and column in columns):
                continue
            target = reference.target_field
            key = (target.model._meta.db_table, target.column, target.rel_db_type(connection))
            referrer = f"{model._meta.db_table}.{column}"
            values = self.references.setdefault(key, {}).setdefault(referrer, set())
            values.update(map(itemgetter(columns.index(column)), rows))

    def __exit__(self, kind, error, traceback) -> None:
        # After an error the transaction rolls back, which restores the setting.
        if not self.skip_triggers or kind is not None:
            return
        with connection.cursor() as cursor:
            # back on before anything else is written in this transaction
            cursor.execute("SET LOCAL session_replication_role = origin")
            self._check(cursor)

    def _check(self, cursor) -> None:
        quote = connection.ops.quote_name
        for (table, column, kind), referrers in self.references.items():
            # Rows written in this transaction exist, and no one else sees them to delete.
            unknown = set().union(*referrers.values()) - self.written.get((table, column), set())
            unknown.discard(None)
            if not unknown:
                continue
            with connection.wrap_database_errors:
                cursor.execute(
                    f"SELECT {quote(column)} FROM {quote(table)} "  # noqa: S608 - names from the models
                    f"WHERE {quote(column)} = ANY(%s::{kind}[]) FOR KEY SHARE",
                    [sorted(unknown)],  # sorted: a fixed locking order
                )
                found = {row[0] for row in cursor.fetchall()}
            missing = sorted(unknown - found)
            if missing:
                referrer = next(name for name, values in referrers.items() if missing[0] in values)
                raise IntegrityError(
                    f"{referrer} refers to {table}.{column} = {missing[0]}, "
                    f"which does not exist ({len(missing)} such values)"
                )


def copy_rows(model: type[models.Model], columns: list[str], rows: Iterable[tuple]) -> None:
    """Write rows into the model's table with COPY (inside the current transaction)."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    # wrap_database_errors turns psycopg's errors into Django's (IntegrityError), which the
    # writer relies on to retry a chunk that raced with another import.
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)
