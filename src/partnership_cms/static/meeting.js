/* The live part of a meeting item's page (#live) kept up to date: it is fetched
   again at most every data-poll-ms (2 s) and put in place when its data-version
   changed. One request at a time (the next is planned when the last has ended),
   none while the tab is hidden. Without JavaScript the page's reload link does it. */
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live || !window.fetch) { return; }
  var url = live.getAttribute("data-live-url");
  var wait = Math.max(2000, parseInt(live.getAttribute("data-poll-ms"), 10) || 2000);

  function update(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    var fresh = template.content.getElementById("live");
    if (!fresh || fresh.getAttribute("data-version") === live.getAttribute("data-version")) { return; }
    // Keep the keyboard where it was when the focused control is still there.
    var focused = live.contains(document.activeElement) ? document.activeElement : null;
    var key = focused && focused.form ? focused.form.querySelector("input[name=act]") : null;
    live.replaceWith(fresh);
    live = fresh;
    if (key) {
      var same = live.querySelector("input[name=act][value=" + key.value + "]");
      var control = same && same.form.querySelector("button");
      if (control) { control.focus(); }
    }
  }

  function poll() {
    if (document.hidden) { window.setTimeout(poll, wait); return; }
    fetch(url, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html) { update(html); } })
      .catch(function () { /* the next round tries again */ })
      .then(function () { window.setTimeout(poll, wait); });
  }

  window.setTimeout(poll, wait);
}());
