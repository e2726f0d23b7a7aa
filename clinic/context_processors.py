from django.conf import settings

from clinic.roles import Role, user_role


def clinic_details() -> dict[str, str]:
    """Name, address, telephone, email and opening hours, from settings (also for emails and
    files made outside a request)."""
    return {
        "name": settings.CLINIC_NAME,
        "address": settings.CLINIC_ADDRESS,
        "telephone": settings.CLINIC_TELEPHONE,
        "email": settings.CLINIC_EMAIL,
        "hours": settings.CLINIC_HOURS,
    }


def clinic(request):
    """Expose the clinic's details and the user's role to every template."""
    role = user_role(request.user) if hasattr(request, "user") else None
    return {
        "clinic_name": settings.CLINIC_NAME,
        "clinic_details": clinic_details(),
        "role": role,
        "Role": Role,
        "is_neurologist": role == Role.NEUROLOGIST,
        "is_front_desk": role == Role.FRONT_DESK,
        "is_patient": role == Role.PATIENT,
        "is_staff_role": role in (Role.NEUROLOGIST, Role.FRONT_DESK),
        "replica_lag": getattr(request, "replica_lag", None),  # clinic/db_router.py
    }
