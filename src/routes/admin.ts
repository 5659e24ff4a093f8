import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../errors.js';
import { isAdmin, type Actor } from '../accounts/roles.js';
import { INVITATION_DAYS } from '../accounts/invitations.js';
import { RESET_HOURS } from '../accounts/password-resets.js';
import { consoleGlance } from '../metrics/glance.js';

const UUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const idParams = { type: 'object', required: ['id'], additionalProperties: false, properties: { id: { type: 'string', pattern: UUID } } } as const;
const sellerAction = {
  type: 'object',
  required: ['id', 'action'],
  additionalProperties: false,
  properties: { id: { type: 'string', pattern: UUID }, action: { type: 'string', enum: ['disable', 'enable', 'make-admin', 'unmake-admin'] } },
} as const;
const csrfOnly = { type: 'object', additionalProperties: false, properties: { _csrf: { type: 'string', maxLength: 200 } } } as const;
const inviteBody = {
  type: 'object',
  additionalProperties: false,
  properties: { _csrf: { type: 'string', maxLength: 200 }, email: { type: 'string', maxLength: 254, pattern: '^[^\\u0000-\\u001f\\u007f\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*$' } },
} as const;
const auditQuery = { type: 'object', properties: { before: { type: 'string', maxLength: 40 } } } as const;

type IdRequest = FastifyRequest<{ Params: { id: string } }>;
interface SellerActionParams {
  id: string;
  action: 'disable' | 'enable' | 'make-admin' | 'unmake-admin';
}
type ActionRequest = FastifyRequest<{ Params: SellerActionParams }>;

const AUDIT_PAGE = 50;

/** The owner's and admins' pages: the team, invitations, the console at a glance, the audit trail. */
export async function adminRoutes(app: FastifyInstance) {
  const { services, config } = app;
  const page = { preHandler: app.requireUser };
  const form = { preHandler: [app.requireUser, app.csrfProtection] };

  app.get('/admin', page, showAdmin);
  app.get<{ Querystring: { before?: string } }>('/admin/audit', { ...page, schema: { querystring: auditQuery } }, showAudit);
  app.post<{ Body: { email?: string } }>('/admin/invitations', { ...form, schema: { body: inviteBody } }, invite);
  app.post<{ Params: { id: string } }>('/admin/invitations/:id/revoke', { ...form, schema: { params: idParams, body: csrfOnly } }, revoke);
  app.post<{ Params: { id: string } }>('/admin/sellers/:id/reset-link', { ...form, schema: { params: idParams, body: csrfOnly } }, resetLink);
  app.get<{ Params: { id: string } }>('/admin/sellers/:id/delete', { ...page, schema: { params: idParams } }, confirmDelete);
  app.post<{ Params: { id: string } }>('/admin/sellers/:id/delete', { ...form, schema: { params: idParams, body: csrfOnly } }, deleteSeller);
  app.post<{ Params: SellerActionParams }>('/admin/sellers/:id/:action', { ...form, schema: { params: sellerAction, body: csrfOnly } }, actOnSeller);

  /** Roles change under a session, so every admin request reads the person afresh. */
  async function adminOf(request: FastifyRequest): Promise<Actor> {
    const actor = await services.team.actor(request.user!.id);
    if (!actor || !isAdmin(actor.role)) throw new DomainError('forbidden', 'The admin page is for the console’s owner and admins.');
    return actor;
  }

  async function renderAdmin(request: FastifyRequest, reply: FastifyReply, actor: Actor, extra: { error?: string; values?: Record<string, string> } = {}, status?: number) {
    const [members, invitations, glance] = await Promise.all([services.team.members(), services.invitations.list(), consoleGlance(services.prisma, services.taskCounts)]);
    return reply.page('admin', { title: 'Team', actor, members, invitations, glance, signup: config.signup, ...extra }, status);
  }

  async function showAdmin(request: FastifyRequest, reply: FastifyReply) {
    return renderAdmin(request, reply, await adminOf(request));
  }

  async function showAudit(request: FastifyRequest<{ Querystring: { before?: string } }>, reply: FastifyReply) {
    await adminOf(request);
    // An odd cursor is treated as absent: the newest events.
    const before = /^[1-9][0-9]{0,17}$/.test(request.query.before ?? '') ? request.query.before! : null;
    const events = await services.audit.list({ limit: AUDIT_PAGE + 1, before });
    const shown = events.slice(0, AUDIT_PAGE);
    return reply.page('admin-audit', { title: 'Audit trail', events: shown, olderThan: events.length > AUDIT_PAGE ? shown[shown.length - 1]!.id : null, retentionDays: config.auditRetentionDays });
  }

  async function invite(request: FastifyRequest<{ Body: { email?: string } }>, reply: FastifyReply) {
    const actor = await adminOf(request);
    try {
      const { token, invitation } = await services.invitations.issue(actor, request.body.email ?? null);
      return reply.page('admin-link', {
        title: 'Invitation created',
        heading: invitation.email ? `Invitation for ${invitation.email}` : 'Invitation created',
        link: `${config.publicUrl}/join/${token}`,
        explanation: `Send this link to the seller. It works once and for ${INVITATION_DAYS} days; the console shows it only now.`,
      });
    } catch (err) {
      if (!(err instanceof DomainError) || err.kind !== 'invalid-input') throw err;
      return renderAdmin(request, reply, actor, { error: err.message, values: { email: request.body.email ?? '' } }, 400);
    }
  }

  async function revoke(request: IdRequest, reply: FastifyReply) {
    await services.invitations.revoke(await adminOf(request), request.params.id);
    return reply.redirect('/admin#invitations');
  }

  async function actOnSeller(request: ActionRequest, reply: FastifyReply) {
    const actor = await adminOf(request);
    const { id, action } = request.params;
    if (action === 'disable' || action === 'enable') await services.team.setDisabled(actor, id, action === 'disable');
    else await services.team.setAdmin(actor, id, action === 'make-admin');
    return reply.redirect('/admin#sellers');
  }

  async function resetLink(request: IdRequest, reply: FastifyReply) {
    const { email, token } = await services.team.resetLink(await adminOf(request), request.params.id);
    return reply.page('admin-link', {
      title: 'Password-reset link',
      heading: `Password-reset link for ${email}`,
      link: `${config.publicUrl}/reset-password/${token}`,
      explanation: `Hand this link to ${email}. It sets a new password once, within ${RESET_HOURS} hours, and signs them out everywhere; the console shows it only now.`,
    });
  }

  async function confirmDelete(request: IdRequest, reply: FastifyReply) {
    const seller = await services.team.describe(await adminOf(request), request.params.id, 'delete');
    return reply.page('admin-delete', { title: 'Delete a seller', seller });
  }

  async function deleteSeller(request: IdRequest, reply: FastifyReply) {
    await services.team.remove(await adminOf(request), request.params.id);
    return reply.redirect('/admin#sellers');
  }
}
