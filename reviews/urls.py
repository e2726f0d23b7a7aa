from django.urls import path

from reviews import audit_views, views

app_name = "progress"
urlpatterns = [
    path("patients/<int:patient_id>/progress/", views.progress_page, name="page"),
    path("patients/<int:patient_id>/progress/review/", views.review_add, name="review_add"),
    path(
        "patients/<int:patient_id>/progress/reviews/<int:review_id>/letter/",
        views.review_letter,
        name="letter",
    ),
    path(
        "patients/<int:patient_id>/progress/reviews/<int:review_id>/letters/issue/",
        views.letter_issue,
        name="letter_issue",
    ),
    path(
        "patients/<int:patient_id>/progress/reviews/<int:review_id>/letters/<int:letter_id>.pdf",
        views.letter_download,
        name="letter_download",
    ),
    path("portal/progress/", views.portal_progress, name="portal"),
    path("clinic/audit/", audit_views.clinic_audit_page, name="clinic_audit"),
]
