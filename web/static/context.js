// "前後のコメント" under each hit. Without JavaScript it is a link to the
// context page; with it, a click fetches /api/context and shows the
// neighbours in place under the hit, and a second click folds them away.
// Bound once on document, so results put in the page later work as well.
// Comment text is untrusted: every piece goes in through textContent.
(function () {
  "use strict";

  var opened = 0;

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function link(href, className, text) {
    var node = element("a", className, text);
    node.href = href;
    return node;
  }

  // The context page sits at the app's root, beside api/ and users/:
  // resolving against its URL keeps a path prefix the app is served under.
  function apiUrl(toggle) {
    var page = new URL(toggle.href, document.baseURI);
    return new URL("api/context" + page.search, page).href;
  }

  function userUrl(toggle, name) {
    return new URL("users/?name=" + encodeURIComponent(name), new URL(toggle.href, document.baseURI)).href;
  }

  // "2025-04-02T09:00:00Z" -> "2025-04-02 09:00", as the results show times (UTC).
  function shown(iso) {
    return iso.slice(0, 10) + " " + iso.slice(11, 16);
  }

  function commentItem(toggle, comment) {
    var item = element("li", comment.hit ? "comment hit-comment" : "comment");
    var meta = element("p", "meta");
    meta.appendChild(element("span", "number", String(comment.quote_index + 1)));
    if (comment.hit) {
      item.setAttribute("aria-current", "true");
      meta.appendChild(element("strong", "marker", "このコメント"));
    }
    meta.appendChild(link(userUrl(toggle, comment.user), "user", comment.user));
    var time = element("time", null, shown(comment.created_at));
    time.setAttribute("datetime", comment.created_at);
    meta.appendChild(time);
    if (/^https?:\/\//.test(comment.url)) meta.appendChild(link(comment.url, "inpost", "記事で読む"));
    item.appendChild(meta);
    item.appendChild(element("p", "body", comment.body));
    return item;
  }

  function thread(toggle, data) {
    var box = element("section", "thread-inline");
    box.id = "thread-" + (++opened);
    box.setAttribute("aria-label", "前後のコメント");
    var list = element("ol", "thread");
    data.comments.forEach(function (comment) {
      list.appendChild(commentItem(toggle, comment));
    });
    box.appendChild(list);
    box.appendChild(link(toggle.href, "context-link", "このコメントの前後をページで見る"));
    return box;
  }

  function expand(toggle, hit) {
    toggle.setAttribute("aria-busy", "true");
    fetch(apiUrl(toggle), { headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        var box = thread(toggle, data);
        hit.appendChild(box);
        toggle.setAttribute("aria-controls", box.id);
        toggle.setAttribute("aria-expanded", "true");
      })
      .catch(function () {
        window.location.href = toggle.href; // the page shows the neighbours, or says what went wrong
      })
      .finally(function () {
        toggle.removeAttribute("aria-busy");
      });
  }

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest ? event.target.closest("a.context-toggle") : null;
    if (!toggle || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) {
      return; // a new tab or window gets the page itself
    }
    var hit = toggle.closest(".post-comments .comment, .hit"); // a grouped post's comment, or a hit
    if (!hit) return;
    event.preventDefault();
    var open = hit.querySelector(":scope > .thread-inline");
    if (open) {
      open.remove();
      toggle.setAttribute("aria-expanded", "false");
    } else if (!toggle.hasAttribute("aria-busy")) {
      expand(toggle, hit);
    }
  });
})();
