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
    """Send `rows` to `table` in one COPY statement; return how many were written."""
    written = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            written += 1
    return written
