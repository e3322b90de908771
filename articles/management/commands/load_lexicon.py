from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from articles.services import lexicon_load


class Command(BaseCommand):
    help = (
        "Add the entities and aliases of a lexicon file that the database lacks; existing "
        "entities and aliases are never changed (the database is the truth)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", type=Path, help="default: the bundled lexicon")

    def handle(self, *args, path: Path | None, **options) -> None:
        if path is not None and not path.is_file():
            raise CommandError(f"{path}: no such file", returncode=2)
        try:
            entities, aliases = lexicon_load(path)
        except (ValueError, KeyError) as error:
            raise CommandError(f"{path}: {error}") from None
        self.stdout.write(f"Added {entities} entities and {aliases} aliases.")
