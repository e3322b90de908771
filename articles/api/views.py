from django.db.models import Prefetch
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

from articles.api.serializers import (
    ArticleDetailSerializer,
    ArticleListSerializer,
    EntityDetailSerializer,
    EntityListSerializer,
)
from articles.models import Article, Entity, Mention
from articles.queries import ArticleFilterForm, article_query


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class ArticleList(generics.ListAPIView):
    """Articles, with the article list's filters: q, aliases, outlet, entity, copies, sort."""

    serializer_class = ArticleListSerializer
    pagination_class = Pagination

    def get_queryset(self):
        form = ArticleFilterForm(self.request.query_params)
        if not form.is_valid():
            raise ValidationError({name: list(errors) for name, errors in form.errors.items()})
        return article_query(form.cleaned_data, self.request.user).articles.only(
            *ArticleListSerializer.Meta.fields
        )


class ArticleDetail(generics.RetrieveAPIView):
    """One article with its cleaned body and entity mentions (code-point offsets)."""

    serializer_class = ArticleDetailSerializer
    lookup_url_kwarg = "article_id"

    def get_queryset(self):
        return Article.objects.defer(
            "raw_text", "title_tokens", "body_tokens", "minhash", "minhash_bands", "search_vector"
        ).prefetch_related(
            Prefetch(
                "mentions",
                queryset=Mention.objects.select_related("entity").only(
                    "article_id", "start", "end", "method", "entity__kind", "entity_id"
                ),
            )
        )


class EntityList(generics.ListAPIView):
    """Entities, most mentioned first; q matches an alias or the Latin name, kind filters."""

    serializer_class = EntityListSerializer
    pagination_class = Pagination

    def get_queryset(self):
        entities = Entity.objects.live()
        kind = self.request.query_params.get("kind")
        if kind:
            if kind not in Entity.Kind.values:
                raise ValidationError({"kind": [f"one of {', '.join(Entity.Kind.values)}"]})
            entities = entities.filter(kind=kind)
        query = self.request.query_params.get("q", "").strip()[:100]
        entities = entities.search(query)
        return entities.order_by("-mention_count", "name")


class EntityDetail(generics.RetrieveAPIView):
    """One entity with its aliases (a merged-away entity shows merged_into)."""

    serializer_class = EntityDetailSerializer
    lookup_url_kwarg = "entity_id"
    queryset = Entity.objects.prefetch_related("aliases")
