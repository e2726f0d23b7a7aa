"""The waitlist for an earlier slot: who fits a free slot, offers by message, the first to accept.

The desk puts a patient on the waitlist (one waiting entry each). The waitlist page lists the
free slots of the coming days (`scheduling.calendar.free_slots`) with the waiting patients who
fit each, earliest due first (`scheduling.courses.courses_of`): the kind, clinician, weekday
and time they asked for, earlier than the booking they want to bring forward, and for an
injection not before it is due (84 days after the last). An offer is a `SlotOffer` row and an
email or text message with a signed link (`deliver_offer`); the first to accept is booked through
`scheduling.booking`, and the appointments' exclusion constraint decides who is first. The
others' offers are then "gone" and they are told.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from clinic.context_processors import clinic_details
from clinic.patient_language import (
    DAY_MONTH_AT,
    WEEKDAY_DATE_AT,
    WEEKDAY_DAY_MONTH_AT,
    in_language_of,
    shown,
)
from clinic.sms import send_sms
from patients.models import Patient
from scheduling.booking import (
    SLOT_TAKEN,
    appointment_book,
    appointment_reschedule,
    booking_cautions,
)
from scheduling.calendar import ClinicCalendar, Slot, free_slots
from scheduling.courses import Course, courses_of
from scheduling.models import Appointment, CourseStatus, SlotOffer, WaitlistEntry

DAYS_AHEAD = 14  # the waitlist page's free slots: today and the next two weeks
SHOWN_PER_SLOT = 5  # the earliest due of those who fit a slot, on the waitlist page
OFFER_VALID = timedelta(hours=24)  # an offer's link works this long (never past the slot)
SALT = "scheduling.slot-offer"
MOVED_EARLIER = "Moved earlier from the waitlist"
SLOT_GONE = (
    "That slot has just gone: it was booked or changed a moment ago. Choose another free slot."
)
State = SlotOffer.State
# What booking says when the clinician is busy then: checked before saving, or the constraint.
TAKEN = {
    SLOT_TAKEN,
    *(
        constraint.violation_error_message
        for constraint in Appointment._meta.constraints
        if constraint.name == "appointment_no_clinician_overlap"
    ),
}


@dataclass(frozen=True)
class Candidate:
    """A waiting entry that fits a slot, with the patient's course (for the due date)."""

    entry: WaitlistEntry
    course: Course | None

    @property
    def due_on(self) -> date | None:
        return self.course.next_injection_due if self.course else None


@dataclass
class SlotFits:
    """A free slot, the waiting patients who fit it, and the offers already made for it."""

    slot: Slot
    candidates: list[Candidate] = field(default_factory=list)
    offers: list[SlotOffer] = field(default_factory=list)

    @property
    def to_offer(self) -> list[Candidate]:
        """Those who fit and have not been offered this slot yet, earliest due first."""
        offered = {offer.patient_id for offer in self.offers}
        return [c for c in self.candidates if c.entry.patient_id not in offered][:SHOWN_PER_SLOT]

    @property
    def more(self) -> int:
        """How many more fit than the page shows."""
        offered = {offer.patient_id for offer in self.offers}
        waiting = [c for c in self.candidates if c.entry.patient_id not in offered]
        return max(0, len(waiting) - SHOWN_PER_SLOT)


def waiting_entries():
    return WaitlistEntry.objects.filter(status=WaitlistEntry.Status.WAITING).select_related(
        "patient", "clinician", "appointment", "added_by"
    )


@dataclass(frozen=True)
class Waiting:
    """Everyone waiting, and their courses (for the due dates): two queries."""

    entries: list[WaitlistEntry]
    courses: dict[int, Course]

    @classmethod
    def load(cls, today: date, entries=None) -> "Waiting":
        entries = list(waiting_entries().order_by("added_at") if entries is None else entries)
        return cls(entries, courses_of({entry.patient_id for entry in entries}, today))


