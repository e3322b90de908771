from django.http import HttpRequest

from accounts.roles import role_of


def role(request: HttpRequest) -> dict[str, str | None]:
    """Return the signed-in user's role for the navigation bar.

    An error page made before the authentication middleware ran (a request refused at the
    door: a NUL character, a host not allowed) has no user, and no role.
    """
    user = getattr(request, "user", None)
    return {"user_role": role_of(user) if user is not None else None}
