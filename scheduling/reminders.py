"""Appointment reminders and side-effect check-in prompts, each by the patient's preferred
channel, sent at most once however often or concurrently this runs.

Each appointment gets one `Reminder` row (a unique constraint), and so does each injection
session whose check-in falls due (`check_in_prompts_queue`). A sender locks a row with
`SELECT … FOR UPDATE SKIP LOCKED` while it handles it, and records the outcome in the same
transaction, so a second sender either skips the row or finds it done.

The channel is the patient's preferred contact, decided when the row is handled:
- email and SMS are sent (`clinic.sms`); a failure is recorded and retried on a later run, up
  to MAX_ATTEMPTS;
- post puts a letter in the desk's print batch (`scheduling.reminder_desk`);
- phone puts the patient on the desk's reminder call list; logging a call that reached them
  (`scheduling.calls.record_call`) marks it done;
- a patient without an address for their channel (no email, no phone, no postal address, or a
  phone number that is not one) "cannot be reached": the desk sees it. There is no fallback to
  another channel: the patient chose how to be contacted, and a clinic phones them or corrects
  the record. Once the record changes, the next run tries again.

Appointment reminders by email and SMS carry signed one-time links to confirm or ask to change
(`link_token`, `reminder_answer`); the row's `response` is the one-time record.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clinic.context_processors import clinic_details
from clinic.patient_language import (
    DAY_MONTH_YEAR,
    SHORT_WEEKDAY_DAY_MONTH_AT,
    WEEKDAY_DATE_AT,
    WEEKDAY_DAY_MONTH_AT,
    in_language_of,
    shown,
)
from clinic.sms import InvalidNumber, send_sms
from patients.models import Patient
from scheduling.calendar import local_datetime
from scheduling.models import Appointment, Reminder
from treatments.checkins import CHECK_IN_FROM_DAYS, CHECK_IN_UNTIL_DAYS, QUESTIONS
from treatments.models import InjectionSession

DEFAULT_DAYS_BEFORE = 2
MAX_ATTEMPTS = 5
Contact = Patient.Contact
Status = Reminder.Status
Kind = Reminder.Kind
# For each channel: the patient's field it needs, and what the desk is told is missing.
CHANNEL_ADDRESS = {
    Contact.EMAIL: ("email", "email address"),
    Contact.SMS: ("phone", "mobile number"),
    Contact.POST: ("address", "postal address"),
    Contact.PHONE: ("phone", "phone number"),
}


@dataclass
class ReminderRun:
    sent: int = 0
    failed: int = 0
    to_print: int = 0
    to_call: int = 0
    unreachable: int = 0

    def __str__(self):
        return (
            f"{self.sent} sent, {self.failed} failed, {self.to_print} letters to print, "
            f"{self.to_call} to phone, {self.unreachable} cannot be reached"
        )


def reminders_queue(*, days_before: int, now: datetime) -> int:
    """Add a reminder for each booked appointment from now to the end of the day `days_before`
    days ahead, for patients who are not discharged. Returns how many were added."""
    horizon = local_datetime(timezone.localdate(now) + timedelta(days=days_before + 1), time.min)
    appointments = (
        Appointment.objects.filter(
            status=Appointment.Status.BOOKED,
            starts_at__gt=now,
            starts_at__lt=horizon,
            reminder__isnull=True,
        )
        .exclude(patient__status=Patient.Status.DISCHARGED)
        .values_list("pk", "patient_id")
    )
    return _add(Kind.APPOINTMENT, "appointment_id", appointments)


def check_in_prompts_queue(*, today) -> int:
    """Add a check-in prompt for each session whose check-in is open `today` and unanswered,
    for patients who are not discharged. Returns how many were added."""
    sessions = (
        InjectionSession.objects.filter(
            performed_on__range=(
                today - timedelta(days=CHECK_IN_UNTIL_DAYS),
                today - timedelta(days=CHECK_IN_FROM_DAYS),
            ),
            check_in__isnull=True,
            check_in_prompt__isnull=True,
        )
        .exclude(patient__status=Patient.Status.DISCHARGED)
        .values_list("pk", "patient_id")
    )
    return _add(Kind.CHECK_IN, "session_id", sessions)


def _add(kind: str, subject: str, rows) -> int:
    """One reminder of `kind` per (subject id, patient id) row; one already there is left
    alone (the unique subject). Returns how many were added."""
    created = Reminder.objects.bulk_create(
        [Reminder(kind=kind, patient_id=patient_id, **{subject: pk}) for pk, patient_id in rows],
        ignore_conflicts=True,
    )
    return len(created)


def still_wanted(now: datetime) -> Q:
    """Reminders whose subject still needs one: a booked appointment not yet begun, or a
    check-in still open and unanswered."""
    today = timezone.localdate(now)
    return Q(
        kind=Kind.APPOINTMENT,
        appointment__status=Appointment.Status.BOOKED,
        appointment__starts_at__gt=now,
    ) | Q(
        kind=Kind.CHECK_IN,
        session__check_in__isnull=True,
        session__performed_on__gte=today - timedelta(days=CHECK_IN_UNTIL_DAYS),
    )


# ---- links -----------------------------------------------------------------------------------

LINK_SALT = "scheduling.reminder-link"
ACTIONS = {"confirm": Reminder.Response.CONFIRMED, "change": Reminder.Response.CHANGE}
LINK_INVALID = gettext_lazy(
    "This link is not valid. Please check you copied it in full, or phone the clinic."
)
LINK_EXPIRED = gettext_lazy("This link has expired. Please phone the clinic.")
LINK_USED = gettext_lazy("You have already answered this reminder: thank you.")
LINK_NOT_BOOKED = gettext_lazy("This appointment is no longer booked. Please phone the clinic.")


class LinkError(Exception):
    """Why a reminder's link cannot be used; the text is for the patient."""


