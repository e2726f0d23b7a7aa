"""Diary reminders: the patient's settings and their bad input, who is reminded when, sent once
(two workers at once against PostgreSQL), by email, SMS or web push (a real local push
service), an expired push subscription falling back to email, and the one-tap stop link."""

import base64
import http.server
import json
import os
import threading
from datetime import time, timedelta

import http_ece
import pytest
import time_machine
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core import mail
from django.urls import reverse
from py_vapid import Vapid

from clinic.sms import read_sent
from diaries import tasks as diary_tasks
from diaries.models import DiaryNudge, DiaryNudgeSettings, PushSubscription
from diaries.nudges import nudges_queue, nudges_send, stop_url
from patients.models import Patient
from tests.clinic.test_jobs import empty_queue, run_workers  # noqa: F401 (a fixture)
from tests.clock import NOON, TODAY
from tests.factories import DiaryDayFactory, PatientFactory, PortalPatientFactory

pytestmark = pytest.mark.django_db
Status = DiaryNudge.Status
MONDAY = 0
assert TODAY.weekday() == MONDAY


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def wants(patient, *, daily=True, at=time(11, 45), channel="email", weekly=False, weekday=MONDAY):
    return DiaryNudgeSettings.objects.create(
        patient=patient, daily=daily, daily_at=at, channel=channel, weekly=weekly, weekday=weekday
    )


def sent_to(patient) -> list:
    return [message for message in mail.outbox if message.to == [patient.email]]


# ---- the settings page -----------------------------------------------------------------------


def post_settings(client, **changes):
    data = {"daily": "on", "daily_at": "19:30", "channel": "email", "weekday": "6"} | changes
    return client.post(reverse("portal:reminders"), {k: v for k, v in data.items() if v})


def test_patient_turns_on_daily_and_weekly_reminders(patient_client, patient):
    page = patient_client.get(reverse("portal:home")).content.decode()
    assert reverse("portal:reminders") in page  # linked from the home page
    page = patient_client.get(reverse("portal:reminders"))
    assert page.status_code == 200
    assert 'value="19:15"' in page.content.decode()  # every quarter hour is offered
    assert not DiaryNudgeSettings.objects.exists()  # a GET writes nothing

    response = post_settings(patient_client, weekly="on", weekday="4")
    assert response.status_code == 302
    saved = DiaryNudgeSettings.objects.get(patient=patient)
    assert (saved.daily, saved.daily_at, saved.channel, saved.weekly, saved.weekday) == (
        True,
        time(19, 30),
        "email",
        True,
        4,
    )
    Patient.objects.filter(pk=patient.pk).update(phone="07700 900123")
    assert post_settings(patient_client, daily="", channel="sms", weekly="on").status_code == 302
    assert saved.history.count() == 2  # each change kept
    page = patient_client.get(reverse("portal:reminders")).content.decode()
    assert 'value="19:30" selected' in page


@pytest.mark.parametrize(
    "changes, field, error",
    [
        ({"daily_at": "19:07"}, "daily_at", "quarter hour"),
        ({"daily_at": "25:00"}, "daily_at", "quarter hour"),
        ({"channel": "pigeon"}, "channel", "Choose email, a text message or notifications"),
        ({"channel": "sms"}, "channel", "no mobile number"),
        ({"channel": "push"}, "channel", "Notifications are not turned on"),
        ({"weekday": "9", "weekly": "on"}, "weekday", "day of the week"),
    ],
)
def test_bad_settings_are_refused_with_a_clear_message(
    patient_client, patient, changes, field, error
):
    Patient.objects.filter(pk=patient.pk).update(phone="")
    response = post_settings(patient_client, **changes)
    assert response.status_code == 200
    assert error in " ".join(response.context["form"].errors[field])
    assert not DiaryNudgeSettings.objects.exists()


def test_email_without_an_email_address_is_refused(patient_client, patient):
    Patient.objects.filter(pk=patient.pk).update(email="")
    response = post_settings(patient_client)
    assert "no email address" in response.context["form"].errors["channel"][0]
    # With both reminders off there is nothing to send, so no address is needed.
    assert post_settings(patient_client, daily="").status_code == 302


# ---- the browser's push subscription ---------------------------------------------------------


