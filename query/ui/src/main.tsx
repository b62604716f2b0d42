// The trace UI: a trace table, a trace with its span tree and prompt panel, a dashboard over time,
// sessions read as conversations, and prompt-version overlays. Routes are plain paths so every view
// is a shareable link.
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { render } from 'preact';
import { tenantChoice, token } from './api.ts';
import { DashboardPage } from './dashboard-page.tsx';
import { SessionsPage, UsersPage } from './groups-page.tsx';
import { PromptOverlayPage, PromptsPage } from './prompts-page.tsx';
import { linkClick, useUrl } from './router.ts';
import { SessionPage } from './session-page.tsx';
import { TracePage } from './trace-page.tsx';
import { TracesPage } from './traces-page.tsx';

const TRACE = /^\/traces\/([0-9a-fA-F]{32})$/;
const PROMPT = /^\/prompts\/([^/]+)$/;
const SESSION = /^\/sessions\/([^/]+)$/;

function App() {
  const url = useUrl();
  const path = url.pathname;
  const trace = TRACE.exec(path);
  const prompt = PROMPT.exec(path);
  const session = SESSION.exec(path);
  const section =
    ['dashboard', 'prompts', 'sessions', 'users'].find((s) => path.startsWith(`/${s}`)) ?? 'traces';
  return (
    <>
      <nav class="top">
        <a class="brand" href="/" onClick={(e) => linkClick(e, '/')}>
          Koder Trace
        </a>
        <a
          href="/"
          onClick={(e) => linkClick(e, '/')}
          aria-current={section === 'traces' ? 'page' : undefined}
        >
          Traces
        </a>
        <a
          href="/dashboard"
          onClick={(e) => linkClick(e, '/dashboard')}
          aria-current={section === 'dashboard' ? 'page' : undefined}
        >
          Dashboard
        </a>
        <a
          href="/sessions"
          onClick={(e) => linkClick(e, '/sessions')}
          aria-current={section === 'sessions' ? 'page' : undefined}
        >
          Sessions
        </a>
        <a
          href="/users"
          onClick={(e) => linkClick(e, '/users')}
          aria-current={section === 'users' ? 'page' : undefined}
        >
          Users
        </a>
        <a
          href="/prompts"
          onClick={(e) => linkClick(e, '/prompts')}
          aria-current={section === 'prompts' ? 'page' : undefined}
        >
          Prompts
        </a>
        {token.get() && (
          <button
            type="button"
            class="forget"
            title="This browser sends a tenant token; forget it to use another"
            onClick={() => {
              token.set('');
              location.reload();
            }}
          >
            Forget tenant token
          </button>
        )}
        {!token.get() && tenantChoice.get() && (
          <button
            type="button"
            class="forget"
            title="You read several tenants; choose another"
            onClick={() => {
              tenantChoice.set('');
              location.reload();
            }}
          >
            Tenant {tenantChoice.get()} · change
          </button>
        )}
      </nav>
      {trace ? (
        <TracePage url={url} traceId={(trace[1] as string).toLowerCase()} />
      ) : prompt ? (
        <PromptOverlayPage url={url} promptId={decodeURIComponent(prompt[1] as string)} />
      ) : session ? (
        <SessionPage url={url} conversationId={decodeURIComponent(session[1] as string)} />
      ) : path === '/dashboard' ? (
        <DashboardPage url={url} />
      ) : path === '/sessions' ? (
        <SessionsPage url={url} />
      ) : path === '/users' ? (
        <UsersPage url={url} />
      ) : path === '/prompts' ? (
        <PromptsPage url={url} />
      ) : path === '/' ? (
        <TracesPage url={url} />
      ) : (
        <p class="state">
          No page at {path}.{' '}
          <a href="/" onClick={(e) => linkClick(e, '/')}>
            Go to the traces
          </a>
        </p>
      )}
    </>
  );
}

const root = document.getElementById('app') as HTMLElement;
root.textContent = ''; // the page's "Loading…" placeholder
render(<App />, root);
