"""Data the migrations create (roles, labels), recreated for transactional tests.

Transactional tests (live_server, subprocesses) end with a flush that empties every table,
including the rows data migrations made. Running those same migration functions again
puts them back; both are idempotent.
"""

import importlib

from django.apps import apps

SEEDING_MIGRATIONS = [
    ("accounts.migrations.0001_roles", "create_roles"),
    ("annotations.migrations.0002_default_labels_and_frozen_body", "create_labels"),
]


def ensure_seed_data() -> None:
    for module, function in SEEDING_MIGRATIONS:
        getattr(importlib.import_module(module), function)(apps, None)
