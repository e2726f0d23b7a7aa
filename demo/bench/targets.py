"""What `make bench` drives, picked from the database it runs on; and the staff's codes.

The logins are the demo ones (`seed_demo`); the patient for the chart and progress pages is
the one with the most diary days (then sessions), leaving out the portal's demo patient, so
the big-data case is exercised; the search term is the first letters of the commonest family
name, so it matches several patients.
"""

from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Count
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.roles import Role, user_role
from clinic.two_factor import confirmed_device
from demo.accounts import DEMO_PASSWORD, DEMO_PATIENT_USERNAME
from diaries.models import DiaryDay
from patients.models import Patient

NEUROLOGIST_USERNAME = "dr.demo"
FRONT_DESK_USERNAME = "desk.demo"
BENCH_DEVICE_NAME = "make bench (temporary)"
TRIVIAL_PAGE = "password_change"  # the password-change form: logged in, no clinical query


class TargetError(Exception):
    """The database cannot be benchmarked as it is (not migrated, no demo logins...)."""


@dataclass
class Targets:
    logins: dict[str, str]  # role name -> username
    password: str
    patient: Patient  # for the chart and progress pages
    patient_diary_days: int
    patient_sessions: int
    portal_diary_days: int
    search: str
    search_matches: int
    session_id: int | None = None  # the patient's latest session, for the session page
    review_id: int | None = None  # the patient's latest review, for the letter page

    def pages(self) -> list[dict]:
        """The pages driven, the trivial page first (every page a user opens, issue 19)."""
        chart_args = [self.patient.pk]
        patient = self.patient
        pages = [
            page("trivial", "trivial page (password change form)", "neurologist", TRIVIAL_PAGE),
            page("review_queue", "review queue", "neurologist", "neurologist_home"),
            page("progress", "progress page", "neurologist", "progress:page", chart_args),
            page("chart", "patient chart", "neurologist", "patients:chart", chart_args),
        ]
        if self.session_id:
            session = [patient.pk, self.session_id]
            pages.append(
                page("session", "session page", "neurologist", "treatments:session_detail", session)
            )
        if self.review_id:
            review = [patient.pk, self.review_id]
            pages.append(page("letter", "letter page", "neurologist", "progress:letter", review))
        pages += [
            page("clinic_audit", "clinic audit page", "neurologist", "progress:clinic_audit"),
            *(
                search_page(name, label, term)
                for name, label, term in [
                    ("search", "search by name", self.search),
                    ("search_mrn", "search by MRN", patient.mrn),
                    ("search_digits", "search by MRN's last digits", patient.mrn[-4:]),
                    ("search_phone", "search by phone", patient.phone),
                    ("search_born", "search by date of birth", f"{patient.date_of_birth:%d/%m/%Y}"),
                ]
                if term
            ),
            page("worklist", "front-desk worklists", "front_desk", "front_desk_home"),
            page(
                "book_next", "book next injection", "front_desk", "schedule:book_next", chart_args
            ),
            page("day", "day calendar", "front_desk", "schedule:day"),
            page("week", "week calendar", "front_desk", "schedule:week"),
            page("portal_home", "portal home", "patient", "portal:home"),
            page("portal_month", "portal calendar month", "patient", "portal:calendar"),
            page("portal_progress", "portal progress", "patient", "progress:portal"),
            {
                "name": "diary_save",
                "label": "save a diary day (POST)",
                "role": "patient",
                "method": "POST",
                "path": "/portal/days/<id>/",
                "expect_redirect": reverse("portal:calendar"),
                "days": 30,
            },
        ]
        return pages

    def describe(self) -> dict:
        return {
            "logins": ", ".join(f"{role} {name}" for role, name in self.logins.items()),
            "patient": (
                f"id {self.patient.pk} ({self.patient.mrn}): {self.patient_diary_days} diary "
                f"days, {self.patient_sessions} sessions"
            ),
            "portal patient": f"{self.logins['patient']}: {self.portal_diary_days} diary days",
            "search": f"q={self.search} ({self.search_matches} matches); the patient's MRN, its "
            "last 4 digits, phone and date of birth",
            "session and letter": f"session {self.session_id}, review {self.review_id}",
        }


