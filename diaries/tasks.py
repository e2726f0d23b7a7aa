"""Jobs of the diary, run by the job runner (clinic/jobs.py)."""

from diaries.imports import import_diary

__all__ = ["import_diary"]  # big CSV imports (diaries/imports.py)
