"""What the annotation workspace on the reader page needs from the server."""

from django.db.models import Count
from django.http import HttpRequest
from django.urls import reverse

from annotations.models import Annotation, Assignment, Label
from articles.models import Article
from config.params import parse_id


def workspace_context(request: HttpRequest, article: Article) -> dict | None:
    """Return the workspace's settings for the page (json_script), or None without the role."""
    user = request.user
    if not user.has_perm("accounts.annotate"):
        return None
    can_review = user.has_perm("accounts.review")
    annotators = []
    if can_review:
        annotators = [
            {"id": row["annotator"], "name": row["annotator__username"], "count": row["n"]}
            for row in Annotation.objects.live()
            .filter(article=article)
            .values("annotator", "annotator__username")
            .annotate(n=Count("id"))
            .order_by("annotator__username")
        ]
    selected = user.pk
    requested = parse_id(request.GET.get("annotator"))
    if can_review and requested is not None:
        selected = requested
    assignment = Assignment.objects.filter(article=article, analyst=user).first()
    return {
        "article": article.pk,
        "body": article.body,
        "user": user.pk,
        "annotator": selected,
        "annotators": annotators,
        "canReview": can_review,
        "done": bool(assignment and assignment.done_at),
        "labels": [
            {
                "id": label.pk,
                "name": label.name,
                "kind": label.kind,
                "colour": label.colour,
                "shortcut": label.shortcut,
            }
            for label in Label.objects.all()
        ],
        "urls": {
            "annotations": reverse("api_annotation_list"),
            "undo": reverse("api_annotation_undo"),
            "done": reverse("api_annotation_done"),
            "suggestions": reverse("api_suggestion_list"),
            "entities": reverse("entity_autocomplete"),
        },
    }
