"""Before each injection (DOMAIN.md §4): the checklist, its warnings, and the vial's 24 hours.

The clock stands at noon on Monday 23 Nov 2026 (`tests.clock`); times are Europe/London.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse

from patients.models import Diagnosis, Eligibility, Patient
from tests.clock import NOON, TODAY
from tests.factories import (
    AdverseEventFactory,
    InjectionSessionFactory,
    PatientFactory,
    PriorPreventiveFactory,
)
from tests.treatments.session_forms import REASON, confirmed_check, session_post
from tests.treatments.test_session_rules import messages_of, unsaved_session
from treatments import session_warnings
from treatments.models import AdverseEvent, InjectionSession, PreInjectionCheck
from treatments.pre_injection import before_injection, check_errors, warning_field
from treatments.protocols import preempt_protocol

pytestmark = [pytest.mark.django_db, pytest.mark.today(TODAY)]
ZONE = ZoneInfo(settings.TIME_ZONE)


@pytest.fixture(autouse=True)
def protocol():
    return preempt_protocol()  # transactional tests elsewhere flush the migration's data


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE)


def new_url(patient):
    return reverse("treatments:session_new", args=[patient.pk])


def nice_met(patient: Patient, by) -> Patient:
    """Record every NICE TA260 criterion as met."""
    Eligibility.objects.create(
        patient=patient,
        chronic_migraine_criteria_met=True,
        medication_overuse_managed=True,
        assessed_by=by,
    )
    PriorPreventiveFactory.create_batch(3, patient=patient)
    return patient


class TestTheVialIsUsedWithin24HoursOfTheInjectionTime:
    """Injected on 23 Nov 2026 at 10:00 unless the case says otherwise."""

    @pytest.mark.parametrize(
        ("reconstituted", "injected", "accepted"),
        [
            (at(TODAY - timedelta(days=1), 10, 0), time(10, 0), True),  # exactly 24 h
            (at(TODAY - timedelta(days=1), 10, 1), time(10, 0), True),  # 23 h 59 min
            (at(TODAY - timedelta(days=1), 9, 59), time(10, 0), False),  # 24 h 1 min
            (at(TODAY, 10, 0), time(10, 0), True),  # made up at the injection time
            # 43 hours, though the vial is dated the day before the injection:
            (at(TODAY - timedelta(days=1), 4, 0), time(23, 0), False),
        ],
    )
    def test_the_24_hour_boundary(self, reconstituted, injected, accepted):
        session = unsaved_session(
            performed_on=TODAY, injection_time=injected, reconstituted_at=reconstituted
        )
        if accepted:
            session.full_clean(exclude=["recorded_by"])
        else:
            assert "must be used within 24 hours" in messages_of(session)

    def test_the_message_says_how_old_the_vial_was(self):
        session = unsaved_session(
            performed_on=TODAY,
            injection_time=time(23, 0),
            reconstituted_at=at(TODAY - timedelta(days=1), 4, 0),
        )
        assert "reconstituted 43 hours before the injection" in messages_of(session)
        session.reconstituted_at = at(TODAY - timedelta(days=1), 9, 59)
        session.injection_time = time(10, 0)
        assert "reconstituted 24 hours 1 minute before" in messages_of(session)

    def test_a_vial_made_up_after_the_injection_is_refused(self):
        session = unsaved_session(
            performed_on=TODAY, injection_time=time(10, 0), reconstituted_at=at(TODAY, 10, 1)
        )
        assert "after the injection at 23 Nov 2026 10:00" in messages_of(session)

    def test_real_hours_count_across_the_clock_change(self):
        # 29 Mar 2026: the clocks go forward at 01:00. 10:30 GMT on the 28th to 11:00 BST on
        # the 29th reads as 24 h 30 min but is 23 h 30 min: accepted.
        session = unsaved_session(
            performed_on=date(2026, 3, 29),
            injection_time=time(11, 0),
            reconstituted_at=at(date(2026, 3, 28), 10, 30),
            lot_expiry=date(2027, 1, 1),
        )
        session.full_clean(exclude=["recorded_by"])

    def test_a_new_session_needs_its_time(self):
        session = unsaved_session(performed_on=TODAY, injection_time=None)
        assert "Give the time of the injection" in messages_of(session)

    def test_a_session_from_before_times_were_kept_stays_valid_by_its_dates(self):
        session = InjectionSessionFactory(performed_on=TODAY - timedelta(days=30))
        assert session.injection_time is None
        session.full_clean()
        session.reconstituted_at = at(TODAY - timedelta(days=32), 9)
        assert "not on the injection day or the day before" in messages_of(session)


class TestWhatIsAsked:
    @pytest.mark.parametrize(
        ("sex", "born", "asked"),
        [
            (Patient.Sex.FEMALE, date(1996, 11, 23), True),  # 30
            (Patient.Sex.UNKNOWN, date(1996, 11, 23), True),
            (Patient.Sex.MALE, date(1996, 11, 23), False),
            (Patient.Sex.FEMALE, date(1964, 11, 23), False),  # 62
            (Patient.Sex.FEMALE, date(2014, 11, 24), False),  # 11 until tomorrow
            (Patient.Sex.FEMALE, date(2014, 11, 23), True),  # 12 today
            (Patient.Sex.FEMALE, date(1970, 11, 24), True),  # 55 until tomorrow
            (Patient.Sex.FEMALE, date(1970, 11, 23), False),  # 56 today
        ],
    )
    def test_pregnancy_and_breastfeeding_only_where_they_can_apply(self, sex, born, asked):
        patient = PatientFactory(sex=sex, date_of_birth=born)
        questions = before_injection(patient, TODAY).questions
        assert ("pregnancy" in questions) is asked
        assert ("breastfeeding" in questions) is asked
        assert {"neuromuscular", "swallowing_breathing", "site_infection"} <= set(questions)

    def test_nice_criteria_not_met_is_a_warning_naming_what_is_missing(self, neurologist):
        patient = PatientFactory(primary_diagnosis=Diagnosis.CLUSTER)
        warnings = before_injection(patient, TODAY).warnings
        assert warnings == [
            "NICE TA260 criteria not met: 4 criteria missing or unmet (Diagnosis is chronic "
            "migraine, ICHD-3 chronic migraine criteria met, At least 3 preventive medicines "
            "failed, Medication overuse managed)."
        ]
        assert before_injection(nice_met(PatientFactory(), neurologist), TODAY).warnings == []

    def test_serious_events_since_the_last_session_and_any_unacknowledged(self, neurologist):
        patient = PatientFactory()
        older = InjectionSessionFactory(patient=patient, performed_on=TODAY - timedelta(days=200))
        last = InjectionSessionFactory(patient=patient, performed_on=TODAY - timedelta(days=90))
        AdverseEventFactory(session=older, kind=AdverseEvent.Kind.PTOSIS)
        old_seen = AdverseEventFactory(
            session=older,
            serious=True,
            acknowledged_by=neurologist,
            acknowledged_at=NOON - timedelta(days=190),
        )
        old_unseen = AdverseEventFactory(
            session=older, kind=AdverseEvent.Kind.DIPLOPIA, serious=True
        )
        recent = AdverseEventFactory(session=last, kind=AdverseEvent.Kind.DYSPHAGIA, serious=True)
        context = before_injection(patient, TODAY)
        assert old_seen not in context.serious_events
        assert old_unseen.serious and recent.serious
        assert {e.pk for e in context.serious_events} == {old_unseen.pk, recent.pk}


@pytest.fixture
def standing_stop():
    """A provider like the one scheduling contributes for a standing stop decision."""

    def provider(patient, on):
        return [f"Treatment was stopped on 1 Nov 2026 (as of {on:%-d %b %Y})."]

    session_warnings.contribute(provider)
    yield provider
    session_warnings._providers.remove(provider)


class TestTheAnswersAllowTheInjection:
    def test_a_full_checklist_has_nothing_to_refuse(self, neurologist):
        patient = PatientFactory()
        context = before_injection(patient, TODAY)
        check = confirmed_check(patient, TODAY)
        assert check_errors(check, context) == {}
        assert check.warnings == [{"warning": context.warnings[0], "reason": REASON}]

    def test_each_missing_answer_is_named(self):
        patient = PatientFactory(sex=Patient.Sex.FEMALE, date_of_birth=date(1990, 1, 1))
        context = before_injection(patient, TODAY)
        errors = check_errors(PreInjectionCheck(warnings=[]), context)
        assert errors["consent_on_file"] == ["Confirm that consent to treatment is on file."]
        for name in ["pregnancy", "breastfeeding", "neuromuscular", "site_infection"]:
            assert errors[name] == ["Answer this question."]
        assert errors[warning_field(context.warnings[0])][0].startswith(
            "Give the reason to inject despite: NICE TA260 criteria not met"
        )

    def test_a_yes_needs_what_was_found(self):
        patient = PatientFactory()
        context = before_injection(patient, TODAY)
        check = confirmed_check(patient, TODAY, site_infection="yes")
        assert (
            "any infection at the injection sites?"
            in check_errors(check, context)["findings_note"][0]
        )
        check.findings_note = "Small healed scratch at the left temple; sites moved 1 cm."
        assert check_errors(check, context) == {}

    def test_pregnancy_answers_are_not_kept_where_they_cannot_apply(self):
        patient = PatientFactory(sex=Patient.Sex.MALE)
        check = confirmed_check(patient, TODAY, pregnancy="no")
        assert check_errors(check, before_injection(patient, TODAY)) == {}
        assert check.pregnancy == ""

    def test_every_contributed_warning_needs_its_own_reason(self, neurologist, standing_stop):
        patient = nice_met(PatientFactory(), neurologist)
        context = before_injection(patient, TODAY)
        assert context.warnings == ["Treatment was stopped on 1 Nov 2026 (as of 23 Nov 2026)."]
        check = confirmed_check(patient, TODAY)
        check.warnings = [{"warning": context.warnings[0], "reason": "  "}]
        assert check_errors(check, context) == {
            warning_field(context.warnings[0]): [
                "Give the reason to inject despite: Treatment was stopped on 1 Nov 2026 "
                "(as of 23 Nov 2026)."
            ]
        }

    def test_an_unacknowledged_serious_event_must_be_acknowledged_first(self):
        patient = PatientFactory()
        last = InjectionSessionFactory(patient=patient, performed_on=TODAY - timedelta(days=90))
        AdverseEventFactory(session=last, kind=AdverseEvent.Kind.DYSPHAGIA, serious=True)
        context = before_injection(patient, TODAY)
        check = confirmed_check(patient, TODAY)
        errors = check_errors(check, context)
        assert errors[None] == [
            "The serious side effect “Difficulty swallowing (serious)” after the session of "
            "25 Aug 2026 is not acknowledged yet: acknowledge it, with what was done, before "
            "the next injection."
        ]


class TestTheSessionForm:
    def post(self, client, patient, neurologist, **fields):
        data = session_post(patient=patient, injector=neurologist.pk, performed_on=TODAY, **fields)
        return client.post(new_url(patient), data)

    def test_the_checklist_is_kept_with_the_session(self, neurologist_client, neurologist):
        patient = PatientFactory(sex=Patient.Sex.FEMALE, date_of_birth=date(1990, 1, 1))
        response = self.post(neurologist_client, patient, neurologist)
        session = InjectionSession.objects.get()
        assert response.url == reverse("treatments:session_detail", args=[patient.pk, session.pk])
        check = session.pre_injection_check
        assert (check.consent_on_file, check.pregnancy, check.site_infection) == (True, "no", "no")
        assert check.checked_by == neurologist and check.history.count() == 1
        assert check.warnings[0]["reason"] == REASON
        assert session.injection_time == time(10, 0)
        page = neurologist_client.get(response.url).content.decode()
        assert "Is the patient pregnant, or could they be?</dt>" in page
        assert "Injected because: " + REASON in page

    def test_only_what_applies_is_asked(self, neurologist_client, neurologist):
        man = PatientFactory(sex=Patient.Sex.MALE, date_of_birth=date(1964, 6, 1))
        page = neurologist_client.get(new_url(man)).content.decode()
        assert "Any infection at the injection sites?" in page
        assert "pregnant" not in page and "breastfeeding" not in page.lower()
        woman = PatientFactory(sex=Patient.Sex.FEMALE, date_of_birth=date(1990, 1, 1))
        page = neurologist_client.get(new_url(woman)).content.decode()
        assert "Is the patient pregnant, or could they be?" in page

    def test_a_missing_answer_saves_nothing(self, neurologist_client, neurologist):
        patient = PatientFactory()
        response = self.post(
            neurologist_client, patient, neurologist, **{"check-site_infection": ""}
        )
        assert response.status_code == 200
        assert "Answer this question." in response.content.decode()
        assert not InjectionSession.objects.exists() and not PreInjectionCheck.objects.exists()

    def test_a_warning_without_a_reason_saves_nothing(self, neurologist_client, neurologist):
        patient = PatientFactory()
        warning = before_injection(patient, TODAY).warnings[0]
        response = self.post(
            neurologist_client, patient, neurologist, **{f"check-{warning_field(warning)}": " "}
        )
        assert "Give the reason to inject despite: NICE TA260 criteria not met" in (
            response.content.decode()
        )
        assert not InjectionSession.objects.exists()

    def test_a_contributed_warning_is_shown_and_acknowledged(
        self, neurologist_client, neurologist, standing_stop
    ):
        patient = nice_met(PatientFactory(), neurologist)
        page = neurologist_client.get(new_url(patient)).content.decode()
        assert "Treatment was stopped on 1 Nov 2026 (as of 23 Nov 2026)." in page
        self.post(neurologist_client, patient, neurologist)
        check = PreInjectionCheck.objects.get()
        assert check.warnings == [
            {
                "warning": "Treatment was stopped on 1 Nov 2026 (as of 23 Nov 2026).",
                "reason": REASON,
            }
        ]

    @pytest.mark.parametrize(
        ("reconstituted", "message"),
        [
            (f"{TODAY.isoformat()}T10:05", "after the injection at 23 Nov 2026 10:00"),
            ("2026-11-22T09:59", "must be used within 24 hours"),
        ],
    )
    def test_a_bad_vial_time_saves_nothing(
        self, neurologist_client, neurologist, reconstituted, message
    ):
        patient = PatientFactory()
        response = self.post(
            neurologist_client, patient, neurologist, reconstituted_at=reconstituted
        )
        assert message in response.content.decode()
        assert not InjectionSession.objects.exists() and not PreInjectionCheck.objects.exists()

    def test_the_last_sessions_serious_event_is_shown_with_what_was_done(
        self, neurologist_client, neurologist
    ):
        patient = PatientFactory()
        last = InjectionSessionFactory(patient=patient, performed_on=TODAY - timedelta(days=90))
        event = AdverseEventFactory(session=last, kind=AdverseEvent.Kind.DYSPHAGIA, serious=True)
        page = neurologist_client.get(new_url(patient)).content.decode()
        assert 'data-testid="serious-since-last"' in page and "What was done (required)" in page
        refused = self.post(neurologist_client, patient, neurologist)
        assert "is not acknowledged yet" in refused.content.decode()

        neurologist_client.post(
            reverse("treatments:adverse_event_acknowledge", args=[patient.pk, event.pk]),
            {
                "note": "Seen in clinic; resolved. Next session without the neck sites.",
                "next": "session",
            },
        )
        page = neurologist_client.get(new_url(patient)).content.decode()
        assert "Seen in clinic; resolved. Next session without the neck sites." in page
        data = session_post(patient=patient, injector=neurologist.pk, performed_on=TODAY)
        data.pop("check-serious_events_reviewed")
        unticked = neurologist_client.post(new_url(patient), data)
        assert "Confirm you have reviewed the serious side effects" in unticked.content.decode()
        self.post(neurologist_client, patient, neurologist)
        assert patient.sessions.get(number=2).pre_injection_check.serious_events_reviewed
