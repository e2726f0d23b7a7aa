"""Merging two records of one person (issue 15): every row moves, with its history, audited;
conflicts are listed and block; nothing is ever half merged."""

import uuid
from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db.models import Q, UniqueConstraint
from django.urls import reverse

from clinic.models import AuditEvent
from diaries.models import (
    Attack,
    DiaryDose,
    DiaryNudge,
    DiaryNudgeSettings,
    DiarySubmission,
    PortalInvitation,
    PushSubscription,
)
from patients.merging import (
    constraint_clashes,
    merge_plan,
    merge_records,
    records_merged,
    relations,
)
from patients.models import ClinicalFlag, Eligibility, Patient, PatientMerge
from reviews.models import IssuedLetter, ProgressSummary, ReviewSummary
from scheduling.models import (
    CallAttempt,
    CourseState,
    CourseSummary,
    Reminder,
    SlotOffer,
    WaitlistEntry,
)
from tests.clock import NOON, TODAY
from tests.factories import (
    AdverseEventFactory,
    AppointmentFactory,
    ClinicalFlagFactory,
    DiaryDayFactory,
    DiaryImportFactory,
    InjectionSessionFactory,
    IssuedLetterFactory,
    PatientFactory,
    PatientMedicineFactory,
    PortalPatientFactory,
    PriorPreventiveFactory,
    ReviewFactory,
    UserFactory,
    WaitlistEntryFactory,
)
from tests.races import race
from treatments.models import AdverseEvent, InjectionSession

pytestmark = [pytest.mark.django_db, pytest.mark.today(TODAY)]

REASON = "Registered twice: same person, same NHS letter from the GP."


def full_record(patient, neurologist, *, first_day):
    """A patient with a row in every app: sessions with side effects, diary days with doses,
    medicines, appointments, reviews with a letter, call attempts, a course state, flags,
    preventives, eligibility, a diary import."""
    for i in range(2):
        session = InjectionSessionFactory(
            patient=patient, injector=neurologist, performed_on=first_day + timedelta(days=84 * i)
        )
        AdverseEventFactory(session=session)
    medicine = PatientMedicineFactory(patient=patient)
    for i in range(3):
        day = DiaryDayFactory(patient=patient, day=first_day + timedelta(days=i))
        DiaryDose.objects.create(day=day, medicine=medicine, medicine_class=medicine.medicine_class)
    clinician = UserFactory(role="neurologist")
    appointment = AppointmentFactory(
        patient=patient, clinician=clinician, starts_at=NOON + timedelta(days=(first_day.day % 20))
    )
    Reminder.objects.create(patient=patient, appointment=appointment)
    started = NOON - timedelta(days=first_day.day % 20 + 30)
    ended = started + timedelta(hours=2)
    Attack.objects.create(patient=patient, started_at=started, ended_at=ended)
    DiaryNudge.objects.create(patient=patient, kind=DiaryNudge.Kind.DAILY, for_day=first_day)
    PushSubscription.objects.create(
        patient=patient, endpoint=f"https://push.example.org/{patient.mrn}", p256dh="k", auth="a"
    )
    DiarySubmission.objects.create(
        patient=patient,
        key=uuid.uuid4(),
        device=uuid.uuid4(),
        day=first_day,
        made_at=NOON,
        received_at=NOON,
        outcome=DiarySubmission.Outcome.SAVED,
        version=NOON,
        version_made_at=NOON,
    )
    entry = WaitlistEntryFactory(
        patient=patient, status=WaitlistEntry.Status.REMOVED, ended_at=NOON, ended_reason="Booked"
    )
    SlotOffer.objects.create(
        entry=entry,
        patient=patient,
        clinician=clinician,
        kind=entry.kind,
        starts_at=NOON - timedelta(days=3),
        ends_at=NOON - timedelta(days=3) + timedelta(minutes=20),
        state=SlotOffer.State.EXPIRED,
        expires_at=NOON - timedelta(days=4),
        offered_by=neurologist,
    )
    review = ReviewFactory(patient=patient, reviewed_by=neurologist, reviewed_on=first_day)
    IssuedLetterFactory(review=review)
    CallAttempt.objects.create(
        patient=patient, outcome="no_answer", made_by=neurologist, made_at=NOON - timedelta(days=1)
    )
    ClinicalFlagFactory(patient=patient, kind=ClinicalFlag.Kind.NEUROMUSCULAR, resolved_on=TODAY)
    PriorPreventiveFactory(patient=patient)
    DiaryImportFactory(patient=patient)
    PortalInvitation.objects.create(
        patient=patient,
        email=patient.email,
        token_hash=f"hash-{patient.mrn}",
        sent_by=neurologist,
        expires_at=NOON + timedelta(days=7),
    )
    return patient


