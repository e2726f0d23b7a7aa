"""Reminders by each patient's preferred channel, the desk's view of them, their one-time links,
and the side-effect check-in prompts; each sent once, even by two senders at once."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from clinic.sms import read_sent
from patients.models import Patient
from scheduling import tasks
from scheduling.models import Appointment, Reminder
from scheduling.reminders import (
    LINK_EXPIRED,
    LINK_INVALID,
    LINK_NOT_BOOKED,
    LINK_USED,
    LinkError,
    check_in_prompts_queue,
    link_token,
    reminder_answer,
    reminders_queue,
    reminders_send,
)
from tests.clock import NOON, TODAY
from tests.factories import (
    AppointmentFactory,
    InjectionSessionFactory,
    PatientFactory,
    UserFactory,
)
from tests.races import race
from treatments.models import SideEffectCheckIn

Status = Reminder.Status
LINK = re.compile(r"http://testserver(/schedule/r/[^/\s]+/)")


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "http://testserver"


@pytest.fixture
def sms(settings, tmp_path):
    """Text messages go to files in a folder of the test's own; returns what was sent."""
    settings.SMS_BACKEND, settings.SMS_FILE_PATH = "clinic.sms.FileBackend", str(tmp_path)
    return lambda: read_sent(tmp_path)


def booked(contact: str, *, days: int = 1, since=NOON, **patient) -> Appointment:
    return AppointmentFactory(
        patient=PatientFactory(preferred_contact=contact, **patient),
        starts_at=since + timedelta(days=days),
    )


def run(now=NOON):
    reminders_queue(days_before=2, now=now)
    return reminders_send(now=now)


def reminder_of(appointment) -> Reminder:
    return Reminder.objects.get(appointment=appointment)


@pytest.mark.django_db
def test_each_patient_is_reminded_by_their_preferred_channel(clock, sms):
    by_email = booked("email")
    by_sms = booked("sms", phone="07700 900123")
    by_post = booked("post", address="2 Mill Lane\nParkside PK2 3CD")
    by_phone = booked("phone", phone="07700 900124")
    result = run()
    assert (result.sent, result.to_print, result.to_call, result.unreachable) == (2, 1, 1, 0)
    assert [m.to for m in mail.outbox] == [[by_email.patient.email]]
    [text] = sms()
    assert text["to"] == "+447700900123"
    assert "your appointment is on Tue 24 Nov at 12:00" in text["body"]
    assert "Confirm: http://testserver/schedule/r/" in text["body"]
    channels = {
        a.patient.preferred_contact: (r.channel, r.status)
        for a in (by_email, by_sms, by_post, by_phone)
        for r in [reminder_of(a)]
    }
    assert channels == {
        "email": ("email", Status.SENT),
        "sms": ("sms", Status.SENT),
        "post": ("post", Status.TO_PRINT),
        "phone": ("phone", Status.TO_CALL),
    }
    assert run().sent == 0 and len(mail.outbox) == 1 and len(sms()) == 1  # once each


@pytest.mark.django_db
def test_without_an_address_for_their_channel_a_patient_cannot_be_reached(
    clock, sms, front_desk_client
):
    no_email = booked("email", email="")
    no_phone = booked("sms", phone="")
    not_a_number = booked("sms", phone="12345678")
    no_address = booked("post", address="")
    assert run().unreachable == 4
    reasons = {a.pk: reminder_of(a).last_error for a in (no_email, no_phone, no_address)}
    assert reasons == {
        no_email.pk: "Prefers email but has no email address.",
        no_phone.pk: "Prefers text message but has no mobile number.",
        no_address.pk: "Prefers letter but has no postal address.",
    }
    assert "is not a phone number a text message can be sent to" in (
        reminder_of(not_a_number).last_error
    )
    assert mail.outbox == [] and sms() == []
    page = front_desk_client.get(reverse("schedule:reminders")).text
    assert "Prefers email but has no email address." in page
    assert reverse("patients:edit", args=[no_email.patient_id]) in page

    clock.shift(60)  # the desk corrects the record: the next run sends it
    patient = not_a_number.patient
    patient.phone = "07700 900125"
    patient.save()
    assert run(now=timezone.now()).sent == 1
    assert [m["to"] for m in sms()] == ["+447700900125"]
    assert run(now=timezone.now()).sent == 0  # the others are not tried again and again
    assert reminder_of(no_email).attempts == 1