def browser_keys() -> tuple[ec.EllipticCurvePrivateKey, str, bytes]:
    """What a browser makes for a subscription: a P-256 key pair and a 16-byte secret."""
    private = ec.generate_private_key(ec.SECP256R1())
    public = private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return private, b64(public), os.urandom(16)


def test_the_page_keeps_the_browsers_push_subscription_then_push_can_be_chosen(
    patient_client, patient
):
    _, p256dh, auth = browser_keys()
    subscription = {"endpoint": "https://push.example.net/v2/abc", "keys": {"p256dh": p256dh}}
    subscription["keys"]["auth"] = b64(auth)
    url = reverse("portal:push_subscription")
    answer = patient_client.post(url, subscription, content_type="application/json")
    assert answer.status_code == 201
    assert answer.json()["message"] == "Notifications are on for this phone."
    patient_client.post(url, subscription, content_type="application/json")  # again: kept once
    assert list(PushSubscription.objects.values_list("patient", "endpoint")) == [
        (patient.pk, "https://push.example.net/v2/abc")
    ]
    assert post_settings(patient_client, channel="push").status_code == 302
    assert DiaryNudgeSettings.objects.get().channel == "push"


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        json.dumps({"endpoint": "https://push.example.net/1"}),
        json.dumps({"endpoint": "http://push.example.net/1", "keys": {"p256dh": "x", "auth": "y"}}),
        json.dumps(
            {"endpoint": "https://push.example.net/1", "keys": {"p256dh": "AAAA", "auth": "y"}}
        ),
        json.dumps({"endpoint": 5, "keys": {"p256dh": [], "auth": {}}}),
    ],
)
def test_a_subscription_no_browser_would_send_is_refused(patient_client, body):
    answer = patient_client.post(
        reverse("portal:push_subscription"), body, content_type="application/json"
    )
    assert answer.status_code == 400
    assert answer.json()["error"]
    assert not PushSubscription.objects.exists()


# ---- who is reminded, and when ---------------------------------------------------------------


def test_daily_reminder_when_the_time_has_come_and_today_is_not_logged():
    due = wants(PortalPatientFactory(), at=time(11, 45)).patient
    later = wants(PortalPatientFactory(), at=time(12, 15)).patient
    logged = wants(PortalPatientFactory()).patient
    DiaryDayFactory(patient=logged, day=TODAY)
    discharged = wants(PortalPatientFactory(status=Patient.Status.DISCHARGED)).patient
    no_account = wants(PatientFactory()).patient
    off = wants(PortalPatientFactory(), daily=False).patient

    assert nudges_queue(now=NOON) == 1
    run = nudges_send(now=NOON)
    assert str(run).startswith("1 sent, 0 failed")
    assert [m.to for m in mail.outbox] == [[due.email]]
    (message,) = mail.outbox
    assert "Monday 23 November, is not in your headache diary yet" in message.body
    assert "/portal/reminders/stop/" in message.body
    assert all(not sent_to(p) for p in (later, logged, discharged, no_account, off))

    # The same tick again, and a later one: nothing more today.
    for now in (NOON, NOON + timedelta(minutes=15)):
        nudges_queue(now=now)
        nudges_send(now=now)
    assert len(mail.outbox) == 2  # `later`'s time came at 12:15
    assert sent_to(later)
    assert DiaryNudge.objects.filter(status=Status.SENT).count() == 2


def test_a_day_logged_after_the_reminder_was_queued_is_not_reminded():
    patient = wants(PortalPatientFactory()).patient
    nudges_queue(now=NOON)
    DiaryDayFactory(patient=patient, day=TODAY)
    nudges_send(now=NOON)
    assert mail.outbox == []
    assert DiaryNudge.objects.get().status == Status.NOT_NEEDED


def test_weekly_reminder_lists_the_missed_days_of_the_past_week_on_the_chosen_day():
    patient = wants(PortalPatientFactory(), daily=False, weekly=True).patient
    for n in (1, 2, 3, 5, 6):
        DiaryDayFactory(patient=patient, day=TODAY - timedelta(days=n))
    complete = wants(PortalPatientFactory(), daily=False, weekly=True).patient
    for n in range(1, 8):
        DiaryDayFactory(patient=complete, day=TODAY - timedelta(days=n))
    other_day = wants(PortalPatientFactory(), daily=False, weekly=True, weekday=3).patient

    nudges_queue(now=NOON)
    nudges_send(now=NOON)
    (message,) = mail.outbox
    assert message.to == [patient.email]
    assert message.subject == "2 days missing from your headache diary"
    assert "Monday 16 November, Thursday 19 November." in message.body
    assert not sent_to(complete) and not sent_to(other_day)


