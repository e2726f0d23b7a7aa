from django.conf import settings

from clinic.roles import Role, user_role


def clinic(request):
    """Expose the clinic's name and the user's role to every template."""
    role = user_role(request.user) if hasattr(request, "user") else None
    return {
        "clinic_name": settings.CLINIC_NAME,
        "role": role,
        "Role": Role,
        "is_neurologist": role == Role.NEUROLOGIST,
        "is_front_desk": role == Role.FRONT_DESK,
        "is_patient": role == Role.PATIENT,
        "is_staff_role": role in (Role.NEUROLOGIST, Role.FRONT_DESK),
    }
