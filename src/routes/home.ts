import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export async function homeRoutes(app: FastifyInstance) {
  const { services } = app;

  app.get('/', home);

  async function home(request: FastifyRequest, reply: FastifyReply) {
    if (!request.user) return reply.page('welcome', { title: 'Sonlet Seller Console' });
    const connection = await services.vault.state(request.user.id);
    return reply.page('home', { title: 'Home', connection });
  }
}
