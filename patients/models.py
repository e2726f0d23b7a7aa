import re
from datetime import date

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower, Reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

phone_validator = RegexValidator(
    r"^\+?[0-9][0-9 ()-]{6,19}$",
    "Enter a phone number of 7 to 20 digits; spaces, brackets, dashes and a leading + are allowed.",
)
mrn_validator = RegexValidator(
    r"^[A-Z0-9-]{3,20}$",
    "A medical record number is 3 to 20 capital letters, digits or dashes.",
)


# Our choice (DOMAIN.md §4 "only where they can apply"): pregnancy and breastfeeding are asked
# about and may be flagged for anyone not recorded as male aged 12 to 55 inclusive.
CHILDBEARING_AGES = range(12, 56)


class Diagnosis(models.TextChoices):
    CHRONIC_MIGRAINE = "chronic_migraine", "Chronic migraine"
    EPISODIC_MIGRAINE = "episodic_migraine", "High-frequency episodic migraine"
    TENSION_TYPE = "tension_type", "Chronic tension-type headache"
    CLUSTER = "cluster", "Cluster headache"
    OTHER = "other", "Other"


# Botox is licensed for chronic migraine only; the rest is off-label (DOMAIN.md §1).
OFF_LABEL_DIAGNOSES = frozenset(
    {Diagnosis.EPISODIC_MIGRAINE, Diagnosis.TENSION_TYPE, Diagnosis.CLUSTER, Diagnosis.OTHER}
)


# The expressions the search indexes are built on; queries must use them unchanged.
NAME_WORDS = SearchVector("family_name", "given_name", config="simple")
REVERSED_MRN = Reverse("mrn")  # an MRN's last digits are a prefix of this


class PatientQuerySet(models.QuerySet):
    def lock(self, patient_id: int) -> None:
        """Hold this patient's row until the transaction ends, so that writes which check the
        patient's other rows (dose windows, one diary entry a day) run one at a time."""
        self.select_for_update().filter(pk=patient_id).values_list("pk").get()

    def search(self, text: str):
        """Match the start of name words, the MRN or its last digits, or a date of birth
        written as YYYY-MM-DD or DD/MM/YYYY. Each way is an index scan (see Meta.indexes).
        """
        text = text.strip()
        if not text:
            return self
        born = parse_search_date(text)
        if born:
            return self.filter(date_of_birth=born)
        matches = Q(reversed_mrn__startswith=text.upper()[::-1])
        words = re.findall(r"\w+", text.lower())
        if words:
            prefixes = " & ".join(f"{word}:*" for word in words)
            matches |= Q(name_words=SearchQuery(prefixes, search_type="raw", config="simple"))
        return self.alias(name_words=NAME_WORDS, reversed_mrn=REVERSED_MRN).filter(matches)


def parse_search_date(text: str) -> date | None:
    for parse in (_iso_date, _uk_date):
        try:
            return parse(text)
        except ValueError:
            continue
    return None


def _iso_date(text: str) -> date:
    return date.fromisoformat(text)


def _uk_date(text: str) -> date:
    day, month, year = text.split("/")
    return date(int(year), int(month), int(day))