def page(name: str, label: str, role: str, url_name: str, args=None) -> dict:
    return {"name": name, "label": label, "role": role, "path": reverse(url_name, args=args)}


def search_page(name: str, label: str, term: str) -> dict:
    return {
        **page(name, label, "front_desk", "patients:list"),
        "path": f"{reverse('patients:list')}?{urlencode({'q': term})}",
    }


def check_migrated() -> None:
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise TargetError("The database has unapplied migrations: run `manage.py migrate`.")


def demo_login(username: str, role: Role):
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None or user_role(user) != role:
        raise TargetError(
            f"No {role.label.lower()} login {username!r}: run `manage.py seed_demo` first."
        )
    if not user.check_password(DEMO_PASSWORD):  # checked here: a failed login counts for axes
        raise TargetError(f"{username!r} does not have the demo password (not a demo database?)")
    return user


def pick_targets() -> Targets:
    check_migrated()
    logins = {
        "neurologist": demo_login(NEUROLOGIST_USERNAME, Role.NEUROLOGIST).username,
        "front_desk": demo_login(FRONT_DESK_USERNAME, Role.FRONT_DESK).username,
        "patient": demo_login(DEMO_PATIENT_USERNAME, Role.PATIENT).username,
    }
    portal = Patient.objects.filter(user__username=DEMO_PATIENT_USERNAME).first()
    if portal is None:
        raise TargetError(f"{DEMO_PATIENT_USERNAME!r} has no patient record: run seed_demo.")
    patient, days, sessions = busiest_patient(exclude=portal.pk)
    search, matches = common_name_prefix()
    return Targets(
        logins=logins,
        password=DEMO_PASSWORD,
        patient=patient,
        patient_diary_days=days,
        patient_sessions=sessions,
        portal_diary_days=portal.diary_days.count(),
        search=search,
        search_matches=matches,
        session_id=patient.sessions.order_by("-performed_on", "-pk")
        .values_list("pk", flat=True)
        .first(),
        review_id=patient.reviews.order_by("-reviewed_on", "-pk")
        .values_list("pk", flat=True)
        .first(),
    )


def busiest_patient(*, exclude: int) -> tuple[Patient, int, int]:
    """The patient with the most diary days, then the most sessions (ties: lowest id)."""
    top = list(
        DiaryDay.objects.exclude(patient_id=exclude)
        .values_list("patient_id")
        .annotate(days=Count("id"))
        .order_by("-days", "patient_id")[:10]
    )
    candidates = Patient.objects.exclude(pk=exclude).annotate(session_count=Count("sessions"))
    if top:
        most = top[0][1]
        candidates = candidates.filter(pk__in=[pk for pk, days in top if days == most])
    best = candidates.order_by("-session_count", "pk").first()
    if best is None:
        raise TargetError("There are no patients to benchmark: run `manage.py seed_demo`.")
    days = dict(top).get(best.pk, 0)
    return best, days, best.session_count


def common_name_prefix() -> tuple[str, int]:
    """The first three letters of the commonest family name, and how many patients match."""
    name = (
        Patient.objects.values_list("family_name", flat=True)
        .annotate(n=Count("id"))
        .order_by("-n", "family_name")
        .first()
    )
    term = (name or "a")[:3]
    return term, Patient.objects.search(term).count()


@contextmanager
def staff_codes(usernames: list[str]):
    """Each staff login's authenticator key, for the code page after the password.

    Production requires two-factor for staff, and a verified device costs a query on every
    page, so the bench logs staff in with one. A user with a confirmed device keeps it and
    the bench uses its key; one without gets a temporary device, deleted at the end (and at
    the next run, should this run be killed before it can).
    """
    TOTPDevice.objects.filter(name=BENCH_DEVICE_NAME).delete()
    created = []
    codes = {}
    try:
        for username in usernames:
            user = get_user_model().objects.get(username=username)
            device = confirmed_device(user)
            if device is None:
                device = TOTPDevice.objects.create(
                    user=user, name=BENCH_DEVICE_NAME, confirmed=True
                )
                created.append(device.pk)
            codes[username] = {
                "key_hex": device.key,
                "step": device.step,
                "t0": device.t0,
                "digits": device.digits,
            }
        yield codes
    finally:
        TOTPDevice.objects.filter(pk__in=created).delete()