def link_token(reminder: Reminder, action: str) -> str:
    return signing.TimestampSigner(salt=LINK_SALT).sign(f"{reminder.pk}.{action}")


def link_url(reminder: Reminder, action: str) -> str:
    path = reverse("schedule:reminder_answer", args=[link_token(reminder, action)])
    return f"{settings.SITE_URL}{path}"


def _read_token(token: str) -> tuple[int, str]:
    signer = signing.TimestampSigner(salt=LINK_SALT)
    try:
        value = signer.unsign(token, max_age=timedelta(days=settings.REMINDER_LINK_DAYS))
    except signing.SignatureExpired as error:
        raise LinkError(LINK_EXPIRED) from error
    except signing.BadSignature as error:
        raise LinkError(LINK_INVALID) from error
    pk, _, action = value.partition(".")
    if not pk.isdigit() or action not in ACTIONS:
        raise LinkError(LINK_INVALID)
    return int(pk), action


def _link_closed(reminder: Reminder, now: datetime) -> str | None:
    if reminder.response:
        return LINK_USED
    appointment = reminder.appointment
    if appointment.status != Appointment.Status.BOOKED or appointment.starts_at <= now:
        return LINK_NOT_BOOKED
    return None


def reminder_for_link(token: str, now: datetime) -> tuple[Reminder, str]:
    """The reminder and action (`confirm`, `change`) a link is for; `LinkError` if it is
    tampered with, expired, used, or its appointment is no longer booked."""
    pk, action = _read_token(token)
    reminder = (
        Reminder.objects.select_related("appointment", "patient")
        .filter(pk=pk, kind=Kind.APPOINTMENT)
        .first()
    )
    if reminder is None:
        raise LinkError(LINK_INVALID)
    if closed := _link_closed(reminder, now):
        raise LinkError(closed)
    return reminder, action


