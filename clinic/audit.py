"""The audit trail: who saw, changed or exported which patient's data, when, and from where.

Views call `record_view(request, patient, "chart")` (or `record_export`) after fetching the
patient. Creates, changes and deletes are captured automatically for every model that keeps
history (`history = HistoricalRecords()`): see `audit_history_row` and docs/audit.md.
"""

import ipaddress

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.core.exceptions import ObjectDoesNotExist
from django.dispatch import receiver
from simple_history.models import HistoricalRecords
from simple_history.signals import post_create_historical_record

from clinic.models import AuditEvent
from clinic.roles import user_role

Action = AuditEvent.Action
HISTORY_ACTIONS = {"+": Action.CREATE, "~": Action.CHANGE, "-": Action.DELETE}


def client_ip(request) -> str | None:
    """The caller's address: behind our TLS proxy, the one it appended to X-Forwarded-For.

    Also django-axes' AXES_CLIENT_IP_CALLABLE, so lockouts and the trail agree on addresses.
    """
    address = request.META.get("REMOTE_ADDR", "")
    if settings.BEHIND_TLS_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        address = forwarded.split(",")[-1].strip() or address
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def record(**fields) -> AuditEvent:
    """Append one event (the arguments of `event`); the user and address come from `request`
    when one is given."""
    audit_event = event(**fields)
    audit_event.save()
    return audit_event


def event(
    *,
    action: Action,
    object_type: str,
    object_id="",
    patient_id: int | None = None,
    changes: dict | None = None,
    request=None,
    user=None,
) -> AuditEvent:
    """The event `record` appends, unsaved (for `record_bulk_history`)."""
    if user is None and request is not None:
        user = request.user
    if user is not None and not user.is_authenticated:
        user = None
    return AuditEvent(
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        patient_id=patient_id,
        changes=changes or {},
        user=user,
        username=user.get_username() if user else "",
        role=(user_role(user) or ("admin" if user.is_superuser else "")) if user else "",
        ip_address=client_ip(request) if request is not None else None,
        path=request.path[:300] if request is not None else "",
    )


def record_view(request, patient, what: str) -> AuditEvent:
    """Log that the logged-in user looked at `what` (a page name, e.g. "chart") of `patient`."""
    return record(
        action=Action.VIEW,
        object_type=what,
        object_id=patient.pk,
        patient_id=patient.pk,
        request=request,
    )


def record_export(request, patient, what: str, **details) -> AuditEvent:
    """Log that the logged-in user exported `what` (e.g. "diary.csv") of `patient`."""
    return record(
        action=Action.EXPORT,
        object_type=what,
        object_id=patient.pk if patient else "",
        patient_id=patient.pk if patient else None,
        changes=details,
        request=request,
    )


def audited_patient_id(instance) -> int | None:
    """The patient a clinical row belongs to: itself, its `patient`, or its parent's patient.

    A row without a `patient` field (a site of a session, a dose of a diary day) takes the
    patient of the first parent row that has one; a model can say it directly by defining
    `audit_patient_id`.
    """
    if instance._meta.label == "patients.Patient":
        return instance.pk
    if hasattr(instance, "audit_patient_id"):
        return instance.audit_patient_id
    if hasattr(instance, "patient_id"):
        return instance.patient_id
    for field in instance._meta.concrete_fields:
        if field.many_to_one and hasattr(field.related_model, "patient_id"):
            try:
                parent = getattr(instance, field.name)
            except ObjectDoesNotExist:
                return None
            return parent.patient_id if parent is not None else None
    return None


def history_changes(history_row) -> dict:
    """{field: [old, new]}: a create has no old values and a delete no new ones."""
    if history_row.history_type == "~":
        previous = history_row.prev_record
        if previous is None:
            return {}
        delta = history_row.diff_against(previous, foreign_keys_are_objs=False)
        return {change.field: [change.old, change.new] for change in delta.changes}
    fields = history_row.instance_type._meta.concrete_fields
    values = {field.attname: getattr(history_row, field.attname) for field in fields}
    if history_row.history_type == "+":
        return {name: [None, value] for name, value in values.items()}
    return {name: [value, None] for name, value in values.items()}


@receiver(post_create_historical_record)
def audit_history_row(sender, instance, history_instance, history_user, **kwargs):
    """Every history row (create, change, delete of a clinical or booking record) is audited.

    Runs inside the same transaction as the save, so a rolled-back save leaves no event.
    """
    changes = history_changes(history_instance)
    if history_instance.history_type == "~" and not changes:
        return  # saved without a change: nothing to tell
    request = getattr(HistoricalRecords.context, "request", None)
    record(
        action=HISTORY_ACTIONS[history_instance.history_type],
        object_type=instance._meta.label_lower,
        object_id=instance.pk,
        patient_id=audited_patient_id(instance),
        changes=changes,
        request=request,
        user=history_user,
    )


def record_bulk_history(saved: list[tuple[object, object]], *, user) -> None:
    """Audit rows written with simple-history's bulk helpers, which send no signal: `saved`
    holds (instance, its history row) pairs; one INSERT for them all, as `audit_history_row`
    would have written them one by one."""
    request = getattr(HistoricalRecords.context, "request", None)
    AuditEvent.objects.bulk_create(
        [
            event(
                action=HISTORY_ACTIONS[history_row.history_type],
                object_type=instance._meta.label_lower,
                object_id=instance.pk,
                patient_id=audited_patient_id(instance),
                changes=history_changes(history_row),
                request=request,
                user=user,
            )
            for instance, history_row in saved
        ],
        batch_size=1000,
    )


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    record(action=Action.LOG_IN, object_type="session", request=request, user=user)


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        record(action=Action.LOG_OUT, object_type="session", request=request, user=user)
