"""Patterns a neurologist defines in the admin are used like PREEMPT."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from patients.models import Diagnosis
from tests.factories import InjectionSessionFactory, PatientFactory, UserFactory
from tests.treatments.session_forms import confirmed_check
from treatments.models import InjectionSession, Protocol, ProtocolSite
from treatments.recording import SiteEntry, initial_sites, session_record

pytestmark = pytest.mark.django_db


def cluster_protocol() -> Protocol:
    protocol = Protocol.objects.create(name="Cluster (occipital)", indication=Diagnosis.CLUSTER)
    for code, side, x in [("OCC-L", "left", 40), ("OCC-R", "right", 60)]:
        ProtocolSite.objects.create(
            protocol=protocol,
            code=code,
            muscle_group="occipitalis",
            side=side,
            default_units=Decimal("25"),
            view="back",
            x=x,
            y=40,
        )
    return protocol


def record(patient, protocol, day, injector, form_token=None, **fields):
    session = InjectionSession(
        patient=patient,
        protocol=protocol,
        performed_on=day,
        injector=injector,
        lot_number="L1",
        lot_expiry=day + timedelta(days=100),
        injection_time=time(10),
        reconstituted_at=timezone.make_aware(datetime.combine(day, time(9))),
        **fields,
    )
    sites = [SiteEntry(row["protocol_site"], row["units"]) for row in initial_sites(protocol)]
    return session_record(
        session=session,
        check=confirmed_check(patient, day),
        sites=sites,
        additions=[],
        recorded_by=injector,
        form_token=form_token,
    )


def test_a_cluster_pattern_records_its_own_sites_and_units():
    injector = UserFactory()
    patient = PatientFactory(primary_diagnosis=Diagnosis.CLUSTER)
    session = record(patient, cluster_protocol(), date.today(), injector)
    assert session.units_given == Decimal("50")
    assert session.indication == Diagnosis.CLUSTER
    assert session.units_discarded == Decimal("150")


def test_the_400_unit_window_counts_every_indication():
    injector = UserFactory()
    patient = PatientFactory(primary_diagnosis=Diagnosis.CLUSTER)
    InjectionSessionFactory(
        patient=patient, performed_on=date.today() - timedelta(days=30), units_given=Decimal(360)
    )
    with pytest.raises(ValidationError, match="410.0 U within 84 days"):
        record(patient, cluster_protocol(), date.today(), injector, early_reason="Bout returned")
    assert patient.sessions.count() == 1


def test_the_admin_lists_protocols_and_their_sites(admin_client):
    protocol = cluster_protocol()
    page = admin_client.get(reverse("admin:treatments_protocol_change", args=[protocol.pk]))
    assert page.status_code == 200
    assert "OCC-L" in page.content.decode()
    assert admin_client.get(reverse("admin:treatments_costsettings_changelist")).status_code == 200
