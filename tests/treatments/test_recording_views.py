"""Recording, signing and amending sessions through the pages, on PostgreSQL."""

import re
from datetime import date, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest
from django.urls import reverse

from patients.models import ClinicalFlag
from tests.factories import ClinicalFlagFactory, InjectionSessionFactory
from tests.treatments.session_forms import session_post
from treatments.models import InjectedSite, InjectionSession, SessionAmendment
from treatments.protocols import preempt_protocol

pytestmark = pytest.mark.django_db


# Dates in parametrize are worked out when the test runs, not when pytest collects it
# (a run that crosses midnight would otherwise test "tomorrow" on the day itself).
TOMORROW, YESTERDAY = "tomorrow", "yesterday"
OFFSETS = {TOMORROW: 1, YESTERDAY: -1}


def on_day(value):
    if isinstance(value, str) and value in OFFSETS:
        return date.today() + timedelta(days=OFFSETS[value])
    return value


def new_url(patient):
    return reverse("treatments:session_new", args=[patient.pk])


def post_session(client, patient, neurologist, **kwargs):
    return client.post(
        new_url(patient), session_post(patient=patient, injector=neurologist.pk, **kwargs)
    )


class TestRecording:
    def test_the_form_is_prefilled_with_every_preempt_site(self, neurologist_client, patient):
        page = neurologist_client.get(new_url(patient)).content.decode()
        assert len(re.findall(r'name="site-\d+-units" value="5.0"', page)) == 31
        assert "TEM-L4" in page and "TRA-R3" in page

    def test_a_full_preempt_session_is_saved_as_cycle_1_with_155_units(
        self, neurologist_client, neurologist, patient
    ):
        response = post_session(neurologist_client, patient, neurologist)
        session = InjectionSession.objects.get()
        assert response.url == reverse("treatments:session_detail", args=[patient.pk, session.pk])
        assert (session.number, session.units_given, session.units_discarded) == (
            1,
            Decimal("155"),
            Decimal("45"),
        )
        assert session.sites.filter(skipped=False).count() == 31
        assert not session.is_signed

    def test_skipped_changed_and_follow_the_pain_sites_are_counted(
        self, neurologist_client, neurologist, patient
    ):
        post_session(
            neurologist_client,
            patient,
            neurologist,
            units={"TEM-L1": "7.5"},
            skipped=["PRO"],
            extras=[("temporalis", "left", "5"), ("trapezius", "right", "5")],
        )
        session = InjectionSession.objects.get()
        assert session.units_given == Decimal("162.5")  # 155 − 5 + 2.5 + 10
        assert session.sites.filter(skipped=True).get().protocol_site.code == "PRO"
        assert session.sites.filter(protocol_site=None).count() == 2

    def test_the_next_session_is_numbered_cycle_2(self, neurologist_client, neurologist, patient):
        InjectionSessionFactory(patient=patient, performed_on=date.today() - timedelta(days=90))
        post_session(neurologist_client, patient, neurologist)
        assert patient.sessions.order_by("number").last().number == 2


class TestBadInput:
    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({"units": {"COR-L": "-5"}}, "units must be more than zero"),
            ({"units": {"COR-L": "0"}}, "units must be more than zero"),
            ({"units": {"COR-L": "4"}}, "is not a multiple of 2.5 U"),
            ({"extras": [("cervical_paraspinal", "left", "5")]}, "Select a valid choice"),
            (
                {"extras": [("temporalis", "left", "5")] * 3},
                "3 follow-the-pain sites in Temporalis; at most 2 allowed",
            ),
            ({"performed_on": TOMORROW}, "future date"),
            ({"lot_expiry": YESTERDAY}, "an expired vial must not be used"),
            ({"units": {"TRA-L1": "50"}}, "more than the 195 U allowed"),
            ({"vial_size": "100"}, "hold only 100 U"),
            ({"units": {"COR-L": "many"}}, "Enter a number"),
        ],
    )
    def test_is_refused_with_a_clear_message_and_nothing_saved(
        self, neurologist_client, neurologist, patient, kwargs, message
    ):
        kwargs = {key: on_day(value) for key, value in kwargs.items()}
        response = post_session(neurologist_client, patient, neurologist, **kwargs)
        assert response.status_code == 200
        assert message in response.content.decode()
        assert not InjectionSession.objects.exists()
        assert not InjectedSite.objects.exists()

    def test_more_follow_the_pain_sites_than_the_protocol_allows_are_refused(
        self, neurologist_client, neurologist, patient
    ):
        extras = [("trapezius", "left", "5")] * 4 + [("temporalis", "left", "5")] * 2
        extras += [("occipitalis", "right", "5")] * 2 + [("occipitalis", "left", "5")]
        response = post_session(neurologist_client, patient, neurologist, extras=extras)
        assert "9 follow-the-pain sites entered" in response.content.decode()
        assert not InjectionSession.objects.exists()

    def test_a_site_from_another_protocol_is_refused(
        self, neurologist_client, neurologist, patient
    ):
        data = session_post(patient=patient, injector=neurologist.pk)
        data["site-0-protocol_site"] = 987654
        response = neurologist_client.post(new_url(patient), data)
        assert "is not part of the PREEMPT" in response.content.decode()
        assert not InjectionSession.objects.exists()

    def test_an_early_session_needs_a_reason(self, neurologist_client, neurologist, patient):
        InjectionSessionFactory(patient=patient, performed_on=date.today() - timedelta(days=60))
        response = post_session(neurologist_client, patient, neurologist)
        assert "Only 60 days since the last session" in response.content.decode()
        post_session(neurologist_client, patient, neurologist, early_reason="Moving abroad")
        assert patient.sessions.count() == 2

    def test_a_contraindication_refuses_until_overridden(
        self, neurologist_client, neurologist, patient
    ):
        ClinicalFlagFactory(patient=patient, kind=ClinicalFlag.Kind.HYPERSENSITIVITY)
        response = post_session(neurologist_client, patient, neurologist)
        assert "Botox is refused unless you record a reason" in response.content.decode()
        assert not InjectionSession.objects.exists()
        post_session(
            neurologist_client,
            patient,
            neurologist,
            contraindication_override="Reaction was to a different product; allergist cleared.",
        )
        assert InjectionSession.objects.exists()

    def test_the_same_form_submitted_twice_saves_one_session(
        self, neurologist_client, neurologist, patient
    ):
        data = session_post(patient=patient, injector=neurologist.pk, form_token=uuid4())
        first = neurologist_client.post(new_url(patient), data)
        second = neurologist_client.post(new_url(patient), data, follow=True)
        assert InjectionSession.objects.count() == 1
        assert second.redirect_chain[-1][0] == first.url
        assert "already been saved" in second.content.decode()


