"""The article list's filters, shared by the page and the API: one form, one queryset."""

from dataclasses import dataclass, field

from django import forms
from django.contrib.postgres.search import SearchRank
from django.db.models import Count, Exists, F, OuterRef, QuerySet, Subquery

from articles.models import AnnotationStatus, Article, Entity, Mention
from articles.search import MAX_QUERY_LENGTH, LexemeQuery, ParsedQuery, parse_query
from config.params import parse_id

SORTS = {
    "imported": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
    "published": (F("published").desc(nulls_last=True), "-id"),
    "title": ("title", "id"),
    "relevance": ("-rank", "-created_at", "-id"),
}
MAX_ENTITIES = 5
RANK_WINDOW = 1000  # matches ranked by relevance (the most recent ones)
COUNT_CAP = 10_000  # search results are counted up to this
# Columns an article's reader (page and API) never shows: the raw text, the MinHash
# arrays and the search vector are most of an article's row.
READER_DEFERRED = ("raw_text", "minhash", "minhash_bands", "search_vector")
DEFERRED = (*READER_DEFERRED, "removals")  # a list shows no removals either


class ArticleFilterForm(forms.Form):
    """Validates the list's query string; every filter is optional."""

    q = forms.CharField(required=False, max_length=MAX_QUERY_LENGTH, strip=True)
    aliases = forms.ChoiceField(
        required=False, choices=[("1", "on"), ("0", "off")], help_text="match aliases"
    )
    outlet = forms.CharField(required=False, max_length=200)
    entity = forms.TypedMultipleChoiceField(required=False, coerce=int, choices=())
    status = forms.ChoiceField(required=False, choices=AnnotationStatus.choices)
    claims = forms.ChoiceField(required=False, choices=[("yes", "has claims"), ("no", "no claims")])
    assigned = forms.ChoiceField(required=False, choices=[("me", "assigned to me")])
    assignee = forms.IntegerField(required=False, min_value=1, help_text="analyst's user id")
    copies = forms.ChoiceField(required=False, choices=[("fold", "fold"), ("show", "show")])
    sort = forms.ChoiceField(required=False, choices=[(key, key) for key in SORTS])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Any id is a valid choice here; clean_entity checks they exist.
        self.fields["entity"].valid_value = lambda value: parse_id(value) is not None

    def clean_entity(self) -> list[int]:
        ids = self.cleaned_data["entity"][:MAX_ENTITIES]
        found = set(Entity.objects.filter(pk__in=ids).values_list("pk", flat=True))
        missing = [i for i in ids if i not in found]
        if missing:
            raise forms.ValidationError(f"no entity with id {', '.join(map(str, missing))}")
        return ids


@dataclass
class ArticleQuery:
    """The filtered, sorted articles, and what the page shows about the query."""

    articles: QuerySet
    parsed: ParsedQuery = field(default_factory=ParsedQuery)
    entities: list[Entity] = field(default_factory=list)
    sort: str = "imported"
    folded: bool = True


def article_query(data: dict, user=None) -> ArticleQuery:
    """Return the articles matching cleaned ArticleFilterForm data (as seen by user)."""
    from annotations.models import Annotation, Assignment, Label

    articles = Article.objects.defer(*DEFERRED)
    query = data.get("q") or ""
    parsed = (
        parse_query(query, match_aliases=data.get("aliases") != "0") if query else ParsedQuery()
    )
    sort = data.get("sort") or ("relevance" if parsed else "imported")
    ts_query = None
    if parsed:
        ts_query = LexemeQuery(parsed.tsquery)
        matching = ts_query
        if parsed.prefilter != parsed.tsquery:
            # One tsquery, not two conditions: each @@ decompresses the article's tsvector
            # (~18 KB) again, and the loose half lets the index skip articles whose words
            # are all there but not next to each other.
            matching = LexemeQuery(f"({parsed.prefilter}) & ({parsed.tsquery})")
        articles = articles.filter(search_vector=matching)
    elif sort == "relevance":
        sort = "imported"
    if data.get("outlet"):
        articles = articles.filter(outlet=data["outlet"])
    entity_ids = data.get("entity") or []
    for entity_id in entity_ids:
        articles = articles.filter(
            Exists(Mention.objects.filter(article=OuterRef("pk"), entity_id=entity_id))
        )
    if data.get("status"):
        articles = articles.filter(annotation_status=data["status"])
    if data.get("claims"):
        has_claims = Exists(
            Annotation.objects.live().filter(article=OuterRef("pk"), label__kind=Label.Kind.CLAIM)
        )
        articles = articles.filter(has_claims if data["claims"] == "yes" else ~has_claims)
    if data.get("assigned") == "me" and user is not None:
        articles = articles.filter(
            Exists(Assignment.objects.filter(article=OuterRef("pk"), analyst=user))
        )
    if data.get("assignee"):
        articles = articles.filter(
            Exists(Assignment.objects.filter(article=OuterRef("pk"), analyst_id=data["assignee"]))
        )
    folded = data.get("copies") != "show"
    if folded:
        articles = articles.filter(near_duplicate_of__isnull=True)
    if ts_query is not None and sort == "relevance":
        # Ranking reads every matching article's tsvector, which PostgreSQL cannot index:
        # for a word found in 100,000 articles that is seconds. So the most recent
        # RANK_WINDOW matches are ranked; the page says so when there are more.
        window = articles.order_by("-created_at", "-id").values("id")[:RANK_WINDOW]
        # A title hit (weight A) counts five times a body hit (B).
        rank = SearchRank(F("search_vector"), ts_query, weights=[0.05, 0.1, 0.2, 1.0])
        articles = Article.objects.filter(id__in=Subquery(window)).annotate(rank=rank)
        articles = articles.defer(*DEFERRED)
    articles = articles.order_by(*SORTS[sort])
    entities = list(Entity.objects.filter(pk__in=entity_ids)) if entity_ids else []
    return ArticleQuery(articles, parsed, entities, sort, folded)


def bounded_count(articles: QuerySet, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """Return (count, capped): counting stops after cap matches (cheap for common words)."""
    count = articles.order_by()[: cap + 1].count()
    return min(count, cap), count > cap


def with_copy_counts(articles: list[Article]) -> list[Article]:
    """Set .copy_count on each article: how many near-duplicates fold under it."""
    counts = dict(
        Article.objects.filter(near_duplicate_of__in=[a.pk for a in articles])
        .values_list("near_duplicate_of")
        .annotate(n=Count("id"))
    )
    for article in articles:
        article.copy_count = counts.get(article.pk, 0)
    return articles
