"""DOMAIN.md §3 definitions, each proved against a small diary counted by hand."""

from datetime import date, timedelta
from fractions import Fraction

import pytest

from diaries.metrics import (
    diary_counts,
    diary_counts_for_patients,
    last_28_days,
    medication_overuse,
    medication_overuse_for_patients,
)
from diaries.models import DiaryDose, MedicineClass
from tests.factories import DiaryDayFactory, PatientFactory, PatientMedicineFactory

pytestmark = pytest.mark.django_db

START = date(2026, 3, 1)
END = date(2026, 3, 28)  # a 28-day window


def log(patient, day: date, meds=(), **fields):
    """One diary day; `meds` is a list of (medicine, doses)."""
    entry = DiaryDayFactory(patient=patient, day=day, **fields)
    for medicine, doses in meds:
        DiaryDose.objects.create(
            day=entry, medicine=medicine, medicine_class=medicine.medicine_class, doses=doses
        )
    return entry


def medicine(patient, medicine_class: str, name: str | None = None):
    return PatientMedicineFactory(
        patient=patient, medicine_class=medicine_class, name=name or medicine_class.title()
    )


def test_headache_days_count_entries_with_a_headache_and_days_logged_count_every_entry():
    patient = PatientFactory()
    for offset in range(3):
        log(patient, START + timedelta(days=offset), headache=True, severity="mild")
    log(patient, START + timedelta(days=5))
    log(patient, START + timedelta(days=6))
    counts = diary_counts(patient, START, END)
    assert (counts.headache_days, counts.days_logged) == (3, 5)


def test_the_window_includes_both_ends_and_nothing_outside():
    patient = PatientFactory()
    for day in (START - timedelta(days=1), START, END, END + timedelta(days=1)):
        log(patient, day, headache=True, severity="severe")
    counts = diary_counts(patient, START, END)
    assert (counts.headache_days, counts.days_logged, counts.days_in_window) == (2, 2, 28)


def test_moderate_severe_days_count_moderate_and_severe_headaches_only():
    patient = PatientFactory()
    for offset, severity in enumerate(["mild", "moderate", "severe", "mild"]):
        log(patient, START + timedelta(days=offset), headache=True, severity=severity)
    assert diary_counts(patient, START, END).moderate_severe_days == 2


MIGRAINE_CASES = [
    # (features of one day, medicine class taken or None, counted as a migraine day?)
    ({"aura": True}, None, True),
    ({"one_sided": True, "pulsating": True, "nausea_vomiting": True}, None, True),
    (
        {
            "one_sided": True,
            "severity": "moderate",
            "light_sensitivity": True,
            "sound_sensitivity": True,
        },
        None,
        True,
    ),
    ({"worse_with_activity": True, "severity": "severe", "nausea_vomiting": True}, None, True),
    # light without sound is not enough, and nothing else accompanies it
    ({"one_sided": True, "pulsating": True, "light_sensitivity": True}, None, False),
    # only one of the four pain features (mild severity is not one of them)
    ({"one_sided": True, "nausea_vomiting": True}, None, False),
    # two pain features but no accompanying symptom
    ({"one_sided": True, "pulsating": True}, None, False),
    ({}, MedicineClass.TRIPTAN, True),
    ({}, MedicineClass.ERGOT, True),
    ({}, MedicineClass.SIMPLE, False),
    ({}, MedicineClass.OPIOID, False),
]


@pytest.mark.parametrize(("features", "medicine_class", "migraine"), MIGRAINE_CASES)
def test_a_migraine_day_follows_the_domain_definition(features, medicine_class, migraine):
    patient = PatientFactory()
    meds = [(medicine(patient, medicine_class), 1)] if medicine_class else []
    log(patient, START, meds, headache=True, **{"severity": "mild", **features})
    assert diary_counts(patient, START, END).migraine_days == int(migraine)


def test_a_day_without_headache_is_never_a_migraine_day_even_with_a_triptan_or_aura():
    patient = PatientFactory()
    log(patient, START, aura=True, nausea_vomiting=True)
    log(patient, START + timedelta(days=1), [(medicine(patient, MedicineClass.TRIPTAN), 1)])
    counts = diary_counts(patient, START, END)
    assert (counts.migraine_days, counts.headache_days, counts.acute_medication_days) == (0, 0, 1)


def test_acute_medication_days_count_days_once_and_each_class_separately():
    patient = PatientFactory()
    triptan = medicine(patient, MedicineClass.TRIPTAN, "Sumatriptan")
    ibuprofen = medicine(patient, MedicineClass.SIMPLE, "Ibuprofen")
    paracetamol = medicine(patient, MedicineClass.SIMPLE, "Paracetamol")
    log(patient, START, [(triptan, 2), (ibuprofen, 3)], headache=True, severity="severe")
    log(patient, START + timedelta(days=1), [(ibuprofen, 1), (paracetamol, 1)])
    log(patient, START + timedelta(days=2), headache=True, severity="mild")
    counts = diary_counts(patient, START, END)
    assert counts.acute_medication_days == 2
    assert counts.days_by_class[MedicineClass.TRIPTAN] == 1
    assert counts.days_by_class[MedicineClass.SIMPLE] == 2
    assert counts.days_by_class[MedicineClass.OPIOID] == 0
    assert counts.classes_taken == [("Triptan", 1), ("Simple analgesic or NSAID", 2)]


