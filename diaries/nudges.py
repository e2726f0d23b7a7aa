"""Diary reminders ("nudges"): a daily one when today is not in the diary yet, at the time the
patient chose, and a weekly one on their weekday listing the missed days of the past 7, by the
channel they chose (email, SMS, or web push), each sent at most once however often or
concurrently the job runs (`diaries/tasks.py`, every 15 minutes).

Once-only, as appointment reminders (`scheduling/reminders.py`): each reminder is one
`DiaryNudge` row, unique on (patient, kind, day), added with insert-on-conflict; a sender locks a
row with `SELECT … FOR UPDATE SKIP LOCKED` and records what happened in the same transaction. A
failure is kept and the next run tries again that day, up to MAX_ATTEMPTS.

Web push goes through pywebpush with the VAPID keys in settings. A subscription the push
service calls gone (404, 410) is deleted; when the patient has none left their reminders go by
email from then on, and the settings page tells them (`push_expired_at`).

Every message carries a signed link (`stop_url`) that stops both reminders with one tap,
without logging in (`nudges_stop`).
"""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from pywebpush import WebPushException, webpush
from requests import RequestException

from clinic.context_processors import clinic_details
from clinic.patient_language import WEEKDAY_DAY_MONTH, in_language_of, shown
from clinic.sms import InvalidNumber, send_sms
from diaries.models import DiaryDay, DiaryNudge, DiaryNudgeSettings, NudgeChannel, PushSubscription
from patients.models import Patient

MAX_ATTEMPTS = 5
PUSH_TIMEOUT_SECONDS = 10
PUSH_GONE = {404, 410}  # the push service's answer for a subscription that has expired
WEEK = 7
# The daily reminder's time of day: the clinic's time zone, every 15 minutes.
TIMES = [time(hour, minute) for hour in range(24) for minute in (0, 15, 30, 45)]
Kind = DiaryNudge.Kind
Status = DiaryNudge.Status


def nudge_settings_of(patient: Patient) -> DiaryNudgeSettings:
    """The patient's reminder settings; the defaults (nothing on, unsaved) when they have none."""
    found = DiaryNudgeSettings.objects.filter(patient=patient).first()
    return found or DiaryNudgeSettings(patient=patient)


def nudge_settings_save(nudge_settings: DiaryNudgeSettings) -> DiaryNudgeSettings:
    """Check and save the settings (with history); the patient has seen the notice that push
    had stopped working, so it goes (its time stays in the history)."""
    nudge_settings.push_expired_at = None
    with transaction.atomic():
        nudge_settings.full_clean()
        nudge_settings.save()
    return nudge_settings


def _key_bytes(text: str, length: int, what: str) -> None:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise ValidationError(f"The browser's {what} is not valid.") from error
    if len(raw) != length:
        raise ValidationError(f"The browser's {what} is not valid.")


def push_subscribe(*, patient: Patient, endpoint: str, p256dh: str, auth: str):
    """Keep the browser's push subscription (the Push API's `endpoint` and `keys`) for the
    patient; the same endpoint again replaces it. `ValidationError` for what a browser would
    not send."""
    if not endpoint.startswith("https://"):
        raise ValidationError("The browser's push address is not valid.")
    _key_bytes(p256dh, 65, "public key")
    _key_bytes(auth, 16, "secret")
    with transaction.atomic():
        subscription = PushSubscription.objects.select_for_update().filter(endpoint=endpoint)
        subscription = subscription.first() or PushSubscription(endpoint=endpoint)
        subscription.patient, subscription.p256dh, subscription.auth = patient, p256dh, auth
        subscription.last_error = ""
        subscription.full_clean()
        subscription.save()
    return subscription


# ---- who is due ------------------------------------------------------------------------------


def nudges_queue(*, now: datetime) -> int:
    """Add today's daily reminder for each patient whose chosen time has come and whose today is
    not in the diary, and the weekly one on their weekday when a day of the past week is missing:
    patients with an active portal account who are not discharged. Returns how many were added."""
    local = timezone.localtime(now)
    today = local.date()
    due = DiaryNudgeSettings.objects.filter(
        daily_at__lte=local.time(), patient__user__is_active=True
    ).exclude(patient__status=Patient.Status.DISCHARGED)
    logged_today = DiaryDay.objects.filter(patient_id=OuterRef("patient_id"), day=today)
    daily = (
        due.filter(daily=True).exclude(Exists(logged_today)).values_list("patient_id", flat=True)
    )
    weekly = (
        due.filter(weekly=True, weekday=today.weekday())
        .annotate(
            logged=Count(
                "patient__diary_days",
                filter=Q(
                    patient__diary_days__day__range=(today - timedelta(WEEK), today - timedelta(1))
                ),
            )
        )
        .filter(logged__lt=WEEK)
        .values_list("patient_id", flat=True)
    )
    rows = [DiaryNudge(patient_id=pk, kind=Kind.DAILY, for_day=today) for pk in daily]
    rows += [DiaryNudge(patient_id=pk, kind=Kind.WEEKLY, for_day=today) for pk in weekly]
    return len(DiaryNudge.objects.bulk_create(rows, ignore_conflicts=True))


