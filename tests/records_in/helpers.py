"""CSV files as another system would write them, for the import tests."""

import csv
import io

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
