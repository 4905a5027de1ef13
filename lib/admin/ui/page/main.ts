// The admin page's entry point. The server says on <html> how the page authenticates:
// data-auth="admin-key" (root mode: ask for an admin key, keep it in sessionStorage, send it
// in data-key-source) or "host-session" (the host's own cookie carries; nothing is stored).
import { ApiClient, ApiError } from './api-client.js';
import { adminKeyStore } from './admin-key.store.js';
import type { PageContext } from './api-types.js';
import { showConsole } from './console.view.js';
import { h, replace } from './dom.js';
import { showSignIn } from './sign-in.view.js';

const root = document.documentElement;
const auth: PageContext['auth'] = root.dataset.auth === 'host-session' ? 'host-session' : 'admin-key';
const keySource = root.dataset.keySource ?? 'header:x-api-key';
const main = document.getElementById('main') as HTMLElement;
const session = document.getElementById('session') as HTMLElement;

function credentials(): Record<string, string> {
  const key = auth === 'admin-key' ? adminKeyStore.get() : null;
  if (!key) return {};
  return keySource === 'bearer' ? { authorization: `Bearer ${key}` } : { [keySource.replace(/^header:/, '')]: key };
}

const api = new ApiClient(credentials);

async function start(): Promise<void> {
  replace(session);
  if (auth === 'admin-key' && !adminKeyStore.get()) return signIn();
  replace(main, h('p', { class: 'loading', role: 'status' }, 'Loading…'));
  let context: PageContext;
  try {
    context = await api.context();
  } catch (error) {
    const message = (error as Error).message;
    if (auth === 'admin-key' && error instanceof ApiError && (error.status === 401 || error.status === 403)) {
      adminKeyStore.clear();
      return signIn(message);
    }
    return showProblem(message);
  }
  showSession(context);
  showConsole(main, api, context);
}

function signIn(problem?: string): void {
  showSignIn(
    main,
    (key) => {
      adminKeyStore.set(key);
      void start();
    },
    problem,
  );
}

function showSession(context: PageContext): void {
  // A root actor is its admin key (`key:<id>`): say so rather than show an id.
  const who = context.auth === 'admin-key' ? 'Signed in with an admin key' : `Signed in as ${context.actorId}`;
  const scope = context.ownerId === null ? ' · all owners' : ` · owner ${context.ownerId}`;
  replace(session, h('span', { class: 'top-bar__who', title: `Actor ${context.actorId}` }, who + scope));
  if (auth === 'admin-key') {
    const signOut = () => {
      adminKeyStore.clear();
      void start();
    };
    session.append(h('button', { type: 'button', class: 'button button--small', onclick: signOut }, 'Sign out'));
  }
}

/** Host-session mode when the host refuses (no session, no permission): say why, offer a retry. */
function showProblem(message: string): void {
  replace(
    main,
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'problem-title' },
      h('h2', { id: 'problem-title' }, 'You cannot manage API keys here'),
      h('p', { class: 'error', role: 'alert' }, message),
      h('button', { type: 'button', class: 'button', onclick: () => void start() }, 'Try again'),
    ),
  );
}

void start();
