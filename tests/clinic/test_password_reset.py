"""Asking for a password reset: the page answers alike for known and unknown addresses (the
lookup and the email are a job), and requests are limited per email and per network address."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from procrastinate.contrib.django.models import ProcrastinateJob

from clinic.account_views import RESETS_PER_ADDRESS_PER_HOUR, RESETS_PER_EMAIL_PER_HOUR
from tests.factories import PortalPatientFactory
from tests.jobs import run_queued_jobs

pytestmark = pytest.mark.django_db
RESET = reverse("password_reset")


def ask(client, email: str, address: str = "198.51.100.7"):
    return client.post(RESET, {"email": email}, REMOTE_ADDR=address)


def test_known_and_unknown_addresses_get_the_same_answer_by_the_same_work(client, neurologist):
    answers, work = [], []
    for email in ("neuro@example.org", "nobody@example.org"):
        with CaptureQueriesContext(connection) as queries:
            answers.append(ask(client, email))
        work.append([query["sql"][:40] for query in queries])
    assert answers[0].status_code == answers[1].status_code == 302
    assert answers[0].url == answers[1].url == reverse("password_reset_done")
    assert work[0] == work[1]  # the same queries: no user lookup, no email in the request
    assert mail.outbox == []
    assert ProcrastinateJob.objects.filter(task_name="clinic.send_password_reset").count() == 2


def test_the_job_emails_a_link_to_a_known_address_only(client, neurologist):
    ask(client, "Neuro@Example.org")
    ask(client, "nobody@example.org")
    assert run_queued_jobs() == 2
    assert [message.to for message in mail.outbox] == [["neuro@example.org"]]
    assert "/accounts/password/reset/" in mail.outbox[0].body


def test_one_email_gets_at_most_three_resets_an_hour(client, neurologist):
    for n in range(RESETS_PER_EMAIL_PER_HOUR + 2):
        response = ask(client, "neuro@example.org", address=f"192.0.2.{n}")
        assert response.url == reverse("password_reset_done")  # the same page every time
    run_queued_jobs()
    assert len(mail.outbox) == RESETS_PER_EMAIL_PER_HOUR


def test_one_network_address_gets_at_most_ten_resets_an_hour(client, neurologist):
    for n in range(RESETS_PER_ADDRESS_PER_HOUR + 2):
        response = ask(client, f"someone{n}@example.org")
        assert response.url == reverse("password_reset_done")
    assert (
        ProcrastinateJob.objects.filter(task_name="clinic.send_password_reset").count()
        == RESETS_PER_ADDRESS_PER_HOUR
    )
    ask(client, "neuro@example.org", address="203.0.113.8")  # another address is not limited
    run_queued_jobs()
    assert mail.outbox[-1].to == ["neuro@example.org"]


def test_a_patient_gets_the_reset_email_in_their_language_and_staff_in_english(client, neurologist):
    spanish = PortalPatientFactory(language="es", user__first_name="Lucía")
    english = PortalPatientFactory(user__first_name="Jane")
    for user in (spanish.user, neurologist, english.user):
        ask(client, user.email, address=f"192.0.2.{user.pk % 200}")
    assert run_queued_jobs() == 3  # one job after another: each email in its own language
    sent = {message.to[0]: message for message in mail.outbox}
    in_spanish = sent[spanish.user.email]
    assert in_spanish.subject.startswith("Restablezca su contraseña de ")
    assert in_spanish.body.startswith("Hola, Lucía:")
    assert "abra este enlace en las próximas dos horas" in in_spanish.body
    assert "/accounts/password/reset/" in in_spanish.body
    for user in (neurologist, english.user):
        assert sent[user.email].subject.startswith("Reset your ")
        assert "open this link within two hours" in sent[user.email].body
