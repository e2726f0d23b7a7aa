"""Diary days sent from a phone's offline queue: each once, the later change kept, refusals
explained."""

import json
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from diaries.models import DiaryDay, DiarySubmission
from tests.clock import NOON, TODAY
from tests.factories import DiaryDayFactory, PatientMedicineFactory

# The clock stands still before anyone logs in, so a login is never idle by the time it is used.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]
SYNC = reverse("portal:day_sync")
PHONE = uuid.uuid4()
YESTERDAY = TODAY - timedelta(days=1)


def entry(day=YESTERDAY, *, made_at=None, seen=None, device=PHONE, key=None, **fields) -> dict:
    return {
        "key": str(key or uuid.uuid4()),
        "device": str(device),
        "day": day.isoformat(),
        "made_at": (made_at or NOON).isoformat(),
        "seen": seen.isoformat() if seen else None,
        "fields": {"headache": "True", "severity": "moderate", "hours": "3", **fields},
    }


def send(client, payload) -> tuple[int, dict]:
    response = client.post(SYNC, json.dumps(payload), content_type="application/json")
    return response.status_code, response.json()


def test_a_queued_day_is_saved_as_the_patient_entered_it(patient_client, patient, clock):
    triptan = PatientMedicineFactory(patient=patient, medicine_class="triptan")
    status, answer = send(
        patient_client, entry(**{f"dose_{triptan.pk}": "2", "nausea_vomiting": "on"})
    )
    assert (status, answer["status"]) == (200, "saved")
    assert answer["message"] == f"Sent {YESTERDAY:%A %-d %B}."
    day = patient.diary_days.get()
    assert (day.day, day.severity, day.hours, day.nausea_vomiting) == (
        YESTERDAY,
        "moderate",
        3,
        True,
    )
    assert [(d.medicine, d.doses) for d in day.doses.all()] == [(triptan, 2)]
    assert day.entered_by == patient.user


def test_a_replay_is_answered_already_received_and_changes_nothing(patient_client, patient, clock):
    payload = entry()
    send(patient_client, payload)
    clock.shift(60)
    payload["fields"]["severity"] = "severe"  # the same key, whatever it now says
    status, answer = send(patient_client, payload)
    assert (status, answer["status"]) == (200, "already received")
    assert "already received" in answer["message"]
    day = patient.diary_days.get()
    assert day.severity == "moderate"
    assert day.history.count() == 1
    assert DiarySubmission.objects.count() == 1


def test_the_same_key_from_another_patient_is_not_theirs(
    patient_client, patient, other_patient, clock
):
    payload = entry()
    send(patient_client, payload)
    other = Client()
    other.force_login(other_patient.user)
    status, answer = send(other, payload)
    assert answer["status"] == "saved"  # their own diary, not "already received" from Paula's
    assert other_patient.diary_days.get().day == YESTERDAY
    assert patient.diary_days.get().severity == "moderate"


def test_a_later_entry_from_the_phone_wins_and_the_patient_is_told(patient_client, patient, clock):
    DiaryDayFactory(patient=patient, day=YESTERDAY)  # on another device, before the phone's entry
    clock.shift(60)
    status, answer = send(patient_client, entry(made_at=NOON + timedelta(seconds=30)))
    assert answer["message"] == (
        f"{YESTERDAY:%A %-d %B} was changed on another device; your later entry was kept."
    )
    day = patient.diary_days.get()
    assert day.headache and day.severity == "moderate"
    assert [h.headache for h in day.history.order_by("history_date", "history_id")] == [
        False,
        True,
    ]


def test_a_later_change_on_another_device_wins_and_both_are_in_the_history(
    patient_client, patient, clock
):
    made_offline = NOON
    clock.shift(600)
    server = DiaryDayFactory(patient=patient, day=YESTERDAY, note="from the laptop")
    clock.shift(600)
    status, answer = send(patient_client, entry(made_at=made_offline, note="from the phone"))
    assert (status, answer["status"]) == (200, "saved")
    assert "that later change was kept" in answer["message"]
    day = DiaryDay.objects.get(pk=server.pk)
    assert (day.headache, day.note) == (False, "from the laptop")
    notes = [h.note for h in day.history.order_by("history_date", "history_id")]
    assert notes == ["from the laptop", "from the phone", "from the laptop"]
    page = patient_client.get(reverse("portal:day_edit", args=[day.pk])).content.decode()
    assert "from the phone" in page  # the patient sees their entry in the day's changes


