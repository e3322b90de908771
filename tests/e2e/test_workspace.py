"""The annotation workspace in a real browser: mouse, keyboard, suggestions, undo, conflicts."""

import re

from annotations.models import Annotation, Suggestion
from articles.models import Alias
from tests.e2e.conftest import log_in

QUOTE = "艰苦的工作仍在继续"

# Returns the viewport rectangles of the first and last character of the nth occurrence
# of a text in the article body (the text must lie inside one text node).
FIND_TEXT = """
([text, nth]) => {
  const walker = document.createTreeWalker(document.getElementById('article-body'),
                                           NodeFilter.SHOW_TEXT);
  let seen = 0;
  while (walker.nextNode()) {
    const node = walker.currentNode;
    let index = node.data.indexOf(text);
    while (index >= 0) {
      if (seen === nth) {
        const range = document.createRange();
        node.parentElement.scrollIntoView({block: 'center'});
        range.setStart(node, index); range.setEnd(node, index + 1);
        const first = range.getBoundingClientRect();
        range.setStart(node, index + text.length - 1); range.setEnd(node, index + text.length);
        const last = range.getBoundingClientRect();
        return {x1: first.left + 1, y1: first.top + first.height / 2,
                x2: last.right - 1, y2: last.top + last.height / 2};
      }
      seen += 1;
      index = node.data.indexOf(text, index + 1);
    }
  }
  return null;
}
"""


def open_article(page, article) -> None:
    page.goto(f"/articles/{article.pk}/")
    page.wait_for_selector("html[data-workspace-ready=true]")


def drag_select(page, text: str, nth: int = 0) -> None:
    box = page.evaluate(FIND_TEXT, [text, nth])
    assert box, f"{text!r} not found in the article body"
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move((box["x1"] + box["x2"]) / 2, box["y2"], steps=4)
    page.mouse.move(box["x2"], box["y2"], steps=4)
    page.mouse.up()


def wait_for_status(page, pattern: str) -> str:
    page.wait_for_function(
        "p => new RegExp(p).test(document.getElementById('ws-status').textContent)", arg=pattern
    )
    return page.text_content("#ws-status")


def test_select_a_quote_label_it_link_the_speaker_and_reload(page, samples, analyst):
    article = samples["000"]
    log_in(page, "alice")
    open_article(page, article)
    drag_select(page, QUOTE)
    page.wait_for_selector("#label-picker:not([hidden])")
    page.click("#label-picker button:has-text('Claim')")
    wait_for_status(page, "Saved: Claim")
    claim = Annotation.objects.get(label__name="Claim")
    assert claim.text == QUOTE
    assert article.body[claim.start : claim.end] == QUOTE

    page.click(f"#ws-claims li[data-id='{claim.pk}'] button:has-text('Speaker')")
    peskov = Alias.objects.get(normalized="佩斯科夫").entity
    mentions = page.locator(f"#article-body a.ent[data-entity='{peskov.pk}']")
    mentions.filter(has_text=re.compile("^佩斯科夫$")).last.click()  # 「…,“佩斯科夫说」
    page.wait_for_function(
        "() => document.querySelector('#ws-claims .ws-speaker').textContent.includes('佩斯科夫')"
    )
    claim.refresh_from_db()
    assert claim.speaker is not None and claim.speaker.text == "佩斯科夫"
    assert claim.speaker_entity == peskov and claim.speaker.label.name == "Speaker"
    assert article.body[claim.speaker.start : claim.speaker.end] == "佩斯科夫"

    page.reload()
    page.wait_for_selector("html[data-workspace-ready=true]")
    assert QUOTE in page.text_content("#ws-claims")
    assert "佩斯科夫" in page.text_content("#ws-claims .ws-speaker")
    assert page.evaluate("id => CSS.highlights.has(`label-${id}-0`)", claim.label_id)


def test_keyboard_only_selection_and_label_key(page, samples, analyst):
    article = samples["003"]
    log_in(page, "alice")
    open_article(page, article)
    page.focus("#article-body")  # what Tab reaches: the text is focusable
    # The caret starts at the beginning of the body: move to the first 美国国务卿鲁比奥.
    target = "美国国务卿鲁比奥"
    offset = article.body.index(target)
    for _ in range(offset):
        page.keyboard.press("ArrowRight")
    for _ in range(len(target)):
        page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("2")
    wait_for_status(page, "Saved: Speaker")
    speaker = Annotation.objects.get()
    assert (speaker.text, speaker.start, speaker.label.name) == (target, offset, "Speaker")


