from django.urls import path

from patients import merge_views, views

app_name = "patients"
urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.patient_create, name="create"),
    path("<int:patient_id>/", views.patient_chart, name="chart"),
    path("<int:patient_id>/edit/", views.patient_edit, name="edit"),
    path("<int:patient_id>/merge/", merge_views.merge, name="merge"),
    path("<int:patient_id>/access-log/", views.access_log, name="access_log"),
    path("<int:patient_id>/records.zip", views.data_export, name="data_export"),
    path("<int:patient_id>/eligibility/", views.eligibility_edit, name="eligibility"),
    path("<int:patient_id>/preventives/new/", views.preventive_edit, name="preventive_add"),
    path(
        "<int:patient_id>/preventives/<int:preventive_id>/",
        views.preventive_edit,
        name="preventive_edit",
    ),
    path(
        "<int:patient_id>/preventives/<int:preventive_id>/delete/",
        views.preventive_delete,
        name="preventive_delete",
    ),
    path("<int:patient_id>/flags/new/", views.flag_add, name="flag_add"),
    path("<int:patient_id>/flags/<int:flag_id>/resolve/", views.flag_resolve, name="flag_resolve"),
]
