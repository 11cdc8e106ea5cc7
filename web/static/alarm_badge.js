// The navigation bar's alarm count, on every page: listens to /api/alarms/events (server-sent
// events) and shows the number of open alarms. Other scripts hear of any alarm change through
// the `velo:alarms` document event.
'use strict';
(function () {
  const badge = document.getElementById('alarm-badge');
  if (!badge || !window.EventSource) return;
  const events = new EventSource('/api/alarms/events');
  let last;
  events.addEventListener('counts', (e) => {
    let c;
    try {
      c = JSON.parse(e.data);
    } catch (_) {
      return;
    }
    const open = Number(c.open) || 0;
    badge.textContent = String(open);
    badge.hidden = open === 0;
    badge.title = open + ' open, ' + (Number(c.acknowledged) || 0) + ' acknowledged';
    badge.dataset.open = String(open);
    if (last !== undefined && c.last_event !== last) {
      document.dispatchEvent(new CustomEvent('velo:alarms', { detail: c }));
    }
    last = c.last_event;
  });
})();
