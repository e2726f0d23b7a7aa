from django.contrib.auth.models import AbstractUser

from clinic.roles import user_role


class User(AbstractUser):
    """A person who logs in: staff (neurologist, front desk) or a patient (portal)."""

    class Meta:
        verbose_name = "user"
        ordering = ["last_name", "first_name", "username"]

    def __str__(self):
        return self.get_full_name() or self.username

    @property
    def role(self):
        return user_role(self)