def test_two_entries_for_a_day_from_one_phone_are_not_a_conflict(patient_client, patient, clock):
    send(patient_client, entry(made_at=NOON - timedelta(minutes=5), severity="mild"))
    clock.shift(60)
    status, answer = send(patient_client, entry(made_at=NOON - timedelta(minutes=2)))
    assert answer["message"] == f"Sent {YESTERDAY:%A %-d %B}."
    assert patient.diary_days.get().severity == "moderate"


def test_a_day_after_today_is_refused_with_what_to_do(patient_client, patient, clock):
    tomorrow = TODAY + timedelta(days=1)
    status, answer = send(patient_client, entry(day=tomorrow))
    assert (status, answer["status"]) == (400, "refused")
    assert answer["message"] == (
        f"{tomorrow:%A %-d %B} is after today ({TODAY:%A %-d %B}): check the date on your "
        "phone, then change the day or discard this entry."
    )
    assert not patient.diary_days.exists()
    assert not DiarySubmission.objects.exists()  # the same key can be sent again once changed


def test_a_form_error_is_refused_with_the_forms_message(patient_client, patient, clock):
    status, answer = send(patient_client, entry(severity="", hours="30"))
    assert status == 400
    assert "Worst pain: Choose how bad the worst pain was." in answer["message"]
    assert "Hours" in answer["message"] or "hours" in answer["message"]
    assert not patient.diary_days.exists()


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[1, 2]",
        json.dumps({**entry(), "key": "not-a-key"}),
        json.dumps({**entry(), "made_at": ["2026"]}),
        json.dumps({**entry(), "day": "23/11/2026"}),
        json.dumps({**entry(), "fields": "headache"}),
        json.dumps({**entry(), "fields": {"headache": 1}}),
    ],
    ids=["not json", "a list", "bad key", "bad made_at", "bad day", "fields a word", "a number"],
)
def test_a_bad_payload_is_refused_with_a_message(patient_client, patient, clock, body):
    response = patient_client.post(SYNC, body, content_type="application/json")
    assert response.status_code == 400
    answer = response.json()
    assert answer["status"] == "refused"
    assert answer["message"].startswith("This entry could not be read")
    assert not patient.diary_days.exists()


def test_staff_and_the_logged_out_are_refused(neurologist_client, patient, clock):
    response = neurologist_client.post(SYNC, json.dumps(entry()), content_type="application/json")
    assert response.status_code == 403
    neurologist_client.logout()
    response = neurologist_client.post(SYNC, json.dumps(entry()), content_type="application/json")
    assert response.status_code == 302
    assert not DiaryDay.objects.exists()


def test_a_post_without_the_csrf_token_is_refused(patient, clock):
    client = Client(enforce_csrf_checks=True)
    client.force_login(patient.user)
    response = client.post(SYNC, json.dumps(entry()), content_type="application/json")
    assert response.status_code == 403
    assert not patient.diary_days.exists()


def test_the_service_worker_covers_the_portal_and_lists_the_shell(client):
    response = client.get(reverse("portal:service_worker"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert reverse("portal:service_worker").startswith(reverse("portal:home"))  # its scope
    config = json.loads(
        response.content.decode().split("\n", 1)[0].removeprefix("const CONFIG = ").rstrip(";")
    )
    assert reverse("portal:day_new") in config["shell"]
    assert "/static/diaries/offline.js" in config["shell"]


def test_the_portal_links_its_manifest_and_the_queue(patient_client, neurologist, patient):
    page = patient_client.get(reverse("portal:home")).content.decode()
    assert 'rel="manifest" href="/static/diaries/manifest.webmanifest"' in page
    assert "data-offline-queue" in page and "diaries/offline.js" in page
    response = patient_client.get("/static/diaries/manifest.webmanifest")
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.getvalue())
    assert (manifest["start_url"], manifest["display"]) == (reverse("portal:home"), "standalone")
    staff = Client()
    staff.force_login(neurologist)
    staff_page = staff.get(reverse("neurologist_home")).content.decode()
    assert "manifest" not in staff_page and "offline.js" not in staff_page
