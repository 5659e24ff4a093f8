// The items grid's publish toolbar: "Select all on this page", and "Publish selected" or "Unpublish
// selected" with nothing ticked says so next to the button instead of sending the form. Without JS the grid still works:
// tick items, or use "Publish all on this page"; the server says "nothing selected" the same way.
document.addEventListener('DOMContentLoaded', function () {
  var form = document.getElementById('publish-form');
  if (!form) return;
  var all = document.getElementById('select-all');
  var label = document.getElementById('select-all-label');
  var nothing = document.getElementById('publish-none');
  var nothingToUnpublish = document.getElementById('unpublish-none');
  var boxes = function () { return document.querySelectorAll('input[type="checkbox"][name="pk"][form="publish-form"]'); };
  var anyTicked = function () { return Array.prototype.some.call(boxes(), function (box) { return box.checked; }); };

  var hideMessages = function () {
    if (nothing) nothing.hidden = true;
    if (nothingToUnpublish) nothingToUnpublish.hidden = true;
  };

  form.addEventListener('submit', function (event) {
    var submitter = event.submitter;
    if (!submitter || anyTicked()) return;
    var message = submitter.value === 'selected' ? nothing : submitter.id === 'unpublish-selected' ? nothingToUnpublish : null;
    if (!message) return;
    event.preventDefault();
    hideMessages();
    message.hidden = false;
    // On a phone the toolbar's buttons stack and the message can fall below the screen's edge.
    if (message.scrollIntoView) message.scrollIntoView({ block: 'nearest' });
  });
  document.addEventListener('change', function (event) {
    if (!event.target.matches('input[name="pk"], #select-all')) return;
    if (anyTicked()) hideMessages();
  });

  if (!all || !label) return;
  label.hidden = false;
  all.addEventListener('change', function () {
    boxes().forEach(function (box) { box.checked = all.checked; });
    if (all.checked) hideMessages();
  });
  document.addEventListener('change', function (event) {
    if (event.target === all || !event.target.matches('input[name="pk"]')) return;
    var list = Array.prototype.slice.call(boxes());
    all.checked = list.length > 0 && list.every(function (box) { return box.checked; });
  });
});
