/* casebook: the header's search box, over Pagefind's index (site/pagefind/).
   The index is made of parts, each a whole Pagefind index of a run of case ids
   (pagefind/parts.json lists them with their first and last id;
   generator/publish/search.py). A query that is a case id goes to that case
   first ("Case id"), looked up in the one part whose run holds it: ids are
   filters in the index, matched whole, where a word search would split them on
   their hyphens. A search of words loads the first part's Pagefind and merges
   the others into it (Pagefind's mergeIndex), which ranks across all of them.
   Pagefind fetches the chunks a query needs, so a first result costs a few
   hundred KB whatever the number of cases. */
(function () {
  "use strict";

  var MAX_RESULTS = 10;
  var box = document.querySelector(".cb-search");
  if (!box) return;
  var input = box.querySelector(".cb-search__input");
  var panel = box.querySelector(".cb-search__results");
  var idPattern = new RegExp(box.dataset.cbIdPattern || "^[A-Z][A-Z0-9]*-[0-9]{4}-[0-9]{4,}$");
  var root = new URL(box.dataset.cbRoot || "./", document.baseURI);
  var folder = new URL((box.dataset.cbIndex || "pagefind").replace(/\/?$/, "/"), document.baseURI);
  var parts = null;
  var bundles = {};
  var everything = null;
  var latest = 0;
  var shownFor = null; // the query whose results the panel lists
  // The box is written after the theme's header, not in a copy of it: its place
  // is the header's bar, before the repository link when there is one.
  var bar = document.querySelector(".md-header__inner");
  if (bar) bar.insertBefore(box, bar.querySelector(".md-header__source"));
  box.hidden = false;

  function manifest() {
    if (!parts) {
      parts = fetch(new URL("parts.json", folder)).then(function (response) {
        if (!response.ok) throw new Error("no search index (" + response.status + ")");
        return response.json();
      }).then(function (data) { return data.parts; });
      parts.catch(function () { parts = null; }); // tried again next time
    }
    return parts;
  }

  // One Pagefind per address of its script: a module keeps its index in its own
  // state, so the same part's script under another query string is another one.
  function bundle(part, variant) {
    var url = new URL(part.path + "pagefind.js" + variant, folder).href;
    if (!bundles[url]) {
      bundles[url] = import(url).then(function (module) {
        return module.options({ baseUrl: root.pathname }).then(function () {
          module.init();
          return module;
        });
      });
      bundles[url].catch(function () { delete bundles[url]; }); // tried again next time
    }
    return bundles[url];
  }

  function allParts() {
    if (!everything) {
      everything = manifest().then(function (list) {
        if (!list.length) return null;
        return bundle(list[0], "").then(function (pf) {
          return Promise.all(list.slice(1).map(function (part) {
            return pf.mergeIndex(new URL(part.path, folder).pathname, { baseUrl: root.pathname });
          })).then(function () { return pf; });
        });
      });
      everything.catch(function () { everything = null; });
    }
    return everything;
  }

  // The part whose run of ids holds `id`: the manifest's ids sort as strings do.
  function partOf(list, id) {
    var found = list.filter(function (p) { return p.first <= id && id <= p.last; });
    if (!found.length) return Promise.resolve(null);
    return list.length === 1 ? allParts() : bundle(found[0], "?part");
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function item(data, badge) {
    var meta = data.meta || {};
    var li = element("li", "cb-search__item");
    var link = element("a");
    link.href = data.url;
    var title = element("span", "cb-search__title");
    if (badge) title.appendChild(element("span", "cb-search__badge", badge));
    title.appendChild(document.createTextNode(meta.title || data.url));
    link.appendChild(title);
    var facts = [meta.id, meta.stage, meta.date].filter(Boolean).join(" · ");
    link.appendChild(element("span", "cb-search__facts", facts));
    if (!badge && data.excerpt) {
      var excerpt = element("span", "cb-search__excerpt");
      excerpt.innerHTML = data.excerpt; // Pagefind's excerpt: escaped text and <mark>
      link.appendChild(excerpt);
    }
    li.appendChild(link);
    return li;
  }

  // `found` is null for an id found: the other cases are not searched for.
  function show(query, byId, found) {
    panel.textContent = "";
    shownFor = query;
    var list = element("ul", "cb-search__list");
    var said;
    if (byId) {
      list.appendChild(item(byId, "Case id"));
      said = "Case " + byId.meta.id + " (exact id)";
    } else if (idPattern.test(query.toUpperCase())) {
      said = "No case has the id " + query.toUpperCase() + " in this build";
    }
    var others = (found || []).filter(function (d) { return !byId || d.url !== byId.url; });
    others.forEach(function (d) { list.appendChild(item(d)); });
    var words;
    if (!found) {
      words = "search \"" + byId.meta.id + "\" in quotes for the cases that name it";
    } else {
      var count = found.total - (byId && found.total > others.length ? 1 : 0);
      words = count === 0 ? "no other case matches" :
        count + (count === 1 ? " case matches" : " cases match");
      if (!byId && !said) words = count === 0 ? "No case matches" : words;
    }
    panel.appendChild(element("p", "cb-search__meta", said ? said + "; " + words : words));
    panel.appendChild(list);
    panel.hidden = false;
  }

  function words(pf, query) {
    if (!pf) return Promise.resolve(Object.assign([], { total: 0 }));
    return pf.search(query).then(function (r) {
      return Promise.all(r.results.slice(0, MAX_RESULTS).map(function (x) { return x.data(); }))
        .then(function (list) { list.total = r.results.length; return list; });
    });
  }

  // An id: its case, from the one part that may hold it, alone. Its pieces are words
  // of nearly every case ("CH", a year), matched loosely in every part; the cases
  // that name it are a search of the id in quotes. An id no case has is searched
  // for as words, as any other query.
  function byId(query, id, current) {
    return manifest().then(function (list) {
      return partOf(list, id).then(function (pf) {
        // The id is in its case's text, so searching for it under the id filter loads
        // only that word's chunk; a filter alone (a null search) loads the whole part.
        return pf ? pf.search(query, { filters: { id: id } }) : { results: [] };
      }).then(function (r) {
        return r.results.length ? r.results[0].data() : null;
      });
    }).then(function (exact) {
      if (exact) {
        if (current()) show(query, exact, null);
        return null;
      }
      return allParts().then(function (pf) { return words(pf, query); }).then(function (found) {
        if (current()) show(query, null, found);
      });
    });
  }

  // The search of what the box holds; done when its results are shown (or not
  // shown, a later search having begun).
  function run() {
    var query = input.value.trim();
    var ticket = ++latest;
    if (!query) { panel.hidden = true; shownFor = null; return Promise.resolve(); }
    var current = function () { return ticket === latest; };
    var id = query.toUpperCase();
    var work = idPattern.test(id) ? byId(query, id, current) :
      allParts().then(function (pf) { return words(pf, query); }).then(function (found) {
        if (current()) show(query, null, found);
      });
    return work.catch(function (err) {
      if (!current()) return;
      panel.textContent = "";
      shownFor = null;
      panel.appendChild(element("p", "cb-search__meta", "Search is unavailable: " + err));
      panel.hidden = false;
    });
  }

  // Whether the query is the start of some case's id: a part's run, cut to the
  // query's length, holds it (`C`, `CH-20`, `CH-2024-00`). Searched as words, a
  // half-typed id would load every part for a loose match of its pieces.
  function startOfId(list, query) {
    var start = query.toUpperCase();
    if (/\s/.test(start) || idPattern.test(start)) return false;
    return list.some(function (p) {
      return p.first.slice(0, start.length) <= start && start <= p.last.slice(0, start.length);
    });
  }

  // The pause after the last keystroke before a search: longer while the query may
  // be an id still being typed (readers type at 150-300 ms a key), so that its
  // pieces are not searched as words; the whole id is searched after the short one.
  var PAUSE_MS = 150;
  var PAUSE_IN_ID_MS = 800;

  // What a search will need starts loading at the keystroke, not after the pause:
  // an id's part, or every part for words; for the start of an id, nothing but the
  // list of parts. Answers the pause to wait.
  function prepare(query) {
    var id = query.toUpperCase();
    return manifest().then(function (list) {
      var loading = idPattern.test(id) ? partOf(list, id) :
        startOfId(list, query) ? null : allParts();
      if (loading) loading.catch(function () {}); // the search itself says why
      return loading ? PAUSE_MS : PAUSE_IN_ID_MS;
    });
  }

  var timer = null;
  var keystroke = 0;
  // A reader who comes to the box is about to search: the list of parts is on its
  // way before the first keystroke, and nothing is fetched for one who never does.
  input.addEventListener("focus", function () { manifest().catch(function () {}); });
  input.addEventListener("input", function () {
    var query = input.value.trim();
    var ticket = ++keystroke;
    clearTimeout(timer);
    var wait = function (ms) {
      if (ticket === keystroke) timer = setTimeout(run, ms);
    };
    if (!query) { wait(0); return; }
    // Without a list of parts, the search says why the index is missing.
    prepare(query).then(wait, function () { wait(PAUSE_MS); });
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      event.preventDefault();
      var go = function () {
        var first = panel.querySelector("a");
        if (first) window.location.href = first.href;
      };
      // Enter during the pause searches now, and goes to the first result of what
      // the box holds, never of an earlier query still listed.
      if (shownFor === input.value.trim()) { go(); return; }
      var query = input.value.trim();
      clearTimeout(timer);
      keystroke++;
      run().then(function () { if (shownFor === query) go(); });
    } else if (event.key === "Escape") {
      panel.hidden = true;
    }
  });
  document.addEventListener("click", function (event) {
    if (!box.contains(event.target)) panel.hidden = true;
  });
})();