def counts(patient):
    """Rows of every model pointing at the patient, and their child rows."""
    found = {r.label: r.rows(patient).count() for r in relations() if not r.derived}
    found["adverse events"] = AdverseEvent.objects.filter(session__patient=patient).count()
    found["diary doses"] = DiaryDose.objects.filter(day__patient=patient).count()
    found["letters"] = IssuedLetter.objects.filter(review__patient=patient).count()
    return found


@pytest.fixture
def pair(neurologist):
    kept = full_record(
        PatientFactory(given_name="Anna", family_name="Jones"),
        neurologist,
        first_day=TODAY - timedelta(days=300),
    )
    duplicate = full_record(
        PatientFactory(given_name="Ann", family_name="Jones", email="ann@example.org"),
        neurologist,
        first_day=TODAY - timedelta(days=250),
    )
    CourseState.objects.create(
        patient=duplicate,
        status="active",
        since=TODAY - timedelta(days=250),
        changed_by=neurologist,
    )
    Eligibility.objects.create(patient=duplicate, assessed_by=neurologist, assessed_on=TODAY)
    DiaryNudgeSettings.objects.create(patient=duplicate, daily=False)
    return kept, duplicate


def merge(kept, duplicate, neurologist, reason=REASON):
    return merge_records(
        kept=kept, merged=duplicate, by=neurologist, reason=reason, now=NOON + timedelta(minutes=5)
    )


def test_every_row_of_every_app_moves_to_the_kept_record(pair, neurologist):
    kept, duplicate = pair
    before_kept, before_duplicate = counts(kept), counts(duplicate)
    assert [label for label, n in before_duplicate.items() if not n] == [], before_duplicate

    record = merge(kept, duplicate, neurologist)

    after_kept, after_duplicate = counts(kept), counts(duplicate)
    assert after_kept == {k: before_kept[k] + before_duplicate[k] for k in before_kept}
    assert not any(after_duplicate.values())
    assert record.moved["diaries.DiaryDay"] == 3
    assert record.moved["treatments.InjectionSession"] == 2
    assert record.moved["scheduling.CourseState"] == 1  # only the duplicate had one
    duplicate.refresh_from_db()
    assert duplicate.status == Patient.Status.MERGED
    assert duplicate.merge == record
    assert (record.kept, record.merged_by, record.reason) == (kept, neurologist, REASON)


def test_sessions_are_renumbered_in_the_order_they_were_given(pair, neurologist):
    kept, duplicate = pair
    merge(kept, duplicate, neurologist)
    sessions = list(kept.sessions.order_by("performed_on"))
    assert [s.number for s in sessions] == [1, 2, 3, 4]
    assert sessions[1].performed_on == TODAY - timedelta(days=250)  # the duplicate's first


def test_each_moved_row_keeps_its_history_and_the_move_is_recorded_with_the_reason(
    pair, neurologist
):
    kept, duplicate = pair
    day = duplicate.diary_days.first()
    earlier = list(day.history.order_by("history_id").values_list("history_user", "history_date"))

    merge(kept, duplicate, neurologist)

    history = list(day.history.order_by("history_id"))
    assert [(h.history_user_id, h.history_date) for h in history[:-1]] == earlier
    assert history[-1].patient_id == kept.pk
    assert history[-1].history_change_reason == REASON
    assert history[-1].history_user == neurologist
    moved_event = AuditEvent.objects.get(
        object_type="diaries.diaryday", object_id=day.pk, action="change"
    )
    assert moved_event.patient_id == kept.pk
    assert moved_event.changes["patient"] == [duplicate.pk, kept.pk]
    merge_events = AuditEvent.objects.filter(object_type="patients.patientmerge")
    assert {e.patient_id for e in merge_events} == {kept.pk, duplicate.pk}
    assert duplicate.history.latest().history_change_reason == REASON


