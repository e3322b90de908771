from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
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
from articles.queries import READER_DEFERRED, ArticleFilterForm, article_query
from config.openapi import error_responses, form_parameters

ARTICLE_FILTERS = {
    "q": "search the title and body: Chinese words, phrases in quotes, Latin names; "
    "a person's aliases and transliteration variants match too",
    "aliases": "`0` turns alias matching off (search the exact words)",
    "outlet": "exact outlet name",
    "entity": "entity id the article mentions; repeat for several (all must match)",
    "status": "annotation status",
    "claims": "`yes`: has live claims; `no`: has none",
    "assigned": "`me`: articles assigned to you",
    "assignee": "user id of the analyst the article is assigned to",
    "copies": "`fold` (default) hides near-duplicates of articles in the results; "
    "`show` keeps them",
    "sort": "`relevance` ranks the 1,000 most recent matches of `q`; the others sort all results",
}


class Pagination(PageNumberPagination):
    """?page=N (from 1) and ?page_size=M (capped); a bad number is a 400 naming the
    parameter, a page past the end a 404."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_number(self, request, paginator) -> str:
        value = request.query_params.get(self.page_query_param, "1")
        if value in self.last_page_strings:
            return value
        if not value.isascii() or not value.isdigit() or int(value) < 1:
            raise ValidationError({self.page_query_param: ["a page number, from 1"]})
        return value

    def get_page_size(self, request) -> int:
        value = request.query_params.get(self.page_size_query_param)
        if value is None:
            return self.page_size
        if not value.isascii() or not value.isdigit() or int(value) < 1:
            raise ValidationError({self.page_size_query_param: ["a number of results, from 1"]})
        return min(int(value), self.max_page_size)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
                parameter["description"] = "page number, from 1 (past the last page: 404)"
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
                parameter["description"] = (
                    f"results per page (default {self.page_size}); "
                    f"larger values are capped at {self.max_page_size}"
                )
        return parameters


@extend_schema(
    parameters=form_parameters(ArticleFilterForm, ARTICLE_FILTERS),
    responses={200: ArticleListSerializer(many=True), **error_responses(400, 404)},
    examples=[
        OpenApiExample(
            "Articles mentioning Zelensky, by Reuters",
            value={"q": "泽连斯基", "outlet": "路透社"},
            request_only=True,
        )
    ],
)
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


@extend_schema(responses={200: ArticleDetailSerializer, **error_responses(404)})
class ArticleDetail(generics.RetrieveAPIView):
    """One article with its cleaned body and entity mentions (code-point offsets)."""

    serializer_class = ArticleDetailSerializer
    lookup_url_kwarg = "article_id"

    def get_queryset(self):
        return Article.objects.defer(*READER_DEFERRED).prefetch_related(
            Prefetch(
                "mentions",
                queryset=Mention.objects.select_related("entity").only(
                    "article_id", "start", "end", "method", "entity__kind", "entity_id"
                ),
            )
        )


@extend_schema(
    parameters=[
        OpenApiParameter(
            "q", OpenApiTypes.STR, description="part of an alias or of the Latin name"
        ),
        OpenApiParameter("kind", OpenApiTypes.STR, enum=Entity.Kind.values),
    ],
    responses={200: EntityListSerializer(many=True), **error_responses(400, 404)},
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


@extend_schema(responses={200: EntityDetailSerializer, **error_responses(404)})
class EntityDetail(generics.RetrieveAPIView):
    """One entity with its aliases (a merged-away entity shows merged_into)."""

    serializer_class = EntityDetailSerializer
    lookup_url_kwarg = "entity_id"
    queryset = Entity.objects.prefetch_related("aliases")
