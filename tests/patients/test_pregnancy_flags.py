"""A pregnancy or breastfeeding flag only where it can apply; the chart's NICE plural.

Our range (patients/models.py `CHILDBEARING_AGES`): anyone not recorded as male, aged 12 to 55
inclusive on the day the flag is noted. The clock stands at noon on 23 Nov 2026.
"""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from patients.models import ClinicalFlag, Eligibility, Patient
from patients.records import flag_add
from tests.clock import TODAY
from tests.factories import PatientFactory, PriorPreventiveFactory

pytestmark = [pytest.mark.django_db, pytest.mark.today(TODAY)]


@pytest.mark.parametrize("kind", [ClinicalFlag.Kind.PREGNANCY, ClinicalFlag.Kind.BREASTFEEDING])
@pytest.mark.parametrize(
    ("sex", "born", "accepted"),
    [
        (Patient.Sex.FEMALE, date(1996, 11, 23), True),  # 30
        (Patient.Sex.OTHER, date(1996, 11, 23), True),
        (Patient.Sex.UNKNOWN, date(1996, 11, 23), True),
        (Patient.Sex.MALE, date(1996, 11, 23), False),
        (Patient.Sex.FEMALE, date(2014, 11, 24), False),  # 11: 12 tomorrow
        (Patient.Sex.FEMALE, date(2014, 11, 23), True),  # 12 today
        (Patient.Sex.FEMALE, date(1970, 11, 24), True),  # 55: 56 tomorrow
        (Patient.Sex.FEMALE, date(1970, 11, 23), False),  # 56 today
    ],
)
def test_the_flag_is_accepted_only_where_it_can_apply(neurologist, kind, sex, born, accepted):
    flag = ClinicalFlag(patient=PatientFactory(sex=sex, date_of_birth=born), kind=kind)
    if accepted:
        flag_add(flag=flag, by=neurologist)
        assert ClinicalFlag.objects.get().kind == kind
    else:
        with pytest.raises(ValidationError, match="cannot apply"):
            flag_add(flag=flag, by=neurologist)
        assert not ClinicalFlag.objects.exists()


def test_a_pregnancy_flag_for_a_62_year_old_man_is_refused_with_why(neurologist_client):
    patient = PatientFactory(sex=Patient.Sex.MALE, date_of_birth=date(1964, 3, 2))
    response = neurologist_client.post(
        reverse("patients:flag_add", args=[patient.pk]),
        {"kind": "pregnancy", "noted_on": TODAY.isoformat(), "note": ""},
    )
    assert response.status_code == 200
    assert (
        "Pregnancy cannot apply: the patient is recorded as male. Check the sex and date of "
        "birth in the patient&#x27;s details." in response.content.decode()
    )
    assert not ClinicalFlag.objects.exists()


def test_the_age_is_given_when_it_rules_the_flag_out(neurologist):
    patient = PatientFactory(sex=Patient.Sex.FEMALE, date_of_birth=date(1964, 3, 2))
    with pytest.raises(ValidationError) as refused:
        flag_add(flag=ClinicalFlag(patient=patient, kind="breastfeeding"), by=neurologist)
    assert refused.value.messages == [
        "Breastfeeding cannot apply: the patient is 62 (they are asked about and recorded from "
        "age 12 to 55). Check the sex and date of birth in the patient's details."
    ]


@pytest.mark.parametrize(
    ("failed_preventives", "text"),
    [(3, "1 criterion missing or unmet."), (0, "2 criteria missing or unmet.")],
)
def test_the_chart_counts_missing_criteria_in_good_english(
    neurologist_client, neurologist, failed_preventives, text
):
    patient = PatientFactory()
    Eligibility.objects.create(
        patient=patient,
        chronic_migraine_criteria_met=True,
        medication_overuse_managed=False,
        assessed_by=neurologist,
    )
    PriorPreventiveFactory.create_batch(failed_preventives, patient=patient)
    chart = neurologist_client.get(reverse("patients:chart", args=[patient.pk])).content.decode()
    assert text in chart and "criteriona" not in chart
