"""Merging two records of one person: every row of the duplicate moves to the record kept.

The rows are found through Django's model meta (every model with a foreign key to `Patient`,
whatever app it is in), so this app imports none of the apps above it, and a model added
later moves too. What a merge does, and what stops it, is worked out first (`merge_plan`): the
preview shows it and `merge_records` refuses while anything blocks.

- Rows move with one UPDATE per model and keep their history: each moved row gets a history
  row (who, when, the merge's reason) and an audit event (`clinic.audit.record_bulk_history`).
  Earlier history rows are left as they were: they tell what was true then.
- A unique or exclusion constraint that includes the patient (one diary entry a day, one
  session a day, one active flag of a kind, one medicine name, no overlapping appointments) is
  checked on both records' rows together: a clash blocks the merge and is listed, so a person
  can correct one side first. Cycle numbers are the exception: sessions are renumbered in the
  order they were given (`RENUMBERED`).
- A one-to-one row (eligibility, course state) moves when only the duplicate has one; when both
  have one, the kept record's stays and the duplicate's stays with the merged record.
- Derived rows (a one-to-one without history: the course, review and progress summaries) are
  recomputed by their triggers for the kept record; the merged record's are deleted.
- The duplicate is not deleted: it gets the status MERGED and a `PatientMerge` row, and can no
  longer be opened (except its chart, which links to the kept record), found, booked or logged
  into. A portal account moves with it when the kept record has none; otherwise it is
  detached and switched off.
- `records_merged` is sent inside the transaction, for apps that keep something to refresh.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.apps import apps
from django.contrib.postgres.constraints import ExclusionConstraint
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.dispatch import Signal
from django.utils.text import capfirst

from clinic import audit
from patients.models import Patient, PatientMerge

records_merged = Signal()  # sent with `merge` (a PatientMerge), inside the merge's transaction

# model label: (number field, date field): numbers that count a patient's rows in date order.
RENUMBERED = {"treatments.InjectionSession": ("number", "performed_on")}
RENUMBER_OFFSET = 10000  # numbers are moved out of the way first (smallint: below 32767)
# Details compared side by side on the preview (the kept record's stay).
COMPARED_FIELDS = [
    "mrn",
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "national_id",
    "phone",
    "email",
    "address",
    "preferred_contact",
    "referring_clinician",
    "primary_diagnosis",
    "status",
    "consent_date",
    "registered_on",
]
CLASHES_SHOWN = 10


@dataclass(frozen=True)
class Relation:
    """A model with a foreign key to Patient, and that key."""

    model: type[models.Model]
    field: models.Field

    @property
    def label(self) -> str:
        return self.model._meta.label

    @property
    def name(self) -> str:
        return str(self.model._meta.verbose_name_plural)

    @property
    def one_to_one(self) -> bool:
        return self.field.one_to_one

    @property
    def has_history(self) -> bool:
        return hasattr(self.model, "history")

    @property
    def derived(self) -> bool:
        """A summary the triggers compute (one row per patient, no history of its own)."""
        return self.one_to_one and not self.has_history

    def rows(self, patient: Patient) -> models.QuerySet:
        return self.model._base_manager.filter(**{self.field.name: patient})


def relations() -> list[Relation]:
    """Every model pointing at Patient, but the audit trail and history tables (their foreign
    keys are hidden, `related_name="+"`) and merges themselves."""
    return [
        Relation(rel.related_model, rel.field)
        for rel in Patient._meta.related_objects
        if rel.related_model is not PatientMerge
    ]


@dataclass
class RowCount:
    name: str
    kept: int
    merged: int


@dataclass
class MergePlan:
    kept: Patient
    merged: Patient
    refusals: list[str] = field(default_factory=list)  # nothing can be done while any
    conflicts: list[dict] = field(default_factory=list)  # {"title", "rows"}: resolve first
    outcomes: list[str] = field(default_factory=list)  # what the merge will do, besides moving
    counts: list[RowCount] = field(default_factory=list)
    differences: list[dict] = field(default_factory=list)  # {"label", "kept", "merged", "same"}

    @property
    def blocked(self) -> bool:
        return bool(self.refusals or self.conflicts)

    def problems(self) -> list[str]:
        return self.refusals + [
            f"{c['title']}: {', '.join(c['rows'])}" if c["rows"] else c["title"]
            for c in self.conflicts
        ]


def refusals(kept: Patient, merged: Patient) -> list[str]:
    """Why these two records cannot be merged at all, whatever their rows."""
    if kept.pk == merged.pk:
        return ["A record cannot be merged into itself: choose the duplicate record."]
    found = []
    for patient in (merged, kept):
        if patient.status == Patient.Status.MERGED:
            found.append(
                f"{patient} has already been merged into another record; "
                "merge into that record instead."
            )
    if not found and merged.merges_in.exists():
        found.append(
            f"Other records were merged into {merged}; merge the other way round "
            f"(keep {merged}) so that no merged record points at a merged record."
        )
    return found


def identity_conflicts(kept: Patient, merged: Patient) -> list[dict]:
    """Facts that say these may be two people: both must agree before the merge."""
    found = []
    if kept.date_of_birth != merged.date_of_birth:
        found.append(
            {
                "title": "The dates of birth differ. If these are one person, correct the wrong "
                "one (Edit details) first",
                "rows": [
                    f"{kept.mrn}: {kept.date_of_birth:%-d %b %Y}",
                    f"{merged.mrn}: {merged.date_of_birth:%-d %b %Y}",
                ],
            }
        )
    if (
        kept.national_id
        and merged.national_id
        and (kept.national_id_kind, kept.national_id)
        != (merged.national_id_kind, merged.national_id)
    ):
        found.append(
            {
                "title": "The national identifiers differ. If these are one person, correct the "
                "wrong one first",
                "rows": [
                    f"{kept.mrn}: {kept.national_id_display}",
                    f"{merged.mrn}: {merged.national_id_display}",
                ],
            }
        )
    return found


def _patient_expressions(constraint, field_name: str):
    """A constraint's expressions other than the patient, or None if it has no patient."""
    if isinstance(constraint, ExclusionConstraint):
        pairs = [
            (F(expr) if isinstance(expr, str) else expr, operator)
            for expr, operator in constraint.expressions
        ]
    elif isinstance(constraint, models.UniqueConstraint):
        pairs = [(F(name), "=") for name in constraint.fields] + [
            (expr, "=") for expr in constraint.expressions
        ]
    else:
        return None
    is_patient = [isinstance(e, F) and e.name in (field_name, f"{field_name}_id") for e, _ in pairs]
    if not any(is_patient):
        return None
    return [pair for pair, patient in zip(pairs, is_patient, strict=True) if not patient]


