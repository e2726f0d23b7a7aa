"""The clinic calendar (opening hours, closures, clinicians' clinics and leave) and appointments."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy
from simple_history.models import HistoricalRecords

from clinic.dates import Weekday


class OpeningHours(models.Model):
    """When the clinic is open on a weekday. A weekday without a row is a closed day."""

    weekday = models.PositiveSmallIntegerField(choices=Weekday, unique=True)
    opens_at = models.TimeField("opens at")
    closes_at = models.TimeField("closes at")

    class Meta:
        verbose_name_plural = "opening hours"
        ordering = ["weekday"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")),
                name="opening_hours_close_after_open",
                violation_error_message="The clinic must close after it opens.",
            ),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.opens_at:%H:%M}–{self.closes_at:%H:%M}"


class DaySpan(models.Model):
    """Whole days from `starts_on` to `ends_on` inclusive."""

    starts_on = models.DateField("first day")
    ends_on = models.DateField("last day")

    class Meta:
        abstract = True
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="%(class)s_ends_after_start",
                violation_error_message="The last day cannot be before the first day.",
            ),
        ]


class Closure(DaySpan):
    """Days the whole clinic is shut: bank holidays, training days."""

    reason = models.CharField(max_length=120)

    def __str__(self):
        return f"{self.reason} ({self.starts_on} to {self.ends_on})"


class ClinicianClinic(models.Model):
    """A clinician's weekly clinic: on `weekday`, from `starts_at` to `ends_at`, in slots."""

    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="clinics"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday)
    starts_at = models.TimeField("starts at")
    ends_at = models.TimeField("ends at")
    slot_minutes = models.PositiveSmallIntegerField(
        "slot length (minutes)",
        default=20,
        validators=[MinValueValidator(5), MaxValueValidator(240)],
        help_text="E.g. 20 for injection slots, 30 for reviews.",
    )

    class Meta:
        verbose_name = "clinician's clinic"
        ordering = ["weekday", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="clinic_ends_after_start",
                violation_error_message="A clinic must end after it starts.",
            ),
            models.CheckConstraint(
                condition=Q(slot_minutes__gte=5),
                name="clinic_slot_at_least_5_minutes",
                violation_error_message="A slot is at least 5 minutes.",
            ),
        ]

    def __str__(self):
        return (
            f"{self.clinician}: {self.get_weekday_display()} "
            f"{self.starts_at:%H:%M}–{self.ends_at:%H:%M} ({self.slot_minutes} min slots)"
        )


class ClinicianLeave(DaySpan):
    """Days a clinician does not hold clinic (leave, conferences)."""

    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="leave"
    )
    reason = models.CharField(max_length=120, blank=True)

    class Meta(DaySpan.Meta):
        verbose_name_plural = "clinician leave"

    def __str__(self):
        return f"{self.clinician} away {self.starts_on} to {self.ends_on}"


class TsTzRange(models.Func):
    """PostgreSQL's tstzrange(start, end, '[)'), for the no-overlap constraints (btree_gist
    indexes the clinician and patient beside the range)."""

    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class AppointmentQuerySet(models.QuerySet):
    def live(self):
        """Appointments that hold their time: everything but cancelled ones."""
        return self.exclude(status=Appointment.Status.CANCELLED)

    def for_display(self):
        return self.select_related("patient", "clinician")

    def on_day(self, day):
        return self.filter(starts_at__date=day)


# No appointment lasts longer (a constraint): so those overlapping a span all start less than
# this before it, and a search for them is an index range scan on the start time.
LONGEST_APPOINTMENT = timedelta(days=1)


