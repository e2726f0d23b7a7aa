from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from clinic.roles import Role
from demo.accounts import (
    DEMO_PASSWORD,
    DEMO_PATIENT_USERNAME,
    DEMO_SPANISH_PATIENT_USERNAME,
    DEMO_STAFF,
    demo_staff,
)
from demo.courses import seed_courses
from demo.diaries import seed_diaries
from demo.large_clinic import MAX_PATIENTS, MAX_YEARS, seed_large_clinic
from demo.patients import SPANISH_PATIENT_NUMBER, seed_patients
from demo.reviews import seed_reviews
from demo.schedule import seed_portal_follow_up, seed_schedule
from demo.sessions import seed_sessions
from reviews.summaries import refresh_summaries

SMALL_DEMO_PATIENTS = 40
LARGE_CLINIC_PATIENTS = 10_000


class Command(BaseCommand):
    help = (
        "Fill the database with a believable demo clinic and demo logins. "
        "Safe to run again: what exists is kept, what is missing is added. "
        "With --years, also build a large synthetic clinic in bulk (e.g. --patients 10000 "
        "--years 2)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--patients",
            type=int,
            default=None,
            help=f"How many demo patients (default {SMALL_DEMO_PATIENTS}); with --years, how "
            f"many synthetic patients in the large clinic (default {LARGE_CLINIC_PATIENTS:,}).",
        )
        parser.add_argument(
            "--years",
            type=int,
            default=None,
            help=f"Build the large clinic with this many years of history (1 to {MAX_YEARS}), "
            f"after the small demo. Without it, only the small demo is made.",
        )

    def handle(self, *args, patients: int | None, years: int | None, **options):
        if years is None:
            patients = SMALL_DEMO_PATIENTS if patients is None else patients
            if patients < 1:
                self.stderr.write("--patients must be at least 1.")
                raise SystemExit(2)
            self._small_demo(patients)
            return
        patients = LARGE_CLINIC_PATIENTS if patients is None else patients
        if not 1 <= years <= MAX_YEARS:
            raise CommandError(f"--years must be from 1 to {MAX_YEARS} (got {years}).")
        if not 1 <= patients <= MAX_PATIENTS:
            raise CommandError(
                f"--patients must be from 1 to {MAX_PATIENTS:,} with --years (got {patients:,})."
            )
        self._small_demo(SMALL_DEMO_PATIENTS)  # demo logins work on the large clinic too
        try:
            seed_large_clinic(
                patients=patients, years=years, today=timezone.localdate(), out=self.stdout
            )
        except RuntimeError as error:
            raise CommandError(str(error)) from error

    def _small_demo(self, patients: int) -> None:
        today = timezone.localdate()
        staff = demo_staff()
        seeded = seed_patients(count=patients, neurologists=staff[Role.NEUROLOGIST], today=today)
        seed_sessions(patients=seeded, neurologists=staff[Role.NEUROLOGIST], today=today)
        seed_diaries(patients=seeded, today=today)  # after sessions: baselines align to them
        seed_schedule(neurologists=staff[Role.NEUROLOGIST], today=today)
        # patient.demo's next injection, booked (the portal shows upcoming appointments)
        seed_portal_follow_up(seeded[0], staff[Role.NEUROLOGIST], today)
        seed_reviews(neurologists=staff[Role.NEUROLOGIST], today=today)  # one course per verdict
        seed_courses(neurologists=staff[Role.NEUROLOGIST], today=today)  # each decision, state
        refresh_summaries(today)  # as the nightly job would: the review queue reads them
        self.stdout.write(self.style.SUCCESS(f"Demo clinic ready: {len(seeded)} patients."))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, first, last, role in DEMO_STAFF:
            self.stdout.write(f"  {role.label:<12} {username:<14} {first} {last}")
        self.stdout.write(
            f"  {Role.PATIENT.label:<12} {DEMO_PATIENT_USERNAME:<14} "
            f"{seeded[0].full_name} ({seeded[0].mrn})"
        )
        if len(seeded) >= SPANISH_PATIENT_NUMBER:
            spanish = seeded[SPANISH_PATIENT_NUMBER - 1]
            self.stdout.write(
                f"  {Role.PATIENT.label:<12} {DEMO_SPANISH_PATIENT_USERNAME:<14} "
                f"{spanish.full_name} ({spanish.mrn}), portal in Spanish"
            )
