"""Creates the capability permissions and the analyst, reviewer and admin groups.

The role table is copied here, not imported, so this migration keeps meaning what it
meant when it ran even if accounts.roles changes later.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations, models

CAPABILITIES = {
    "browse": "Browse, search and read articles",
    "annotate": "Annotate articles",
    "review": "Review annotations and assign articles",
    "export": "Export annotations",
    "import_articles": "Import article dumps",
    "manage_users": "Manage users and roles",
}
ROLE_CAPABILITIES = {
    "analyst": ("browse", "annotate"),
    "reviewer": ("browse", "annotate", "review", "export"),
    "admin": tuple(CAPABILITIES),
}
# Admins manage users through the Django admin, which checks these model permissions.
ADMIN_MODEL_PERMISSIONS = [
    ("auth", codename)
    for codename in (
        "add_user",
        "change_user",
        "delete_user",
        "view_user",
        "view_group",
        "change_group",
    )
]


def create_roles(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    # Model permissions are normally created after all migrations; create auth's now.
    # The historical app config is a stub without models_module; create_permissions only
    # checks that it is set.
    auth_config = apps.get_app_config("auth")
    if not getattr(auth_config, "models_module", None):
        auth_config.models_module = True
    create_permissions(auth_config, apps=apps, verbosity=0)
    content_type, _ = ContentType.objects.get_or_create(app_label="accounts", model="capability")
    capabilities = {}
    for codename, name in CAPABILITIES.items():
        capabilities[codename], _ = Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )
    for role, codenames in ROLE_CAPABILITIES.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(*(capabilities[c] for c in codenames))
    admin = Group.objects.get(name="admin")
    for app_label, codename in ADMIN_MODEL_PERMISSIONS:
        admin.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )


def drop_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_CAPABILITIES).delete()
    apps.get_model("auth", "Permission").objects.filter(
        content_type__app_label="accounts", codename__in=CAPABILITIES
    ).delete()


class Migration(migrations.Migration):
    initial = True
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [
        migrations.CreateModel(
            name="Capability",
            fields=[("id", models.BigAutoField(primary_key=True))],
            options={
                "managed": False,
                "default_permissions": (),
                "permissions": list(CAPABILITIES.items()),
            },
        ),
        migrations.RunPython(create_roles, drop_roles),
    ]