def test_rates_are_per_28_logged_days_and_coverage_under_80_percent_is_inadequate():
    patient = PatientFactory()
    for offset in range(20):  # 20 of 28 days logged, 5 of them with a headache
        headache = offset < 5
        log(
            patient,
            START + timedelta(days=offset),
            headache=headache,
            severity="mild" if headache else "none",
        )
    counts = diary_counts(patient, START, END)
    assert counts.headache_days_per_28 == 7  # 5 / 20 × 28, exactly
    assert counts.coverage == Fraction(20, 28)
    assert not counts.adequate
    for offset in range(20, 23):  # 23 of 28 = 82%
        log(patient, START + timedelta(days=offset))
    assert diary_counts(patient, START, END).adequate


def test_an_empty_diary_has_no_rate_and_zero_coverage():
    counts = diary_counts(PatientFactory(), START, END)
    assert (counts.days_logged, counts.headache_days_per_28, counts.coverage) == (0, None, 0)


def test_many_patients_are_counted_in_one_query(django_assert_num_queries):
    first, second, silent = PatientFactory(), PatientFactory(), PatientFactory()
    log(first, START, headache=True, severity="moderate", aura=True)
    log(second, START)
    log(second, END, headache=True, severity="mild")
    with django_assert_num_queries(1):
        counts = diary_counts_for_patients([first.pk, second.pk, silent.pk], START, END)
    assert (counts[first.pk].migraine_days, counts[first.pk].days_logged) == (1, 1)
    assert (counts[second.pk].headache_days, counts[second.pk].days_logged) == (1, 2)
    assert counts[silent.pk].days_logged == 0


def test_last_28_days_end_the_day_before_the_as_of_day_which_is_not_over():
    assert last_28_days(END + timedelta(days=1)) == (START, END)


def days_taking(patient, medicine_, days: list[int]):
    for offset in days:
        log(
            patient,
            START + timedelta(days=offset),
            [(medicine_, 1)],
            headache=True,
            severity="mild",
        )


class TestMedicationOveruse:
    def test_triptans_on_10_days_in_28_are_overuse_but_9_are_not(self):
        patient = PatientFactory()
        days_taking(patient, medicine(patient, MedicineClass.TRIPTAN), list(range(0, 27, 3)))
        assert not medication_overuse(patient, START, END)  # 9 days
        log(patient, END, [(patient.medicines.get(), 1)], headache=True, severity="mild")
        overuse = medication_overuse(patient, START, END)
        assert [(f.what, f.days, f.threshold) for f in overuse.findings] == [("Triptan", 10, 10)]

    def test_ten_days_spread_over_more_than_28_days_are_not_overuse(self):
        patient = PatientFactory()
        # days 0, 4, 8, … 36: any 28 consecutive days hold at most 7 of them
        days_taking(patient, medicine(patient, MedicineClass.OPIOID), list(range(0, 40, 4)))
        assert not medication_overuse(patient, START, START + timedelta(days=60))

    def test_simple_analgesics_need_15_days(self):
        patient = PatientFactory()
        days_taking(patient, medicine(patient, MedicineClass.SIMPLE), list(range(14)))
        assert not medication_overuse(patient, START, END)
        days_taking(patient, patient.medicines.get(), [20])
        assert [f.days for f in medication_overuse(patient, START, END).findings] == [15]

    def test_several_classes_together_on_10_days_are_overuse(self):
        patient = PatientFactory()
        days_taking(patient, medicine(patient, MedicineClass.TRIPTAN), [0, 2, 4, 6, 8, 10])
        days_taking(patient, medicine(patient, MedicineClass.SIMPLE), [1, 3, 5, 7])
        overuse = medication_overuse(patient, START, END)
        assert [(f.what, f.days) for f in overuse.findings] == [
            ("Several acute medicine classes", 10)
        ]

    def test_other_medicines_do_not_count_toward_overuse(self):
        patient = PatientFactory()
        days_taking(patient, medicine(patient, MedicineClass.OTHER), list(range(20)))
        assert not medication_overuse(patient, START, END)

    def test_many_patients_in_one_query(self, django_assert_num_queries):
        overusing, fine = PatientFactory(), PatientFactory()
        days_taking(overusing, medicine(overusing, MedicineClass.COMBINATION), list(range(12)))
        with django_assert_num_queries(1):
            results = medication_overuse_for_patients([overusing.pk, fine.pk], START, END)
        assert results[overusing.pk] and not results[fine.pk]