def fits(entry: WaitlistEntry, slot: Slot, course: Course | None) -> bool:
    """Whether `slot` is one `entry` asked for and may have: clinician, day, time, earlier than
    the booking to bring forward, and an injection no earlier than it is due."""
    if entry.clinician_id and entry.clinician_id != slot.clinician.pk:
        return False
    if not entry.fits_time(timezone.localtime(slot.starts_at)):
        return False
    if entry.appointment_id and slot.starts_at >= entry.appointment.starts_at:
        return False
    if entry.kind == WaitlistEntry.Kind.INJECTION and course is not None:
        if course.status == CourseStatus.STOPPED:
            return False
        if course.next_injection_due and slot.local_day < course.next_injection_due:
            return False
    return True


def _earliest_due_first(candidate: Candidate):
    return (candidate.due_on or date.max, candidate.entry.added_at)


def _match(slots: list[Slot], waiting: Waiting) -> list[SlotFits]:
    """Each slot with the waiting entries that fit it: one query whatever the numbers."""
    entries, courses = waiting.entries, waiting.courses
    busy: dict[int, list[tuple[datetime, datetime]]] = {}
    if slots and entries:
        first, last = slots[0].starts_at, max(slot.ends_at for slot in slots)
        for patient_id, starts_at, ends_at in (
            Appointment.objects.live()
            .filter(
                patient_id__in=[entry.patient_id for entry in entries],
                starts_at__lt=last,
                ends_at__gt=first,
            )
            .values_list("patient_id", "starts_at", "ends_at")
        ):
            busy.setdefault(patient_id, []).append((starts_at, ends_at))
    result = []
    for slot in slots:
        candidates = [
            Candidate(entry, courses.get(entry.patient_id))
            for entry in entries
            if fits(entry, slot, courses.get(entry.patient_id))
            and not any(
                start < slot.ends_at and end > slot.starts_at
                for start, end in busy.get(entry.patient_id, ())
            )
        ]
        result.append(SlotFits(slot, sorted(candidates, key=_earliest_due_first)))
    return result


def waitlist_slots(
    *, today: date, now: datetime, days: int = DAYS_AHEAD, waiting: Waiting | None = None
) -> list[SlotFits]:
    """The free slots from now to `days` ahead that fit someone waiting, with the offers made."""
    waiting = waiting or Waiting.load(today)
    if not waiting.entries:
        return []
    slots = free_slots(ClinicCalendar(today, today + timedelta(days=days)), now=now)
    found = [fit for fit in _match(slots, waiting) if fit.candidates]
    if found:
        offers = SlotOffer.objects.filter(
            starts_at__gte=found[0].slot.starts_at, starts_at__lte=found[-1].slot.starts_at
        ).select_related("patient")
        by_slot: dict[tuple, list[SlotOffer]] = {}
        for offer in offers:
            by_slot.setdefault((offer.clinician_id, offer.starts_at), []).append(offer)
        for fit in found:
            fit.offers = by_slot.get((fit.slot.clinician.pk, fit.slot.starts_at), [])
    return found


def fitting_count(appointment: Appointment, *, now: datetime) -> int:
    """How many waiting patients fit the slot `appointment` (just cancelled) left free."""
    if appointment.starts_at <= now:
        return 0
    slot = Slot(appointment.clinician, appointment.starts_at, appointment.ends_at)
    fit = _match([slot], Waiting.load(timezone.localdate(now)))[0]
    return sum(
        1 for candidate in fit.candidates if candidate.entry.patient_id != appointment.patient_id
    )


def _next_booking(patient, kind: str, now: datetime) -> Appointment | None:
    return (
        patient.appointments.filter(kind=kind, status=Appointment.Status.BOOKED, starts_at__gt=now)
        .order_by("starts_at")
        .first()
    )


