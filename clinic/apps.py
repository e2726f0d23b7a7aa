from django.apps import AppConfig


class ClinicConfig(AppConfig):
    name = "clinic"
    verbose_name = "Clinic"

    def ready(self):
        # connect the signal receivers: audit trail, idle-session clock, pending two-factor;
        # register the deployment checks
        from clinic import audit, checks, idle_sessions, two_factor  # noqa: F401
