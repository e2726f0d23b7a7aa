"""Account pages under /accounts/: two-factor, password reset and change (Django's views)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from clinic import account_views
from clinic.forms import ResetPasswordForm

urlpatterns = [
    path("", account_views.account, name="account"),
    path("two-factor/", account_views.two_factor, name="two_factor"),
    path("two-factor/verify/", account_views.two_factor_verify, name="two_factor_verify"),
    path(
        "password/reset/", account_views.PasswordResetRequestView.as_view(), name="password_reset"
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(form_class=ResetPasswordForm),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/changed/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
]
