"""The portal's treatment pages (no patient id: always the logged-in patient's sessions)."""

from django.urls import path

from treatments import portal_views

app_name = "check_in"
urlpatterns = [
    path("check-in/<int:session_id>/", portal_views.check_in, name="answer"),
]
