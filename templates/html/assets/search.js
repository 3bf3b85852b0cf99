/* Search and filter on soeg.html without a server: the table is the no-JavaScript fallback,
   this script shows the form and hides rows that do not match. The index (search-index.js)
   holds each proposal's plain text. */
(function () {
  "use strict";
  var form = document.getElementById("soegeform");
  var table = document.getElementById("forslagsliste");
  var counter = document.getElementById("antal");
  if (table) { stack(table); }
  if (!form || !table || !window.KATALOG_INDEX) { return; }
  var texts = {};
  window.KATALOG_INDEX.forEach(function (entry) { texts[entry.id] = fold(entry.text); });
  form.hidden = false;

  function fold(s) {
    return (s || "").toLocaleLowerCase("da").normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
  }

  function apply() {
    var words = fold(form.q.value).split(/\s+/).filter(Boolean);
    var theme = form.tema.value, dept = form.forvaltning.value, status = form.status.value;
    var shown = 0;
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      var text = texts[row.dataset.id] || "";
      var ok = (!theme || row.dataset.theme === theme) &&
        (!dept || row.dataset.department === dept) &&
        (!status || row.dataset.status === status) &&
        words.every(function (w) { return text.indexOf(w) !== -1; });
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    counter.textContent = shown === 1 ? "1 forslag fundet." : shown + " forslag fundet.";
    var params = new URLSearchParams();
    ["q", "tema", "forvaltning", "status"].forEach(function (k) { if (form[k].value) { params.set(k, form[k].value); } });
    if (window.history && window.history.replaceState && location.protocol !== "file:") {
      window.history.replaceState(null, "", params.toString() ? "?" + params.toString() : location.pathname);
    }
  }

  var initial = new URLSearchParams(location.search);
  ["q", "tema", "forvaltning", "status"].forEach(function (k) { if (initial.get(k)) { form[k].value = initial.get(k); } });
  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (e) { e.preventDefault(); apply(); });
  apply();

  /* The phone layout of economic tables (katalog.css: table.stack) labels each cell with its
     column's name (data-label) and keeps the table a table for screen readers with ARIA
     roles, as the amount_table macro writes them; this table gets them here. Without
     JavaScript it stays a table that scrolls sideways in its region. */
  function stack(t) {
    if (!t.tHead || !t.tHead.rows.length) { return; }
    var names = Array.prototype.map.call(t.tHead.rows[0].cells, function (c) {
      return c.textContent.trim();
    });
    t.setAttribute("role", "table");
    t.setAttribute("data-years", String(t.tHead.querySelectorAll("th.num").length));
    Array.prototype.forEach.call(t.querySelectorAll("thead, tbody"), function (g) {
      g.setAttribute("role", "rowgroup");
    });
    Array.prototype.forEach.call(t.rows, function (row) {
      row.setAttribute("role", "row");
      Array.prototype.forEach.call(row.cells, function (cell, i) {
        var scope = cell.getAttribute("scope");
        if (cell.tagName === "TH") {
          cell.setAttribute("role", scope === "col" ? "columnheader" : "rowheader");
        } else {
          cell.setAttribute("role", "cell");
          if (names[i]) { cell.setAttribute("data-label", names[i]); }
        }
      });
    });
    t.classList.add("stack");
  }
}());
