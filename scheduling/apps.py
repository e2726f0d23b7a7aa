"""The clinic calendar, appointments, the due-date rule, worklists, reminders, feeds."""

from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"

    def ready(self):
        """Contribute this app's sections and records to the pages of the apps below."""
        from clinic import sections
        from patients import data_export
        from scheduling import chart, courses, exports, home
        from treatments import session_warnings

        sections.contribute(sections.CHART, chart.appointments_sections, order=20)
        sections.contribute(sections.FRONT_DESK_HOME, home.worklists, order=10)
        sections.contribute(sections.FRONT_DESK_HOME, home.waitlist, order=11)
        sections.contribute(sections.PORTAL_HOME, home.portal_appointments, order=20)
        data_export.contribute_rows(exports.appointment_rows)
        data_export.contribute_files(exports.calendar_files)
        session_warnings.contribute(courses.session_warnings)
