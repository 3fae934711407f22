import multipart from '@fastify/multipart';
import { validationError } from '@wa/pkg/errors';
import type { AppInstance, CallerRequest } from '@wa/pkg/http';
import { Envelope, IdParams, NoQuery, ok, requireCaller } from '@wa/pkg/http';
import { DownloadRedirect, MediaView, UploadForm } from '../model/schemas.ts';
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
    {
      schema: {
        summary: 'Upload a file',
        description:
          'A `multipart/form-data` body with `file` and `type`. The type is sniffed from the bytes: ' +
          'outside the formats of the declared type it is 415, over its limit 413. At most 10 uploads per user per minute (429).',
        errors: {
          VALIDATION_ERROR:
            'Not multipart, no `file` or `type`, an unknown `type` or field, or a cut-off body',
          PAYLOAD_TOO_LARGE: 'The file is over its declared type’s limit (found while streaming)',
          UNSUPPORTED_MEDIA_TYPE: 'The file’s bytes are not one of the declared type’s formats',
          RATE_LIMITED: 'More than 10 uploads by the user in a minute',
        },
        querystring: NoQuery,
        multipartBody: UploadForm,
        response: { 201: Envelope(MediaView) },
      },
      // Answered before the body's end (413, 415, 503): close, rather than read the rest of a 100 MB body.
      onSend: async (request, reply) => {
        if (!request.raw.complete) void reply.header('connection', 'close');
      },
    },
    async (request, reply) => {
      const uploaderId = callerId(request);
      if (!request.isMultipart())
        throw validationError('An upload is a multipart/form-data body with `file` and `type`');
      await deps.limitUploads(uploaderId);
      const form = await readUploadForm(request.parts(), {
        // A client gone midway must stop the upload at once: its file part would otherwise wait forever.
        receive(file, limitBytes) {
          const cut = () => {
            if (!request.raw.complete) file.destroy(validationError('The upload was cut off'));
          };
          request.raw.once('close', cut);
          return uploads.receive(file, limitBytes).finally(() => request.raw.off('close', cut));
        },
        discard: uploads.discard,
      });
      // A client gone midway can leave a file part that merely stopped: never store it as whole.
      if (!request.raw.complete) {
        await uploads.discard(form.received);
        throw validationError('The upload was cut off before its end');
      }
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
    {
      schema: {
        summary: 'Get media metadata with fresh presigned URLs',
        description:
          'For its uploader and the members of any chat holding a message that references it; 404 for anyone else.',
        errors: {
          NOT_FOUND:
            'No such media, or the caller may not see it (never 403: the id is not confirmed)',
        },
        params: IdParams,
        querystring: NoQuery,
        response: { 200: Envelope(MediaView) },
      },
    },
    async (request) => ok(request.id, await reads.viewFor(request.params.id, callerId(request))),
  );

  app.get(
    '/api/v1/media/:id/download',
    {
      schema: {
        summary: 'Download a file',
        errors: {
          NOT_FOUND:
            'No such media, or the caller may not see it (never 403: the id is not confirmed)',
        },
        params: IdParams,
        querystring: NoQuery,
        response: { 302: DownloadRedirect },
      },
    },
    async (request, reply) => {
      const url = await reads.downloadUrl(request.params.id, callerId(request));
      return reply.header('cache-control', 'no-store').redirect(url, 302);
    },
  );
}
