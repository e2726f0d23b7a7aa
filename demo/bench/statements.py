"""Which SQL statements the benchmarked pages spend their database time on: pg_stat_statements.

`start` creates the extension if it is missing and checks that its view can be read (the
library must be in shared_preload_libraries: the embedded server preloads it), then resets the
statistics of the bench's database; `top` reads them back after the load, restricted to that
database (dbid). When the extension cannot be used, `start` returns a one-line note instead
and the bench carries on without the section.
"""

import re
from dataclasses import asdict, dataclass

from django.db import DatabaseError, connection, transaction

EXTENSION = "pg_stat_statements"
TOP = 10
QUERY_CHARS = 160
THIS_DATABASE = "(SELECT oid FROM pg_database WHERE datname = current_database())"
# A run of 3 or more columns of one table, as the ORM lists them ("t"."a", "t"."b" AS "x", ...).
_COLUMN = r'"\w+"(?: AS "\w+")?'
COLUMN_RUN = re.compile(rf'"(\w+)"\.{_COLUMN}(?:, "\1"\.{_COLUMN}){{2,}}')


@dataclass
class Statement:
    query: str  # normalised by pg_stat_statements ($1 for constants)
    calls: int
    total_ms: float
    rows: int

    @property
    def mean_ms(self) -> float:
        return self.total_ms / self.calls if self.calls else 0.0


@dataclass
class Statements:
    """The top statements, and the time of all the database's statements together."""

    top: list[Statement]
    all_ms: float
    all_calls: int

    def share(self, statement: Statement) -> float:
        return statement.total_ms / self.all_ms if self.all_ms else 0.0

    def as_json(self) -> dict:
        return {
            "all_ms": self.all_ms,
            "all_calls": self.all_calls,
            "top": [asdict(s) | {"mean_ms": s.mean_ms, "share": self.share(s)} for s in self.top],
        }


def start() -> str | None:
    """Make the statistics usable and reset them; None, or why they cannot be used."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"CREATE EXTENSION IF NOT EXISTS {EXTENSION}")
            cursor.execute(f"SELECT 1 FROM {EXTENSION} LIMIT 0")
            cursor.execute(f"SELECT {EXTENSION}_reset(0, {THIS_DATABASE})")
    except DatabaseError as error:
        reason = first_line(str(error)) or type(error).__name__
        return f"No top statements: {EXTENSION} is not usable on this database ({reason})."
    return None


def first_line(text: str) -> str:
    return text.strip().splitlines()[0].strip() if text.strip() else ""


def top(limit: int = TOP) -> Statements:
    """The statements recorded in this database since `start`, the most total time first."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT query, calls, total_exec_time + total_plan_time, rows
            FROM {EXTENSION}
            WHERE dbid = {THIS_DATABASE} AND query NOT LIKE %s
            ORDER BY 3 DESC
            """,
            [f"%{EXTENSION}%"],  # the bench's own reset and reads
        )
        found = [Statement(q, calls, ms, rows) for q, calls, ms, rows in cursor.fetchall()]
    return Statements(
        top=found[:limit],
        all_ms=sum(s.total_ms for s in found),
        all_calls=sum(s.calls for s in found),
    )


def one_line(query: str, chars: int = QUERY_CHARS) -> str:
    """The query on one line, whitespace collapsed, each run of a table's columns as their
    number (so the annotations, FROM and WHERE show), cut to `chars` with an ellipsis."""
    text = re.sub(r"\s+", " ", query).strip()
    text = COLUMN_RUN.sub(lambda run: f'"{run[1]}".<{run[0].count(", ") + 1} columns>', text)
    return text if len(text) <= chars else text[: chars - 1].rstrip() + "…"
