"""Roles and what each may do. Roles are Django groups; capabilities are permissions."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

ANALYST = "analyst"
REVIEWER = "reviewer"
ADMIN = "admin"
ROLES = (ANALYST, REVIEWER, ADMIN)

# codename -> description; stored as permissions of accounts.Capability
CAPABILITIES = {
    "browse": "Browse, search and read articles",
    "annotate": "Annotate articles",
    "review": "Review annotations and assign articles",
    "export": "Export annotations",
    "import_articles": "Import article dumps",
    "manage_users": "Manage users and roles",
}

ROLE_CAPABILITIES = {
    ANALYST: ("browse", "annotate"),
    REVIEWER: ("browse", "annotate", "review", "export"),
    ADMIN: tuple(CAPABILITIES),
}


def role_of(user: AbstractBaseUser | AnonymousUser) -> str | None:
    """Return the highest role the user holds, or None for anonymous users and outsiders."""
    if not user.is_authenticated:
        return None
    cached = getattr(user, "_tanpan_role", False)
    if cached is not False:
        return cached
    names = set(user.groups.values_list("name", flat=True))
    role = next((r for r in reversed(ROLES) if r in names), None)
    if role is None and user.is_superuser:
        role = ADMIN
    user._tanpan_role = role
    return role


def can(user: AbstractBaseUser | AnonymousUser, capability: str) -> bool:
    """Return whether the user has a capability (see CAPABILITIES)."""
    return user.is_authenticated and user.has_perm(f"accounts.{capability}")
