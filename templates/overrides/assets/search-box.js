/* casebook: the header's search box, over Pagefind's index (site/pagefind/).
   The index is split into chunks that Pagefind fetches as a query needs them, so
   a first result costs a few hundred KB whatever the number of cases. A query
   that is a case id goes to that case first ("Case id"): ids are filters in the
   index, matched whole, where a word search would split them on their hyphens. */
(function () {
  "use strict";

  var MAX_RESULTS = 10;
  var box = document.querySelector(".cb-search");
  if (!box) return;
  var input = box.querySelector(".cb-search__input");
  var panel = box.querySelector(".cb-search__results");
  var idPattern = new RegExp(box.dataset.cbIdPattern || "^[A-Z][A-Z0-9]*-[0-9]{4}-[0-9]{4,}$");
  var root = new URL(box.dataset.cbRoot || "./", document.baseURI);
  var loading = null;
  var latest = 0;
  // The box is written after the theme's header, not in a copy of it: its place
  // is the header's bar, before the repository link when there is one.
  var bar = document.querySelector(".md-header__inner");
  if (bar) bar.insertBefore(box, bar.querySelector(".md-header__source"));
  box.hidden = false;

  function pagefind() {
    if (!loading) {
      var url = new URL(box.dataset.cbPagefind, document.baseURI).href;
      loading = import(url).then(function (module) {
        return module.options({ baseUrl: root.pathname }).then(function () {
          module.init();
          return module;
        });
      });
    }
    return loading;
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

  function show(query, byId, found) {
    panel.textContent = "";
    var list = element("ul", "cb-search__list");
    var said;
    if (byId) {
      list.appendChild(item(byId, "Case id"));
      said = "Case " + byId.meta.id + " (exact id)";
    } else if (idPattern.test(query.toUpperCase())) {
      said = "No case has the id " + query.toUpperCase() + " in this build";
    }
    var others = found.filter(function (d) { return !byId || d.url !== byId.url; });
    others.forEach(function (d) { list.appendChild(item(d)); });
    var count = found.total - (byId && found.total > others.length ? 1 : 0);
    var words = count === 0 ? "no other case matches" :
      count + (count === 1 ? " case matches" : " cases match");
    if (!byId && !said) words = count === 0 ? "No case matches" : words;
    panel.appendChild(element("p", "cb-search__meta", said ? said + "; " + words : words));
    panel.appendChild(list);
    panel.hidden = false;
  }

  function run() {
    var query = input.value.trim();
    var ticket = ++latest;
    if (!query) { panel.hidden = true; return; }
    pagefind().then(function (pf) {
      var id = query.toUpperCase();
      // The id is in its case's text, so searching for it under the id filter loads
      // only that word's chunk; a filter alone (a null search) loads the whole index.
      var exact = idPattern.test(id)
        ? pf.search(query, { filters: { id: id } }).then(function (r) {
            return r.results.length ? r.results[0].data() : null;
          })
        : Promise.resolve(null);
      var words = pf.search(query).then(function (r) {
        return Promise.all(r.results.slice(0, MAX_RESULTS).map(function (x) { return x.data(); }))
          .then(function (list) { list.total = r.results.length; return list; });
      });
      return Promise.all([exact, words]).then(function (both) {
        if (ticket === latest) show(query, both[0], both[1]);
      });
    }).catch(function (err) {
      if (ticket !== latest) return;
      panel.textContent = "";
      panel.appendChild(element("p", "cb-search__meta", "Search is unavailable: " + err));
      panel.hidden = false;
    });
  }

  var timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(run, 150);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      var first = panel.querySelector("a");
      if (first) { event.preventDefault(); window.location.href = first.href; }
    } else if (event.key === "Escape") {
      panel.hidden = true;
    }
  });
  document.addEventListener("click", function (event) {
    if (!box.contains(event.target)) panel.hidden = true;
  });
})();
