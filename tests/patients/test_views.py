from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from patients.models import ClinicalFlag, Patient
from tests.factories import ClinicalFlagFactory, PatientFactory, PriorPreventiveFactory

pytestmark = pytest.mark.django_db


def patient_form(**overrides) -> dict:
    data = {
        "mrn": "",
        "given_name": "Jane",
        "family_name": "Doe",
        "date_of_birth": "1985-02-14",
        "sex": "female",
        "phone": "+44 7700 900123",
        "email": "Jane.Doe@Example.org",
        "preferred_contact": "email",
        "language": "es",
        "address": "1 High Street",
        "referring_clinician": "Dr Mason",
        "primary_diagnosis": "chronic_migraine",
        "diagnosis_date": "2020-01-10",
        "status": "referred",
        "consent_date": "",
        "consent_taken_by": "",
        "notes": "",
    }
    return {**data, **overrides}


class TestCreatingPatients:
    def test_front_desk_adds_a_patient_and_gets_a_generated_mrn(self, front_desk_client):
        response = front_desk_client.post(reverse("patients:create"), patient_form(), follow=True)
        patient = Patient.objects.get()
        assert patient.mrn.startswith("HC")
        assert patient.email == "jane.doe@example.org"
        assert patient.language == "es"
        assert "Español" in front_desk_client.get(reverse("patients:chart", args=[patient.pk])).text
        assert f"MRN {patient.mrn}" in response.content.decode()

    def test_generated_mrns_are_distinct(self, front_desk_client):
        front_desk_client.post(reverse("patients:create"), patient_form())
        front_desk_client.post(
            reverse("patients:create"), patient_form(given_name="John", different_person="on")
        )
        assert len(set(Patient.objects.values_list("mrn", flat=True))) == 2

    def test_a_given_mrn_is_kept_in_capitals(self, neurologist_client):
        neurologist_client.post(reverse("patients:create"), patient_form(mrn="ab-123"))
        assert Patient.objects.get().mrn == "AB-123"

    def test_duplicate_mrn_is_refused(self, front_desk_client):
        PatientFactory(mrn="AB-123")
        response = front_desk_client.post(reverse("patients:create"), patient_form(mrn="ab-123"))
        assert response.status_code == 200
        assert "MRN already exists" in response.content.decode()
        assert Patient.objects.count() == 1

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("date_of_birth", "2999-01-01", "cannot be in the future"),
            ("date_of_birth", "31/02/1980", "Enter a valid date"),
            ("email", "not-an-email", "Enter a valid email address"),
            ("phone", "call me", "Enter a phone number"),
            ("given_name", "", "This field is required"),
            ("family_name", "", "This field is required"),
            ("primary_diagnosis", "flu", "Select a valid choice"),
            ("mrn", "bad mrn!", "capital letters, digits or dashes"),
        ],
    )
    def test_bad_input_shows_an_error_and_saves_nothing(
        self, front_desk_client, field, value, message
    ):
        response = front_desk_client.post(
            reverse("patients:create"), patient_form(**{field: value})
        )
        assert response.status_code == 200
        assert message in response.content.decode()
        assert not Patient.objects.exists()

    def test_consent_before_birth_is_refused(self, neurologist_client, neurologist):
        response = neurologist_client.post(
            reverse("patients:create"),
            patient_form(consent_date="1980-01-01", consent_taken_by=neurologist.pk),
        )
        assert "Consent cannot be dated before the date of birth" in response.content.decode()
        assert not Patient.objects.exists()


class TestEditingPatients:
    def test_edit_keeps_who_changed_what(self, front_desk_client, front_desk):
        patient = PatientFactory(phone="01234 567890")
        form = patient_form(mrn=patient.mrn, phone="07700 900999")
        response = front_desk_client.post(reverse("patients:edit", args=[patient.pk]), form)
        assert response.status_code == 302
        patient.refresh_from_db()
        assert patient.phone == "07700 900999"
        latest, previous = patient.history.all()[:2]
        assert latest.history_user == front_desk
        assert previous.phone == "01234 567890"

    def test_invalid_edit_changes_nothing(self, front_desk_client):
        patient = PatientFactory(given_name="Keep")
        front_desk_client.post(
            reverse("patients:edit", args=[patient.pk]),
            patient_form(mrn=patient.mrn, given_name="Changed", email="broken@"),
        )
        patient.refresh_from_db()
        assert patient.given_name == "Keep"


