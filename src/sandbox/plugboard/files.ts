/** Files (decision 004): a record made by POST /api/file, its bytes sent by PUT /api/file/{localId}/data. */
import { Refusal, badRequest, isObject, onlyKnownKeys } from './refusal.js';
import type { FileView } from './wire.js';

export interface StoredFile {
  localId: string;
  name: string;
  mimeType: string;
  publicAccess: boolean;
  created: number;
  lastModified: number;
  /** Null until the data is uploaded. */
  data: Buffer | null;
}

const ACCEPTED: ReadonlySet<string> = new Set(['name', 'mimeType', 'publicAccess']);
const ECHOED: ReadonlySet<string> = new Set(['href', 'localId', 'size', 'url']);
const MIME_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/;

export function newFile(localId: string, body: unknown, now: number): StoredFile {
  if (!isObject(body)) throw badRequest('The request body must be a JSON object {"name", "mimeType", "publicAccess"}');
  onlyKnownKeys(body, ACCEPTED, ECHOED, 'file');
  if (typeof body.name !== 'string' || body.name.trim() === '' || body.name.length > 255 || /[/\\]/.test(body.name) || hasControlCharacter(body.name)) {
    throw badRequest('name must be a file name (1 to 255 characters, no slashes or control characters)');
  }
  if (typeof body.mimeType !== 'string' || !MIME_TYPE.test(body.mimeType.toLowerCase())) throw badRequest('mimeType must be a media type such as "image/jpeg"');
  if (body.publicAccess !== undefined && typeof body.publicAccess !== 'boolean') throw badRequest('publicAccess must be true or false');
  return {
    localId,
    name: body.name,
    mimeType: body.mimeType.toLowerCase(),
    publicAccess: body.publicAccess === true,
    created: now,
    lastModified: now,
    data: null,
  };
}

function hasControlCharacter(s: string): boolean {
  return [...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
}

/** Magic numbers of the picture formats a shop shows; a file claiming one of them must start with it. */
const SIGNATURES: Record<string, (b: Buffer) => boolean> = {
  'image/jpeg': (b) => b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  'image/png': (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  'image/gif': (b) => /^GIF8[79]a/.test(b.subarray(0, 6).toString('latin1')),
  'image/webp': (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP',
};

/** A picture type whose bytes checkData matches against its magic number. */
export function isCheckedPicture(mimeType: string): boolean {
  return Object.hasOwn(SIGNATURES, mimeType);
}

/** Checks uploaded bytes against the record: the declared Content-Type must be the file's, and the bytes must be what it says. */
export function checkData(file: StoredFile, contentType: string | undefined, data: unknown): Buffer {
  const declared = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (declared !== file.mimeType) {
    throw new Refusal(415, `Content-Type ${JSON.stringify(declared)} does not match the file's mimeType ${JSON.stringify(file.mimeType)}`);
  }
  if (!Buffer.isBuffer(data) || data.length === 0) throw badRequest('The request body must hold the file\'s bytes');
  const looksRight = SIGNATURES[file.mimeType];
  if (looksRight && !looksRight(data)) throw badRequest(`The bytes are not ${file.mimeType}`);
  return data;
}

/** Where a shop reads the file without credentials: only public files with their bytes uploaded. */
export function publicUrl(file: StoredFile, base: string): string | null {
  return file.publicAccess && file.data ? `${base}/files/${file.localId}/${encodeURIComponent(file.name)}` : null;
}

export function fileView(file: StoredFile, base: string): FileView {
  return {
    href: `/api/file/${file.localId}`,
    localId: file.localId,
    name: file.name,
    mimeType: file.mimeType,
    publicAccess: file.publicAccess,
    size: file.data ? file.data.length : null,
    url: publicUrl(file, base),
  };
}