def waitlist_add(
    *,
    patient,
    kind: str,
    by,
    now: datetime,
    clinician=None,
    weekdays=(),
    times: str = WaitlistEntry.Times.ANY,
    from_time=None,
    until_time=None,
    appointment: Appointment | None = None,
    notes: str = "",
) -> WaitlistEntry:
    """Put `patient` on the waitlist for an earlier slot. Without `appointment`, the entry is
    linked to their next booking of that kind, if any: the one an earlier slot replaces."""
    if appointment is not None and (
        appointment.patient_id != patient.pk
        or appointment.status != Appointment.Status.BOOKED
        or appointment.starts_at <= now
        or appointment.kind != kind
    ):
        raise ValidationError(
            {"appointment": "Only a booking of this type still to come can be brought forward."}
        )
    entry = WaitlistEntry(
        patient=patient,
        kind=kind,
        clinician=clinician,
        weekdays=sorted({int(day) for day in weekdays}),
        times=times,
        from_time=from_time if times == WaitlistEntry.Times.BETWEEN else None,
        until_time=until_time if times == WaitlistEntry.Times.BETWEEN else None,
        appointment=appointment or _next_booking(patient, kind, now),
        notes=notes.strip(),
        added_by=by,
        added_at=now,
    )
    entry._history_user = by
    entry.full_clean()
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError as error:  # added twice at the same moment
        raise ValidationError("The patient is already on the waitlist.") from error
    return entry


def waitlist_remove(entry: WaitlistEntry, *, reason: str, by, now: datetime) -> WaitlistEntry:
    """Take a patient off the waitlist, saying why (the entry and its history stay)."""
    with transaction.atomic():
        entry = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
        if entry.status != WaitlistEntry.Status.WAITING:
            raise ValidationError("The patient is no longer on the waitlist.")
        entry.status = WaitlistEntry.Status.REMOVED
        entry.ended_at = now
        entry.ended_reason = reason.strip()[:200] or "Taken off the waitlist"
        entry._history_user = by
        entry.save()
    return entry


def _slot_is_free(clinician, starts_at: datetime, ends_at: datetime, now: datetime) -> bool:
    day = timezone.localtime(starts_at).date()
    calendar = ClinicCalendar(day, day, [clinician.pk])
    return any(
        slot.clinician.pk == clinician.pk
        and slot.starts_at == starts_at
        and slot.ends_at == ends_at
        for slot in free_slots(calendar, now=now)
    )


def offer_slot(
    *, clinician, starts_at: datetime, ends_at: datetime, entry_ids, by, now: datetime
) -> list[SlotOffer]:
    """Offer a free slot to the waiting patients `entry_ids`; each gets an email with a link
    (after commit). An offer already made is not made or sent again (a double submit)."""
    if not entry_ids:
        raise ValidationError("Choose at least one patient to offer the slot to.")
    slot = Slot(clinician, starts_at, ends_at)
    with transaction.atomic():
        if not _slot_is_free(clinician, starts_at, ends_at, now):
            raise ValidationError(SLOT_GONE)
        entries = list(waiting_entries().select_for_update(of=("self",)).filter(pk__in=entry_ids))
        if len(entries) != len(set(entry_ids)):
            raise ValidationError("Someone chosen is no longer on the waitlist: reload the page.")
        fit = _match([slot], Waiting.load(timezone.localdate(now), entries))[0]
        fitting = {candidate.entry.pk for candidate in fit.candidates}
        problems = []
        for entry in entries:
            if entry.pk not in fitting:
                problems.append(f"{entry.patient.full_name}: this slot does not fit their wishes.")
            elif not offer_channel(entry.patient):
                problems.append(
                    f"{entry.patient.full_name}: no email address or mobile for texts; phone them."
                )
            else:
                cautions = booking_cautions(
                    entry.patient,
                    kind=entry.kind,
                    day=slot.local_day,
                    now=now,
                    ignore=entry.appointment,
                )
                if cautions:
                    problems.append(
                        f"{entry.patient.full_name}: {' '.join(cautions)} Book by phone instead."
                    )
        if problems:
            raise ValidationError(problems)
        offers, new = [], []
        for entry in entries:
            offer, created = SlotOffer.objects.get_or_create(
                patient=entry.patient,
                clinician=clinician,
                starts_at=starts_at,
                defaults={
                    "entry": entry,
                    "kind": entry.kind,
                    "ends_at": ends_at,
                    "expires_at": min(now + OFFER_VALID, starts_at),
                    "offered_by": by,
                    "offered_at": now,
                },
            )
            offers.append(offer)
            if created:
                new.append(offer)
        transaction.on_commit(lambda: [deliver_offer(offer) for offer in new])
    return offers


