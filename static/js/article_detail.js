// The annotation workspace on the reader page.
//
// Offsets: the browser counts UTF-16 code units and so does this file (JavaScript strings
// index in UTF-16). The server stores Unicode code points; it converts at the boundary
// (requests say unit: "utf16"; responses carry start16/end16 next to start/end).
// Highlights use the CSS Custom Highlight API, so annotations never change the DOM and
// may overlap entity links and each other.

const config = JSON.parse(document.getElementById("workspace-data").textContent);
const body = config.body;
const bodyEl = document.getElementById("article-body");
const paragraphs = [...bodyEl.querySelectorAll("p[data-start16]")];
const picker = document.getElementById("label-picker");
const statusEl = document.getElementById("ws-status");
const labels = new Map(config.labels.map((label) => [label.id, label]));
const labelByKey = new Map(config.labels.filter((l) => l.shortcut).map((l) => [l.shortcut, l]));
const labelByKind = (kind) => config.labels.find((label) => label.kind === kind);

const state = {
  annotations: [],
  suggestions: [],
  selectedId: null,
  focusedSuggestion: null,
  annotator: config.annotator,
  pick: null, // {mode: "speaker" | "source" | "entity", claim: annotation}
};

// --- talking to the server ------------------------------------------------------------

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

async function api(method, url, data) {
  const options = {
    method,
    headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
    credentials: "same-origin",
  };
  if (data !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(data);
  }
  const response = await fetch(url, options);
  const payload = response.status === 204 ? null : await response.json().catch(() => null);
  return { ok: response.ok, status: response.status, data: payload };
}

function say(message, isError = false) {
  statusEl.textContent = message;
  statusEl.classList.toggle("error", isError);
}

function explain(result) {
  const error = result.data && result.data.error;
  if (!error) return `The server answered ${result.status}.`;
  const fields = Object.entries(error.fields || {})
    .map(([name, text]) => `${name}: ${text}`)
    .join("; ");
  return fields ? `${error.message} (${fields})` : error.message;
}

async function loadAnnotations() {
  const params = new URLSearchParams({ article: config.article, page_size: 1000 });
  if (state.annotator) params.set("annotator", state.annotator);
  let url = `${config.urls.annotations}?${params}`;
  const all = [];
  while (url) {
    const result = await api("GET", url);
    if (!result.ok) {
      say(explain(result), true);
      return;
    }
    all.push(...result.data.results);
    url = result.data.next;
  }
  state.annotations = all;
  render();
}

async function loadSuggestions() {
  if (state.annotator !== config.user) {
    state.suggestions = [];
    return;
  }
  const result = await api("GET", `${config.urls.suggestions}?article=${config.article}`);
  state.suggestions = result.ok ? result.data.results : [];
}

// --- offsets between the DOM and the body ---------------------------------------------

function paragraphOf(node) {
  const element = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
  return element ? element.closest("p[data-start16]") : null;
}

// Returns the UTF-16 offset into the body of a DOM position, or null outside the body.
function offsetOf(node, offset) {
  const paragraph = paragraphOf(node);
  if (!paragraph || !bodyEl.contains(paragraph)) return null;
  const range = document.createRange();
  range.setStart(paragraph, 0);
  range.setEnd(node, offset);
  return Number(paragraph.dataset.start16) + range.toString().length;
}

// Text nodes of each paragraph with their UTF-16 start, built once: the text never changes.
const textNodes = new Map();

function nodesOf(paragraph) {
  if (!textNodes.has(paragraph)) {
    const nodes = [];
    let offset = Number(paragraph.dataset.start16);
    const walker = document.createTreeWalker(paragraph, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      nodes.push({ node: walker.currentNode, start: offset });
      offset += walker.currentNode.length;
    }
    textNodes.set(paragraph, nodes);
  }
  return textNodes.get(paragraph);
}