def test_sms_reminder_is_a_short_text_with_the_stop_link(settings, tmp_path):
    settings.SMS_BACKEND, settings.SMS_FILE_PATH = "clinic.sms.FileBackend", str(tmp_path)
    wants(PortalPatientFactory(phone="07700 900123"), channel="sms")
    nudges_queue(now=NOON)
    nudges_send(now=NOON)
    (sms,) = read_sent(tmp_path)
    assert sms["to"] == "+447700900123"
    assert "today is not in your headache diary yet" in sms["body"]
    assert "/portal/reminders/stop/" in sms["body"]
    assert DiaryNudge.objects.get().channel == "sms"


def test_a_failed_email_is_kept_and_sent_on_the_next_run(settings):
    patient = wants(PortalPatientFactory()).patient
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens: refused
    nudges_queue(now=NOON)
    assert str(nudges_send(now=NOON)).startswith("0 sent, 1 failed")
    failed = DiaryNudge.objects.get()
    assert (failed.status, failed.attempts) == (Status.FAILED, 1)
    assert "Connection" in failed.error or "refused" in failed.error.lower()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    nudges_send(now=NOON + timedelta(minutes=15))
    assert [m.to for m in sent_to(patient)] == [[patient.email]]
    assert DiaryNudge.objects.get().status == Status.SENT


# ---- web push against a local push service ---------------------------------------------------


class FakePushService(http.server.ThreadingHTTPServer):
    """A push service on 127.0.0.1: 201 for a live subscription, 410 for one under /gone/,
    500 under /broken/. Keeps each request it was sent."""

    def __init__(self):
        self.received: list[dict] = []
        self.broken = True
        super().__init__(("127.0.0.1", 0), PushHandler)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


class PushHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append(
            {
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body,
            }
        )
        if self.path.startswith("/gone/"):
            status = 410
        elif self.path.startswith("/broken/") and self.server.broken:
            status = 500
        else:
            status = 201
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def push_service(settings):
    vapid = Vapid()
    vapid.generate_keys()
    private = vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
    settings.VAPID_PRIVATE_KEY = b64(private)
    settings.VAPID_PUBLIC_KEY = b64(
        vapid.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )
    settings.VAPID_SUBJECT = "mailto:clinic@example.org"
    service = FakePushService()
    thread = threading.Thread(target=service.serve_forever, daemon=True)
    thread.start()
    yield service
    service.shutdown()
    service.server_close()


def subscribe(patient, url: str):
    private, p256dh, auth = browser_keys()
    PushSubscription.objects.create(patient=patient, endpoint=url, p256dh=p256dh, auth=b64(auth))
    return private, auth


@pytest.mark.parametrize(
    ("language", "title", "stop_title"),
    [
        ("en-gb", "Your headache diary for today", "Stop these reminders"),
        ("es", "Su diario de cefaleas de hoy", "Dejar de recibir estos recordatorios"),
    ],
)
def test_push_reminder_reaches_the_push_service_encrypted_and_signed(
    push_service, settings, language, title, stop_title
):
    patient = wants(PortalPatientFactory(language=language), channel="push").patient
    private, auth = subscribe(patient, push_service.url("/live/1"))
    nudges_queue(now=NOON)
    assert str(nudges_send(now=NOON)).startswith("1 sent")
    (request,) = push_service.received
    assert request["headers"]["authorization"].startswith("vapid t=")
    assert settings.VAPID_PUBLIC_KEY in request["headers"]["authorization"]
    assert request["headers"]["content-encoding"] == "aes128gcm"
    sent = json.loads(http_ece.decrypt(request["body"], private_key=private, auth_secret=auth))
    assert (sent["title"], sent["stop_title"]) == (title, stop_title)
    assert sent["url"].endswith("/portal/")
    assert "/portal/reminders/stop/" in sent["stop"]
    assert mail.outbox == []
    assert DiaryNudge.objects.get().channel == "push"


