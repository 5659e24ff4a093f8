// Times are written in UTC by the server (it does not know where the seller is); here they are shown in
// the seller's own time zone, as the browser knows it. Without script the page says "UTC".
document.addEventListener('DOMContentLoaded', function () {
  'use strict';
  if (!window.Intl || !Intl.DateTimeFormat) return;
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone || '';
  var formats = {
    date: new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' }),
    datetime: new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' }),
  };
  document.querySelectorAll('time[data-local]').forEach(function (node) {
    var at = new Date(node.getAttribute('datetime'));
    var format = formats[node.getAttribute('data-local')];
    if (isNaN(at.getTime()) || !format) return;
    node.textContent = format.format(at);
    if (zone) node.title = zone;
  });
});
