"""Writing diary days: one day with its doses, or a range of headache-free days; removing one."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from diaries.metrics import LATE_AFTER_DAYS
from diaries.models import (
    Attack,
    DiaryDay,
    DiaryDose,
    PatientMedicine,
    Source,
    earliest_diary_day,
)
from patients.models import Patient

MAX_RANGE_DAYS = 62


@dataclass(frozen=True)
class Dose:
    medicine: PatientMedicine
    doses: int


def is_late(day: date, entered_on: date) -> bool:
    """Entered more than a week after the day: recall is weaker (`diaries.metrics.ENTERED_LATE`)."""
    return (entered_on - day).days > LATE_AFTER_DAYS


def source_for(user, patient: Patient) -> Source:
    """A patient's own entry, or staff transcribing on their behalf."""
    return Source.PATIENT if user.pk == patient.user_id else Source.TRANSCRIBED


@transaction.atomic
def diary_day_save(*, entry: DiaryDay, doses: list[Dose], by, source: Source) -> DiaryDay:
    """Validate and save a new or changed day and make its doses match `doses`.

    A new day records who entered it, how (patient, transcribed, imported) and whether late.
    Changes go through the models one by one so their history keeps each old value.
    """
    if entry.pk is None:
        Patient.objects.lock(entry.patient_id)  # a double tap waits, then sees the first save
        entry.entered_by = by
        entry.source = source
        entry.late = source != Source.IMPORTED and is_late(entry.day, timezone.localdate())
    entry.full_clean()
    entry.save()
    for dose in doses:
        if dose.medicine.patient_id != entry.patient_id:
            raise ValidationError(gettext("That medicine is not on this patient's list."))
    wanted = {dose.medicine.pk: dose for dose in doses}
    for existing in entry.doses.all():
        dose = wanted.pop(existing.medicine_id, None)
        if dose is None:
            existing.delete()
        elif existing.doses != dose.doses:
            existing.doses = dose.doses
            existing.full_clean()
            existing.save()
    for dose in wanted.values():
        row = DiaryDose(
            day=entry,
            medicine=dose.medicine,
            medicine_class=dose.medicine.medicine_class,
            doses=dose.doses,
        )
        row.full_clean()
        row.save()
    return entry


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The first instant of `day` and of the day after, in the clinic's time zone."""
    zone = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(day, time.min), zone)
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min), zone)


@transaction.atomic
def diary_day_remove(*, entry: DiaryDay, by) -> None:
    """Remove a day entered by mistake, with its doses and the timed attacks that started on it
    (one still running is left to be ended).

    The rows go, so no count, rate, coverage or overuse check can include the day, and it can
    be entered again; their history keeps every value with who removed them and when (shown to
    clinicians: `diaries.history.removed_days`), and the summaries' triggers see the DELETE.
    """
    Patient.objects.lock(entry.patient_id)
    start, end = day_bounds(entry.day)
    attacks = Attack.objects.filter(
        patient_id=entry.patient_id, started_at__gte=start, started_at__lt=end
    )
    for row in [*entry.doses.all(), *attacks.filter(ended_at__isnull=False)]:
        row._history_user = by
        row.delete()
    entry._history_user = by
    entry.delete()


class BackfillNotConfirmed(Exception):
    """Marking these past days needs a confirmation first (`needs_confirmation`)."""

    def __init__(self, days: list[date]):
        super().__init__(f"{len(days)} past days need confirming.")
        self.days = days


def needs_confirmation(start: date, end: date, today: date) -> bool:
    """A range of days (more than one) reaching back more than LATE_AFTER_DAYS days: they
    would all be entered late, so the person confirms before anything is saved."""
    return start < end and (today - start).days > LATE_AFTER_DAYS


def _unlogged_days(patient: Patient, start: date, end: date) -> list[date]:
    entered = set(patient.diary_days.filter(day__range=(start, end)).values_list("day", flat=True))
    days = (start + timedelta(days=offset) for offset in range((end - start).days + 1))
    return [day for day in days if day not in entered]


@transaction.atomic
def mark_headache_free(
    *, patient: Patient, start: date, end: date, by, confirmed: bool = False
) -> list[date]:
    """Enter every day from `start` to `end` not yet in the diary as headache-free.

    Days already entered are left as they are. Returns the days added. A range reaching back
    more than a week raises `BackfillNotConfirmed` (with the days it would add) unless
    `confirmed`; nothing is saved then.
    """
    today = timezone.localdate()
    if end < start:
        raise ValidationError({"end": gettext("The last day is before the first.")})
    if end > today:
        raise ValidationError({"end": gettext("You cannot log days in the future.")})
    if start < earliest_diary_day(patient):
        raise ValidationError(
            {
                "start": gettext("The diary starts at %(day)s.")
                % {"day": date_format(earliest_diary_day(patient), "DATE_FORMAT")}
            }
        )
    if (end - start).days >= MAX_RANGE_DAYS:
        raise ValidationError(
            gettext("Mark at most %(days)d days at once.") % {"days": MAX_RANGE_DAYS}
        )
    Patient.objects.lock(patient.pk)
    added = _unlogged_days(patient, start, end)
    if added and not confirmed and needs_confirmation(start, end, today):
        raise BackfillNotConfirmed(added)
    source = source_for(by, patient)
    for day in added:
        diary_day_save(entry=DiaryDay(patient=patient, day=day), doses=[], by=by, source=source)
    return added


@transaction.atomic
def medicine_save(medicine: PatientMedicine) -> PatientMedicine:
    """Validate (including the one-name-per-patient rule) and save a medicine on the list."""
    medicine.full_clean()
    medicine.save()
    return medicine