LOOKUPS = {"=": "exact", "&&": "overlap"}


def constraint_clashes(relation: Relation, constraint, kept: Patient, merged: Patient):
    """The duplicate's rows that the constraint would refuse beside the kept record's rows."""
    others = _patient_expressions(constraint, relation.field.name)
    if others is None or any(op not in LOOKUPS for _, op in others):
        return None  # (an unknown operator: the database refuses the merge, nothing changes)
    # With no other expressions (one waiting entry per patient) any two rows clash.
    condition = getattr(constraint, "condition", None) or Q()
    names = {f"_merge_{i}": expr for i, (expr, _) in enumerate(others)}
    kept_rows = relation.rows(kept).filter(condition).annotate(**names)
    matches = {
        f"{name}__{LOOKUPS[op]}": OuterRef(name)
        for name, (_, op) in zip(names, others, strict=True)
    }
    return (
        relation.rows(merged)
        .filter(condition)
        .annotate(**names)
        .filter(Exists(kept_rows.filter(**matches)))
    )


def _renumbering(relation: Relation, kept: Patient, merged: Patient) -> list[tuple]:
    """(row, new number) for the rows of both records whose number changes when the rows are
    numbered 1, 2, … in order."""
    number, order = RENUMBERED[relation.label]
    rows = sorted(
        [*relation.rows(kept), *relation.rows(merged)],
        key=lambda row: (getattr(row, order), getattr(row, number)),
    )
    return [(row, i) for i, row in enumerate(rows, 1) if getattr(row, number) != i]


def _renumbered_constraint(relation: Relation, constraint) -> bool:
    if relation.label not in RENUMBERED or not isinstance(constraint, models.UniqueConstraint):
        return False
    return set(constraint.fields) == {relation.field.name, RENUMBERED[relation.label][0]}


