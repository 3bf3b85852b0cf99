/* Search and filter on soeg.html without a server: the table is the no-JavaScript fallback,
   this script shows the form and hides rows that do not match. The index (search-index.js)
   holds each proposal's plain text. The count's wording is the page's `data-found` (the
   label `found`). The table's phone layout is in its markup (search.html). */
(function () {
  "use strict";
  var form = document.getElementById("soegeform");
  var table = document.getElementById("forslagsliste");
  var counter = document.getElementById("antal");
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
    counter.textContent = (counter.dataset.found || "{n}").replace("{n}", String(shown));
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

}());
