"""Registering someone we may already have: warned, nothing saved until confirmed."""

from datetime import date

import pytest
from django.urls import reverse

from patients.models import Patient
from tests.factories import PatientFactory
from tests.patients.test_views import patient_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def existing():
    return PatientFactory(
        given_name="José",
        family_name="O'Brien",
        date_of_birth=date(1985, 2, 14),
        phone="01632 960001",
        email="jose@example.org",
    )


def register(client, **fields):
    data = patient_form(**{"phone": "", "email": "", "preferred_contact": "phone", **fields})
    return client.post(reverse("patients:create"), data)


@pytest.mark.parametrize(
    "fields",
    [
        {"given_name": "Jose", "family_name": "OBrien"},  # unaccented equality
        {"given_name": "Josè", "family_name": "O'Brian"},  # similar name
        {
            "given_name": "Anna",
            "family_name": "Other",
            "date_of_birth": "1990-01-01",
            "phone": "+44 1632 960 001",
        },
        {
            "given_name": "Anna",
            "family_name": "Other",
            "date_of_birth": "1990-01-01",
            "email": "JOSE@example.org",
            "preferred_contact": "email",
        },
    ],
)
def test_a_likely_duplicate_is_shown_and_nothing_saved(front_desk_client, existing, fields):
    response = register(front_desk_client, **fields)
    assert response.status_code == 200
    html = response.text
    assert 'data-testid="duplicates"' in html
    assert reverse("patients:chart", args=[existing.pk]) in html
    assert 'name="different_person"' in html
    assert Patient.objects.count() == 1


def test_confirming_a_different_person_saves(front_desk_client, existing):
    response = register(
        front_desk_client, given_name="Jose", family_name="OBrien", different_person="on"
    )
    assert response.status_code == 302
    assert Patient.objects.count() == 2


@pytest.mark.parametrize(
    "fields",
    [
        {"given_name": "Jose", "family_name": "OBrien", "date_of_birth": "1985-02-15"},
        {"given_name": "Mary", "family_name": "Smith"},  # same birthday, another name
    ],
)
def test_someone_else_registers_without_a_warning(front_desk_client, existing, fields):
    response = register(front_desk_client, **fields)
    assert response.status_code == 302
    assert Patient.objects.count() == 2


def test_the_warning_keeps_what_was_typed_and_bad_input_still_errors(front_desk_client, existing):
    html = register(
        front_desk_client, given_name="Jose", family_name="OBrien", notes="keep me"
    ).text
    assert "keep me" in html
    html = register(front_desk_client, given_name="", family_name="OBrien").text
    assert "This field is required" in html
    assert Patient.objects.count() == 1


def test_editing_a_patient_does_not_ask(front_desk_client, existing):
    other = PatientFactory(
        date_of_birth=existing.date_of_birth, given_name="Jose", family_name="OBrien"
    )
    data = patient_form(
        given_name="Jose",
        family_name="OBrien",
        phone="",
        email="",
        preferred_contact="phone",
        mrn=other.mrn,
    )
    response = front_desk_client.post(reverse("patients:edit", args=[other.pk]), data)
    assert response.status_code == 302
