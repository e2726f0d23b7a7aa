import os

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from clinic.db_roles import set_up_roles


class Command(BaseCommand):
    help = (
        "Create the owner and app database roles if missing (passwords from "
        "CLINIC_OWNER_PASSWORD and CLINIC_APP_PASSWORD when set), make the owner own the "
        "database and its tables, and grant the app row access, only SELECT and INSERT on the "
        "audit trail. Idempotent: run it as a superuser once, then as the owner after every "
        "migrate (README, 'Database roles')."
    )

    def add_arguments(self, parser):
        parser.add_argument("--owner", default="clinic_owner", help="The role that migrates.")
        parser.add_argument("--app", default="clinic_app", help="The role the app runs as.")

    def handle(self, *args, owner: str, app: str, **options):
        with transaction.atomic(), connection.cursor() as cursor:
            done = set_up_roles(
                cursor,
                owner=owner,
                app=app,
                owner_password=os.environ.get("CLINIC_OWNER_PASSWORD", ""),
                app_password=os.environ.get("CLINIC_APP_PASSWORD", ""),
            )
        for line in done:
            self.stdout.write(f"- {line}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Migrate as {owner} and serve as {app}: set DATABASE_URL to each role's URL."
            )
        )
