"""Deployment checks of our own, run by `manage.py check --deploy --database default`."""

from django.core.checks import Tags, Warning, register
from django.db import connections

from clinic.db_roles import app_role_problems


@register(Tags.security, Tags.database, deploy=True)
def audit_trail_role(app_configs=None, databases=None, **kwargs):
    """The app's database role must not be able to erase the audit trail (docs/audit.md).

    Like Django's own database checks it runs only when asked to (`--database default`).
    """
    if not databases or "default" not in databases:
        return []
    with connections["default"].cursor() as cursor:
        problems = app_role_problems(cursor)
    return [
        Warning(
            problem,
            hint="Run the app as a role that owns nothing and may only insert into the audit "
            "trail: README, 'Database roles' (manage.py db_roles).",
            id="clinic.W001",
        )
        for problem in problems
    ]
