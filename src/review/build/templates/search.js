// Offline search over the claim entries: shows the entries whose text holds every word typed.
// Reads ?q= from the address, so the search box on the index page leads here. No network, no library.
(function () {
  var box = document.getElementById("claim-q"), count = document.getElementById("claim-count");
  if (!box) return;
  var cards = Array.prototype.slice.call(document.querySelectorAll("article.claim"));
  var text = cards.map(function (c) { return c.textContent.toLowerCase().replace(/\s+/g, " "); });
  function run() {
    var words = box.value.toLowerCase().split(/\s+/).filter(Boolean), shown = 0;
    cards.forEach(function (c, i) {
      var hit = words.every(function (w) { return text[i].indexOf(w) >= 0; });
      c.hidden = !hit; if (hit) shown += 1;
    });
    count.textContent = words.length ? shown + " of " + cards.length + " claims" : "";
  }
  var q = new URLSearchParams(window.location.search).get("q");
  if (q) { box.value = q; run(); }
  box.addEventListener("input", run);
})();