// Returns the DOM position of a UTF-16 body offset (binary searches, no DOM walks).
function positionOf(offset16) {
  let low = 0;
  let high = paragraphs.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (Number(paragraphs[middle].dataset.start16) <= offset16) low = middle;
    else high = middle - 1;
  }
  const paragraph = paragraphs[low];
  const nodes = nodesOf(paragraph);
  if (!nodes.length) return { node: paragraph, offset: 0 };
  for (const { node, start } of nodes) {
    if (offset16 <= start + node.length) return { node, offset: Math.max(0, offset16 - start) };
  }
  const last = nodes[nodes.length - 1];
  return { node: last.node, offset: last.node.length };
}

function rangeOf(start16, end16) {
  const start = positionOf(start16);
  const end = positionOf(end16);
  const range = new Range();
  range.setStart(start.node, start.offset);
  range.setEnd(end.node, end.offset);
  return range;
}

function currentSelection() {
  const selection = window.getSelection();
  if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
  const range = selection.getRangeAt(0);
  let start = offsetOf(range.startContainer, range.startOffset);
  let end = offsetOf(range.endContainer, range.endOffset);
  if (start === null || end === null) return null;
  // Trim whitespace and line breaks at the edges: they are never part of a claim.
  while (start < end && /\s/.test(body[start])) start += 1;
  while (end > start && /\s/.test(body[end - 1])) end -= 1;
  if (start >= end) return null;
  return { start16: start, end16: end, text: body.slice(start, end) };
}

// --- drawing ----------------------------------------------------------------------------

function depthOf(annotation, list) {
  // Spans containing this one, so that nested and overlapping spans look different.
  return list.filter(
    (other) =>
      other !== annotation &&
      other.start16 <= annotation.start16 &&
      other.end16 >= annotation.end16 &&
      (other.end16 - other.start16 > annotation.end16 - annotation.start16 ||
        other.id < annotation.id),
  ).length;
}

