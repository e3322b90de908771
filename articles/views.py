from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, Exists, F, OuterRef
from django.db.models.functions import TruncDate
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from articles.forms import AliasForm, EntityMergeForm
from articles.models import Alias, AnnotationStatus, Article, Entity, Mention
from articles.queries import (
    DEFERRED,
    RANK_WINDOW,
    READER_DEFERRED,
    ArticleFilterForm,
    article_query,
    bounded_count,
    with_copy_counts,
)
from articles.render import paragraphs, snippet
from articles.services import (
    EntityError,
    alias_added_rescan,
    alias_delete,
    alias_removed_rescan,
    entity_merge,
)

PAGE_SIZE = 25
CLAIMS_SHOWN = 20  # latest claims on an entity's page (the export has them all)
browse_required = permission_required("accounts.browse", raise_exception=True)
review_required = permission_required("accounts.review", raise_exception=True)


@browse_required
@require_safe
def article_list(request: HttpRequest) -> HttpResponse:
    """Return the article list: search, filters and sorting all in the query string."""
    form = ArticleFilterForm(request.GET)
    newest = Article.objects.order_by("-id").values_list("id", flat=True).first()
    status = 200
    if form.is_valid():
        result = article_query(form.cleaned_data, request.user)
    else:
        status = 400
        result = article_query({}, request.user)
    capped = False
    if result.parsed and result.sort == "relevance":
        # The ranked window is at most RANK_WINDOW ids: rank them once, then page in Python
        # (counting and paging in SQL would read every matching tsvector twice).
        paginator = Paginator(list(result.articles.values_list("id", flat=True)), PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
        found = Article.objects.defer(*DEFERRED).in_bulk(list(page.object_list))
        page.object_list = [found[pk] for pk in page.object_list if pk in found]
    else:
        paginator = Paginator(result.articles, PAGE_SIZE)
        if result.parsed:
            # Counting every match of a common word costs seconds; stop at COUNT_CAP.
            paginator.count, capped = bounded_count(result.articles)
        elif form.is_valid() and not any(form.cleaned_data.get(name) for name in FILTER_PARAMETERS):
            paginator.count = _all_count(result.articles, result.folded, newest)
        page = paginator.get_page(request.GET.get("page"))
    rows = with_copy_counts(list(page.object_list))
    if result.parsed:
        for article in rows:
            article.snippet = snippet(article.body, sorted(result.parsed.highlights))
    _remember_list(request, page, rows)
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "articles/article_list.html",
        {
            "form": form,
            "result": result,
            "page": page,
            "capped": capped,
            "rank_window": RANK_WINDOW,
            "rows": rows,
            "query_string": params.urlencode(),
            "outlets": _outlets(newest),
            "has_filters": any(request.GET.get(name) for name in FILTER_PARAMETERS),
            "statuses": AnnotationStatus.choices,
            **_assign_context(request, query=params.urlencode()),
        },
        status=status,
    )


def _assign_context(request: HttpRequest, **where) -> dict:
    """Return what the assignment form needs, for reviewers; nothing for others."""
    if not request.user.has_perm("accounts.review"):
        return {}
    from django.contrib.auth.models import User

    analysts = User.objects.filter(groups__name="analyst", is_active=True).order_by("username")
    return {
        "assign_analysts": list(analysts.only("id", "username")),
        "assign_query": where.get("query"),
        "assign_article": where.get("article"),
    }


LIST_CACHE_SECONDS = 300
# Filters that narrow the list (the Clear link shows with any); without any, the count is
# of all (folded) articles.
FILTER_PARAMETERS = ("q", "outlet", "entity", "status", "claims", "assigned", "assignee")


def _all_count(articles, folded: bool, newest: int | None) -> int:
    """Return the number of articles in the unfiltered list, cached like the outlet menu.

    Counting 100,000 rows took 11 ms of PostgreSQL on every plain list page. The set
    changes with imports (the key holds the newest article id) and with deletions in the
    admin (shown within five minutes).
    """
    return cache.get_or_set(
        f"article_count:{newest}:{'folded' if folded else 'all'}",
        articles.count,
        LIST_CACHE_SECONDS,
    )


def _outlets(newest: int | None) -> list[str]:
    """Return the distinct outlets, for the filter menu.

    DISTINCT reads every article (~100 ms at 100,000), on every list page. Outlets change
    with imports, so the key holds the newest article id (one index probe): an import
    shows at once; edits in the admin within five minutes.
    """
    return cache.get_or_set(
        f"article_outlets:{newest}",
        lambda: list(
            Article.objects.exclude(outlet="")
            .order_by("outlet")
            .values_list("outlet", flat=True)
            .distinct()[:500]
        ),
        LIST_CACHE_SECONDS,
    )


