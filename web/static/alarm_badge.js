// The navigation bar's alarm count, on every page. The alarms page listens to
// /api/alarms/events (server-sent events); every other page asks /api/alarms/counts every few
// seconds while it is visible, because a stream per tab would hold one of the browser's six
// connections to the site for good and starve the pages' own requests. Other scripts hear of
// any alarm change through the `velo:alarms` document event.
'use strict';
(function () {
  const badge = document.getElementById('alarm-badge');
  if (!badge) return;
  const POLL_MS = 3000;
  let last;

  function show(c) {
    const open = Number(c.open) || 0;
    badge.textContent = String(open);
    badge.hidden = open === 0;
    badge.title = open + ' open, ' + (Number(c.acknowledged) || 0) + ' acknowledged';
    badge.dataset.open = String(open);
    if (last !== undefined && c.last_event !== last) {
      document.dispatchEvent(new CustomEvent('velo:alarms', { detail: c }));
    }
    last = c.last_event;
  }

  if (document.getElementById('alarm-rows') && window.EventSource) {
    const events = new EventSource('/api/alarms/events');
    events.addEventListener('counts', (e) => {
      try {
        show(JSON.parse(e.data));
      } catch (_) {
        // A malformed event: the next one will do.
      }
    });
    return;
  }

  let timer = null;
  async function poll() {
    clearTimeout(timer);
    if (!document.hidden) {
      try {
        const r = await fetch('/api/alarms/counts', { headers: { Accept: 'application/json' } });
        if (r.ok) show(await r.json());
      } catch (_) {
        // The server is away: try again later.
      }
    }
    timer = setTimeout(poll, POLL_MS);
  }
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) poll();
  });
  poll();
})();
