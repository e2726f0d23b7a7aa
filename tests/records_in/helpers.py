"""CSV files as another system would write them, for the import tests."""

import csv
import io
import json

from django.db import connection

from treatments.protocols import PREEMPT_NAME, PREEMPT_SITES

PREEMPT_SITES_5U = "; ".join(f"{code} 5" for code, *_ in PREEMPT_SITES)  # 155 U


def csv_file(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def patient_row(mrn="EXT0001", **values) -> dict:
    return {
        "mrn": mrn,
        "given_name": "Ada",
        "family_name": "Lovelace",
        "date_of_birth": "1980-05-17",
        "sex": "female",
        "primary_diagnosis": "chronic_migraine",
        "status": "active",
        "nhs_number": "",
        **values,
    }


def session_row(mrn="EXT0001", performed_on="2026-01-05", **values) -> dict:
    return {
        "mrn": mrn,
        "performed_on": performed_on,
        "injection_time": "09:30",
        "protocol": PREEMPT_NAME,
        "sites": PREEMPT_SITES_5U,
        "additions": "",
        "lot_number": "C1234C3",
        "lot_expiry": "2027-01-31",
        "reconstituted_at": f"{performed_on} 09:00",
        "injector": "dr_who",
        "early_reason": "",
        **values,
    }


def bundle(resources: list[dict]) -> bytes:
    """A collection Bundle of these resources, each entry with a full URL."""
    entries = [
        {"fullUrl": f"urn:uuid:{r['resourceType']}-{r['id']}", "resource": r} for r in resources
    ]
    return json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries}).encode()


def empty_the_clinic():
    """Every clinical table (every table that refers to a patient) emptied; staff kept."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # fire the pending checks first
        cursor.execute("TRUNCATE patients_patient CASCADE")