@pytest.mark.django_db
def test_an_sms_provider_that_is_down_is_recorded_and_retried(clock, settings, front_desk_client):
    settings.SMS_BACKEND = "clinic.sms.TwilioBackend"
    settings.SMS_ACCOUNT_SID, settings.SMS_AUTH_TOKEN, settings.SMS_FROM = "AC1", "t", "+4477"
    settings.SMS_API_BASE_URL = "http://127.0.0.1:9"  # nothing listens
    appointment = booked("sms", phone="07700 900123")
    assert run().failed == 1
    reminder = reminder_of(appointment)
    assert (reminder.status, reminder.attempts) == (Status.FAILED, 1)
    assert "Could not reach the SMS provider" in reminder.last_error
    page = front_desk_client.get(reverse("schedule:reminders")).text
    assert "Could not reach the SMS provider" in page
    assert run().failed == 1
    assert reminder_of(appointment).attempts == 2


@pytest.mark.django_db
def test_letters_are_printed_from_a_batch_and_marked_printed_once(clock, front_desk, client):
    letter = booked("post", address="2 Mill Lane\nParkside PK2 3CD")
    booked("email")
    run()
    client.force_login(front_desk)
    page = client.get(reverse("schedule:letters")).text
    assert page.count('data-testid="letter"') == 1
    assert "2 Mill Lane<br>Parkside PK2 3CD" in page  # the patient's address
    assert "Neurology Outpatients" in page and "020 7946 0123" in page  # the letterhead
    assert "Tuesday 24 November 2026 at 12:00" in page
    assert "/schedule/r/" not in page  # no links on paper

    ids = {"letter": [reminder_of(letter).pk]}
    response = client.post(reverse("schedule:letters_printed"), ids, follow=True)
    assert "1 letter recorded as printed." in response.text
    printed = reminder_of(letter)
    assert (printed.status, printed.sent_by, printed.sent_at) == (Status.SENT, front_desk, NOON)
    again = client.post(reverse("schedule:letters_printed"), ids, follow=True)
    assert "already recorded as printed" in again.text
    assert 'data-testid="no-letters"' in client.get(reverse("schedule:letters")).text


@pytest.mark.django_db
def test_a_patient_who_prefers_a_call_is_on_the_call_list_until_a_call_reaches_them(
    clock, front_desk, front_desk_client
):
    appointment = booked("phone", phone="07700 900124")
    run()
    page = reverse("schedule:reminders")
    assert appointment.patient.full_name in front_desk_client.get(page).text
    call = reverse("schedule:call_record", args=[appointment.patient_id])
    response = front_desk_client.post(call, {"outcome": "no_answer", "next": page})
    assert response.url == page  # back to the reminders page
    assert reminder_of(appointment).status == Status.TO_CALL
    front_desk_client.post(call, {"outcome": "left_message", "next": page})
    reminder = reminder_of(appointment)
    assert (reminder.status, reminder.sent_at, reminder.sent_by) == (Status.SENT, NOON, front_desk)
    assert 'data-testid="reminder-calls-row"' not in front_desk_client.get(page).text


@pytest.mark.django_db
def test_the_call_form_does_not_return_to_another_site(clock, front_desk_client):
    patient = PatientFactory()
    response = front_desk_client.post(
        reverse("schedule:call_record", args=[patient.pk]),
        {"outcome": "no_answer", "next": "https://evil.example/"},
    )
    assert response.url == reverse("home")


# ---- links ------------------------------------------------------------------------------------


