"""JSON endpoints under /api/v1/annotations/: used by the workspace page and by scripts."""

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.api.serializers import AnnotationInput, AnnotationOutput, SuggestionOutput
from annotations.models import Annotation, ClaimSource, Suggestion
from annotations.services import (
    AnnotationError,
    Changes,
    Conflict,
    NotAllowed,
    SourceLink,
    annotation_create,
    annotation_delete,
    annotation_restore,
    annotation_undo,
    annotation_update,
    article_mark_done,
    suggestion_accept,
    suggestion_dismiss,
)
from articles.api.views import Pagination
from articles.models import Article
from articles.pipeline.offsets import utf16_to_codepoint
from config.api import error_body
from config.openapi import ErrorDetail, error_responses
from config.params import parse_id, parse_int

# ---- schema pieces (drf-spectacular) --------------------------------------------------

ConflictResponse = inline_serializer(
    "ConflictResponse",
    {
        "error": ErrorDetail(),
        "current": AnnotationOutput(required=False, help_text="the annotation as stored now"),
    },
)
CONFLICT = OpenApiResponse(
    ConflictResponse,
    description="The annotation changed since you read it (`version` is stale); `current` "
    "holds the stored state to merge with.",
)
ARTICLE_REF = inline_serializer("ArticleRef", {"article": serializers.IntegerField()})
ARTICLE_PARAMETER = OpenApiParameter(
    "article", OpenApiTypes.INT, required=True, description="article id"
)
CREATE_EXAMPLE = OpenApiExample(
    "A claim by a speaker span, counted in UTF-16 units as a browser does",
    value={
        "article": 1,
        "label": 1,
        "start": 120,
        "end": 151,
        "text": "乌克兰不会接受任何以领土换和平的方案",
        "unit": "utf16",
        "speaker": 41,
        "sources": [{"entity": 7}],
        "note": "",
        "client_key": "3b241101-e2bb-4255-8caf-4136c566a962",
    },
    request_only=True,
)


class AnnotationPagination(Pagination):
    # The workspace loads an article's annotations in one request.
    max_page_size = 1000


def annotation_queryset() -> QuerySet:
    """Annotations with everything the output serializer reads, in a fixed number of queries."""
    return Annotation.objects.select_related(
        "label", "annotator", "entity", "speaker_entity", "speaker"
    ).prefetch_related(
        # in the order they were linked (tests and exports rely on it)
        Prefetch(
            "sources", queryset=ClaimSource.objects.select_related("entity", "span").order_by("id")
        )
    )


def error_response(error: AnnotationError) -> Response:
    """Return the API error for a broken annotation rule."""
    if isinstance(error, Conflict):
        body = error_body("conflict", error.message)
        body["current"] = AnnotationOutput(
            annotation_queryset().get(pk=error.current.pk),
            context={"bodies": {error.current.article_id: error.current.article.body}},
        ).data
        return Response(body, status=status.HTTP_409_CONFLICT)
    if isinstance(error, NotAllowed):
        return Response(error_body("permission_denied", error.message), status=403)
    return Response(error_body("invalid", error.message, error.fields), status=400)


def _changes(data: dict, article: Article, *, partial: bool) -> Changes:
    """Return service Changes from validated input, converting UTF-16 offsets."""
    changes = Changes()
    body = article.body
    if "start" in data or "end" in data:
        if "start" not in data or "end" not in data or "text" not in data:
            raise ValidationError({"start": ["start, end and text go together"]})
        start, end = data["start"], data["end"]
        if data.get("unit") == "utf16":
            try:
                start, end = utf16_to_codepoint(body, start), utf16_to_codepoint(body, end)
            except ValueError as error:
                raise ValidationError({"start": [f"UTF-16 offset: {error}"]}) from None
        changes.start, changes.end, changes.text = start, end, data["text"]
    elif not partial:
        raise ValidationError({"start": ["required"]})
    for name in ("label", "note", "speaker_anonymous", "speaker_description"):
        if name in data:
            setattr(changes, name, data[name])
    for name in ("entity", "speaker", "speaker_entity"):
        if name in data:
            if data[name] is None:
                changes.clear.add(name)
            else:
                setattr(changes, name, data[name])
    if "sources" in data:
        changes.sources = [
            SourceLink(span=s.get("span"), entity=s.get("entity")) for s in data["sources"]
        ]
    return changes


