import { randomBytes } from 'node:crypto';

export interface IssuedToken {
  accessToken: string;
  expiresInSeconds: number;
}

export interface AccessTokenStore {
  issue(projectId: string): IssuedToken;
  /** The project an unexpired token is valid for; undefined when unknown or expired. */
  projectOf(accessToken: string): string | undefined;
}

export interface AccessTokenSettings {
  lifetimeSeconds: number;
  now: () => number;
}

/** Opaque bearer tokens, remembered with their project and expiry like Google's. */
export function createAccessTokenStore({
  lifetimeSeconds,
  now,
}: AccessTokenSettings): AccessTokenStore {
  const tokens = new Map<string, { projectId: string; expiresAtMs: number }>();

  // Issuing is rare, so it is the moment to forget expired tokens and keep the map bounded.
  const forgetExpired = () => {
    const at = now();
    for (const [token, grant] of tokens) if (grant.expiresAtMs <= at) tokens.delete(token);
  };

  return {
    issue(projectId) {
      forgetExpired();
      const accessToken = `ya29.${randomBytes(48).toString('base64url')}`;
      tokens.set(accessToken, { projectId, expiresAtMs: now() + lifetimeSeconds * 1000 });
      return { accessToken, expiresInSeconds: lifetimeSeconds };
    },
    projectOf(accessToken) {
      const grant = tokens.get(accessToken);
      return grant && grant.expiresAtMs > now() ? grant.projectId : undefined;
    },
  };
}
