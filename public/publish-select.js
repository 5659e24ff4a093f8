// The items grid's publish toolbar: "Select all on this page", and "Publish selected" with nothing
// ticked says so next to the button instead of sending the form. Without JS the grid still works:
// tick items, or use "Publish all on this page"; the server says "nothing selected" the same way.
document.addEventListener('DOMContentLoaded', function () {
  var form = document.getElementById('publish-form');
  if (!form) return;
  var all = document.getElementById('select-all');
  var label = document.getElementById('select-all-label');
  var nothing = document.getElementById('publish-none');
  var boxes = function () { return document.querySelectorAll('input[type="checkbox"][name="pk"][form="publish-form"]'); };
  var anyTicked = function () { return Array.prototype.some.call(boxes(), function (box) { return box.checked; }); };

  form.addEventListener('submit', function (event) {
    var submitter = event.submitter;
    if (!nothing || !submitter || submitter.value !== 'selected' || anyTicked()) return;
    event.preventDefault();
    nothing.hidden = false;
  });
  document.addEventListener('change', function (event) {
    if (!event.target.matches('input[name="pk"], #select-all')) return;
    if (nothing && anyTicked()) nothing.hidden = true;
  });

  if (!all || !label) return;
  label.hidden = false;
  all.addEventListener('change', function () {
    boxes().forEach(function (box) { box.checked = all.checked; });
    if (nothing && all.checked) nothing.hidden = true;
  });
  document.addEventListener('change', function (event) {
    if (event.target === all || !event.target.matches('input[name="pk"]')) return;
    var list = Array.prototype.slice.call(boxes());
    all.checked = list.length > 0 && list.every(function (box) { return box.checked; });
  });
});
