from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic.base import RedirectView

from clinic import views
from clinic.forms import LoginForm

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
    path("fhir/", include("fhir_api.urls")),
    path("records-in/", include("records_in.urls")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True, authentication_form=LoginForm
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("clinic.account_urls")),
    path("language/", include("patients.language_urls")),
    path("healthz", views.healthz, name="healthz"),
    path(  # browsers ask for it whatever the page links: our static icon
        "favicon.ico",
        RedirectView.as_view(url=lazy(static, str)("favicon.ico"), permanent=True),
        name="favicon",
    ),
    path("admin/", admin.site.urls),
]