def reminder_answer(*, token: str, now: datetime) -> Reminder:
    """Record the patient's answer through a link, once: a second answer (the same link again,
    or the other link) raises `LinkError`, even at the same moment."""
    pk, action = _read_token(token)
    with transaction.atomic():
        reminder = (
            Reminder.objects.select_for_update(of=("self",))
            .select_related("appointment", "patient")
            .filter(pk=pk, kind=Kind.APPOINTMENT)
            .first()
        )
        if reminder is None:
            raise LinkError(LINK_INVALID)
        if closed := _link_closed(reminder, now):
            raise LinkError(closed)
        reminder.response = ACTIONS[action]
        reminder.responded_at = now
        reminder.save(update_fields=["response", "responded_at", "updated_at"])
    return reminder


# ---- what is said ----------------------------------------------------------------------------


def message(reminder: Reminder, *, links: bool) -> tuple[str, str]:
    """The subject and text of a reminder or check-in prompt, in the patient's language; `links`
    adds the confirm and change links (email and SMS)."""
    with in_language_of(reminder.patient):
        if reminder.kind == Kind.CHECK_IN:
            return _check_in_message(reminder, links=links)
        return _appointment_message(reminder, links=links)


def _signature(clinic: dict) -> str:
    return _("%(name)s\n%(address)s\nTelephone %(telephone)s") % clinic


def _check_in_message(reminder: Reminder, *, links: bool) -> tuple[str, str]:
    clinic = clinic_details()
    session = reminder.session
    closes = session.performed_on + timedelta(days=CHECK_IN_UNTIL_DAYS)
    symptoms = ", ".join(str(label).lower() for label, _help in QUESTIONS.values())
    portal = f" ({settings.SITE_URL}{reverse('check_in:answer', args=[session.pk])})"
    body = _(
        "Dear %(name)s,\n\n"
        "Please tell us how you have been since your injection on %(injected)s: whether you "
        "have had %(symptoms)s. Answer the check-in in the patient portal by %(closes)s%(link)s, "
        "or phone the clinic on %(telephone)s.\n\n"
        "If you have trouble swallowing or breathing, get urgent medical help now.\n\n"
        "%(signature)s"
    ) % {
        "name": reminder.patient.given_name,
        "injected": shown(session.performed_on, DAY_MONTH_YEAR),
        "symptoms": symptoms,
        "closes": shown(closes, DAY_MONTH_YEAR),
        "link": portal if links else "",
        "telephone": clinic["telephone"],
        "signature": _signature(clinic),
    }
    return _("How have you been since your injection?"), body


def _appointment_message(reminder: Reminder, *, links: bool) -> tuple[str, str]:
    clinic = clinic_details()
    appointment = reminder.appointment
    starts_at = timezone.localtime(appointment.starts_at)
    subject = _("Reminder: your appointment on %(when)s") % {
        "when": shown(starts_at, WEEKDAY_DAY_MONTH_AT)
    }
    answer = (
        _("Please confirm you are coming: %(confirm)s\nNeed to change it? %(change)s\n\n")
        % {"confirm": link_url(reminder, "confirm"), "change": link_url(reminder, "change")}
        if links
        else ""
    )
    body = _(
        "Dear %(name)s,\n\n"
        "This is a reminder of your %(kind)s appointment with %(clinician)s at %(clinic)s "
        "on %(when)s.\n\n"
        "%(answer)s"
        "If you cannot come, please phone the clinic on %(telephone)s so that someone else can "
        "have the slot.\n\n"
        "%(signature)s"
    ) % {
        "name": reminder.patient.given_name,
        "kind": appointment.get_kind_display().lower(),
        "clinician": appointment.clinician,
        "clinic": clinic["name"],
        "when": shown(starts_at, WEEKDAY_DATE_AT),
        "answer": answer,
        "telephone": clinic["telephone"],
        "signature": _signature(clinic),
    }
    return subject, body


