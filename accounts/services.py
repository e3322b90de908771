from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.db import transaction

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
