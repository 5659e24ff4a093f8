// Upload page, enhanced: per-photo settings, drag and drop, one request per photo with a progress
// bar, then the photo's status polled until its item exists. Without this script the form posts
// every photo at once and the server shows a result page that refreshes itself.
(function () {
  'use strict';
  var form = document.getElementById('upload-form');
  if (!form || !window.FormData || !window.XMLHttpRequest || !window.JSON) return;

  var csrf = form.querySelector('input[name="_csrf"]').value;
  var fileInput = document.getElementById('up-photos');
  var list = document.getElementById('up-list');
  var dropzone = document.getElementById('up-dropzone');
  var styleSelect = document.getElementById('up-style');
  var sizeSelect = document.getElementById('up-size');
  var quantityInput = document.getElementById('up-quantity');
  var priceInput = document.getElementById('up-price');
  var submitButton = document.getElementById('up-submit');
  var maxBytes = Number(form.getAttribute('data-max-bytes')) || Infinity;
  var maxLabel = form.getAttribute('data-max-label') || '';
  var PARALLEL = 3;
  var POLL_MS = 1000;
  var THUMB_MAX_BYTES = 5 * 1024 * 1024;
  var photos = [];
  var nextLocalId = 1;

  // The photos live in the list below, not in the input, so the input need not be filled.
  fileInput.removeAttribute('required');
  var hint = dropzone.querySelector('.drop-hint');
  if (hint) hint.hidden = false;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function formatBytes(n) {
    if (n >= 1048576) return (n / 1048576).toFixed(1) + ' MB';
    if (n >= 1024) return Math.round(n / 1024) + ' KB';
    return n + ' bytes';
  }

  function stylePrice(select) {
    var option = select.options[select.selectedIndex];
    return option ? option.getAttribute('data-price') || '' : '';
  }

  function updatePricePlaceholder() {
    priceInput.placeholder = stylePrice(styleSelect) || 'style price';
  }
  styleSelect.addEventListener('change', updatePricePlaceholder);
  updatePricePlaceholder();

  /** A copy of a shared select whose first choice is "same as above". */
  function overrideSelect(shared, id, label) {
    var wrap = el('span', { class: 'override stack' });
    var select = el('select', { id: id });
    select.appendChild(el('option', { value: '' }, 'Same as above'));
    Array.prototype.forEach.call(shared.options, function (o) {
      if (!o.value) return;
      var copy = el('option', { value: o.value }, o.textContent);
      if (o.getAttribute('data-price')) copy.setAttribute('data-price', o.getAttribute('data-price'));
      select.appendChild(copy);
    });
    wrap.appendChild(el('label', { for: id }, label));
    wrap.appendChild(select);
    return { wrap: wrap, input: select };
  }

  function overrideInput(id, label, attrs) {
    var wrap = el('span', { class: 'override stack' });
    var input = el('input', Object.assign({ id: id }, attrs));
    wrap.appendChild(el('label', { for: id }, label));
    wrap.appendChild(input);
    return { wrap: wrap, input: input };
  }

  function addFiles(files) {
    Array.prototype.forEach.call(files, function (file) {
      var id = nextLocalId++;
      // Cards in the page's existing grid style: preview, name, own settings, progress, status.
      var li = el('li', { class: 'card photo', 'data-state': 'ready' });
      if (file.size <= THUMB_MAX_BYTES && /^image\/(jpeg|png|webp|gif)$/.test(file.type)) {
        var thumb = el('img', { alt: '', width: '160', height: '200' });
        // A data: URL (the page's CSP allows data: images, not blob:).
        var reader = new FileReader();
        reader.onload = function () { thumb.src = reader.result; };
        reader.readAsDataURL(file);
        li.appendChild(thumb);
      } else {
        li.appendChild(el('span', { class: 'noimg', role: 'img', 'aria-label': 'No preview' }, 'No preview'));
      }
      li.appendChild(el('span', { class: 'style name' }, file.name));
      li.appendChild(el('span', { class: 'meta' }, formatBytes(file.size)));

      var details = el('details', { class: 'meta photo-settings' });
      details.appendChild(el('summary', null, 'Settings for this photo'));
      var fields = el('div', { class: 'stack' });
      var style = overrideSelect(styleSelect, 'p' + id + '-style', 'Style');
      var size = overrideSelect(sizeSelect, 'p' + id + '-size', 'Size');
      var quantity = overrideInput('p' + id + '-quantity', 'Quantity', { type: 'number', min: '0', max: '10000', step: '1', placeholder: 'same' });
      var price = overrideInput('p' + id + '-price', 'Price', { inputmode: 'decimal', maxlength: '12', placeholder: 'same' });
      [style, size, quantity, price].forEach(function (o) { fields.appendChild(o.wrap); });
      details.appendChild(fields);
      li.appendChild(details);

      var progressWrap = el('span', { class: 'meta' });
      var progress = el('progress', { class: 'progress', max: '100', value: '0' });
      progressWrap.appendChild(progress);
      progressWrap.hidden = true;
      li.appendChild(progressWrap);
      var status = el('span', { class: 'meta status', role: 'status' });
      li.appendChild(status);
      var removeWrap = el('span', { class: 'meta' });
      var remove = el('button', { type: 'button', class: 'link remove' }, 'Remove');
      removeWrap.appendChild(remove);
      li.appendChild(removeWrap);
      list.appendChild(li);

      var photo = { file: file, li: li, progress: progress, progressWrap: progressWrap, status: status, removeWrap: removeWrap, details: details,
        overrides: { style: style.input, size: size.input, quantity: quantity.input, price: price.input }, uploadId: null, state: 'ready',
        // Sent with every attempt: a photo sent again after a lost answer is still one item.
        key: uuid() };
      remove.addEventListener('click', function () {
        photos = photos.filter(function (p) { return p !== photo; });
        li.remove();
      });
      if (file.size > maxBytes) setState(photo, 'refused', 'Larger than ' + maxLabel + ': choose a smaller photo.');
      photos.push(photo);
    });
  }

  function setState(photo, state, message, itemPk) {
    photo.state = state;
    photo.li.setAttribute('data-state', state);
    photo.status.textContent = '';
    if (state === 'done' && itemPk) {
      photo.status.appendChild(document.createTextNode('Done: '));
      photo.status.appendChild(el('a', { href: '/items/' + itemPk, class: 'item-link' }, 'Item ' + itemPk));
    } else {
      photo.status.textContent = message || '';
    }
  }

  fileInput.addEventListener('change', function () {
    addFiles(fileInput.files);
    fileInput.value = '';
  });
  ['dragenter', 'dragover'].forEach(function (type) {
    dropzone.addEventListener(type, function (e) {
      e.preventDefault();
      dropzone.classList.add('over');
    });
  });
  ['dragleave', 'drop'].forEach(function (type) {
    dropzone.addEventListener(type, function () { dropzone.classList.remove('over'); });
  });
  dropzone.addEventListener('drop', function (e) {
    e.preventDefault();
    if (e.dataTransfer && e.dataTransfer.files) addFiles(e.dataTransfer.files);
  });

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  function settingsFor(photo) {
    var o = photo.overrides;
    return {
      style: o.style.value || styleSelect.value,
      size: o.size.value || sizeSelect.value,
      quantity: o.quantity.value !== '' ? o.quantity.value : quantityInput.value,
      price: o.price.value !== '' ? o.price.value : priceInput.value,
    };
  }

  // Every request ends: answered, failed, or given up after this long without progress or answer.
  var STALL_MS = 60000;
  // Answers that refuse the photo itself: sending it again cannot help.
  var REFUSED = { 413: true, 415: true };
  // Fields of the settings a 400 can be about: the seller fixes them and presses Upload again.
  var SETTINGS_FIELDS = { style: true, size: true, quantity: true, price: true, attributes: true };

  function request(method, url, body, onProgress) {
    return new Promise(function (resolve) {
      var xhr = new XMLHttpRequest();
      var done = false;
      var watchdog = null;
      function settle(result) {
        if (done) return;
        done = true;
        clearTimeout(watchdog);
        resolve(result);
      }
      function alive() {
        clearTimeout(watchdog);
        watchdog = setTimeout(function () { xhr.abort(); settle({ status: 0, data: null, stalled: true }); }, STALL_MS);
      }
      xhr.open(method, url);
      xhr.setRequestHeader('accept', 'application/json');
      if (method !== 'GET') xhr.setRequestHeader('csrf-token', csrf);
      if (xhr.upload) {
        xhr.upload.addEventListener('progress', function (e) {
          alive();
          if (onProgress && e.lengthComputable) onProgress(e.loaded / e.total);
        });
      }
      xhr.onprogress = alive;
      xhr.onload = function () {
        var data = null;
        try { data = JSON.parse(xhr.responseText); } catch (err) { data = null; }
        settle({ status: xhr.status, data: data });
      };
      xhr.onerror = xhr.onabort = xhr.ontimeout = function () { settle({ status: 0, data: null }); };
      alive();
      xhr.send(body);
    });
  }

  var inFlight = 0;
  function sending(delta) {
    inFlight += delta;
    // The button comes back once every photo has left (or failed to leave) the browser.
    submitButton.disabled = inFlight > 0;
  }

  /** Sends one photo; resolves once the server has answered (or the request failed). */
  function uploadOne(photo, batch) {
    var s = settingsFor(photo);
    var data = new FormData();
    data.append('batch', batch);
    data.append('style', s.style);
    data.append('size', s.size);
    data.append('quantity', s.quantity);
    data.append('price', s.price);
    form.querySelectorAll('#up-attributes .attr-row').forEach(function (row) {
      data.append('attr_name', row.querySelector('input[name="attr_name"]').value);
      data.append('attr_value', row.querySelector('input[name="attr_value"]').value);
    });
    data.append('photoKey', photo.key);
    data.append('photos', photo.file, photo.file.name);
    photo.batch = batch;
    photo.progressWrap.hidden = false;
    photo.progress.value = 0;
    photo.details.open = false;
    photo.removeWrap.hidden = true;
    photo.li.removeAttribute('data-error');
    setState(photo, 'uploading', 'Uploading…');
    sending(1);
    return request('POST', '/upload', data, function (share) {
      photo.progress.value = Math.round(share * 100);
    }).then(function (res) {
      sending(-1);
      // 200: the server already had this photo (an earlier answer was lost) and answers with its upload.
      if ((res.status === 201 || res.status === 200) && res.data && res.data.uploads && res.data.uploads[0]) {
        photo.progress.value = 100;
        photo.uploadId = res.data.uploads[0].id;
        render(photo, res.data.uploads[0]);
        poll(photo);
        return;
      }
      // Not recorded on the server.
      photo.progressWrap.hidden = true;
      photo.removeWrap.hidden = false;
      photo.li.setAttribute('data-error', 'true');
      var reason = res.data && res.data.error;
      if (REFUSED[res.status]) {
        setState(photo, 'refused', reason || 'This file cannot be uploaded.');
      } else if (res.status === 400 && res.data && SETTINGS_FIELDS[res.data.field]) {
        // The settings need fixing: the photo waits for the next press of Upload.
        setState(photo, 'ready', reason);
        photo.details.open = true;
      } else {
        var message = reason || (res.status === 0 ? (res.stalled ? 'The upload stopped moving.' : 'The connection was lost.') : 'The upload failed (status ' + res.status + ').');
        setState(photo, 'failed', message);
        addRetry(photo, function () { return uploadOne(photo, photo.batch); });
      }
    });
  }

  function addRetry(photo, action) {
    var retry = el('button', { type: 'button', class: 'secondary retry' }, 'Retry');
    retry.addEventListener('click', function () {
      retry.disabled = true;
      action();
    });
    photo.status.appendChild(document.createTextNode(' '));
    photo.status.appendChild(retry);
  }

  function render(photo, view) {
    if (view.state === 'done') {
      photo.progressWrap.hidden = true;
      setState(photo, 'done', null, view.itemPk);
      return;
    }
    setState(photo, view.settled ? 'failed' : view.state, view.label + (view.message ? ': ' + view.message : ''));
    if (view.canRetry) {
      addRetry(photo, function () {
        request('POST', '/uploads/' + photo.uploadId + '/retry', null).then(function (res) {
          if (res.data) render(photo, res.data);
          poll(photo);
        });
      });
    }
  }

  /** Follows a recorded photo until its item exists or it needs attention; waits longer while the server is away. */
  function poll(photo) {
    if (photo.polling) return;
    photo.polling = true;
    var wait = POLL_MS;
    function tick() {
      request('GET', '/uploads/' + photo.uploadId, null).then(function (res) {
        if (res.status === 200 && res.data) {
          render(photo, res.data);
          wait = POLL_MS;
          if (res.data.settled) {
            photo.polling = false;
            return;
          }
        } else {
          wait = Math.min(wait * 2, 10 * POLL_MS);
        }
        setTimeout(tick, wait);
      });
    }
    setTimeout(tick, POLL_MS / 2);
  }

  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var ready = photos.filter(function (p) { return p.state === 'ready'; });
    if (!ready.length) {
      fileInput.focus();
      return;
    }
    var batch = uuid();
    var queue = ready.slice();
    // Taken off the list now, so a second press does not send them again.
    queue.forEach(function (p) { setState(p, 'queued', 'Waiting to upload…'); });
    function worker() {
      var next = queue.shift();
      if (!next) return Promise.resolve();
      return uploadOne(next, batch).then(worker);
    }
    sending(1);
    var workers = [];
    for (var i = 0; i < Math.min(PARALLEL, queue.length); i++) workers.push(worker());
    Promise.all(workers).then(function () { sending(-1); });
  });
})();