def emailed_links(appointment) -> dict[str, str]:
    body = next(m.body for m in mail.outbox if m.to == [appointment.patient.email])
    confirm, change = LINK.findall(body)
    return {"confirm": confirm, "change": change}


@pytest.mark.django_db
def test_confirming_by_the_link_is_recorded_once(clock, sms, client):
    appointment = booked("email", given_name="Ada", family_name="Lovelace")
    run()
    links = emailed_links(appointment)
    page = client.get(links["confirm"])
    assert page.status_code == 200
    assert "Hello Ada" in page.text and "Tuesday 24 November 2026 at 12:00" in page.text
    for private in ("Lovelace", appointment.patient.mrn, appointment.patient.email):
        assert private not in page.text
    assert reminder_of(appointment).response == ""  # a GET records nothing

    answered = client.post(links["confirm"])
    assert "is confirmed" in answered.text
    reminder = reminder_of(appointment)
    assert (reminder.response, reminder.responded_at) == (Reminder.Response.CONFIRMED, NOON)
    for reused in (client.get(links["confirm"]), client.post(links["change"])):
        assert reused.status_code == 410 and str(LINK_USED) in reused.text
    assert reminder_of(appointment).response == Reminder.Response.CONFIRMED


@pytest.mark.django_db
def test_asking_to_change_tells_the_patient_the_clinic_will_phone_and_shows_on_the_desk(
    clock, client, front_desk
):
    appointment = booked("email")
    run()
    answered = client.post(emailed_links(appointment)["change"])
    assert "The clinic will phone you" in answered.text
    client.force_login(front_desk)
    page = client.get(reverse("schedule:reminders")).text
    assert appointment.patient.full_name in page
    assert f"reschedule={appointment.pk}" in page  # the Reschedule button


@pytest.mark.django_db
def test_tampered_expired_and_stale_links_are_refused_clearly(clock, client, settings):
    appointment = booked("email")
    run()
    links = emailed_links(appointment)
    tampered = links["confirm"].replace(str(reminder_of(appointment).pk), "999", 1)
    forged = reverse("schedule:reminder_answer", args=["1.confirm:abc:def"])
    for url in (tampered, forged, reverse("schedule:reminder_answer", args=["x"])):
        response = client.post(url)
        assert response.status_code == 410 and str(LINK_INVALID) in response.text
    with time_machine.travel(NOON + timedelta(days=settings.REMINDER_LINK_DAYS, seconds=1)):
        expired = client.post(links["confirm"])
    assert expired.status_code == 410 and str(LINK_EXPIRED) in expired.text

    Appointment.objects.filter(pk=appointment.pk).update(
        status=Appointment.Status.CANCELLED, cancellation_reason="Ill"
    )
    cancelled = client.get(links["confirm"])
    assert cancelled.status_code == 410 and str(LINK_NOT_BOOKED) in cancelled.text
    assert reminder_of(appointment).response == ""


@pytest.mark.django_db(transaction=True)
def test_confirm_and_change_sent_at_the_same_moment_record_one_answer():
    appointment = booked("email", since=timezone.now())
    reminders_queue(days_before=2, now=timezone.now())
    reminder = reminder_of(appointment)

    results = race(
        *(
            lambda action=action: reminder_answer(
                token=link_token(reminder, action), now=timezone.now()
            )
            for action in ("confirm", "change", "confirm")
        ),
        expected=(LinkError,),
    )
    assert sum(isinstance(result, Reminder) for result in results) == 1
    assert sum(isinstance(result, LinkError) for result in results) == 2


# ---- the desk --------------------------------------------------------------------------------


def clinic_of(size: int) -> None:
    for n in range(size):
        contact = ["email", "sms", "post", "phone"][n % 4]
        booked(contact, days=1 + n % 2, phone="07700 900123" if n % 3 else "", address="1 Road")


