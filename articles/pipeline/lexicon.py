"""The domain lexicon: people, organisations, places and outlets of the peace talks."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import opencc

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "lexicon.json"

KINDS = ("person", "organisation", "place", "outlet")

_HAN = re.compile(r"[\u3400-\u9fff\U00020000-\U0002ffff]")


@dataclass(frozen=True)
class LexiconEntry:
    name: str
    kind: str
    latin: str
    description: str
    aliases: tuple[str, ...]

    def surfaces(self) -> tuple[str, ...]:
        """Return the canonical name, every alias and the Latin name, without repeats."""
        return tuple(dict.fromkeys((self.name, *self.aliases, self.latin)))


@cache
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


def traditional_forms(text: str) -> list[str]:
    """Return text's traditional-script spellings (OpenCC s2t and s2tw) that differ from it."""
    forms = (_converter("s2t").convert(text), _converter("s2tw").convert(text))
    return [form for form in dict.fromkeys(forms) if form != text]


def load_lexicon(path: Path | None = None) -> list[LexiconEntry]:
    """Return the lexicon entries, with traditional-script forms added to their aliases."""
    return list(_load(path or DEFAULT_PATH))


@cache
def _load(path: Path) -> tuple[LexiconEntry, ...]:
    with path.open(encoding="utf-8") as f:
        raw = json.load(f)
    entries = []
    for item in raw["entities"]:
        if item["kind"] not in KINDS:
            raise ValueError(f"{path}: unknown kind {item['kind']!r} for {item['name']}")
        aliases = [a.strip() for a in item.get("aliases", ()) if a.strip()]
        # Taiwan and Hong Kong outlets print these names in traditional script; the file
        # lists simplified spellings only, so the traditional ones are derived here.
        for surface in (item["name"], *aliases):
            if _HAN.search(surface):
                aliases.extend(traditional_forms(surface))
        aliases = [a for a in dict.fromkeys(aliases) if a != item["name"]]
        entries.append(
            LexiconEntry(
                name=item["name"],
                kind=item["kind"],
                latin=item.get("latin", ""),
                description=item.get("description", ""),
                aliases=tuple(aliases),
            )
        )
    _check_unambiguous(entries, path)
    # The s2t and s2tw converters hold ~40 MB of dictionaries that nothing else needs.
    _converter.cache_clear()
    return tuple(entries)


def _check_unambiguous(entries: list[LexiconEntry], path: Path) -> None:
    # One surface naming two entities would make extraction depend on file order.
    owner: dict[str, str] = {}
    names: set[str] = set()
    clashes = []
    for entry in entries:
        if entry.name in names:
            clashes.append(f"{entry.name} is defined twice")
        names.add(entry.name)
        for surface in entry.surfaces():
            key = surface.casefold()
            if owner.setdefault(key, entry.name) != entry.name:
                clashes.append(f"{surface} ({owner[key]} / {entry.name})")
    if clashes:
        raise ValueError(f"{path}: ambiguous surfaces: {', '.join(clashes)}")
