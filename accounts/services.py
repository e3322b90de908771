from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.db import transaction
from rest_framework.authtoken.models import Token

from accounts.roles import ADMIN, ROLES


@transaction.atomic
def user_create(*, username: str, password: str, role: str, email: str = "") -> User:
    """Return a new user holding one role; admins also get the Django admin."""
    if role not in ROLES:
        raise ValidationError(f"unknown role {role!r}: choose one of {', '.join(ROLES)}")
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(f"a user named {username!r} already exists")
    user = User(username=username, email=email, is_staff=role == ADMIN, is_superuser=role == ADMIN)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    user.groups.add(Group.objects.get(name=role))
    return user


@transaction.atomic
def token_create(*, user: User) -> Token:
    """Return a new API token for user, replacing (and so revoking) any earlier one."""
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


def token_revoke(*, user: User) -> bool:
    """Delete user's API token; return whether there was one."""
    deleted, _ = Token.objects.filter(user=user).delete()
    return bool(deleted)
