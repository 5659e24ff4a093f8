import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';

/**
 * A photo on its way to Sonlet, wherever it is kept: its size and type are known up front, and `open()` streams
 * its bytes from the start. It is called once per attempt (the token vault sends again after a 401), so the
 * photo is never held in memory as a whole.
 */
export interface PhotoSource {
  bytes: number;
  contentType: string;
  filename: string;
  open(): Readable;
}

/** A photo that streamed a different number of bytes than it said it has. */
export class PhotoSourceMismatchError extends Error {
  constructor(expected: number, got: number) {
    super(`The photo streamed ${got} bytes instead of ${expected}.`);
  }
}

const headerSafe = (value: string) => value.replace(/["\\\r\n]/g, '_');

/** A one-part multipart/form-data body (`image_full`), streamed from the source, with its exact length. */
export function photoForm(field: string, photo: PhotoSource): { contentType: string; length: number; body: () => AsyncIterable<Uint8Array> } {
  const boundary = `----sonlet-console-${randomUUID()}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${headerSafe(photo.filename)}"\r\nContent-Type: ${headerSafe(photo.contentType)}\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  async function* body(): AsyncGenerator<Uint8Array> {
    yield head;
    let sent = 0;
    const stream = photo.open();
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        sent += chunk.length;
        if (sent > photo.bytes) throw new PhotoSourceMismatchError(photo.bytes, sent);
        yield chunk;
      }
    } finally {
      stream.destroy();
    }
    if (sent !== photo.bytes) throw new PhotoSourceMismatchError(photo.bytes, sent);
    yield tail;
  }
  return { contentType: `multipart/form-data; boundary=${boundary}`, length: head.length + photo.bytes + tail.length, body };
}
