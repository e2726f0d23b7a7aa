import re
import unicodedata
from datetime import date, datetime

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


def nhs_number_valid(digits: str) -> bool:
    """An NHS number's modulus-11 check: weights 10 down to 2 on the first nine digits; 11 minus
    the remainder is the tenth digit (11 means 0; 10 is never issued)."""
    if not re.fullmatch(r"[0-9]{10}", digits):
        return False
    check = 11 - sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True)) % 11
    return check != 10 and check % 11 == int(digits[9])


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


class SearchText(models.Func):
    """A name as search compares it: unaccented, lower case, without apostrophes and dots
    ("O'Brien" is "obrien", "José" is "jose"). An immutable SQL function (migration
    0005_search_unaccent) so that indexes can be built on it; `search_text` is its Python twin."""

    function = "patients_search_text"
    output_field = models.TextField()


class Digits(models.Func):
    """Only the digits of a text (a phone number in any formatting); immutable SQL function."""

    function = "patients_digits"
    output_field = models.TextField()


def search_text(text: str) -> str:
    """What `SearchText` does in the database, for what people type."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return re.sub(r"['\u2019.]", "", plain).lower()


# The expressions the search indexes are built on; queries must use them unchanged.
NAME_WORDS = SearchVector(SearchText("family_name"), SearchText("given_name"), config="simple")
REVERSED_MRN = Reverse("mrn")  # an MRN's last digits are a prefix of this
REVERSED_PHONE_DIGITS = Reverse(Digits("phone"))  # so are a phone number's, without a leading 0
LOWER_EMAIL = Lower("email")
PHONE_MIN_DIGITS = 7
# Phone numbers match on their last ten digits at most (a UK number without its 0 or +44).
PHONE_MATCH_DIGITS = 10


def phone_key(text: str) -> str | None:
    """The reversed last digits a phone number is matched on, or None if it is too short."""
    digits = re.sub(r"\D", "", text or "").lstrip("0")[-PHONE_MATCH_DIGITS:]
    return digits[::-1] if len(digits) >= PHONE_MIN_DIGITS else None


class PatientQuerySet(models.QuerySet):
    def lock(self, patient_id: int) -> None:
        """Hold this patient's row until the transaction ends, so that writes which check the
        patient's other rows (dose windows, one diary entry a day) run one at a time."""
        self.select_for_update().filter(pk=patient_id).values_list("pk").get()

    def search(self, text: str):
        """Match the start of name words (without accents or punctuation), the MRN or its last
        digits, a phone number's last digits (any formatting, a leading 0 or not), the start of
        an email address, or a date of birth as people type it ("9 Jan 1994", "09/01/1994",
        "1994-01-09"). Each way is an index scan (see Meta.indexes).
        """
        text = text.strip()
        if not text:
            return self
        born = parse_search_date(text)
        if born:
            return self.filter(date_of_birth=born)
        matches = Q(reversed_mrn__startswith=text.upper()[::-1])
        if "@" in text:
            matches |= Q(lower_email__startswith=text.lower())
        phone = phone_key(text)
        if phone and not re.search(r"[^\d\s()+-]", text):
            matches |= Q(reversed_phone__startswith=phone)
        words = re.findall(r"\w+", search_text(text))
        if words:
            prefixes = " & ".join(f"{word}:*" for word in words)
            matches |= Q(name_words=SearchQuery(prefixes, search_type="raw", config="simple"))
        return self.alias(
            name_words=NAME_WORDS,
            reversed_mrn=REVERSED_MRN,
            reversed_phone=REVERSED_PHONE_DIGITS,
            lower_email=LOWER_EMAIL,
        ).filter(matches)


# Dates as people type them: day first (UK), the month as digits, a short or a full name.
SEARCH_DATE_FORMATS = (
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%d %b %Y",
    "%d %B %Y",
    "%b %d %Y",
    "%B %d %Y",
)


def parse_search_date(text: str) -> date | None:
    cleaned = " ".join(text.replace(",", " ").split())
    for format in SEARCH_DATE_FORMATS:
        try:
            return datetime.strptime(cleaned, format).date()
        except ValueError:
            continue
    return None


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

    class NationalIdKind(models.TextChoices):
        NONE = "", "None"
        NHS = "nhs", "NHS number"
        OTHER = "other", "Other national identifier"

    class Status(models.TextChoices):
        REFERRED = "referred", "Referred"
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        DISCHARGED = "discharged", "Discharged"
        MERGED = "merged", "Merged into another record"

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
    language = models.CharField(
        "language",
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        db_default=settings.LANGUAGE_CODE,  # rows copied in bulk (demo.bulk_patients) leave it out
        help_text="The portal, its emails and printouts are shown to the patient in this language.",
    )
    national_id_kind = models.CharField(
        "national identifier",
        max_length=5,
        choices=NationalIdKind,
        blank=True,
        default="",
        db_default="",
    )
    national_id = models.CharField(
        "national identifier number",
        max_length=30,
        blank=True,
        default="",
        db_default="",  # rows copied in bulk (demo.bulk_patients) leave it out
        help_text="E.g. 943 476 5919.",
    )
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
            models.Index(
                OpClass(REVERSED_PHONE_DIGITS, name="text_pattern_ops"),
                name="patient_phone_suffix_idx",
            ),
            models.Index(OpClass(LOWER_EMAIL, name="text_pattern_ops"), name="patient_email_idx"),
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

    def national_id_errors(self) -> dict[str, str]:
        """Normalise the identifier (an NHS number to its 10 digits) and check it."""
        self.national_id = self.national_id.strip()
        if self.national_id_kind == self.NationalIdKind.NHS:
            self.national_id = re.sub(r"[\s-]", "", self.national_id)
            if not re.fullmatch(r"[0-9]{10}", self.national_id):
                return {"national_id": "An NHS number has 10 digits, e.g. 943 476 5919."}
            if not nhs_number_valid(self.national_id):
                return {"national_id": "This is not a valid NHS number: its check digit is wrong."}
        elif self.national_id_kind and not self.national_id:
            return {"national_id": "Give the identifier, or choose none."}
        elif not self.national_id_kind and self.national_id:
            return {"national_id_kind": "Say what kind of identifier this is."}
        return {}

    @property
    def national_id_display(self) -> str:
        """The identifier as printed: an NHS number in its 3-3-4 groups."""
        if self.national_id_kind == self.NationalIdKind.NHS and len(self.national_id) == 10:
            n = self.national_id
            return f"{n[:3]} {n[3:6]} {n[6:]}"
        return self.national_id

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
        errors.update(self.national_id_errors())
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


class PatientMerge(models.Model):
    """A duplicate record merged into the record kept (patients/merging.py). The merged record
    stays, with the status MERGED; its rows now point at the kept one."""

    kept = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="merges_in")
    merged = models.OneToOneField(Patient, on_delete=models.PROTECT, related_name="merge")
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    merged_at = models.DateTimeField("merged at")
    reason = models.TextField()
    # {"app.Model": rows moved}, and what became of rows that could not move
    moved = models.JSONField("rows moved", default=dict)
    outcome = models.JSONField("what else happened", default=list)

    class Meta:
        ordering = ["-merged_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kept=models.F("merged")),
                name="merge_not_into_itself",
                violation_error_message="A record cannot be merged into itself.",
            ),
        ]

    def __str__(self):
        return f"Patient {self.merged_id} merged into {self.kept_id}"

    @property
    def audit_patient_id(self) -> int:
        return self.kept_id
