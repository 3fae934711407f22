# One image recipe for every service, and for the one-shot migrate job. Build from the repository
# root so pkg/ is in the context:
#   docker build --build-arg SERVICE=chat-service --build-arg HTTP_PORT=8083 .
#   docker build --build-arg SERVICE=media-service --build-arg HTTP_PORT=8086 .
#   docker build --build-arg SERVICE=notification-service --build-arg HTTP_PORT=8085 .
#   docker build --target migrate .
# Node strips TypeScript types itself, so there is no compile step.

# Only the manifests, so the dependency layers are rebuilt when a package.json changes, not on
# every source edit. npm ci checks the lockfile against every workspace, so all of them are needed.
FROM node:26-alpine AS manifests
WORKDIR /src
COPY . .
RUN mkdir /manifests && \
    find . -name package.json -not -path '*/node_modules/*' | \
      tar -cf - -T - package-lock.json | tar -xf - -C /manifests

# Production dependencies of pkg and one service; none of them needs an install script. Native
# packages come prebuilt as optional dependencies, one per platform (the lockfile lists them all);
# --libc=musl says which libc this image has instead of leaving it to npm's detection, so sharp
# gets @img/sharp-linuxmusl-<arch> and its libvips, never the glibc twins (the architecture is
# still the one being built).
FROM node:26-alpine AS deps
ARG SERVICE
WORKDIR /app
COPY --from=manifests /manifests ./
RUN test -n "$SERVICE" && npm ci --omit=dev --ignore-scripts --libc=musl --no-audit --no-fund \
      --workspace pkg --workspace "$SERVICE" --include-workspace-root=false

# Schema migrations and JetStream streams. node-pg-migrate is a root devDependency, so dev
# dependencies stay in; scripts and optional packages only fetch a second Node and buf.
FROM node:26-alpine AS migrate
WORKDIR /app
COPY --from=manifests /manifests ./
RUN npm ci --ignore-scripts --omit=optional --no-audit --no-fund
COPY pkg/src pkg/src
COPY migrations migrations
COPY scripts/migrate.ts scripts/provision-streams.ts scripts/
USER node
CMD ["sh", "-c", "node scripts/migrate.ts && node scripts/provision-streams.ts"]

# The web console (addenda M): static files built with Vite, served by the gateway at /console/
# (CONSOLE_DIR defaults to /app/console/dist). Every service image gets these few hundred kB, as a
# COPY cannot depend on SERVICE; only the gateway reads them.
FROM node:26-alpine AS console
WORKDIR /src
COPY --from=manifests /manifests ./
RUN npm ci --workspace console --include-workspace-root=false --no-audit --no-fund
COPY console console
RUN cd console && node ../node_modules/vite/bin/vite.js build --logLevel warn

FROM node:26-alpine AS service
ARG SERVICE
ARG HTTP_PORT
ENV NODE_ENV=production SERVICE=${SERVICE} HTTP_PORT=${HTTP_PORT}
WORKDIR /app
# The media-service probes video and audio and takes video thumbnails with FFmpeg (FFMPEG_PATH and
# FFPROBE_PATH default to the ones on PATH); no other service needs it.
RUN if [ "$SERVICE" = media-service ]; then apk add --no-cache ffmpeg; fi
COPY --from=deps /app/node_modules ./node_modules
# Where compose's FCM emulator writes the local service account for the notification-service (a
# named volume mounted there starts with this directory's owner, so the node user can write it).
RUN mkdir -p /fcm && chown node:node /fcm
# Fails the build, rather than the first upload, when sharp's native binary for this platform or
# FFmpeg is missing.
RUN if [ "$SERVICE" = media-service ]; then \
      node -e "require('sharp')" && ffmpeg -version >/dev/null && ffprobe -version >/dev/null; \
    fi
COPY package.json ./
COPY pkg/package.json pkg/
COPY pkg/src pkg/src
COPY ${SERVICE}/package.json ${SERVICE}/
COPY ${SERVICE}/src ${SERVICE}/src
COPY --from=console /src/console/dist console/dist
USER node
EXPOSE ${HTTP_PORT}
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD wget -q -O /dev/null "http://127.0.0.1:${HTTP_PORT}/health" || exit 1
CMD ["sh", "-c", "exec node \"$SERVICE/src/main.ts\""]
