"""Check the audit trail's hash chain (docs/audit.md, "Hash chain").

The database seals each event as its transaction commits (deferred trigger
`clinic_auditevent_chain`, migration clinic/0006) with an `AuditLink`: `previous_hash` is the
link before's `event_hash`, and `event_hash` the SHA-256 of the event's content with that
previous hash (`clinic_audit_hash(event, previous)`). Walking the links in order, a removed
link shows as the next one linking elsewhere, a removed event as a link to nothing, an edited
event as a hash that no longer matches its content, and an event written with the triggers off
as an event without a link.
"""

from dataclasses import dataclass

from django.db import connection
from django.db.models import Exists, OuterRef

from clinic.models import AuditEvent, AuditLink

GENESIS = "0" * 64  # what the first link links to

LINKS = """
SELECT l.event_id, l.previous_hash, l.event_hash, e.id IS NULL,
       clinic_audit_hash(e, l.previous_hash)
FROM clinic_auditlink l LEFT JOIN clinic_auditevent e ON e.id = l.event_id
ORDER BY l.id
"""


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

    def broken(self, event_id: int, problem: str) -> "ChainReport":
        self.broken_at, self.problem = event_id, problem
        return self


def _rows(cursor, chunk_size: int):
    while rows := cursor.fetchmany(chunk_size):
        yield from rows


def _walk(report: ChainReport, chunk_size: int) -> ChainReport:
    with connection.chunked_cursor() as cursor:
        cursor.execute(LINKS)
        for event_id, previous_hash, event_hash, removed, expected in _rows(cursor, chunk_size):
            if previous_hash != report.last_hash:
                before = f"(#{report.last_id})" if report.last_id else "(it should be the first)"
                return report.broken(
                    event_id,
                    f"Event #{event_id} does not link to the event before it {before}: a link "
                    "before it was removed, or changed and re-hashed.",
                )
            if removed:
                return report.broken(event_id, f"Event #{event_id} was removed from the trail.")
            if event_hash != expected:
                return report.broken(
                    event_id,
                    f"Event #{event_id} was changed after it was written: its content no longer "
                    "matches its hash.",
                )
            report.events += 1
            report.last_id, report.last_hash = event_id, event_hash
    return report


def verify_chain(start_hash: str = GENESIS, chunk_size: int = 5000) -> ChainReport:
    """Walk every link in order (a server-side cursor: constant memory) up to the first broken
    one, then look for events that no link seals. The first link links to `start_hash`: the
    genesis, or after archiving, the last archived event's hash."""
    report = _walk(ChainReport(last_hash=start_hash), chunk_size)
    if not report.intact:
        return report
    sealed = AuditLink.objects.filter(event_id=OuterRef("pk"))
    unsealed = (
        AuditEvent.objects.filter(~Exists(sealed)).order_by("id").values_list("id", flat=True)
    ).first()
    if unsealed is not None:
        return report.broken(
            unsealed,
            f"Event #{unsealed} is in no link of the chain: it was written with the triggers off.",
        )
    return report
