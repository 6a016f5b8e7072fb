/* casebook: sortable, filterable case tables. No external library; without
   JavaScript the tables read the same, just without sorting and filtering. */
(function () {
  "use strict";

  function cellValue(row, index) {
    var cell = row.cells[index];
    return cell ? cell.textContent.trim() : "";
  }

  // Numbers (and ranges such as "3-7", by their first number) sort as numbers,
  // ISO dates and everything else as text; empty cells always sort last.
  function sortKey(text) {
    if (text === "") return null;
    if (/^\d{4}-\d{2}(-\d{2})?/.test(text)) return { kind: 1, value: text };
    var number = /^-?\d+(\.\d+)?/.exec(text);
    if (number) return { kind: 0, value: parseFloat(number[0]) };
    return { kind: 1, value: text.toLowerCase() };
  }

  function compare(a, b) {
    if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
    if (a.kind !== b.kind) return a.kind - b.kind;
    if (a.value < b.value) return -1;
    if (a.value > b.value) return 1;
    return 0;
  }

  function makeSortable(table) {
    var headers = table.tHead ? table.tHead.rows[0].cells : [];
    var body = table.tBodies[0];
    if (!body) return;
    Array.prototype.forEach.call(headers, function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "cb-sort";
      button.textContent = th.textContent;
      button.title = "Sort by " + th.textContent;
      th.textContent = "";
      th.appendChild(button);
      th.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(headers, function (other) {
          other.setAttribute("aria-sort", "none");
        });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (r1, r2) {
          var order = compare(sortKey(cellValue(r1, index)), sortKey(cellValue(r2, index)));
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  }

  function makeFilterable(wrapper, table) {
    var body = table.tBodies[0];
    if (!body || body.rows.length < 2) return;
    var label = document.createElement("label");
    label.className = "cb-filter";
    var input = document.createElement("input");
    input.type = "search";
    input.placeholder = "Filter these " + body.rows.length + " rows";
    input.setAttribute("aria-label", "Filter the table");
    var count = document.createElement("span");
    count.className = "cb-filter__count";
    count.setAttribute("aria-live", "polite");
    label.appendChild(input);
    label.appendChild(count);
    wrapper.insertBefore(label, wrapper.firstChild);
    input.addEventListener("input", function () {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      Array.prototype.forEach.call(body.rows, function (row) {
        var text = row.textContent.toLowerCase();
        var match = words.every(function (word) { return text.indexOf(word) !== -1; });
        row.hidden = !match;
        if (match) shown += 1;
      });
      count.textContent = words.length ? shown + " of " + body.rows.length + " rows" : "";
    });
  }

  function enhance() {
    document.querySelectorAll(".cb-table").forEach(function (wrapper) {
      if (wrapper.dataset.cbReady) return;
      var table = wrapper.querySelector("table");
      if (!table) return;
      wrapper.dataset.cbReady = "1";
      makeSortable(table);
      makeFilterable(wrapper, table);
    });
  }

  // Material's instant loading replaces pages without a full load; it exposes
  // document$ for that. Without it, the ordinary DOM event is enough.
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(enhance);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", enhance);
  } else {
    enhance();
  }
})();
