from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import InjectionSessionFactory
from treatments.models import CostSettings
from treatments.pricing import session_cost, yearly_quote

pytestmark = pytest.mark.django_db


def prices(**overrides) -> CostSettings:
    settings = CostSettings.current()
    for name, value in overrides.items():
        setattr(settings, name, value)
    settings.save()
    return settings


def test_a_session_costs_its_billed_units_plus_the_fee():
    session = InjectionSessionFactory(units_given=Decimal(155), units_discarded=Decimal(45))
    billed = prices(price_per_unit=Decimal("4.00"), administration_fee=Decimal("100"))
    assert session_cost(session, billed) == Decimal("900.00")  # 200 U × £4 + £100
    unbilled = prices(bill_discarded_units=False)
    assert session_cost(session, unbilled) == Decimal("720.00")  # 155 U × £4 + £100


def test_the_yearly_quote_covers_4_35_sessions_and_review_visits():
    quote = yearly_quote(
        None,
        prices(
            price_per_unit=Decimal("4.00"),
            administration_fee=Decimal("100"),
            review_visit_fee=Decimal("120"),
            review_visits_per_year=2,
        ),
    )
    amounts = [line.amount for line in quote.lines]
    # 155 U and 45 U discarded × 4.35 sessions × £4; 4.35 fees of £100; 2 reviews of £120
    assert amounts == [Decimal("2697.00"), Decimal("783.00"), Decimal("435.00"), Decimal("240.00")]
    assert quote.total == Decimal("4155.00")


def test_the_quote_page_plans_from_the_latest_session(front_desk_client, patient):
    InjectionSessionFactory(patient=patient, units_given=Decimal(195), units_discarded=Decimal(5))
    page = front_desk_client.get(reverse("treatments:quote", args=[patient.pk])).content.decode()
    assert "195 U a session" in page
    assert "Estimated total for 12 months" in page


def test_the_after_care_sheet_gives_the_instructions_and_next_due_date(front_desk_client, patient):
    session = InjectionSessionFactory(patient=patient, performed_on=date(2026, 1, 5))
    page = front_desk_client.get(
        reverse("treatments:aftercare", args=[patient.pk, session.pk])
    ).content.decode()
    assert "next treatment is due on 30 Mar 2026" in page
    for advice in ("4 hours", "24 hours", "heavy exercise", "difficulty breathing"):
        assert advice in page
