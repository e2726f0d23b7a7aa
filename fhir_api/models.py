"""Client systems allowed to read the FHIR API, each with its own bearer token."""

import hashlib
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

TOKEN_PREFIX = "fhir_"


def token_digest(token: str) -> str:
    """What is stored of a token: its SHA-256 (tokens are 256 random bits, so no salt or
    slow hash is needed to keep them from being guessed back)."""
    return hashlib.sha256(token.encode()).hexdigest()


class ApiClient(models.Model):
    """A system (a GP's, a hospital's EHR) that reads the API with `Authorization: Bearer`.

    The token is shown once, when the client is added; only its digest is kept. A revoked
    client is kept, with who revoked it and when, so that the audit trail still names it.
    """

    class Scope(models.TextChoices):
        READ = "read", "Read every patient's records"
        IMPORT = "import", "Import records (not served yet: cannot read)"

    name = models.CharField(max_length=120, unique=True, help_text="E.g. “Riverside GP surgery”.")
    scope = models.CharField(max_length=10, choices=Scope, default=Scope.READ)
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    token_hint = models.CharField(
        "token starts with", max_length=12, editable=False, help_text="To tell tokens apart."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = HistoricalRecords()  # issued and revoked: audited (the digest, never the token)

    class Meta:
        verbose_name = "API client"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True, revoked_by__isnull=True)
                | Q(revoked_at__isnull=False, revoked_by__isnull=False),
                name="api_client_revoked_by_and_at",
                violation_error_message="A revocation needs both who and when.",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def new_token(self) -> str:
        """Give the client a new token (replacing any before) and return it, to show once."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        self.token_digest = token_digest(token)
        self.token_hint = token[:12]
        return token

    @classmethod
    def issue(cls, *, name: str, scope: str, by) -> tuple["ApiClient", str]:
        """A new client and its token (the only time the token is known)."""
        client = cls(name=name, scope=scope, created_by=by)
        token = client.new_token()
        client.full_clean()
        client.save()
        return client, token

    def revoke(self, *, by, now) -> None:
        if self.revoked_at is None:
            self.revoked_by, self.revoked_at = by, now
            self.save(update_fields=["revoked_by", "revoked_at"])


class BulkExport(models.Model):
    """A FHIR Bulk Data export a client system asked for (`$export`), run by the job runner:
    every resource of the asked types, of one patient or the whole clinic, as of the day and
    instant it was asked (fhir_api/bulk.py)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Writing the files"
        DONE = "done", "Ready to download"
        FAILED = "failed", "Stopped on a fault, waiting to try again"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(ApiClient, on_delete=models.PROTECT, related_name="exports")
    patient = models.ForeignKey(
        "patients.Patient",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Blank for the whole clinic.",
    )
    types = models.JSONField(help_text="The resource types asked for, in order.")
    requested_at = models.DateTimeField()
    as_of = models.DateField(help_text="The day diary windows are computed as of.")
    request_url = models.CharField(max_length=500)
    status = models.CharField(max_length=10, choices=Status, default=Status.QUEUED)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self):
        return f"Export {self.pk} for {self.client_id}"


class BulkExportFile(models.Model):
    """One NDJSON file of an export: resources of one type, one JSON object a line; a type
    with many resources takes several files (parts 1, 2, …), so none grows without bound."""

    export = models.ForeignKey(BulkExport, on_delete=models.CASCADE, related_name="files")
    resource_type = models.CharField(max_length=40)
    part = models.PositiveIntegerField()
    count = models.PositiveIntegerField()
    ndjson = models.TextField()

    class Meta:
        ordering = ["export", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["export", "resource_type", "part"], name="bulk_export_file_part"
            )
        ]

    def __str__(self):
        return f"{self.resource_type}-{self.part}.ndjson"
