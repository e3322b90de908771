import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from annotations.transfer import annotations_import


class Command(BaseCommand):
    help = (
        "Load a JSON Lines export (export_annotations --format jsonl) into this instance: "
        "articles are matched by content hash, users by name, labels by name, entities by "
        "name and kind (made when missing). Records that cannot be matched are reported "
        "with their line and skipped; the rest load in one transaction, and loading the "
        "same file again adds nothing. Exit status 1 when some records were skipped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, metavar="FILE.jsonl")
        parser.add_argument(
            "--dry-run", action="store_true", help="check everything, store nothing"
        )

    def handle(self, *args, path: Path, dry_run: bool, **options) -> None:
        if not path.is_file():
            raise CommandError(f"{path}: no such file", returncode=2)
        try:
            with path.open(encoding="utf-8-sig") as handle:
                result = annotations_import(handle, dry_run=dry_run)
        except (UnicodeDecodeError, json.JSONDecodeError, DatabaseError) as error:
            raise CommandError(f"{path}: {error}; nothing was loaded") from None
        verb = "would load" if dry_run else "loaded"
        self.stdout.write(
            f"{path}: {verb} {result.created} annotations "
            f"({result.existing} already present), skipped {len(result.problems)} records."
        )
        for line, note in result.notes:
            self.stdout.write(f"  {path}:{line}: {note}")
        for line, reason in result.problems:
            self.stderr.write(f"  {path}:{line}: {reason}")
        if result.problems:
            raise CommandError(f"{len(result.problems)} record(s) could not be matched")
