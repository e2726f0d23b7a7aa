"""The headache diary and the patient portal's diary pages."""

from django.apps import AppConfig


class DiariesConfig(AppConfig):
    name = "diaries"

    def ready(self):
        """Contribute this app's sections and records to the pages of the apps below."""
        from clinic import sections
        from diaries import chart, exports
        from patients import data_export

        sections.contribute(sections.CHART, chart.diary_sections, order=40)
        data_export.contribute_files(exports.diary_files)
