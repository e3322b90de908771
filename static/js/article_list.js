// Entity filter chips: type a name, pick a suggestion, the chip adds an entity= parameter.
const box = document.querySelector(".entity-filter");
if (box) {
  const input = box.querySelector("#entity-search");
  const options = box.querySelector("#entity-options");
  const chips = box.querySelector(".chips");
  const url = box.dataset.autocompleteUrl;
  let found = new Map();
  let timer = null;

  const addChip = (entity) => {
    if (chips.querySelector(`input[value="${entity.id}"]`)) return;
    const chip = document.createElement("span");
    chip.className = `chip kind-${entity.kind}`;
    const hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = "entity";
    hidden.value = String(entity.id);
    const name = document.createElement("span");
    name.lang = "zh";
    name.textContent = entity.name;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "chip-remove";
    remove.setAttribute("aria-label", `Remove ${entity.name}`);
    remove.textContent = "×";
    chip.append(hidden, name, remove);
    chips.append(chip);
  };

  chips.addEventListener("click", (event) => {
    if (event.target.classList.contains("chip-remove")) event.target.closest(".chip").remove();
  });

  input.addEventListener("input", () => {
    const value = input.value.trim();
    const picked = found.get(value);
    if (picked) {
      addChip(picked);
      input.value = "";
      return;
    }
    clearTimeout(timer);
    if (!value) return;
    timer = setTimeout(async () => {
      const response = await fetch(`${url}?q=${encodeURIComponent(value)}`, {
        headers: { Accept: "application/json" },
      });
      if (!response.ok) return;
      const { results } = await response.json();
      found = new Map();
      options.replaceChildren(
        ...results.map((entity) => {
          const label = entity.latin ? `${entity.name} (${entity.latin})` : entity.name;
          found.set(label, entity);
          const option = document.createElement("option");
          option.value = label;
          option.textContent = `${entity.kind} · ${entity.mentions}`;
          return option;
        }),
      );
    }, 150);
  });

  // Enter in the entity box picks the first suggestion instead of submitting.
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && input.value.trim()) {
      event.preventDefault();
      const first = found.values().next().value;
      if (first) {
        addChip(first);
        input.value = "";
      }
    }
  });
}