function drawHighlights() {
  if (!("highlights" in CSS)) return;
  CSS.highlights.clear();
  const groups = new Map();
  for (const annotation of state.annotations) {
    const depth = Math.min(depthOf(annotation, state.annotations), 2);
    const name = `label-${annotation.label}-${depth}`;
    if (!groups.has(name)) groups.set(name, new Highlight());
    groups.get(name).add(rangeOf(annotation.start16, annotation.end16));
  }
  for (const [name, highlight] of groups) CSS.highlights.set(name, highlight);
  const suggestions = new Highlight();
  for (const suggestion of state.suggestions) {
    suggestions.add(rangeOf(suggestion.start16, suggestion.end16));
  }
  CSS.highlights.set("ws-suggestion", suggestions);
  const selected = state.annotations.find((a) => a.id === state.selectedId);
  if (selected) {
    const highlight = new Highlight(rangeOf(selected.start16, selected.end16));
    highlight.priority = 10;
    CSS.highlights.set("ws-selected", highlight);
  }
  const focused = state.suggestions.find((s) => s.id === state.focusedSuggestion);
  if (focused) {
    const highlight = new Highlight(rangeOf(focused.start16, focused.end16));
    highlight.priority = 9;
    CSS.highlights.set("ws-suggestion-focus", highlight);
  }
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(text, handler, title) {
  const node = element("button", "", text);
  node.type = "button";
  if (title) node.title = title;
  node.addEventListener("click", (event) => {
    event.stopPropagation();
    handler();
  });
  return node;
}

function entityName(entity) {
  if (!entity) return "";
  return entity.latin_name ? `${entity.name} (${entity.latin_name})` : entity.name;
}

function speakerLine(claim) {
  if (claim.speaker_anonymous) return `Speaker: anonymous — ${claim.speaker_description || "?"}`;
  const parts = [];
  if (claim.speaker_text) parts.push(`“${claim.speaker_text}”`);
  if (claim.speaker_entity) parts.push(entityName(claim.speaker_entity));
  return parts.length ? `Speaker: ${parts.join(" · ")}` : "Speaker: none yet";
}

function sourcesLine(claim) {
  if (!claim.sources.length) return "Sources: none";
  const names = claim.sources.map((s) =>
    [s.span_text ? `“${s.span_text}”` : "", entityName(s.entity)].filter(Boolean).join(" · "),
  );
  return `Sources: ${names.join("; ")}`;
}

function annotationItem(annotation) {
  const label = labels.get(annotation.label);
  const item = element("li", `label-${annotation.label}`);
  item.dataset.id = annotation.id;
  item.tabIndex = 0;
  if (annotation.id === state.selectedId) item.classList.add("selected");
  const text = annotation.text.length > 120 ? `${annotation.text.slice(0, 120)}…` : annotation.text;
  item.append(element("span", "ws-text", text));
  const meta = [label ? label.name : "?", annotation.status];
  if (annotation.origin === "suggestion") meta.push("from a suggestion");
  if (annotation.annotator !== config.user) meta.push(annotation.annotator_name);
  item.append(element("span", "ws-meta", meta.join(" · ")));
  if (annotation.kind === "claim") {
    item.append(element("span", "ws-meta ws-speaker", speakerLine(annotation)));
    item.append(element("span", "ws-meta ws-sources", sourcesLine(annotation)));
  } else if (annotation.entity) {
    item.append(element("span", "ws-meta", entityName(annotation.entity)));
  }
  if (annotation.note) item.append(element("span", "ws-meta", `Note: ${annotation.note}`));
  if (annotation.status === "rejected") {
    item.append(
      element("span", "ws-rejected", `Rejected: ${annotation.review_comment || "no comment"}`),
    );
  }
  const actions = element("span", "ws-actions");
  if (annotation.kind === "claim") {
    actions.append(button("Speaker…", () => startPick("speaker", annotation)));
    actions.append(button("Source…", () => startPick("source", annotation)));
  } else if (annotation.kind === "speaker" || annotation.kind === "source") {
    actions.append(button("Entity…", () => startPick("entity", annotation)));
  }
  actions.append(button("Note", () => editNote(annotation)));
  const relabel = element("select");
  relabel.setAttribute("aria-label", "Label");
  for (const choice of config.labels) {
    const option = element("option", "", choice.name);
    option.value = choice.id;
    option.selected = choice.id === annotation.label;
    relabel.append(option);
  }
  relabel.addEventListener("click", (event) => event.stopPropagation());
  relabel.addEventListener("change", () => update(annotation, { label: Number(relabel.value) }));
  actions.append(relabel);
  actions.append(button("Delete", () => remove(annotation), "Delete (Del)"));
  item.append(actions);
  item.addEventListener("click", () => select(annotation.id, true));
  return item;
}

function suggestionItem(suggestion) {
  const item = element("li", "suggestion");
  item.dataset.suggestion = suggestion.id;
  item.tabIndex = 0;
  if (suggestion.id === state.focusedSuggestion) item.classList.add("selected");
  item.append(element("span", "ws-text", suggestion.text));
  const speaker = state.suggestions.find((s) => s.id === suggestion.speaker);
  const source = state.suggestions.find((s) => s.id === suggestion.source);
  const parts = [suggestion.kind];
  if (speaker) parts.push(`speaker ${speaker.anonymous ? "(anonymous) " : ""}${speaker.text}`);
  if (source) parts.push(`source ${source.text}`);
  item.append(element("span", "ws-meta", parts.join(" · ")));
  const actions = element("span", "ws-actions");
  actions.append(button("Accept (A)", () => acceptSuggestion(suggestion)));
  actions.append(button("Dismiss (X)", () => dismissSuggestion(suggestion)));
  item.append(actions);
  item.addEventListener("click", () => focusSuggestion(suggestion.id));
  return item;
}

function render() {
  const claims = state.annotations.filter((a) => a.kind === "claim");
  const others = state.annotations.filter((a) => a.kind !== "claim");
  document.getElementById("ws-claims").replaceChildren(...claims.map(annotationItem));
  document.getElementById("ws-spans").replaceChildren(...others.map(annotationItem));
  document.getElementById("ws-claim-count").textContent = `(${claims.length})`;
  // A suggestion's speaker and source parts are shown with their claim.
  const parts = new Set(state.suggestions.flatMap((s) => [s.speaker, s.source]).filter(Boolean));
  const shown = state.suggestions.filter((s) => s.kind === "claim" || !parts.has(s.id));
  document.getElementById("ws-suggestions").replaceChildren(...shown.map(suggestionItem));
  document.getElementById("ws-suggestion-count").textContent = `(${shown.length})`;
  drawHighlights();
}

// --- actions ----------------------------------------------------------------------------

function select(id, scrollText = false) {
  state.selectedId = id;
  state.focusedSuggestion = null;
  render();
  const annotation = state.annotations.find((a) => a.id === id);
  if (annotation && scrollText) {
    const { node } = positionOf(annotation.start16);
    (node.parentElement || bodyEl).scrollIntoView({ block: "center", behavior: "smooth" });
  }
}

function replaceLocal(annotation) {
  const index = state.annotations.findIndex((a) => a.id === annotation.id);
  if (annotation.deleted) {
    if (index >= 0) state.annotations.splice(index, 1);
  } else if (index >= 0) {
    state.annotations[index] = annotation;
  } else {
    state.annotations.push(annotation);
    state.annotations.sort((a, b) => a.start - b.start || a.end - b.end || a.id - b.id);
  }
}

async function create(label, span, extra = {}) {
  const result = await api("POST", config.urls.annotations, {
    article: config.article,
    label: label.id,
    start: span.start16,
    end: span.end16,
    unit: "utf16",
    text: span.text,
    client_key: crypto.randomUUID(),
    ...extra,
  });
  if (!result.ok) {
    say(explain(result), true);
    return null;
  }
  replaceLocal(result.data);
  state.selectedId = result.data.id;
  render();
  say(`Saved: ${label.name} “${span.text.slice(0, 30)}”.`);
  return result.data;
}

async function update(annotation, changes) {
  const result = await api("PATCH", `${config.urls.annotations}${annotation.id}/`, {
    version: annotation.version,
    ...changes,
  });
  if (result.status === 409 && result.data && result.data.current) {
    replaceLocal(result.data.current);
    render();
    say(result.data.error.message, true);
    return null;
  }
  if (!result.ok) {
    say(explain(result), true);
    return null;
  }
  replaceLocal(result.data);
  render();
  say("Saved.");
  return result.data;
}

async function remove(annotation) {
  const url = `${config.urls.annotations}${annotation.id}/?version=${annotation.version}`;
  const result = await api("DELETE", url);
  if (result.status === 409 && result.data && result.data.current) {
    replaceLocal(result.data.current);
    render();
    say(result.data.error.message, true);
    return;
  }
  if (!result.ok) {
    say(explain(result), true);
    return;
  }
  replaceLocal({ ...annotation, deleted: true });
  if (state.selectedId === annotation.id) state.selectedId = null;
  render();
  say("Deleted. Ctrl+Z brings it back.");
}

async function undo() {
  const result = await api("POST", config.urls.undo, { article: config.article });
  if (!result.ok) {
    say(explain(result), true);
    return;
  }
  await loadAnnotations();
  say(`Undone: ${result.data.undone}.`);
}

async function markDone() {
  const result = await api("POST", config.urls.done, { article: config.article });
  if (!result.ok) {
    say(explain(result), true);
    return;
  }
  const done = document.getElementById("ws-done");
  done.textContent = "Marked done";
  done.disabled = true;
  say("Marked done: the article is in the review queue.");
}

function editNote(annotation) {
  const note = window.prompt("Note", annotation.note || "");
  if (note !== null) update(annotation, { note });
}

async function acceptSuggestion(suggestion) {
  const result = await api("POST", `${config.urls.suggestions}${suggestion.id}/accept/`, {});
  if (!result.ok) {
    say(explain(result), true);
    return;
  }
  state.focusedSuggestion = null;
  await loadSuggestions();
  await loadAnnotations();
  say("Suggestion accepted.");
}

async function dismissSuggestion(suggestion) {
  const result = await api("POST", `${config.urls.suggestions}${suggestion.id}/dismiss/`, {});
  if (!result.ok) {
    say(explain(result), true);
    return;
  }
  const drop = new Set([suggestion.id, suggestion.speaker, suggestion.source]);
  state.suggestions = state.suggestions.filter((s) => !drop.has(s.id));
  state.focusedSuggestion = null;
  render();
  say("Suggestion dismissed.");
}

function focusSuggestion(id) {
  state.focusedSuggestion = id;
  state.selectedId = null;
  render();
}

function nextSuggestion() {
  const claims = state.suggestions.filter((s) => s.kind === "claim");
  if (!claims.length) return;
  const index = claims.findIndex((s) => s.id === state.focusedSuggestion);
  focusSuggestion(claims[(index + 1) % claims.length].id);
}

// --- picking a speaker, source or entity ---------------------------------------------

const pickBox = document.getElementById("ws-pick");
const entityInput = document.getElementById("ws-entity-input");
const entityOptions = document.getElementById("ws-entity-options");
let entityMatches = new Map();

function startPick(mode, annotation) {
  state.pick = { mode, claim: annotation };
  state.selectedId = annotation.id;
  const texts = {
    speaker: "Click the speaker's name in the text (or select it),",
    source: "Click the outlet's name in the text (or select it),",
    entity: "Search the entity this span names:",
  };
  document.getElementById("ws-pick-text").textContent = texts[mode];
  document.getElementById("ws-anonymous").hidden = mode !== "speaker";
  pickBox.hidden = false;
  bodyEl.classList.toggle("picking", mode !== "entity");
  entityInput.value = "";
  entityOptions.replaceChildren();
  render();
  entityInput.focus();
}

function endPick() {
  state.pick = null;
  pickBox.hidden = true;
  bodyEl.classList.remove("picking");
}

function entityKinds(mode, claim) {
  if (mode === "source") return ["outlet"];
  if (mode === "speaker") return ["person", "organisation"];
  return claim.kind === "source" ? ["outlet"] : ["person", "organisation"];
}

entityInput.addEventListener("input", async () => {
  const value = entityInput.value.trim();
  const picked = entityMatches.get(value);
  if (picked && state.pick) {
    await linkEntity(picked);
    return;
  }
  if (!value || !state.pick) return;
  const kinds = entityKinds(state.pick.mode, state.pick.claim);
  const results = [];
  for (const kind of kinds) {
    const params = new URLSearchParams({ q: value, kind });
    const result = await api("GET", `${config.urls.entities}?${params}`);
    if (result.ok) results.push(...result.data.results);
  }
  entityMatches = new Map();
  entityOptions.replaceChildren(
    ...results.map((entity) => {
      const label = entity.latin ? `${entity.name} (${entity.latin})` : entity.name;
      entityMatches.set(label, entity);
      const option = element("option", "", `${entity.kind} · ${entity.mentions}`);
      option.value = label;
      return option;
    }),
  );
});

entityInput.addEventListener("keydown", async (event) => {
  if (event.key === "Enter") {
    event.preventDefault();
    const first = entityMatches.values().next().value;
    if (first) await linkEntity(first);
  }
});

async function linkEntity(entity) {
  const { mode, claim } = state.pick;
  endPick();
  if (mode === "speaker") {
    await update(claim, { speaker_entity: entity.id, speaker_anonymous: false });
  } else if (mode === "source") {
    const sources = claim.sources.map((s) => ({ span: s.span, entity: s.entity && s.entity.id }));
    sources.push({ entity: entity.id });
    await update(claim, { sources });
  } else {
    await update(claim, { entity: entity.id });
  }
}

document.getElementById("ws-anonymous-save").addEventListener("click", async () => {
  const description = document.getElementById("ws-anonymous-input").value.trim();
  if (!state.pick || !description) return;
  const claim = state.pick.claim;
  endPick();
  await update(claim, {
    speaker_anonymous: true,
    speaker_description: description,
    speaker: null,
    speaker_entity: null,
  });
});

document.getElementById("ws-pick-cancel").addEventListener("click", endPick);

// Links a picked span (an existing one, or one made from a click or a selection).
async function completePick(span) {
  const { mode, claim } = state.pick;
  const kind = mode === "speaker" ? "speaker" : "source";
  let target = state.annotations.find(
    (a) =>
      a.kind === kind &&
      a.annotator === claim.annotator &&
      a.start16 <= span.start16 &&
      a.end16 >= span.end16,
  );
  endPick();
  if (!target) {
    const extra = span.entity ? { entity: span.entity } : {};
    target = await create(labelByKind(kind), span, extra);
    if (!target) return;
  }
  const fresh = state.annotations.find((a) => a.id === claim.id) || claim;
  if (kind === "speaker") {
    const changes = { speaker: target.id, speaker_anonymous: false };
    if (target.entity) changes.speaker_entity = target.entity.id;
    await update(fresh, changes);
  } else {
    const sources = fresh.sources.map((s) => ({ span: s.span, entity: s.entity && s.entity.id }));
    sources.push({ span: target.id });
    await update(fresh, { sources });
  }
  select(claim.id);
}

// --- mouse and keyboard --------------------------------------------------------------

function caretOffset(x, y) {
  if (document.caretPositionFromPoint) {
    const position = document.caretPositionFromPoint(x, y);
    return position ? offsetOf(position.offsetNode, position.offset) : null;
  }
  const range = document.caretRangeFromPoint && document.caretRangeFromPoint(x, y);
  return range ? offsetOf(range.startContainer, range.startOffset) : null;
}

function showPicker() {
  const span = currentSelection();
  if (!span || state.pick) {
    picker.hidden = true;
    return;
  }
  const rect = window.getSelection().getRangeAt(0).getBoundingClientRect();
  picker.hidden = false;
  picker.style.left = `${Math.max(8, rect.left + window.scrollX)}px`;
  picker.style.top = `${rect.bottom + window.scrollY + 6}px`;
}

bodyEl.addEventListener("mouseup", () => setTimeout(showPicker, 0));
bodyEl.addEventListener("keyup", (event) => {
  if (event.shiftKey) showPicker();
});

picker.addEventListener("mousedown", (event) => event.preventDefault()); // keep the selection
picker.addEventListener("click", async (event) => {
  const choice = event.target.closest("button[data-label]");
  if (!choice) return;
  await labelSelection(labels.get(Number(choice.dataset.label)));
});

async function labelSelection(label) {
  const span = currentSelection();
  if (!span || !label) return;
  picker.hidden = true;
  window.getSelection().removeAllRanges();
  await create(label, span);
}

bodyEl.addEventListener("click", async (event) => {
  const link = event.target.closest("a.ent");
  if (state.pick && state.pick.mode !== "entity") {
    event.preventDefault();
    const selected = currentSelection();
    if (selected) {
      await completePick(selected);
      return;
    }
    if (link) {
      // The name's whole mention becomes the span, linked to the mention's entity.
      const start16 = offsetOf(link.firstChild, 0);
      const end16 = start16 + link.textContent.length;
      await completePick({
        start16,
        end16,
        text: body.slice(start16, end16),
        entity: Number(link.dataset.entity),
      });
      return;
    }
    const offset = caretOffset(event.clientX, event.clientY);
    const kind = state.pick.mode === "speaker" ? "speaker" : "source";
    const hit = state.annotations.find(
      (a) => a.kind === kind && a.start16 <= offset && offset < a.end16,
    );
    if (hit) await completePick({ start16: hit.start16, end16: hit.end16, text: hit.text });
    return;
  }
  if (!window.getSelection().isCollapsed) {
    if (link) event.preventDefault(); // a drag that ended on a link selects, not navigates
    return;
  }
  const offset = caretOffset(event.clientX, event.clientY);
  if (offset === null) return;
  const covering = state.annotations
    .filter((a) => a.start16 <= offset && offset < a.end16)
    .sort((a, b) => a.end16 - a.start16 - (b.end16 - b.start16));
  const suggestion = state.suggestions.find(
    (s) => s.kind === "claim" && s.start16 <= offset && offset < s.end16,
  );
  if (covering.length) {
    if (link) event.preventDefault();
    select(covering[0].id);
  } else if (suggestion) {
    if (link) event.preventDefault();
    focusSuggestion(suggestion.id);
  }
});

// Keyboard selection in the (non-editable) text: arrows move a caret, Shift extends.
bodyEl.addEventListener("focus", () => {
  const selection = window.getSelection();
  if (!selection.rangeCount || !bodyEl.contains(selection.anchorNode)) {
    const { node, offset } = positionOf(0);
    selection.collapse(node, offset);
  }
});

bodyEl.addEventListener("keydown", (event) => {
  const moves = {
    ArrowRight: ["forward", "character"],
    ArrowLeft: ["backward", "character"],
    ArrowDown: ["forward", "line"],
    ArrowUp: ["backward", "line"],
  };
  const move = moves[event.key];
  if (!move) return;
  event.preventDefault();
  const granularity = event.ctrlKey || event.altKey ? "word" : move[1];
  window.getSelection().modify(event.shiftKey ? "extend" : "move", move[0], granularity);
});

function typing(target) {
  return target.closest("input, textarea, select, [contenteditable]");
}

document.addEventListener("keydown", async (event) => {
  if (typing(event.target)) {
    if (event.key === "Escape") endPick();
    return;
  }
  if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "z") {
    event.preventDefault();
    await undo();
    return;
  }
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === "Escape") {
    endPick();
    picker.hidden = true;
    return;
  }
  const label = labelByKey.get(event.key);
  if (label && currentSelection()) {
    event.preventDefault();
    if (state.pick) {
      await completePick(currentSelection());
    } else {
      await labelSelection(label);
    }
    return;
  }
  const focused = state.suggestions.find((s) => s.id === state.focusedSuggestion);
  if (focused && event.key.toLowerCase() === "a") await acceptSuggestion(focused);
  else if (focused && event.key.toLowerCase() === "x") await dismissSuggestion(focused);
  else if (event.key.toLowerCase() === "n") nextSuggestion();
  else if ((event.key === "Delete" || event.key === "Backspace") && state.selectedId) {
    const annotation = state.annotations.find((a) => a.id === state.selectedId);
    if (annotation) {
      event.preventDefault();
      await remove(annotation);
    }
  }
});

document.getElementById("ws-undo").addEventListener("click", undo);
document.getElementById("ws-done").addEventListener("click", markDone);
const annotatorSelect = document.getElementById("ws-annotator");
if (annotatorSelect) {
  annotatorSelect.addEventListener("change", async () => {
    state.annotator = Number(annotatorSelect.value);
    state.selectedId = null;
    await loadSuggestions();
    await loadAnnotations();
  });
}

await Promise.all([loadSuggestions(), loadAnnotations()]);
render();
document.documentElement.dataset.workspaceReady = "true";
