from django.urls import path

from scheduling import call_views, reminder_views, views, waitlist_views

app_name = "schedule"
urlpatterns = [
    path("day/", views.calendar_day, name="day"),
    path("week/", views.calendar_week, name="week"),
    path("day/print/", views.day_list, name="day_list"),
    path("arrivals/", views.arrivals, name="arrivals"),
    path("patients/<int:patient_id>/book-next/", views.book_next, name="book_next"),
    path("patients/<int:patient_id>/book/", views.book, name="book"),
    path("patients/<int:patient_id>/appointments.ics", views.patient_ics, name="patient_ics"),
    path(
        "patients/<int:patient_id>/appointments/<int:appointment_id>/",
        views.appointment_detail,
        name="appointment",
    ),
    path(
        "patients/<int:patient_id>/appointments/<int:appointment_id>/status/",
        views.appointment_status,
        name="status",
    ),
    path(
        "patients/<int:patient_id>/appointments/<int:appointment_id>/undo/",
        views.appointment_undo,
        name="undo",
    ),
    path(
        "patients/<int:patient_id>/appointments/<int:appointment_id>/reschedule/",
        views.reschedule,
        name="reschedule",
    ),
    path("patients/<int:patient_id>/course/restart/", views.restart, name="restart"),
    path(
        "patients/<int:patient_id>/appointments/<int:appointment_id>/cancel-for-course/",
        views.cancel_booking,
        name="booking_cancel",
    ),
    path(
        "patients/<int:patient_id>/appointments/<int:appointment_id>/keep-for-course/",
        views.keep_booking,
        name="booking_keep",
    ),
    path("patients/<int:patient_id>/calls/", call_views.call_record, name="call_record"),
    path("reminders/", reminder_views.reminders, name="reminders"),
    path("reminders/letters/", reminder_views.letters, name="letters"),
    path(
        "reminders/letters/printed/",
        reminder_views.letters_mark_printed,
        name="letters_printed",
    ),
    path("r/<str:token>/", reminder_views.reminder_answer_page, name="reminder_answer"),
    path("waitlist/", waitlist_views.waitlist, name="waitlist"),
    path("waitlist/offer/", waitlist_views.waitlist_offer, name="waitlist_offer"),
    path("patients/<int:patient_id>/waitlist/", waitlist_views.waitlist_join, name="waitlist_join"),
    path(
        "patients/<int:patient_id>/waitlist/<int:entry_id>/remove/",
        waitlist_views.waitlist_leave,
        name="waitlist_leave",
    ),
    path("offers/<str:token>/", waitlist_views.offer, name="offer"),
    path("feed/", views.feed_settings, name="feed_settings"),
    path("feed/<str:token>.ics", views.clinician_feed, name="feed"),
]
