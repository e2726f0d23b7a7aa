"""The clinic's prices, kept as one row edited in the admin."""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


class CostSettings(models.Model):
    """Prices used for each session's cost and the yearly quote (DOMAIN.md §6)."""

    price_per_unit = models.DecimalField(
        "price per unit (£)", max_digits=8, decimal_places=2, default=Decimal("3.50")
    )
    administration_fee = models.DecimalField(
        "administration fee per session (£)", max_digits=8, decimal_places=2, default=Decimal("150")
    )
    review_visit_fee = models.DecimalField(
        "review visit fee (£)", max_digits=8, decimal_places=2, default=Decimal("120")
    )
    review_visits_per_year = models.PositiveSmallIntegerField(
        "review visits billed a year", default=2
    )
    bill_discarded_units = models.BooleanField(
        "bill discarded units",
        default=True,
        help_text="Charge for units left in the vial and thrown away.",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "cost settings"
        verbose_name_plural = "cost settings"
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="cost_settings_single_row"),
        ]

    def __str__(self):
        return "Clinic prices"

    @classmethod
    def current(cls) -> "CostSettings":
        """The clinic's prices (created with defaults the first time)."""
        return cls.objects.get_or_create(pk=1)[0]
