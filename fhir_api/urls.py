from django.urls import path, re_path

from fhir_api import views

app_name = "fhir"

urlpatterns = [
    path("", views.unknown, {"path": ""}, name="base"),
    path("metadata", views.metadata, name="metadata"),
    path("$export", views.export_kick_off, name="export"),
    path("Patient/$export", views.export_kick_off, name="export_patients"),
    path("Patient/<int:patient_id>/$export", views.export_kick_off, name="export_patient"),
    path("$export-status/<uuid:export_id>", views.export_status, name="export_status"),
    path(
        "$export-file/<uuid:export_id>/<str:resource_type>-<int:part>.ndjson",
        views.export_file,
        name="export_file",
    ),
    path("<str:resource_type>", views.search, name="search"),
    path("<str:resource_type>/<str:resource_id>", views.read, name="read"),
    re_path(r"^(?P<path>.+)$", views.unknown, name="unknown"),
]
