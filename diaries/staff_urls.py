"""A patient's diary as clinicians see it: the same views, under /patients/<id>/diary/."""

from django.urls import path

from diaries import views

app_name = "diary"
urlpatterns = [
    path("calendar/", views.diary_calendar, name="calendar"),
    path("days/new/", views.day_new, name="day_new"),
    path("days/<int:day_id>/", views.day_edit, name="day_edit"),
    path("days/<int:day_id>/remove/", views.day_remove, name="day_remove"),
    path("medicines/", views.medicines, name="medicines"),
    path("medicines/<int:medicine_id>/", views.medicine_edit, name="medicine_edit"),
    path("import-export/", views.transfer, name="transfer"),
    path(
        "import-export/imports/<int:import_id>/",
        views.import_progress,
        name="import_progress",
    ),
    path("export.csv", views.export, name="export"),
    path("report/", views.report, name="report"),
    path("invite/", views.invite, name="invite"),
]
