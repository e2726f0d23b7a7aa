"""Factories shared by every app's tests."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from clinic.roles import GROUP_NAMES, Role
from patients.models import ClinicalFlag, Patient, PriorPreventive
from treatments.models import AdverseEvent, InjectionSession
from treatments.protocols import preempt_protocol

TEST_PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def role(user, create, role: Role | None, **kwargs):
        if role:
            # get_or_create: transactional tests flush the groups the migration made
            user.groups.add(Group.objects.get_or_create(name=GROUP_NAMES[role])[0])
        if create:
            user.save()


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    mrn = factory.Sequence(lambda n: f"T{n:06d}")
    given_name = factory.Faker("first_name")
    family_name = factory.Faker("last_name")
    date_of_birth = date(1980, 5, 17)
    email = factory.LazyAttribute(lambda p: f"{p.mrn.lower()}@example.org")
    status = Patient.Status.ACTIVE


class PortalPatientFactory(PatientFactory):
    """A patient with a portal login."""

    user = factory.SubFactory(
        UserFactory, username=factory.Sequence(lambda n: f"patient{n}"), role=Role.PATIENT
    )


class PriorPreventiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriorPreventive

    patient = factory.SubFactory(PatientFactory)
    name = factory.Iterator(["Propranolol", "Topiramate", "Amitriptyline", "Candesartan"])
    stop_reason = PriorPreventive.StopReason.NO_EFFECT


class ClinicalFlagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClinicalFlag

    patient = factory.SubFactory(PatientFactory)
    kind = ClinicalFlag.Kind.PREGNANCY
    recorded_by = factory.SubFactory(UserFactory, role=Role.NEUROLOGIST)


class InjectionSessionFactory(factory.django.DjangoModelFactory):
    """A PREEMPT session (155 U from a 200 U vial) with totals only; no per-site rows."""

    class Meta:
        model = InjectionSession

    patient = factory.SubFactory(PatientFactory)
    number = factory.LazyAttribute(lambda s: s.patient.sessions.count() + 1)
    performed_on = factory.LazyFunction(lambda: date.today() - timedelta(days=7))
    injector = factory.SubFactory(UserFactory, role=Role.NEUROLOGIST)
    recorded_by = factory.SelfAttribute("injector")
    protocol = factory.LazyFunction(preempt_protocol)
    indication = factory.SelfAttribute("patient.primary_diagnosis")
    lot_number = factory.Sequence(lambda n: f"C{n:05d}C3")
    lot_expiry = factory.LazyAttribute(lambda s: s.performed_on + timedelta(days=365))
    reconstituted_at = factory.LazyAttribute(
        lambda s: datetime.combine(s.performed_on, time(9, 0)).astimezone()
    )
    units_given = Decimal("155")
    units_discarded = Decimal("45")


class AdverseEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdverseEvent

    session = factory.SubFactory(InjectionSessionFactory)
    kind = AdverseEvent.Kind.NECK_PAIN
    onset_on = factory.SelfAttribute("session.performed_on")
    severity = AdverseEvent.Severity.MILD
    recorded_by = factory.SelfAttribute("session.injector")


class PatientMedicineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "diaries.PatientMedicine"

    patient = factory.SubFactory(PatientFactory)
    name = factory.Sequence(lambda n: f"Medicine {n}")
    medicine_class = "simple"
    usual_dose = "1 tablet"


class DiaryDayFactory(factory.django.DjangoModelFactory):
    """A headache-free day unless told otherwise (pass headache=True, severity=...)."""

    class Meta:
        model = "diaries.DiaryDay"

    patient = factory.SubFactory(PatientFactory)
    day = factory.Sequence(lambda n: date(2026, 1, 1) + timedelta(days=n))


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "reviews.Review"

    patient = factory.SubFactory(PatientFactory)
    reviewed_on = factory.LazyFunction(date.today)
    midas = 12
    hit6 = 58
    suggested_verdict = "responding"
    decision = "continue"
    reviewed_by = factory.SubFactory(UserFactory, role=Role.NEUROLOGIST)


class ClinicianClinicFactory(factory.django.DjangoModelFactory):
    """A weekly injection clinic: Tuesdays 09:00–12:00 in 20-minute slots unless told."""

    class Meta:
        model = "scheduling.ClinicianClinic"

    clinician = factory.SubFactory(UserFactory, role=Role.NEUROLOGIST)
    weekday = 1
    starts_at = time(9, 0)
    ends_at = time(12, 0)
    slot_minutes = 20


class AppointmentFactory(factory.django.DjangoModelFactory):
    """An injection appointment, saved as is (no calendar checks: use it for any date)."""

    class Meta:
        model = "scheduling.Appointment"

    patient = factory.SubFactory(PatientFactory)
    clinician = factory.SubFactory(UserFactory, role=Role.NEUROLOGIST)
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda a: a.starts_at + timedelta(minutes=20))
    booked_by = factory.SelfAttribute("clinician")
    status_changed_by = factory.SelfAttribute("clinician")


class WaitlistEntryFactory(factory.django.DjangoModelFactory):
    """A patient waiting for an earlier injection slot: any clinician, day and time."""

    class Meta:
        model = "scheduling.WaitlistEntry"

    patient = factory.SubFactory(PatientFactory)
    added_by = factory.SubFactory(UserFactory, role=Role.FRONT_DESK)


class DiaryImportFactory(factory.django.DjangoModelFactory):
    """A big diary CSV import waiting for the job runner (diaries/imports.py)."""

    class Meta:
        model = "diaries.DiaryImport"

    patient = factory.SubFactory(PatientFactory)
    rows = 300


class IssuedLetterFactory(factory.django.DjangoModelFactory):
    """A stored letter (placeholder bytes: tests of rendering use reviews.letters)."""

    class Meta:
        model = "reviews.IssuedLetter"

    review = factory.SubFactory(ReviewFactory)
    kind = "gp"
    page_size = "A4"
    pdf = b"%PDF-1.7 placeholder"
    html = "<p>letter</p>"
    issued_by = factory.SelfAttribute("review.reviewed_by")
    issued_at = factory.LazyFunction(timezone.now)