class TestPatientList:
    def test_search_by_name_mrn_and_date_of_birth(self, front_desk_client):
        ada = PatientFactory(given_name="Ada", family_name="Lovelace", mrn="HC000777")
        born = PatientFactory(given_name="Bo", family_name="Born", date_of_birth="1970-03-04")
        PatientFactory(given_name="Cy", family_name="Other")
        url = reverse("patients:list")

        def found(q):
            response = front_desk_client.get(url, {"q": q})
            return {p.pk for p in response.context["page"]}

        assert found("lovelace") == {ada.pk}
        assert found("ada love") == {ada.pk}
        assert found("000777") == {ada.pk}  # the MRN's last digits
        assert found("hc000777") == {ada.pk}
        assert found("LOVE") == {ada.pk}  # the start of a name word
        assert found("velace") == set()  # not the middle of one
        assert found("1970-03-04") == {born.pk}
        assert found("04/03/1970") == {born.pk}
        assert found("nobody") == set()
        assert found("o'brien & | !") == set()  # punctuation is not query syntax
        hyphen = PatientFactory(given_name="Anne-Marie", family_name="O'Brien")
        assert found("marie") == {hyphen.pk}
        assert found("o'brien") == {hyphen.pk}

    def test_filters_by_status_and_diagnosis(self, front_desk_client):
        cluster = PatientFactory(primary_diagnosis="cluster", status="paused")
        PatientFactory(primary_diagnosis="cluster", status="active")
        PatientFactory(primary_diagnosis="chronic_migraine", status="paused")
        response = front_desk_client.get(
            reverse("patients:list"), {"status": "paused", "diagnosis": "cluster"}
        )
        assert [p.pk for p in response.context["page"]] == [cluster.pk]

    def test_empty_search_says_what_to_do(self, front_desk_client):
        response = front_desk_client.get(reverse("patients:list"), {"q": "zzz"})
        assert "No patients match this search" in response.content.decode()

    def test_bad_filter_values_do_not_break_the_page(self, front_desk_client):
        response = front_desk_client.get(
            reverse("patients:list"), {"status": "nonsense", "sort": "evil", "page": "x"}
        )
        assert response.status_code == 200
        assert "were not understood" in response.content.decode()

    def test_sorted_and_paginated(self, front_desk_client):
        for n in range(30):
            PatientFactory(family_name=f"Name{n:02d}")
        response = front_desk_client.get(reverse("patients:list"), {"sort": "-name", "page": 2})
        names = [p.family_name for p in response.context["page"]]
        assert names == [f"Name{n:02d}" for n in range(4, -1, -1)]
        assert "Page 2 of 2" in response.content.decode()

    @pytest.mark.parametrize("size", [5, 50])
    def test_list_queries_do_not_grow_with_patients(
        self, front_desk_client, django_assert_max_num_queries, size
    ):
        for patient in PatientFactory.create_batch(size):
            ClinicalFlagFactory(patient=patient)
        # session, user, groups (role), count, page of patients with flag counts
        with django_assert_max_num_queries(5):
            front_desk_client.get(reverse("patients:list"))


class TestChart:
    def test_warning_banner_shows_active_flags_to_staff(self, front_desk_client):
        patient = PatientFactory()
        ClinicalFlagFactory(patient=patient, kind=ClinicalFlag.Kind.HYPERSENSITIVITY)
        ClinicalFlagFactory(patient=patient, kind=ClinicalFlag.Kind.BREASTFEEDING)
        ClinicalFlagFactory(
            patient=patient,
            kind=ClinicalFlag.Kind.PREGNANCY,
            noted_on=timezone.localdate() - timedelta(days=300),
            resolved_on=timezone.localdate(),
        )
        page = front_desk_client.get(reverse("patients:chart", args=[patient.pk])).content.decode()
        assert "Contraindication:</strong>" in page and "Hypersensitivity" in page
        assert "Precaution:</strong>" in page and "Breastfeeding" in page
        assert "Pregnancy" not in page  # resolved

    def test_banner_also_shows_on_the_edit_page(self, front_desk_client):
        patient = PatientFactory()
        ClinicalFlagFactory(patient=patient, kind=ClinicalFlag.Kind.NEUROMUSCULAR)
        page = front_desk_client.get(reverse("patients:edit", args=[patient.pk])).content.decode()
        assert "Neuromuscular disease" in page

    def test_front_desk_sees_no_clinical_sections(self, front_desk_client):
        patient = PatientFactory()
        PriorPreventiveFactory(patient=patient, name="Topiramate")
        page = front_desk_client.get(reverse("patients:chart", args=[patient.pk])).content.decode()
        assert "Topiramate" not in page
        assert "Eligibility" not in page
        assert "Headache diary" not in page

    def test_neurologist_sees_eligibility_and_what_is_missing(self, neurologist_client):
        patient = PatientFactory()
        PriorPreventiveFactory(patient=patient, name="Topiramate")
        page = neurologist_client.get(reverse("patients:chart", args=[patient.pk])).content.decode()
        assert "Topiramate" in page
        assert "NICE criteria not met" in page
        assert "1 recorded as failed" in page

    def test_empty_sections_say_what_to_do(self, neurologist_client):
        page = neurologist_client.get(
            reverse("patients:chart", args=[PatientFactory().pk])
        ).content.decode()
        assert "No injection sessions recorded yet" in page
        assert "No prior preventive medicines recorded" in page

    def test_off_label_diagnosis_is_marked(self, front_desk_client):
        patient = PatientFactory(primary_diagnosis="cluster")
        page = front_desk_client.get(reverse("patients:chart", args=[patient.pk])).content.decode()
        assert "Off-label: Cluster headache" in page

    @pytest.mark.parametrize("size", [1, 10])
    def test_chart_queries_are_bounded(
        self, neurologist_client, django_assert_max_num_queries, size
    ):
        patient = PatientFactory()
        PriorPreventiveFactory.create_batch(size, patient=patient)
        for kind in list(ClinicalFlag.Kind)[: min(size, 6)]:
            ClinicalFlagFactory(patient=patient, kind=kind)
        # session, user, groups, patient, flags, preventives, the audit event of this view
        # + sessions section: sessions with their side effects
        # + appointments section: appointments, next injection due (course summary), waitlist entry
        # + progress section: sessions, reported baseline, the review due (review summary)
        # + diary sections: last invitation, late/transcribed counts, summary, overuse windows
        # + access-log section
        with django_assert_max_num_queries(19):
            neurologist_client.get(reverse("patients:chart", args=[patient.pk]))


