"""Injection sessions, the sites injected, amendments after signing, and adverse events."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Mod
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext_lazy
from simple_history.models import HistoricalRecords

from patients.models import ClinicalFlag, Diagnosis, Patient
from treatments.courses import INTERVAL_DAYS
from treatments.models.protocols import UNIT_STEP, MuscleGroup, Protocol, ProtocolSite, Side

CHRONIC_MIGRAINE_MAX_UNITS = Decimal("195")
WINDOW_MAX_UNITS = Decimal("400")
RECONSTITUTED_USE_WITHIN = timedelta(hours=24)


class InjectionSessionQuerySet(models.QuerySet):
    def for_chart(self):
        """Sessions with what the chart and session pages show, in a fixed number of queries."""
        return self.select_related("protocol", "injector", "signed_by").annotate(
            site_count=models.Count("sites", filter=Q(sites__skipped=False), distinct=True),
            adverse_event_count=models.Count("adverse_events", distinct=True),
            unacknowledged_serious_count=models.Count(
                "adverse_events",
                filter=Q(
                    adverse_events__serious=True, adverse_events__acknowledged_at__isnull=True
                ),
                distinct=True,
            ),
        )


class InjectionSession(models.Model):
    """One treatment: the product used, the sites injected, and the checks made (DOMAIN.md §1)."""

    class Product(models.TextChoices):
        BOTOX = "botox", "Botox (onabotulinumtoxinA)"

    class VialSize(models.IntegerChoices):
        U100 = 100, "100 U (2 mL saline)"
        U200 = 200, "200 U (4 mL saline)"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="sessions")
    number = models.PositiveSmallIntegerField("cycle", help_text="1 for the first session, …")
    performed_on = models.DateField("injected on", default=timezone.localdate)
    injector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="injecting clinician",
        on_delete=models.PROTECT,
        related_name="+",
    )
    protocol = models.ForeignKey(Protocol, on_delete=models.PROTECT, related_name="sessions")
    indication = models.CharField(
        max_length=20, choices=Diagnosis, help_text="The diagnosis treated (from the patient)."
    )
    product = models.CharField(max_length=12, choices=Product, default=Product.BOTOX)
    vial_size = models.PositiveSmallIntegerField("vial size", choices=VialSize, default=200)
    vials_used = models.PositiveSmallIntegerField("vials used", default=1)
    lot_number = models.CharField("lot number", max_length=40)
    lot_expiry = models.DateField("lot expiry date")
    dilution = models.DecimalField(
        "dilution (units per 0.1 mL)", max_digits=4, decimal_places=1, default=Decimal("5.0")
    )
    injection_time = models.TimeField(
        "injection time",
        null=True,
        blank=True,
        help_text="Clinic time. Blank only on sessions recorded before the time was kept.",
    )
    reconstituted_at = models.DateTimeField("vial reconstituted at")
    units_given = models.DecimalField(
        "units given", max_digits=6, decimal_places=1, default=Decimal("0"), editable=False
    )
    units_discarded = models.DecimalField(
        "units discarded", max_digits=6, decimal_places=1, default=Decimal("0"), editable=False
    )
    early_reason = models.TextField(
        "reason for a session under 84 days after the previous one", blank=True
    )
    precautions_acknowledged = models.BooleanField(
        "I have considered the precautions shown", default=False
    )
    contraindication_override = models.TextField(
        "reason to treat despite the contraindication", blank=True
    )
    notes = models.TextField(blank=True)
    form_token = models.UUIDField(
        unique=True, null=True, blank=True, editable=False, help_text="Stops double submission."
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()
    objects = InjectionSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-performed_on"]
        get_latest_by = "performed_on"
        indexes = [
            models.Index(fields=["patient", "-performed_on"], name="session_patient_date_idx")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "number"],
                name="session_cycle_unique",
                violation_error_message="This patient already has a session with this number.",
            ),
            models.UniqueConstraint(
                fields=["patient", "performed_on"],
                name="session_one_per_day",
                violation_error_message="This patient already has a session on this day.",
            ),
            models.CheckConstraint(
                condition=Q(units_given__gte=0)
                & Q(units_discarded__gte=0)
                & Q(vials_used__gte=1)
                & Q(dilution__gt=0),
                name="session_amounts_valid",
                violation_error_message="Units, vials and dilution must be positive.",
            ),
            models.CheckConstraint(
                condition=Q(signed_at__isnull=True, signed_by__isnull=True)
                | Q(signed_at__isnull=False, signed_by__isnull=False),
                name="session_signed_by_and_at",
                violation_error_message="A signature needs both who and when.",
            ),
        ]

    transcribed = False  # not a field: see `clean`

    def __str__(self):
        return f"Cycle {self.number} on {self.performed_on:%d %b %Y}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    @property
    def injected_at(self) -> datetime | None:
        """The injection's date and time in the clinic's zone (None if no time was kept)."""
        if self.performed_on is None or self.injection_time is None:
            return None
        return timezone.make_aware(datetime.combine(self.performed_on, self.injection_time))

    @property
    def units_available(self) -> int:
        return self.vials_used * self.vial_size

    def clean(self):
        """The dose, product and interval rules of DOMAIN.md §1.

        `units_given` must already be set from the sites (see `treatments.recording`).
        """
        errors: dict[str, list[str]] = {}

        def refuse(field, message):
            errors.setdefault(field, []).append(message)

        today = timezone.localdate()
        day = self.performed_on
        if day and day > today:
            refuse("performed_on", "A session cannot be recorded for a future date.")
        if day and self.patient_id and day < self.patient.date_of_birth:
            refuse(
                "performed_on",
                f"The patient was born on {self.patient.date_of_birth:%-d %b %Y}, after this date.",
            )
        if day and self.lot_expiry and self.lot_expiry < day:
            refuse(
                "lot_expiry",
                f"This lot expired on {self.lot_expiry:%d %b %Y}, before the injection date: "
                "an expired vial must not be used.",
            )
        # A new session needs its time; one transcribed from older records may not have it
        # (`treatments.recording.session_record_transcribed` sets `transcribed`).
        if day and not self.pk and self.injection_time is None and not self.transcribed:
            refuse("injection_time", "Give the time of the injection.")
        if day and self.reconstituted_at:
            self._check_reconstitution(day, refuse)
        if self.units_given > self.units_available:
            refuse(
                "vials_used",
                f"{self.units_given} U were given but {self.vials_used} × {self.vial_size} U vials "
                f"hold only {self.units_available} U.",
            )
        if self.indication == Diagnosis.CHRONIC_MIGRAINE and (
            self.units_given > CHRONIC_MIGRAINE_MAX_UNITS
        ):
            refuse(
                None,
                f"{self.units_given} U is more than the {CHRONIC_MIGRAINE_MAX_UNITS} U allowed "
                "in one chronic migraine session.",
            )
        protocol_max = self.protocol.max_session_units if self.protocol_id else None
        if protocol_max is not None and self.units_given > protocol_max:
            refuse(
                None,
                f"{self.units_given} U is more than the {protocol_max} U "
                f"the {self.protocol} protocol allows.",
            )
        if self.patient_id and day:
            if self.pk:
                self._check_place_in_course(day, refuse)
            self._check_course(day, refuse)
            self._check_flags(refuse)
        if errors:
            raise ValidationError(errors)

    def _check_reconstitution(self, day, refuse):
        """Use within 24 hours of the injection time (DOMAIN.md §1, §4)."""
        reconstituted = timezone.localtime(self.reconstituted_at)
        injected = self.injected_at
        if injected is None:  # recorded before times were kept: the rule it was saved under
            if reconstituted.date() > day or reconstituted.date() < day - timedelta(days=1):
                refuse(
                    "reconstituted_at",
                    f"The vial was reconstituted on {reconstituted:%-d %b %Y}, not on the "
                    "injection day or the day before.",
                )
            return
        elapsed = injected.astimezone(UTC) - reconstituted.astimezone(UTC)  # real hours (DST)
        if elapsed < timedelta(0):
            refuse(
                "reconstituted_at",
                f"The vial was reconstituted at {reconstituted:%d %b %Y %H:%M}, after the "
                f"injection at {injected:%d %b %Y %H:%M}: check both times.",
            )
        elif elapsed > RECONSTITUTED_USE_WITHIN:
            refuse(
                "reconstituted_at",
                f"The vial was reconstituted {_hours(elapsed)} before the "
                "injection; a reconstituted vial must be used within 24 hours.",
            )

    def _check_place_in_course(self, day, refuse):
        """A recorded session's date (which an amendment may correct) stays between the
        sessions numbered before and after it, keeps the next one's interval rule, and is on
        or before its side effects."""
        others = InjectionSession.objects.filter(patient_id=self.patient_id).exclude(pk=self.pk)
        before = others.filter(number__lt=self.number).order_by("-number").first()
        after = others.filter(number__gt=self.number).order_by("number").first()
        if before and day <= before.performed_on:
            refuse(
                "performed_on", f"{before} comes before this session: the date must be after it."
            )
        if after and day >= after.performed_on:
            refuse("performed_on", f"{after} comes after this session: the date must be before it.")
        elif after and (after.performed_on - day).days < INTERVAL_DAYS and not after.early_reason:
            refuse(
                "performed_on",
                f"{after} would then be only {(after.performed_on - day).days} days after this "
                f"session, under the {INTERVAL_DAYS}-day interval, with no reason recorded for "
                "being early: amend it first, or keep this date.",
            )
        earliest = self.adverse_events.order_by("onset_on").first()
        if earliest and earliest.onset_on < day:
            refuse(
                "performed_on",
                f"The side effect “{earliest}” of this session started on "
                f"{earliest.onset_on:%-d %b %Y}, before this date.",
            )

    def _check_course(self, day, refuse):
        previous = previous_session(self.patient_id, day, exclude_pk=self.pk)
        gap = (day - previous.performed_on).days if previous else INTERVAL_DAYS
        if gap < INTERVAL_DAYS and not self.early_reason.strip():
            refuse(
                "early_reason",
                f"Only {gap} days since the last session on "
                f"{previous.performed_on:%d %b %Y}; the interval is {INTERVAL_DAYS} days. "
                "Record why this session is early.",
            )
        window_units = heaviest_window_units(
            self.patient_id, day, self.units_given, exclude_pk=self.pk
        )
        if window_units > WINDOW_MAX_UNITS:
            refuse(
                None,
                f"This would make {window_units} U within {INTERVAL_DAYS} days; at most "
                f"{WINDOW_MAX_UNITS} U may be given in any {INTERVAL_DAYS}-day window.",
            )

    def _check_flags(self, refuse):
        flags = list(ClinicalFlag.objects.filter(patient_id=self.patient_id, resolved_on=None))
        precautions = [f for f in flags if not f.is_contraindication]
        contraindications = [f for f in flags if f.is_contraindication]
        if precautions and not self.precautions_acknowledged:
            names = ", ".join(str(f) for f in precautions)
            refuse(
                "precautions_acknowledged",
                f"This patient has precautions ({names}): confirm you have considered them.",
            )
        if contraindications and not self.contraindication_override.strip():
            names = ", ".join(str(f) for f in contraindications)
            refuse(
                "contraindication_override",
                f"Contraindicated ({names}): Botox is refused unless you record a reason to "
                "override.",
            )


class InjectedSite(models.Model):
    """A site of a session: a protocol site (given or skipped) or a follow-the-pain addition."""

    session = models.ForeignKey(InjectionSession, on_delete=models.CASCADE, related_name="sites")
    protocol_site = models.ForeignKey(
        ProtocolSite,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Blank for a follow-the-pain addition.",
    )
    muscle_group = models.CharField("muscle group", max_length=24, choices=MuscleGroup)
    side = models.CharField(max_length=8, choices=Side)
    units = models.DecimalField(max_digits=5, decimal_places=1, default=Decimal("0"))
    skipped = models.BooleanField(default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["session", "protocol_site__order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "protocol_site"],
                name="injected_site_once",
                violation_error_message="A protocol site is recorded once per session.",
            ),
            models.CheckConstraint(
                condition=Q(skipped=True, units=0) | Q(skipped=False, units__gt=0),
                name="injected_site_units_positive",
                violation_error_message="A site that is given needs more than 0 U; "
                "a skipped site has none.",
            ),
            models.CheckConstraint(
                condition=Exact(Mod(F("units"), UNIT_STEP), 0),
                name="injected_site_unit_step",
                violation_error_message=f"Units go in steps of {UNIT_STEP} U.",
            ),
            models.CheckConstraint(
                condition=Q(protocol_site__isnull=False) | Q(skipped=False),
                name="addition_not_skipped",
                violation_error_message="A follow-the-pain site is either given or left out.",
            ),
        ]

    def __str__(self):
        return (
            f"{self.get_muscle_group_display()} {self.get_side_display().lower()}: {self.units} U"
        )

    @property
    def follow_the_pain(self) -> bool:
        return self.protocol_site_id is None

    @property
    def audit_patient_id(self) -> int:
        return self.session.patient_id


class SessionAmendment(models.Model):
    """A correction made after signing: the original values stay here and in the history."""

    session = models.ForeignKey(
        InjectionSession, on_delete=models.CASCADE, related_name="amendments"
    )
    amended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    amended_at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField("why the record is corrected")
    changes = models.JSONField(help_text='{"field label": ["old", "new"], …}')

    class Meta:
        ordering = ["amended_at"]

    def __str__(self):
        return f"Amendment of {self.session} on {self.amended_at:%d %b %Y}"


class AdverseEventQuerySet(models.QuerySet):
    def awaiting_acknowledgement(self):
        """Serious events no neurologist has acknowledged yet, oldest first, with the patient."""
        return (
            self.filter(serious=True, acknowledged_at__isnull=True)
            .select_related("session__patient")
            .order_by("recorded_at")
        )


class AdverseEvent(models.Model):
    """A side effect after a session (DOMAIN.md §1); serious ones wait for a neurologist."""

    class Kind(models.TextChoices):
        NECK_PAIN = "neck_pain", gettext_lazy("Neck pain")
        PTOSIS = "ptosis", gettext_lazy("Eyelid ptosis")
        MUSCULAR_WEAKNESS = "muscular_weakness", gettext_lazy("Muscular weakness")
        STIFFNESS = "stiffness", gettext_lazy("Musculoskeletal stiffness")
        SITE_PAIN = "site_pain", gettext_lazy("Injection-site pain")
        HEADACHE_FLARE = (
            "headache_flare",
            gettext_lazy("Headache or migraine flare after injection"),
        )
        FACIAL_PARESIS = "facial_paresis", gettext_lazy("Facial paresis")
        EYEBROW_DROOP = "eyebrow_droop", gettext_lazy("Eyebrow droop")
        FLU_LIKE = "flu_like", gettext_lazy("Flu-like symptoms")
        BRUISING = "bruising", gettext_lazy("Bruising")
        DYSPHAGIA = "dysphagia", gettext_lazy("Difficulty swallowing (serious)")
        BREATHING = "breathing", gettext_lazy("Breathing difficulty (serious)")
        SPEECH = "speech", gettext_lazy("Trouble speaking (serious)")
        DIPLOPIA = "diplopia", gettext_lazy("Double vision (serious)")
        GENERALISED_WEAKNESS = (
            "generalised_weakness",
            gettext_lazy("Generalised weakness (serious)"),
        )
        OTHER = "other", gettext_lazy("Other (describe)")

    # Distant spread of toxin effect: always serious.
    SERIOUS_KINDS = frozenset(
        {Kind.DYSPHAGIA, Kind.BREATHING, Kind.SPEECH, Kind.DIPLOPIA, Kind.GENERALISED_WEAKNESS}
    )

    class Severity(models.TextChoices):
        MILD = "mild", gettext_lazy("Mild")
        MODERATE = "moderate", gettext_lazy("Moderate")
        SEVERE = "severe", gettext_lazy("Severe")

    class Outcome(models.TextChoices):
        ONGOING = "ongoing", "Ongoing"
        RESOLVED = "resolved", "Resolved"
        RESOLVED_WITH_SEQUELAE = "sequelae", "Resolved with lasting effects"
        UNKNOWN = "unknown", "Unknown"

    session = models.ForeignKey(
        InjectionSession, on_delete=models.PROTECT, related_name="adverse_events"
    )
    kind = models.CharField("side effect", max_length=24, choices=Kind)
    description = models.CharField(
        "description", max_length=200, blank=True, help_text="Required for “Other”."
    )
    onset_on = models.DateField("started on")
    severity = models.CharField(max_length=10, choices=Severity)
    outcome = models.CharField(max_length=10, choices=Outcome, default=Outcome.ONGOING)
    serious = models.BooleanField(
        default=False, help_text="Set for any sign of spread of toxin effect."
    )
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledgement_note = models.TextField(
        "what was done",
        blank=True,
        default="",
        db_default="",
        help_text="Recorded when a neurologist acknowledges a serious event.",
    )

    history = HistoricalRecords()
    objects = AdverseEventQuerySet.as_manager()

    class Meta:
        ordering = ["-onset_on", "-id"]
        indexes = [
            models.Index(
                fields=["recorded_at"],
                condition=Q(serious=True, acknowledged_at__isnull=True),
                name="adverse_event_unacked_idx",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True, acknowledged_by__isnull=True)
                | Q(acknowledged_at__isnull=False, acknowledged_by__isnull=False),
                name="adverse_event_acknowledged_by_and_at",
                violation_error_message="An acknowledgement needs both who and when.",
            ),
            models.CheckConstraint(
                condition=~Q(kind="other") | ~Q(description=""),
                name="adverse_event_other_described",
                violation_error_message="Describe the side effect when choosing “Other”.",
            ),
        ]

    def __str__(self):
        return self.description if self.kind == self.Kind.OTHER else self.get_kind_display()

    @property
    def audit_patient_id(self) -> int:
        return self.session.patient_id

    @property
    def needs_acknowledgement(self) -> bool:
        return self.serious and self.acknowledged_at is None

    def clean(self):
        if self.kind in self.SERIOUS_KINDS:
            self.serious = True
        errors = {}
        if self.onset_on and self.onset_on > timezone.localdate():
            errors["onset_on"] = "The start of a side effect cannot be in the future."
        if self.onset_on and self.session_id and self.onset_on < self.session.performed_on:
            errors["onset_on"] = "A side effect of this session cannot start before it."
        if self.kind == self.Kind.OTHER and not self.description.strip():
            errors["description"] = "Describe the side effect when choosing “Other”."
        if errors:
            raise ValidationError(errors)


def _hours(span: timedelta) -> str:
    """43 hours, 24 hours 1 minute: how old a vial was."""
    minutes = int(span.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    text = f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{text} {minutes} minute{'s' if minutes != 1 else ''}" if minutes else text


# The 12-week rules' queries, beside the model they read (DOMAIN.md §1).


def previous_session(patient_id: int, day: date, exclude_pk: int | None = None):
    """The patient's latest session on or before `day` (other than `exclude_pk`), or None."""
    sessions = InjectionSession.objects.filter(patient_id=patient_id, performed_on__lte=day)
    if exclude_pk:
        sessions = sessions.exclude(pk=exclude_pk)
    return sessions.order_by("-performed_on").first()


def heaviest_window_units(
    patient_id: int, day: date, units: Decimal, exclude_pk: int | None = None
) -> Decimal:
    """Most units in any 84-day window containing `day`, if `units` were given that day.

    A window holding `day` can always slide right until it starts on the earliest session it
    holds, so trying the windows that start on each session date up to `day` is enough.
    """
    span = timedelta(days=INTERVAL_DAYS - 1)
    nearby = InjectionSession.objects.filter(
        patient_id=patient_id, performed_on__range=(day - span, day + span)
    )
    if exclude_pk:
        nearby = nearby.exclude(pk=exclude_pk)
    given = [*nearby.values_list("performed_on", "units_given"), (day, units)]
    starts = {on for on, _ in given if on <= day}
    return max(
        sum((amount for on, amount in given if start <= on <= start + span), Decimal(0))
        for start in starts
    )
