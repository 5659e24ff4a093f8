/**
 * Runs in a worker thread (heic-to-jpeg.ts starts it): decodes one HEIC photo with libheif-js (libheif and
 * libde265 compiled to WebAssembly) into RGBA pixels. A worker of its own, ended afterwards, because a
 * WebAssembly memory never shrinks: decoding a 12 MP photo grows it by ~150 MB, which ends with the worker.
 * Plain JavaScript: a worker thread does not inherit the TypeScript loader the console runs under.
 */
import { parentPort, workerData } from 'node:worker_threads';
import libheif from 'libheif-js/wasm-bundle.js';

const { bytes, maxPixels } = workerData;

function reply(message) {
  parentPort.postMessage(message, message.pixels ? [message.pixels] : []);
}

try {
  const image = new libheif.HeifDecoder().decode(bytes)[0];
  if (!image) {
    reply({ error: 'no image inside' });
  } else {
    const width = image.get_width();
    const height = image.get_height();
    if (!(width > 0 && height > 0) || width * height > maxPixels) {
      reply({ error: `unreasonable size ${width}×${height}` });
    } else {
      // display() applies the photo's rotation and mirroring, as the camera meant it to be seen.
      image.display({ data: new Uint8ClampedArray(width * height * 4), width, height }, (result) => {
        if (!result) reply({ error: 'could not decode' });
        else reply({ width, height, pixels: result.data.buffer });
      });
    }
  }
} catch (err) {
  reply({ error: err instanceof Error ? err.message : String(err) });
}
