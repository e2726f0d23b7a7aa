"""The course summary: each patient's course state, sessions, last injection, due date, bookings.

Nothing here is clinical data: every row is recomputed from sessions, appointments, the course
state and the patient row by PostgreSQL triggers (`scheduling/triggers.py`), whatever wrote
them (forms, admin, imports, COPY), so the busiest lists read an index instead of every session.
"""

from django.db import models

from patients.models import Patient
from scheduling.models.courses import CourseStatus


class CourseSummary(models.Model):
    """A patient's course so far: sessions, the last injection, when the next is due, bookings."""

    patient = models.OneToOneField(
        Patient, on_delete=models.CASCADE, primary_key=True, related_name="course"
    )
    active = models.BooleanField(default=False)  # the patient's status is active
    # The course state (`scheduling.models.courses`): no state row is an active course.
    status = models.CharField(max_length=8, choices=CourseStatus, default=CourseStatus.ACTIVE)
    resume_on = models.DateField(null=True)
    course_started_on = models.DateField(null=True)  # after a restart: the new course's start
    session_count = models.PositiveIntegerField(default=0)  # in the current course
    last_session_on = models.DateField(null=True)  # of any course
    # The later of the last session and the last completed injection appointment.
    last_injection_on = models.DateField(null=True)
    injection_due_on = models.DateField(null=True)  # None: none yet, or the course is stopped
    # The latest start of a booked (or arrived) injection and review appointment: one is
    # booked ahead when this is today or later.
    booked_injection_at = models.DateTimeField(null=True)
    booked_review_at = models.DateTimeField(null=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["injection_due_on", "booked_injection_at", "booked_review_at"],
                name="course_active_due_idx",
                condition=models.Q(active=True),
            ),
        ]

    def __str__(self):
        return f"Course of patient {self.patient_id}: {self.session_count} sessions"
