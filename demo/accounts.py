"""Demo logins for `seed_demo`: never created anywhere else."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from clinic.roles import GROUP_NAMES, Role

DEMO_PASSWORD = "clinic-demo"

# username, first name, last name, role
DEMO_STAFF = [
    ("dr.demo", "Anna", "Hartley", Role.NEUROLOGIST),
    ("dr.okafor", "Chidi", "Okafor", Role.NEUROLOGIST),
    ("desk.demo", "Sam", "Whitfield", Role.FRONT_DESK),
    ("desk.lewis", "Priya", "Lewis", Role.FRONT_DESK),
]
DEMO_PATIENT_USERNAME = "patient.demo"
# A Spanish-speaking patient: the portal, its emails and printouts in Spanish (issue 16).
DEMO_SPANISH_PATIENT_USERNAME = "paciente.demo"


def demo_user(username: str, first_name: str, last_name: str, role: Role):
    """Create the demo account if missing, and (re)set its demo password and role."""
    user, _ = get_user_model().objects.get_or_create(
        username=username,
        defaults={
            "first_name": first_name,
            "last_name": last_name,
            "email": f"{username}@example.org",
        },
    )
    user.set_password(DEMO_PASSWORD)
    user.save(update_fields=["password"])
    user.groups.set([Group.objects.get(name=GROUP_NAMES[role])])
    return user


def demo_staff() -> dict[Role, list]:
    staff: dict[Role, list] = {Role.NEUROLOGIST: [], Role.FRONT_DESK: []}
    for username, first, last, role in DEMO_STAFF:
        staff[role].append(demo_user(username, first, last, role))
    return staff
