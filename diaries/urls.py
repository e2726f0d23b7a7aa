"""The portal: the logged-in patient's own diary (no patient id in any URL)."""

from django.urls import path

from diaries import nudge_views, views

app_name = "portal"
urlpatterns = [
    path("", views.portal_home, name="home"),
    path("attack/started/", views.attack_started, name="attack_started"),
    path("attack/ended/", views.attack_ended, name="attack_ended"),
    path("calendar/", views.diary_calendar, name="calendar"),
    path("days/new/", views.day_new, name="day_new"),
    path("days/<int:day_id>/", views.day_edit, name="day_edit"),
    path("days/<int:day_id>/remove/", views.day_remove, name="day_remove"),
    path("days/sync/", views.day_sync, name="day_sync"),
    path("sw.js", views.service_worker, name="service_worker"),
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
    path("my-records.zip", views.my_records, name="my_records"),
    path("reminders/", nudge_views.reminders, name="reminders"),
    path("reminders/push/", nudge_views.push_subscription, name="push_subscription"),
    path("reminders/stop/<str:token>/", nudge_views.reminders_stop, name="reminders_stop"),
    path("invitation/<str:token>/", views.accept_invitation, name="accept_invitation"),
]
