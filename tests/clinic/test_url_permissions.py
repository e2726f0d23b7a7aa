"""The role and patient matrix for every URL the clinic serves.

Each app's URLs are listed in URLS with the roles that may use them. A test fails if a URL
pattern is added without being listed here, so every new page gets its permission checks.
"""

import re
from dataclasses import dataclass, field

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from clinic.roles import Role

NEURO = {Role.NEUROLOGIST}
STAFF = {Role.NEUROLOGIST, Role.FRONT_DESK}
PATIENT = {Role.PATIENT}
ANYONE = {Role.NEUROLOGIST, Role.FRONT_DESK, Role.PATIENT}
NOT_CHECKED = {"login", "logout", "healthz", "favicon"}  # public by design
NOT_CHECKED |= {  # password reset by email: public by design
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
}
NOT_CHECKED |= {"portal:accept_invitation"}  # public: the emailed one-time link (own tests)
# The service worker is public (our static script); the offline sync answers a form post with
# a 400 (it takes JSON): both are checked, roles included, in tests/diaries/test_offline.py.
NOT_CHECKED |= {"portal:service_worker", "portal:day_sync"}
NOT_CHECKED |= {"schedule:feed"}  # its secret token is the key: tests/treatments/test_feeds.py
NOT_CHECKED |= {"schedule:reminder_answer"}  # signed link: scheduling/test_reminder_channels.py
NOT_CHECKED |= {"schedule:offer"}  # public: an offer's signed link (scheduling/test_waitlist.py)
# The FHIR API answers with OperationOutcomes (401, 403), not the login page: tests/fhir/
NOT_CHECKED |= {"fhir:base", "fhir:metadata", "fhir:search", "fhir:read", "fhir:unknown"}
NOT_CHECKED |= {"fhir:export", "fhir:export_patients", "fhir:export_patient"}
NOT_CHECKED |= {"fhir:export_status", "fhir:export_file"}
NOT_CHECKED |= {"portal:reminders_stop"}  # signed link: tests/diaries/test_nudges.py
# JSON from the page's script (400 for an empty body); roles checked in tests/diaries/test_nudges.py
NOT_CHECKED |= {"portal:push_subscription"}
# The language switcher: public by design (the login page has it); tests/patients/test_language.py
NOT_CHECKED |= {"language"}


@dataclass
class Url:
    name: str
    roles: set
    # kwargs built from the test world; "patient" means the owner patient's record.
    kwargs: dict = field(default_factory=dict)
    method: str = "get"


