/* Progressive enhancement only: every page works without this script. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Print buttons (hidden without script, since they need it).
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  // Printing opens every collapsed explanation, and closes them again afterwards.
  var opened = [];
  window.addEventListener("beforeprint", function () {
    opened = Array.prototype.filter.call(document.querySelectorAll("details:not([open])"), function (d) {
      d.open = true;
      return true;
    });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });

  // Copy buttons: copy the text of the element their data-copy selector names.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    if (!navigator.clipboard) { return; }
    button.hidden = false;
    var label = button.textContent;
    button.addEventListener("click", function () {
      var source = document.querySelector(button.getAttribute("data-copy"));
      if (!source) { return; }
      var text = source.value !== undefined ? source.value : source.textContent;
      navigator.clipboard.writeText(text.trim()).then(function () {
        button.textContent = document.documentElement.lang === "en" ? "Copied" : "已复制";
        setTimeout(function () { button.textContent = label; }, 2000);
      }, function () { /* clipboard refused: the text stays selectable */ });
    });
  });

  // Error summaries take the focus so that screen readers announce them.
  var summary = document.querySelector("[data-focus-on-load]");
  if (summary) { summary.focus(); }

  // Links in an error summary move the focus to the field itself (or the group's first input).
  document.querySelectorAll(".error-summary a[href^='#']").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var target = document.getElementById(link.getAttribute("href").slice(1));
      if (!target) { return; }
      event.preventDefault();
      var input = target.matches("input, select, textarea") ? target : target.querySelector("input, select, textarea");
      (input || target).focus();
      target.scrollIntoView({block: "center"});
    });
  });

  // The category tree: filter by name or code; matching nodes keep their ancestors visible.
  function bindTree(root) {
    var box = root.querySelector("[data-tree-filter]");
    if (!box) { return; }
    box.hidden = false;
    var input = box.querySelector("input");
    var empty = box.querySelector("[data-tree-empty]");
    input.addEventListener("input", function () {
      var needle = input.value.trim().toLowerCase();
      var nodes = root.querySelectorAll("[data-tree-node]");
      var shown = 0;
      nodes.forEach(function (node) { node.hidden = needle !== ""; });
      nodes.forEach(function (node) {
        if (needle === "" || (node.getAttribute("data-search") || "").toLowerCase().indexOf(needle) >= 0) {
          shown += 1;
          for (var up = node; up && up !== root; up = up.parentElement) {
            if (up.hasAttribute && up.hasAttribute("data-tree-node")) { up.hidden = false; }
          }
          node.querySelectorAll("[data-tree-node]").forEach(function (below) { below.hidden = false; });
        }
      });
      if (empty) { empty.hidden = shown > 0; }
    });
  }

  // A version's items: the filter box shows the items whose text holds what was typed, opens the
  // folded categories that hold them, and says how many there are (without script the box stays
  // hidden and every category still opens by hand).
  document.querySelectorAll("[data-item-filter]").forEach(function (box) {
    var section = box.closest("section");
    var input = box.querySelector("input");
    var status = box.querySelector("[role='status']");
    var items = Array.prototype.slice.call(section.querySelectorAll(".item"));
    var texts = items.map(function (item) { return item.textContent.toLowerCase(); });
    var categories = section.querySelectorAll("[data-category]");
    var bodies = Array.prototype.slice.call(section.querySelectorAll("details[data-category-body]"));
    var folded = null;  // which categories the reader had open when the filtering began
    var timer = null;
    var apply = function () {
      var needle = input.value.trim().toLowerCase();
      var shown = 0;
      if (needle !== "" && folded === null) { folded = bodies.map(function (body) { return body.open; }); }
      items.forEach(function (item, n) {
        var hit = needle === "" || texts[n].indexOf(needle) >= 0;
        item.hidden = !hit;
        if (hit) { shown += 1; }
      });
      categories.forEach(function (category) {
        category.hidden = needle !== "" && !category.querySelector(".item:not([hidden])");
      });
      if (folded !== null) { bodies.forEach(function (body, n) { body.open = needle === "" ? folded[n] : true; }); }
      if (needle === "") { folded = null; }
      status.textContent = needle === "" ? "" :
        shown ? box.getAttribute(shown === 1 ? "data-count-one" : "data-count-text").replace("__NUM__", String(shown)) :
          box.getAttribute("data-none-text");
    };
    box.hidden = false;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(apply, 150);
    });
  });

  // A link to something inside a folded section (an item, a category) opens the sections around it.
  var reveal = function () {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (!target) { return; }
    var opened = false;
    for (var up = target.parentElement; up; up = up.parentElement) {
      if (up.tagName === "DETAILS" && !up.open) { up.open = true; opened = true; }
    }
    if (opened) { target.scrollIntoView(); }
  };
  window.addEventListener("hashchange", reveal);
  reveal();

  // The check form: choosing a zone or a date loads that list's categories in place.
  var holder = document.getElementById("category-fields");
  if (holder) {
    bindTree(holder);
    document.querySelectorAll(".no-js-only").forEach(function (el) { el.hidden = true; });
    var form = holder.closest("form");
    var reload = function () {
      var params = new URLSearchParams();
      params.set("zone", form.elements.zone.value);
      params.set("on", form.elements.on.value);
      form.querySelectorAll("input[name='dataset.categories']:checked").forEach(function (box) {
        params.append("dataset.categories", box.value);
      });
      fetch(holder.getAttribute("data-categories-url") + "?" + params.toString(), {credentials: "same-origin"})
        .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
        .then(function (html) { holder.innerHTML = html; bindTree(holder); })
        .catch(function () { /* keep the fields as they are; the server validates anyway */ });
    };
    form.querySelectorAll("[data-reload-categories]").forEach(function (el) {
      el.addEventListener("change", reload);
    });
  }

  // The draft editor: add rows from the <template> without a round trip.
  document.querySelectorAll("[data-add-row]").forEach(function (button) {
    var kind = button.getAttribute("data-add-row");
    var rows = document.querySelector("[data-rows='" + kind + "']");
    var template = document.querySelector("template[data-row-template='" + kind + "']");
    if (!rows || !template) { return; }
    button.addEventListener("click", function (event) {
      event.preventDefault();
      var index = rows.querySelectorAll("[data-row]").length;
      var html = template.innerHTML.split("__INDEX__").join(String(index));
      rows.insertAdjacentHTML("beforeend", html);
      var added = rows.lastElementChild;
      var number = added.querySelector("[data-row-number]");
      if (number) { number.textContent = String(index + 1); }
      var first = added.querySelector("input, select, textarea");
      if (first) { first.focus(); }
    });
  });
})();
