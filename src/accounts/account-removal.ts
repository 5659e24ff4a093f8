import type { PrismaClient } from '../generated/prisma/client.js';
import type { SessionsChanged } from './session-copies.js';

/**
 * Deletes an account and everything of theirs: sessions, Sonlet tokens, uploads and their photos,
 * tasks, Plugboard settings, exports and orders, caches, reset links (all cascade from the user row).
 * Audit events stay: they are the console's record, not the seller's data, and age out with the
 * retention period. Answers false when there was no such account.
 */
export async function removeAccount(prisma: PrismaClient, userId: string, sessionsChanged: SessionsChanged): Promise<boolean> {
  const gone = await prisma.user.deleteMany({ where: { id: userId } });
  sessionsChanged(userId);
  return gone.count > 0;
}
