/* Progressive enhancement for the forms and buttons (no inline script: the CSP
   allows only files from this site). Everything works without it:
   - lists: the server offers empty rows; here "Lägg till rad" builds a new row from
     deform's prototype and each row's "Ta bort rad" removes it, without saving;
   - an irreversible step's button (data-confirm) posts to a confirmation page;
     here the browser asks first, and the answer is sent as "confirmed". */
(function () {
  "use strict";
  var added = 0;

  function wireRemove(row) {
    var button = row.querySelector(".seq-remove");
    if (!button) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var seq = row.closest(".deform-seq");
      row.remove();
      var add = seq && seq.querySelector(".seq-add");
      if (add) { add.focus(); }
    });
  }

  document.querySelectorAll(".deform-seq").forEach(function (seq) {
    var proto = seq.querySelector(".deform-proto");
    var add = seq.querySelector(".seq-add");
    var point = seq.querySelector(".deform-insert-before");
    if (!proto || !add || !point) { return; }
    seq.querySelectorAll(".deform-seq-item").forEach(wireRemove);
    add.hidden = false;
    add.addEventListener("click", function () {
      added += 1;
      // Every id in the prototype made unique, so labels and errors still match.
      var html = decodeURIComponent(proto.getAttribute("prototype"))
        .replace(/deformField(\d+)/g, "deformField$1-new" + added);
      var template = document.createElement("template");
      template.innerHTML = html;
      var row = template.content.querySelector(".deform-seq-item");
      if (!row) { return; }
      point.parentNode.insertBefore(row, point);
      wireRemove(row);
      var first = row.querySelector("input:not([type=hidden]), textarea, select");
      if (first) { first.focus(); }
    });
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (!question || form.querySelector("input[name=confirmed]")) { return; }
    if (!window.confirm(question)) {
      event.preventDefault();
      return;
    }
    var confirmed = document.createElement("input");
    confirmed.type = "hidden";
    confirmed.name = "confirmed";
    confirmed.value = "1";
    form.appendChild(confirmed);
  });
}());
