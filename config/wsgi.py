import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Load the segmenter (jieba's dictionary and the domain lexicon, a few seconds) now, not
# in the first search request: several workers doing it at once under load once passed
# gunicorn's timeout. With `gunicorn --preload` (make serve-prod) it is loaded once in the
# master and shared by the workers' memory.
if os.environ.get("TANPAN_WARM_SEGMENTER", "1") != "0":
    from articles.pipeline.segment import get_tokenizer

    get_tokenizer().cut("谈判")
