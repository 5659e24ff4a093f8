import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { DomainError } from '../errors.js';
import { isAdmin, type Actor } from '../accounts/roles.js';
import { INVITATION_DAYS } from '../accounts/invitations.js';
import { RESET_HOURS } from '../accounts/password-resets.js';
import { consoleGlance } from '../metrics/glance.js';
import { signedIn, type SellerRequest } from '../web/typed-routes.js';

const sellerId = () => Type.String({ format: 'uuid' });
const CsrfOnly = Type.Object({ _csrf: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false });
const EMAIL_CHARACTERS = '^[^\\u0000-\\u001f\\u007f\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*$';

const AuditList = { querystring: Type.Object({ before: Type.Optional(Type.String({ maxLength: 40 })) }) };
const Invite = { body: Type.Object({ _csrf: Type.Optional(Type.String({ maxLength: 200 })), email: Type.Optional(Type.String({ maxLength: 254, pattern: EMAIL_CHARACTERS })) }, { additionalProperties: false }) };
const OnInvitation = { params: Type.Object({ id: sellerId() }, { additionalProperties: false }), body: CsrfOnly };
const OnSeller = { params: Type.Object({ id: sellerId() }, { additionalProperties: false }), body: CsrfOnly };
const SellerPage = { params: Type.Object({ id: sellerId() }, { additionalProperties: false }) };
const SellerAction = {
  params: Type.Object({ id: sellerId(), action: Type.Union([Type.Literal('disable'), Type.Literal('enable'), Type.Literal('make-admin'), Type.Literal('unmake-admin')]) }, { additionalProperties: false }),
  body: CsrfOnly,
};

const AUDIT_PAGE = 50;

/** The owner's and admins' pages: the team, invitations, the console at a glance, the audit trail. */
export async function adminRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { config } = app;
  const page = { preHandler: app.requireUser };
  const form = { preHandler: [app.requireUser, app.csrfProtection] };

  app.get('/admin', page, signedIn(showAdmin));
  app.get('/admin/audit', { ...page, schema: AuditList }, signedIn(showAudit));
  app.post('/admin/invitations', { ...form, schema: Invite }, signedIn(invite));
  app.post('/admin/invitations/:id/revoke', { ...form, schema: OnInvitation }, signedIn(revoke));
  app.post('/admin/sellers/:id/reset-link', { ...form, schema: OnSeller }, signedIn(resetLink));
  app.get('/admin/sellers/:id/delete', { ...page, schema: SellerPage }, signedIn(confirmDelete));
  app.post('/admin/sellers/:id/delete', { ...form, schema: OnSeller }, signedIn(deleteSeller));
  app.post('/admin/sellers/:id/:action', { ...form, schema: SellerAction }, signedIn(actOnSeller));

  /** Roles change under a session, so every admin request reads the person afresh. */
  async function adminOf(request: SellerRequest): Promise<Actor> {
    const actor = await app.team.actor(request.user.id);
    if (!actor || !isAdmin(actor.role)) throw new DomainError('forbidden', 'The admin page is for the console’s owner and admins.');
    return { ...actor, ip: request.ip };
  }

  async function renderAdmin(reply: FastifyReply, actor: Actor, extra: { error?: string; values?: Record<string, string> } = {}, status?: number) {
    const [members, invitations, glance] = await Promise.all([app.team.members(), app.invitations.list(), consoleGlance(app.prisma, app.taskCounts)]);
    return reply.page('admin', { title: 'Team', actor, members, invitations, glance, signup: config.signup, ...extra }, status);
  }

  async function showAdmin(request: SellerRequest, reply: FastifyReply) {
    return renderAdmin(reply, await adminOf(request));
  }

  async function showAudit(request: SellerRequest<typeof AuditList>, reply: FastifyReply) {
    await adminOf(request);
    // An odd cursor is treated as absent: the newest events.
    const before = /^[1-9][0-9]{0,17}$/.test(request.query.before ?? '') ? request.query.before! : null;
    const events = await app.audit.list({ limit: AUDIT_PAGE + 1, before });
    const shown = events.slice(0, AUDIT_PAGE);
    return reply.page('admin-audit', { title: 'Audit trail', events: shown, olderThan: events.length > AUDIT_PAGE ? shown[shown.length - 1]!.id : null, retentionDays: config.auditRetentionDays });
  }

  async function invite(request: SellerRequest<typeof Invite>, reply: FastifyReply) {
    const actor = await adminOf(request);
    try {
      const { token, invitation } = await app.invitations.issue(actor, request.body.email ?? null);
      return reply.page('admin-link', {
        title: 'Invitation created',
        heading: invitation.email ? `Invitation for ${invitation.email}` : 'Invitation created',
        link: `${config.publicUrl}/join/${token}`,
        explanation: `Send this link to the seller. It works once and for ${INVITATION_DAYS} days; the console shows it only now.`,
      });
    } catch (err) {
      // Shown on the admin page itself, with what was typed (the page is more than the form).
      if (!(err instanceof DomainError) || err.kind !== 'invalid-input') throw err;
      return renderAdmin(reply, actor, { error: err.message, values: { email: request.body.email ?? '' } }, 400);
    }
  }

  async function revoke(request: SellerRequest<typeof OnInvitation>, reply: FastifyReply) {
    await app.invitations.revoke(await adminOf(request), request.params.id);
    return reply.redirect('/admin#invitations');
  }

  async function actOnSeller(request: SellerRequest<typeof SellerAction>, reply: FastifyReply) {
    const actor = await adminOf(request);
    const { id, action } = request.params;
    if (action === 'disable' || action === 'enable') await app.team.setDisabled(actor, id, action === 'disable');
    else await app.team.setAdmin(actor, id, action === 'make-admin');
    return reply.redirect('/admin#sellers');
  }

  async function resetLink(request: SellerRequest<typeof OnSeller>, reply: FastifyReply) {
    const { email, token } = await app.team.resetLink(await adminOf(request), request.params.id);
    return reply.page('admin-link', {
      title: 'Password-reset link',
      heading: `Password-reset link for ${email}`,
      link: `${config.publicUrl}/reset-password/${token}`,
      explanation: `Hand this link to ${email}. It sets a new password once, within ${RESET_HOURS} hours, and signs them out everywhere; the console shows it only now.`,
    });
  }

  async function confirmDelete(request: SellerRequest<typeof SellerPage>, reply: FastifyReply) {
    const seller = await app.team.describe(await adminOf(request), request.params.id, 'delete');
    return reply.page('admin-delete', { title: 'Delete a seller', seller });
  }

  async function deleteSeller(request: SellerRequest<typeof OnSeller>, reply: FastifyReply) {
    await app.team.remove(await adminOf(request), request.params.id);
    return reply.redirect('/admin#sellers');
  }
}