def _remember_list(request: HttpRequest, page, rows: list[Article]) -> None:
    """Keep the current list page in the session, for previous/next in the reader."""
    params = request.GET.copy()
    params.pop("page", None)
    listing = {
        "ids": [a.pk for a in rows],
        "query": params.urlencode(),
        "page": page.number,
        "previous": page.previous_page_number() if page.has_previous() else None,
        "next": page.next_page_number() if page.has_next() else None,
    }
    # Saving the session is a write (and a commit) per request: skip it when nothing changed.
    if request.session.get("article_list") != listing:
        request.session["article_list"] = listing


def _neighbours(request: HttpRequest, article_id: int) -> dict[str, str | None]:
    """Return the URLs of the previous and next article in the list the user came from."""
    listing = request.session.get("article_list") or {}
    ids = listing.get("ids") or []
    if article_id not in ids:
        return {}
    index = ids.index(article_id)
    query = listing.get("query", "")

    def page_url(number: int) -> str:
        return "/?" + "&".join(p for p in (query, urlencode({"page": number})) if p)

    previous = f"/articles/{ids[index - 1]}/" if index > 0 else None
    if previous is None and listing.get("previous"):
        previous = page_url(listing["previous"])
    following = f"/articles/{ids[index + 1]}/" if index + 1 < len(ids) else None
    if following is None and listing.get("next"):
        following = page_url(listing["next"])
    back = page_url(listing.get("page", 1))
    return {"previous": previous, "next": following, "back": back}


@browse_required
@require_safe
def article_detail(request: HttpRequest, article_id: int) -> HttpResponse:
    """Return the reader: the cleaned text with entity mentions, removals, near-duplicates."""
    article = get_object_or_404(
        Article.objects.defer(*READER_DEFERRED).select_related("near_duplicate_of"),
        pk=article_id,
    )
    mentions = (
        Mention.objects.filter(article=article)
        .annotate(kind=F("entity__kind"), name=F("entity__name"), latin=F("entity__latin_name"))
        .only("start", "end", "entity_id")
    )
    copies = list(article.near_duplicates.only("id", "title", "near_duplicate_similarity"))
    from annotations.workspace import workspace_context

    return render(
        request,
        "articles/article_detail.html",
        {
            "article": article,
            "paragraphs": paragraphs(article.body, mentions),
            "removals": [
                {"start": r[0], "end": r[1], "reason": r[2], "text": r[3]}
                for r in article.removals
                if r[2] not in ("blank_lines",)
            ],
            "copies": copies,
            "neighbours": _neighbours(request, article.pk),
            "kinds": Entity.Kind.choices,
            "workspace": workspace_context(request, article),
            **_assign_context(request, article=article.pk),
        },
    )


@browse_required
@require_safe
def article_raw(request: HttpRequest, article_id: int) -> HttpResponse:
    """Return the decoded file exactly as imported."""
    article = get_object_or_404(
        Article.objects.only("id", "title", "raw_text", "source_name", "encoding"), pk=article_id
    )
    return render(request, "articles/article_raw.html", {"article": article})


@browse_required
@require_safe
def entity_list(request: HttpRequest) -> HttpResponse:
    """Return entities of one kind (or all), most mentioned first, searchable."""
    kind = request.GET.get("kind", "")
    query = request.GET.get("q", "").strip()[:100]
    entities = Entity.objects.live()
    if kind in Entity.Kind.values:
        entities = entities.filter(kind=kind)
    else:
        kind = ""
    entities = entities.search(query)
    entities = entities.order_by("-mention_count", "name")
    page = Paginator(entities, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "articles/entity_list.html",
        {"page": page, "kind": kind, "q": query, "kinds": Entity.Kind.choices},
    )


@browse_required
@require_safe
def entity_autocomplete(request: HttpRequest) -> JsonResponse:
    """Return up to 10 entities whose alias or Latin name contains q, for pickers."""
    query = request.GET.get("q", "").strip()[:100]
    entities = Entity.objects.live()
    if request.GET.get("kind") in Entity.Kind.values:
        entities = entities.filter(kind=request.GET["kind"])
    entities = entities.search(query)
    rows = entities.order_by("-mention_count")[:10]
    return JsonResponse(
        {
            "results": [
                {
                    "id": e.pk,
                    "name": e.name,
                    "latin": e.latin_name,
                    "kind": e.kind,
                    "mentions": e.mention_count,
                }
                for e in rows
            ]
        }
    )


