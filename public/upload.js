// Upload page, enhanced: photos first, a card per photo with its own settings, one request per photo
// (its photoKey makes sending it again harmless), the queue kept in IndexedDB until the server has each
// photo (upload-queue.js), photos shrunk before sending (upload-prepare.js), sending paused while offline
// and resumed when back, the item polled until it exists. Without this script the form posts every photo
// at once with one block of settings and the server shows a result page that refreshes itself.
(function () {
  'use strict';
  var form = document.getElementById('upload-form');
  if (!form || !window.FormData || !window.XMLHttpRequest || !window.Promise || !window.UploadQueue || !window.UploadCards) return;
  var Cards = window.UploadCards;
  var Prepare = window.UploadPrepare;

  var csrf = form.querySelector('input[name="_csrf"]').value;
  var pickers = [document.getElementById('up-photos'), document.getElementById('up-camera')].filter(Boolean);
  var list = document.getElementById('up-list');
  var dropzone = document.getElementById('up-dropzone');
  var shared = { style: document.getElementById('up-style'), size: document.getElementById('up-size'), quantity: document.getElementById('up-quantity'), price: document.getElementById('up-price') };
  var submitButton = document.getElementById('up-submit');
  var count = document.getElementById('up-count');
  var maxBytes = Number(form.getAttribute('data-max-bytes')) || Infinity;
  var maxLabel = form.getAttribute('data-max-label') || '';
  var maxAttributes = Number(form.getAttribute('data-max-attributes')) || 10;
  var downscale = form.getAttribute('data-downscale') === 'true';
  var PARALLEL = 2;
  var POLL_MS = 1000;
  var STALL_MS = 60000;
  var AUTO_RETRIES = 3;
  // Answers that refuse the photo itself: sending it again cannot help.
  var REFUSED = { 413: true, 415: true };
  var SETTINGS_FIELDS = { style: true, size: true, quantity: true, price: true, attributes: true };
  // States in which a photo is not yet on the server: leaving the page asks first.
  var WAITING = { ready: true, queued: true, preparing: true, uploading: true, waiting: true };
  var photos = [];
  var nextId = 1;
  var queue = null;

  form.classList.add('enhanced');
  form.removeAttribute('novalidate');
  pickers.forEach(function (input) { input.removeAttribute('required'); });
  var hint = dropzone.querySelector('.drop-hint');
  if (hint) hint.hidden = false;
  var legend = document.getElementById('up-shared-legend');
  if (legend) legend.textContent = 'New photos start with';

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  function sharedSettings() {
    var attributes = [];
    form.querySelectorAll('#up-attributes .attr-row').forEach(function (row) {
      var name = row.querySelector('input[name="attr_name"]').value;
      var value = row.querySelector('input[name="attr_value"]').value;
      if (name || value) attributes.push({ name: name, value: value });
    });
    return { style: shared.style.value, size: shared.size.value, quantity: shared.quantity.value, price: shared.price.value, attributes: attributes };
  }

  function updateCount() {
    var total = photos.length;
    var sent = photos.filter(function (p) { return p.uploadId; }).length;
    count.textContent = total ? sent + ' of ' + total + ' uploaded' : 'No photos chosen yet';
  }

  function save(photo) {
    if (!queue) return;
    var record = photo.uploadId
      ? { key: photo.key, seq: photo.seq, name: photo.name, bytes: photo.bytes, uploadId: photo.uploadId, preview: photo.preview || null, itemName: photo.itemName || photo.card.itemName(), state: 'sent' }
      : { key: photo.key, seq: photo.seq, name: photo.name, bytes: photo.bytes, blob: photo.blob, settings: photo.card.settings(), edited: photo.edited, batch: photo.batch || null, state: photo.state === 'ready' ? 'ready' : 'queued' };
    queue.put(record).catch(function () { /* the page still works, it just will not survive a reload */ });
  }

  function forget(photo) {
    if (queue) queue.remove(photo.key).catch(function () {});
  }

  function setState(photo, state, message) {
    photo.state = state;
    photo.card.setState(state, message);
    updateCount();
  }

  function addPhoto(r) {
    var id = nextId++;
    var photo = { key: r.key, seq: r.seq, name: r.name, bytes: r.bytes, blob: r.blob || null, edited: Boolean(r.edited), batch: r.batch, uploadId: r.uploadId || null, attempts: 0, preview: r.preview || null, itemName: r.itemName || null };
    photo.card = Cards.create({
      id: id, number: photos.length + 1, name: r.name, bytes: r.bytes, shared: shared, maxAttributes: maxAttributes, settings: r.settings || sharedSettings(),
      onChange: function () { photo.edited = true; save(photo); },
      onRemove: function () {
        photos = photos.filter(function (p) { return p !== photo; });
        photo.card.li.remove();
        forget(photo);
        updateCount();
      },
      onSameAsPrevious: function (card) {
        var i = photos.indexOf(photo);
        if (i > 0) card.setSettings(photos[i - 1].card.settings());
        photo.edited = true;
        save(photo);
      },
      onApplyToSelected: function (card) {
        photos.forEach(function (p) {
          if (p === photo || p.state !== 'ready' || !p.card.selected.checked) return;
          p.card.setSettings(card.settings());
          p.card.selected.checked = false;
          p.edited = true;
          save(p);
        });
      },
    });
    photos.push(photo);
    list.appendChild(photo.card.li);
    if (photo.preview) photo.card.setPreview(photo.preview);
    else if (photo.blob) {
      Prepare.thumbnail(photo.blob).then(function (src) {
        photo.preview = src;
        photo.card.setPreview(src);
      });
    }
    return photo;
  }

  function addFiles(files) {
    var now = Date.now();
    Array.prototype.forEach.call(files, function (file, i) {
      var photo = addPhoto({ key: uuid(), seq: now + i, name: file.name, bytes: file.size, blob: file });
      setState(photo, 'ready', '');
      if (file.size > maxBytes) setState(photo, 'refused', 'Larger than ' + maxLabel + ': choose a smaller photo.');
      else save(photo);
    });
  }

  function takeChosen(input) {
    if (!input.files || !input.files.length) return;
    addFiles(input.files);
    input.value = '';
  }
  pickers.forEach(function (input) {
    input.addEventListener('change', function () { takeChosen(input); });
  });
  ['dragenter', 'dragover'].forEach(function (type) {
    dropzone.addEventListener(type, function (e) { e.preventDefault(); dropzone.classList.add('over'); });
  });
  ['dragleave', 'drop'].forEach(function (type) {
    dropzone.addEventListener(type, function () { dropzone.classList.remove('over'); });
  });
  dropzone.addEventListener('drop', function (e) {
    e.preventDefault();
    if (e.dataTransfer && e.dataTransfer.files) addFiles(e.dataTransfer.files);
  });

  // Photos the seller has not tagged themselves follow the shared settings.
  function followShared() {
    var s = sharedSettings();
    photos.forEach(function (p) {
      if (p.state === 'ready' && !p.edited) {
        p.card.setSettings(s);
        save(p);
      }
    });
  }
  form.querySelector('#up-shared').addEventListener('change', followShared);
  shared.style.addEventListener('change', function () {
    var option = shared.style.options[shared.style.selectedIndex];
    shared.price.placeholder = (option && option.getAttribute('data-price')) || 'style price';
  });

  window.UploadSending.install({
    form: form, csrf: csrf, photos: function () { return photos; }, setState: setState, save: save, forget: forget, updateCount: updateCount,
    submitButton: submitButton, downscale: downscale, parallel: PARALLEL, pollMs: POLL_MS, stallMs: STALL_MS, autoRetries: AUTO_RETRIES,
    refused: REFUSED, settingsFields: SETTINGS_FIELDS, prepare: Prepare, focusPicker: function () { pickers[0].focus(); },
  });

  window.addEventListener('beforeunload', function (e) {
    if (!photos.some(function (p) { return WAITING[p.state]; })) return;
    e.preventDefault();
    e.returnValue = '';
  });

  updateCount();
  window.UploadQueue.open(form.getAttribute('data-queue') || 'default').then(function (q) {
    queue = q;
    return q.all();
  }).then(function (records) {
    records.forEach(function (r) {
      if (photos.some(function (p) { return p.key === r.key; })) return;
      var photo = addPhoto(r);
      if (r.state === 'sent') window.UploadSending.resumeSent(photo);
      else if (r.state === 'queued') setState(photo, 'queued', 'Waiting to upload…');
      else setState(photo, 'ready', '');
    });
    // Photos chosen before this script ran (on a slow connection the picker works first) were never
    // announced to it: they are taken now, after the ones kept from before.
    pickers.forEach(takeChosen);
    window.UploadSending.pump();
    // Says the queue has been read (the page's tests wait for it).
    form.setAttribute('data-queue-loaded', 'true');
  });
})();