def test_the_summaries_are_right_for_the_kept_record_and_gone_for_the_merged_one(
    pair, neurologist, django_capture_on_commit_callbacks
):
    kept, duplicate = pair
    with django_capture_on_commit_callbacks(execute=True) as after_commit:
        merge(kept, duplicate, neurologist)
    assert after_commit  # the kept record's progress summary is refreshed (reviews.summaries)
    summary = CourseSummary.objects.get(patient=kept)
    assert summary.session_count == 4
    assert summary.last_session_on == TODAY - timedelta(days=250 - 84)
    assert summary.status == "active"  # the duplicate's course state moved
    for model in (CourseSummary, ReviewSummary, ProgressSummary):
        assert not model.objects.filter(patient=duplicate).exists()


def test_a_one_to_one_row_both_have_stays_with_each_record(pair, neurologist):
    kept, duplicate = pair
    Eligibility.objects.create(patient=kept, assessed_by=neurologist, assessed_on=TODAY)
    plan = merge_plan(kept, duplicate)
    assert any("eligibility" in line and "stays" in line for line in plan.outcomes)
    merge(kept, duplicate, neurologist)
    assert Eligibility.objects.filter(patient=kept).count() == 1
    assert Eligibility.objects.filter(patient=duplicate).count() == 1


@pytest.mark.parametrize(
    "clash, message",
    [
        ("diary_day", "already in the diary"),
        ("appointment", "already has an appointment at this time"),
        ("flag", "already has this flag active"),
        ("medicine", "already on the list"),
        ("session_day", "already has a session on this day"),
        ("birth", "dates of birth differ"),
    ],
)
def test_a_clash_blocks_the_merge_lists_it_and_changes_nothing(pair, neurologist, clash, message):
    kept, duplicate = pair
    if clash == "diary_day":
        DiaryDayFactory(patient=kept, day=duplicate.diary_days.first().day)
    elif clash == "appointment":
        other = duplicate.appointments.get()
        AppointmentFactory(patient=kept, starts_at=other.starts_at, ends_at=other.ends_at)
    elif clash == "flag":
        ClinicalFlagFactory(patient=kept, kind=ClinicalFlag.Kind.HYPERSENSITIVITY)
        ClinicalFlagFactory(patient=duplicate, kind=ClinicalFlag.Kind.HYPERSENSITIVITY)
    elif clash == "medicine":
        name = duplicate.medicines.get().name
        PatientMedicineFactory(patient=kept, name=name.upper())
    elif clash == "session_day":
        kept.sessions.filter(number=2).update(
            performed_on=duplicate.sessions.get(number=1).performed_on
        )
    else:
        Patient.objects.filter(pk=duplicate.pk).update(date_of_birth=TODAY - timedelta(days=9000))
        duplicate.refresh_from_db()
    before = counts(kept), counts(duplicate)

    plan = merge_plan(kept, duplicate)
    assert plan.blocked
    assert any(message in conflict["title"] for conflict in plan.conflicts)
    with pytest.raises(ValidationError) as refused:
        merge(kept, duplicate, neurologist)

    assert any(message in text for text in refused.value.messages)
    assert (counts(kept), counts(duplicate)) == before
    assert not PatientMerge.objects.exists()


def test_a_record_cannot_be_merged_into_itself(pair, neurologist):
    kept, _ = pair
    with pytest.raises(ValidationError, match="into itself"):
        merge(kept, kept, neurologist)


def test_a_merged_record_cannot_be_merged_again_nor_merged_into(pair, neurologist):
    kept, duplicate = pair
    merge(kept, duplicate, neurologist)
    third = PatientFactory()
    with pytest.raises(ValidationError, match="already been merged"):
        merge(third, duplicate, neurologist)
    with pytest.raises(ValidationError, match="already been merged"):
        merge(duplicate, third, neurologist)


def test_a_record_others_were_merged_into_is_not_merged_into_a_third(pair, neurologist):
    kept, duplicate = pair
    merge(kept, duplicate, neurologist)
    with pytest.raises(ValidationError, match="merge the other way round"):
        merge(PatientFactory(), kept, neurologist)


def test_a_merge_needs_a_reason(pair, neurologist):
    kept, duplicate = pair
    with pytest.raises(ValidationError, match="Say why"):
        merge(kept, duplicate, neurologist, reason="  ")