def _clash_conflicts(relation: Relation, kept: Patient, merged: Patient) -> list[dict]:
    found = []
    meta = relation.model._meta
    unique_together = [
        models.UniqueConstraint(fields=list(fields), name=f"{meta.db_table}_unique_together")
        for fields in meta.unique_together
    ]
    for constraint in [*meta.constraints, *unique_together]:
        if _renumbered_constraint(relation, constraint):
            continue
        clashes = constraint_clashes(relation, constraint, kept, merged)
        if clashes is None:
            continue
        rows = [str(row) for row in clashes[: CLASHES_SHOWN + 1]]
        if rows:
            if len(rows) > CLASHES_SHOWN:
                rows[-1] = "and more"
            message = constraint.violation_error_message or "These rows clash"
            found.append(
                {
                    "title": f"{capfirst(relation.name)} of the duplicate clash with the kept "
                    f"record's ({message.rstrip('.')}). Correct or remove them on one record first",
                    "rows": rows,
                }
            )
    return found


def merge_plan(kept: Patient, merged: Patient) -> MergePlan:
    """What merging `merged` into `kept` would do, and what stops it (for the preview and as
    the merge's own check). A fixed number of queries: a few for each related model."""
    plan = MergePlan(kept=kept, merged=merged, refusals=refusals(kept, merged))
    plan.differences = [
        {
            "label": capfirst(Patient._meta.get_field(name).verbose_name),
            "kept": _shown(kept, name),
            "merged": _shown(merged, name),
            "same": _shown(kept, name) == _shown(merged, name),
        }
        for name in COMPARED_FIELDS
    ]
    if plan.refusals:
        return plan
    plan.conflicts = identity_conflicts(kept, merged)
    for relation in relations():
        if relation.derived:
            continue
        counts = dict(
            relation.model._base_manager.filter(**{f"{relation.field.name}__in": [kept, merged]})
            .values_list(relation.field.name)
            .annotate(n=Count("pk"))
        )
        count = RowCount(relation.name, counts.get(kept.pk, 0), counts.get(merged.pk, 0))
        plan.counts.append(count)
        if relation.one_to_one and count.kept and count.merged:
            plan.outcomes.append(
                f"Both records have {relation.model._meta.verbose_name}: the kept record's "
                f"({relation.rows(kept).get()}) stays, and the duplicate's "
                f"({relation.rows(merged).get()}) stays with the merged record."
            )
            continue
        if count.kept and count.merged:
            plan.conflicts += _clash_conflicts(relation, kept, merged)
            if relation.label in RENUMBERED and _renumbering(relation, kept, merged):
                number = relation.model._meta.get_field(RENUMBERED[relation.label][0])
                plan.outcomes.append(
                    f"Both records have {relation.name}: their {number.verbose_name} numbers "
                    "are renumbered 1, 2, … in date order."
                )
    plan.outcomes += _account_outcome(kept, merged)
    return plan


def _shown(patient: Patient, name: str) -> str:
    model_field = Patient._meta.get_field(name)
    if model_field.choices:
        return getattr(patient, f"get_{name}_display")()
    value = patient.national_id_display if name == "national_id" else getattr(patient, name)
    if value is None or value == "":
        return "—"
    return value.strftime("%-d %b %Y") if hasattr(value, "strftime") else str(value)


def _account_outcome(kept: Patient, merged: Patient) -> list[str]:
    if not merged.user_id:
        return []
    if not kept.user_id:
        return [
            f"The duplicate's portal account ({merged.user.get_username()}) moves to the kept "
            "record: the patient logs in as before and sees the kept record."
        ]
    return [
        f"Both records have a portal account: the kept record's "
        f"({kept.user.get_username()}) stays; the duplicate's ({merged.user.get_username()}) is "
        "detached and switched off, so it can no longer log in."
    ]


def moved_rows(merge: PatientMerge) -> list[tuple[str, int]]:
    """What a merge moved, as people read it: ("injection sessions", 3), …"""
    return [
        (str(apps.get_model(label)._meta.verbose_name_plural), count)
        for label, count in merge.moved.items()
    ]


