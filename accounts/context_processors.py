from django.http import HttpRequest

from accounts.roles import role_of


def role(request: HttpRequest) -> dict[str, str | None]:
    """Return the signed-in user's role for the navigation bar."""
    return {"user_role": role_of(request.user)}
