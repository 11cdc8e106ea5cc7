// The alarms page: the list from /api/alarms with the form's filters, reloaded whenever the
// alarm badge hears of a change (no page reload), and acknowledge / resolve buttons. Every
// string from the server is set as text, never as HTML.
'use strict';
(function () {
  const form = document.getElementById('alarm-filter');
  const rows = document.getElementById('alarm-rows');
  const empty = document.getElementById('alarm-empty');
  const more = document.getElementById('alarm-more');
  const message = document.getElementById('alarm-message');
  if (!form || !rows) return;
  let next = null;
  let loading = 0;

  function query(cursor) {
    const p = new URLSearchParams();
    for (const name of ['state', 'rule', 'run']) {
      const v = form.elements[name].value.trim();
      if (v) p.set(name, v);
    }
    if (cursor) p.set('cursor', String(cursor));
    return p;
  }

  function utc(ms) {
    return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
  }

  function cell(tr, text, cls) {
    const td = document.createElement('td');
    td.textContent = text;
    if (cls) td.className = cls;
    tr.appendChild(td);
    return td;
  }

  function button(label, what, id, comment) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'btn alarm-' + what;
    b.textContent = label;
    b.addEventListener('click', () => act(id, what, comment.value));
    return b;
  }

  function row(a) {
    const tr = document.createElement('tr');
    tr.dataset.id = String(a.id);
    tr.dataset.state = a.state;
    tr.dataset.rule = a.rule;
    tr.dataset.run = String(a.run);
    const run = cell(tr, '');
    if (a.run) {
      const link = document.createElement('a');
      link.href = '/run_view/' + encodeURIComponent(String(a.run)) + '/dqs';
      link.textContent = String(a.run);
      run.appendChild(link);
    } else {
      run.textContent = 'system';
    }
    cell(tr, a.rule);
    // The message says what is wrong and which leaves to look at: shown, not only hovered.
    const subject = cell(tr, a.subject);
    if (a.message) {
      const why = document.createElement('div');
      why.className = 'alarm-why';
      why.textContent = a.message;
      subject.appendChild(why);
    }
    const level = cell(tr, '');
    const badge = document.createElement('span');
    badge.className = 'badge ' + (a.level === 'ERROR' ? 'badge-error' : 'badge-warning');
    badge.textContent = a.level;
    level.appendChild(badge);
    cell(tr, a.value === null || a.value === undefined ? '' : String(Number(a.value).toPrecision(6)));
    cell(tr, a.state, 'alarm-state');
    cell(tr, utc(a.first_seen_ms));
    cell(tr, utc(a.last_seen_ms));
    cell(tr, a.by_user || '');
    cell(tr, a.comment || '');
    const actions = cell(tr, '');
    if (a.state !== 'resolved') {
      const comment = document.createElement('input');
      comment.type = 'text';
      comment.className = 'alarm-comment';
      comment.placeholder = 'Comment';
      comment.setAttribute('aria-label', 'Comment for alarm ' + a.id);
      actions.appendChild(comment);
      if (a.state === 'open') actions.appendChild(button('Acknowledge', 'ack', a.id, comment));
      actions.appendChild(button('Resolve', 'resolve', a.id, comment));
    }
    return tr;
  }

  async function load(append) {
    const mine = ++loading;
    let data;
    try {
      const r = await fetch('/api/alarms?' + query(append ? next : null), {
        headers: { Accept: 'application/json' },
      });
      data = await r.json();
      if (!r.ok) throw new Error(data.message || r.statusText);
    } catch (e) {
      message.textContent = 'Alarms not loaded: ' + e.message;
      return;
    }
    if (mine !== loading) return; // a newer load is on its way
    if (!append) rows.replaceChildren();
    for (const a of data.alarms) rows.appendChild(row(a));
    next = data.next;
    more.hidden = !next;
    empty.hidden = rows.children.length > 0;
    rows.dataset.loaded = String(mine);
  }

  async function act(id, what, comment) {
    message.textContent = '';
    try {
      const r = await fetch('/api/alarms/' + encodeURIComponent(String(id)) + '/' + what, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ comment: comment }),
      });
      const data = await r.json();
      if (!r.ok) throw new Error(data.message || r.statusText);
    } catch (e) {
      message.textContent = 'Not saved: ' + e.message;
      return;
    }
    load(false);
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    history.replaceState(null, '', '?' + query(null));
    load(false);
  });
  more.addEventListener('click', () => load(true));
  document.addEventListener('velo:alarms', () => load(false));
  load(false);
})();
