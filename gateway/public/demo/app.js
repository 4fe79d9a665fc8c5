// One chat window of the product's manual test, on one of the example stores. The page URL says
// which store, which chat and whose token:
//   /demo/?store=fixed-store|legacy-fallback-store&chat=<chat id>&token=<JWT>[&ws=ws://host:port]
// Sockets go to the page's own host unless `ws` names another; the store does the rest.

const STORES = {
  'fixed-store': './stores/fixed-store.js',
  'legacy-fallback-store': './stores/legacy-fallback-store.js',
};

const $ = (id) => document.getElementById(id);
const q = new URLSearchParams(location.search);
const storeName = q.get('store') ?? 'fixed-store';
const chatId = q.get('chat');
const token = q.get('token');

function fatal(text) {
  $('status').textContent = 'not started';
  $('status').dataset.state = 'failed';
  $('error').hidden = false;
  $('error').textContent = text;
  throw new Error(text);
}

if (!Object.hasOwn(STORES, storeName)) fatal(`Unknown store "${storeName}": use ${Object.keys(STORES).join(' or ')}.`);
if (!chatId || !token) fatal('The page URL needs ?chat=<chat id>&token=<JWT>.');

/** The token's subject: who "I" am, for telling my messages from others'. Not verified here; the gateway does that. */
function subjectOf(jwt) {
  try {
    return JSON.parse(atob(jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))).sub ?? '';
  } catch {
    return '';
  }
}

const origin = q.get('ws') ?? `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}`;
const userId = subjectOf(token);
const { createChatStore } = await import(STORES[storeName]);
const store = createChatStore({
  WebSocket,
  url: (chat, since) =>
    `${origin}/api/v1/chats/${encodeURIComponent(chat)}/ws?token=${encodeURIComponent(token)}${since === null || since === undefined ? '' : `&since=${since}`}`,
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h),
  userId,
  log: (...args) => console.log(...args),
});

$('chat').textContent = chatId;
$('who').textContent = userId ? `as ${userId}` : '';
document.documentElement.dataset.store = storeName;

function render(s) {
  $('status').textContent = s.status;
  $('status').dataset.state = s.status;
  $('error').hidden = !s.connectionError;
  $('error').textContent = s.connectionError ?? '';
  $('messages').replaceChildren(
    ...s.messages.map((m) => {
      const li = document.createElement('li');
      li.dataset.id = m.id;
      if (m.seq !== undefined) li.dataset.seq = String(m.seq);
      if (m.client_msg_id) li.dataset.clientMsgId = m.client_msg_id;
      if (m.is_fallback) li.dataset.fallback = 'true';
      if (m.type === 'system') {
        li.className = 'system';
        li.textContent = m.content;
      } else {
        const who = document.createElement('span');
        who.className = 'who';
        who.textContent = m.sender_id === userId ? 'me' : m.sender_id;
        li.append(who, document.createTextNode(m.content));
      }
      return li;
    }),
  );
  $('outbox').replaceChildren(
    ...(s.outbox ?? [])
      .filter((o) => o.status === 'failed')
      .map((o) => {
        const li = document.createElement('li');
        li.dataset.clientMsgId = o.client_msg_id;
        li.textContent = `${o.error ?? 'Not sent'} “${o.content}”`;
        return li;
      }),
  );
}

store.subscribe(render);
render(store.getState());
store.connect(chatId);

$('composer').addEventListener('submit', (e) => {
  e.preventDefault();
  const text = $('text').value.trim();
  if (!text) return;
  store.sendMessage(text);
  $('text').value = '';
});

// For a person poking at it in the console.
window.chatStore = store;