URLS = [
    Url("home", {Role.NEUROLOGIST, Role.FRONT_DESK, Role.PATIENT}),
    Url("neurologist_home", NEURO),
    Url("front_desk_home", {Role.FRONT_DESK}),
    Url("patients:list", STAFF),
    Url("patients:create", STAFF),
    Url("patients:chart", STAFF, {"patient_id": "patient"}),
    Url("patients:edit", STAFF, {"patient_id": "patient"}),
    Url("patients:data_export", NEURO, {"patient_id": "patient"}),
    Url("patients:eligibility", NEURO, {"patient_id": "patient"}),
    Url("patients:preventive_add", NEURO, {"patient_id": "patient"}),
    Url(
        "patients:preventive_edit", NEURO, {"patient_id": "patient", "preventive_id": "preventive"}
    ),
    Url(
        "patients:preventive_delete",
        NEURO,
        {"patient_id": "patient", "preventive_id": "preventive"},
        method="post",
    ),
    Url("patients:flag_add", NEURO, {"patient_id": "patient"}),
    Url(
        "patients:flag_resolve", NEURO, {"patient_id": "patient", "flag_id": "flag"}, method="post"
    ),
    Url("portal:home", PATIENT),
    Url("patients:access_log", NEURO, {"patient_id": "patient"}),
    Url("patients:merge", NEURO, {"patient_id": "patient"}),
    Url("account", ANYONE),
    Url("two_factor", ANYONE),
    Url("two_factor_verify", ANYONE),
    Url("password_change", ANYONE),
    Url("password_change_done", ANYONE),
    Url("treatments:session_new", NEURO, {"patient_id": "patient"}),
    Url("treatments:session_detail", NEURO, {"patient_id": "patient", "session_id": "session"}),
    Url("treatments:session_edit", NEURO, {"patient_id": "patient", "session_id": "session"}),
    Url(
        "treatments:session_sign",
        NEURO,
        {"patient_id": "patient", "session_id": "session"},
        method="post",
    ),
    Url("treatments:aftercare", STAFF, {"patient_id": "patient", "session_id": "session"}),
    Url("treatments:adverse_event_add", STAFF, {"patient_id": "patient", "session_id": "session"}),
    Url(
        "treatments:adverse_event_acknowledge",
        NEURO,
        {"patient_id": "patient", "event_id": "event"},
    ),
    Url("treatments:quote", STAFF, {"patient_id": "patient"}),
    Url("portal:attack_started", PATIENT, method="post"),
    Url("portal:attack_ended", PATIENT, method="post"),
    Url("portal:calendar", PATIENT),
    Url("portal:day_new", PATIENT),
    Url("portal:day_edit", PATIENT, {"day_id": "day"}),
    Url("portal:day_remove", PATIENT, {"day_id": "day"}),
    Url("portal:medicines", PATIENT),
    Url("portal:medicine_edit", PATIENT, {"medicine_id": "medicine"}),
    Url("portal:transfer", PATIENT),
    Url("portal:import_progress", PATIENT, {"import_id": "diary_import"}),
    Url("portal:export", PATIENT),
    Url("portal:report", PATIENT),
    Url("portal:my_records", PATIENT),
    Url("portal:reminders", PATIENT),
    Url("check_in:answer", PATIENT, {"session_id": "session"}),
    Url("diary:calendar", NEURO, {"patient_id": "patient"}),
    Url("diary:day_new", NEURO, {"patient_id": "patient"}),
    Url("diary:day_edit", NEURO, {"patient_id": "patient", "day_id": "day"}),
    Url("diary:day_remove", NEURO, {"patient_id": "patient", "day_id": "day"}),
    Url("diary:medicines", NEURO, {"patient_id": "patient"}),
    Url("diary:medicine_edit", NEURO, {"patient_id": "patient", "medicine_id": "medicine"}),
    Url("diary:transfer", NEURO, {"patient_id": "patient"}),
    Url("diary:import_progress", NEURO, {"patient_id": "patient", "import_id": "diary_import"}),
    Url("diary:export", NEURO, {"patient_id": "patient"}),
    Url("diary:report", NEURO, {"patient_id": "patient"}),
    Url("diary:invite", STAFF, {"patient_id": "patient"}, method="post"),
    Url("progress:page", NEURO, {"patient_id": "patient"}),
    Url("progress:review_add", NEURO, {"patient_id": "patient"}),
    Url("progress:letter", NEURO, {"patient_id": "patient", "review_id": "review"}),
    Url(
        "progress:letter_issue",
        NEURO,
        {"patient_id": "patient", "review_id": "review"},
        method="post",
    ),
    Url(
        "progress:letter_download",
        NEURO,
        {"patient_id": "patient", "review_id": "review", "letter_id": "letter"},
    ),
    Url("progress:portal", PATIENT),
    Url("progress:clinic_audit", NEURO),
    Url("schedule:day", STAFF),
    Url("schedule:week", STAFF),
    Url("schedule:day_list", STAFF),
    Url("schedule:arrivals", STAFF),
    Url("schedule:feed_settings", NEURO),
    Url("schedule:reminders", STAFF),
    Url("schedule:letters", STAFF),
    Url("schedule:letters_printed", STAFF, method="post"),
    Url("schedule:book_next", STAFF, {"patient_id": "patient"}),
    Url("schedule:book", STAFF, {"patient_id": "patient"}),
    Url("schedule:call_record", STAFF, {"patient_id": "patient"}, method="post"),
    Url("schedule:patient_ics", STAFF | PATIENT, {"patient_id": "patient"}),
    Url("schedule:appointment", STAFF, {"patient_id": "patient", "appointment_id": "appointment"}),
    Url(
        "schedule:status",
        STAFF,
        {"patient_id": "patient", "appointment_id": "appointment"},
        method="post",
    ),
    Url("schedule:undo", STAFF, {"patient_id": "patient", "appointment_id": "appointment"}, "post"),
    Url(
        "schedule:reschedule",
        STAFF,
        {"patient_id": "patient", "appointment_id": "appointment"},
        method="post",
    ),
    Url("schedule:restart", NEURO, {"patient_id": "patient"}),
    Url("schedule:waitlist", STAFF),
    Url("schedule:waitlist_offer", STAFF, method="post"),
    Url("schedule:waitlist_join", STAFF, {"patient_id": "patient"}),
    Url(
        "schedule:waitlist_leave",
        STAFF,
        {"patient_id": "patient", "entry_id": "waitlist_entry"},
        method="post",
    ),
    Url(
        "schedule:booking_cancel",
        STAFF,
        {"patient_id": "patient", "appointment_id": "appointment"},
        method="post",
    ),
    Url(
        "schedule:booking_keep",
        STAFF,
        {"patient_id": "patient", "appointment_id": "appointment"},
        method="post",
    ),
    Url("records_in:upload", set()),  # administrators (superusers) only: tests/records_in/
]
# The URLs some role may open; the others (administrators' pages) are checked in their own tests.
OPENED_BY_A_ROLE = [url for url in URLS if url.roles]
ROLE_CLIENTS = {
    Role.NEUROLOGIST: "neurologist",
    Role.FRONT_DESK: "front_desk",
    Role.PATIENT: "patient",
}


