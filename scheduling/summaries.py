"""Recomputing every course summary at once, for the periodic job and after bulk loads.

Day to day the triggers (`scheduling/triggers.py`) keep each summary true as data is written;
this is the same SQL function over every patient.
"""

from django.db import connection

from scheduling.triggers import RECOMPUTE_ALL


def refresh_courses() -> None:
    """Recompute the course summary of every patient (one statement)."""
    with connection.cursor() as cursor:
        cursor.execute(RECOMPUTE_ALL)
