import type { Role } from '../generated/prisma/client.js';
import { DomainError } from '../errors.js';

/** The person doing something on the admin page or the command line. */
export interface Actor {
  id: string;
  email: string;
  role: Role;
  /** Where the request came from, for the audit trail. */
  ip?: string | null;
}

export type TeamAction = 'disable' | 'enable' | 'reset-password' | 'delete' | 'make-admin' | 'unmake-admin';

export function isAdmin(role: Role): boolean {
  return role === 'owner' || role === 'admin';
}

/**
 * The one rule for who may act on whom: admins manage sellers; only the owner names or removes
 * admins and manages them; nobody acts on the owner, or on themselves from the admin page.
 */
export function checkMayAct(actor: Actor, target: { id: string; role: Role }, action: TeamAction): void {
  const refuse = (message: string) => {
    throw new DomainError('forbidden', message);
  };
  if (!isAdmin(actor.role)) refuse('Only the owner and admins can manage sellers.');
  if (actor.id === target.id) refuse('You cannot do that to your own account from the admin page.');
  if (target.role === 'owner') refuse('Nobody can do that to the owner’s account.');
  if ((action === 'make-admin' || action === 'unmake-admin') && actor.role !== 'owner') refuse('Only the owner names or removes admins.');
  if (target.role === 'admin' && actor.role !== 'owner') refuse('Only the owner can manage another admin.');
}

/** `checkMayAct` as a yes or no, for rights checked again later (a one-time link when it is used). */
export function mayAct(actor: Actor, target: { id: string; role: Role }, action: TeamAction): boolean {
  try {
    checkMayAct(actor, target, action);
    return true;
  } catch {
    return false;
  }
}
