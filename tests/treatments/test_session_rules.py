"""The dose, product and interval rules of DOMAIN.md §1, enforced by the model on PostgreSQL."""

from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from patients.models import ClinicalFlag, Diagnosis
from tests.factories import (
    AdverseEventFactory,
    ClinicalFlagFactory,
    InjectionSessionFactory,
    PatientFactory,
)
from treatments.models import AdverseEvent, InjectedSite

pytestmark = pytest.mark.django_db


def unsaved_session(**overrides):
    """A new session as recorded today: injected at 10:00, the vial made up at 09:00."""
    return InjectionSessionFactory.build(
        patient=overrides.pop("patient", None) or PatientFactory(),
        injector=InjectionSessionFactory().injector,
        injection_time=overrides.pop("injection_time", time(10)),
        **overrides,
    )


def messages_of(session) -> str:
    with pytest.raises(ValidationError) as refused:
        session.full_clean()
    return " ".join(refused.value.messages)


def test_a_standard_preempt_session_passes():
    session = unsaved_session()
    session.recorded_by = session.injector
    session.full_clean()


def test_more_than_195_units_is_refused_for_chronic_migraine():
    session = unsaved_session(units_given=Decimal("200"), units_discarded=Decimal("0"))
    assert "more than the 195 U allowed" in messages_of(session)


def test_an_expired_lot_is_refused():
    today = date.today()
    session = unsaved_session(performed_on=today, lot_expiry=today - timedelta(days=1))
    assert "an expired vial must not be used" in messages_of(session)


def test_a_future_date_is_refused():
    session = unsaved_session(performed_on=date.today() + timedelta(days=1))
    assert "future date" in messages_of(session)


def test_more_units_than_the_vials_hold_is_refused():
    session = unsaved_session(vial_size=100, vials_used=1)
    assert "hold only 100 U" in messages_of(session)


def test_an_early_session_needs_a_reason():
    patient = PatientFactory()
    today = date.today()
    InjectionSessionFactory(patient=patient, performed_on=today - timedelta(days=70))
    session = unsaved_session(patient=patient, performed_on=today, number=2)
    assert "Only 70 days since the last session" in messages_of(session)
    session.early_reason = "Travelling abroad for three months."
    session.full_clean(exclude=["recorded_by"])


def test_more_than_400_units_in_84_days_is_refused_for_off_label_doses():
    patient = PatientFactory(primary_diagnosis=Diagnosis.CLUSTER)
    today = date.today()
    InjectionSessionFactory(
        patient=patient, performed_on=today - timedelta(days=50), units_given=Decimal("250")
    )
    session = unsaved_session(
        patient=patient,
        performed_on=today,
        number=2,
        units_given=Decimal("200"),
        early_reason="Cluster bout",
    )
    assert "at most 400 U may be given in any 84-day window" in messages_of(session)


def test_precautions_must_be_acknowledged():
    patient = PatientFactory()
    ClinicalFlagFactory(patient=patient, kind=ClinicalFlag.Kind.BREASTFEEDING)
    session = unsaved_session(patient=patient)
    assert "confirm you have considered them" in messages_of(session)
    session.precautions_acknowledged = True
    session.full_clean(exclude=["recorded_by"])


def test_a_contraindication_refuses_unless_overridden_with_a_reason():
    patient = PatientFactory()
    ClinicalFlagFactory(patient=patient, kind=ClinicalFlag.Kind.SITE_INFECTION)
    session = unsaved_session(patient=patient)
    assert "Botox is refused unless you record a reason" in messages_of(session)
    session.contraindication_override = "Infection is at the chin, far from every site."
    session.full_clean(exclude=["recorded_by"])


def test_a_resolved_contraindication_no_longer_refuses():
    patient = PatientFactory()
    ClinicalFlagFactory(
        patient=patient,
        kind=ClinicalFlag.Kind.SITE_INFECTION,
        noted_on=date.today() - timedelta(days=30),
        resolved_on=date.today(),
    )
    unsaved_session(patient=patient).full_clean(exclude=["recorded_by"])


class TestDatabaseConstraints:
    def test_units_off_the_2_5_step_are_refused_by_postgresql(self):
        session = InjectionSessionFactory()
        with pytest.raises(IntegrityError):
            InjectedSite.objects.create(
                session=session, muscle_group="trapezius", side="left", units=Decimal("3")
            )

    def test_a_given_site_with_zero_units_is_refused_by_postgresql(self):
        session = InjectionSessionFactory()
        with pytest.raises(IntegrityError):
            InjectedSite.objects.create(
                session=session, muscle_group="trapezius", side="left", units=Decimal("0")
            )

    def test_two_sessions_with_the_same_cycle_number_are_refused(self):
        first = InjectionSessionFactory(performed_on=date.today() - timedelta(days=100))
        with pytest.raises(IntegrityError):
            InjectionSessionFactory(patient=first.patient, number=1)


class TestAdverseEvents:
    def test_spread_of_toxin_effect_is_always_serious(self):
        event = AdverseEventFactory.build(
            session=InjectionSessionFactory(), kind=AdverseEvent.Kind.DYSPHAGIA
        )
        event.recorded_by = event.session.injector
        event.full_clean()
        assert event.serious and event.needs_acknowledgement

    def test_other_needs_a_description(self):
        event = AdverseEventFactory.build(
            session=InjectionSessionFactory(), kind=AdverseEvent.Kind.OTHER
        )
        event.recorded_by = event.session.injector
        with pytest.raises(ValidationError, match="Describe the side effect"):
            event.full_clean()

    def test_a_side_effect_cannot_start_before_the_session(self):
        session = InjectionSessionFactory()
        event = AdverseEventFactory.build(
            session=session,
            recorded_by=session.injector,
            onset_on=session.performed_on - timedelta(days=1),
        )
        with pytest.raises(ValidationError, match="cannot start before"):
            event.full_clean()
