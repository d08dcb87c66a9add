// The console works without this file; it only adds a "select all" box to the Tasks table.
document.addEventListener("change", (event) => {
  const box = event.target;
  if (!(box instanceof HTMLInputElement) || box.id !== "tick-all") return;
  for (const row of document.querySelectorAll("input[name=id]:not(:disabled)")) {
    row.checked = box.checked;
  }
});
document.addEventListener("htmx:afterSettle", showTickAll);
document.addEventListener("DOMContentLoaded", showTickAll);
function showTickAll() {
  const box = document.getElementById("tick-all");
  if (box) box.hidden = false;
}