class TestClinicalRecords:
    def test_neurologist_records_eligibility(self, neurologist_client, neurologist):
        patient = PatientFactory()
        response = neurologist_client.post(
            reverse("patients:eligibility", args=[patient.pk]),
            {
                "chronic_migraine_criteria_met": "True",
                "headache_days_per_month": "20",
                "migraine_days_per_month": "12",
                "medication_overuse_managed": "True",
                "assessed_on": timezone.localdate().isoformat(),
                "notes": "",
            },
        )
        assert response.status_code == 302
        assert patient.eligibility.chronic_migraine_criteria_met is True
        assert patient.eligibility.assessed_by == neurologist

    def test_more_migraine_days_than_headache_days_is_refused(self, neurologist_client):
        patient = PatientFactory()
        response = neurologist_client.post(
            reverse("patients:eligibility", args=[patient.pk]),
            {
                "headache_days_per_month": "10",
                "migraine_days_per_month": "12",
                "assessed_on": timezone.localdate().isoformat(),
            },
        )
        assert "Migraine days cannot exceed headache days" in response.content.decode()
        assert not hasattr(Patient.objects.get(pk=patient.pk), "eligibility")

    def test_preventive_that_stops_before_it_starts_is_refused(self, neurologist_client):
        patient = PatientFactory()
        response = neurologist_client.post(
            reverse("patients:preventive_add", args=[patient.pk]),
            {
                "name": "Topiramate",
                "started_on": "2024-05-01",
                "stopped_on": "2024-01-01",
                "stop_reason": "no_effect",
            },
        )
        assert "cannot stop before it started" in response.content.decode()
        assert not patient.prior_preventives.exists()

    def test_deleted_preventive_stays_in_history(self, neurologist_client, neurologist):
        preventive = PriorPreventiveFactory(name="Pizotifen")
        neurologist_client.post(
            reverse("patients:preventive_delete", args=[preventive.patient_id, preventive.pk])
        )
        assert not preventive.patient.prior_preventives.exists()
        deleted = preventive.history.model.objects.filter(id=preventive.pk, history_type="-").get()
        assert deleted.name == "Pizotifen"
        assert deleted.history_user == neurologist

    def test_the_same_flag_cannot_be_active_twice(self, neurologist_client, neurologist):
        patient = PatientFactory()
        ClinicalFlagFactory(patient=patient, kind=ClinicalFlag.Kind.PREGNANCY)
        response = neurologist_client.post(
            reverse("patients:flag_add", args=[patient.pk]),
            {"kind": "pregnancy", "noted_on": timezone.localdate().isoformat(), "note": ""},
        )
        assert "already has this flag active" in response.content.decode()
        assert patient.flags.count() == 1

    def test_resolving_a_flag_removes_the_banner(self, neurologist_client):
        flag = ClinicalFlagFactory(kind=ClinicalFlag.Kind.SITE_INFECTION)
        neurologist_client.post(reverse("patients:flag_resolve", args=[flag.patient_id, flag.pk]))
        flag.refresh_from_db()
        assert flag.resolved_on == timezone.localdate()
        page = neurologist_client.get(reverse("patients:chart", args=[flag.patient_id]))
        assert b"contraindication-banner" not in page.content
