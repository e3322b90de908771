from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.roles import CAPABILITIES, can


def profile(request: HttpRequest) -> HttpResponse:
    """Return the signed-in user's profile: role and what it allows."""
    allowed = [text for codename, text in CAPABILITIES.items() if can(request.user, codename)]
    return render(request, "accounts/profile.html", {"allowed": allowed})