def test_a_failure_midway_leaves_both_records_as_they_were(pair, neurologist):
    kept, duplicate = pair
    before = counts(kept), counts(duplicate)
    summary_before = CourseSummary.objects.filter(patient__in=[kept, duplicate]).count()

    def fail(**kwargs):
        raise RuntimeError("the disk is full")

    records_merged.connect(fail, dispatch_uid="test-fail")
    try:
        with pytest.raises(RuntimeError):
            merge(kept, duplicate, neurologist)
    finally:
        records_merged.disconnect(dispatch_uid="test-fail")

    assert (counts(kept), counts(duplicate)) == before
    duplicate.refresh_from_db()
    assert duplicate.status == Patient.Status.ACTIVE
    assert CourseSummary.objects.filter(patient__in=[kept, duplicate]).count() == summary_before
    assert not PatientMerge.objects.exists()
    assert not AuditEvent.objects.filter(object_type="patients.patientmerge").exists()


def test_the_duplicates_portal_account_moves_when_the_kept_record_has_none(neurologist, rf):
    kept = PatientFactory()
    duplicate = PortalPatientFactory()
    account = duplicate.user
    plan = merge_plan(kept, duplicate)
    assert any("moves to the kept record" in line for line in plan.outcomes)
    merge(kept, duplicate, neurologist)
    kept.refresh_from_db()
    assert kept.user == account
    assert Patient.objects.get(user=account) == kept


def test_with_two_portal_accounts_the_duplicates_is_detached_and_cannot_log_in(
    neurologist, rf, client
):
    kept = PortalPatientFactory()
    duplicate = PortalPatientFactory()
    theirs = duplicate.user
    merge(kept, duplicate, neurologist)
    theirs.refresh_from_db()
    kept.refresh_from_db()
    assert not theirs.is_active
    assert not Patient.objects.filter(user=theirs).exists()
    assert kept.user is not None and kept.user != theirs
    assert (
        authenticate(rf.post("/"), username=theirs.username, password="correct-horse-battery")
        is None
    )


# The pages.


def test_only_a_neurologist_may_merge(front_desk_client, patient_client, patient, other_patient):
    url = reverse("patients:merge", args=[patient.pk])
    assert front_desk_client.get(url).status_code == 403
    assert (
        front_desk_client.post(url, {"other": other_patient.pk, "reason": "x"}).status_code == 403
    )
    assert patient_client.get(url).status_code == 403
    assert Patient.objects.get(pk=other_patient.pk).status != Patient.Status.MERGED


def test_unknown_or_malformed_records_are_not_found(neurologist_client, patient):
    url = reverse("patients:merge", args=[patient.pk])
    assert neurologist_client.get(url, {"other": 987654321}).status_code == 404
    assert neurologist_client.post(url, {"other": "x", "reason": "r"}).status_code == 404
    assert neurologist_client.get(reverse("patients:merge", args=[987654321])).status_code == 404


def test_the_pick_page_lists_likely_duplicates_and_finds_others(neurologist_client, pair):
    kept, duplicate = pair
    url = reverse("patients:merge", args=[kept.pk])
    page = neurologist_client.get(url).content.decode()
    assert f"?other={duplicate.pk}" in page  # same birth date and a similar name
    found = neurologist_client.get(url, {"q": duplicate.email}).content.decode()
    assert "search-results" in found and f"?other={duplicate.pk}" in found


def test_the_preview_shows_both_records_counts_and_what_happens(
    neurologist_client, pair, django_assert_max_num_queries
):
    kept, duplicate = pair
    url = reverse("patients:merge", args=[kept.pk])
    with django_assert_max_num_queries(60):
        page = neurologist_client.get(url, {"other": duplicate.pk}).content.decode()
    assert duplicate.mrn in page and kept.mrn in page
    assert "Diary days" in page and "Injection sessions" in page and "Appointments" in page
    assert "renumbered" in page
    assert "Why these records are one person" in page
    assert not Patient.objects.filter(status=Patient.Status.MERGED).exists()  # a GET writes nothing


def test_the_preview_of_a_record_into_itself_says_so_and_offers_no_merge(
    neurologist_client, patient
):
    page = neurologist_client.get(
        reverse("patients:merge", args=[patient.pk]), {"other": patient.pk}
    ).content.decode()
    assert "cannot be merged into itself" in page
    assert "Why these records are one person" not in page


def test_confirming_merges_and_a_second_submit_merges_nothing_twice(
    neurologist_client, pair, neurologist
):
    kept, duplicate = pair
    url = reverse("patients:merge", args=[kept.pk])
    data = {"other": duplicate.pk, "reason": REASON}
    response = neurologist_client.post(url, data, follow=True)
    assert response.redirect_chain[-1][0] == reverse("patients:chart", args=[kept.pk])
    assert "was merged into this record" in response.content.decode()
    again = neurologist_client.post(url, data, follow=True)
    assert "already merged into this record" in again.content.decode()
    assert PatientMerge.objects.count() == 1


