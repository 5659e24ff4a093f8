import type { PrismaClient } from '../generated/prisma/client.js';

/** Where photos waiting to become items are kept; removing an account removes its photos too. */
export interface PhotoFiles {
  remove(file: string | null | undefined): Promise<void>;
}

/**
 * Deletes an account and everything of theirs: sessions, Sonlet tokens, uploads and their photos,
 * Plugboard settings and exports, caches, reset links (all cascade from the user row). Audit events
 * stay: they are the console's record, not the seller's data, and age out with the retention period.
 */
export async function removeAccount(prisma: PrismaClient, photos: PhotoFiles, userId: string): Promise<boolean> {
  const files = await prisma.upload.findMany({ where: { userId, filePath: { not: null } }, select: { filePath: true } });
  const gone = await prisma.user.deleteMany({ where: { id: userId } });
  if (gone.count === 0) return false;
  for (const { filePath } of files) await photos.remove(filePath);
  return true;
}