class TestSigningAndAmending:
    def record(self, client, neurologist, patient) -> InjectionSession:
        post_session(client, patient, neurologist)
        return InjectionSession.objects.get()

    def test_signing_makes_changes_amendments_that_need_a_reason(
        self, neurologist_client, neurologist, patient
    ):
        session = self.record(neurologist_client, neurologist, patient)
        neurologist_client.post(reverse("treatments:session_sign", args=[patient.pk, session.pk]))
        session.refresh_from_db()
        assert session.signed_by == neurologist
        edit = reverse("treatments:session_edit", args=[patient.pk, session.pk])
        changed = session_post(session=session, injector=neurologist.pk, lot_number="D9999")
        response = neurologist_client.post(edit, changed)
        assert "This field is required" in response.content.decode()
        session.refresh_from_db()
        assert session.lot_number == "C1234C3"

        changed["reason"] = "Wrong lot number transcribed from the vial."
        changed["site-3-units"] = "7.5"
        neurologist_client.post(edit, changed)
        session.refresh_from_db()
        amendment = SessionAmendment.objects.get()
        assert session.lot_number == "D9999" and session.units_given == Decimal("157.5")
        assert amendment.amended_by == neurologist
        assert amendment.changes["Lot number"] == ["C1234C3", "D9999"]
        assert amendment.changes["Total units"] == ["155 U", "157.5 U"]
        assert session.history.filter(lot_number="C1234C3").exists()  # the original is kept
        page = neurologist_client.get(
            reverse("treatments:session_detail", args=[patient.pk, session.pk])
        ).content.decode()
        assert "Wrong lot number transcribed" in page and "C1234C3" in page

    def test_an_amendment_still_obeys_the_dose_rules(
        self, neurologist_client, neurologist, patient
    ):
        session = self.record(neurologist_client, neurologist, patient)
        neurologist_client.post(reverse("treatments:session_sign", args=[patient.pk, session.pk]))
        changed = session_post(session=session, injector=neurologist.pk, reason="More units")
        changed["site-3-units"] = "50"
        response = neurologist_client.post(
            reverse("treatments:session_edit", args=[patient.pk, session.pk]), changed
        )
        assert "more than the 195 U allowed" in response.content.decode()
        assert not SessionAmendment.objects.exists()

    def test_an_amendment_with_bad_units_and_no_reason_shows_both_errors(
        self, neurologist_client, neurologist, patient
    ):
        session = self.record(neurologist_client, neurologist, patient)
        neurologist_client.post(reverse("treatments:session_sign", args=[patient.pk, session.pk]))
        changed = session_post(session=session, injector=neurologist.pk)
        changed["site-3-units"] = "many"
        response = neurologist_client.post(
            reverse("treatments:session_edit", args=[patient.pk, session.pk]), changed
        )
        page = response.content.decode()
        assert "Enter a number" in page and "This field is required" in page
        assert not SessionAmendment.objects.exists()

    def test_signing_twice_is_refused(self, neurologist_client, neurologist, patient):
        session = self.record(neurologist_client, neurologist, patient)
        sign = reverse("treatments:session_sign", args=[patient.pk, session.pk])
        neurologist_client.post(sign)
        response = neurologist_client.post(sign, follow=True)
        assert "Already signed by" in response.content.decode()

    def test_front_desk_sees_dates_but_no_clinical_detail(
        self, front_desk_client, neurologist, patient
    ):
        session = InjectionSessionFactory(patient=patient, lot_number="SECRETLOT")
        page = front_desk_client.get(reverse("patients:chart", args=[patient.pk])).content.decode()
        assert f"{session.performed_on:%-d %b %Y}" in page
        assert "SECRETLOT" not in page and "Record a session" not in page


def test_preempt_is_offered_by_default(neurologist_client, patient):
    page = neurologist_client.get(new_url(patient)).content.decode()
    assert str(preempt_protocol()) in page
