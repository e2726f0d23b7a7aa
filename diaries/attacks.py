"""Timing a headache attack in the portal: "Headache started" and "It ended" are one tap each,
and the diary days an attack touches follow from the day's attacks.

The rules:
- Two taps of "started" are one attack: while one is running, starting again changes nothing.
- "Ended" with no attack running is refused, as is a time later than now (a phone's clock can be
  wrong: the clinic's clock decides, with FUTURE_TOLERANCE for clocks a little apart), an end
  before the start, an attack longer than MAX_ATTACK, or a start inside an earlier attack.
- An attack across midnight (clinic time) belongs to each day it touches for the hours and the
  worst pain, split at midnight; it is counted (`DiaryDay.attacks`) on the day it started.
- Each day touched is saved through `diaries.entries.diary_day_save` (with history): a headache
  day whose hours are the attacks' hours that day, whose worst pain is the worst of the entry's
  and the attacks', and whose attack count is the number of attacks that started on it. Other
  answers on the entry (features, doses, note) stay as they were.
"""

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from diaries.entries import Dose, day_bounds, diary_day_save, source_for
from diaries.models import Attack, DiaryDay, Severity
from patients.models import Patient

FUTURE_TOLERANCE = timedelta(minutes=2)
MAX_ATTACK = timedelta(hours=72)
SEVERITY_ORDER = [Severity.NONE, Severity.MILD, Severity.MODERATE, Severity.SEVERE]


def running_attack(patient: Patient) -> Attack | None:
    return patient.attacks.filter(ended_at__isnull=True).first()


def _shown(moment: datetime) -> str:
    local = timezone.localtime(moment)
    return f"{date_format(local, 'DATE_FORMAT')} {local:%H:%M}"


def _not_in_the_future(at: datetime, now: datetime, field: str) -> None:
    if at > now + FUTURE_TOLERANCE:
        raise ValidationError(
            {
                field: gettext(
                    "%(at)s is later than now (%(now)s by the clinic's clock). "
                    "Check the time, or your phone's date and time settings."
                )
                % {"at": _shown(at), "now": _shown(now)}
            }
        )


@transaction.atomic
def attack_start(*, patient: Patient, by, now: datetime, at: datetime | None = None) -> Attack:
    """Start timing an attack at `at` (default `now`); the running one if there is one."""
    Patient.objects.lock(patient.pk)  # two taps at once: the second waits, then finds the first
    running = running_attack(patient)
    if running is not None:
        return running
    started = at or now
    _not_in_the_future(started, now, "at")
    if started < now - MAX_ATTACK:
        raise ValidationError({"at": gettext("That is more than 3 days ago: log the day instead.")})
    earlier = patient.attacks.filter(started_at__lte=started, ended_at__gt=started).first()
    if earlier is not None:
        raise ValidationError(
            {
                "at": gettext("That is during the attack from %(start)s to %(end)s.")
                % {"start": _shown(earlier.started_at), "end": _shown(earlier.ended_at)}
            }
        )
    attack = Attack(patient=patient, started_at=started)
    attack._history_user = by
    attack.full_clean()
    attack.save()
    return attack


@transaction.atomic
def attack_end(
    *, patient: Patient, by, now: datetime, at: datetime | None = None, peak_severity: str = ""
) -> Attack:
    """End the running attack at `at` (default `now`) and bring the days it touches up to date."""
    Patient.objects.lock(patient.pk)
    attack = running_attack(patient)
    if attack is None:
        raise ValidationError(gettext("No headache is being timed: tap “Headache started” first."))
    ended = at or now
    _not_in_the_future(ended, now, "at")
    if ended <= attack.started_at:
        raise ValidationError(
            {
                "at": gettext("The end must be after the start (%(start)s).")
                % {"start": _shown(attack.started_at)}
            }
        )
    if ended - attack.started_at > MAX_ATTACK:
        raise ValidationError(
            {
                "at": gettext(
                    "An attack lasts at most 3 days: give the time it ended (it started %(start)s)."
                )
                % {"start": _shown(attack.started_at)}
            }
        )
    later = patient.attacks.filter(started_at__gt=attack.started_at, started_at__lt=ended).first()
    if later is not None:
        raise ValidationError(
            {
                "at": gettext("Another attack started at %(start)s.")
                % {"start": _shown(later.started_at)}
            }
        )
    attack.ended_at, attack.peak_severity = ended, peak_severity
    attack._history_user = by
    attack.full_clean()
    attack.save()
    for day in days_touched(attack):
        _update_day(patient, day, by)
    return attack


def days_touched(attack: Attack) -> list[date]:
    first = timezone.localtime(attack.started_at).date()
    last = timezone.localtime(attack.ended_at - timedelta(microseconds=1)).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _update_day(patient: Patient, day: date, by) -> DiaryDay:
    start, end = day_bounds(day)
    attacks = list(
        patient.attacks.filter(started_at__lt=end, ended_at__gt=start).order_by("started_at")
    )
    seconds = sum(
        (min(a.ended_at, end) - max(a.started_at, start)).total_seconds() for a in attacks
    )
    entry = patient.diary_days.prefetch_related("doses__medicine").filter(day=day).first()
    if entry is None:
        entry = DiaryDay(patient=patient, day=day)
    worst = max(
        [entry.severity, *(a.peak_severity for a in attacks if a.peak_severity)],
        key=SEVERITY_ORDER.index,
    )
    if worst == Severity.NONE:
        raise ValidationError({"peak_severity": gettext("Say how bad the worst pain was.")})
    entry.headache, entry.severity = True, worst
    entry.hours = min(Decimal(24), Decimal(seconds / 3600).quantize(Decimal("0.1"), ROUND_HALF_UP))
    entry.attacks = sum(1 for a in attacks if a.started_at >= start)
    entry._history_user = by
    doses = [Dose(row.medicine, row.doses) for row in entry.doses.all()] if entry.pk else []
    return diary_day_save(entry=entry, doses=doses, by=by, source=source_for(by, patient))


def attacks_on(patient: Patient, day: date) -> list[Attack]:
    """The attacks that started on `day` (clinic time), oldest first: what the home page lists."""
    start, end = day_bounds(day)
    return list(patient.attacks.filter(started_at__gte=start, started_at__lt=end))
