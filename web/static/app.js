// The search page, improved when JavaScript runs; without it every form submits as usual.
//
// - "/" anywhere outside a text field jumps to the search box.
// - Results as you type: the page fetches itself (/?q=...) and swaps its #live region, so
//   rendering stays in the server's template. Nothing is sent while an IME composition is
//   open, requests are debounced, a newer request aborts the older one, and an answer that
//   is not the newest request's is dropped. The URL follows (history.replaceState).
// - ↑/↓ in the search box select a result, Enter opens its post.
// - On a narrow screen the filters and the facets fold under their summaries.
// Other scripts find the new results through event delegation, or on "matome:results".
(function () {
  "use strict";

  var DEBOUNCE_MS = 150;
  var narrow = window.matchMedia("(max-width: 50rem)");

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" ||
                            target.tagName === "SELECT" || target.isContentEditable);
    if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      var box = document.getElementById("q");
      if (box) {
        event.preventDefault();
        box.focus();
        box.select();
      }
    }
  });

  // Folds are open in the HTML (so a page without JavaScript shows everything); a narrow
  // screen closes them, a wide one opens them again.
  function fitFolds(root) {
    var folds = (root || document).querySelectorAll("details.fold");
    for (var i = 0; i < folds.length; i++) folds[i].open = !narrow.matches;
  }

  // A full-width space (U+3000, what a Japanese IME types for the space key) is a space.
  function normalizeQuery(text) {
    return text.replace(/[\s\u3000]+/g, " ").trim();
  }

  // The page's own URL for `query`: the filters of the page shown (user, tag, since,
  // until, sort: the hidden inputs and the filter form were rendered from them) are kept,
  // the result page starts again at 1.
  function searchUrl(query) {
    var params = new URLSearchParams();
    if (query) params.append("q", query);
    new URLSearchParams(location.search).forEach(function (value, key) {
      if (key !== "q" && key !== "page") params.append(key, value);
    });
    var search = params.toString();
    return location.pathname + (search ? "?" + search : "");
  }

  function LiveSearch(box, region) {
    this.box = box;
    this.region = region;
    this.composing = false;
    this.timer = 0;
    this.sequence = 0;        // bumped by every request; only the newest one's answer is shown
    this.controller = null;   // the request in flight, aborted when a newer one starts
    this.pendingUrl = null;
    this.shownUrl = searchUrl(normalizeQuery(box.value));
    this.selected = -1;
  }

  LiveSearch.prototype.listen = function () {
    var self = this;
    var box = this.box;
    box.addEventListener("compositionstart", function () {
      self.composing = true;
      clearTimeout(self.timer);
    });
    box.addEventListener("compositionend", function () {
      self.composing = false;
      self.schedule();
    });
    box.addEventListener("input", function (event) {
      if (event.isComposing || self.composing) return;
      self.schedule();
    });
    box.addEventListener("keydown", function (event) { self.onKey(event); });
    box.form.addEventListener("submit", function (event) {
      // The page is already live: Enter or the button searches at once, with the filters.
      event.preventDefault();
      if (self.composing) return;
      clearTimeout(self.timer);
      self.run();
    });
  };

  LiveSearch.prototype.onKey = function (event) {
    // keyCode 229: the key went to the IME (Safari ends the composition before this keydown).
    if (event.isComposing || event.keyCode === 229 || this.composing) return;
    if (event.altKey || event.shiftKey) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      var hits = this.hits();
      if (!hits.length) return;
      event.preventDefault();
      var step = event.key === "ArrowDown" ? 1 : -1;
      this.select(Math.max(-1, Math.min(hits.length - 1, this.selected + step)));
    } else if (event.key === "Enter" && this.selected >= 0) {
      var link = this.hits()[this.selected].querySelector("a.postlink");
      if (!link) return;
      event.preventDefault();
      if (event.ctrlKey || event.metaKey) window.open(link.href, "_blank", "noopener");
      else location.assign(link.href);
    } else if (event.key === "Escape" && this.selected >= 0) {
      event.preventDefault();
      this.select(-1);
    }
  };

  LiveSearch.prototype.hits = function () {
    return this.region.querySelectorAll(".hit");
  };

  LiveSearch.prototype.select = function (index) {
    var hits = this.hits();
    if (this.selected >= 0 && hits[this.selected]) hits[this.selected].classList.remove("selected");
    this.selected = index;
    if (index >= 0) {
      hits[index].classList.add("selected");
      hits[index].scrollIntoView({ block: "nearest" });
    }
  };

  LiveSearch.prototype.schedule = function () {
    var self = this;
    this.select(-1);  // the selection belonged to the results of the text before
    clearTimeout(this.timer);
    this.timer = setTimeout(function () { self.run(); }, DEBOUNCE_MS);
  };

  LiveSearch.prototype.run = function () {
    if (this.composing) return;
    var url = searchUrl(normalizeQuery(this.box.value));
    if (url === this.pendingUrl) return;
    this.sequence += 1;
    if (this.controller) this.controller.abort();
    this.controller = null;
    this.pendingUrl = null;
    if (url === this.shownUrl) return;  // back to what is shown: only the older request dies
    var self = this;
    var sequence = this.sequence;
    var controller = new AbortController();
    this.controller = controller;
    this.pendingUrl = url;
    fetch(url, { signal: controller.signal, credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        // An abort can lose the race with the answer: check the sequence, not only the signal.
        if (sequence === self.sequence) self.show(html, url);
      })
      .catch(function (error) {
        // A newer request aborted this one: its answer is coming. Anything else
        // (a bad parameter, no index): the page itself says what went wrong.
        if (error.name !== "AbortError" && sequence === self.sequence) location.assign(url);
      })
      .then(function () {
        if (sequence === self.sequence) {
          self.controller = null;
          self.pendingUrl = null;
        }
      });
  };

  LiveSearch.prototype.show = function (html, url) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var region = doc.getElementById("live");
    if (!region) return;
    // The feed of what is shown now.
    var feed = doc.querySelector('head link[type="application/atom+xml"]');
    var shownFeed = document.querySelector('head link[type="application/atom+xml"]');
    if (shownFeed) shownFeed.remove();
    if (feed) document.head.appendChild(document.importNode(feed, true));
    var oldFold = this.region.querySelector("details.fold");
    var open = oldFold ? oldFold.open : !narrow.matches;
    var folds = region.querySelectorAll("details.fold");
    for (var i = 0; i < folds.length; i++) folds[i].open = open;
    this.region.replaceWith(region);
    this.region = region;
    this.selected = -1;
    this.shownUrl = url;
    document.title = doc.title;
    updateFilters(doc);
    history.replaceState(history.state, "", url);
    document.dispatchEvent(new CustomEvent("matome:results", { detail: { region: region } }));
  };

  // The filter form outside the region carries the query too, and its "clear" link.
  function updateFilters(doc) {
    var form = document.querySelector("form.filters");
    var fresh = doc.querySelector("form.filters");
    if (!form || !fresh) return;
    form.elements.q.value = fresh.elements.q.value;
    var clear = form.querySelector("a.clear");
    var freshClear = fresh.querySelector("a.clear");
    if (clear && freshClear) clear.href = freshClear.getAttribute("href");
  }

  function start() {
    fitFolds();
    narrow.addEventListener("change", function () { fitFolds(); });
    var box = document.getElementById("q");
    var region = document.getElementById("live");
    if (box && box.form && region && window.fetch && window.DOMParser && window.AbortController) {
      new LiveSearch(box, region).listen();
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
