/** Sandbox state on disk holds sandbox tokens and sellers' photos: files 0600 in folders 0700. */
import { chmod, mkdir } from 'node:fs/promises';

export const PRIVATE_FILE = 0o600;

/** Creates the folder (and missing parents) as 0700, and tightens it if it already existed. */
export async function privateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
}
