import multipart from '@fastify/multipart';
import { validationError } from '@wa/pkg/errors';
import type { AppInstance, CallerRequest } from '@wa/pkg/http';
import { Envelope, IdParams, NoQuery, ok, requireCaller } from '@wa/pkg/http';
import { MediaView } from '../model/schemas.ts';
import type { MediaReads } from '../service/media-reads.ts';
import type { UploadService } from '../service/upload-service.ts';
import { UPLOAD_FORM_LIMITS, readUploadForm } from './upload-form.ts';

export interface MediaRouteDeps {
  uploads: UploadService;
  reads: MediaReads;
  /** PRD §11.3: throws 429 with Retry-After past the caller's uploads per minute. */
  limitUploads(userId: string): Promise<void>;
}

/** PRD §6.5 and addenda I. Identity comes only from the gateway's headers. */
export function registerMediaRoutes(app: AppInstance, deps: MediaRouteDeps): void {
  const { uploads, reads } = deps;
  const callerId = (request: CallerRequest) => requireCaller(request).userId;

  // 401 before any validation: an unauthenticated request learns nothing about the route.
  app.addHook('onRequest', async (request) => {
    if (request.url.startsWith('/api/v1/media')) requireCaller(request);
  });
  void app.register(multipart, { limits: UPLOAD_FORM_LIMITS, throwFileSizeLimit: true });

  app.post(
    '/api/v1/media/upload',
    { schema: { querystring: NoQuery, response: { 201: Envelope(MediaView) } } },
    async (request, reply) => {
      const uploaderId = callerId(request);
      if (!request.isMultipart())
        throw validationError('An upload is a multipart/form-data body with `file` and `type`');
      await deps.limitUploads(uploaderId);
      const form = await readUploadForm(request.parts(), uploads);
      const doc = await uploads.complete(form.received, {
        uploaderId,
        declared: form.declared,
        originalFilename: form.filename,
      });
      return reply.code(201).send(ok(request.id, await reads.view(doc)));
    },
  );

  app.get(
    '/api/v1/media/:id',
    { schema: { params: IdParams, querystring: NoQuery, response: { 200: Envelope(MediaView) } } },
    async (request) => ok(request.id, await reads.viewFor(request.params.id, callerId(request))),
  );

  app.get(
    '/api/v1/media/:id/download',
    { schema: { params: IdParams, querystring: NoQuery } },
    async (request, reply) => {
      const url = await reads.downloadUrl(request.params.id, callerId(request));
      return reply.header('cache-control', 'no-store').redirect(url, 302);
    },
  );
}
