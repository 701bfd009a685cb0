/**
 * Sign-in through the company's identity provider: the authorization-code flow with PKCE (RFC 7636) of a public
 * client, the dashboard, registered with the redirect URI `<origin>/auth/callback`. The access token it gets is
 * what the API accepts as a Bearer credential (issuer, audience and `scope` checked there).
 */
export interface OidcConfig {
  issuer: string;
  clientId: string;
  audience: string | null;
}

interface Discovery {
  authorization_endpoint: string;
  token_endpoint: string;
}

const PENDING = 'rapport.oidc';

const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
const random = () => base64url(crypto.getRandomValues(new Uint8Array(32)));
const redirectUri = () => `${window.location.origin}/auth/callback`;

async function discover(issuer: string): Promise<Discovery> {
  const response = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
  if (!response.ok) throw new Error(`the identity provider's discovery document answered ${response.status}`);
  return (await response.json()) as Discovery;
}

export async function authConfig(): Promise<OidcConfig | null> {
  const response = await fetch('/v1/auth/config');
  if (!response.ok) return null;
  return ((await response.json()) as { oidc: OidcConfig | null }).oidc;
}

/** Leaves for the identity provider's sign-in page; `returnTo` is where the dashboard goes back to afterwards. */
export async function startSignIn(config: OidcConfig, returnTo: string): Promise<void> {
  const discovery = await discover(config.issuer);
  const verifier = random();
  const state = random();
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, returnTo, config }));
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: redirectUri(),
    scope: 'openid',
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...(config.audience ? { audience: config.audience } : {}),
  });
  window.location.assign(`${discovery.authorization_endpoint}?${query.toString()}`);
}

/** On /auth/callback: the code for a token. Returns the token and where to go; throws with the reason otherwise. */
export async function finishSignIn(url: URL): Promise<{ token: string; returnTo: string }> {
  const pending = sessionStorage.getItem(PENDING);
  sessionStorage.removeItem(PENDING);
  if (!pending) throw new Error('this sign-in was not started here: start again');
  const { verifier, state, returnTo, config } = JSON.parse(pending) as {
    verifier: string;
    state: string;
    returnTo: string;
    config: OidcConfig;
  };
  const error = url.searchParams.get('error');
  if (error) throw new Error(`the identity provider refused: ${url.searchParams.get('error_description') ?? error}`);
  if (url.searchParams.get('state') !== state) throw new Error('the answer does not belong to this sign-in (state): start again');
  const code = url.searchParams.get('code');
  if (!code) throw new Error('the identity provider sent no code');
  const discovery = await discover(config.issuer);
  const response = await fetch(discovery.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri(),
      client_id: config.clientId,
      code_verifier: verifier,
    }),
  });
  if (!response.ok) throw new Error(`the identity provider's token endpoint answered ${response.status}`);
  const tokens = (await response.json()) as { access_token?: string };
  if (!tokens.access_token) throw new Error('the identity provider sent no access token');
  return { token: tokens.access_token, returnTo };
}
