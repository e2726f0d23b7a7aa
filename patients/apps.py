"""Patients and their clinical records; the chart and its header (kernel: clinic)."""

from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "patients"

    def ready(self):
        """Contribute this app's sections and records to the pages of the apps below."""
        from clinic import sections
        from patients import access_log, home

        sections.contribute(sections.CHART, access_log.access_log_sections, order=90)
        sections.contribute(sections.NEUROLOGIST_HOME, home.recent_patients, order=90)
        sections.contribute(sections.FRONT_DESK_HOME, home.referrals, order=90)
