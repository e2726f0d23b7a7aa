"""Text messages, sent through one pluggable backend, as Django sends email.

`settings.SMS_BACKEND` is the dotted path of a backend class (from the environment):

- `clinic.sms.ConsoleBackend` prints each message (the default with DEBUG or in tests);
- `clinic.sms.FileBackend` writes each message to a file in `SMS_FILE_PATH` (tests, development);
- `clinic.sms.TwilioBackend` sends it through Twilio's Messages REST API
  (`POST {SMS_API_BASE_URL}/2010-04-01/Accounts/{SMS_ACCOUNT_SID}/Messages.json`, basic auth
  with the account SID and `SMS_AUTH_TOKEN`), waiting at most `SMS_TIMEOUT_SECONDS`. The base
  URL is a setting so that a test, or a provider's regional edge, can stand in for it.

`send_sms(to, body)` normalises the number to E.164 (a national number gets
`SMS_DEFAULT_COUNTRY_CODE`) and raises `InvalidNumber` for something that is not a phone
number, and `SmsError` when the backend could not send: nothing is retried here.
"""

import base64
import json
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string

E164 = re.compile(r"\+[1-9]\d{7,14}")  # at most 15 digits, no leading zero in the country code


class SmsError(Exception):
    """The message could not be sent; the text says why, for staff to read."""


class InvalidNumber(SmsError):
    """The number is not one a text message can be sent to."""


@dataclass(frozen=True)
class SentSms:
    to: str
    body: str
    provider_id: str = ""


def normalise_number(text: str) -> str:
    """`text` as an E.164 number (`+447700900123`): spaces, dashes, dots and brackets go, a
    leading `00` becomes `+`, a national number's leading `0` becomes the default country code."""
    compact = re.sub(r"[\s().-]", "", text or "")
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    elif compact.startswith("0"):
        compact = f"+{settings.SMS_DEFAULT_COUNTRY_CODE}{compact[1:]}"
    if not E164.fullmatch(compact):
        shown = text.strip() or "(none)"
        raise InvalidNumber(
            f"{shown} is not a phone number a text message can be sent to: give it in full, "
            "e.g. 07700 900123 or +44 7700 900123."
        )
    return compact


def send_sms(to: str, body: str) -> SentSms:
    """Send `body` to the number `to` through `settings.SMS_BACKEND`."""
    number = normalise_number(to)
    if not body.strip():
        raise SmsError("The message is empty.")
    return import_string(settings.SMS_BACKEND)().send(number, body)


class ConsoleBackend:
    """Prints each message to standard output: development, where nothing must leave."""

    def send(self, to: str, body: str) -> SentSms:
        sys.stdout.write(f"SMS from {settings.SMS_FROM} to {to}:\n{body}\n{'-' * 40}\n")
        sys.stdout.flush()
        return SentSms(to, body)


class FileBackend:
    """Writes each message as a JSON file in `settings.SMS_FILE_PATH`."""

    def send(self, to: str, body: str) -> SentSms:
        folder = Path(settings.SMS_FILE_PATH)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
            path = folder / f"{stamp}-{uuid.uuid4().hex[:8]}.json"
            path.write_text(json.dumps({"from": settings.SMS_FROM, "to": to, "body": body}))
        except OSError as error:
            raise SmsError(f"Could not write the message to {folder}: {error.strerror}.") from error
        return SentSms(to, body, path.name)


def read_sent(folder) -> list[dict]:
    """The messages the file backend wrote to `folder`, oldest first."""
    return [json.loads(path.read_text()) for path in sorted(Path(folder).glob("*.json"))]


class TwilioBackend:
    """Twilio's Messages API (https://www.twilio.com/docs/messaging/api/message-resource)."""

    def send(self, to: str, body: str) -> SentSms:
        sid, token = settings.SMS_ACCOUNT_SID, settings.SMS_AUTH_TOKEN
        if not (sid and token and settings.SMS_FROM):
            raise SmsError(
                "Text messages are not set up: set SMS_ACCOUNT_SID, SMS_AUTH_TOKEN and SMS_FROM."
            )
        base = settings.SMS_API_BASE_URL.rstrip("/")
        url = f"{base}/2010-04-01/Accounts/{urllib.parse.quote(sid)}/Messages.json"
        request = urllib.request.Request(
            url,
            data=urllib.parse.urlencode(
                {"To": to, "From": settings.SMS_FROM, "Body": body}
            ).encode(),
            headers={
                "Authorization": "Basic " + base64.b64encode(f"{sid}:{token}".encode()).decode(),
                "Accept": "application/json",
            },
            method="POST",
        )
        timeout = settings.SMS_TIMEOUT_SECONDS
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            raise SmsError(f"The SMS provider refused the message: {_refusal(error)}") from error
        except TimeoutError as error:
            raise SmsError(f"The SMS provider did not answer within {timeout} s.") from error
        except urllib.error.URLError as error:
            if isinstance(error.reason, TimeoutError):
                raise SmsError(f"The SMS provider did not answer within {timeout} s.") from error
            raise SmsError(f"Could not reach the SMS provider: {error.reason}.") from error
        except ValueError as error:  # not JSON
            raise SmsError("The SMS provider's answer was not understood.") from error
        return SentSms(to, body, str(answer.get("sid", "")))


def _refusal(error: urllib.error.HTTPError) -> str:
    """The provider's own reason (`{"code": 21211, "message": "…"}`), or the HTTP status."""
    try:
        answer = json.loads(error.read())
        return f"{answer['message']} (error {answer.get('code', error.code)})"
    except (ValueError, KeyError, TypeError, OSError):
        return f"HTTP {error.code} {error.reason}"
