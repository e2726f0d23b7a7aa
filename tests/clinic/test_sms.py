"""Text messages: numbers normalised to E.164, the file backend, and the Twilio backend against a
local fake of Twilio's Messages API (a real HTTP server on 127.0.0.1, not a mock)."""

import base64
import contextlib
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from clinic.sms import InvalidNumber, SmsError, normalise_number, read_sent, send_sms

SID, TOKEN, FROM = "AC0123456789abcdef0123456789abcdef", "secret-token", "+447700900000"
TWILIO = "clinic.sms.TwilioBackend"


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("07700 900123", "+447700900123"),
        ("(07700) 900-123", "+447700900123"),
        ("+44 7700 900123", "+447700900123"),
        ("0044 7700 900123", "+447700900123"),
        ("+1 415 555 0100", "+14155550100"),
    ],
)
def test_numbers_as_people_write_them_become_e164(settings, typed, e164):
    settings.SMS_DEFAULT_COUNTRY_CODE = "44"
    assert normalise_number(typed) == e164


@pytest.mark.parametrize(
    "typed", ["", "12345", "07700 9001x3", "+0 7700 900123", "+4477009001234567"]
)
def test_what_is_not_a_phone_number_is_refused_clearly(typed):
    with pytest.raises(InvalidNumber, match="is not a phone number a text message can be sent to"):
        normalise_number(typed)


def test_the_file_backend_writes_each_message(settings, tmp_path):
    settings.SMS_BACKEND, settings.SMS_FILE_PATH, settings.SMS_FROM = (
        "clinic.sms.FileBackend",
        str(tmp_path),
        FROM,
    )
    send_sms("07700 900123", "First")
    send_sms("07700 900124", "Second")
    assert read_sent(tmp_path) == [
        {"from": FROM, "to": "+447700900123", "body": "First"},
        {"from": FROM, "to": "+447700900124", "body": "Second"},
    ]


def test_the_console_backend_prints_the_message(settings, capsys):
    settings.SMS_BACKEND = "clinic.sms.ConsoleBackend"
    send_sms("07700 900123", "Your appointment is tomorrow")
    assert "to +447700900123:\nYour appointment is tomorrow" in capsys.readouterr().out


class FakeTwilio(BaseHTTPRequestHandler):
    """Answers as Twilio's Messages API does: 201 with the message, 401 for bad credentials,
    400 with Twilio's error body for a number it will not text, and silence when told to."""

    received: list[dict] = []
    delay = 0.0

    def do_POST(self):  # noqa: N802 (http.server's name)
        length = int(self.headers["Content-Length"])
        form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
        expected_auth = "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
        if self.path != f"/2010-04-01/Accounts/{SID}/Messages.json":
            return self.answer(
                404, {"code": 20404, "message": "The requested resource was not found"}
            )
        if self.headers.get("Authorization") != expected_auth:
            return self.answer(401, {"code": 20003, "message": "Authenticate", "status": 401})
        if set(form) != {"To", "From", "Body"}:
            return self.answer(400, {"code": 21604, "message": "A 'To' phone number is required."})
        time.sleep(self.delay)
        if form["To"] == "+447700900666":
            return self.answer(
                400,
                {
                    "code": 21211,
                    "message": "The 'To' number +447700900666 is not a valid phone number.",
                    "status": 400,
                },
            )
        self.received.append(form)
        self.answer(201, {"sid": f"SM{len(self.received):032d}", "status": "queued", **form})

    def answer(self, status: int, body: dict):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        with contextlib.suppress(OSError):  # the client gave up waiting (the timeout test)
            self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def twilio(settings):
    FakeTwilio.received, FakeTwilio.delay = [], 0.0
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeTwilio)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_BACKEND = TWILIO
    settings.SMS_API_BASE_URL = f"http://127.0.0.1:{server.server_port}/"
    settings.SMS_ACCOUNT_SID, settings.SMS_AUTH_TOKEN, settings.SMS_FROM = SID, TOKEN, FROM
    settings.SMS_TIMEOUT_SECONDS = 1
    yield FakeTwilio
    server.shutdown()
    server.server_close()


def test_twilio_gets_the_message_with_basic_auth_and_its_form_fields(twilio):
    sent = send_sms("07700 900123", "See you on Monday")
    assert twilio.received == [{"To": "+447700900123", "From": FROM, "Body": "See you on Monday"}]
    assert sent.provider_id == f"SM{1:032d}"


def test_twilio_refusing_a_number_gives_its_reason(twilio):
    with pytest.raises(SmsError, match=r"refused the message: The 'To' number .* \(error 21211\)"):
        send_sms("07700 900666", "Hello")
    assert twilio.received == []


def test_wrong_credentials_are_an_error_not_a_silent_success(twilio, settings):
    settings.SMS_AUTH_TOKEN = "wrong"
    with pytest.raises(SmsError, match=r"Authenticate \(error 20003\)"):
        send_sms("07700 900123", "Hello")


def test_a_provider_that_does_not_answer_times_out(twilio):
    twilio.delay = 3
    started = time.monotonic()
    with pytest.raises(SmsError, match="did not answer within 1 s"):
        send_sms("07700 900123", "Hello")
    assert time.monotonic() - started < 2.5


def test_a_provider_that_cannot_be_reached_is_a_clear_error(twilio, settings):
    settings.SMS_API_BASE_URL = "http://127.0.0.1:9"  # discard port: nothing listens
    with pytest.raises(SmsError, match="Could not reach the SMS provider"):
        send_sms("07700 900123", "Hello")


def test_twilio_without_credentials_says_what_to_set(settings):
    settings.SMS_BACKEND, settings.SMS_ACCOUNT_SID = TWILIO, ""
    with pytest.raises(SmsError, match="set SMS_ACCOUNT_SID, SMS_AUTH_TOKEN and SMS_FROM"):
        send_sms("07700 900123", "Hello")
