from django.db import models

from accounts.roles import CAPABILITIES


class Capability(models.Model):
    """Holds the role permissions (browse, annotate, review, …); has no table of its own."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = list(CAPABILITIES.items())

    def __str__(self) -> str:
        return "capability"
