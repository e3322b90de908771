from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from annotations.models import Label

DEPTHS = 3  # nesting levels drawn distinctly; deeper ones look like the last


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
