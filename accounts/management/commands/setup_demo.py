import secrets

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand

from accounts.roles import ROLES
from accounts.services import user_create
from articles.models import Article

SAMPLES_DIR = settings.BASE_DIR / "data" / "samples"


class Command(BaseCommand):
    help = (
        "Prepare a development instance: import the bundled sample articles and create "
        "the demo accounts admin, reviewer and analyst (passwords printed once)."
    )

    def handle(self, *args, **options) -> None:
        if not Article.objects.exists():
            call_command("import_articles", str(SAMPLES_DIR), "--quiet", stdout=self.stdout)
        created = []
        for role in reversed(ROLES):
            if User.objects.filter(username=role).exists():
                continue
            password = secrets.token_urlsafe(9)
            user_create(username=role, password=password, role=role)
            created.append((role, password))
        if created:
            self.stdout.write("Demo accounts (shown once; change them in the profile page):")
            for name, password in created:
                self.stdout.write(f"  {name:<9} {password}")
        else:
            self.stdout.write(
                "Demo accounts admin, reviewer and analyst already exist; set a new password "
                "with: .venv/bin/python manage.py changepassword NAME"
            )
