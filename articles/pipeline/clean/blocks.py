"""Page chrome recognised as runs of lines: link lists, related-article blocks, menus.

Every function reads the lines and the removals decided so far (``removed``: line index ->
reason) and returns new removals; none mutates its arguments.
"""

# Chinese text is full of full-width punctuation, which this code exists to handle.

import re
from collections.abc import Mapping

from articles.pipeline.clean.chrome import RELATED_HEADING, edge_line_reason
from articles.pipeline.clean.lines import (
    Line,
    content_count,
    ends_open,
    is_item,
    is_short_label,
    is_title_like,
)

# A trailing list is taken for links with this many items, or fewer (down to the minimum) when a
# "related" heading or link decorations ("views+", "[20P]", "|") say so.
_MIN_TRAILING_ITEMS = 3
_PLAIN_TRAILING_ITEMS = 5
_LINK_DECORATION = re.compile(r"views\+|\[\d+P\]|[|｜]|\d+\s*(?:阅读|閱讀|评论|評論|views?)$", re.I)
# Menu runs: this many consecutive short labels outside the prose, more inside it.
_MIN_MENU_RUN_EDGE = 3
_MIN_MENU_RUN_INSIDE = 5
_MENU_LABEL_CHARS = 10


def kept_indices(lines: list[Line], removed: Mapping[int, str]) -> list[int]:
    """Return the indices of non-blank lines not removed so far, in order."""
    return [line.index for line in lines if not line.is_blank and line.index not in removed]


def prose_bounds(lines: list[Line], removed: Mapping[int, str]) -> tuple[int, int] | None:
    """Return the indices of the first and last prose lines still kept, or None."""
    prose = [i for i in kept_indices(lines, removed) if lines[i].is_prose]
    return (prose[0], prose[-1]) if prose else None


def _is_headline_like(s: str) -> bool:
    """Return whether a list item reads like a link to another article."""
    return len(s) <= 60 and not s.rstrip().endswith(("。", "；", ";"))


def trailing_lists(lines: list[Line], removed: Mapping[int, str]) -> dict[int, str]:
    """Return removals for runs of "- " link items (and their heading) at the end of the text."""
    found: dict[int, str] = {}
    while True:
        kept = kept_indices(lines, {**removed, **found})
        run: list[int] = []
        while kept and is_item(lines[kept[-1]].stripped):
            run.append(kept.pop())
        items = [lines[i].stripped for i in run]
        if len(run) < _MIN_TRAILING_ITEMS or sum(map(_is_headline_like, items)) < 0.6 * len(run):
            return found
        before = lines[kept[-1]].stripped if kept else ""
        if ends_open(before):
            # "要点如下：" introduces a list that belongs to the article.
            return found
        related = bool(RELATED_HEADING.fullmatch(before.lower()))
        decorated = sum(bool(_LINK_DECORATION.search(s)) for s in items) >= 2
        if len(run) < _PLAIN_TRAILING_ITEMS and not (related or decorated):
            # A short list under a plain heading may be the article's own closing points.
            return found
        if related or is_short_label(before, 16):
            run.append(kept[-1])
        found.update(dict.fromkeys(run, "trailing_link_list"))


def related_blocks(lines: list[Line], removed: Mapping[int, str]) -> dict[int, str]:
    """Return removals for "相关新闻"-style headings and the link lines under them."""
    kept = kept_indices(lines, removed)
    blocks: list[list[int]] = []
    position = 0
    while position < len(kept):
        if not RELATED_HEADING.fullmatch(lines[kept[position]].stripped.lower()):
            position += 1
            continue
        block = [kept[position]]
        position += 1
        marked = position < len(kept) and is_item(lines[kept[position]].stripped)
        while position < len(kept) and _is_related_link(lines, kept, position, marked):
            block.append(kept[position])
            position += 1
        blocks.append(block)
    in_blocks = {i for block in blocks for i in block}
    last_other = max((i for i in kept if i not in in_blocks), default=-1)
    found: dict[int, str] = {}
    for block in blocks:
        reason = "related_list" if block[-1] < last_other else "trailing_link_list"
        found.update(dict.fromkeys(block, reason))
    return found


def _is_related_link(lines: list[Line], kept: list[int], position: int, marked: bool) -> bool:
    """Return whether the kept line at position continues a block of related links."""
    line = lines[kept[position]]
    if marked:
        return is_item(line.stripped)
    s = line.stripped
    if is_item(s) or len(s) > 40 or s.endswith("。") or line.is_prose:
        return False
    # A short line followed by a paragraph is the article's next heading.
    after = kept[position + 1] if position + 1 < len(kept) else None
    return after is None or not lines[after].is_prose


def menu_runs(lines: list[Line], removed: Mapping[int, str]) -> dict[int, str]:
    """Return removals for runs of short menu labels, one per line."""
    bounds = prose_bounds(lines, removed)
    kept = kept_indices(lines, removed)
    found: dict[int, str] = {}
    run: list[int] = []
    for position, index in enumerate([*kept, None]):
        if index is not None and _is_menu_label(lines[index].stripped):
            run.append(index)
            continue
        if not run:
            continue
        # A list of short items after "…如下：" belongs to the article.
        introduced = position > len(run) and ends_open(
            lines[kept[position - len(run) - 1]].stripped
        )
        # The line just above the first paragraph is where the headline sits.
        if bounds and index == bounds[0] and is_title_like(lines[run[-1]].stripped):
            run.pop()
        edge = bounds is None or not run or run[-1] < bounds[0] or run[0] > bounds[1]
        minimum = _MIN_MENU_RUN_EDGE if edge else _MIN_MENU_RUN_INSIDE
        if len(run) >= minimum and not introduced:
            found.update(dict.fromkeys(run, "navigation"))
        run = []
    return found


def _is_menu_label(s: str) -> bool:
    """Return whether s could be one entry of a menu."""
    return is_short_label(s, _MENU_LABEL_CHARS) and content_count(s) >= 1 and not ends_open(s)


def edge_lines(lines: list[Line], removed: Mapping[int, str]) -> dict[int, str]:
    """Return removals for lines that are chrome only before or after the article's prose."""
    bounds = prose_bounds(lines, removed)
    if bounds is None:
        return {}
    found = {}
    for index in kept_indices(lines, removed):
        if bounds[0] <= index <= bounds[1]:
            continue
        reason = edge_line_reason(lines[index].stripped)
        if reason:
            found[index] = reason
    return found
