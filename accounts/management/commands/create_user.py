import getpass
import os

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.roles import ROLES
from accounts.services import user_create


class Command(BaseCommand):
    help = (
        "Create a user with a role. The password comes from the TANPAN_PASSWORD "
        "environment variable, or is asked for on the terminal."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="user name")
        parser.add_argument("--role", required=True, help=f"one of: {', '.join(ROLES)}")
        parser.add_argument("--email", default="")

    def handle(self, *args, name: str, role: str, email: str, **options) -> None:
        if role not in ROLES:
            raise CommandError(f"--role: unknown role {role!r}; choose one of {', '.join(ROLES)}")
        password = os.environ.get("TANPAN_PASSWORD") or self._ask_password()
        try:
            validate_password(password)
            user = user_create(username=name, password=password, role=role, email=email)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(self.style.SUCCESS(f"Created {user.username} ({role})."))

    def _ask_password(self) -> str:
        """Return a password typed twice on the terminal."""
        if not os.isatty(0):
            raise CommandError("set TANPAN_PASSWORD or run on a terminal to type the password")
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("the two passwords differ")
        return first
