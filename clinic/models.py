from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.indexes import BrinIndex
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from clinic.roles import user_role


class User(AbstractUser):
    """A person who logs in: staff (neurologist, front desk) or a patient (portal)."""

    class Meta:
        verbose_name = "user"
        ordering = ["last_name", "first_name", "username"]

    def __str__(self):
        return self.get_full_name() or self.username

    @property
    def role(self):
        return user_role(self)


class AuditEvent(models.Model):
    """One line of the append-only audit trail: who did what to which patient's data, when.

    Rows are never changed or deleted (PostgreSQL triggers refuse UPDATE, DELETE and
    TRUNCATE). The user and patient are kept as plain ids without foreign-key constraints, with
    the username and role copied, so the trail outlives accounts and records and never blocks
    deleting them. Each row is chained to the one before by an `AuditLink` the database adds
    when the writing transaction commits, so a missing or edited row breaks the chain
    (`manage.py verify_audit_chain`, docs/audit.md).
    """

    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        CREATE = "create", "Created"
        CHANGE = "change", "Changed"
        DELETE = "delete", "Deleted"
        EXPORT = "export", "Exported"
        LOG_IN = "login", "Logged in"
        LOG_OUT = "logout", "Logged out"

    at = models.DateTimeField("when", default=timezone.now, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # covered by the composite indexes below
        related_name="+",
    )
    username = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=20, blank=True)
    patient = models.ForeignKey(
        "patients.Patient",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # covered by the composite indexes below
        related_name="+",
    )
    action = models.CharField(max_length=10, choices=Action)
    object_type = models.CharField(
        "what", max_length=100, help_text="A model (app.model) or, for views, the page's name."
    )
    object_id = models.CharField(max_length=64, blank=True)
    changes = models.JSONField(
        default=dict,
        encoder=DjangoJSONEncoder,
        blank=True,
        help_text="For changes: {field: [old, new]}; else the values.",
    )
    ip_address = models.GenericIPAddressField("address", null=True, blank=True)
    path = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = "audit event"
        # Newest first by id: rows are appended in time order, and the id indexes keep every
        # list (a patient's, a user's, everyone's) a plain index scan at millions of rows.
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["patient", "-id"], name="audit_patient_recent_idx"),
            models.Index(fields=["user", "-id"], name="audit_user_recent_idx"),
            # Rows arrive in time order, so a BRIN index on time is tiny and fast for ranges.
            BrinIndex(fields=["at"], name="audit_time_brin"),
        ]

    def __str__(self):
        return f"{self.username or 'system'} {self.get_action_display().lower()} {self.object_type}"

    @property
    def what(self) -> str:
        """The object's kind as people say it ("clinical flag"), or the page's name."""
        try:
            return apps.get_model(self.object_type)._meta.verbose_name
        except (LookupError, ValueError):
            return self.object_type

    @property
    def changed_values(self) -> list[tuple[str, object, object]]:
        """(field, old, new) for a change; empty for other actions."""
        if self.action != self.Action.CHANGE:
            return []
        return [(name, old, new) for name, (old, new) in self.changes.items()]


class FormToken(models.Model):
    """A create form's one-time token, spent in the transaction that saved what it created.

    The unique token makes a form posted twice (a double click, a resent request, 20 at once)
    create its record once: the second save fails on it and rolls back, and the user is shown
    what the first one saved (`clinic/form_tokens.py`). Not clinical data: no history.
    """

    token = models.UUIDField(unique=True)
    what = models.CharField(max_length=100, help_text="The model created (app.model).")
    object_id = models.CharField(max_length=64)
    spent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "form token"

    def __str__(self):
        return f"{self.what} #{self.object_id}"


class AuditLink(models.Model):
    """One link of the audit trail's hash chain, in commit order: the event it seals, the hash
    of the link before and SHA-256 of the event's content with it.

    Written only by the deferred trigger `clinic_auditevent_chain` (migration clinic/0006) as
    the event's transaction commits, under one lock: the lock is held for the commit alone, so
    writers never wait on it while holding their row locks. Append-only like the trail; the
    event id is kept without a constraint, so a removed event leaves its link behind.
    """

    event_id = models.BigIntegerField(unique=True, editable=False)
    previous_hash = models.CharField(max_length=64, editable=False)
    event_hash = models.CharField(max_length=64, editable=False)

    class Meta:
        verbose_name = "audit chain link"

    def __str__(self):
        return f"Link {self.pk}: event {self.event_id}"
