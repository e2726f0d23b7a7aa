"""The after-care sheet and the records archive are in the patient's language: the staff page
that prints the sheet stays English around it, and the archive's README, after-care pages and
calendar are Spanish for a Spanish patient while its data files keep the clinic's keys."""

import io
import zipfile
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.clock import NOON, TODAY
from tests.factories import AppointmentFactory, DiaryDayFactory, InjectionSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def treated(patient):
    """Treated today (Monday 23 November 2026) with 157.5 units: next due 15 February 2027."""
    patient.language = "es"
    patient.save()
    return InjectionSessionFactory(
        patient=patient,
        performed_on=TODAY,
        units_given=Decimal("157.5"),
        units_discarded=Decimal("42.5"),
    )


def test_the_after_care_sheet_staff_print_is_in_the_patients_language(
    front_desk_client, treated, clock
):
    url = reverse("treatments:aftercare", args=[treated.patient.pk, treated.pk])
    page = front_desk_client.get(url).text
    assert '<h1 class="h3">Después de su tratamiento con bótox</h1>' in page
    assert "tratado/a el 23 de noviembre de 2026 · 157,5 unidades" in page
    assert "Su próximo tratamiento corresponde el 15 de febrero de 2027" in page
    assert "Permanezca erguido/a (sentado/a o de pie) durante <strong>4 horas</strong>." in page
    assert "Pida ayuda urgente (llame al 999) si tiene" in page
    assert '<article class="print-page col-lg-9" lang="es">' in page
    assert "Back to the chart" in page  # the clinic's page around the sheet


def test_the_after_care_sheet_in_english(front_desk_client, treated, clock):
    treated.patient.language = "en-gb"
    treated.patient.save()
    url = reverse("treatments:aftercare", args=[treated.patient.pk, treated.pk])
    page = front_desk_client.get(url).text
    assert "treated on 23 Nov 2026 · 157.5 units" in page
    assert "Your next treatment is due on 15 Feb 2027" in page


def records(client) -> zipfile.ZipFile:
    response = client.get(reverse("portal:my_records"))
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_the_records_archive_speaks_the_patients_language_where_a_person_reads_it(
    patient_client, treated, clock
):
    AppointmentFactory(patient=treated.patient, kind="review", starts_at=NOON + timedelta(days=2))
    DiaryDayFactory(patient=treated.patient, day=TODAY - timedelta(days=1))
    files = records(patient_client)
    readme = files.read("README.txt").decode()
    assert readme.startswith("Sus datos de ") and "exportados el 23 de noviembre de 2026." in readme
    sheet = files.read("after-care/cycle-1.html").decode()
    assert '<html lang="es">' in sheet
    assert "<title>Cuidados posteriores · " in sheet and "23 de noviembre de 2026" in sheet
    assert "Hoy y mañana" in sheet and "/patients/" not in sheet  # no staff links
    assert "SUMMARY:Revisión con " in files.read("appointments.ics").decode()
    record = files.read("record.json").decode()
    assert '"Injection sessions"' in record  # the clinic's record keeps its keys
    header = files.read("diary.csv").decode().splitlines()[0]
    treated.patient.language = "en-gb"
    treated.patient.save()
    assert records(patient_client).read("diary.csv").decode().splitlines()[0] == header
