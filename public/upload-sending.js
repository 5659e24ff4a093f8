// Sending the upload page's queue: a few photos at a time, each shrunk first where the seller wants it,
// with a progress bar; every request ends (answered, failed, or given up when it stops moving). A lost
// connection is not a failure: the photo waits, and goes again when the browser is back online (or
// after a short wait, a few times). Once the server has a photo, its item is polled until it exists.
(function () {
  'use strict';
  var o = null;
  var active = 0;
  var OFFLINE = 'Offline: it is sent when the connection is back.';

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
        watchdog = setTimeout(function () { xhr.abort(); settle({ status: 0, data: null, stalled: true }); }, o.stallMs);
      }
      xhr.open(method, url);
      xhr.setRequestHeader('accept', 'application/json');
      if (method !== 'GET') xhr.setRequestHeader('csrf-token', o.csrf);
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

  function addRetry(photo, action) {
    var retry = window.UploadCards.el('button', { type: 'button', class: 'secondary retry' }, 'Retry');
    retry.addEventListener('click', function () {
      retry.disabled = true;
      action();
    });
    photo.card.status.appendChild(document.createTextNode(' '));
    photo.card.status.appendChild(retry);
  }

  function queueAgain(photo) {
    o.setState(photo, 'queued', 'Waiting to upload…');
    pump();
  }

  /** Sends one photo; resolves once the server has answered (or the request failed). */
  function send(photo) {
    var s = photo.card.settings();
    photo.itemName = photo.card.itemName();
    o.setState(photo, 'preparing', 'Preparing…');
    return o.prepare.forSending(photo.blob, { downscale: o.downscale }).then(function (ready) {
      var data = new FormData();
      data.append('batch', photo.batch);
      ['style', 'size', 'quantity', 'price'].forEach(function (k) { data.append(k, s[k]); });
      s.attributes.forEach(function (a) {
        data.append('attr_name', a.name);
        data.append('attr_value', a.value);
      });
      data.append('photoKey', photo.key);
      data.append('photos', ready.blob, ready.name);
      o.setState(photo, 'uploading', 'Uploading…');
      photo.card.showProgress(0);
      return request('POST', '/upload', data, function (share) { photo.card.showProgress(share); });
    }).then(function (res) {
      photo.card.showProgress(null);
      // 200: the server already had this photo (an earlier answer was lost) and answers with its upload.
      if ((res.status === 201 || res.status === 200) && res.data && res.data.uploads && res.data.uploads[0]) {
        photo.uploadId = res.data.uploads[0].id;
        photo.blob = null;
        o.save(photo);
        render(photo, res.data.uploads[0]);
        poll(photo);
        return;
      }
      var reason = res.data && res.data.error;
      if (REFUSED(res.status)) {
        o.setState(photo, 'refused', reason || 'This file cannot be uploaded.');
        o.forget(photo);
      } else if (res.status === 400 && res.data && o.settingsFields[res.data.field]) {
        // The settings need fixing: the photo waits for the next press of Upload.
        o.setState(photo, 'ready', reason);
        o.save(photo);
        photo.card.openSettings();
      } else if (res.status === 0 && (!navigator.onLine || photo.attempts < o.autoRetries)) {
        photo.attempts++;
        if (!navigator.onLine) {
          o.setState(photo, 'waiting', OFFLINE);
        } else {
          o.setState(photo, 'waiting', 'Connection lost; trying again…');
          setTimeout(function () { if (photo.state === 'waiting') queueAgain(photo); }, 400 * Math.pow(2, photo.attempts));
        }
      } else {
        var message = reason || (res.status === 0 ? (res.stalled ? 'The upload stopped moving.' : 'The connection was lost.') : 'The upload failed (status ' + res.status + ').');
        o.setState(photo, 'failed', message);
        addRetry(photo, function () { photo.attempts = 0; queueAgain(photo); });
      }
    });
  }

  function REFUSED(status) {
    return Boolean(o.refused[status]);
  }

  function render(photo, view) {
    if (view.state === 'done') {
      photo.card.collapse(view.itemPk, photo.itemName || photo.card.itemName());
      photo.state = 'done';
      o.forget(photo);
      o.updateCount();
      return;
    }
    o.setState(photo, view.settled ? 'failed' : view.state, view.label + (view.message ? ': ' + view.message : ''));
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
    var wait = o.pollMs;
    function tick() {
      request('GET', '/uploads/' + photo.uploadId, null).then(function (res) {
        if (res.status === 200 && res.data) {
          render(photo, res.data);
          wait = o.pollMs;
          if (res.data.settled) {
            photo.polling = false;
            return;
          }
        } else if (res.status === 404) {
          photo.polling = false;
          o.forget(photo);
          return;
        } else {
          wait = Math.min(wait * 2, 10 * o.pollMs);
        }
        setTimeout(tick, wait);
      });
    }
    setTimeout(tick, o.pollMs / 2);
  }

  function pump() {
    if (!navigator.onLine) {
      o.photos().forEach(function (p) { if (p.state === 'queued') o.setState(p, 'waiting', OFFLINE); });
      return;
    }
    o.photos().forEach(function (photo) {
      if (active >= o.parallel || photo.state !== 'queued') return;
      active++;
      o.submitButton.disabled = true;
      send(photo).then(done, done);
    });
    function done() {
      active--;
      o.submitButton.disabled = active > 0;
      pump();
    }
  }

  function install(options) {
    o = options;
    o.form.addEventListener('submit', function (e) {
      e.preventDefault();
      var ready = o.photos().filter(function (p) { return p.state === 'ready'; });
      if (!ready.length) {
        o.focusPicker();
        return;
      }
      var batch = ready.length && ready[0].batch ? ready[0].batch : uuidOf();
      // Taken off the list now, so a second press does not send them again.
      ready.forEach(function (p) {
        p.batch = batch;
        p.attempts = 0;
        o.setState(p, 'queued', 'Waiting to upload…');
        o.save(p);
      });
      pump();
    });
    window.addEventListener('online', function () {
      o.photos().forEach(function (p) { if (p.state === 'waiting') o.setState(p, 'queued', 'Waiting to upload…'); });
      pump();
    });
  }

  function uuidOf() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return 'xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx'.replace(/x/g, function () { return (Math.random() * 16 | 0).toString(16); });
  }

  /** A photo the server had before the page was reloaded: show how it is getting on. */
  function resumeSent(photo) {
    photo.card.setState('pending', 'Waiting');
    photo.state = 'pending';
    o.updateCount();
    poll(photo);
  }

  window.UploadSending = { install: install, pump: pump, resumeSent: resumeSent };
})();