class Appointment(models.Model):
    class Kind(models.TextChoices):
        NEW = "new", gettext_lazy("New consultation")
        INJECTION = "injection", gettext_lazy("Injection")
        REVIEW = "review", gettext_lazy("Review")
        TELEPHONE = "telephone", gettext_lazy("Telephone follow-up")

    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        ARRIVED = "arrived", "Arrived"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"
        NO_SHOW = "no_show", "Did not attend"

    # The one table of status changes front desk may make, from each status, in the order the
    # appointment page shows their buttons (`next_statuses`; `scheduling.booking` enforces it).
    STATUS_CHANGES = {
        Status.BOOKED: (Status.ARRIVED, Status.COMPLETED, Status.NO_SHOW, Status.CANCELLED),
        Status.ARRIVED: (Status.COMPLETED, Status.NO_SHOW, Status.CANCELLED),
        Status.COMPLETED: (),
        Status.NO_SHOW: (),
        Status.CANCELLED: (),
    }
    # A wrong "did not attend", "completed" or "cancelled" can be undone (`can_undo`).
    UNDOABLE = (Status.NO_SHOW, Status.COMPLETED, Status.CANCELLED)
    # How long each kind takes: the booking form's default length, and the shortest clinic
    # slot "See free slots" offers for it (`scheduling.slots`): reviews go in review-length slots.
    MINUTES = {Kind.NEW: 30, Kind.INJECTION: 20, Kind.REVIEW: 30, Kind.TELEPHONE: 15}

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="appointments"
    )
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments"
    )
    kind = models.CharField("type", max_length=12, choices=Kind, default=Kind.INJECTION)
    starts_at = models.DateTimeField("starts at")
    ends_at = models.DateTimeField("ends at")
    status = models.CharField(max_length=12, choices=Status, default=Status.BOOKED)
    cancellation_reason = models.CharField("reason for cancelling", max_length=200, blank=True)
    early_reason = models.CharField(
        "reason for booking before the due date",
        max_length=200,
        blank=True,
        help_text="Needed when an injection is booked less than 84 days after the last one.",
    )
    notes = models.TextField(blank=True)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status_changed_at = models.DateTimeField("status changed at", default=timezone.now)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The desk chose to keep this injection booking although the course is stopped or paused
    # (`scheduling.courses.booking_keep`): who and when. A later change of course asks again.
    kept_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    kept_at = models.DateTimeField(
        "kept despite the course at", null=True, blank=True, editable=False
    )

    history = HistoricalRecords()
    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "clinician_id"]
        indexes = [
            models.Index(fields=["starts_at"], name="appointment_starts_idx"),
            models.Index(fields=["patient", "starts_at"], name="appointment_patient_idx"),
            models.Index(fields=["clinician", "starts_at"], name="appointment_clinician_idx"),
            models.Index(
                fields=["starts_at"],
                name="appointment_missed_idx",
                condition=Q(status__in=["no_show", "cancelled"]),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="appointment_ends_after_start",
                violation_error_message="An appointment must end after it starts.",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__lte=F("starts_at") + LONGEST_APPOINTMENT),
                name="appointment_within_a_day",
                violation_error_message="An appointment cannot last longer than a day.",
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | ~Q(cancellation_reason=""),
                name="appointment_cancellation_has_reason",
                violation_error_message="Give a reason for cancelling.",
            ),
            ExclusionConstraint(
                name="appointment_no_clinician_overlap",
                expressions=[
                    (TsTzRange("starts_at", "ends_at", RangeBoundary()), RangeOperators.OVERLAPS),
                    ("clinician", RangeOperators.EQUAL),
                ],
                condition=~Q(status="cancelled"),
                violation_error_message="That slot was just taken: the clinician is already "
                "booked at this time. Choose another slot.",
            ),
            ExclusionConstraint(
                name="appointment_no_patient_overlap",
                expressions=[
                    (TsTzRange("starts_at", "ends_at", RangeBoundary()), RangeOperators.OVERLAPS),
                    ("patient", RangeOperators.EQUAL),
                ],
                condition=~Q(status="cancelled"),
                violation_error_message="The patient already has an appointment at this time.",
            ),
        ]

    def __str__(self):
        local = timezone.localtime(self.starts_at)
        return f"{self.get_kind_display()} for {self.patient.full_name}, {local:%d %b %Y %H:%M}"

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def local_day(self):
        return timezone.localtime(self.starts_at).date()

    @property
    def is_live(self) -> bool:
        return self.status != self.Status.CANCELLED

    @property
    def next_statuses(self) -> list[Status]:
        """The statuses front desk may move this appointment to, in display order."""
        return list(self.STATUS_CHANGES.get(self.status, ()))

    @property
    def can_undo(self) -> bool:
        """Whether front desk may put a (wrongly recorded) status back to the one before."""
        return self.status in self.UNDOABLE

    def clean(self):
        if self.status == self.Status.CANCELLED and not self.cancellation_reason.strip():
            raise ValidationError({"cancellation_reason": "Give a reason for cancelling."})


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


class CalendarFeed(models.Model):
    """A clinician's private calendar feed address; making a new token revokes the old one."""

    clinician = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Calendar feed of {self.clinician}"