def sms_text(reminder: Reminder) -> str:
    """A short text, in the patient's language: one or two SMS segments."""
    clinic = clinic_details()
    with in_language_of(reminder.patient):
        if reminder.kind == Kind.CHECK_IN:
            return _(
                "%(clinic)s: how have you been since your injection? Please answer the check-in "
                "in the portal (%(link)s) or call %(telephone)s. Trouble swallowing or "
                "breathing: get urgent help."
            ) % {
                "clinic": clinic["name"],
                "link": f"{settings.SITE_URL}"
                f"{reverse('check_in:answer', args=[reminder.session_id])}",
                "telephone": clinic["telephone"],
            }
        when = timezone.localtime(reminder.appointment.starts_at)
        return _(
            "%(clinic)s: your appointment is on %(when)s. Confirm: %(confirm)s Change: "
            "%(change)s Or call %(telephone)s."
        ) % {
            "clinic": clinic["name"],
            "when": shown(when, SHORT_WEEKDAY_DAY_MONTH_AT),
            "confirm": link_url(reminder, "confirm"),
            "change": link_url(reminder, "change"),
            "telephone": clinic["telephone"],
        }


# ---- sending ---------------------------------------------------------------------------------


def _next_reminder(now: datetime, tried: set[int]) -> Reminder | None:
    """Lock one reminder that is due to be handled and that no other sender holds: waiting,
    failed, or unreachable when the patient's record has changed since."""
    return (
        Reminder.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("patient", "appointment__clinician", "session")
        .filter(
            Q(status__in=[Status.PENDING, Status.FAILED])
            | Q(status=Status.UNREACHABLE, patient__updated_at__gt=F("updated_at"))
        )
        .filter(still_wanted(now))
        .exclude(patient__status=Patient.Status.DISCHARGED)
        .exclude(pk__in=tried)
        .order_by("pk")
        .first()
    )


def _fail(reminder: Reminder, error: str, run: ReminderRun) -> None:
    reminder.status = Status.GAVE_UP if reminder.attempts >= MAX_ATTEMPTS else Status.FAILED
    reminder.last_error = error[:300]
    run.failed += 1


def _unreachable(reminder: Reminder, why: str, run: ReminderRun) -> None:
    reminder.status = Status.UNREACHABLE
    reminder.last_error = why[:300]
    run.unreachable += 1


def _deliver(reminder: Reminder, now: datetime, run: ReminderRun) -> None:
    """Route `reminder` by the patient's preferred contact and record what happened."""
    patient = reminder.patient
    channel = patient.preferred_contact
    field, what = CHANNEL_ADDRESS[channel]
    reminder.channel = channel
    reminder.attempts += 1
    address = getattr(patient, field).strip()
    if not address:
        _unreachable(reminder, f"Prefers {Contact(channel).label.lower()} but has no {what}.", run)
        return
    reminder.last_error = ""
    if channel == Contact.POST:
        reminder.status = Status.TO_PRINT
        run.to_print += 1
    elif channel == Contact.PHONE:
        reminder.status = Status.TO_CALL
        run.to_call += 1
    else:
        try:
            if channel == Contact.EMAIL:
                subject, body = message(reminder, links=True)
                send_mail(subject, body, None, [address])
            else:
                send_sms(address, sms_text(reminder))
        except InvalidNumber as error:
            _unreachable(reminder, str(error), run)
        except Exception as error:  # any mail or SMS failure: keep it for staff, retry later
            _fail(reminder, f"{type(error).__name__}: {error}", run)
        else:
            reminder.status = Status.SENT
            reminder.sent_at = now
            run.sent += 1


def reminders_send(*, now: datetime) -> ReminderRun:
    """Handle every due reminder and check-in prompt once; record failures for a later run."""
    run = ReminderRun()
    tried: set[int] = set()
    while True:
        with transaction.atomic():
            reminder = _next_reminder(now, tried)
            if reminder is None:
                return run
            tried.add(reminder.pk)
            _deliver(reminder, now, run)
            reminder.save()
