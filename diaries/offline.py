"""Diary days made on a phone with no network: sent later from its queue, each once.

The phone gives every entry a random key and the time it was made. A key already received is
answered "already received" and changes nothing. A day changed on the server after the entry
was made (another device) keeps the later change: the phone's entry is saved and the later one
saved again over it, so the day's history holds both; the patient is told either way. A day
after today (the phone's clock is wrong) is refused, and the entry stays on the phone.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from clinic.dates import weekday_date
from diaries.entries import Dose, diary_day_save, source_for
from diaries.forms import DiaryDayForm
from diaries.models import DiaryDay, DiarySubmission
from patients.models import Patient

ALREADY_RECEIVED = "already received"
SAVED = "saved"
# The app shell the service worker caches when it installs: every portal page a patient opens
# is cached too (network first), so what they last saw opens with no signal.
SHELL_STATIC = [
    "vendor/bootstrap.min.css",
    "clinic.css",
    "vendor/bootstrap.bundle.min.js",
    "vendor/htmx.min.js",
    "diaries/offline.js",
    "diaries/day_form.js",
    "diaries/icon.svg",
    "diaries/icon-192.png",
    "diaries/manifest.webmanifest",
    "favicon.svg",
]
SHELL_PAGES = ["portal:home", "portal:calendar", "portal:day_new"]
SERVICE_WORKER = settings.BASE_DIR / "static/diaries/service_worker.js"
KEPT_ON_SERVER = [f.attname for f in DiaryDay._meta.concrete_fields if not f.primary_key]


@dataclass(frozen=True)
class OfflineEntry:
    """One entry from the phone's queue: the day form's fields as the patient filled them."""

    key: UUID
    device: UUID
    day: date
    made_at: datetime
    seen: datetime | None  # the day's updated_at when its form was opened; None for a new day
    fields: dict[str, str]


@dataclass(frozen=True)
class Synced:
    status: str  # SAVED or ALREADY_RECEIVED
    message: str


@dataclass(frozen=True)
class Version:
    """When and on which device (None: on the server, e.g. the online form) a day's current
    values were made."""

    made_at: datetime
    device: UUID | None


def _version(existing: DiaryDay) -> Version:
    submission = DiarySubmission.objects.filter(
        patient_id=existing.patient_id, day=existing.day, version=existing.updated_at
    ).first()
    if submission is None:
        return Version(existing.updated_at, None)
    return Version(submission.version_made_at, submission.version_device)


def _form_errors(form) -> ValidationError:
    messages = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else None
        messages += [f"{label}: {error}" if label else error for error in errors]
    return ValidationError(messages)


def _keep_later(saved: DiaryDay, values: dict, doses: list[Dose], by) -> DiaryDay:
    """Save the server's later values again over the phone's entry (both stay in the history)."""
    entry = DiaryDay.objects.get(pk=saved.pk)
    for name in KEPT_ON_SERVER:
        if name not in ("created_at", "updated_at"):
            setattr(entry, name, values[name])
    entry._change_reason = "A later change from another device kept"
    return diary_day_save(entry=entry, doses=doses, by=by, source=entry.source)


@transaction.atomic
def day_sync(*, patient: Patient, entry: OfflineEntry, by, now: datetime) -> Synced:
    """Save one queued entry through the day form's validation and `diary_day_save`.

    Raises ValidationError (nothing saved, nothing recorded) for a day after today or a form
    error, so the phone keeps the entry for the patient to change or discard.
    """
    Patient.objects.lock(patient.pk)  # the same key sent twice at once: the second waits
    shown = {"day": weekday_date(entry.day)}
    if DiarySubmission.objects.filter(patient=patient, key=entry.key).exists():
        return Synced(
            ALREADY_RECEIVED, gettext("%(day)s was already received; nothing changed.") % shown
        )
    today = timezone.localdate(now)
    if entry.day > today:
        raise ValidationError(
            gettext(
                "%(day)s is after today (%(today)s): check the date on your phone, then "
                "change the day or discard this entry."
            )
            % {**shown, "today": weekday_date(today)}
        )
    existing = patient.diary_days.filter(day=entry.day).prefetch_related("doses").first()
    made_at = min(entry.made_at, now)  # a phone clock running fast does not win every conflict
    mine = Version(made_at, entry.device)
    current = _version(existing) if existing else None
    elsewhere = current is not None and current.device != entry.device
    server_later = elsewhere and current.made_at > made_at
    unseen = existing is not None and (entry.seen is None or existing.updated_at > entry.seen)
    if server_later:
        values = {name: getattr(existing, name) for name in KEPT_ON_SERVER}
        kept_doses = [Dose(dose.medicine, dose.doses) for dose in existing.doses.all()]
    form = DiaryDayForm(
        {**entry.fields, "day": entry.day.isoformat()},
        instance=existing or DiaryDay(patient=patient),
        medicines=list(patient.medicines.all()),
    )
    if not form.is_valid():
        raise _form_errors(form)
    saved = diary_day_save(
        entry=form.save(commit=False), doses=form.doses(), by=by, source=source_for(by, patient)
    )
    if server_later:
        saved = _keep_later(saved, values, kept_doses, by)
        mine = current
        message = gettext(
            "%(day)s was changed on another device after you made this entry; that later "
            "change was kept (yours is in the day's history)."
        )
    elif elsewhere and unseen:
        message = gettext("%(day)s was changed on another device; your later entry was kept.")
    else:
        message = gettext("Sent %(day)s.")
    message %= shown
    DiarySubmission.objects.create(
        patient=patient,
        key=entry.key,
        device=entry.device,
        day=entry.day,
        made_at=entry.made_at,
        received_at=now,
        outcome=(
            DiarySubmission.Outcome.KEPT_LATER if server_later else DiarySubmission.Outcome.SAVED
        ),
        version=saved.updated_at,
        version_made_at=mine.made_at,
        version_device=mine.device,
    )
    return Synced(SAVED, message)


def service_worker_source() -> str:
    """The service worker's script with the shell's URLs (hashed static names in production)
    above it; its version changes with either, so an update replaces the old cache."""
    config = {
        "shell": [static(name) for name in SHELL_STATIC] + [reverse(n) for n in SHELL_PAGES],
        "home": reverse("portal:home"),
        "static": static(""),
        "push": static("diaries/push-sw.js"),  # the diary reminders' notifications
    }
    source = SERVICE_WORKER.read_text()
    config["version"] = hashlib.sha256((json.dumps(config) + source).encode()).hexdigest()[:12]
    return f"const CONFIG = {json.dumps(config)};\n{source}"
