"""An optional national identifier on the patient; an NHS number must pass its check digit."""

import pytest
from django.urls import reverse

from patients.models import Patient, nhs_number_valid
from tests.patients.test_views import patient_form

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "number, valid",
    [("9434765919", True), ("9434765918", False), ("4010232137", True), ("123456789", False)],
)
def test_the_nhs_number_check_digit(number, valid):
    assert nhs_number_valid(number) is valid


def test_an_nhs_number_is_kept_as_its_digits_and_shown_in_groups(front_desk_client):
    data = patient_form(national_id_kind="nhs", national_id=" 943 476 5919 ")
    front_desk_client.post(reverse("patients:create"), data)
    patient = Patient.objects.get()
    assert patient.national_id == "9434765919"
    assert patient.national_id_display == "943 476 5919"


@pytest.mark.parametrize(
    "kind, number, field, message",
    [
        ("nhs", "943 476 5918", "national_id", "its check digit is wrong"),
        ("nhs", "94347659", "national_id", "An NHS number has 10 digits"),
        ("other", "", "national_id", "Give the identifier, or choose none."),
        ("", "AB123456C", "national_id_kind", "Say what kind of identifier this is."),
    ],
)
def test_a_bad_identifier_is_a_clear_form_error(front_desk_client, kind, number, field, message):
    data = patient_form(national_id_kind=kind, national_id=number)
    response = front_desk_client.post(reverse("patients:create"), data)
    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    assert not Patient.objects.exists()


def test_another_kind_of_identifier_is_kept_as_written(front_desk_client):
    data = patient_form(national_id_kind="other", national_id="AB 12 34 56 C")
    front_desk_client.post(reverse("patients:create"), data)
    assert Patient.objects.get().national_id_display == "AB 12 34 56 C"
