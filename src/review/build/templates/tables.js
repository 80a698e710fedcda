// Filter box and click-to-sort headers for long tables (table[data-sortable]).
// Every row stays in the page (no paging), so the browser's find and print see them all. No network, no library.
(function () {
  function cellText(row, i) { var c = row.children[i]; return c ? c.textContent.trim() : ""; }
  function compare(a, b) {
    var x = parseFloat(a.replace(/[%,]/g, "")), y = parseFloat(b.replace(/[%,]/g, ""));
    if (!isNaN(x) && !isNaN(y) && /^[-\d.,%\s]+$/.test(a) && /^[-\d.,%\s]+$/.test(b)) return x - y;
    return a.localeCompare(b);
  }
  document.querySelectorAll("table[data-sortable]").forEach(function (table) {
    var body = table.tBodies[0]; if (!body) return;
    var rows = Array.prototype.slice.call(body.rows);
    var box = document.createElement("input");
    box.type = "search"; box.placeholder = "Filter " + rows.length + " rows"; box.className = "table-filter";
    box.setAttribute("aria-label", "Filter table rows");
    table.parentNode.insertBefore(box, table);
    box.addEventListener("input", function () {
      var q = box.value.toLowerCase();
      rows.forEach(function (r) { r.style.display = r.textContent.toLowerCase().indexOf(q) >= 0 ? "" : "none"; });
    });
    var head = table.tHead ? table.tHead.rows[table.tHead.rows.length - 1] : null;
    if (head) {
      Array.prototype.forEach.call(head.cells, function (th, i) {
        var asc = true; th.style.cursor = "pointer"; th.title = "Sort by this column";
        th.addEventListener("click", function () {
          rows.sort(function (a, b) { return asc ? compare(cellText(a, i), cellText(b, i)) : compare(cellText(b, i), cellText(a, i)); });
          asc = !asc; rows.forEach(function (r) { body.appendChild(r); });
        });
      });
    }
  });
})();
