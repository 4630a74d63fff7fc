// Language tabs for forms with a text per language. Without scripts every language's
// fieldset is shown, one below the other; with them, a container marked data-language-tabs
// shows one fieldset at a time behind a row of tabs (WAI-ARIA tabs pattern: arrow keys move
// between tabs). The page's language is selected first, unless another language holds an
// input the server refused, or the page is opened at one of the panels' ids.
"use strict";

function setUpLanguageTabs(container, index) {
  const panels = Array.from(container.querySelectorAll(":scope > .language-panel"));
  if (panels.length < 2) {
    return;
  }
  const tablist = document.createElement("div");
  tablist.setAttribute("role", "tablist");
  const tabs = panels.map((panel, position) => {
    const legend = panel.querySelector(":scope > legend");
    const tab = document.createElement("button");
    tab.type = "button";
    tab.id = `language-tab-${index}-${position}`;
    tab.textContent = legend ? legend.textContent.trim() : panel.lang;
    tab.setAttribute("role", "tab");
    tab.setAttribute("aria-controls", panel.id);
    if (panel.querySelector(".has-error")) {
      tab.classList.add("has-error");
    }
    panel.setAttribute("role", "tabpanel");
    panel.setAttribute("aria-labelledby", tab.id);
    tablist.append(tab);
    return tab;
  });

  function select(position, focus) {
    tabs.forEach((tab, other) => {
      const chosen = other === position;
      tab.setAttribute("aria-selected", String(chosen));
      tab.tabIndex = chosen ? 0 : -1;
      panels[other].hidden = !chosen;
    });
    if (focus) {
      tabs[position].focus();
    }
  }

  tablist.addEventListener("click", (event) => {
    const position = tabs.indexOf(event.target.closest("[role=tab]"));
    if (position >= 0) {
      select(position, false);
    }
  });
  tablist.addEventListener("keydown", (event) => {
    const current = tabs.indexOf(document.activeElement);
    const moves = {ArrowRight: current + 1, ArrowLeft: current - 1, Home: 0, End: tabs.length - 1};
    if (current < 0 || !(event.key in moves)) {
      return;
    }
    event.preventDefault();
    select((moves[event.key] + tabs.length) % tabs.length, true);
  });

  const withError = panels.findIndex((panel) => panel.querySelector(".has-error"));
  const linked = panels.findIndex((panel) => location.hash === `#${panel.id}`);
  const preferred = panels.findIndex((panel) => panel.lang === container.dataset.selected);
  container.prepend(tablist);
  container.classList.add("tabs-on");
  select([withError, linked, preferred, 0].find((position) => position >= 0), false);
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-language-tabs]").forEach(setUpLanguageTabs);
});
