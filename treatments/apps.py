"""Protocols, injection sessions, side effects, the check-in, prices."""

from django.apps import AppConfig


class TreatmentsConfig(AppConfig):
    name = "treatments"

    def ready(self):
        """Contribute this app's sections and records to the pages of the apps below."""
        from clinic import sections
        from patients import data_export
        from treatments import chart, exports, home

        sections.contribute(sections.CHART, chart.treatment_sections, order=10)
        sections.contribute(sections.NEUROLOGIST_HOME, home.serious_events, order=10)
        sections.contribute(sections.PORTAL_HOME, home.portal_check_in, order=10)
        sections.contribute(sections.PORTAL_HOME_MORE, home.portal_aftercare, order=20)
        data_export.contribute_rows(exports.session_rows)
        data_export.contribute_files(exports.aftercare_files)