def all_url_names() -> set[str]:
    """Every named URL of the project's own apps (the admin is Django's)."""
    names = set()

    def walk(patterns, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace == "admin":
                    continue
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, inner)
            elif isinstance(entry, URLPattern) and entry.name:
                names.add(f"{namespace}{entry.name}")

    walk(get_resolver().url_patterns, "")
    return names - NOT_CHECKED


def resolve(url: Url, world: dict, **override) -> str:
    kwargs = {key: override.get(key, world[value]) for key, value in url.kwargs.items()}
    return reverse(url.name, kwargs=kwargs)


def test_every_url_is_in_the_matrix():
    assert all_url_names() == {url.name for url in URLS}


@pytest.mark.parametrize("url", URLS, ids=lambda url: url.name)
def test_anonymous_visitors_are_sent_to_log_in(client, world, url):
    response = getattr(client, url.method)(resolve(url, world))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("url", URLS, ids=lambda url: url.name)
@pytest.mark.parametrize("role", list(Role), ids=str)
def test_each_role_is_admitted_or_refused(client, world, url, role):
    client.force_login(world["users"][role])
    response = getattr(client, url.method)(resolve(url, world))
    if role in url.roles:
        assert response.status_code in (200, 302), response.status_code
    else:
        assert response.status_code == 403
        assert world["mrn"] not in response.content.decode()  # nothing about the patient leaks


PATIENT_URLS = [url for url in URLS if url.kwargs]


@pytest.mark.parametrize("url", PATIENT_URLS, ids=lambda url: url.name)
def test_unknown_ids_give_404(client, world, url):
    role = next(iter(url.roles))
    client.force_login(world["users"][role])
    overrides = {key: 987654321 for key in url.kwargs}
    response = getattr(client, url.method)(resolve(url, world, **overrides))
    assert response.status_code == 404


@pytest.mark.parametrize(
    "url", [u for u in PATIENT_URLS if len(u.kwargs) > 1], ids=lambda url: url.name
)
def test_a_record_of_another_patient_gives_404(client, world, other_patient, url):
    """A preventive or flag id that belongs to someone else is not found under this patient."""
    role = next(iter(url.roles))
    client.force_login(world["users"][role])
    response = getattr(client, url.method)(resolve(url, world, patient_id=other_patient.pk))
    assert response.status_code == 404


WRITE = re.compile(r'^\s*(INSERT INTO|UPDATE|DELETE FROM)\s+"?(\w+)"?', re.IGNORECASE)
MAY_WRITE_ON_GET = {"clinic_auditevent", "django_session"}  # the audit trail; session expiry


@pytest.mark.parametrize(
    "url", [u for u in OPENED_BY_A_ROLE if u.method == "get"], ids=lambda url: url.name
)
def test_a_page_view_writes_nothing_but_the_audit_trail(client, world, url):
    """Reads never write: summaries are kept where data is written, never by a GET."""
    client.force_login(world["users"][next(iter(url.roles))])
    with CaptureQueriesContext(connection) as queries:
        client.get(resolve(url, world))
    written = {
        match.group(2) for query in queries.captured_queries if (match := WRITE.match(query["sql"]))
    }
    assert written <= MAY_WRITE_ON_GET
