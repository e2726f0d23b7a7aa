"""Factories shared by every app's tests."""

from datetime import date

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from clinic.roles import GROUP_NAMES, Role
from patients.models import ClinicalFlag, Patient, PriorPreventive

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