def test_a_blocked_merge_shows_the_conflicts_and_no_form(neurologist_client, pair):
    kept, duplicate = pair
    DiaryDayFactory(patient=kept, day=duplicate.diary_days.first().day)
    url = reverse("patients:merge", args=[kept.pk])
    page = neurologist_client.get(url, {"other": duplicate.pk}).content.decode()
    assert "Correct these first" in page and "already in the diary" in page
    assert "Why these records are one person" not in page
    response = neurologist_client.post(url, {"other": duplicate.pk, "reason": REASON})
    assert response.status_code == 200 and "already in the diary" in response.content.decode()
    assert not PatientMerge.objects.exists()


def test_a_merged_record_links_to_the_kept_one_and_cannot_be_found_booked_or_edited(
    neurologist_client, front_desk_client, pair, neurologist
):
    kept, duplicate = pair
    merge(kept, duplicate, neurologist)
    chart = front_desk_client.get(reverse("patients:chart", args=[duplicate.pk])).content.decode()
    assert "This record was merged into" in chart
    assert reverse("patients:chart", args=[kept.pk]) in chart
    for name in ("patients:edit", "schedule:book", "patients:merge"):
        assert front_desk_client.get(reverse(name, args=[duplicate.pk])).status_code in (403, 404)
    assert neurologist_client.get(reverse("patients:edit", args=[duplicate.pk])).status_code == 404
    found = front_desk_client.get(reverse("patients:list"), {"q": "Jones"}).content.decode()
    assert kept.mrn in found and duplicate.mrn not in found
    listed = front_desk_client.get(reverse("patients:list"), {"status": "merged"}).content.decode()
    assert duplicate.mrn in listed


@pytest.mark.django_db(transaction=True)
def test_two_merges_at_once_merge_once(neurologist):
    """A double submit that arrives at the same moment, and two people merging the pair the
    opposite ways: the second waits for the first and is refused."""
    kept, duplicate = PatientFactory(), PatientFactory()
    InjectionSessionFactory(patient=duplicate, injector=neurologist)
    results = race(
        lambda: merge(kept, duplicate, neurologist),
        lambda: merge(kept, duplicate, neurologist),
        lambda: merge(duplicate, kept, neurologist),
        expected=(ValidationError,),
    )
    assert sum(isinstance(result, PatientMerge) for result in results) == 1
    assert PatientMerge.objects.count() == 1
    assert InjectionSession.objects.filter(patient__status=Patient.Status.MERGED).count() == 0


def test_only_the_summaries_the_triggers_compute_are_treated_as_derived():
    """A derived row of the merged record is deleted, not moved: a new one-to-one model without
    history must be looked at (derived, or give it history) before it lands here."""
    assert {r.label for r in relations() if r.derived} == {
        "scheduling.CourseSummary",
        "reviews.ReviewSummary",
        "reviews.ProgressSummary",
    }


def test_the_merged_records_access_log_is_still_open_to_a_neurologist(
    neurologist_client, pair, neurologist
):
    kept, duplicate = pair
    merge(kept, duplicate, neurologist)
    chart = neurologist_client.get(reverse("patients:chart", args=[duplicate.pk])).content.decode()
    log = reverse("patients:access_log", args=[duplicate.pk])
    assert log in chart
    assert neurologist_client.get(log).status_code == 200


def test_a_constraint_on_the_patient_alone_clashes_when_both_records_have_a_row(neurologist):
    """E.g. one waiting waitlist entry per patient: a condition and no other field."""
    kept, duplicate = PatientFactory(), PatientFactory()
    one_booked = UniqueConstraint(
        fields=["patient"], condition=Q(outcome="booked"), name="one_booked_call"
    )
    calls = next(r for r in relations() if r.label == "scheduling.CallAttempt")
    for patient, outcome in ((kept, "booked"), (duplicate, "booked"), (duplicate, "no_answer")):
        CallAttempt.objects.create(
            patient=patient, outcome=outcome, made_by=neurologist, made_at=NOON
        )
    clashes = constraint_clashes(calls, one_booked, kept, duplicate)
    assert [c.outcome for c in clashes] == ["booked"]
    CallAttempt.objects.filter(patient=kept).update(outcome="called")
    assert not constraint_clashes(calls, one_booked, kept, duplicate).exists()