@pytest.mark.django_db
@pytest.mark.parametrize("size", [4, 40])
def test_the_reminders_page_makes_the_same_queries_at_any_size(
    clock, sms, front_desk_client, django_assert_max_num_queries, size
):
    clinic_of(size)
    run()
    Reminder.objects.filter(channel="email").update(response=Reminder.Response.CONFIRMED)
    with django_assert_max_num_queries(9):
        page = front_desk_client.get(reverse("schedule:reminders"))
    assert page.status_code == 200
    with django_assert_max_num_queries(4):
        assert front_desk_client.get(reverse("schedule:letters")).status_code == 200


@pytest.mark.django_db
def test_the_front_desk_home_counts_reminders_and_links_to_them(clock, sms, front_desk_client):
    booked("email")
    booked("email", email="")
    run()
    home = front_desk_client.get(reverse("front_desk_home")).text
    summary = home[home.index('data-testid="reminders-summary"') :]
    assert reverse("schedule:reminders") in summary and reverse("schedule:letters") in summary
    assert re.search(r">1</span> cannot be reached", summary)
    assert re.search(r">1</span> sent", summary)


# ---- check-in prompts ------------------------------------------------------------------------


@pytest.mark.django_db
def test_patients_due_a_check_in_are_prompted_once_by_their_channel(clock, sms, settings):
    due = InjectionSessionFactory(
        patient=PatientFactory(preferred_contact="email"), performed_on=TODAY - timedelta(15)
    )
    by_sms = InjectionSessionFactory(
        patient=PatientFactory(preferred_contact="sms", phone="07700 900123"),
        performed_on=TODAY - timedelta(20),
    )
    InjectionSessionFactory(performed_on=TODAY - timedelta(10))  # not yet open
    InjectionSessionFactory(performed_on=TODAY - timedelta(30))  # closed
    answered = InjectionSessionFactory(
        patient=PatientFactory(preferred_contact="email"), performed_on=TODAY - timedelta(16)
    )
    SideEffectCheckIn.objects.create(session=answered, answered_by=UserFactory())
    discharged = InjectionSessionFactory(
        patient=PatientFactory(preferred_contact="email", status=Patient.Status.DISCHARGED),
        performed_on=TODAY - timedelta(15),
    )

    tick = int(NOON.timestamp())
    assert tasks.prompt_check_ins(timestamp=tick).startswith("2 new check-in prompts, 2 sent")
    assert tasks.prompt_check_ins(timestamp=tick).startswith("0 new check-in prompts, 0 sent")
    [email] = mail.outbox
    assert email.to == [due.patient.email]
    assert email.subject == "How have you been since your injection?"
    assert f"/portal/check-in/{due.pk}/" in email.body and "trouble swallowing" in email.body
    [text] = sms()
    assert text["to"] == "+447700900123" and f"/portal/check-in/{by_sms.pk}/" in text["body"]
    assert not Reminder.objects.filter(session=discharged).exists()


@pytest.mark.django_db
def test_a_check_in_answered_before_its_prompt_went_is_not_sent(clock, sms):
    session = InjectionSessionFactory(
        patient=PatientFactory(preferred_contact="email"), performed_on=TODAY - timedelta(15)
    )
    check_in_prompts_queue(today=TODAY)
    SideEffectCheckIn.objects.create(session=session, answered_by=UserFactory())
    assert reminders_send(now=NOON).sent == 0 and mail.outbox == []


# ---- two senders at once ---------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_send_each_sms_once(sms):
    now = timezone.now()
    appointments = [
        AppointmentFactory(
            patient=PatientFactory(preferred_contact="sms", phone=f"07700 9001{n:02d}"),
            starts_at=now + timedelta(days=1, minutes=20 * n),
        )
        for n in range(10)
    ]
    reminders_queue(days_before=2, now=now)
    race(*[lambda: reminders_send(now=now)] * 2, expected=())
    assert sorted(message["to"] for message in sms()) == sorted(
        f"+447700900{n + 100}" for n in range(10)
    )
    assert Reminder.objects.filter(status=Status.SENT, channel="sms").count() == len(appointments)
