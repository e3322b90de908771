from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.db.models import Count, F, Min, Q
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from annotations.agreement import article_pairs, differences
from annotations.export import filename, stream
from annotations.forms import AssignForm, ExportForm, ReviewActionForm
from annotations.models import Annotation, Assignment, Label
from annotations.services import (
    ASSIGN_LIMIT,
    AnnotationError,
    annotation_review,
    annotations_accept_all,
    articles_assign,
    unassigned_article_ids,
    version_adopt,
)
from articles.models import AnnotationStatus, Article
from articles.queries import ArticleFilterForm, article_query

DEPTHS = 3  # nesting levels drawn distinctly; deeper ones look like the last
AGREEMENT_ARTICLES = 300  # most recent multi-annotated articles on the agreement page


@require_GET
def label_styles(request: HttpRequest) -> HttpResponse:
    """Return CSS for each label's highlight (colours are data, so this is generated)."""
    rules = []
    for label in Label.objects.all():
        colour = label.colour if len(label.colour) == 7 else "#888888"
        rules.append(f".label-{label.pk} {{ --label: {colour}; }}")
        for depth in range(DEPTHS):
            decoration = ["none", f"underline 2px {colour}", f"underline dotted 2px {colour}"][
                depth
            ]
            alpha = ["40", "33", "26"][depth]
            rules.append(
                f"::highlight(label-{label.pk}-{depth}) {{ background-color: {colour}{alpha}; "
                f"text-decoration: {decoration}; }}"
            )
    response = HttpResponse("\n".join(rules) + "\n", content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "max-age=60"
    return response


export_required = permission_required("accounts.export", raise_exception=True)


@export_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    """Return the export page, or the export itself (streamed) when the form is submitted."""
    if "download" not in request.GET:
        return render(request, "annotations/export.html", {"form": ExportForm()})
    form = ExportForm(request.GET)
    if not form.is_valid():
        return render(request, "annotations/export.html", {"form": form}, status=400)
    filters = form.filters()
    fmt = form.cleaned_data["format"]
    content_type = "text/csv; charset=utf-8" if fmt == "csv" else "application/x-ndjson"
    response = StreamingHttpResponse(
        stream(filters, fmt, bom=form.cleaned_data["bom"]), content_type=content_type
    )
    response["Content-Disposition"] = f'attachment; filename="{filename(filters, fmt)}"'
    return response


review_required = permission_required("accounts.review", raise_exception=True)


@review_required
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    """Return the articles marked done, oldest first, with their pending annotations."""
    pending = Count(
        "annotations",
        filter=Q(annotations__deleted_at__isnull=True, annotations__status="submitted"),
        distinct=True,  # the join with assignments repeats rows
    )
    articles = (
        Article.objects.filter(annotation_status=AnnotationStatus.DONE)
        .annotate(
            pending=pending,
            done_at=Min("assignments__done_at"),
            analysts=Count(
                "assignments", filter=Q(assignments__done_at__isnull=False), distinct=True
            ),
        )
        .only("id", "title", "outlet", "published")
        .order_by(F("done_at").asc(nulls_last=True), "id")
    )
    page = Paginator(articles, 50).get_page(request.GET.get("page"))
    return render(request, "annotations/review_queue.html", {"page": page})


@review_required
@require_http_methods(["GET", "HEAD", "POST"])
def review_article(request: HttpRequest, article_id: int) -> HttpResponse:
    """Return one article's annotations by analyst, to accept or reject; handle the forms."""
    article = get_object_or_404(
        Article.objects.only("id", "title", "annotation_status"), pk=article_id
    )
    if request.method == "POST":
        try:
            _review_action(request, article)
        except AnnotationError as error:
            messages.error(request, error.message)
        return redirect("review_article", article_id=article.pk)
    annotations = (
        Annotation.objects.live()
        .filter(article=article)
        .select_related("label", "annotator", "entity", "speaker", "speaker_entity", "reviewed_by")
        .prefetch_related("sources__entity", "sources__span")
        .order_by("annotator__username", "start", "id")
    )
    by_annotator: dict = {}
    for annotation in annotations:
        by_annotator.setdefault(annotation.annotator, []).append(annotation)
    return render(
        request,
        "annotations/review_article.html",
        {"article": article, "by_annotator": list(by_annotator.items())},
    )


def _review_action(request: HttpRequest, article: Article) -> None:
    form = ReviewActionForm(request.POST)
    if not form.is_valid():
        raise AnnotationError(form.error_message())
    action = form.cleaned_data["action"]
    if action == "accept_all":
        analyst = get_object_or_404(User, pk=form.cleaned_data["annotator"] or 0)
        count = annotations_accept_all(user=request.user, article=article, annotator=analyst)
        messages.success(request, f"Accepted {count} annotations of {analyst.username}.")
        return
    annotation = get_object_or_404(
        Annotation.objects.live(), pk=form.cleaned_data["annotation"] or 0, article=article
    )
    if action not in ("accept", "reject"):
        raise AnnotationError("unknown action")
    annotation_review(
        user=request.user,
        annotation=annotation,
        accept=action == "accept",
        comment=form.cleaned_data["comment"],
    )
    messages.success(
        request, f"{'Accepted' if action == 'accept' else 'Rejected'}: “{annotation.text[:30]}”."
    )


@review_required
@require_GET
def agreement_overview(request: HttpRequest) -> HttpResponse:
    """Return articles annotated by two or more analysts, and agreement per pair of them."""
    articles = list(
        Article.objects.annotate(
            annotators=Count(
                "annotations__annotator",
                filter=Q(annotations__deleted_at__isnull=True),
                distinct=True,
            )
        )
        .filter(annotators__gte=2)
        .only("id", "title", "body")
        .order_by("-id")[:AGREEMENT_ARTICLES]
    )
    annotations = (
        Annotation.objects.live()
        .filter(article__in=articles)
        .select_related("label", "annotator")
        .only("article_id", "start", "end", "label__name", "annotator__username", "text")
    )
    by_article: dict[int, list] = {}
    for annotation in annotations:
        by_article.setdefault(annotation.article_id, []).append(annotation)
    totals: dict = {}
    rows = []
    for article in articles:
        pairs = article_pairs(article, by_article.get(article.pk, []))
        rows.append({"article": article, "pairs": pairs})
        for pair in pairs:
            for scores in pair["scores"]:
                key = (pair["a"].username, pair["b"].username, scores.label)
                totals.setdefault(key, []).append(scores)
    summary = [
        {
            "a": a,
            "b": b,
            "label": label,
            "articles": len(scores),
            "exact_f1": _mean(s.exact_f1 for s in scores),
            "overlap_f1": _mean(s.overlap_f1 for s in scores),
            "kappa": _mean(s.kappa for s in scores),
        }
        for (a, b, label), scores in sorted(totals.items())
    ]
    return render(
        request,
        "annotations/agreement.html",
        {"rows": rows, "summary": summary, "limit": AGREEMENT_ARTICLES},
    )


def _mean(values) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


@review_required
@require_http_methods(["GET", "HEAD", "POST"])
def agreement_article(request: HttpRequest, article_id: int) -> HttpResponse:
    """Return one article's agreement and a side-by-side of two analysts; adopt a version."""
    article = get_object_or_404(Article.objects.only("id", "title", "body"), pk=article_id)
    if request.method == "POST":
        form = ReviewActionForm(request.POST)
        if not form.is_valid():
            messages.error(request, form.error_message())
            return redirect("agreement_article", article_id=article.pk)
        analyst = get_object_or_404(User, pk=form.cleaned_data["annotator"] or 0)
        try:
            count = version_adopt(user=request.user, article=article, annotator=analyst)
        except AnnotationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Adopted {analyst.username}'s version: {count} accepted.")
        return redirect("agreement_article", article_id=article.pk)
    annotations = list(
        Annotation.objects.live().filter(article=article).select_related("label", "annotator")
    )
    pairs = article_pairs(article, annotations)
    chosen = pairs[0] if pairs else None
    for pair in pairs:
        if f"{pair['a'].pk}-{pair['b'].pk}" == request.GET.get("pair"):
            chosen = pair
    diff = differences(annotations, chosen["a"], chosen["b"]) if chosen else []
    return render(
        request,
        "annotations/agreement_article.html",
        {"article": article, "pairs": pairs, "chosen": chosen, "diff": diff},
    )


@review_required
@require_POST
def assign(request: HttpRequest) -> HttpResponse:
    """Assign articles to analysts, then go back where the form was."""
    form = AssignForm(request.POST)
    back = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = "/"
    if not form.is_valid():
        messages.error(request, "Assign: " + form.error_message())
        return redirect(back)
    mode = form.cleaned_data["mode"]
    if mode == "article":
        ids = [form.cleaned_data["article"]] if form.cleaned_data["article"] else []
    elif mode == "list":
        filters = ArticleFilterForm(QueryDict(form.cleaned_data["query"]))
        if not filters.is_valid():
            messages.error(request, "Assign: the list's filters are not valid any more.")
            return redirect(back)
        articles = article_query(filters.cleaned_data, request.user).articles
        ids = list(articles.values_list("id", flat=True)[:ASSIGN_LIMIT])
    else:
        ids = unassigned_article_ids(form.cleaned_data["count"] or 10)
    ids = list(Article.objects.filter(pk__in=ids).values_list("id", flat=True))
    analysts = list(form.cleaned_data["analysts"])
    try:
        created = articles_assign(by=request.user, analysts=analysts, article_ids=ids)
    except AnnotationError as error:
        messages.error(request, error.message)
    else:
        names = ", ".join(a.username for a in analysts)
        messages.success(
            request, f"Assigned {len(ids)} article(s) to {names}: {created} new assignment(s)."
        )
    return redirect(back)


@permission_required("accounts.annotate", raise_exception=True)
@require_GET
def my_queue(request: HttpRequest) -> HttpResponse:
    """Return the articles assigned to the signed-in analyst, with progress."""
    assignments = (
        Assignment.objects.filter(analyst=request.user)
        .select_related("article")
        .annotate(
            mine=Count(
                "article__annotations",
                filter=Q(
                    article__annotations__annotator=request.user,
                    article__annotations__deleted_at__isnull=True,
                ),
            )
        )
        .only("assigned_at", "done_at", "article__id", "article__title", "article__outlet")
        .order_by(F("done_at").asc(nulls_first=True), "assigned_at", "id")
    )
    page = Paginator(assignments, 50).get_page(request.GET.get("page"))
    total = Assignment.objects.filter(analyst=request.user).count()
    done = Assignment.objects.filter(analyst=request.user, done_at__isnull=False).count()
    return render(
        request,
        "annotations/my_queue.html",
        {
            "page": page,
            "total": total,
            "done": done,
            "percent": round(done / total * 100) if total else 0,
        },
    )
