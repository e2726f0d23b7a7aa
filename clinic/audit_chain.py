"""Check the audit trail's hash chain (docs/audit.md, "Hash chain").

The database chains each event as it is inserted (trigger `clinic_auditevent_chain`,
migration clinic/0006): `previous_hash` is the event_hash of the event before it, and
`event_hash` the SHA-256 of the event's content with that previous hash
(`clinic_audit_hash(row)`). Walking the trail in id order, a deleted event shows as the next
one linking elsewhere, and an edited one as a hash that no longer matches its content.
"""

from dataclasses import dataclass

from django.db.models.expressions import RawSQL

from clinic.models import AuditEvent

GENESIS = "0" * 64  # what the first event links to


@dataclass
class ChainReport:
    events: int = 0
    last_id: int | None = None
    last_hash: str = GENESIS
    broken_at: int | None = None
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def verify_chain(start_hash: str = GENESIS, chunk_size: int = 5000) -> ChainReport:
    """Walk every event in id order (a server-side cursor: constant memory) up to the first
    broken link. The first event links to `start_hash`: the genesis, or after archiving, the
    last archived event's hash."""
    rows = (
        AuditEvent.objects.order_by("id")
        .annotate(expected=RawSQL("clinic_audit_hash(clinic_auditevent)", ()))
        .values_list("id", "previous_hash", "event_hash", "expected")
        .iterator(chunk_size=chunk_size)
    )
    report = ChainReport(last_hash=start_hash)
    for event_id, previous_hash, event_hash, expected in rows:
        if previous_hash != report.last_hash:
            report.broken_at = event_id
            report.problem = (
                f"Event #{event_id} does not link to the event before it "
                + (f"(#{report.last_id})" if report.last_id else "(it should be the first)")
                + ": an event before it was removed, or changed and re-hashed."
            )
            return report
        if event_hash != expected:
            report.broken_at = event_id
            report.problem = (
                f"Event #{event_id} was changed after it was written: its content no longer "
                "matches its hash."
            )
            return report
        report.events += 1
        report.last_id, report.last_hash = event_id, event_hash
    return report
