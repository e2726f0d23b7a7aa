"""Account security: lockout, idle sessions, two-factor, password reset."""

import re
import time
from base64 import b32decode
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.idle_sessions import LAST_ACTIVITY_KEY
from tests.factories import TEST_PASSWORD, UserFactory
from tests.jobs import run_queued_jobs

pytestmark = pytest.mark.django_db


def log_in(client, username, password=TEST_PASSWORD, address="192.0.2.10"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def device_from_secret(secret: str) -> TOTPDevice:
    """The device an authenticator app holds after the secret shown on the set-up page."""
    key = b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8))
    return TOTPDevice(key=key.hex())


def shown_device(page_content: bytes) -> TOTPDevice:
    secret = re.search(rb'data-testid="totp-secret">([A-Z2-7 ]+)<', page_content).group(1)
    return device_from_secret(secret.decode())


def code_for(device, later_steps: int = 0) -> str:
    """The code an authenticator app shows now (or `later_steps` × 30 s from now)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + later_steps * device.step
    return f"{totp.token():06d}"


ADDRESS_A, ADDRESS_B = "198.51.100.7", "203.0.113.8"


class TestLockout:
    """Locks are on the pair (username, address); a username or an address alone only slows."""

    def test_five_failures_lock_the_account_from_that_address(self, client, neurologist):
        for _ in range(5):
            log_in(client, "neuro", "wrong password", address=ADDRESS_A)
        response = log_in(client, "neuro", address=ADDRESS_A)  # the right password, too late
        assert response.status_code == 429
        assert "Too many failed logins" in response.content.decode()
        text = " ".join(response.content.decode().split())
        assert "Try again in 1 hour, or ask the clinic administrator" in text
        assert "_auth_user_id" not in client.session

    def test_failures_from_one_address_only_slow_the_account_down_elsewhere(
        self, client, neurologist, clock
    ):
        for _ in range(5):
            log_in(client, "neuro", "wrong password", address=ADDRESS_A)
        slowed = log_in(client, "neuro", address=ADDRESS_B)
        assert slowed.status_code == 200 and "_auth_user_id" not in client.session
        assert "wait 1 second, then try again" in slowed.content.decode()
        clock.shift(2)
        assert log_in(client, "neuro", address=ADDRESS_B).status_code == 302  # not locked

    def test_the_wait_grows_with_failures_from_many_addresses_up_to_a_minute(
        self, client, neurologist, clock
    ):
        for attempt in range(12):  # a stranger spreading guesses over many addresses, waiting
            log_in(client, "neuro", "wrong", address=f"192.0.2.{attempt}")  # as told to
            clock.shift(60)
        assert AccessAttempt.objects.filter(username="neuro").count() == 12
        log_in(client, "neuro", "wrong", address="192.0.2.99")  # 13 failures: 2⁸ s, capped
        response = log_in(client, "neuro", address=ADDRESS_B)
        assert "wait 1 minute, then try again" in response.content.decode()
        clock.shift(30)
        assert "_auth_user_id" not in client.session
        assert "wait 30 seconds" in log_in(client, "neuro", address=ADDRESS_B).content.decode()
        clock.shift(31)
        assert log_in(client, "neuro", address=ADDRESS_B).status_code == 302

    def test_made_up_names_from_one_address_do_not_block_others_behind_it(
        self, client, neurologist
    ):
        for attempt in range(5):  # the clinic is behind one NAT address
            log_in(client, f"guess{attempt}", "wrong", address=ADDRESS_A)
        assert log_in(client, "neuro", address=ADDRESS_A).status_code == 302

    def test_an_address_guessing_many_names_is_slowed_down(self, client, neurologist, clock):
        for attempt in range(20):
            log_in(client, f"guess{attempt}", "wrong", address=ADDRESS_A)
        response = log_in(client, "neuro", address=ADDRESS_A)
        assert "wait 1 second, then try again" in response.content.decode()
        assert log_in(client, "neuro", address=ADDRESS_B).status_code == 302

    def test_fewer_failures_say_only_that_the_password_did_not_match(self, client, neurologist):
        for _ in range(3):
            response = log_in(client, "neuro", "wrong")
        assert response.status_code == 200
        assert "did not match" in response.content.decode()
        assert log_in(client, "neuro").status_code == 302

    def test_an_administrator_unlocks_an_account_in_the_admin(self, client, neurologist):
        for _ in range(5):
            log_in(client, "neuro", "wrong")
        attempt = AccessAttempt.objects.get(username="neuro")
        admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
        client.force_login(admin)
        client.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})
        client.logout()
        assert log_in(client, "neuro").status_code == 302

    def test_an_administrator_unlocks_a_user_from_the_users_list(self, client, neurologist):
        for address in (ADDRESS_A, ADDRESS_B):
            for _ in range(5):
                log_in(client, "neuro", "wrong", address=address)
        client.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True))
        response = client.post(
            reverse("admin:clinic_user_changelist"),
            {"action": "unlock_logins", "_selected_action": [neurologist.pk]},
            follow=True,
        )
        assert "Logging in unlocked for 1 user" in response.content.decode()
        client.logout()
        assert log_in(client, "neuro", address=ADDRESS_A).status_code == 302


class TestIdleSessions:
    def go_idle(self, client, minutes: int):
        session = client.session
        session[LAST_ACTIVITY_KEY] = int(time.time()) - minutes * 60
        session.save()

    def test_staff_are_logged_out_after_30_idle_minutes_and_told_why(self, neurologist_client):
        self.go_idle(neurologist_client, 31)
        response = neurologist_client.get(reverse("patients:list"), follow=True)
        assert response.redirect_chain[0][0].startswith(reverse("login"))
        assert "logged out after 30 minutes without activity" in response.content.decode()
        assert "_auth_user_id" not in neurologist_client.session

    def test_staff_active_within_the_limit_stay_logged_in(self, neurologist_client):
        self.go_idle(neurologist_client, 29)
        assert neurologist_client.get(reverse("patients:list")).status_code == 200

    def test_the_portal_allows_longer_and_the_limit_is_a_setting(self, patient_client, settings):
        settings.PORTAL_IDLE_MINUTES = 120
        self.go_idle(patient_client, 90)
        assert patient_client.get(reverse("portal:home")).status_code == 200
        self.go_idle(patient_client, 121)
        assert patient_client.get(reverse("portal:home")).status_code == 302


class TestTwoFactor:
    def set_up_two_factor(self, client):
        page = client.get(reverse("two_factor"))
        assert page.status_code == 200 and b"<svg" in page.content  # QR code drawn locally
        assert not TOTPDevice.objects.exists()  # viewing the set-up page writes nothing
        response = client.post(
            reverse("two_factor"), {"token": code_for(shown_device(page.content))}
        )
        assert response.status_code == 302
        return TOTPDevice.objects.get(user__username="neuro")

    def test_any_user_can_turn_it_on_with_a_code_from_the_app(self, neurologist_client):
        device = self.set_up_two_factor(neurologist_client)
        assert device.confirmed
        page = neurologist_client.get(reverse("account"))
        assert "Since" in page.content.decode()

    def test_a_wrong_code_is_refused_with_a_clear_message(self, neurologist_client):
        neurologist_client.get(reverse("two_factor"))
        response = neurologist_client.post(reverse("two_factor"), {"token": "000000"})
        assert "That code did not match" in response.content.decode()
        assert not TOTPDevice.objects.filter(confirmed=True).exists()

    def test_after_the_password_every_page_asks_for_the_code(self, client, neurologist):
        client.force_login(neurologist)
        device = self.set_up_two_factor(client)
        client.logout()
        log_in(client, "neuro")
        response = client.get(reverse("patients:list"))
        assert response.status_code == 302
        assert response.url.startswith(reverse("two_factor_verify"))
        wrong = client.post(reverse("two_factor_verify"), {"token": "123456", "next": "/"})
        assert "That code did not match" in wrong.content.decode()
        too_soon = client.post(reverse("two_factor_verify"), {"token": code_for(device)})
        assert "Too many wrong codes in a row: wait 1 second," in too_soon.content.decode()
        TOTPDevice.objects.filter(pk=device.pk).update(
            throttling_failure_timestamp=timezone.now() - timedelta(minutes=1)
        )
        right = client.post(
            reverse("two_factor_verify"),
            {"token": code_for(device, later_steps=1), "next": reverse("patients:list")},
        )
        assert right.url == reverse("patients:list")
        assert client.get(reverse("patients:list")).status_code == 200

    def test_a_code_cannot_be_used_twice(self, client, neurologist):
        client.force_login(neurologist)
        device = self.set_up_two_factor(client)
        client.logout()
        log_in(client, "neuro")
        code = code_for(device)  # the very code used to set it up
        response = client.post(reverse("two_factor_verify"), {"token": code})
        assert "That code did not match" in response.content.decode()

    def test_staff_must_set_it_up_when_the_clinic_requires_it(self, client, settings, patient):
        settings.TWO_FACTOR_REQUIRED_FOR_STAFF = True
        UserFactory(username="neuro2", role="neurologist")
        log_in(client, "neuro2")
        response = client.get(reverse("patients:list"))
        assert response.url.startswith(reverse("two_factor"))
        setup = client.get(response.url)
        assert "requires two-factor authentication" in setup.content.decode()
        client.logout()
        log_in(client, patient.user.username)  # patients are not forced
        assert client.get(reverse("portal:home")).status_code == 200

    def test_an_outside_next_address_is_ignored(self, neurologist_client):
        device = shown_device(neurologist_client.get(reverse("two_factor")).content)
        response = neurologist_client.post(
            reverse("two_factor"), {"token": code_for(device), "next": "https://evil.example/"}
        )
        assert response.url == reverse("home")


class TestPasswordReset:
    def ask_for_a_reset(self, client, email):
        response = client.post(reverse("password_reset"), {"email": email}, follow=True)
        run_queued_jobs()  # the email is sent by a job (tests/clinic/test_password_reset.py)
        return response

    def test_the_answer_is_the_same_whether_or_not_an_account_exists(self, client, neurologist):
        known = self.ask_for_a_reset(client, "neuro@example.org")
        unknown = self.ask_for_a_reset(client, "nobody@example.org")
        assert known.redirect_chain == unknown.redirect_chain
        # The same page, but for the footer's language form, whose CSRF token is masked afresh
        # on every response.
        assert without_csrf_tokens(known) == without_csrf_tokens(unknown)
        assert "If an account uses that address" in known.content.decode()
        assert [message.to for message in mail.outbox] == [["neuro@example.org"]]

    def test_the_emailed_link_sets_a_strong_new_password(self, client, neurologist):
        self.ask_for_a_reset(client, "neuro@example.org")
        link = next(line for line in mail.outbox[0].body.splitlines() if "/reset/" in line)
        form = client.get(link, follow=True)
        set_url = form.redirect_chain[-1][0]
        weak = client.post(set_url, {"new_password1": "12345", "new_password2": "12345"})
        assert "too short" in weak.content.decode()
        done = client.post(
            set_url, {"new_password1": "violet-kettle-42", "new_password2": "violet-kettle-42"}
        )
        assert done.status_code == 302
        assert log_in(client, "neuro", "violet-kettle-42").status_code == 302

    def test_a_completed_password_reset_unlocks_the_account(self, client, neurologist):
        for _ in range(5):
            log_in(client, "neuro", "wrong", address=ADDRESS_A)
        assert log_in(client, "neuro", address=ADDRESS_A).status_code == 429
        self.ask_for_a_reset(client, "neuro@example.org")
        link = next(line for line in mail.outbox[0].body.splitlines() if "/reset/" in line)
        set_url = client.get(link, follow=True).redirect_chain[-1][0]
        client.post(
            set_url, {"new_password1": "violet-kettle-42", "new_password2": "violet-kettle-42"}
        )
        assert log_in(client, "neuro", "violet-kettle-42", address=ADDRESS_A).status_code == 302


def without_csrf_tokens(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())
