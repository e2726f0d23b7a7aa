from django.urls import path, re_path

from fhir_api import views

app_name = "fhir"

urlpatterns = [
    path("", views.unknown, {"path": ""}, name="base"),
    path("metadata", views.metadata, name="metadata"),
    path("<str:resource_type>", views.search, name="search"),
    path("<str:resource_type>/<str:resource_id>", views.read, name="read"),
    re_path(r"^(?P<path>.+)$", views.unknown, name="unknown"),
]
