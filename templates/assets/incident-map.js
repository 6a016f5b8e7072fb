/* casebook: the map of incidents (/map/) and the small map on a located case's
   page. Leaflet with its clustering plugin draws them, over country outlines
   from Natural Earth (world-atlas, decoded by topojson-client); all three are
   copied into the site at build time (assets/map/), so nothing is fetched from
   outside. The generator puts CB_MAP_LIBRARY before this script: false when the
   library was not installed, and then the pages keep their tables only. */
(function () {
  "use strict";

  var MAP = "assets/map/";

  function siteRoot() {
    var config = document.getElementById("__config");
    try {
      return new URL(JSON.parse(config.textContent).base + "/", location.href);
    } catch (e) {
      return new URL("./", location.href);
    }
  }

  var loading = null;
  function loadLibrary(root) {
    if (loading) return loading;
    function script(name) {
      return new Promise(function (resolve, reject) {
        var tag = document.createElement("script");
        tag.src = new URL(MAP + name, root).href;
        tag.onload = resolve;
        tag.onerror = function () { reject(new Error("could not load " + name)); };
        document.head.appendChild(tag);
      });
    }
    ["leaflet.css", "MarkerCluster.css", "MarkerCluster.Default.css"].forEach(function (name) {
      var link = document.createElement("link");
      link.rel = "stylesheet";
      link.href = new URL(MAP + name, root).href;
      document.head.appendChild(link);
    });
    loading = script("leaflet.js").then(function () {
      return Promise.all([script("leaflet.markercluster.js"), script("topojson-client.min.js")]);
    });
    return loading;
  }

  function getJSON(url) {
    return fetch(url).then(function (response) {
      if (!response.ok) throw new Error(url + ": " + response.status);
      return response.json();
    });
  }

  // Stage colours live in the stylesheet (--cb-stage-<stage>), beside the legend's.
  function stageColour(element, stage) {
    return getComputedStyle(element).getPropertyValue("--cb-stage-" + stage).trim() || "#555";
  }

  function newMap(element, options) {
    // No tile layer sets the zoom range, which the clustering needs.
    var map = L.map(element, Object.assign({ zoomSnap: 0.5, preferCanvas: true, minZoom: 1, maxZoom: 12,
                                             worldCopyJump: false }, options));
    // Land below the points, whichever arrives first.
    map.createPane("cbLand").style.zIndex = 350;
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution("Boundaries: Natural Earth");
    return map;
  }

  function drawBoundaries(map, root, element) {
    return getJSON(new URL(MAP + "countries-110m.json", root).href).then(function (topo) {
      var style = getComputedStyle(element);
      L.geoJSON(topojson.feature(topo, topo.objects.countries), {
        interactive: false, pane: "cbLand",
        style: { color: style.getPropertyValue("--cb-map-border").trim(), weight: 0.8,
                 fillColor: style.getPropertyValue("--cb-map-land").trim(), fillOpacity: 1 }
      }).addTo(map);
    });
  }

  function point(lat, lon, stage, element, label) {
    var mark = L.circleMarker([lat, lon], { radius: 7, color: "#000", weight: 1,
                                            fillColor: stageColour(element, stage),
                                            fillOpacity: 0.9 });
    if (label) mark.bindTooltip(label);
    return mark;
  }

  function inRange(properties, from, to) {
    return (!from || properties.incident_date_end >= from) &&
           (!to || properties.incident_date_start <= to);
  }

  function mapPage(element, root) {
    var geojson = new URL(element.dataset.geojson, location.href).href;
    var controls = document.querySelector(".cb-map-controls");
    var count = controls.querySelector(".cb-map-count");
    var rows = Array.prototype.slice.call(document.querySelectorAll(".cb-map-table tbody tr"));
    element.hidden = false;
    controls.hidden = false;
    var map = newMap(element, {});
    map.setView([20, 10], 2);
    // How many points apply() is placing; null until it first runs. Adding the
    // empty cluster to the map reports 0 of 0 done, which is not the points placed.
    var placing = null;
    var cluster = L.markerClusterGroup({
      chunkedLoading: true, showCoverageOnHover: false,
      // Told when every point is placed (in chunks, so that 10,000 keep the page live).
      chunkProgress: function (done, total) {
        if (placing !== null && done === total && total === placing) {
          element.dataset.drawn = String(cluster.getLayers().length);
        }
      }
    });
    map.addLayer(cluster);
    return Promise.all([drawBoundaries(map, root, element), getJSON(geojson)]).then(function (r) {
      var features = r[1].features;
      var byId = {};
      var marks = features.map(function (feature) {
        var p = feature.properties, c = feature.geometry.coordinates;
        byId[p.id] = feature;
        var mark = point(c[1], c[0], p.stage, element, p.id + ": " + p.title);
        mark.feature = feature;
        mark.on("click", function () { location.href = new URL(p.url, geojson).href; });
        return mark;
      });
      var fitted = false;
      function apply() {
        var stages = Array.prototype.slice.call(controls.querySelectorAll("input[name=stage]:checked"))
          .map(function (box) { return box.value; });
        var from = controls.querySelector("input[name=from]").value;
        var to = controls.querySelector("input[name=to]").value;
        var keep = function (feature) {
          var p = feature.properties;
          return stages.indexOf(p.stage) !== -1 && inRange(p, from, to);
        };
        var shown = marks.filter(function (mark) { return keep(mark.feature); });
        cluster.clearLayers();
        delete element.dataset.drawn;
        placing = shown.length;
        cluster.addLayers(shown);
        rows.forEach(function (row) {
          var feature = byId[row.cells[0].textContent.trim()];
          row.classList.toggle("cb-map-out", !(feature && keep(feature)));
        });
        element.dataset.shown = String(shown.length);
        count.textContent = shown.length + " of " + marks.length + " cases shown";
        if (shown.length && !fitted) {
          // From the points themselves: the clusters fill in chunks, after this.
          var bounds = L.latLngBounds(shown.map(function (mark) { return mark.getLatLng(); }));
          map.fitBounds(bounds, { padding: [24, 24], maxZoom: 6, animate: false });
          fitted = true;
        }
      }
      controls.addEventListener("change", apply);
      apply();
      element.dataset.ready = "1";
    });
  }

  // A case page: its coordinates are in the incident table, its stage in the header.
  var COORDINATES = /^(-?\d+(?:\.\d+)?), (-?\d+(?:\.\d+)?)$/;
  function casePage(header, root) {
    var cells = document.querySelectorAll(".cb-facts td:nth-child(2)");
    var where = null;
    for (var i = 0; i < cells.length && !where; i++) {
      where = COORDINATES.exec(cells[i].textContent.trim());
    }
    if (!where) return null;
    var badge = header.querySelector("[class*='cb-stage--']");
    var stage = badge ? /cb-stage--([a-z-]+)/.exec(badge.className)[1] : "";
    var element = document.createElement("div");
    element.className = "cb-map cb-map--small";
    element.setAttribute("role", "region");
    element.setAttribute("aria-label", "Map: the incident at latitude " + where[1] +
                         ", longitude " + where[2]);
    var progress = document.querySelector(".cb-progress") || header;
    progress.parentNode.insertBefore(element, progress.nextSibling);
    return loadLibrary(root).then(function () {
      var lat = parseFloat(where[1]), lon = parseFloat(where[2]);
      var map = newMap(element, { scrollWheelZoom: false, keyboard: false });
      map.setView([lat, lon], 5);
      point(lat, lon, stage, element, null).addTo(map);
      return drawBoundaries(map, root, element);
    }).then(function () { element.dataset.ready = "1"; });
  }

  function start() {
    if (typeof CB_MAP_LIBRARY === "undefined" || !CB_MAP_LIBRARY) return;
    var root = siteRoot();
    var element = document.querySelector(".cb-map[data-geojson]");
    var header = document.querySelector(".cb-case-header");
    if (element && !element.dataset.started) {
      element.dataset.started = "1";
      loadLibrary(root).then(function () { return mapPage(element, root); });
    } else if (header && !header.dataset.cbMap) {
      header.dataset.cbMap = "1";
      casePage(header, root);
    }
  }

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(start);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
