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

  function sortRows(rows, index, ascending) {
    rows.sort(function (r1, r2) {
      var order = compare(sortKey(cellValue(r1, index)), sortKey(cellValue(r2, index)));
      return ascending ? order : -order;
    });
  }

  function matches(row, words) {
    var text = row.textContent.toLowerCase();
    return words.every(function (word) { return text.indexOf(word) !== -1; });
  }

  // A table split over several pages (templates/site/_macros.md.j2): every page's
  // rows are in a JSON file beside it, read the first time the reader sorts or
  // filters, so that both apply to the whole table. Its rows are drawn as the
  // page draws them: cells [text, link, hint, flags], hints by index.
  function drawRow(cells, hints, base, headers) {
    var tr = document.createElement("tr");
    cells.forEach(function (cell, i) {
      var td = document.createElement("td");
      var align = headers[i] ? headers[i].style.textAlign : "";
      if (align) td.style.textAlign = align;
      var text = cell[0], link = cell[1] || "";
      var hint = cell.length > 2 && cell[2] !== "" ? hints[cell[2]] : "";
      if (link) {
        var a = document.createElement("a");
        a.href = new URL(link, base).href;
        a.textContent = text;
        td.appendChild(a);
      } else if (hint) {
        var span = document.createElement("span");
        span.className = "cb-term";
        span.title = hint;
        span.textContent = text;
        td.appendChild(span);
      } else {
        td.textContent = text;
      }
      (cell[3] || []).forEach(function (flag) {
        var mark = document.createElement("span");
        mark.className = "cb-flag cb-flag--" + flag;
        mark.textContent = flag;
        td.appendChild(document.createTextNode(" "));
        td.appendChild(mark);
      });
      tr.appendChild(td);
    });
    return tr;
  }

  function loadRows(files, headers) {
    return Promise.all(files.map(function (file) {
      var url = new URL(file, location.href).href;
      return fetch(url).then(function (response) {
        if (!response.ok) throw new Error(url + ": " + response.status);
        return response.json();
      }).then(function (data) {
        return data.rows.map(function (cells) { return drawRow(cells, data.hints, url, headers); });
      });
    })).then(function (parts) { return [].concat.apply([], parts); });
  }

  // What a table shows: for a table on one page, its own rows; for a split table,
  // its page's rows until the reader sorts or filters, then the whole table's
  // matching rows, a page's worth at a time.
  function tableView(wrapper, table) {
    var body = table.tBodies[0];
    var headers = table.tHead ? table.tHead.rows[0].cells : [];
    var files = (wrapper.dataset.cbRows || "").split(" ").filter(Boolean);
    var view = {
      split: files.length > 0,
      total: files.length ? parseInt(wrapper.dataset.cbTotal, 10) : body.rows.length,
      column: -1, ascending: true, words: [], count: null
    };
    var size = parseInt(wrapper.dataset.cbSize, 10) || 200;
    var limit = size, all = null, loading = null;
    var pageRows = Array.prototype.slice.call(body.rows);
    var pager = wrapper.querySelector(".cb-pager");
    var range = wrapper.querySelector(".cb-listing__range");
    var more = null;
    if (view.split) {
      more = document.createElement("button");
      more.type = "button";
      more.className = "cb-more";
      more.hidden = true;
      more.addEventListener("click", function () { limit += size; show(); });
      table.parentNode.insertBefore(more, table.nextSibling);
    }

    function say(text) { if (view.count) view.count.textContent = text; }

    function whole() {
      if (!loading) {
        say("Reading all " + view.total + " rows\u2026");
        loading = loadRows(files, headers).then(function (rows) {
          all = rows;
          if (view.column >= 0) sortRows(all, view.column, view.ascending);
        }, function () {
          // Served without its JSON (or from a file): this page's rows only.
          view.split = false;
          view.total = pageRows.length;
          all = pageRows;
        });
      }
      return loading;
    }

    function show() {
      var active = view.words.length > 0 || view.column >= 0;
      if (!view.split) {
        var shown = 0;
        pageRows.forEach(function (row) {
          row.hidden = !matches(row, view.words);
          if (!row.hidden) shown += 1;
        });
        say(view.words.length ? shown + " of " + pageRows.length + " rows" : "");
        return;
      }
      if (!active || all === null) {
        body.replaceChildren.apply(body, pageRows);
        if (pager) pager.hidden = false;
        if (range) range.hidden = false;
        more.hidden = true;
        say("");
        return;
      }
      var found = all.filter(function (row) { return matches(row, view.words); });
      body.replaceChildren.apply(body, found.slice(0, limit));
      if (pager) pager.hidden = true;
      if (range) range.hidden = true;
      var text = view.words.length ? found.length + " of " + view.total + " rows"
        : "All " + view.total + " rows";
      if (found.length > limit) {
        text += ", the first " + limit + " shown";
        more.textContent = "Show " + Math.min(size, found.length - limit) + " more rows";
      }
      more.hidden = found.length <= limit;
      say(text);
    }

    view.sort = function (index, ascending) {
      view.column = index;
      view.ascending = ascending;
      if (!view.split) {
        sortRows(pageRows, index, ascending);
        pageRows.forEach(function (row) { body.appendChild(row); });
        return;
      }
      limit = size;
      whole().then(function () {
        if (view.split) sortRows(all, index, ascending);
        else { sortRows(pageRows, index, ascending); body.replaceChildren.apply(body, pageRows); }
        show();
      });
    };
    view.filter = function (words) {
      view.words = words;
      limit = size;
      if (view.split && words.length) whole().then(show);
      else show();
    };
    return view;
  }

  function makeSortable(table, view) {
    var headers = table.tHead ? table.tHead.rows[0].cells : [];
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
        view.sort(index, ascending);
      });
    });
  }

  function makeFilterable(wrapper, view) {
    if (view.total < 2) return;
    var label = document.createElement("label");
    label.className = "cb-filter";
    var input = document.createElement("input");
    input.type = "search";
    input.placeholder = (view.split ? "Filter all " : "Filter these ") + view.total + " rows";
    input.setAttribute("aria-label", "Filter the table");
    var count = document.createElement("span");
    count.className = "cb-filter__count";
    count.setAttribute("aria-live", "polite");
    label.appendChild(input);
    label.appendChild(count);
    wrapper.insertBefore(label, wrapper.firstChild);
    view.count = count;
    input.addEventListener("input", function () {
      view.filter(input.value.toLowerCase().split(/\s+/).filter(Boolean));
    });
  }

  function enhance() {
    document.querySelectorAll(".cb-table").forEach(function (wrapper) {
      if (wrapper.dataset.cbReady) return;
      var table = wrapper.querySelector("table");
      if (!table || !table.tBodies[0]) return;
      wrapper.dataset.cbReady = "1";
      var view = tableView(wrapper, table);
      makeSortable(table, view);
      makeFilterable(wrapper, view);
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