def missed_days(patient: Patient, today: date) -> list[date]:
    """The days of the past week (before today) not in the diary, oldest first."""
    week = [today - timedelta(days=n) for n in range(WEEK, 0, -1)]
    logged = set(patient.diary_days.filter(day__in=week).values_list("day", flat=True))
    return [day for day in week if day not in logged]


# ---- the stop link ---------------------------------------------------------------------------

LINK_SALT = "diaries.nudge-stop"
STOP_LINK_DAYS = 60
LINK_INVALID = gettext_lazy(
    "This link is not valid. Please check you copied it in full; you can also turn reminders "
    "off in the patient portal, under Reminders."
)
LINK_EXPIRED = gettext_lazy(
    "This link has expired. The link in your latest reminder works, or turn reminders off in "
    "the patient portal, under Reminders."
)


class StopLinkError(Exception):
    """Why a stop link cannot be used; the text is for the patient."""


def stop_url(patient: Patient) -> str:
    token = signing.TimestampSigner(salt=LINK_SALT).sign(str(patient.pk))
    return f"{settings.SITE_URL}{reverse('portal:reminders_stop', args=[token])}"


def nudge_settings_for_link(token: str) -> DiaryNudgeSettings:
    """The settings a stop link is for; `StopLinkError` if it is tampered with or expired."""
    signer = signing.TimestampSigner(salt=LINK_SALT)
    try:
        value = signer.unsign(token, max_age=timedelta(days=STOP_LINK_DAYS))
    except signing.SignatureExpired as error:
        raise StopLinkError(LINK_EXPIRED) from error
    except signing.BadSignature as error:
        raise StopLinkError(LINK_INVALID) from error
    found = value.isdigit() and (
        DiaryNudgeSettings.objects.select_related("patient").filter(patient_id=value).first()
    )
    if not found:
        raise StopLinkError(LINK_INVALID)
    return found


def nudges_stop(token: str) -> DiaryNudgeSettings:
    """Turn off both reminders for the link's patient (kept in the settings' history)."""
    with transaction.atomic():
        nudge_settings = nudge_settings_for_link(token)
        nudge_settings.daily = nudge_settings.weekly = False
        nudge_settings.save()
    return nudge_settings


# ---- what is said ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    subject: str
    text: str  # push notification body
    body: str  # email
    sms: str
    stop_title: str  # the push notification's stop button


def message(nudge: DiaryNudge, missed: list[date]) -> Message:
    """What a reminder says, in the patient's language."""
    with in_language_of(nudge.patient):
        return _message(nudge, missed)


def _message(nudge: DiaryNudge, missed: list[date]) -> Message:
    clinic = clinic_details()
    patient = nudge.patient
    portal = f"{settings.SITE_URL}{reverse('portal:home')}"
    stop = stop_url(patient)
    if nudge.kind == Kind.DAILY:
        subject = _("Your headache diary for today")
        text = _("Today, %(day)s, is not in your headache diary yet.") % {
            "day": shown(nudge.for_day, WEEKDAY_DAY_MONTH)
        }
        short = _("today is not in your headache diary yet")
    else:
        days = ", ".join(shown(day, WEEKDAY_DAY_MONTH) for day in missed)
        count = {"count": len(missed)}
        subject = (
            ngettext(
                "%(count)d day missing from your headache diary",
                "%(count)d days missing from your headache diary",
                len(missed),
            )
            % count
        )
        text = _("These days of the past week are not in your headache diary: %(days)s.") % {
            "days": days
        }
        short = (
            ngettext(
                "%(count)d day of the past week missing from your headache diary",
                "%(count)d days of the past week missing from your headache diary",
                len(missed),
            )
            % count
        )
    body = _(
        "Dear %(name)s,\n\n%(text)s Filling it in takes a tap, and a complete diary is what "
        "your review is based on:\n%(portal)s\n\n"
        "To stop these reminders: %(stop)s\n\n%(clinic)s\nTelephone %(telephone)s"
    ) % {
        "name": patient.given_name,
        "text": text,
        "portal": portal,
        "stop": stop,
        "clinic": clinic["name"],
        "telephone": clinic["telephone"],
    }
    sms = _("%(clinic)s: %(short)s. %(portal)s Stop these reminders: %(stop)s") % {
        "clinic": clinic["name"],
        "short": short,
        "portal": portal,
        "stop": stop,
    }
    return Message(subject, text, body, sms, _("Stop these reminders"))


# ---- sending ---------------------------------------------------------------------------------


@dataclass
class NudgeRun:
    sent: int = 0
    failed: int = 0
    unreachable: int = 0
    not_needed: int = 0
    push_expired: int = 0

    def __str__(self):
        return (
            f"{self.sent} sent, {self.failed} failed, {self.unreachable} cannot be reached, "
            f"{self.not_needed} no longer needed, {self.push_expired} push subscriptions expired"
        )