@browse_required
@require_safe
def entity_detail(request: HttpRequest, entity_id: int) -> HttpResponse:
    """Return an entity: names, aliases, the articles that mention it; edits for reviewers."""
    entity = get_object_or_404(Entity, pk=entity_id)
    if entity.merged_into_id:
        survivor = entity.merged_into
        while survivor.merged_into_id:
            survivor = survivor.merged_into
        return redirect("entity_detail", entity_id=survivor.pk, permanent=True)
    articles = (
        Article.objects.filter(
            Exists(Mention.objects.filter(article=OuterRef("pk"), entity=entity))
        )
        .only("id", "title", "outlet", "published", "created_at")
        .order_by(F("published").desc(nulls_last=True), "-created_at", "-id")
    )
    paginator = Paginator(articles, PAGE_SIZE)
    paginator.count = entity.article_count  # kept by the import; counting would scan
    page = paginator.get_page(request.GET.get("page"))
    can_edit = request.user.has_perm("accounts.review")
    from annotations.models import Annotation

    claims = (
        Annotation.objects.live()
        .visible_to(request.user)
        .filter(speaker_entity=entity, label__kind="claim")
        .select_related("article")
        .only("id", "text", "status", "article__id", "article__title")
        .order_by("-created_at")[:CLAIMS_SHOWN]
    )
    return render(
        request,
        "articles/entity_detail.html",
        {
            "entity": entity,
            "claims": claims,
            "aliases": entity.aliases.order_by("name"),
            "page": page,
            "can_edit": can_edit,
            "alias_form": AliasForm() if can_edit else None,
            "merge_form": EntityMergeForm(entity=entity) if can_edit else None,
        },
    )


@review_required
@require_POST
def alias_create(request: HttpRequest, entity_id: int) -> HttpResponse:
    """Add an alias to an entity."""
    entity = get_object_or_404(Entity, pk=entity_id, merged_into__isnull=True)
    form = AliasForm(request.POST, instance=Alias(entity=entity, origin=Alias.Origin.MANUAL))
    if form.is_valid():
        alias = form.save()
        # What the new spelling names in the articles already imported, found there now.
        messages.success(
            request, f"Added the alias “{alias.name}”. " + alias_added_rescan(alias.name)
        )
    else:
        messages.error(request, " ".join(form.errors.get("name", ["Invalid alias."])))
    return redirect("entity_detail", entity_id=entity.pk)


@review_required
@require_POST
def alias_remove(request: HttpRequest, entity_id: int, alias_id: int) -> HttpResponse:
    """Remove an alias from an entity (not its canonical name)."""
    alias = get_object_or_404(Alias, pk=alias_id, entity_id=entity_id)
    try:
        alias_delete(alias=alias)
    except EntityError as error:
        messages.error(request, str(error))
        return redirect("entity_detail", entity_id=entity_id)
    messages.success(
        request,
        f"Removed the alias “{alias.name}”. " + alias_removed_rescan(alias.entity, alias.name),
    )
    return redirect("entity_detail", entity_id=entity_id)


@review_required
@require_POST
def entity_merge_view(request: HttpRequest, entity_id: int) -> HttpResponse:
    """Merge another entity into this one."""
    entity = get_object_or_404(Entity, pk=entity_id, merged_into__isnull=True)
    form = EntityMergeForm(request.POST, entity=entity)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("entity_detail", entity_id=entity.pk)
    merged = form.cleaned_data["other"]
    if request.POST.get("confirm") != "yes":
        # A merge cannot be undone: the page names both entities and asks again.
        return render(
            request,
            "articles/entity_merge_confirm.html",
            {"entity": entity, "other": merged, "same_kind": merged.kind == entity.kind},
        )
    try:
        record = entity_merge(survivor=entity, merged=merged, user=request.user)
    except EntityError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"Merged {merged.name} into {entity.name}: {record.aliases_moved} aliases and "
            f"{record.mentions_moved} mentions moved.",
        )
    return redirect("entity_detail", entity_id=entity.pk)


@browse_required
@require_safe
def overview(request: HttpRequest) -> HttpResponse:
    """Return counts, the most mentioned people and imports per day (server-side SVG)."""
    from annotations.models import Annotation

    per_day = list(
        Article.objects.annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(n=Count("id"))
        .order_by("-day")[:60]
    )[::-1]
    peak = max((d["n"] for d in per_day), default=0) or 1
    bars = [
        {
            "day": d["day"],
            "n": d["n"],
            "x": i * 12,
            "height": round(d["n"] / peak * 100, 1),
            "y": round(100 - d["n"] / peak * 100, 1),
        }
        for i, d in enumerate(per_day)
    ]
    return render(
        request,
        "articles/overview.html",
        {
            "counts": {
                "articles": Article.objects.count(),
                "entities": Entity.objects.filter(merged_into__isnull=True).count(),
                "annotations": Annotation.objects.count(),
            },
            "people": Entity.objects.filter(
                kind=Entity.Kind.PERSON, merged_into__isnull=True
            ).order_by("-mention_count")[:15],
            "bars": bars,
            "chart_width": max(len(bars) * 12, 12),
        },
    )
