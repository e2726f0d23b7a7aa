"""Injection protocols as data: fixed sites with default units, and follow-the-pain allowances."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from patients.models import Diagnosis

UNIT_STEP = Decimal("2.5")


def format_units(units: Decimal) -> str:
    """Units as people write them: 5, 7.5, 200 (no trailing .0)."""
    return f"{units.normalize():f}"


class MuscleGroup(models.TextChoices):
    CORRUGATOR = "corrugator", "Corrugator"
    PROCERUS = "procerus", "Procerus"
    FRONTALIS = "frontalis", "Frontalis"
    TEMPORALIS = "temporalis", "Temporalis"
    OCCIPITALIS = "occipitalis", "Occipitalis"
    CERVICAL_PARASPINAL = "cervical_paraspinal", "Cervical paraspinal"
    TRAPEZIUS = "trapezius", "Trapezius"
    MASSETER = "masseter", "Masseter"
    SPLENIUS_CAPITIS = "splenius_capitis", "Splenius capitis"
    STERNOCLEIDOMASTOID = "sternocleidomastoid", "Sternocleidomastoid"


class Side(models.TextChoices):
    LEFT = "left", "Left"
    RIGHT = "right", "Right"
    MIDLINE = "midline", "Midline"


class MapView(models.TextChoices):
    """The panels of the injection-site drawing."""

    FRONT = "front", "Front"
    LEFT = "left", "Left side"
    RIGHT = "right", "Right side"
    BACK = "back", "Back"


class Protocol(models.Model):
    """A named injection pattern: PREEMPT from a data migration, others defined in the admin."""

    name = models.CharField(max_length=120, unique=True)
    indication = models.CharField(
        max_length=20,
        choices=Diagnosis,
        blank=True,
        help_text="The diagnosis this pattern is for; blank for any.",
    )
    description = models.TextField(blank=True)
    max_session_units = models.DecimalField(
        "most units in one session",
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="Blank for no protocol limit (the 400 U in 84 days rule always applies).",
    )
    max_additional_sites = models.PositiveSmallIntegerField(
        "most follow-the-pain sites",
        default=0,
        help_text="How many follow-the-pain sites may be added in one session.",
    )
    is_active = models.BooleanField("offered for new sessions", default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class ProtocolSite(models.Model):
    """One fixed injection site of a protocol, with its default dose and place on the map."""

    protocol = models.ForeignKey(Protocol, on_delete=models.CASCADE, related_name="sites")
    code = models.CharField(max_length=20, help_text="Short label, e.g. TEMP-L2.")
    muscle_group = models.CharField("muscle group", max_length=24, choices=MuscleGroup)
    side = models.CharField(max_length=8, choices=Side)
    default_units = models.DecimalField(
        "default units",
        max_digits=5,
        decimal_places=1,
        default=Decimal("5.0"),
        validators=[MinValueValidator(UNIT_STEP)],
    )
    order = models.PositiveSmallIntegerField(default=0)
    view = models.CharField("drawing panel", max_length=8, choices=MapView)
    x = models.PositiveSmallIntegerField(
        default=50, validators=[MaxValueValidator(100)], help_text="Across the panel, 0–100."
    )
    y = models.PositiveSmallIntegerField(
        default=50, validators=[MaxValueValidator(100)], help_text="Down the panel, 0–100."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["protocol", "order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["protocol", "code"],
                name="protocol_site_code_unique",
                violation_error_message="This protocol already has a site with this code.",
            ),
            models.CheckConstraint(
                condition=Q(default_units__gt=0),
                name="protocol_site_units_positive",
                violation_error_message="Default units must be more than zero.",
            ),
        ]

    def __str__(self):
        return f"{self.code} ({self.get_muscle_group_display()}, {self.get_side_display()})"

    def clean(self):
        if self.default_units and self.default_units % UNIT_STEP:
            raise ValidationError({"default_units": f"Units go in steps of {UNIT_STEP} U."})


class ProtocolAddition(models.Model):
    """Where a protocol allows follow-the-pain sites, and how many per muscle group."""

    protocol = models.ForeignKey(Protocol, on_delete=models.CASCADE, related_name="additions")
    muscle_group = models.CharField("muscle group", max_length=24, choices=MuscleGroup)
    max_sites = models.PositiveSmallIntegerField(
        "most extra sites", validators=[MinValueValidator(1)]
    )
    default_units = models.DecimalField(
        "units per extra site", max_digits=5, decimal_places=1, default=Decimal("5.0")
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["protocol", "muscle_group"]
        constraints = [
            models.UniqueConstraint(
                fields=["protocol", "muscle_group"],
                name="protocol_addition_unique",
                violation_error_message="This muscle group already has an allowance.",
            ),
        ]

    def __str__(self):
        return f"{self.get_muscle_group_display()}: up to {self.max_sites} more"
