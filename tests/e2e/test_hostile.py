"""A hostile article in a real browser: nothing in it runs, and spans after emoji get the
right code-point offsets whether selected with the mouse or the keyboard."""

from annotations.models import Annotation
from tests.e2e.conftest import log_in
from tests.e2e.test_workspace import drag_select, open_article, wait_for_status
from tests.security.test_hostile_content import EMOJI, HOSTILE_TEXT, QUOTE

# Puts the caret just before the first occurrence of text inside one text node of the body.
CARET_BEFORE = """
(text) => {
  const body = document.getElementById('article-body');
  const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const index = walker.currentNode.data.indexOf(text);
    if (index >= 0) {
      body.focus();
      window.getSelection().collapse(walker.currentNode, index);
      return true;
    }
  }
  return false;
}
"""


def test_nothing_in_a_hostile_article_runs_and_spans_after_emoji_are_exact(
    page, write_article, analyst
):
    article = write_article(HOSTILE_TEXT, name="hostile.txt")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page, "alice")
    open_article(page, article)

    injected = "#article-body img, #article-body script, #article-body iframe, #article-body svg"
    assert page.locator(injected).count() == 0
    assert page.locator("#article-body a[href^='javascript']").count() == 0
    assert page.locator("textarea").count() == 0
    assert EMOJI in page.text_content("#article-body")
    assert page.evaluate("() => window.__pwned") is None

    # The mouse: a quote after 𠮷, 😀, a ZWJ family and two flags.
    drag_select(page, QUOTE)
    page.keyboard.press("1")
    wait_for_status(page, "Saved: Claim")
    claim = Annotation.objects.get()
    assert claim.text == QUOTE
    assert claim.start == article.body.index(QUOTE)  # code points, 9 fewer than UTF-16
    assert article.body[claim.start : claim.end] == QUOTE

    # The keyboard: caret before 之后 (right after the flags), Shift+arrows, the label's key.
    assert page.evaluate(CARET_BEFORE, "之后")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("2")
    wait_for_status(page, "Saved: Speaker")
    speaker = Annotation.objects.get(label__name="Speaker")
    assert (speaker.text, speaker.start) == ("之后", article.body.index("之后"))

    page.reload()
    page.wait_for_selector("html[data-workspace-ready=true]")
    assert QUOTE in page.text_content("#ws-claims")
    assert page.evaluate("() => window.__pwned") is None
    assert dialogs == []
