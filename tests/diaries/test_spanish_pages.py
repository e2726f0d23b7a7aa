"""The portal's pages for a patient whose language is Spanish: the words a patient reads, the
dates in Spanish, and the messages after each action."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from diaries.models import DiaryDay
from patients.models import Patient
from tests.factories import DiaryDayFactory, InjectionSessionFactory, PatientMedicineFactory

TODAY = date(2026, 12, 2)  # a Wednesday
pytestmark = [pytest.mark.django_db, pytest.mark.today(TODAY)]


@pytest.fixture
def spanish(patient_client, patient):
    Patient.objects.filter(pk=patient.pk).update(language="es")
    return patient_client


def text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_calendar_has_spanish_months_and_weekdays(spanish, patient):
    DiaryDayFactory(
        patient=patient, day=TODAY - timedelta(days=1), headache=True, severity="severe"
    )
    page = text(spanish, reverse("portal:calendar"))
    assert "diciembre de 2026" in page and "‹ Nov" in page
    assert '<span class="visually-hidden">miércoles</span>' in page
    assert "mar 1 dic: Dolor de cabeza intenso" in page
    assert "Toque un día para añadirlo o cambiarlo." in page


def test_the_day_form_asks_in_spanish(spanish, patient):
    PatientMedicineFactory(patient=patient, name="Ibuprofeno", medicine_class="simple")
    page = text(spanish, f"{reverse('portal:day_new')}?date={TODAY}&headache=1")
    for words in (
        "¿Tuvo dolor de cabeza?",
        "Dolor máximo",
        "Palpitante o pulsátil",
        "Analgésico simple o AINE",
        "Una dosis más de Ibuprofeno",
        "¿Cómo afectó a su día?",
        "Guardar",
    ):
        assert words in page


def test_saving_a_day_says_so_in_spanish_and_errors_are_spanish(spanish, patient):
    missing = spanish.post(
        reverse("portal:day_new"), {"day": TODAY.isoformat(), "headache": "True", "note": ""}
    )
    assert "Elija cuánto le dolió en el peor momento." in missing.content.decode()
    saved = spanish.post(
        reverse("portal:day_new"),
        {"day": TODAY.isoformat(), "headache": "True", "severity": "mild", "note": ""},
        follow=True,
    )
    assert "Guardado: miércoles, 2 de diciembre." in saved.content.decode()
    assert DiaryDay.objects.get(patient=patient).severity == "mild"


def test_a_day_in_the_future_is_refused_in_spanish(spanish):
    page = spanish.post(
        reverse("portal:day_new"),
        {"day": (TODAY + timedelta(days=1)).isoformat(), "headache": "False", "note": ""},
    ).content.decode()
    assert "No puede registrar un día futuro." in page


def test_marking_days_headache_free_counts_in_spanish(spanish):
    done = spanish.post(
        reverse("portal:calendar"),
        {"range-start": TODAY - timedelta(days=2), "range-end": TODAY, "next": "home"},
        follow=True,
    ).content.decode()
    assert "3 días marcados sin dolor de cabeza." in done
    assert "Registrado: <strong>sin dolor de cabeza</strong>" in done


def test_the_summary_shows_spanish_dates_and_a_decimal_comma(spanish, patient):
    for n in range(1, 8):
        DiaryDayFactory(patient=patient, day=TODAY - timedelta(days=n))
    page = text(spanish, reverse("portal:home"))
    assert "Del 4 de noviembre de 2026 al 1 de diciembre de 2026: 7 de 28 días registrados" in page
    assert "(25,0%)" in page
    assert "Pocos días registrados" in page


def test_the_other_portal_pages_are_spanish(spanish, patient):
    InjectionSessionFactory(patient=patient, performed_on=TODAY - timedelta(days=20))
    pages = {
        reverse("portal:medicines"): "Añadir un medicamento",
        reverse("portal:transfer"): "Descargar todos mis datos",
        reverse("portal:reminders"): "Recordatorios del diario",
        reverse("progress:portal"): "Mi evolución",
        reverse("account"): "Verificación en dos pasos",
        reverse("password_change"): "Cambiar su contraseña",
    }
    for url, words in pages.items():
        assert words in text(spanish, url), url
    home = text(spanish, reverse("portal:home"))
    assert "¿Cómo se ha encontrado desde sus inyecciones?" in home
    assert "Sus inyecciones fueron el 12 de noviembre de 2026." in home
    check_in = text(spanish, reverse("check_in:answer", args=[patient.sessions.get().pk]))
    assert "Dificultad para tragar" in check_in and "Enviar mis respuestas" in check_in


def test_a_bad_stop_link_is_explained_in_the_browsers_language(client):
    page = client.get(
        reverse("portal:reminders_stop", args=["not-a-token"]), HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()
    assert "Este enlace no es válido." in page and "Este enlace no se puede usar" in page


def test_english_stays_english(patient_client, patient):
    DiaryDayFactory(
        patient=patient, day=TODAY - timedelta(days=1), headache=True, severity="severe"
    )
    page = text(patient_client, reverse("portal:calendar"))
    assert "December 2026" in page and "Tue 1 Dec: Severe headache" in page
    assert "Tap a day to add or change it." in page
