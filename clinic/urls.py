from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from clinic import views

admin.site.site_header = "Headache clinic administration"

urlpatterns = [
    path("", views.home, name="home"),
    path("clinician/", views.neurologist_home, name="neurologist_home"),
    path("desk/", views.front_desk_home, name="front_desk_home"),
    path("patients/", include("patients.urls")),
    path("patients/", include("treatments.urls")),
    path("portal/", include("diaries.urls")),
    path("portal/", include("treatments.portal_urls")),
    path("patients/<int:patient_id>/diary/", include("diaries.staff_urls")),
    path("", include("reviews.urls")),
    path("schedule/", include("scheduling.urls")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("clinic.account_urls")),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
