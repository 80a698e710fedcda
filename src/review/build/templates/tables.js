// Filter box, click-to-sort headers and pages of 100 rows for long tables (table[data-sortable]).
// No network, no library.
(function () {
  var PAGE = 100;
  function cellText(row, i) { var c = row.children[i]; return c ? c.textContent.trim() : ""; }
  function compare(a, b) {
    var x = parseFloat(a.replace(/[%,]/g, "")), y = parseFloat(b.replace(/[%,]/g, ""));
    if (!isNaN(x) && !isNaN(y) && /^[-\d.,%\s]+$/.test(a) && /^[-\d.,%\s]+$/.test(b)) return x - y;
    return a.localeCompare(b);
  }
  document.querySelectorAll("table[data-sortable]").forEach(function (table) {
    var body = table.tBodies[0]; if (!body) return;
    var rows = Array.prototype.slice.call(body.rows);
    var text = rows.map(function (r) { return r.textContent.toLowerCase(); });
    var matches = rows, page = 0;
    var box = document.createElement("input");
    box.type = "search"; box.placeholder = "Filter " + rows.length + " rows"; box.className = "table-filter";
    box.setAttribute("aria-label", "Filter table rows");
    table.parentNode.insertBefore(box, table);
    var pager = document.createElement("div"); pager.className = "table-pager";
    var prev = document.createElement("button"); prev.type = "button"; prev.textContent = "\u2190 previous";
    var next = document.createElement("button"); next.type = "button"; next.textContent = "next \u2192";
    var status = document.createElement("span"); status.className = "table-pager-status";
    pager.appendChild(prev); pager.appendChild(status); pager.appendChild(next);
    table.parentNode.insertBefore(pager, table.nextSibling);
    function show() {
      var pages = Math.max(1, Math.ceil(matches.length / PAGE));
      page = Math.min(page, pages - 1);
      var first = page * PAGE, last = Math.min(matches.length, first + PAGE);
      rows.forEach(function (r) { r.style.display = "none"; });
      for (var i = first; i < last; i++) matches[i].style.display = "";
      status.textContent = matches.length ? "rows " + (first + 1) + "\u2013" + last + " of " + matches.length : "no matching rows";
      prev.disabled = page === 0; next.disabled = page >= pages - 1;
      pager.style.display = rows.length > PAGE ? "" : "none";
    }
    prev.addEventListener("click", function () { page -= 1; show(); });
    next.addEventListener("click", function () { page += 1; show(); });
    box.addEventListener("input", function () {
      var q = box.value.toLowerCase();
      matches = rows.filter(function (r, i) { return text[i].indexOf(q) >= 0; });
      page = 0; show();
    });
    var head = table.tHead ? table.tHead.rows[table.tHead.rows.length - 1] : null;
    if (head) {
      Array.prototype.forEach.call(head.cells, function (th, i) {
        var asc = true; th.style.cursor = "pointer"; th.title = "Sort by this column";
        th.addEventListener("click", function () {
          var order = function (a, b) { return asc ? compare(cellText(a, i), cellText(b, i)) : compare(cellText(b, i), cellText(a, i)); };
          rows.sort(order); matches.sort(order);
          text = rows.map(function (r) { return r.textContent.toLowerCase(); });
          asc = !asc; rows.forEach(function (r) { body.appendChild(r); }); show();
        });
      });
    }
    show();
  });
})();
