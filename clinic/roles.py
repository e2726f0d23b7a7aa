"""The three kinds of people who use the clinic, and how views admit them.

A role is membership of a Django group created by a data migration. Superusers use the
admin; they are not given a role by being superusers.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    NEUROLOGIST = "neurologist", _("Neurologist")
    FRONT_DESK = "front_desk", _("Front desk")
    PATIENT = "patient", _("Patient")


STAFF_ROLES = (Role.NEUROLOGIST, Role.FRONT_DESK)

# Group names as staff see them in the admin.
GROUP_NAMES = {
    Role.NEUROLOGIST: "Neurologists",
    Role.FRONT_DESK: "Front desk",
    Role.PATIENT: "Patients",
}
ROLE_BY_GROUP = {name: role for role, name in GROUP_NAMES.items()}


def user_role(user) -> Role | None:
    """Return the user's role, or None. Cached on the user object for the request."""
    if not user.is_authenticated:
        return None
    if not hasattr(user, "_clinic_role"):
        names = set(user.groups.values_list("name", flat=True))
        roles = [role for group, role in ROLE_BY_GROUP.items() if group in names]
        user._clinic_role = roles[0] if len(roles) == 1 else None
    return user._clinic_role


def role_required(*roles: Role):
    """Admit only users with one of `roles`: anonymous users go to login, others get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            if user_role(request.user) not in roles:
                raise PermissionDenied(gettext("Your role does not give access to this page."))
            return view(request, *args, **kwargs)

        wrapped.allowed_roles = roles
        return wrapped

    return decorator


staff_required = role_required(*STAFF_ROLES)
neurologist_required = role_required(Role.NEUROLOGIST)
front_desk_required = role_required(Role.FRONT_DESK)
patient_required = role_required(Role.PATIENT)
