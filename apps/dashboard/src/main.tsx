import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { followHealthEvents, session } from './api';
import { PageLink } from './components/page-link';
import { Account } from './pages/account';
import { Backtest } from './pages/backtest';
import { Book } from './pages/book';
import { KeyAccountsPage } from './pages/key-accounts';
import { Portfolio } from './pages/portfolio';
import { SignIn } from './pages/sign-in';
import { finishSignIn } from './oidc';
import { navigate, useLocation } from './router';
import './styles.css';

function App() {
  const url = useLocation();
  const [signedIn, setSignedIn] = useState(() => session.key() !== null);
  const [reload, setReload] = useState(0);
  const [live, setLive] = useState<string>();
  useEffect(() => session.onSignOut(() => setSignedIn(false)), []);
  // New health events appear without a reload: each one refreshes what is on screen (at most once a second).
  useEffect(() => {
    if (!signedIn) return;
    let pending: number | undefined;
    return followHealthEvents((event) => {
      setLive(`${event.type}${event.accountId ? ` · ${event.accountId}` : ''}`);
      pending ??= window.setTimeout(() => {
        pending = undefined;
        setReload((n) => n + 1);
      }, 1_000);
    });
  }, [signedIn]);

  const [signInError, setSignInError] = useState<string>();
  // Back from the identity provider: the code for a token, then where the user was going.
  useEffect(() => {
    if (url.pathname !== '/auth/callback') return;
    finishSignIn(url).then(
      ({ token, returnTo }) => {
        session.signIn(token);
        setSignedIn(true);
        navigate(returnTo, { replace: true });
      },
      (error: Error) => {
        setSignInError(error.message);
        navigate('/', { replace: true });
      },
    );
  }, [url.pathname]);

  if (url.pathname === '/auth/callback') return <p class="muted">Signing in…</p>;
  if (!signedIn) return <SignIn onSignedIn={() => setSignedIn(true)} error={signInError} />;
  const account = /^\/accounts\/([^/]+)$/.exec(url.pathname);
  return (
    <>
      <header>
        <span class="brand">Rapport</span>
        <nav class="pages">
          <PageLink to="/">Portfolio</PageLink>
          <PageLink to="/book">Book</PageLink>
          <PageLink to="/key-accounts">Key accounts</PageLink>
          <PageLink to="/backtest">Backtest</PageLink>
        </nav>
        <span class="live" aria-live="polite">
          {live ? `live: ${live}` : 'live'}
        </span>
        <button type="button" onClick={() => session.signOut()}>
          Sign out
        </button>
      </header>
      {account ? (
        <Account accountId={decodeURIComponent(account[1])} url={url} reload={reload} />
      ) : url.pathname === '/' ? (
        <Portfolio url={url} reload={reload} />
      ) : url.pathname === '/book' ? (
        <Book url={url} reload={reload} />
      ) : url.pathname === '/key-accounts' ? (
        <KeyAccountsPage url={url} reload={reload} />
      ) : url.pathname === '/backtest' ? (
        <Backtest url={url} />
      ) : (
        <main>
          <p class="error" role="alert">
            No page at {url.pathname}.
          </p>
        </main>
      )}
    </>
  );
}

render(<App />, document.getElementById('app')!);
