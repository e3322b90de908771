"""Chinese full-text search: user queries to PostgreSQL tsqueries over jieba tokens.

Articles are indexed as jieba's words (simplified, lowercase), one lexeme each, in a
tsvector the import builds (title weighted A, body B). A query is segmented the same
way, and each of its terms is looked up as that lexeme, never parsed again by
to_tsquery(): 泽连斯基 and 澤連斯基 meet on one lexeme, and 科西尼亚克-卡梅什 stays one
word that the index answers (to_tsquery() would make it a phrase of three, which every
candidate's vector must be read to check). With alias matching, a query word that names
an entity (an alias, or its Latin name: Zelensky) matches any of the entity's aliases
(川普 finds 特朗普).
"""

import re
from dataclasses import dataclass, field
from itertools import pairwise

from django.contrib.postgres.search import SearchQuery
from django.db.models import Q

from articles.models import Alias, Entity
from articles.pipeline.search import lexeme, search_term
from articles.pipeline.segment import PAIR_LIMIT, get_tokenizer
from articles.services import alias_key

MAX_QUERY_LENGTH = 200
MAX_ALTERNATIVES = 40  # aliases one word may expand to; keeps the tsquery small
_PHRASE = re.compile(r'"([^"]*)"|“([^”]*)”|「([^」]*)」|(\S+)')


@dataclass
class ParsedQuery:
    """A query ready for PostgreSQL, and the surface forms to highlight in snippets."""

    tsquery: str = ""
    # The same query with phrases loosened to "all these words": an index can answer it
    # exactly, so filtering on it first spares checking word positions in every article.
    prefilter: str = ""
    highlights: set[str] = field(default_factory=set)
    entities: list[Entity] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.tsquery)


def _terms(text: str) -> list[str]:
    """Return the index terms of a piece of query text, in order."""
    tokens = get_tokenizer().cut(text)
    return [term for token in tokens if (term := search_term(token.text))]


class LexemeQuery(SearchQuery):
    """A tsquery given as lexemes (`'…'::tsquery`), not parsed again by to_tsquery().

    The text comes from parse_query(), whose terms are already in their indexed form.
    """

    def __init__(self, value: str) -> None:
        super().__init__(value, search_type="raw")

    def as_sql(self, compiler, connection, function=None, template=None):
        return super().as_sql(compiler, connection, template="(%(expressions)s)::tsquery")


def _phrase(terms: list[str]) -> tuple[str, str]:
    """Return (exact, loose) tsqueries for terms next to each other.

    The index holds each pair of neighbouring words as one lexeme (see search_tokens), so
    two words are an exact lexeme match; longer phrases need every pair (loose, answered by
    the index) and then the positions (exact).
    """
    if len(terms) == 1:
        return lexeme(terms[0]), lexeme(terms[0])
    pairs = [lexeme(a + b) for a, b in pairwise(terms)]
    if len(terms) == 2 and len(terms[0]) + len(terms[1]) <= PAIR_LIMIT:
        return pairs[0], pairs[0]
    exact = "(" + " <-> ".join(lexeme(term) for term in terms) + ")"
    fitting = [
        p for p, (a, b) in zip(pairs, pairwise(terms), strict=True) if len(a) + len(b) <= PAIR_LIMIT
    ]
    loose = "(" + " & ".join(fitting) + ")" if fitting else exact
    return exact, loose


def _entity_named(word: str) -> Entity | None:
    """Return the live entity that word names, by alias or Latin name."""
    key = alias_key(word)
    alias = (
        Alias.objects.filter(normalized=key, entity__merged_into__isnull=True)
        .select_related("entity")
        .first()
    )
    if alias:
        return alias.entity
    if re.fullmatch(r"[A-Za-z][A-Za-z .'\-]+", word):
        return (
            Entity.objects.filter(merged_into__isnull=True)
            .filter(Q(latin_name__iexact=word) | Q(latin_name__iendswith=f" {word}"))
            .order_by("-mention_count")
            .first()
        )
    return None


def parse_query(text: str, *, match_aliases: bool = True) -> ParsedQuery:
    """Return the tsquery for a user's query: words are ANDed, "quoted text" is a phrase."""
    parsed = ParsedQuery()
    exact_clauses: list[str] = []
    loose_clauses: list[str] = []
    for match in _PHRASE.finditer(text[:MAX_QUERY_LENGTH]):
        quoted = next((g for g in match.groups()[:3] if g is not None), None)
        word = quoted if quoted is not None else match.group(4)
        terms = _terms(word)
        if not terms:
            continue
        alternatives = [_phrase(terms)]
        whole = search_term(word)
        if len(terms) > 1 and whole:
            # The word as one lexeme too: the index holds it where an article has it as a
            # word, a word pair or part of a hyphenated name (科西尼亚克 of
            # 科西尼亚克-卡梅什), though a query cuts it in pieces (科西 尼亚 克).
            alternatives.append((lexeme(whole), lexeme(whole)))
        parsed.highlights.add(word)
        entity = _entity_named(word.strip()) if match_aliases and quoted is None else None
        if entity is not None:
            parsed.entities.append(entity)
            names = [a.name for a in entity.aliases.all()[:MAX_ALTERNATIVES]]
            for name in names:
                alias_terms = _terms(name)
                if alias_terms:
                    alternatives.append(_phrase(alias_terms))
                    parsed.highlights.add(name)
        unique = list(dict.fromkeys(alternatives))
        exact_clauses.append(_any([exact for exact, _ in unique]))
        loose_clauses.append(_any([loose for _, loose in unique]))
    parsed.tsquery = " & ".join(exact_clauses)
    parsed.prefilter = " & ".join(loose_clauses)
    return parsed


def _any(alternatives: list[str]) -> str:
    unique = list(dict.fromkeys(alternatives))
    return unique[0] if len(unique) == 1 else "(" + " | ".join(unique) + ")"