class AnnotationListCreate(APIView):
    """List annotations (filters: article, label, annotator, status) or create one."""

    required_capability = "annotate"

    @extend_schema(
        summary="List the annotations you may see",
        operation_id="annotations_list",
        description="Analysts see their own; reviewers and admins everyone's. Ordered by "
        "article and position. `start16`/`end16` are the same offsets in UTF-16 units.",
        parameters=[
            OpenApiParameter("article", OpenApiTypes.INT, description="article id"),
            OpenApiParameter("label", OpenApiTypes.INT, description="label id"),
            OpenApiParameter("annotator", OpenApiTypes.INT, description="annotator's user id"),
            OpenApiParameter("status", OpenApiTypes.STR, enum=Annotation.Status.values),
            OpenApiParameter(
                "deleted",
                OpenApiTypes.STR,
                enum=["0", "1"],
                description="`1` includes deleted ones",
            ),
            *[
                OpenApiParameter(p["name"], p["schema"], description=p["description"])
                for p in AnnotationPagination().get_schema_operation_parameters(None)
            ],
        ],
        responses={
            200: inline_serializer(
                "PaginatedAnnotationList",
                {
                    "count": serializers.IntegerField(),
                    "next": serializers.URLField(allow_null=True),
                    "previous": serializers.URLField(allow_null=True),
                    "results": AnnotationOutput(many=True),
                },
            ),
            **error_responses(400, 404),
        },
    )
    def get(self, request: Request) -> Response:
        annotations = annotation_queryset().visible_to(request.user)
        deleted = request.query_params.get("deleted", "0")
        if deleted not in ("0", "1"):
            raise ValidationError({"deleted": ["0 or 1"]})
        if deleted == "0":
            annotations = annotations.live()
        filters = {"article": "article_id", "label": "label_id", "annotator": "annotator_id"}
        for param, field in filters.items():
            value = request.query_params.get(param)
            if value is not None:
                number = parse_id(value)
                if number is None:
                    raise ValidationError({param: ["must be an id"]})
                annotations = annotations.filter(**{field: number})
        state = request.query_params.get("status")
        if state is not None:
            if state not in Annotation.Status.values:
                raise ValidationError({"status": [f"one of {', '.join(Annotation.Status.values)}"]})
            annotations = annotations.filter(status=state)
        annotations = annotations.order_by("article_id", "start", "end", "id")
        paginator = AnnotationPagination()
        page = paginator.paginate_queryset(annotations, request, view=self)
        bodies = dict(
            Article.objects.filter(pk__in={a.article_id for a in page}).values_list("id", "body")
        )
        data = AnnotationOutput(page, many=True, context={"bodies": bodies}).data
        return paginator.get_paginated_response(data)

    @extend_schema(
        summary="Create an annotation",
        description="Offsets are code points of the article body unless `unit` is `utf16`; "
        "`text` must equal the body between them. A repeated `client_key` returns the "
        "annotation it created the first time (200) instead of a copy.",
        request=AnnotationInput,
        responses={
            201: AnnotationOutput,
            200: OpenApiResponse(
                AnnotationOutput, description="already created with this client_key"
            ),
            **error_responses(400, 404),
        },
        examples=[CREATE_EXAMPLE],
    )
    def post(self, request: Request) -> Response:
        serializer = AnnotationInput(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        article = data["article"]
        try:
            # read back before the commit: see AnnotationDetail.patch
            with transaction.atomic():
                annotation, created = annotation_create(
                    user=request.user,
                    article=article,
                    changes=_changes(data, article, partial=False),
                    client_key=data.get("client_key"),
                )
                output = AnnotationOutput(
                    annotation_queryset().get(pk=annotation.pk),
                    context={"bodies": {article.pk: article.body}},
                ).data
        except AnnotationError as error:
            return error_response(error)
        return Response(output, status=201 if created else 200)


class AnnotationDetail(APIView):
    """Read, change (with the version you read: 409 when stale) or delete one annotation."""

    required_capability = "annotate"

    def _get(self, request: Request, annotation_id: int) -> Annotation:
        return get_object_or_404(
            annotation_queryset().visible_to(request.user).select_related("article"),
            pk=annotation_id,
        )

    def _output(self, annotation: Annotation) -> dict:
        fresh = annotation_queryset().get(pk=annotation.pk)
        return AnnotationOutput(
            fresh, context={"bodies": {fresh.article_id: annotation.article.body}}
        ).data

    @extend_schema(
        summary="Read one annotation", responses={200: AnnotationOutput, **error_responses(404)}
    )
    def get(self, request: Request, annotation_id: int) -> Response:
        return Response(self._output(self._get(request, annotation_id)))

    @extend_schema(
        summary="Change an annotation",
        description="Send `version` as you last read it; only the fields you send change. "
        "`null` clears `entity`, `speaker` or `speaker_entity`.",
        request=AnnotationInput,
        responses={200: AnnotationOutput, **error_responses(400, 404), 409: CONFLICT},
        examples=[
            OpenApiExample(
                "Attribute a claim to an anonymous source",
                value={"version": 3, "speaker_anonymous": True, "speaker_description": "一名官员"},
                request_only=True,
            )
        ],
    )
    def patch(self, request: Request, annotation_id: int) -> Response:
        annotation = self._get(request, annotation_id)
        serializer = AnnotationInput(data=request.data, partial=True, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "version" not in data:
            raise ValidationError({"version": ["send the version you last read"]})
        if "article" in data and data["article"].pk != annotation.article_id:
            raise ValidationError({"article": ["an annotation cannot move to another article"]})
        try:
            # The answer is read back before the commit, while the row is still locked: it
            # is the state this change made. Read after, it could be a later one (another
            # tab's delete), whose version the client would then write from unawares.
            with transaction.atomic():
                annotation = annotation_update(
                    user=request.user,
                    annotation=annotation,
                    version=data["version"],
                    changes=_changes(data, annotation.article, partial=True),
                )
                output = self._output(annotation)
        except AnnotationError as error:
            return error_response(error)
        return Response(output)

    @extend_schema(
        summary="Delete an annotation (reversible)",
        parameters=[
            OpenApiParameter(
                "version", OpenApiTypes.INT, required=True, description="the version you last read"
            )
        ],
        responses={204: None, **error_responses(400, 404), 409: CONFLICT},
    )
    def delete(self, request: Request, annotation_id: int) -> Response:
        annotation = self._get(request, annotation_id)
        version = parse_int(
            request.query_params.get("version") or _body(request).get("version"), minimum=1
        )
        if version is None:
            raise ValidationError({"version": ["send the version you last read (?version=N)"]})
        try:
            annotation_delete(user=request.user, annotation=annotation, version=version)
        except AnnotationError as error:
            return error_response(error)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AnnotationRestore(AnnotationDetail):
    """Undelete one annotation."""

    # It shares AnnotationDetail's lookup and output, not its GET/PATCH/DELETE handlers.
    http_method_names = ["post", "options"]

    @extend_schema(
        summary="Undelete an annotation",
        request=None,
        responses={200: AnnotationOutput, **error_responses(400, 404)},
    )
    def post(self, request: Request, annotation_id: int) -> Response:
        annotation = get_object_or_404(
            annotation_queryset().visible_to(request.user).select_related("article"),
            pk=annotation_id,
        )
        try:
            with transaction.atomic():  # read back before the commit: see patch
                annotation = annotation_restore(user=request.user, annotation=annotation)
                output = self._output(annotation)
        except AnnotationError as error:
            return error_response(error)
        return Response(output)


def _body(request: Request) -> dict:
    """Return the request's JSON object (an empty one for no body)."""
    if not request.data:
        return {}
    if not isinstance(request.data, dict):
        raise ValidationError({"non_field_errors": ["send a JSON object"]})
    return request.data


def _article(request: Request) -> Article:
    article_id = parse_id(_body(request).get("article", request.query_params.get("article")))
    if article_id is None:
        raise ValidationError({"article": ["required: the article id"]})
    return get_object_or_404(Article.objects.only("id", "body"), pk=article_id)


class Undo(APIView):
    """Reverse your last change in an article (works across reloads)."""

    required_capability = "annotate"

    @extend_schema(
        summary="Undo your last change in an article",
        request=ARTICLE_REF,
        responses={
            200: inline_serializer(
                "UndoResult",
                {
                    "undone": serializers.CharField(help_text="the action reversed"),
                    "annotation": serializers.IntegerField(),
                },
            ),
            **error_responses(400, 404),
            409: OpenApiResponse(
                ConflictResponse,
                description="nothing to undo (`code`: `nothing_to_undo`, no `current`), or "
                "someone else changed the annotation since (`conflict`, with `current`)",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        try:
            event = annotation_undo(user=request.user, article=_article(request))
        except AnnotationError as error:
            return error_response(error)
        if event is None:
            return Response(error_body("nothing_to_undo", "Nothing to undo."), status=409)
        return Response({"undone": event.action, "annotation": event.annotation_id})


class MarkDone(APIView):
    """Mark your work on an article done (it goes to the review queue)."""

    required_capability = "annotate"

    @extend_schema(
        summary="Mark your work on an article done",
        request=ARTICLE_REF,
        responses={
            200: inline_serializer(
                "DoneResult",
                {"article": serializers.IntegerField(), "done_at": serializers.DateTimeField()},
            ),
            **error_responses(400, 404),
        },
    )
    def post(self, request: Request) -> Response:
        assignment = article_mark_done(user=request.user, article=_article(request))
        return Response({"article": assignment.article_id, "done_at": assignment.done_at})


class SuggestionList(APIView):
    """The import's suggested attributions for an article, minus those you dismissed."""

    required_capability = "annotate"

    @extend_schema(
        summary="Suggested attributions for an article",
        parameters=[ARTICLE_PARAMETER],
        responses={
            200: inline_serializer("SuggestionList", {"results": SuggestionOutput(many=True)}),
            **error_responses(400, 404),
        },
    )
    def get(self, request: Request) -> Response:
        article = _article(request)
        suggestions = (
            Suggestion.objects.filter(article=article)
            .exclude(dismissals__user=request.user)
            .exclude(accepted__annotator=request.user, accepted__deleted_at__isnull=True)
            .select_related("entity")
            .order_by("start")
        )
        data = SuggestionOutput(
            suggestions, many=True, context={"bodies": {article.pk: article.body}}
        ).data
        return Response({"results": data})


class SuggestionAction(APIView):
    required_capability = "annotate"
    action = "accept"

    @extend_schema(
        summary="Accept (creates your annotations) or dismiss a suggestion",
        request=None,
        responses={
            201: inline_serializer(
                "AcceptResult",
                {"created": serializers.ListField(child=serializers.IntegerField())},
            ),
            204: OpenApiResponse(description="dismissed"),
            **error_responses(400, 404),
        },
    )
    def post(self, request: Request, suggestion_id: int) -> Response:
        suggestion = get_object_or_404(
            Suggestion.objects.select_related(
                "article", "speaker__entity", "source__entity", "entity"
            ),
            pk=suggestion_id,
        )
        if self.action == "dismiss":
            suggestion_dismiss(user=request.user, suggestion=suggestion)
            return Response(status=status.HTTP_204_NO_CONTENT)
        try:
            created = suggestion_accept(user=request.user, suggestion=suggestion)
        except AnnotationError as error:
            return error_response(error)
        return Response({"created": [a.pk for a in created]}, status=201)
