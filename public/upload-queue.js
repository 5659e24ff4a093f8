// The upload page's queue, kept in the browser (IndexedDB) from the moment photos are chosen until the
// server has them: a reload, a closed tab or a lost connection loses nothing. One record per photo,
// keyed by its photoKey (so sending it again is harmless). A photo the server has keeps a small record
// without its bytes until its item exists, so a reloaded page still shows how it is getting on.
(function () {
  'use strict';
  var DB = 'sonlet-console-uploads-';
  var STORE = 'photos';

  function memoryQueue() {
    var records = {};
    return {
      durable: false,
      all: function () { return Promise.resolve(Object.keys(records).map(function (k) { return records[k]; })); },
      put: function (record) { records[record.key] = record; return Promise.resolve(); },
      remove: function (key) { delete records[key]; return Promise.resolve(); },
    };
  }

  function requestOf(req) {
    return new Promise(function (resolve, reject) {
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function idbQueue(db) {
    function run(mode, work) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result;
        Promise.resolve(work(tx.objectStore(STORE))).then(function (r) { result = r; }, reject);
        tx.oncomplete = function () { resolve(result); };
        tx.onerror = tx.onabort = function () { reject(tx.error); };
      });
    }
    return {
      durable: true,
      all: function () {
        return run('readonly', function (store) { return requestOf(store.getAll()); }).then(function (list) {
          return (list || []).sort(function (a, b) { return a.seq - b.seq; });
        });
      },
      put: function (record) { return run('readwrite', function (store) { store.put(record); }); },
      remove: function (key) { return run('readwrite', function (store) { store.delete(key); }); },
    };
  }

  /**
   * The queue named `name` (one per seller: the browser's storage belongs to the site, not to whoever
   * is signed in); a queue in memory where the browser keeps no IndexedDB (some private windows).
   */
  function open(name) {
    if (!window.indexedDB) return Promise.resolve(memoryQueue());
    return new Promise(function (resolve) {
      var req;
      try {
        req = indexedDB.open(DB + name, 1);
      } catch (err) {
        resolve(memoryQueue());
        return;
      }
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, { keyPath: 'key' }); };
      req.onsuccess = function () { resolve(idbQueue(req.result)); };
      req.onerror = req.onblocked = function () { resolve(memoryQueue()); };
    });
  }

  window.UploadQueue = { open: open };
})();