def test_an_expired_push_subscription_is_removed_and_reminders_fall_back_to_email(
    push_service, client
):
    patient = wants(PortalPatientFactory(), channel="push").patient
    subscribe(patient, push_service.url("/gone/1"))
    nudges_queue(now=NOON)
    assert "1 push subscriptions expired" in str(nudges_send(now=NOON))
    assert not PushSubscription.objects.exists()
    assert [m.to for m in mail.outbox] == [[patient.email]]  # today's reminder still arrives
    prefs = DiaryNudgeSettings.objects.get()
    assert (prefs.channel, prefs.push_expired_at) == ("email", NOON)
    assert DiaryNudge.objects.get().channel == "email"

    client.force_login(patient.user)
    notice = client.get(reverse("portal:reminders")).content.decode()
    assert "Notifications to your phone stopped working on 23 Nov 2026" in notice
    assert "now come by email" in notice
    client.post(
        reverse("portal:reminders"),
        {"daily": "on", "daily_at": "19:00", "channel": "email", "weekday": "6"},
    )
    assert "stopped working" not in client.get(reverse("portal:reminders")).content.decode()


def test_a_push_service_failure_is_kept_and_tried_again(push_service):
    patient = wants(PortalPatientFactory(), channel="push").patient
    subscribe(patient, push_service.url("/broken/1"))
    nudges_queue(now=NOON)
    assert str(nudges_send(now=NOON)).startswith("0 sent, 1 failed")
    nudge = DiaryNudge.objects.get()
    assert nudge.status == Status.FAILED and "500" in nudge.error
    assert "500" in PushSubscription.objects.get().last_error
    push_service.broken = False
    nudges_send(now=NOON + timedelta(minutes=15))
    assert DiaryNudge.objects.get().status == Status.SENT
    assert len(push_service.received) == 2 and mail.outbox == []


# ---- stopped by one tap ----------------------------------------------------------------------


def test_the_stop_link_stops_both_reminders_with_one_tap_without_logging_in(client):
    prefs = wants(PortalPatientFactory(given_name="Ada"), weekly=True)
    link = stop_url(prefs.patient).removeprefix("http://localhost:8000")
    page = client.get(link)
    assert "Hello Ada" in page.content.decode()
    assert "Stop these reminders" in page.content.decode()
    prefs.refresh_from_db()
    assert prefs.daily and prefs.weekly  # a GET never writes
    stopped = client.post(link)
    assert "Diary reminders stopped" in stopped.content.decode()
    prefs.refresh_from_db()
    assert not prefs.daily and not prefs.weekly
    assert prefs.history.count() == 2
    nudges_queue(now=NOON)
    assert not DiaryNudge.objects.exists()
    assert "already off" in client.get(link).content.decode()


def test_a_tampered_or_expired_stop_link_gives_a_clear_page(client):
    prefs = wants(PortalPatientFactory())
    link = stop_url(prefs.patient).removeprefix("http://localhost:8000")
    tampered = link.replace("/stop/", "/stop/9")
    for method in (client.get, client.post):
        page = method(tampered)
        assert page.status_code == 410
        assert "This link is not valid" in page.content.decode()
    with time_machine.travel(timedelta(days=61)):
        page = client.post(link)
    assert page.status_code == 410
    assert "This link has expired" in page.content.decode()
    prefs.refresh_from_db()
    assert prefs.daily


# ---- once, with two workers ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.real_clock
@pytest.mark.usefixtures("empty_queue")
def test_reminders_run_by_two_workers_at_once_are_each_sent_once():
    patients = [wants(PortalPatientFactory()).patient for _ in range(6)]
    for _ in range(4):  # e.g. two hosts each deferring the same tick, twice
        diary_tasks.send_nudges.defer(timestamp=int(NOON.timestamp()))
    run_workers(2)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in patients)
    assert DiaryNudge.objects.filter(status=Status.SENT).count() == 6


def test_only_the_logged_in_patient_may_send_a_push_subscription(client, neurologist, front_desk):
    url = reverse("portal:push_subscription")
    assert client.post(url, {}, content_type="application/json").url.startswith(reverse("login"))
    for user in (neurologist, front_desk):
        client.force_login(user)
        assert client.post(url, {}, content_type="application/json").status_code == 403
    assert not PushSubscription.objects.exists()
