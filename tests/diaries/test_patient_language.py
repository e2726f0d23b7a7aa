"""Diary reminders (email, text message), the portal invitation and the diary report are in the
patient's language (Patient.language): Spanish words and Spanish dates for a Spanish patient,
English for an English one, each their own in one run of the job."""

import re
from datetime import time, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from clinic.sms import read_sent
from diaries.models import DiaryNudgeSettings
from diaries.nudges import nudges_queue, nudges_send
from tests.clock import NOON, TODAY
from tests.factories import DiaryDayFactory, PatientFactory, PortalPatientFactory

pytestmark = pytest.mark.django_db


def wants(language: str, *, weekly=False, channel="email", **patient):
    patient = PortalPatientFactory(language=language, **patient)
    DiaryNudgeSettings.objects.create(
        patient=patient,
        daily=not weekly,
        daily_at=time(11, 45),
        channel=channel,
        weekly=weekly,
        weekday=TODAY.weekday(),
    )
    return patient


def send():
    nudges_queue(now=NOON)
    return nudges_send(now=NOON)


def test_one_run_nudges_an_english_and_a_spanish_patient_each_in_their_language():
    spanish, english = wants("es", given_name="Lucía"), wants("en-gb")
    with translation.override("en-gb"):
        assert send().sent == 2
        assert translation.get_language() == "en-gb"
    sent = {m.to[0]: m for m in mail.outbox}
    assert sent[english.email].subject == "Your headache diary for today"
    assert (
        "Today, Monday 23 November, is not in your headache diary yet." in sent[english.email].body
    )
    message = sent[spanish.email]
    assert message.subject == "Su diario de cefaleas de hoy"
    assert message.body.startswith("Estimado/a Lucía:")
    assert "Hoy, lunes 23 de noviembre, todavía no está en su diario de cefaleas." in message.body
    assert "Para dejar de recibir estos recordatorios: http" in message.body


def test_the_weekly_nudge_counts_and_names_the_missed_days_in_spanish():
    patient = wants("es", weekly=True)
    for n in (1, 2, 3, 5, 6):
        DiaryDayFactory(patient=patient, day=TODAY - timedelta(days=n))
    one_missed = wants("es", weekly=True)
    for n in range(1, 7):
        DiaryDayFactory(patient=one_missed, day=TODAY - timedelta(days=n))
    send()
    sent = {m.to[0]: m for m in mail.outbox}
    assert sent[patient.email].subject == "Faltan 2 días en su diario de cefaleas"
    assert "lunes 16 de noviembre, jueves 19 de noviembre." in sent[patient.email].body
    assert sent[one_missed.email].subject == "Falta 1 día en su diario de cefaleas"


def test_a_text_message_nudge_is_in_spanish(settings, tmp_path):
    settings.SMS_BACKEND, settings.SMS_FILE_PATH = "clinic.sms.FileBackend", str(tmp_path)
    wants("es", channel="sms", phone="07700 900123")
    send()
    [text] = read_sent(tmp_path)
    assert "hoy todavía no está en su diario de cefaleas." in text["body"]
    assert "Dejar de recibir recordatorios: http" in text["body"]


def test_the_portal_invitation_is_in_the_patients_language(front_desk_client):
    spanish = PatientFactory(given_name="Sofía", email="sofia@example.org", language="es")
    english = PatientFactory(given_name="Jane", email="jane@example.org")
    for patient in (spanish, english):
        front_desk_client.post(reverse("diary:invite", args=[patient.pk]))
    in_spanish, in_english = mail.outbox
    assert in_spanish.subject == "Su diario de cefaleas: elija su contraseña"
    assert in_spanish.body.startswith("Estimado/a Sofía:")
    assert re.search(r"http://testserver/portal/invitation/\S+/", in_spanish.body)
    assert "funciona una sola vez, durante 7 días" in in_spanish.body
    assert in_english.subject == "Your headache diary: set your password"


@pytest.fixture
def logged_week(patient):
    for n in range(7):
        DiaryDayFactory(patient=patient, day=TODAY - timedelta(days=n))
    return patient


def report(client, url: str) -> str:
    end, start = TODAY, TODAY - timedelta(days=6)
    return client.get(url, {"start": start.isoformat(), "end": end.isoformat()}).text


def test_the_diary_report_a_clinician_prints_is_in_the_patients_language(
    neurologist_client, logged_week, clock
):
    logged_week.language = "es"
    logged_week.save()
    page = report(neurologist_client, reverse("diary:report", args=[logged_week.pk]))
    assert f"Diario de cefaleas: {logged_week.full_name}" in page
    assert "del 17 de noviembre de 2026 al 23 de noviembre de 2026" in page
    assert "impreso el 23 de noviembre de 2026" in page
    assert '<h2 class="h5" id="report-summary">Resumen</h2>' in page
    assert re.search(r"Por cada 28 días registrados: \d+,\d días con dolor de cabeza", page)
    assert '<h2 class="h6">noviembre de 2026</h2>' in page
    assert ">Show</button>" in page  # the clinician's page around it stays English


def test_the_diary_report_in_english(patient_client, logged_week, clock):
    page = report(patient_client, reverse("portal:report"))
    assert f"Headache diary: {logged_week.full_name}" in page
    assert "17 Nov 2026 to 23 Nov 2026 · printed 23 Nov 2026" in page
    assert re.search(r"Per 28 logged days: \d+\.\d headache days", page)
    assert '<h2 class="h6">November 2026</h2>' in page
