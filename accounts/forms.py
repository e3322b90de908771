"""Login forms whose username is as long as a username can be, checked on the server."""

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator


class _BoundedUsername:
    """AuthenticationForm sets the username's max_length after the field is made, which
    only the browser's maxlength obeys: a longer name went on to authenticate(), and
    django-axes failed to record the failed login (its column holds 255 characters)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))


class LoginForm(_BoundedUsername, AuthenticationForm):
    pass


class AdminLoginForm(_BoundedUsername, AdminAuthenticationForm):
    pass
