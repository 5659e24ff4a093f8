/**
 * Versions before photos moved into Postgres kept them under DATA_DIR/uploads. At start-up, photos
 * still waiting there are moved into Postgres and removed from disk, so upgrading loses nothing.
 */
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { PhotoStore } from './upload-store.js';

export async function importLegacyPhotos(prisma: PrismaClient, photos: PhotoStore, uploadsDir: string): Promise<number> {
  const waiting = await prisma.upload.findMany({ where: { filePath: { not: null } }, select: { id: true, userId: true, filePath: true, originalName: true, step: true } });
  const root = path.resolve(uploadsDir) + path.sep;
  let imported = 0;
  for (const row of waiting) {
    const file = path.resolve(row.filePath!);
    // Only files the console itself wrote are read or removed.
    const ours = file.startsWith(root);
    // A photo gone or unreadable is left to the upload's task, which then says "no longer on the server".
    const saved = ours && row.step !== 'done' ? await photos.save(row.userId, createReadStream(file), row.originalName).catch(() => null) : null;
    await prisma.upload.update({ where: { id: row.id }, data: { filePath: null, ...(saved ? { photoId: saved.id } : {}) } });
    if (saved) imported++;
    if (ours) await rm(file, { force: true });
  }
  return imported;
}
