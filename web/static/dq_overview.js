// VELO view overview: new results appear without a reload. The page polls the cheap change
// marker (/api/dq/changes: newest evaluation and sign-off ids) and, when it moves, fetches this
// same page and swaps in its rows, so that the rows are rendered (and escaped) by the server only.
'use strict';

(function () {
  const POLL_MS = 3000;
  const root = document.getElementById('overview');
  if (!root) return;
  let marker = root.dataset.changes;

  async function refresh() {
    const res = await fetch(window.location.href, { headers: { Accept: 'text/html' } });
    if (!res.ok) return;
    const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
    const fresh = doc.getElementById('overview');
    if (!fresh) return;
    root.replaceChildren(...Array.from(fresh.childNodes).map((n) => document.importNode(n, true)));
    marker = fresh.dataset.changes;
    root.dataset.changes = marker;
    document.dispatchEvent(new CustomEvent('velo:overview-updated'));
  }

  async function poll() {
    try {
      const res = await fetch('/api/dq/changes', { cache: 'no-store' });
      if (res.ok) {
        const now = JSON.stringify(await res.json());
        if (now !== marker) await refresh();
      }
    } catch (_) { /* the server is restarting: try again at the next tick */ }
    setTimeout(poll, POLL_MS);
  }
  setTimeout(poll, POLL_MS);
})();
