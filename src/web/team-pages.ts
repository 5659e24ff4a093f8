/** What the team's views are given (see pages.ts, which maps view names to these). */
import type { SignupMode } from '../config.js';
import type { SignUpOffer } from '../accounts/enrolment.js';
import type { Member } from '../accounts/team.js';
import type { InvitationView } from '../accounts/invitations.js';
import type { Actor } from '../accounts/roles.js';
import type { AuditRecord } from '../audit/audit-trail.js';
import type { ConsoleGlance } from '../metrics/glance.js';

interface Page {
  title: string;
  scripts?: string[];
}

interface FormState {
  values: Record<string, unknown>;
  error?: string | null;
  field?: string | null;
}

export interface SignUpPage extends Page, FormState {
  /** What the page offers: the owner's account, a form (open, or through an invitation), or nothing. */
  offer?: SignUpOffer | 'invitation';
  /** The invitation token posted back with the form. */
  invite?: string | null;
  /** The address the invitation is for; the field cannot be changed. */
  lockedEmail?: string | null;
}

export interface AdminPage extends Page {
  actor: Actor;
  members: Member[];
  invitations: InvitationView[];
  glance: ConsoleGlance;
  signup: SignupMode;
  error?: string | null;
  values?: Record<string, string>;
}

export interface AdminAuditPage extends Page {
  events: AuditRecord[];
  /** The id to continue from for older events, when there are more. */
  olderThan: string | null;
  retentionDays: number;
}

/** A one-time link, shown once to the admin who made it. */
export interface OneTimeLinkPage extends Page {
  heading: string;
  link: string;
  explanation: string;
}

export interface DeleteSellerPage extends Page {
  seller: { id: string; email: string };
}

export interface ResetPasswordPage extends Page, FormState {
  email: string;
  token?: string;
  done?: boolean;
}
