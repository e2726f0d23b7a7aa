"""Letters issued after a review: the PDF as sent, kept unchanged for ever."""

from django.conf import settings
from django.db import models

from reviews.models.reviews import Review


class IssuedLetter(models.Model):
    """A letter as issued: its PDF bytes and what it said. Rows are only ever added (a correction
    is a new letter that `corrects` the old one), so no history table is needed; issuing is
    recorded in the audit trail."""

    class Kind(models.TextChoices):
        GP = "gp", "Letter to the GP"
        PATIENT = "patient", "Letter to the patient"

    class PageSize(models.TextChoices):
        A4 = "A4", "A4"
        LETTER = "letter", "US Letter"

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="letters")
    kind = models.CharField(max_length=10, choices=Kind)
    page_size = models.CharField("page size", max_length=10, choices=PageSize)
    pdf = models.BinaryField(editable=False)
    html = models.TextField(editable=False, help_text="The letter as rendered to the PDF.")
    figures = models.JSONField(default=dict, editable=False, help_text="Its key figures.")
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        help_text="The earlier letter this one corrects.",
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField()

    class Meta:
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.issued_at:%Y-%m-%d %H:%M}"

    @property
    def filename(self) -> str:
        return f"{self.kind}-letter-{self.review.patient.mrn}-{self.pk}.pdf"
