/* katalog serve: reload the page when the preview has been rebuilt. */
(function () {
  var script = document.currentScript;
  var version = script ? script.getAttribute("data-version") : null;
  var delay = 700;
  function poll() {
    fetch("/__katalog/version", { cache: "no-store" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (version !== null && String(data.version) !== version) {
          window.location.reload();
          return;
        }
        window.setTimeout(poll, delay);
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }
  window.setTimeout(poll, delay);
})();
