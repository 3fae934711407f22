import type { AccessTokenStore } from './access-tokens.ts';
import type { AccountRegistry } from './account-registry.ts';
import type { HttpAnswer } from './http-io.ts';
import { checkAssertion } from './oauth.ts';
import type { ServiceAccount } from './service-account.ts';

const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

export interface TokenEndpointDeps {
  accounts: AccountRegistry;
  tokens: AccessTokenStore;
  audiences: (account: ServiceAccount) => string[];
  now: () => number;
}

/** `POST /token`: trades a signed service-account JWT for an access token, as oauth2.googleapis.com does. */
export function answerTokenRequest(
  bodyText: string,
  contentType: string | undefined,
  deps: TokenEndpointDeps,
): HttpAnswer {
  const form = parseForm(bodyText, contentType);
  if (!form) return oauthError('invalid_request', 'Malformed request body.');
  const grantType = form.get('grant_type');
  if (!grantType) return oauthError('invalid_request', 'Missing required parameter: grant_type');
  if (grantType !== JWT_BEARER_GRANT)
    return oauthError('unsupported_grant_type', `Invalid grant_type: ${grantType}`);
  const assertion = form.get('assertion');
  if (!assertion) return oauthError('invalid_request', 'Missing required parameter: assertion');

  const check = checkAssertion(assertion, {
    accounts: deps.accounts,
    audiences: deps.audiences,
    nowSeconds: Math.floor(deps.now() / 1000),
  });
  if (!check.ok) return oauthError(check.error, check.description);
  const issued = deps.tokens.issue(check.account.project_id);
  return {
    status: 200,
    headers: { 'cache-control': 'no-cache, no-store, max-age=0, must-revalidate' },
    body: {
      access_token: issued.accessToken,
      expires_in: issued.expiresInSeconds,
      token_type: 'Bearer',
    },
  };
}

/** Google takes the form encoding clients normally send, and JSON too. */
function parseForm(bodyText: string, contentType = ''): Map<string, string> | undefined {
  if (!contentType.toLowerCase().startsWith('application/json'))
    return new Map(new URLSearchParams(bodyText));
  try {
    const value: unknown = JSON.parse(bodyText);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    const entries = Object.entries(value).filter(([, item]) => typeof item === 'string');
    return new Map(entries as [string, string][]);
  } catch {
    return undefined;
  }
}

function oauthError(error: string, description: string): HttpAnswer {
  return { status: 400, body: { error, error_description: description } };
}
