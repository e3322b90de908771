from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from articles.models import Article


@permission_required("accounts.browse", raise_exception=True)
def article_list(request: HttpRequest) -> HttpResponse:
    """Return the paginated list of articles, newest import first."""
    articles = Article.objects.only("id", "title", "outlet", "published", "created_at")
    page = Paginator(articles, 50).get_page(request.GET.get("page"))
    return render(request, "articles/article_list.html", {"page": page})
