"""A diary day's change log for people: who changed what, when, from which value to which."""

from dataclasses import dataclass
from datetime import datetime

from diaries.models import DiaryDay, DiaryDose

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
        return "yes" if value else "no"
    choices = dict(entry_field.choices or [])
    return str(choices.get(value, value))


def _day_changes(entry: DiaryDay) -> list[Change]:
    records = list(
        entry.history.select_related("history_user").order_by("history_date", "history_id")
    )
    changes = []
    for previous, record in zip([None, *records], records, strict=False):
        if previous is None:
            what = f"Entered ({record.get_source_display().lower()})"
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


def _dose_changes(entry: DiaryDay) -> list[Change]:
    records = DiaryDose.history.filter(day_id=entry.pk).select_related("history_user", "medicine")
    last_doses: dict[int, int] = {}
    changes = []
    for record in records.order_by("history_date", "history_id"):
        name = record.medicine.name
        if record.history_type == "+":
            what = f"Added {name} × {record.doses}"
        elif record.history_type == "-":
            what = f"Removed {name}"
        else:
            what = f"{name}: {last_doses.get(record.id, '?')} → {record.doses} doses"
        last_doses[record.id] = record.doses
        changes.append(Change(record.history_date, record.history_user, what))
    return changes


def day_history(entry: DiaryDay) -> list[Change]:
    """Every change to the day and its doses, newest first (two queries)."""
    changes = _day_changes(entry) + _dose_changes(entry)
    return sorted(changes, key=lambda change: change.when, reverse=True)
