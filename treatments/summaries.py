"""Refreshing the derived summaries (`treatments.models.summaries`) before they are read.

The triggers only mark what changed; these functions recompute it. Each runs a fixed number of
queries whatever the number of patients, and costs next to nothing when nothing changed.
"""

from collections.abc import Iterable
from datetime import date
from fractions import Fraction

from django.conf import settings
from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet

from patients.models import Patient
from treatments.courses import INTERVAL_DAYS
from treatments.models import Appointment, Decision, ProgressSummary
from treatments.progress import Progress, progress_for_patients, rounded

REFRESH_COURSES_SQL = """
    WITH stale AS (DELETE FROM treatments_stalecourse RETURNING patient_id)
    INSERT INTO treatments_coursesummary AS c (
        patient_id, active, session_count, last_session_on, last_injection_on,
        injection_due_on, booked_injection_at, booked_review_at, review_pending
    )
    SELECT p.id, p.status = %(active)s, s.n, s.last_on, i.last_on, i.last_on + %(interval)s,
           b.injection_at, b.review_at,
           s.n >= 2 AND (r.decision IS NULL
                         OR (r.decision = %(extend)s AND r.reviewed_on < s.last_on))
    FROM (SELECT DISTINCT patient_id FROM stale) AS stale
    JOIN patients_patient p ON p.id = stale.patient_id
    CROSS JOIN LATERAL (
        SELECT count(*) AS n, max(performed_on) AS last_on
        FROM treatments_injectionsession WHERE patient_id = p.id
    ) AS s
    CROSS JOIN LATERAL (
        SELECT greatest(s.last_on, max((starts_at AT TIME ZONE %(zone)s)::date)) AS last_on
        FROM treatments_appointment
        WHERE patient_id = p.id AND kind = %(injection)s AND status = %(completed)s
    ) AS i
    CROSS JOIN LATERAL (
        SELECT max(starts_at) FILTER (WHERE kind = %(injection)s) AS injection_at,
               max(starts_at) FILTER (WHERE kind = %(review)s) AS review_at
        FROM treatments_appointment
        WHERE patient_id = p.id AND status IN (%(booked)s, %(arrived)s)
    ) AS b
    LEFT JOIN LATERAL (
        SELECT decision, reviewed_on FROM treatments_review WHERE patient_id = p.id
        ORDER BY reviewed_on DESC, id DESC LIMIT 1
    ) AS r ON true
    ON CONFLICT (patient_id) DO UPDATE SET
        active = EXCLUDED.active,
        session_count = EXCLUDED.session_count,
        last_session_on = EXCLUDED.last_session_on,
        last_injection_on = EXCLUDED.last_injection_on,
        injection_due_on = EXCLUDED.injection_due_on,
        booked_injection_at = EXCLUDED.booked_injection_at,
        booked_review_at = EXCLUDED.booked_review_at,
        review_pending = EXCLUDED.review_pending
"""


def refresh_courses() -> int:
    """Recompute every course marked out of date, in one statement; returns how many."""
    with connection.cursor() as cursor:
        cursor.execute(
            REFRESH_COURSES_SQL,
            {
                "interval": INTERVAL_DAYS,
                "active": Patient.Status.ACTIVE,
                "extend": Decision.EXTEND,
                "zone": settings.TIME_ZONE,
                "injection": Appointment.Kind.INJECTION,
                "completed": Appointment.Status.COMPLETED,
                "review": Appointment.Kind.REVIEW,
                "booked": Appointment.Status.BOOKED,
                "arrived": Appointment.Status.ARRIVED,
            },
        )
        return cursor.rowcount


def _summary(progress: Progress) -> ProgressSummary:
    baseline = progress.baseline
    cycle = progress.latest_complete_cycle
    return ProgressSummary(
        patient_id=progress.patient_id,
        as_of=progress.as_of,
        verdict=progress.verdict,
        baseline_source=(baseline.source or "") if baseline else "",
        baseline_rate=rounded(baseline.headache_rate) if baseline else None,
        latest_rate=rounded(cycle.headache_rate) if cycle else None,
        reduction=rounded(cycle.reduction) if cycle else None,
        coverage=rounded(Fraction(cycle.days_logged * 100, cycle.days_in_window))
        if cycle
        else None,
    )


def refresh_progress(patient_ids: Iterable[int], today: date) -> int:
    """Recompute the progress summaries of these patients as of `today` (four queries)."""
    progress = progress_for_patients(patient_ids, today)
    ProgressSummary.objects.bulk_create(
        [_summary(item) for item in progress.values()],
        update_conflicts=True,
        unique_fields=["patient"],
        update_fields=[
            "as_of",
            "verdict",
            "baseline_source",
            "baseline_rate",
            "latest_rate",
            "reduction",
            "coverage",
        ],
    )
    return len(progress)


def refresh_stale_progress(patients: QuerySet, today: date) -> int:
    """Refresh the summaries of `patients` that are missing or not as of `today`."""
    fresh = ProgressSummary.objects.filter(patient=OuterRef("pk"), as_of=today)
    stale = list(patients.exclude(Exists(fresh)).values_list("pk", flat=True))
    return refresh_progress(stale, today) if stale else 0
