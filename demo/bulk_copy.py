"""PostgreSQL bulk writing for the large demo clinic: ids drawn in bulk, rows sent with COPY.

Only for synthetic demo data: rows written here skip model validation, simple-history and the
audit trail (the generators keep to the model constraints and clinical rules themselves).
"""

from collections.abc import Iterable, Sequence

from django.db import connection


def raw_cursor():
    """A psycopg 3 cursor on Django's connection (so it shares Django's transaction)."""
    connection.ensure_connection()
    return connection.connection.cursor()


def allocate_ids(cursor, table: str, count: int) -> list[int]:
    """`count` fresh ids from the id sequence of `table`, in increasing order."""
    if count <= 0:
        return []
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
        [table, count],
    )
    return sorted(row[0] for row in cursor.fetchall())


def copy_rows(cursor, table: str, columns: Sequence[str], rows: Iterable[tuple]) -> int:
    """Send `rows` to `table` in one binary COPY statement; return how many were written.

    Binary, with the columns' types read from the catalogue: the server then parses no text
    (dates and timestamps are most of its work in a text COPY)."""
    cursor.execute(
        "SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0",
        [table],
    )
    types = dict(cursor.fetchall())
    written = 0
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
    with cursor.copy(statement) as copy:
        copy.set_types([types[column] for column in columns])
        for row in rows:
            copy.write_row(row)
            written += 1
    return written
