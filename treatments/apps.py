from django.apps import AppConfig


class TreatmentsConfig(AppConfig):
    name = "treatments"
