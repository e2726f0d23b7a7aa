from django.core.management.base import BaseCommand
from django.utils import timezone

from clinic.demo_accounts import DEMO_PASSWORD, DEMO_PATIENT_USERNAME, DEMO_STAFF, demo_staff
from clinic.roles import Role
from diaries.demo import seed_diaries
from patients.demo import seed_patients
from treatments.demo import seed_sessions
from treatments.demo_progress import seed_reviews
from treatments.demo_schedule import seed_schedule


class Command(BaseCommand):
    help = (
        "Fill the database with a believable demo clinic and demo logins. "
        "Safe to run again: what exists is kept, what is missing is added."
    )

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=40, help="How many demo patients.")

    def handle(self, *args, patients: int, **options):
        if patients < 1:
            self.stderr.write("--patients must be at least 1.")
            raise SystemExit(2)
        today = timezone.localdate()
        staff = demo_staff()
        seeded = seed_patients(count=patients, neurologists=staff[Role.NEUROLOGIST], today=today)
        seed_sessions(patients=seeded, neurologists=staff[Role.NEUROLOGIST], today=today)
        seed_diaries(patients=seeded, today=today)  # after sessions: baselines align to them
        seed_schedule(neurologists=staff[Role.NEUROLOGIST], today=today)
        seed_reviews(neurologists=staff[Role.NEUROLOGIST], today=today)  # one course per verdict
        self.stdout.write(self.style.SUCCESS(f"Demo clinic ready: {len(seeded)} patients."))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, first, last, role in DEMO_STAFF:
            self.stdout.write(f"  {role.label:<12} {username:<14} {first} {last}")
        self.stdout.write(
            f"  {Role.PATIENT.label:<12} {DEMO_PATIENT_USERNAME:<14} "
            f"{seeded[0].full_name} ({seeded[0].mrn})"
        )