def merge_records(*, kept: Patient, merged: Patient, by, reason: str, now: datetime):
    """Merge `merged` into `kept` in one transaction, or change nothing and raise
    ValidationError with every reason it cannot be done. Returns the PatientMerge."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why these records are one person."})
    try:
        with transaction.atomic():
            return _merge(kept, merged, by=by, reason=reason, now=now)
    except IntegrityError as error:  # a rule `merge_plan` does not know of: nothing changed
        raise ValidationError(
            f"Nothing was merged: the database refused a moved row ({error}). "
            "Correct that row on one record first."
        ) from error


def _merge(kept: Patient, merged: Patient, *, by, reason: str, now: datetime) -> PatientMerge:
    for pk in sorted({kept.pk, merged.pk}):  # two merges at once wait for each other
        Patient.objects.lock(pk)
    kept = Patient.objects.select_related("user").get(pk=kept.pk)
    merged = Patient.objects.select_related("user").get(pk=merged.pk)
    plan = merge_plan(kept, merged)
    if plan.blocked:
        raise ValidationError(plan.problems())
    moved = {}
    for relation in relations():
        if relation.derived or (relation.one_to_one and relation.rows(kept).exists()):
            continue
        count = _move(relation, kept, merged, by=by, reason=reason, now=now)
        if count:
            moved[relation.label] = count
    _move_account(kept, merged, by=by, reason=reason)
    merged.status = Patient.Status.MERGED
    _save(merged, by, reason)
    for relation in relations():  # after the last write that recomputes them
        if relation.derived:
            relation.rows(merged).delete()
    merge = PatientMerge.objects.create(
        kept=kept,
        merged=merged,
        merged_by=by,
        merged_at=now,
        reason=reason,
        moved=moved,
        outcome=plan.outcomes,
    )
    for patient, role in ((kept, "kept"), (merged, "merged")):
        audit.record(
            action=audit.Action.CHANGE,
            object_type="patients.patientmerge",
            object_id=merge.pk,
            patient_id=patient.pk,
            changes={
                "this record": [None, role],
                "kept": [None, kept.mrn],
                "merged": [None, merged.mrn],
                "reason": [None, reason],
                "moved": [None, moved],
            },
            user=by,
        )
    records_merged.send(sender=PatientMerge, merge=merge)
    return merge


def _history(relation: Relation, rows: list, *, by, reason: str, now: datetime) -> None:
    """A history row and an audit event for each changed row, as a save would write them."""
    if relation.has_history and rows:
        history = relation.model.history.bulk_history_create(
            rows, update=True, default_user=by, default_change_reason=reason, default_date=now
        )
        audit.record_bulk_history(list(zip(rows, history, strict=True)), user=by)


def _move(relation: Relation, kept: Patient, merged: Patient, **change) -> int:
    """Point the duplicate's rows at the kept record (renumbering them first where their
    numbers count both records' rows); returns how many moved."""
    moving = {row.pk: row for row in relation.rows(merged)}
    renumbered = _renumbering(relation, kept, merged) if relation.label in RENUMBERED else []
    number = RENUMBERED.get(relation.label, ("",))[0]
    if renumbered:  # out of the way first: no two rows share a number at any point
        for row, new in renumbered:
            setattr(row, number, RENUMBER_OFFSET + new)
        relation.model._base_manager.bulk_update([row for row, _ in renumbered], [number])
    if moving:
        relation.rows(merged).update(**{relation.field.name: kept})
    changed = dict(moving)
    if renumbered:
        for row, new in renumbered:
            setattr(row, number, new)
            changed[row.pk] = row
        relation.model._base_manager.bulk_update([row for row, _ in renumbered], [number])
    for row in changed.values():
        setattr(row, relation.field.attname, kept.pk)
    _history(relation, list(changed.values()), **change)
    return len(moving)


def _move_account(kept: Patient, merged: Patient, *, by, reason: str) -> None:
    account = merged.user
    if account is None:
        return
    merged.user = None
    _save(merged, by, reason)
    if kept.user_id is None:
        kept.user = account
        _save(kept, by, reason)
    else:
        account.is_active = False
        account.save(update_fields=["is_active"])


def _save(patient: Patient, by, reason: str) -> None:
    patient._history_user = by
    patient._change_reason = reason
    patient.save()