class Patient(models.Model):
    class Sex(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        OTHER = "other", "Other"
        UNKNOWN = "unknown", "Not stated"

    class Contact(models.TextChoices):
        PHONE = "phone", "Phone call"
        SMS = "sms", "Text message"
        EMAIL = "email", "Email"
        POST = "post", "Letter"

    class Status(models.TextChoices):
        REFERRED = "referred", "Referred"
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        DISCHARGED = "discharged", "Discharged"

    mrn = models.CharField(
        "MRN",
        max_length=20,
        unique=True,
        validators=[mrn_validator],
        help_text="Medical record number. Leave blank to have one generated.",
    )
    given_name = models.CharField("given name", max_length=100)
    family_name = models.CharField("family name", max_length=100)
    date_of_birth = models.DateField("date of birth")
    sex = models.CharField(max_length=10, choices=Sex, default=Sex.UNKNOWN)
    phone = models.CharField(max_length=24, blank=True, validators=[phone_validator])
    email = models.EmailField(blank=True)
    preferred_contact = models.CharField(
        "preferred contact", max_length=10, choices=Contact, default=Contact.PHONE
    )
    address = models.TextField(blank=True)
    referring_clinician = models.CharField("GP or referring clinician", max_length=200, blank=True)
    primary_diagnosis = models.CharField(
        "primary diagnosis", max_length=20, choices=Diagnosis, default=Diagnosis.CHRONIC_MIGRAINE
    )
    diagnosis_date = models.DateField("date of diagnosis", null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status, default=Status.REFERRED)
    consent_date = models.DateField("consent to treatment given on", null=True, blank=True)
    consent_taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="consent taken by",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    notes = models.TextField("administrative notes", blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="patient",
        help_text="The portal account of this patient, once invited.",
    )
    registered_on = models.DateField("registered on", default=timezone.localdate)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name", "mrn"]
        indexes = [
            models.Index(Lower("family_name"), Lower("given_name"), name="patient_name_idx"),
            models.Index(fields=["-updated_at"], name="patient_updated_idx"),  # recent patients
            GinIndex(NAME_WORDS, name="patient_name_words_idx"),
            models.Index(
                OpClass(REVERSED_MRN, name="text_pattern_ops"), name="patient_mrn_suffix_idx"
            ),
            models.Index(fields=["date_of_birth"], name="patient_dob_idx"),
            models.Index(fields=["status", "primary_diagnosis"], name="patient_status_dx_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(consent_date__isnull=True)
                | Q(consent_date__gte=models.F("date_of_birth")),
                name="patient_consent_after_birth",
                violation_error_message="Consent cannot be dated before the date of birth.",
            ),
        ]

    def __str__(self):
        return f"{self.full_name} ({self.mrn})"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def is_off_label(self) -> bool:
        return self.primary_diagnosis in OFF_LABEL_DIAGNOSES

    def age_on(self, day: date) -> int:
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    @property
    def age(self) -> int:
        return self.age_on(timezone.localdate())

    def can_be_pregnant_on(self, day: date) -> bool:
        """Whether pregnancy and breastfeeding can apply on `day` (asked and flagged only then)."""
        return self.sex != self.Sex.MALE and self.age_on(day) in CHILDBEARING_AGES

    def why_not_pregnant_on(self, day: date) -> str:
        """Why pregnancy and breastfeeding cannot apply on `day` ("" when they can)."""
        if self.sex == self.Sex.MALE:
            return "the patient is recorded as male"
        age = self.age_on(day)
        if age not in CHILDBEARING_AGES:
            return (
                f"the patient is {age} (they are asked about and recorded from age "
                f"{CHILDBEARING_AGES.start} to {CHILDBEARING_AGES.stop - 1})"
            )
        return ""

    def clean(self):
        today = timezone.localdate()
        errors = {}
        if self.date_of_birth and self.date_of_birth > today:
            errors["date_of_birth"] = "The date of birth cannot be in the future."
        if self.date_of_birth and self.date_of_birth.year < 1900:
            errors["date_of_birth"] = "Check the year: the date of birth is before 1900."
        if self.diagnosis_date and self.diagnosis_date > today:
            errors["diagnosis_date"] = "The date of diagnosis cannot be in the future."
        if self.consent_date and self.consent_date > today:
            errors["consent_date"] = "Consent cannot be dated in the future."
        if self.consent_taken_by_id and not self.consent_date:
            errors["consent_date"] = "Give the date consent was taken."
        if errors:
            raise ValidationError(errors)


class Eligibility(models.Model):
    """The neurologist's record of the NICE TA260 criteria (DOMAIN.md §2)."""

    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="eligibility")
    chronic_migraine_criteria_met = models.BooleanField(
        "ICHD-3 chronic migraine criteria met",
        null=True,
        help_text="Headache on 15 or more days a month for more than 3 months, "
        "at least 8 of them with migraine features.",
    )
    headache_days_per_month = models.PositiveSmallIntegerField(
        "headache days a month (reported)", null=True, blank=True
    )
    migraine_days_per_month = models.PositiveSmallIntegerField(
        "migraine days a month (reported)", null=True, blank=True
    )
    medication_overuse_managed = models.BooleanField(
        "medication overuse managed",
        null=True,
        help_text="No overuse, or overuse addressed before treatment.",
    )
    assessed_on = models.DateField("assessed on", default=timezone.localdate)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    notes = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "eligibility assessments"
        constraints = [
            models.CheckConstraint(
                condition=Q(headache_days_per_month__lte=31) & Q(migraine_days_per_month__lte=31),
                name="eligibility_days_in_month",
                violation_error_message="A month has at most 31 days.",
            ),
        ]

    def __str__(self):
        return f"Eligibility of {self.patient}"

    def clean(self):
        errors = {}
        if self.assessed_on and self.assessed_on > timezone.localdate():
            errors["assessed_on"] = "The assessment cannot be dated in the future."
        if (
            self.headache_days_per_month is not None
            and self.migraine_days_per_month is not None
            and self.migraine_days_per_month > self.headache_days_per_month
        ):
            errors["migraine_days_per_month"] = "Migraine days cannot exceed headache days."
        if errors:
            raise ValidationError(errors)


