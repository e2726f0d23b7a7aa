"""The waitlist for an earlier slot: adding patients, who fits a free slot, offers by email with
a signed one-time link, the first to accept gets the slot, and every bad link or late answer."""

import json
import re
from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail, signing
from django.core.serializers.json import DjangoJSONEncoder
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from clinic.sms import read_sent
from patients.data_export import patient_record
from patients.models import Patient
from scheduling.booking import appointment_book, appointment_set_status
from scheduling.models import Appointment, SlotOffer, WaitlistEntry
from scheduling.waitlist import (
    SLOT_GONE,
    offer_accept,
    offer_link,
    offer_slot,
    offer_token,
    waitlist_add,
    waitlist_slots,
)
from tests.factories import (
    AppointmentFactory,
    InjectionSessionFactory,
    PatientFactory,
    UserFactory,
)
from tests.scheduling.calendar_setup import at, tuesday_after, tuesday_clinic

TODAY = date(2026, 6, 1)  # a Monday; the clinic holds Tuesday mornings, 09:00–12:00
TOMORROW = TODAY + timedelta(days=1)
pytestmark = [pytest.mark.django_db, pytest.mark.today(TODAY)]
Status = Appointment.Status
State = SlotOffer.State
LINK = re.compile(r"http://[^/\s]+(/schedule/offers/[^/\s]+/)")


@pytest.fixture
def clinic(neurologist):
    tuesday_clinic(neurologist)
    return neurologist


def later_booking(patient, clinician, weeks=4, hour=9):
    """An injection booked weeks ahead: the one an earlier slot would replace."""
    return AppointmentFactory(
        patient=patient, clinician=clinician, starts_at=at(tuesday_after(TODAY, weeks), hour)
    )


def due_in(patient, days: int) -> None:
    """Give the patient a last injection so that the next is due `days` from today."""
    InjectionSessionFactory(patient=patient, performed_on=TODAY + timedelta(days=days - 84))


@pytest.fixture
def waiting(patient, clinic, front_desk):
    """Paula: due already, booked in four weeks, waiting for anything earlier."""
    due_in(patient, -3)
    booked = later_booking(patient, clinic)
    entry = waitlist_add(
        patient=patient, kind="injection", by=front_desk, now=timezone.now(), appointment=booked
    )
    return entry


def slot_of(day, hour, minute=0, clinician=None):
    starts = at(day, hour, minute)
    return {"starts_at": starts, "ends_at": starts + timedelta(minutes=20), "clinician": clinician}


