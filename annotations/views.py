from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from annotations.export import filename, stream
from annotations.forms import ExportForm
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
