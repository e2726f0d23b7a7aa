"""Which language a page is in, and the portal's language switcher (issue 16)."""

from datetime import date

import pytest
from django.conf import settings
from django.urls import reverse

from patients.models import Patient

TODAY = date(2026, 12, 2)  # a Wednesday
pytestmark = [pytest.mark.django_db, pytest.mark.today(TODAY)]


def html_lang(response) -> str:
    return response.content.decode().split('<html lang="', 1)[1].split('"', 1)[0]


class TestTheLanguageOfAPage:
    def test_a_patient_reads_the_portal_in_the_language_on_their_record(
        self, patient_client, patient
    ):
        Patient.objects.filter(pk=patient.pk).update(language="es")
        home = patient_client.get(reverse("portal:home"))
        page = home.content.decode()
        assert html_lang(home) == "es" and home["Content-Language"] == "es"
        assert "Hola, Paula" in page and "Días por rellenar" in page
        assert "Hoy, miércoles, 2 de diciembre" in page

    def test_an_english_patient_reads_english(self, patient_client):
        home = patient_client.get(reverse("portal:home"))
        page = home.content.decode()
        assert html_lang(home) == "en-gb"
        assert "Hello, Paula" in page and "Today, Wednesday 2 December" in page

    def test_the_record_wins_over_the_cookie_and_the_browser(self, patient_client, patient):
        patient_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
        home = patient_client.get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE="es")
        assert html_lang(home) == "en-gb" and "Hello, Paula" in home.content.decode()

    def test_staff_read_english_whatever_the_browser_asks(self, neurologist_client):
        neurologist_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
        home = neurologist_client.get(reverse("neurologist_home"), HTTP_ACCEPT_LANGUAGE="es")
        assert html_lang(home) == "en-gb"

    @pytest.mark.parametrize(
        ("accept", "cookie", "expected", "words"),
        [
            ("es-ES,es;q=0.9", None, "es", "Iniciar sesión"),
            ("es-MX", None, "es", "Iniciar sesión"),
            ("fr-FR,fr;q=0.9", None, "en-gb", "Log in"),
            ("", None, "en-gb", "Log in"),
            ("es", "en-gb", "en-gb", "Log in"),
            ("en-GB", "es", "es", "Iniciar sesión"),
            ("en-GB", "xx", "en-gb", "Log in"),
        ],
    )
    def test_pages_nobody_is_logged_in_to_follow_the_cookie_then_the_browser(
        self, client, accept, cookie, expected, words
    ):
        if cookie:
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = cookie
        login = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE=accept)
        assert html_lang(login) == expected and words in login.content.decode()

    def test_the_password_reset_page_is_in_spanish_for_a_spanish_browser(self, client):
        page = client.get(reverse("password_reset"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
        assert "Restablecer su contraseña" in page and "Enviar el enlace" in page

    def test_a_page_that_is_not_there_is_in_the_patients_language(self, patient_client, patient):
        Patient.objects.filter(pk=patient.pk).update(language="es")
        missing = patient_client.get("/portal/days/999999/")
        assert missing.status_code == 404
        assert "Página no encontrada" in missing.content.decode()


class TestTheSwitcher:
    def switch(self, client, language, next_url="/portal/"):
        return client.post(reverse("language"), {"language": language, "next": next_url})

    def test_a_patient_switches_to_spanish_and_it_is_kept_with_history(
        self, patient_client, patient
    ):
        response = self.switch(patient_client, "es", "/portal/calendar/")
        assert response.status_code == 302 and response["Location"] == "/portal/calendar/"
        assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
        patient.refresh_from_db()
        assert patient.language == "es"
        latest = patient.history.first()
        assert (latest.language, latest.history_user) == ("es", patient.user)
        calendar = patient_client.get("/portal/calendar/").content.decode()
        assert "El portal está ahora en español." in calendar
        assert "Marcar varios días sin dolor de cabeza" in calendar

    def test_switching_back_to_english(self, patient_client, patient):
        self.switch(patient_client, "es")
        self.switch(patient_client, "en-gb")
        patient.refresh_from_db()
        assert patient.language == "en-gb"
        home = patient_client.get("/portal/").content.decode()
        assert "The portal is now in English." in home and "Hello, Paula" in home

    def test_the_same_language_again_adds_no_history(self, patient_client, patient):
        before = patient.history.count()
        self.switch(patient_client, "en-gb")
        assert patient.history.count() == before

    @pytest.mark.parametrize("code", ["xx", "", "es-zz-junk", "fr", "es" * 5, "en-gb\x00"])
    def test_a_language_we_do_not_have_is_refused_with_a_message(
        self, patient_client, patient, code
    ):
        response = self.switch(patient_client, code)
        assert response.status_code == 302
        assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
        patient.refresh_from_db()
        assert patient.language == "en-gb"
        home = patient_client.get("/portal/").content.decode()
        assert "We do not have the portal in that language. Choose English or Español." in home

    def test_the_message_is_in_the_language_the_patient_reads(self, patient_client, patient):
        Patient.objects.filter(pk=patient.pk).update(language="es")
        self.switch(patient_client, "xx")
        home = patient_client.get("/portal/").content.decode()
        assert "No tenemos el portal en ese idioma. Elija English o Español." in home

    def test_someone_not_logged_in_sets_the_cookie_only(self, client):
        response = self.switch(client, "es", "/accounts/login/")
        assert response["Location"] == "/accounts/login/"
        assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
        assert "Iniciar sesión" in client.get("/accounts/login/").content.decode()

    def test_the_way_back_stays_on_this_site(self, client):
        response = self.switch(client, "es", "https://elsewhere.example/")
        assert response["Location"] == "/"

    def test_a_get_is_not_allowed(self, client):
        assert client.get(reverse("language")).status_code == 405

    def test_the_switcher_is_on_portal_pages(self, patient_client):
        assert 'data-testid="language-switcher"' in patient_client.get("/portal/").content.decode()

    def test_staff_pages_have_no_switcher(self, neurologist_client):
        staff = neurologist_client.get(reverse("neurologist_home")).content.decode()
        assert 'data-testid="language-switcher"' not in staff