class PriorPreventive(models.Model):
    """A preventive medicine tried before Botox, and why it was stopped."""

    class StopReason(models.TextChoices):
        NO_EFFECT = "no_effect", "No effect"
        NOT_TOLERATED = "not_tolerated", "Not tolerated"
        CONTRAINDICATED = "contraindicated", "Contraindicated"
        STILL_TAKING = "still_taking", "Still taking"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="prior_preventives")
    name = models.CharField("medicine", max_length=120)
    started_on = models.DateField("started", null=True, blank=True)
    stopped_on = models.DateField("stopped", null=True, blank=True)
    stop_reason = models.CharField("why stopped", max_length=20, choices=StopReason)
    notes = models.CharField(max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["started_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stopped_on__isnull=True)
                | Q(started_on__isnull=True)
                | Q(stopped_on__gte=models.F("started_on")),
                name="preventive_stop_after_start",
                violation_error_message="A medicine cannot stop before it started.",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def failed(self) -> bool:
        """Counts toward NICE's 'at least three preventives' (no effect, intolerance, or
        contraindication all count as failure)."""
        return self.stop_reason != self.StopReason.STILL_TAKING

    def clean(self):
        today = timezone.localdate()
        errors = {}
        if self.started_on and self.started_on > today:
            errors["started_on"] = "The start date cannot be in the future."
        if self.stopped_on and self.stopped_on > today:
            errors["stopped_on"] = "The stop date cannot be in the future."
        if self.stop_reason == self.StopReason.STILL_TAKING and self.stopped_on:
            errors["stopped_on"] = "A medicine still being taken has no stop date."
        if errors:
            raise ValidationError(errors)


class ClinicalFlag(models.Model):
    """A precaution or contraindication for Botox (DOMAIN.md §1), shown on every staff page."""

    class Kind(models.TextChoices):
        PREGNANCY = "pregnancy", "Pregnancy"
        BREASTFEEDING = "breastfeeding", "Breastfeeding"
        NEUROMUSCULAR = "neuromuscular", "Neuromuscular disease (myasthenia gravis, LEMS, ALS)"
        SWALLOWING_BREATHING = "swallowing_breathing", "Swallowing or breathing problems"
        SITE_INFECTION = "site_infection", "Infection at an injection site"
        HYPERSENSITIVITY = "hypersensitivity", "Hypersensitivity to a botulinum toxin product"

    CONTRAINDICATIONS = frozenset({Kind.SITE_INFECTION, Kind.HYPERSENSITIVITY})
    PREGNANCY_KINDS = frozenset({Kind.PREGNANCY, Kind.BREASTFEEDING})

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField(max_length=24, choices=Kind)
    noted_on = models.DateField("noted on", default=timezone.localdate)
    resolved_on = models.DateField("resolved on", null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["resolved_on", "-noted_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "kind"],
                condition=Q(resolved_on__isnull=True),
                name="one_active_flag_per_kind",
                violation_error_message="This patient already has this flag active.",
            ),
            models.CheckConstraint(
                condition=Q(resolved_on__isnull=True) | Q(resolved_on__gte=models.F("noted_on")),
                name="flag_resolved_after_noted",
                violation_error_message="A flag cannot be resolved before it was noted.",
            ),
        ]

    def __str__(self):
        return self.get_kind_display()

    @property
    def is_contraindication(self) -> bool:
        return self.kind in self.CONTRAINDICATIONS

    @property
    def is_active(self) -> bool:
        return self.resolved_on is None

    def clean(self):
        errors = {}
        if self.noted_on and self.noted_on > timezone.localdate():
            errors["noted_on"] = "A flag cannot be noted in the future."
        elif self.kind in self.PREGNANCY_KINDS and self.patient_id and self.noted_on:
            why = self.patient.why_not_pregnant_on(self.noted_on)
            if why:
                errors["kind"] = (
                    f"{self.get_kind_display()} cannot apply: {why}. "
                    "Check the sex and date of birth in the patient's details."
                )
        if errors:
            raise ValidationError(errors)