def test_accept_a_suggestion_with_one_key(page, samples, analyst):
    article = samples["000"]
    start = article.body.index(QUOTE)
    speaker_start = article.body.index("佩斯科夫说")
    peskov = Alias.objects.get(normalized="佩斯科夫").entity
    Suggestion.objects.filter(article=article).delete()
    speaker = Suggestion.objects.create(
        article=article,
        kind="speaker",
        start=speaker_start,
        end=speaker_start + 4,
        text="佩斯科夫",
        entity=peskov,
        rule="test",
    )
    Suggestion.objects.create(
        article=article,
        kind="claim",
        start=start,
        end=start + len(QUOTE),
        text=QUOTE,
        rule="test",
        speaker=speaker,
    )
    log_in(page, "alice")
    open_article(page, article)
    assert page.evaluate("() => CSS.highlights.get('ws-suggestion').size") == 2
    page.click("#ws-suggestions li.suggestion")
    page.keyboard.press("a")
    wait_for_status(page, "Suggestion accepted")
    claim = Annotation.objects.get(label__name="Claim")
    assert claim.origin == "suggestion" and claim.text == QUOTE
    assert claim.speaker.text == "佩斯科夫" and claim.speaker_entity == peskov
    assert page.locator("#ws-suggestions li").count() == 0


def test_delete_then_undo_also_after_a_reload(page, samples, analyst):
    article = samples["000"]
    log_in(page, "alice")
    open_article(page, article)
    drag_select(page, QUOTE)
    page.keyboard.press("1")
    wait_for_status(page, "Saved")
    page.click("#ws-claims li")
    page.keyboard.press("Delete")
    wait_for_status(page, "Deleted")
    assert page.locator("#ws-claims li").count() == 0
    page.keyboard.press("Control+z")
    wait_for_status(page, "Undone: delete")
    assert page.locator("#ws-claims li").count() == 1
    page.click("#ws-claims li button:has-text('Delete')")
    wait_for_status(page, "Deleted")
    page.reload()
    page.wait_for_selector("html[data-workspace-ready=true]")
    assert page.locator("#ws-claims li").count() == 0
    page.keyboard.press("Control+z")
    wait_for_status(page, "Undone")
    assert page.locator("#ws-claims li").count() == 1
    assert Annotation.objects.live().count() == 1


def test_an_emoji_article_gets_code_point_offsets(page, write_article, analyst):
    article = write_article(
        "表情与生僻字\n开头😀😀𠮷之后,普京说:“我们需要和平”。结尾🎉。", name="emoji.txt"
    )
    log_in(page, "alice")
    open_article(page, article)
    drag_select(page, "我们需要和平")
    page.keyboard.press("1")
    wait_for_status(page, "Saved")
    claim = Annotation.objects.get()
    assert claim.text == "我们需要和平"
    assert article.body[claim.start : claim.end] == "我们需要和平"
    assert claim.start == article.body.index("我们需要和平")  # code points, not UTF-16


def test_a_stale_edit_shows_the_conflict(page, samples, analyst, reviewer):
    from annotations.services import Changes, annotation_create, annotation_update

    article = samples["000"]
    start = article.body.index(QUOTE)
    claim, _ = annotation_create(
        user=analyst,
        article=article,
        changes=Changes(
            label=__import__("annotations.models").models.Label.objects.get(name="Claim"),
            start=start,
            end=start + len(QUOTE),
            text=QUOTE,
        ),
    )
    log_in(page, "alice")
    open_article(page, article)
    annotation_update(user=reviewer, annotation=claim, version=1, changes=Changes(note="审阅"))
    page.once("dialog", lambda dialog: dialog.accept("我的备注"))
    page.click("#ws-claims li button:has-text('Note')")
    message = wait_for_status(page, "changed by rita")
    assert re.search(r"reloaded", message)
    assert "审阅" in page.text_content("#ws-claims")
    claim.refresh_from_db()
    assert claim.note == "审阅"
