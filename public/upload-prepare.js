// Photos made ready for the wire in the browser: larger than 2,048 px on the long edge → shrunk to it
// (JPEG, quality 0.85, the camera's orientation applied), unless the seller turned that off; HEIC → JPEG
// wherever this browser can decode it (Safari). What the browser cannot decode goes as it is and the
// server converts or refuses it. Previews are small data: URLs (the page's CSP allows no blob: images).
(function () {
  'use strict';
  var MAX_EDGE = 2048;
  var QUALITY = 0.85;
  var THUMB_EDGE = 240;

  function isHeic(file) {
    return /^image\/hei[cf]/i.test(file.type || '') || /\.hei[cf]$/i.test(file.name || '');
  }

  function decode(file) {
    if (!window.createImageBitmap) return Promise.reject(new Error('no createImageBitmap'));
    return createImageBitmap(file, { imageOrientation: 'from-image' });
  }

  function canvasOf(bitmap, scale) {
    var canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    var ctx = canvas.getContext('2d');
    // JPEG has no transparency: what was transparent becomes white, not black.
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    return canvas;
  }

  function jpegName(name) {
    return (String(name || 'photo').replace(/\.[^.]*$/, '') || 'photo') + '.jpg';
  }

  /** A small preview as a data: URL, or null when this browser cannot decode the photo. */
  function thumbnail(file) {
    return decode(file).then(function (bitmap) {
      var canvas = canvasOf(bitmap, Math.min(1, THUMB_EDGE / Math.max(bitmap.width, bitmap.height)));
      if (bitmap.close) bitmap.close();
      return canvas.toDataURL('image/jpeg', 0.7);
    }).catch(function () { return null; });
  }

  /**
   * What to send for `file`: { blob, name, shrunk }. Animated GIFs and photos already small enough go
   * as they are, so nothing is re-encoded for no gain.
   */
  function forSending(file, options) {
    var heic = isHeic(file);
    if ((!options.downscale && !heic) || /gif$/i.test(file.type || '')) return Promise.resolve({ blob: file, name: file.name, shrunk: false });
    return decode(file).then(function (bitmap) {
      var longEdge = Math.max(bitmap.width, bitmap.height);
      var scale = options.downscale ? Math.min(1, MAX_EDGE / longEdge) : 1;
      if (scale === 1 && !heic) {
        if (bitmap.close) bitmap.close();
        return { blob: file, name: file.name, shrunk: false };
      }
      var canvas = canvasOf(bitmap, scale);
      if (bitmap.close) bitmap.close();
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          resolve(blob ? { blob: blob, name: jpegName(file.name), shrunk: scale < 1 } : { blob: file, name: file.name, shrunk: false });
        }, 'image/jpeg', QUALITY);
      });
    }, function () {
      // Not decodable here (HEIC outside Safari, or not a photo at all): the server decides.
      return { blob: file, name: file.name, shrunk: false };
    });
  }

  window.UploadPrepare = { thumbnail: thumbnail, forSending: forSending, isHeic: isHeic };
})();