def offer_token(offer: SlotOffer) -> str:
    return signing.dumps(offer.pk, salt=SALT)


def offer_link(offer: SlotOffer) -> str:
    return settings.SITE_URL + reverse("schedule:offer", args=[offer_token(offer)])


class LinkExpired(Exception):
    pass


def offer_from_token(token: str) -> SlotOffer:
    """The offer a link names; `LinkExpired` when too old, `SlotOffer.DoesNotExist` when
    tampered with or unknown."""
    try:
        pk = signing.loads(token, salt=SALT, max_age=OFFER_VALID)
    except signing.SignatureExpired as error:
        raise LinkExpired from error
    except signing.BadSignature as error:
        raise SlotOffer.DoesNotExist from error
    return SlotOffer.objects.select_related("patient", "clinician").get(pk=pk)


def _offer_text(offer: SlotOffer) -> tuple[str, str]:
    """The subject and text of the offer's message, in the patient's language."""
    with in_language_of(offer.patient):
        when = timezone.localtime(offer.starts_at)
        clinic = clinic_details()
        said = {
            "name": offer.patient.given_name,
            "kind": offer.get_kind_display().lower(),
            "sign": f"\n\n{clinic['name']}\n{clinic['telephone']}",
            "telephone": clinic["telephone"],
        }
        if offer.state == State.GONE:
            return _("The earlier appointment has gone"), _(
                "Dear %(name)s,\n\nSorry: the %(kind)s appointment on %(when)s that we offered "
                "you has been taken by someone else. You stay on our waitlist, and we will tell "
                "you when another earlier slot frees up.%(sign)s"
            ) % {**said, "when": shown(when, WEEKDAY_DAY_MONTH_AT)}
        return _("An earlier appointment: %(when)s") % {
            "when": shown(when, WEEKDAY_DAY_MONTH_AT)
        }, _(
            "Dear %(name)s,\n\nAn earlier %(kind)s appointment has become free: %(when)s with "
            "%(clinician)s. If you would like it, open this link and press Accept (the first to "
            "accept gets it; it works until %(answer_by)s):\n\n%(link)s\n\n"
            "If you accept, your later appointment is moved to this one.\n"
            "If you cannot use the link, phone us on %(telephone)s.%(sign)s"
        ) % {
            **said,
            "when": shown(when, WEEKDAY_DATE_AT),
            "clinician": offer.clinician,
            "answer_by": shown(timezone.localtime(offer.expires_at), DAY_MONTH_AT),
            "link": offer_link(offer),
        }


def offer_channel(patient: Patient) -> str | None:
    """How an offer reaches the patient: a text message when that is their preferred contact
    and they have a phone number, else email when they have an address; None: phone them."""
    if patient.preferred_contact == Patient.Contact.SMS and patient.phone.strip():
        return Patient.Contact.SMS
    return Patient.Contact.EMAIL if patient.email.strip() else None


def deliver_offer(offer: SlotOffer) -> bool:
    """Send the patient the message for their offer's state: the offer with its link, or that
    the slot has gone. The one place offers are sent; a failure is kept on the row for the desk."""
    subject, body = _offer_text(offer)
    try:
        if offer_channel(offer.patient) == Patient.Contact.SMS:
            greeting_dropped = body.split("\n\n", 1)[1]  # a text starts with what matters
            send_sms(offer.patient.phone, greeting_dropped)
        else:
            send_mail(subject, body, None, [offer.patient.email])
    except Exception as error:  # any mail failure: the desk sees it on the waitlist page
        offer.send_error = f"{type(error).__name__}: {error}"[:300]
        offer.save(update_fields=["send_error"])
        return False
    if offer.state == State.OFFERED:
        offer.sent_at = timezone.now()
        offer.send_error = ""
        offer.save(update_fields=["sent_at", "send_error"])
    return True


