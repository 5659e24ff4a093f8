// "Select all on this page" for the items grid. Without JS the grid still works: tick items, or
// use "Publish all on this page".
document.addEventListener('DOMContentLoaded', function () {
  var all = document.getElementById('select-all');
  var label = document.getElementById('select-all-label');
  if (!all || !label) return;
  var boxes = function () { return document.querySelectorAll('input[type="checkbox"][name="pk"][form="publish-form"]'); };
  label.hidden = false;
  all.addEventListener('change', function () {
    boxes().forEach(function (box) { box.checked = all.checked; });
  });
  document.addEventListener('change', function (event) {
    if (event.target === all || !event.target.matches('input[name="pk"]')) return;
    var list = Array.prototype.slice.call(boxes());
    all.checked = list.length > 0 && list.every(function (box) { return box.checked; });
  });
});
