"""The waitlist for an earlier slot, and the slots offered to those on it by message."""

from datetime import datetime, time

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from scheduling.models.calendar import Appointment, Weekday

NOON = time(12, 0)


class WaitlistEntry(models.Model):
    """A patient waiting for an earlier slot: which kind, with whom, on which days and at which
    times. At most one waits per patient (a partial unique constraint); an entry ends (kept,
    with why) when the patient is booked or the booking it was to bring forward is cancelled."""

    class Kind(models.TextChoices):
        INJECTION = Appointment.Kind.INJECTION.value, Appointment.Kind.INJECTION.label
        REVIEW = Appointment.Kind.REVIEW.value, Appointment.Kind.REVIEW.label

    class Times(models.TextChoices):
        ANY = "any", "Any time"
        MORNING = "morning", "Mornings (before 12:00)"
        AFTERNOON = "afternoon", "Afternoons (from 12:00)"
        BETWEEN = "between", "Between two times"

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting"
        BOOKED = "booked", "Booked"
        REMOVED = "removed", "Removed"

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="waitlist_entries"
    )
    kind = models.CharField("type", max_length=12, choices=Kind, default=Kind.INJECTION)
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="Leave empty for any clinician.",
    )
    weekdays = ArrayField(
        models.PositiveSmallIntegerField(choices=Weekday),
        blank=True,
        default=list,
        help_text="Empty for any day.",
    )
    times = models.CharField(max_length=10, choices=Times, default=Times.ANY)
    from_time = models.TimeField("from", null=True, blank=True)
    until_time = models.TimeField("until", null=True, blank=True)
    appointment = models.ForeignKey(
        Appointment,
        on_delete=models.PROTECT,
        related_name="waitlist_entries",
        null=True,
        blank=True,
        verbose_name="booking to bring forward",
    )
    notes = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.WAITING)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_reason = models.CharField(max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "waitlist entries"
        ordering = ["added_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(status="waiting"),
                name="waitlist_one_waiting_per_patient",
                violation_error_message="The patient is already on the waitlist.",
            ),
            models.CheckConstraint(
                condition=~Q(times="between")
                | Q(
                    from_time__isnull=False, until_time__isnull=False, until_time__gt=F("from_time")
                ),
                name="waitlist_between_times_in_order",
                violation_error_message="Give both times, the second after the first.",
            ),
            models.CheckConstraint(
                condition=Q(status="waiting") | ~Q(ended_reason=""),
                name="waitlist_ended_has_reason",
                violation_error_message="Say why the entry ends.",
            ),
        ]

    def __str__(self):
        return f"{self.patient} waiting for {self.get_kind_display().lower()}"

    def clean(self):
        if self.times == self.Times.BETWEEN and not (
            self.from_time and self.until_time and self.until_time > self.from_time
        ):
            raise ValidationError({"until_time": "Give both times, the second after the first."})

    def fits_time(self, local: datetime) -> bool:
        """Whether a slot starting at `local` (the clinic's time) is on a day and at a time the
        patient asked for."""
        if self.weekdays and local.weekday() not in self.weekdays:
            return False
        at = local.time()
        if self.times == self.Times.MORNING:
            return at < NOON
        if self.times == self.Times.AFTERNOON:
            return at >= NOON
        if self.times == self.Times.BETWEEN:
            return self.from_time <= at < self.until_time
        return True

    @property
    def when_wanted(self) -> str:
        """E.g. "Tuesday, Thursday; mornings (before 12:00)", as the desk reads it."""
        days = ", ".join(str(Weekday(day).label) for day in sorted(self.weekdays)) or "Any day"
        if self.times == self.Times.BETWEEN:
            hours = f"{self.from_time:%H:%M}–{self.until_time:%H:%M}"
        else:
            hours = self.get_times_display().lower()
        return f"{days}; {hours}"


class SlotOffer(models.Model):
    """A free slot offered by message to one patient on the waitlist. The row's state is the
    one-time record of the emailed link: only an offered, unexpired offer can be answered."""

    class State(models.TextChoices):
        OFFERED = "offered", "Offered"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        GONE = "gone", "Gone to someone else"
        EXPIRED = "expired", "Expired"

    entry = models.ForeignKey(WaitlistEntry, on_delete=models.PROTECT, related_name="offers")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="slot_offers"
    )
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("type", max_length=12, choices=WaitlistEntry.Kind)
    starts_at = models.DateTimeField("starts at")
    ends_at = models.DateTimeField("ends at")
    state = models.CharField(max_length=10, choices=State, default=State.OFFERED)
    expires_at = models.DateTimeField("answer by")
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    offered_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    appointment = models.ForeignKey(
        Appointment, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    sent_at = models.DateTimeField("message sent at", null=True, blank=True)
    send_error = models.CharField(max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["starts_at", "offered_at"]
        indexes = [models.Index(fields=["starts_at"], name="slot_offer_starts_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "clinician", "starts_at"],
                name="slot_offer_once_per_patient",
                violation_error_message="This slot was already offered to the patient.",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="slot_offer_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(state="accepted") | Q(appointment__isnull=False),
                name="slot_offer_accepted_has_appointment",
            ),
        ]

    def __str__(self):
        local = timezone.localtime(self.starts_at)
        return f"Slot {local:%d %b %Y %H:%M} offered to {self.patient} ({self.get_state_display()})"

    def is_open(self, now: datetime) -> bool:
        """Whether the patient can still answer."""
        return self.state == self.State.OFFERED and self.expires_at > now


def _end(entries, *, status: str, reason: str, by, now: datetime) -> None:
    for entry in entries.select_for_update():
        entry.status = status
        entry.ended_at = now
        entry.ended_reason = reason[:200]
        entry._history_user = by
        entry.save()


def waitlist_end_for_booking(appointment: Appointment, *, by, now: datetime) -> None:
    """A new booking of the kind the patient waits for ends their waiting entry (called by
    `scheduling.booking` in the booking's transaction)."""
    local = timezone.localtime(appointment.starts_at)
    reason = f"Booked: {appointment.get_kind_display().lower()} on {local:%a %-d %b %Y at %H:%M}"
    waiting = WaitlistEntry.objects.filter(
        patient_id=appointment.patient_id,
        kind=appointment.kind,
        status=WaitlistEntry.Status.WAITING,
    )
    _end(waiting, status=WaitlistEntry.Status.BOOKED, reason=reason, by=by, now=now)


def waitlist_end_for_cancel(appointment: Appointment, *, by, now: datetime) -> None:
    """Cancelling the booking an entry was to bring forward ends the entry (the desk can add
    the patient again if they still want an earlier slot)."""
    waiting = WaitlistEntry.objects.filter(
        appointment_id=appointment.pk, status=WaitlistEntry.Status.WAITING
    )
    reason = (
        f"The booking it was to bring forward was cancelled ({appointment.cancellation_reason})"
    )
    _end(waiting, status=WaitlistEntry.Status.REMOVED, reason=reason, by=by, now=now)