def _answer(offer: SlotOffer, state: str, now: datetime) -> SlotOffer:
    offer.state = state
    offer.answered_at = now
    offer.full_clean()
    offer.save()
    return offer


def _book(offer: SlotOffer, entry: WaitlistEntry, now: datetime) -> Appointment:
    """Book the offered slot for the patient: a move of the booking the entry was to bring
    forward, else a new booking. Raises ValidationError when the slot cannot be had."""
    course = courses_of([offer.patient_id], timezone.localdate(now)).get(offer.patient_id)
    due_on = course.next_injection_due if course else None
    moving = entry.appointment
    if moving and moving.status == Appointment.Status.BOOKED and moving.starts_at > now:
        return appointment_reschedule(
            moving,
            clinician=offer.clinician,
            starts_at=offer.starts_at,
            by=offer.offered_by,
            due_on=due_on,
            now=now,
            because=MOVED_EARLIER,
        )
    appointment, _cautions = appointment_book(
        patient=offer.patient,
        clinician=offer.clinician,
        kind=offer.kind,
        starts_at=offer.starts_at,
        minutes=int((offer.ends_at - offer.starts_at).total_seconds() // 60),
        booked_by=offer.offered_by,
        due_on=due_on,
        notes="Booked by the patient, accepting a slot offered from the waitlist.",
        now=now,
    )
    return appointment


def offer_accept(offer: SlotOffer, *, now: datetime) -> SlotOffer:
    """The patient takes the slot, if it is still theirs to take: booked in one transaction,
    the entry ended, everyone else offered this slot told it has gone. When someone was first,
    the offer is "gone"; after its time or once the patient no longer waits, "expired";
    answered before, it is returned unchanged.
    Raises ValidationError when the booking is refused for another reason (phone the clinic)."""
    others: list[SlotOffer] = []
    with transaction.atomic():
        offer = (
            SlotOffer.objects.select_for_update(of=("self",))
            .select_related("patient", "clinician", "offered_by")
            .get(pk=offer.pk)
        )
        if offer.state != State.OFFERED:
            return offer
        if offer.expires_at <= now:
            return _answer(offer, State.EXPIRED, now)
        entry = (
            WaitlistEntry.objects.select_for_update(of=("self",))
            .select_related("appointment")
            .get(pk=offer.entry_id)
        )
        if entry.status != WaitlistEntry.Status.WAITING:  # booked or taken off meanwhile
            return _answer(offer, State.EXPIRED, now)
        try:
            with transaction.atomic():
                local = timezone.localtime(offer.starts_at)
                entry.status = WaitlistEntry.Status.BOOKED
                entry.ended_at = now
                entry.ended_reason = f"Accepted the slot offered for {local:%a %-d %b %Y at %H:%M}"
                entry._history_user = offer.offered_by
                entry.save()
                appointment = _book(offer, entry, now)
        except ValidationError as error:
            if TAKEN & set(error.messages) or "starts_at" in getattr(error, "error_dict", {}):
                return _answer(offer, State.GONE, now)
            raise
        offer.appointment = appointment
        _answer(offer, State.ACCEPTED, now)
        # Offers being answered at this moment are locked by their own accepters, who will
        # find the slot taken: skip them rather than wait (and deadlock) on them.
        for other in (
            SlotOffer.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("patient", "clinician")
            .filter(clinician=offer.clinician, starts_at=offer.starts_at, state=State.OFFERED)
            .exclude(pk=offer.pk)
        ):
            others.append(_answer(other, State.GONE, now))
        transaction.on_commit(lambda: [deliver_offer(other) for other in others])
    return offer


def offer_decline(offer: SlotOffer, *, now: datetime) -> SlotOffer:
    """The patient does not want the slot (they stay on the waitlist)."""
    with transaction.atomic():
        offer = SlotOffer.objects.select_for_update().get(pk=offer.pk)
        if offer.state != State.OFFERED:
            return offer
        return _answer(offer, State.EXPIRED if offer.expires_at <= now else State.DECLINED, now)
