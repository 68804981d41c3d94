/** The dashboard's shell: login, navigation by the URL's fragment, and the three views. */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiFailure, currentSession, logIn, logOut, prefetch, type Session } from './api.js';
import { HistoryView, historyCalls } from './history.js';
import { loadCharts } from './lazy-chart.js';
import { OPERATIONS_CALLS, OperationsView } from './operations.js';
import { SERVICES_CALLS, ServicesView } from './services.js';
import './style.css';

function routeOf(hash: string): string[] {
  return hash.replace(/^#\/?/, '').split('/').filter(Boolean);
}

/** The API calls of the view a route shows first. */
function firstCalls(route: string[]): readonly string[] {
  const [view = 'services', id] = route;
  return view === 'history' ? historyCalls(id) : view === 'operations' ? OPERATIONS_CALLS : SERVICES_CALLS;
}

// Before anything is drawn: the session and the first view's data are asked for at once, not one after the other
// (a login link has no session yet: it is spent first).
const loginToken = /^#login=([A-Za-z0-9_-]+)$/.exec(location.hash)?.[1];
const firstSession = loginToken ? undefined : currentSession();
firstSession?.catch(() => undefined);
if (!loginToken) prefetch(firstCalls(routeOf(location.hash)));
// Services and one release chart; the History list and Operations do not.
if (!/^#\/(history|operations)\/?$/.test(location.hash)) loadCharts().catch(() => undefined);

function Login(props: { onSession: (session: Session) => void; error: string }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState(props.error);
  const submit = async (event: Event) => {
    event.preventDefault();
    try {
      props.onSession(await logIn(token.trim()));
    } catch (failure) {
      setError(failure instanceof ApiFailure ? failure.message : String(failure));
    }
  };
  return (
    <main class="login">
      <h1>glidepath</h1>
      <form onSubmit={(event) => void submit(event)}>
        <label for="token">Login token</label>
        <p class="hint" id="token-hint">
          Run <code>glidepath dashboard --url</code> for a one-time login, or paste a token from <code>.glidepath/token</code>.
        </p>
        <input id="token" name="token" type="password" autocomplete="off" aria-describedby="token-hint" value={token} onInput={(e) => setToken(e.currentTarget.value)} required />
        <button type="submit">Log in</button>
        {error && <p role="alert" class="error">{error}</p>}
      </form>
    </main>
  );
}

function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [loginError, setLoginError] = useState('');
  const [route, setRoute] = useState(routeOf(location.hash));

  useEffect(() => {
    const onHash = () => setRoute(routeOf(location.hash));
    window.addEventListener('hashchange', onHash);
    // The one-time token leaves the address bar (and the history) before it is spent.
    if (loginToken) history.replaceState(null, '', '#/services');
    setRoute(routeOf(location.hash));
    (loginToken ? logIn(loginToken) : (firstSession ?? currentSession())).then(setSession, (failure: unknown) => {
      setLoginError(failure instanceof Error ? failure.message : String(failure));
      setSession(null);
    });
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  if (session === undefined) return <p class="loading">Loading…</p>;
  if (session === null) return <Login onSession={setSession} error={loginError} />;
  const [view = 'services', ...rest] = route;
  const link = (to: string, label: string) => (
    <a href={`#/${to}`} aria-current={view === to ? 'page' : undefined}>
      {label}
    </a>
  );
  return (
    <>
      <header>
        <strong>glidepath</strong>
        <nav aria-label="Views">
          {link('services', 'Services')}
          {link('history', 'History')}
          {link('operations', 'Operations')}
        </nav>
        <span class="who">
          {session.who} · {session.role === 'admin' ? 'admin' : 'read-only'}{' '}
          <button class="link" onClick={() => void logOut().then(() => setSession(null))}>
            Log out
          </button>
        </span>
      </header>
      <main>
        {view === 'history' ? <HistoryView session={session} id={rest[0]} /> : view === 'operations' ? <OperationsView session={session} /> : <ServicesView session={session} />}
      </main>
    </>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
