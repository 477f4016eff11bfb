/* The live part of a meeting item's page (#live) kept up to date: it is fetched
   again at most every data-poll-ms (2 s) and put in place when its data-version
   changed. One request at a time (the next is planned when the last has ended),
   none while the tab is hidden. Without JavaScript the page's reload link does it.
   Its summary (#live-summary, aria-live="polite") is kept and only its text changed. */
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
    var summary = document.getElementById("live-summary");
    var said = fresh.querySelector("#live-summary");
    if (summary && said && summary.parentNode === live && said.parentNode === fresh) {
      // The summary is an aria-live region: it stays in the document and only its text changes,
      // since screen readers do not announce a region that is put in anew.
      while (live.firstChild !== summary) { live.removeChild(live.firstChild); }
      while (summary.nextSibling) { live.removeChild(summary.nextSibling); }
      while (fresh.firstChild !== said) { live.insertBefore(fresh.firstChild, summary); }
      fresh.removeChild(said);
      while (fresh.firstChild) { live.appendChild(fresh.firstChild); }
      live.setAttribute("data-version", fresh.getAttribute("data-version"));
      if (summary.textContent !== said.textContent) { summary.textContent = said.textContent; }
    } else {
      live.replaceWith(fresh);
      live = fresh;
    }
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
