"""A diary day's change log for people: who changed what, when, from which value to which,
and which days were removed (a removed day's rows are gone; its history keeps them)."""

from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext, ngettext

from diaries.models import DiaryDay, DiaryDose
from patients.models import Patient

IGNORED_FIELDS = ["created_at", "updated_at", "entered_by", "late", "source"]


@dataclass(frozen=True)
class Change:
    when: datetime
    who: object  # the user, or None for changes made outside a request
    what: str


def _shown(entry_field, value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    choices = dict(entry_field.choices or [])
    return str(choices.get(value, value))


def _records(patient: Patient, day: date):
    """The history rows of every entry the patient made for this day, oldest first: an entry
    removed and entered again is two entries."""
    return list(
        DiaryDay.history.filter(patient_id=patient.pk, day=day)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )


def _day_changes(records) -> list[Change]:
    changes, previous_of = [], {}
    for record in records:
        previous = previous_of.get(record.id)
        previous_of[record.id] = record
        if record.history_type == "+":
            source = record.get_source_display().lower()
            if len(previous_of) > 1:
                what = gettext("Entered again (%(source)s)") % {"source": source}
            else:
                what = gettext("Entered (%(source)s)") % {"source": source}
        elif record.history_type == "-":
            what = gettext("Removed the day: it no longer counts and can be entered again")
        else:
            delta = record.diff_against(previous, excluded_fields=IGNORED_FIELDS)
            parts = []
            for change in delta.changes:
                field = DiaryDay._meta.get_field(change.field)
                parts.append(
                    f"{field.verbose_name.capitalize()}: {_shown(field, change.old)}"
                    f" → {_shown(field, change.new)}"
                )
            if not parts:
                continue
            what = "; ".join(parts)
        changes.append(Change(record.history_date, record.history_user, what))
    return changes


def _dose_changes(day_ids: set[int]) -> list[Change]:
    records = DiaryDose.history.filter(day_id__in=day_ids).select_related(
        "history_user", "medicine"
    )
    last_doses: dict[int, int] = {}
    changes = []
    for record in records.order_by("history_date", "history_id"):
        name = record.medicine.name
        if record.history_type == "+":
            what = gettext("Added %(medicine)s × %(doses)d") % {
                "medicine": name,
                "doses": record.doses,
            }
        elif record.history_type == "-":
            what = gettext("Removed %(medicine)s") % {"medicine": name}
        else:
            what = ngettext(
                "%(medicine)s: %(before)s → %(doses)d dose",
                "%(medicine)s: %(before)s → %(doses)d doses",
                record.doses,
            ) % {"medicine": name, "before": last_doses.get(record.id, "?"), "doses": record.doses}
        last_doses[record.id] = record.doses
        changes.append(Change(record.history_date, record.history_user, what))
    return changes


def day_history(patient: Patient, day: date) -> list[Change]:
    """Every change to the patient's entries for `day` and their doses, removed entries
    included, newest first (two queries)."""
    records = _records(patient, day)
    if not records:
        return []
    changes = _day_changes(records) + _dose_changes({record.id for record in records})
    return sorted(changes, key=lambda change: change.when, reverse=True)


@dataclass(frozen=True)
class Removal:
    """A day removed from the diary: when, and by whom."""

    day: date
    when: datetime
    who: object
    by_patient: bool

    def __str__(self):
        by = "the patient" if self.by_patient else (self.who or "the system")
        return f"removed by {by} on {timezone.localtime(self.when):%-d %b %Y}"


def removed_days(patient: Patient, start: date, end: date) -> dict[date, Removal]:
    """The days from `start` to `end` the patient or staff removed, the latest removal of
    each (one query; a day entered again is still listed: the caller shows what it holds)."""
    records = (
        DiaryDay.history.filter(patient_id=patient.pk, day__range=(start, end), history_type="-")
        .select_related("history_user")
        .order_by("day", "history_date")
    )
    return {
        record.day: Removal(
            record.day,
            record.history_date,
            record.history_user,
            record.history_user_id is not None and record.history_user_id == patient.user_id,
        )
        for record in records
    }