class Unreachable(Exception):
    """The patient has no address for the chosen channel."""


class PushFailed(Exception):
    """No subscription took the notification (and not every one had expired)."""


def push_send(patient: Patient, payload: dict, run: NudgeRun) -> int:
    """Send `payload` to each of the patient's push subscriptions; delete the ones that have
    expired. Returns how many took it; `PushFailed` when some failed and none took it."""
    delivered, errors = 0, []
    for subscription in patient.push_subscriptions.select_for_update().order_by("pk"):
        try:
            webpush(
                {
                    "endpoint": subscription.endpoint,
                    "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
                },
                data=json.dumps(payload),
                vapid_private_key=settings.VAPID_PRIVATE_KEY,
                vapid_claims={"sub": settings.VAPID_SUBJECT},
                timeout=PUSH_TIMEOUT_SECONDS,
                ttl=12 * 60 * 60,
            )
        except WebPushException as error:
            status = getattr(error.response, "status_code", None)
            if status in PUSH_GONE:
                subscription.delete()
                run.push_expired += 1
                continue
            errors.append(f"push service answered {status or 'nothing'}: {error.message}")
        except (RequestException, ValueError) as error:
            errors.append(f"{type(error).__name__}: {error}")
        else:
            delivered += 1
            if subscription.last_error:
                subscription.last_error = ""
                subscription.save(update_fields=["last_error"])
            continue
        subscription.last_error = errors[-1][:300]
        subscription.save(update_fields=["last_error"])
    if errors and not delivered:
        raise PushFailed("; ".join(errors))
    return delivered


def _still_wanted(nudge: DiaryNudge, prefs: DiaryNudgeSettings) -> list[date] | None:
    """The missed days for a weekly reminder, [] for a daily one; None when not needed now."""
    if nudge.kind == Kind.DAILY:
        logged = nudge.patient.diary_days.filter(day=nudge.for_day).exists()
        return None if not prefs.daily or logged else []
    missed = missed_days(nudge.patient, nudge.for_day)
    return missed if prefs.weekly and missed else None


def _deliver(nudge: DiaryNudge, now: datetime, run: NudgeRun) -> None:
    patient = nudge.patient
    prefs = patient.diary_nudge_settings
    missed = _still_wanted(nudge, prefs)
    if missed is None:
        nudge.status = Status.NOT_NEEDED
        run.not_needed += 1
        return
    nudge.attempts += 1
    said = message(nudge, missed)
    try:
        if prefs.channel == NudgeChannel.PUSH:
            payload = {
                "title": said.subject,
                "body": said.text,
                "url": f"{settings.SITE_URL}{reverse('portal:home')}",
                "stop": stop_url(patient),
                "stop_title": said.stop_title,
            }
            if push_send(patient, payload, run):
                nudge.channel = NudgeChannel.PUSH
                nudge.status, nudge.sent_at, nudge.error = Status.SENT, now, ""
                run.sent += 1
                return
            prefs.channel, prefs.push_expired_at = NudgeChannel.EMAIL, now
            prefs.save(update_fields=["channel", "push_expired_at", "updated_at"])
        nudge.channel = prefs.channel
        if prefs.channel == NudgeChannel.SMS and patient.phone.strip():
            send_sms(patient.phone, said.sms)
        elif prefs.channel == NudgeChannel.EMAIL and patient.email.strip():
            send_mail(said.subject, said.body, None, [patient.email])
        else:
            what = "mobile number" if prefs.channel == NudgeChannel.SMS else "email address"
            raise Unreachable(f"Chose {prefs.get_channel_display().lower()} but has no {what}.")
    except (InvalidNumber, Unreachable) as error:
        nudge.status, nudge.error = Status.UNREACHABLE, str(error)[:300]
        run.unreachable += 1
    except Exception as error:  # any mail, SMS or push failure: kept, tried again next run
        nudge.status = Status.GAVE_UP if nudge.attempts >= MAX_ATTEMPTS else Status.FAILED
        nudge.error = f"{type(error).__name__}: {error}"[:300]
        run.failed += 1
    else:
        nudge.status, nudge.sent_at, nudge.error = Status.SENT, now, ""
        run.sent += 1


def _next_nudge(today: date, tried: set[int]) -> DiaryNudge | None:
    """Lock one of today's reminders waiting to be sent that no other sender holds."""
    return (
        DiaryNudge.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("patient__diary_nudge_settings")
        .filter(for_day=today, status__in=[Status.PENDING, Status.FAILED])
        .exclude(pk__in=tried)
        .order_by("pk")
        .first()
    )


def nudges_send(*, now: datetime) -> NudgeRun:
    """Send each of today's waiting diary reminders once; keep failures for the next run."""
    run = NudgeRun()
    today = timezone.localdate(now)
    tried: set[int] = set()
    while True:
        with transaction.atomic():
            nudge = _next_nudge(today, tried)
            if nudge is None:
                return run
            tried.add(nudge.pk)
            _deliver(nudge, now, run)
            nudge.save()
