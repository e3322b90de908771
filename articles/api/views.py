from rest_framework import generics, serializers

from articles.models import Article


class ArticleListSerializer(serializers.ModelSerializer):
    class Meta:
        model = Article
        fields = ["id", "title", "outlet", "published", "created_at"]


class ArticleList(generics.ListAPIView):
    """Articles, newest import first."""

    serializer_class = ArticleListSerializer
    queryset = Article.objects.only("id", "title", "outlet", "published", "created_at")
