"""The large demo clinic (`seed_demo --patients N --years Y`): N synthetic patients with Y years
of sessions, appointments, reviews and diaries, written in bulk with PostgreSQL COPY.

The whole run is one transaction, so an interrupted run leaves nothing behind; within it, work
goes in chunks of `CHUNK_SIZE` patients with one COPY per table per chunk (statement-level
triggers fire once per chunk). The foreign keys of the three largest tables are dropped for the
load and added back (checked) before commit. A later run adds only the synthetic patients still
missing (each one's number is kept in its notes). Every patient is planned from a fixed seed per
patient number, so a fresh run gives the same clinic for a given today.
Rows written here bypass the ORM, simple-history and the audit trail (demo data only).
"""

import time
from datetime import date, timedelta
from itertools import islice

from django.db import connection, transaction
from django.utils import timezone

from demo.bulk_copy import raw_cursor
from demo.bulk_diaries import pick_profile, write_diaries
from demo.bulk_patients import assign_ids, existing_numbers, plan_patient, write_patients
from demo.bulk_treatments import (
    SlotBook,
    neurologist_count,
    plan_course,
    synthetic_neurologists,
    write_courses,
)
from reviews.summaries import refresh_summaries

CHUNK_SIZE = 500
MAX_PATIENTS = 200_000
MAX_YEARS = 10
LOCK_KEY = 8_000_008  # pg advisory lock: one large seed at a time
# The largest tables, whose foreign keys are checked once at the end instead of per row.
UNCHECKED_DURING_LOAD = [
    "diaries_diaryday",
    "diaries_diarydose",
    "treatments_injectedsite",
    "treatments_injectionsession",
    "scheduling_appointment",
]
SUMMARY_TABLES = ["scheduling_coursesummary", "reviews_reviewsummary", "reviews_progresssummary"]
TABLES = [
    "patients_patient",
    "patients_eligibility",
    "patients_priorpreventive",
    "patients_clinicalflag",
    "treatments_injectionsession",
    "treatments_injectedsite",
    "treatments_adverseevent",
    "reviews_review",
    "scheduling_appointment",
    "diaries_patientmedicine",
    "diaries_diaryday",
    "diaries_diarydose",
]


class Progress:
    """Running totals, printed after each chunk as a text bar."""

    def __init__(self, out, wanted: int, done: int):
        self.out, self.wanted, self.done = out, wanted, done
        self.counts: dict[str, int] = {}
        self.started = time.monotonic()

    def add(self, patients: int, counts: dict[str, int]) -> None:
        self.done += patients
        for name, count in counts.items():
            self.counts[name] = self.counts.get(name, 0) + count
        filled = round(30 * self.done / self.wanted)
        self.out.write(
            f"[{'#' * filled}{'.' * (30 - filled)}] {self.done:,}/{self.wanted:,} patients, "
            f"{self.counts.get('injection sessions', 0):,} sessions, "
            f"{self.counts.get('diary days', 0):,} diary days, "
            f"{self.elapsed:.1f} s"
        )

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started


def seed_large_clinic(*, patients: int, years: int, today: date, out) -> dict:
    """Add the synthetic patients 1…`patients` that are missing; print progress and a summary.

    Returns the added row counts by kind (empty when nothing was missing)."""
    cursor = raw_cursor()
    cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
    if not cursor.fetchone()[0]:
        raise RuntimeError("Another large seed is running on this database; try again later.")
    try:
        return _seed(cursor, patients, years, today, out)
    finally:
        cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])


def _seed(cursor, patients: int, years: int, today: date, out) -> dict:
    existing = existing_numbers(cursor)
    missing = [number for number in range(1, patients + 1) if number not in existing]
    if not missing:
        out.write(f"Large clinic: all {patients:,} synthetic patients exist; nothing to add.")
        return {}
    out.write(
        f"Large clinic: adding {len(missing):,} synthetic patients "
        f"({len(existing):,} exist) with {years} year(s) of history, "
        f"in one transaction, {CHUNK_SIZE} patients per COPY."
    )
    progress = Progress(out, patients, patients - len(missing))
    with transaction.atomic():
        clinicians = synthetic_neurologists(neurologist_count(patients))
        cursor = raw_cursor()
        cursor.execute("SET LOCAL synchronous_commit = off")  # a demo seed: speed first
        slots = SlotBook(clinicians, cursor)
        first_day = today - timedelta(days=365 * years)
        neurologist_ids = sorted(clinicians)
        dropped = _drop_foreign_keys(cursor)
        for numbers in _chunks(missing, CHUNK_SIZE):
            plans = [
                plan_patient(n, today=today, first_day=first_day, neurologist_ids=neurologist_ids)
                for n in numbers
            ]
            for plan in plans:
                plan.profile = pick_profile(plan.number)
            courses = [plan_course(plan, slots, today) for plan in plans]
            assign_ids(cursor, plans)
            counts = write_patients(cursor, plans, today, timezone.now())
            counts |= write_courses(cursor, plans, courses, today)
            counts |= write_diaries(cursor, plans, today)
            progress.add(len(plans), counts)
        out.write("Checking the foreign keys of the bulk tables…")
        _restore_foreign_keys(cursor, dropped)
    with connection.cursor() as analyze:
        analyze.execute(f"ANALYZE {', '.join(TABLES)}")
    out.write("Computing the review-queue summaries…")
    refresh_summaries(today)
    with connection.cursor() as analyze:
        # The summaries the queue and worklists read were written by triggers after the ANALYZE
        # above: without their statistics the planner misjudges the queue and worklist joins.
        analyze.execute(f"ANALYZE {', '.join(SUMMARY_TABLES)}")
    _summary(cursor, progress, out)
    return progress.counts


def _drop_foreign_keys(cursor) -> list[tuple[str, str, str]]:
    """Drop the foreign keys of the largest tables for the load (PostgreSQL's advice for bulk
    loading: one check of the whole table at the end instead of one lookup per row). Inside the
    run's transaction, so they cannot stay dropped. Triggers are left alone."""
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) ORDER BY 1, 2",
        [UNCHECKED_DURING_LOAD],
    )
    dropped = cursor.fetchall()
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # run checks still pending (ALTER needs it)
    for table, name, _ in dropped:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    return dropped


def _restore_foreign_keys(cursor, dropped: list[tuple[str, str, str]]) -> None:
    """Add the foreign keys back as they were (same names); PostgreSQL checks every row."""
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for table, name, definition in dropped:
        cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _chunks(items: list, size: int):
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _summary(cursor, progress: Progress, out) -> None:
    out.write(f"Large clinic seeded in {progress.elapsed:.1f} s. Rows now in each table:")
    for table in TABLES:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (fixed table names)
        out.write(f"  {table:<30} {cursor.fetchone()[0]:>12,}")
    cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
    out.write(f"Database size: {cursor.fetchone()[0]}")