def sending():
    """Run what waits for the commit (the emails) when the block ends: these tests run in a
    transaction that is never committed."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def offer(entries, clinician, day=TOMORROW, hour=9, by=None):
    with sending():
        return offer_slot(
            **slot_of(day, hour, clinician=clinician),
            entry_ids=[entry.pk for entry in entries],
            by=by or entries[0].added_by,
            now=timezone.now(),
        )


def link_in(message) -> str:
    return LINK.search(message.body).group(1)


# Putting patients on the waitlist


def test_the_desk_adds_a_patient_from_the_appointment_page(front_desk_client, patient, clinic):
    booked = later_booking(patient, clinic)
    page = front_desk_client.get(reverse("schedule:appointment", args=[patient.pk, booked.pk]))
    join = reverse("schedule:waitlist_join", args=[patient.pk]) + f"?appointment={booked.pk}"
    assert join in page.text
    form = front_desk_client.get(join)
    assert f'<option value="{booked.pk}" selected' in form.text
    response = front_desk_client.post(
        join,
        {
            "kind": "injection",
            "clinician": clinic.pk,
            "weekdays": ["1", "3"],
            "times": "morning",
            "appointment": booked.pk,
        },
        follow=True,
    )
    assert "is on the waitlist for an earlier slot" in response.text
    entry = WaitlistEntry.objects.get(patient=patient)
    assert entry.appointment == booked and entry.weekdays == [1, 3]
    assert entry.when_wanted == "Tuesday, Thursday; mornings (before 12:00)"
    assert 'data-testid="on-waitlist"' in response.text  # the chart says so


def test_one_waiting_entry_per_patient(front_desk_client, waiting, patient):
    response = front_desk_client.post(
        reverse("schedule:waitlist_join", args=[patient.pk]), {"kind": "review", "times": "any"}
    )
    assert "already on the waitlist" in response.text
    assert patient.waitlist_entries.count() == 1


def test_between_times_need_both_in_order(front_desk_client, patient, clinic):
    response = front_desk_client.post(
        reverse("schedule:waitlist_join", args=[patient.pk]),
        {"kind": "injection", "times": "between", "from_time": "11:00", "until_time": "10:00"},
    )
    assert "Give both times, the second after the first." in response.text
    assert not patient.waitlist_entries.exists()


def test_without_a_booking_chosen_the_next_one_is_linked(patient, clinic, front_desk):
    booked = later_booking(patient, clinic)
    entry = waitlist_add(patient=patient, kind="injection", by=front_desk, now=timezone.now())
    assert entry.appointment == booked


def test_another_patients_booking_cannot_be_linked(
    front_desk_client, patient, other_patient, clinic
):
    theirs = later_booking(other_patient, clinic)
    url = reverse("schedule:waitlist_join", args=[patient.pk])
    response = front_desk_client.post(
        url, {"kind": "injection", "times": "any", "appointment": theirs.pk}
    )
    assert "Select a valid choice" in response.text
    assert not patient.waitlist_entries.exists()


def test_booking_the_patient_ends_the_entry_with_history(waiting, patient, clinic, front_desk):
    appointment_book(
        patient=patient,
        clinician=clinic,
        kind="injection",
        starts_at=at(tuesday_after(TODAY, 1), 10),
        minutes=20,
        booked_by=front_desk,
        override_reason="Wants it sooner",
    )
    waiting.refresh_from_db()
    assert waiting.status == WaitlistEntry.Status.BOOKED
    assert waiting.ended_reason.startswith("Booked: injection on Tue 9 Jun 2026")
    assert waiting.history.count() == 2


def test_cancelling_the_linked_booking_ends_the_entry(waiting, front_desk):
    appointment_set_status(
        waiting.appointment, status=Status.CANCELLED, by=front_desk, reason="Moved away"
    )
    waiting.refresh_from_db()
    assert waiting.status == WaitlistEntry.Status.REMOVED
    assert "Moved away" in waiting.ended_reason


def test_the_desk_takes_a_patient_off(front_desk_client, waiting, patient):
    url = reverse("schedule:waitlist_leave", args=[patient.pk, waiting.pk])
    response = front_desk_client.post(url, {"reason": "Happy to wait"}, follow=True)
    assert "is off the waitlist" in response.text
    waiting.refresh_from_db()
    assert waiting.status == WaitlistEntry.Status.REMOVED
    assert waiting.ended_reason == "Happy to wait"
    again = front_desk_client.post(url, follow=True)
    assert "no longer on the waitlist" in again.text


# Who fits a free slot


def test_the_waitlist_page_lists_free_slots_with_who_fits_earliest_due_first(
    front_desk_client, waiting, clinic, front_desk
):
    sooner = PatientFactory(given_name="Sam", family_name="Sooner")
    due_in(sooner, -20)  # due longer ago than Paula
    waitlist_add(patient=sooner, kind="injection", by=front_desk, now=timezone.now())
    page = front_desk_client.get(reverse("schedule:waitlist")).text
    first_slot = page.split('data-testid="slot"')[1]
    assert "Tue 2 Jun 2026, 09:00" in first_slot
    assert first_slot.index("Sam Sooner") < first_slot.index(waiting.patient.full_name)
    assert 'data-testid="count">2<' in page


@pytest.mark.parametrize(
    ("wish", "fits_tomorrow"),
    [
        ({}, True),
        ({"weekdays": [3]}, False),  # Thursdays only
        ({"times": "afternoon"}, False),
        ({"times": "between", "from_time": "09:00", "until_time": "09:30"}, True),
        ({"other_clinician": True}, False),
    ],
)
def test_a_slot_fits_the_days_times_and_clinician_asked_for(
    patient, clinic, front_desk, wish, fits_tomorrow
):
    due_in(patient, -3)
    if wish.pop("other_clinician", False):
        wish["clinician"] = UserFactory(role="neurologist")
    waitlist_add(patient=patient, kind="injection", by=front_desk, now=timezone.now(), **wish)
    fits = waitlist_slots(today=TODAY, now=timezone.now())
    days = {fit.slot.local_day for fit in fits}
    assert (TOMORROW in days) is fits_tomorrow


def test_no_injection_slot_is_offered_before_it_is_due(patient, clinic, front_desk):
    due_in(patient, 4)  # due on Friday: not tomorrow, but the Tuesday after
    waitlist_add(patient=patient, kind="injection", by=front_desk, now=timezone.now())
    days = {fit.slot.local_day for fit in waitlist_slots(today=TODAY, now=timezone.now())}
    assert days == {tuesday_after(TODAY, 1)}


def test_only_slots_earlier_than_the_booking_fit(patient, clinic, front_desk):
    due_in(patient, -3)
    booked = later_booking(patient, clinic, weeks=0, hour=10)  # tomorrow at 10:00
    waitlist_add(patient=patient, kind="injection", by=front_desk, now=timezone.now())
    fits = waitlist_slots(today=TODAY, now=timezone.now())
    assert [fit.slot.starts_at for fit in fits] == [
        at(TOMORROW, 9),
        at(TOMORROW, 9, 20),
        at(TOMORROW, 9, 40),
    ]
    assert booked.starts_at == at(TOMORROW, 10)


def test_a_cancel_says_how_many_on_the_waitlist_fit(
    front_desk_client, waiting, clinic, other_patient
):
    freed = AppointmentFactory(patient=other_patient, clinician=clinic, starts_at=at(TOMORROW, 9))
    response = front_desk_client.post(
        reverse("schedule:status", args=[other_patient.pk, freed.pk]),
        {"status": "cancelled", "reason": "Unwell"},
        follow=True,
    )
    assert "Marked cancelled." in response.text
    assert "1 patient on the waitlist fits the freed slot" in response.text
    assert f'href="{reverse("schedule:waitlist")}"' in response.text


def test_the_waitlist_page_does_a_fixed_number_of_queries(
    front_desk_client, clinic, front_desk, django_assert_max_num_queries
):
    def add(n):
        for _ in range(n):
            patient = PatientFactory()
            due_in(patient, -3)
            starts = at(tuesday_after(TODAY, 3), 9) + timedelta(
                minutes=20 * Appointment.objects.count()
            )
            AppointmentFactory(patient=patient, clinician=clinic, starts_at=starts)
            waitlist_add(patient=patient, kind="injection", by=front_desk, now=timezone.now())

    url = reverse("schedule:waitlist")
    add(2)
    with django_assert_max_num_queries(16):
        front_desk_client.get(url)
    add(10)
    with django_assert_max_num_queries(16):
        assert "Offer to those ticked" in front_desk_client.get(url).text


# Offers


def test_an_offer_emails_a_one_time_link_once(front_desk_client, waiting, clinic):
    data = {"clinician": clinic.pk, "entries": [waiting.pk]}
    data |= {"starts_at": at(TOMORROW, 9).isoformat(), "ends_at": at(TOMORROW, 9, 20).isoformat()}
    with sending():
        response = front_desk_client.post(reverse("schedule:waitlist_offer"), data, follow=True)
    assert "Offered Tue 2 Jun at 09:00" in response.text
    with sending():
        again = front_desk_client.post(reverse("schedule:waitlist_offer"), data, follow=True)
    assert "Offered" in again.text
    assert SlotOffer.objects.count() == 1 and len(mail.outbox) == 1  # a double submit: one
    message = mail.outbox[0]
    assert message.to == [waiting.patient.email]
    assert "Tuesday 2 June 2026 at 09:00" in message.body
    assert link_in(message)
    assert SlotOffer.objects.get().sent_at is not None


def test_offering_a_slot_that_has_just_gone(front_desk_client, waiting, clinic, other_patient):
    AppointmentFactory(patient=other_patient, clinician=clinic, starts_at=at(TOMORROW, 9))
    data = {"clinician": clinic.pk, "entries": [waiting.pk]}
    data |= {"starts_at": at(TOMORROW, 9).isoformat(), "ends_at": at(TOMORROW, 9, 20).isoformat()}
    response = front_desk_client.post(reverse("schedule:waitlist_offer"), data, follow=True)
    assert SLOT_GONE in response.text
    assert not SlotOffer.objects.exists() and not mail.outbox


def test_an_offer_needs_someone_ticked_and_a_real_slot(front_desk_client, clinic):
    url = reverse("schedule:waitlist_offer")
    data = {"clinician": clinic.pk, "starts_at": at(TOMORROW, 9).isoformat()}
    data["ends_at"] = at(TOMORROW, 9, 20).isoformat()
    assert "Choose at least one patient" in front_desk_client.post(url, data, follow=True).text
    bad = front_desk_client.post(url, {"starts_at": "soon", "entries": ["x"]}, follow=True)
    assert "not one of the free slots" in bad.text


def test_a_patient_with_a_caution_is_not_offered_by_email(waiting, clinic, patient):
    patient.status = "discharged"
    patient.save()
    with pytest.raises(Exception, match="discharged"):
        offer([waiting], clinic)
    assert not SlotOffer.objects.exists()


# The patient's link


def test_the_link_shows_only_first_name_day_time_and_clinician_and_a_get_writes_nothing(
    client, waiting, clinic
):
    (made,) = offer([waiting], clinic)
    page = client.get(link_in(mail.outbox[0]))
    assert page.status_code == 200
    assert "Hello Paula" in page.text and "Owner" not in page.text
    assert "Tuesday 2 June 2026" in page.text and "09:00" in page.text
    assert (
        '<button class="btn btn-primary btn-lg" type="submit" name="answer" value="accept">'
        in page.text
    )
    assert waiting.patient.mrn not in page.text
    made.refresh_from_db()
    assert made.state == State.OFFERED


def test_the_first_to_accept_gets_the_slot_and_the_others_are_told(
    client, waiting, clinic, front_desk
):
    other = PatientFactory(given_name="Olive")
    due_in(other, -3)
    theirs = waitlist_add(patient=other, kind="injection", by=front_desk, now=timezone.now())
    first, second = offer([waiting, theirs], clinic)
    links = {m.to[0]: link_in(m) for m in mail.outbox}
    mail.outbox.clear()

    with sending():
        accepted = client.post(links[waiting.patient.email], {"answer": "accept"}, follow=True)
    assert "It's yours." in accepted.text
    assert "Your later appointment has been cancelled." in accepted.text
    new = waiting.patient.appointments.get(status=Status.BOOKED)
    assert new.starts_at == at(TOMORROW, 9) and new.clinician == clinic
    old = waiting.appointment
    old.refresh_from_db()
    assert old.status == Status.CANCELLED
    assert old.cancellation_reason.startswith(
        "Moved earlier from the waitlist: rescheduled to Tue 2 Jun 2026 at 09:00"
    )
    waiting.refresh_from_db()
    assert waiting.status == WaitlistEntry.Status.BOOKED
    first.refresh_from_db()
    assert first.state == State.ACCEPTED and first.appointment == new

    second.refresh_from_db()
    assert second.state == State.GONE
    assert [m.to for m in mail.outbox] == [[other.email]]
    assert "has been taken by someone else" in mail.outbox[0].body
    late = client.post(links[other.email], {"answer": "accept"}, follow=True)
    assert "Sorry, this slot has gone" in late.text
    assert not other.appointments.exists()
    theirs.refresh_from_db()
    assert theirs.status == WaitlistEntry.Status.WAITING  # still waiting for another


def test_a_reused_link_or_a_double_submit_books_once(client, waiting, clinic):
    offer([waiting], clinic)
    link = link_in(mail.outbox[0])
    client.post(link, {"answer": "accept"})
    again = client.post(link, {"answer": "accept"}, follow=True)
    assert "It's yours." in again.text
    assert waiting.patient.appointments.filter(status=Status.BOOKED).count() == 1
    assert "Accept</button>" not in again.text


def test_accepting_when_the_desk_booked_the_slot_meanwhile(client, waiting, clinic, other_patient):
    (made,) = offer([waiting], clinic)
    AppointmentFactory(patient=other_patient, clinician=clinic, starts_at=at(TOMORROW, 9))
    page = client.post(link_in(mail.outbox[0]), {"answer": "accept"}, follow=True)
    assert "Sorry, this slot has gone" in page.text
    made.refresh_from_db()
    assert made.state == State.GONE
    waiting.appointment.refresh_from_db()
    assert waiting.appointment.status == Status.BOOKED  # the later booking stands


def test_declining_keeps_the_patient_waiting(client, waiting, clinic):
    (made,) = offer([waiting], clinic)
    page = client.post(link_in(mail.outbox[0]), {"answer": "decline"}, follow=True)
    assert "You said no thanks" in page.text
    made.refresh_from_db()
    waiting.refresh_from_db()
    assert made.state == State.DECLINED and waiting.status == WaitlistEntry.Status.WAITING


def test_an_expired_link(client, waiting, clinic):
    offer([waiting], clinic, day=tuesday_after(TODAY, 1))
    link = link_in(mail.outbox[0])
    with time_machine.travel(timezone.now() + timedelta(hours=25), tick=False):
        page = client.post(link, {"answer": "accept"})
    assert page.status_code == 410
    assert "This link no longer works" in page.content.decode()
    assert waiting.patient.appointments.filter(status=Status.BOOKED).count() == 1


def test_an_offer_past_its_answer_time_expires(waiting, clinic):
    (made,) = offer([waiting], clinic)
    made.expires_at = timezone.now() - timedelta(minutes=1)
    made.save()
    assert offer_accept(made, now=timezone.now()).state == State.EXPIRED


def test_a_tampered_link_or_another_patients_offer_id_is_refused(
    client, waiting, clinic, front_desk
):
    other = PatientFactory()
    due_in(other, -3)
    theirs = waitlist_add(patient=other, kind="injection", by=front_desk, now=timezone.now())
    mine, other_offer = offer([waiting, theirs], clinic)
    token = offer_token(mine)
    payload = signing.b64_encode(str(other_offer.pk).encode()).decode()
    forged = payload + token[token.index(":") :]  # another offer's id, my signature
    for bad in (forged, token[:-2] + "xx", "nonsense"):
        page = client.post(reverse("schedule:offer", args=[bad]), {"answer": "accept"})
        assert page.status_code == 404
        assert "This link no longer works" in page.content.decode()
    assert not Appointment.objects.filter(starts_at=at(TOMORROW, 9)).exists()


def test_the_front_desk_home_links_the_waitlist(front_desk_client, waiting):
    page = front_desk_client.get(reverse("front_desk_home")).text
    assert 'data-testid="waitlist"' in page
    assert "1 patient waiting for an earlier slot" in page
    assert f'href="{reverse("schedule:waitlist")}">Waitlist</a>' in page  # the navigation


def test_an_offer_to_someone_booked_meanwhile_expires(client, waiting, clinic, front_desk):
    (made,) = offer([waiting], clinic)
    appointment_book(
        patient=waiting.patient,
        clinician=clinic,
        kind="review",
        starts_at=at(TOMORROW, 11),
        minutes=20,
        booked_by=front_desk,
    )
    appointment_set_status(
        waiting.appointment, status=Status.CANCELLED, by=front_desk, reason="Not needed"
    )
    page = client.post(link_in(mail.outbox[0]), {"answer": "accept"}, follow=True)
    assert "This offer has expired." in page.text
    made.refresh_from_db()
    assert made.state == State.EXPIRED
    assert not waiting.patient.appointments.filter(starts_at=at(TOMORROW, 9)).exists()


def test_a_failed_email_is_shown_to_the_desk(front_desk_client, waiting, clinic, settings):
    settings.EMAIL_BACKEND = "tests.scheduling.failing_email.DownEmailBackend"
    (made,) = offer([waiting], clinic)
    made.refresh_from_db()
    assert made.sent_at is None and "SMTPServerDisconnected" in made.send_error
    page = front_desk_client.get(reverse("schedule:waitlist")).text
    assert "email failed (SMTPServerDisconnected" in page and "phone them" in page


def test_a_patient_who_prefers_texts_is_offered_by_text(
    waiting, clinic, patient, settings, tmp_path
):
    settings.SMS_BACKEND, settings.SMS_FILE_PATH = "clinic.sms.FileBackend", str(tmp_path)
    patient.preferred_contact, patient.phone = Patient.Contact.SMS, "07700 900123"
    patient.save()
    (made,) = offer([waiting], clinic)
    (text,) = read_sent(tmp_path)
    assert text["to"] == "+447700900123" and offer_link(made) in text["body"]
    assert not text["body"].startswith("Dear") and not mail.outbox


def test_a_patient_without_email_or_mobile_is_not_offered(waiting, clinic, patient):
    patient.email = ""
    patient.save()
    with pytest.raises(Exception, match="no email address or mobile for texts; phone them"):
        offer([waiting], clinic)
    assert not SlotOffer.objects.exists()


def test_the_records_archive_keeps_the_waitlist_and_offers(waiting, clinic):
    offer([waiting], clinic)
    record = json.loads(json.dumps(patient_record(waiting.patient), cls=DjangoJSONEncoder))
    assert [row["Status"] for row in record["Waiting list entries"]] == [
        str(WaitlistEntry.Status.WAITING.label)
    ]
    assert [row["State"] for row in record["Slot offers"]] == [str(State.OFFERED.label)]


# In the patient's language


def test_an_offer_and_its_gone_message_are_in_each_patients_language(
    client, waiting, clinic, front_desk
):
    spanish = PatientFactory(given_name="Sofía", language="es")
    due_in(spanish, -3)
    theirs = waitlist_add(patient=spanish, kind="injection", by=front_desk, now=timezone.now())
    offer([waiting, theirs], clinic)  # one run: an English and a Spanish patient
    sent = {m.to[0]: m for m in mail.outbox}
    english, in_spanish = sent[waiting.patient.email], sent[spanish.email]
    assert english.subject == "An earlier appointment: Tuesday 2 June at 09:00"
    assert "Tuesday 2 June 2026 at 09:00" in english.body and "press Accept" in english.body
    assert in_spanish.subject == "Una cita antes: martes 2 de junio a las 09:00"
    assert in_spanish.body.startswith("Estimado/a Sofía:")
    assert "el martes 2 de junio de 2026 a las 09:00" in in_spanish.body
    assert "(inyección)" in in_spanish.body and "pulse Aceptar" in in_spanish.body

    mail.outbox.clear()
    with sending():
        client.post(link_in(english), {"answer": "accept"})
    [gone] = mail.outbox
    assert gone.subject == "La cita anterior ya no está disponible"
    assert "la ha ocupado otra persona" in gone.body and "martes 2 de junio" in gone.body
