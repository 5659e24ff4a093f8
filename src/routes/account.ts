import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { PASSWORD_MAX } from '../accounts/accounts.js';
import { SESSION_COOKIE } from '../plugins/browser-session.js';
import type { FormPage } from '../web/form-errors.js';
import { sellerOf, signedIn, type SellerRequest } from '../web/typed-routes.js';
import { perSeller } from '../web/attempt-limits.js';

const csrfField = () => Type.Optional(Type.String({ maxLength: 200 }));
const password = () => Type.String({ maxLength: PASSWORD_MAX, default: '' });

const ShowAccount = { querystring: Type.Object({ done: Type.Optional(Type.Enum(['password', 'photos'])) }) };
const ChangePassword = { body: Type.Object({ current: password(), password: password(), confirm: password(), _csrf: csrfField() }) };
const SavePhotos = { body: Type.Object({ downscale: Type.Optional(Type.Literal('on')), _csrf: csrfField() }) };
const CsrfOnly = { body: Type.Object({ _csrf: csrfField() }) };
/** `confirm=yes` comes from the second step's button; without it the second step is shown. */
const DeleteAccount = { body: Type.Object({ password: password(), confirm: Type.Optional(Type.Literal('yes')), _csrf: csrfField() }) };

const NOTICES = { password: 'Your password is changed. Every other device was signed out.', photos: 'Photo setting saved.' } as const;

const askerOf = (request: SellerRequest) => ({ id: request.user.id, email: request.user.email, ip: request.ip });

/** The seller's own account: password, photo setting, signing out everywhere, deleting it all. */
export async function accountPageRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const csrfAndUser = [app.requireUser, app.csrfProtection];
  const accountForm: FormPage = { view: 'account', page: async (request) => accountData(sellerOf(request)) };
  const deleteForm: FormPage = { view: 'account-delete', page: () => ({ title: 'Delete your account' }) };
  // Both check the account's password.
  const guesses = { rateLimit: perSeller(app.config.rateLimit.signInPerMinute) };

  app.get('/account', { preHandler: app.requireUser, schema: ShowAccount }, signedIn(showAccount));
  app.post('/account/password', { preHandler: csrfAndUser, schema: ChangePassword, config: { form: accountForm, ...guesses } }, signedIn(changePassword));
  app.post('/account/photos', { preHandler: csrfAndUser, schema: SavePhotos }, signedIn(savePhotos));
  app.post('/account/sign-out-everywhere', { preHandler: csrfAndUser, schema: CsrfOnly }, signedIn(signOutEverywhere));
  app.get('/account/delete', { preHandler: app.requireUser }, signedIn(confirmDelete));
  app.post('/account/delete', { preHandler: csrfAndUser, schema: DeleteAccount, config: { form: deleteForm, ...guesses } }, signedIn(deleteAccount));

  async function accountData(seller: { id: string; email: string }) {
    return { title: 'Your account', email: seller.email, preferences: await app.sellerSettings.get(seller.id), values: {} };
  }

  async function showAccount(request: SellerRequest<typeof ShowAccount>, reply: FastifyReply) {
    const done = request.query.done;
    return reply.page('account', { ...(await accountData(request.user)), notice: done ? NOTICES[done] : null });
  }

  async function changePassword(request: SellerRequest<typeof ChangePassword>, reply: FastifyReply) {
    await app.ownAccount.changePassword(askerOf(request), request.body, request.session.sessionId);
    return reply.code(303).redirect('/account?done=password');
  }

  async function savePhotos(request: SellerRequest<typeof SavePhotos>, reply: FastifyReply) {
    await app.sellerSettings.save(request.user.id, { downscalePhotos: request.body.downscale === 'on' });
    return reply.code(303).redirect('/account?done=photos#photos');
  }

  async function signOutEverywhere(request: SellerRequest<typeof CsrfOnly>, reply: FastifyReply) {
    await app.ownAccount.signOutEverywhere(askerOf(request));
    await request.session.destroy();
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.code(303).redirect('/sign-in');
  }

  async function confirmDelete(_request: SellerRequest, reply: FastifyReply) {
    return reply.page('account-delete', { title: 'Delete your account', values: {} });
  }

  async function deleteAccount(request: SellerRequest<typeof DeleteAccount>, reply: FastifyReply) {
    if (request.body.confirm !== 'yes') return reply.page('account-delete', { title: 'Delete your account', values: {} });
    await app.ownAccount.deleteAccount(askerOf(request), request.body.password);
    await request.session.destroy();
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    // The page that says so is shown as to someone signed out.
    (request as { user: unknown }).user = null;
    return reply.page('account-deleted', { title: 'Account deleted' });
  }
}
