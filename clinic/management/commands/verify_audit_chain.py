from django.core.management.base import BaseCommand, CommandError

from clinic.audit_chain import GENESIS, verify_chain


class Command(BaseCommand):
    help = (
        "Walk the audit trail's hash chain in order and report the first broken link: an "
        "event removed or changed after it was written (docs/audit.md). Exits 1 if broken."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--start-hash",
            default=GENESIS,
            help="The hash the first event links to: after archiving, the last archived event's.",
        )

    def handle(self, *args, start_hash: str, **options):
        report = verify_chain(start_hash=start_hash)
        if not report.intact:
            raise CommandError(
                f"The audit chain is broken after {report.events} intact events. {report.problem}"
            )
        if not report.events:
            self.stdout.write("The audit trail is empty.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"The audit chain holds: {report.events} events, the last #{report.last_id} "
                f"with hash {report.last_hash}. Keep this line elsewhere (with the backups): a "
                "later run must still reach this event with this hash."
            )
        )
