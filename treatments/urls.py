from django.urls import path

from treatments import views

app_name = "treatments"
urlpatterns = [
    path("<int:patient_id>/sessions/new/", views.session_new, name="session_new"),
    path(
        "<int:patient_id>/sessions/<int:session_id>/",
        views.session_detail,
        name="session_detail",
    ),
    path(
        "<int:patient_id>/sessions/<int:session_id>/edit/",
        views.session_edit,
        name="session_edit",
    ),
    path(
        "<int:patient_id>/sessions/<int:session_id>/sign/",
        views.session_sign_view,
        name="session_sign",
    ),
    path(
        "<int:patient_id>/sessions/<int:session_id>/aftercare/",
        views.aftercare,
        name="aftercare",
    ),
    path(
        "<int:patient_id>/sessions/<int:session_id>/side-effects/new/",
        views.adverse_event_add,
        name="adverse_event_add",
    ),
    path(
        "<int:patient_id>/side-effects/<int:event_id>/acknowledge/",
        views.adverse_event_acknowledge,
        name="adverse_event_acknowledge",
    ),
    path("<int:patient_id>/quote/", views.quote, name="quote"),
]
