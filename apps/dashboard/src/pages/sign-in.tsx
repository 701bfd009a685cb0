import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, session } from '../api';
import { authConfig, OidcConfig, startSignIn } from '../oidc';

/** Sign-in with an API key of read scope (or an access token of the company's identity provider, when OIDC is on). */
export function SignIn(props: { onSignedIn: () => void; error?: string }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | undefined>(props.error);
  const [busy, setBusy] = useState(false);
  const [oidc, setOidc] = useState<OidcConfig | null>(null);
  useEffect(() => {
    authConfig().then(setOidc, () => setOidc(null));
  }, []);
  const withProvider = () => {
    if (!oidc) return;
    setBusy(true);
    startSignIn(oidc, `${window.location.pathname}${window.location.search}`).catch((e: Error) => {
      setError(e.message);
      setBusy(false);
    });
  };
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await api('/v1/portfolio/health?limit=1', { key: key.trim() });
      session.signIn(key.trim());
      props.onSignedIn();
    } catch (e) {
      setError(e instanceof ApiError && e.status === 401 ? 'This key is not valid (or has been revoked).' : (e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="sign-in">
      <form onSubmit={(event) => void submit(event)} aria-label="Sign in">
        <h1>Rapport</h1>
        <label for="key">API key</label>
        <input
          id="key"
          type="password"
          autocomplete="current-password"
          value={key}
          onInput={(e) => setKey((e.target as HTMLInputElement).value)}
          placeholder="rpk_…"
          required
        />
        <p class="muted">
          A key with the read scope (<code>npm start</code> prints the first admin key), or an access token from your identity provider when
          OIDC is configured. It is kept for this tab only.
        </p>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy || key.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        {oidc && (
          <button type="button" onClick={withProvider} disabled={busy}>
            Sign in with your identity provider
          </button>
        )}
      </form>
    </main>
  );
}
