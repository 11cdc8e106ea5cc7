// The run view's DQ page: the run's data-quality tree (expandable, worst first on request), each
// leaf with its check, measured values and a link to the run-view plot with the reference
// overlaid; the sign-off form and the histories. Everything from the API (titles, comments,
// messages) is untrusted: it reaches the page through textContent only.
'use strict';

(function () {
  const root = document.getElementById('dq-run');
  if (!root) return;
  const run = root.dataset.run;
  const LABEL = { OK: 'OK', WARNING: 'Minor problems', ERROR: 'Error' };
  const RANK = { ERROR: 0, WARNING: 1, OK: 2 };

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function utc(ms) {
    return ms === null || ms === undefined ? '' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
  }

  function score(x) {
    return typeof x === 'number' ? x.toFixed(1) : '';
  }

  function badge(level) {
    return el('span', 'badge badge-' + String(level || 'none').toLowerCase(), LABEL[level] || level || '—');
  }

  async function messageOf(res) {
    try {
      const body = await res.json();
      if (body && body.message) return body.message;
    } catch (_) { /* not JSON */ }
    return 'HTTP ' + res.status;
  }

  // --- the tree ---------------------------------------------------------------------------
  function detailValue(v) {
    if (v === null || typeof v !== 'object') return String(v);
    return JSON.stringify(v);
  }

  function leafBody(node, referenceRun) {
    const dl = el('dl', 'dq-leaf');
    const add = (k, v) => { dl.append(el('dt', null, k), el('dd', null, v)); };
    if (node.check) add('Check', node.check);
    if (node.sensor !== null && node.sensor !== undefined) add('Sensor', node.sensor);
    if (node.path) add('Histogram', node.path);
    add('Reference run', referenceRun === null || referenceRun === undefined ? 'none' : referenceRun);
    const details = node.details && typeof node.details === 'object' ? node.details : {};
    Object.keys(details).forEach((k) => {
      const v = details[k];
      if (Array.isArray(v) && k.includes('bad')) {
        const dd = el('dd', 'bad-channels');
        dd.append(el('span', null, v.length + (v.length === 1 ? ' channel: ' : ' channels: ')));
        dd.append(el('span', null, v.slice(0, 50).map(detailValue).join(', ') + (v.length > 50 ? ', …' : '')));
        dl.append(el('dt', null, k.replace(/_/g, ' ')), dd);
      } else {
        add(k.replace(/_/g, ' '), detailValue(v));
      }
    });
    const box = el('div', 'dq-leaf-body');
    box.append(dl);
    if (node.plot_url) {
      const a = el('a', 'plot-link', 'Show the histogram with its reference in the run view');
      a.href = node.plot_url;
      box.append(a);
    }
    return box;
  }

  function nodeElement(node, referenceRun) {
    const item = el('details', 'dq-node level-' + String(node.level).toLowerCase());
    item.dataset.key = node.key;
    const head = el('summary');
    head.append(el('span', 'dq-title', node.title), ' ', badge(node.level), ' ',
      el('span', 'dq-score', score(node.score)), ' ',
      el('span', 'dq-counts', node.warnings + ' warnings, ' + node.errors + ' errors'));
    item.append(head);
    const kids = node.children || [];
    if (kids.length > 0) {
      const list = el('div', 'dq-children');
      kids.forEach((k, i) => {
        const child = nodeElement(k, referenceRun);
        child.dataset.order = i;
        list.append(child);
      });
      item.append(list);
    } else {
      item.classList.add('dq-leaf-node');
      item.append(leafBody(node, referenceRun));
    }
    return item;
  }

  // Reorder every level's children: worst first (level, then score), or back to recorded order.
  function sortTree(worstFirst) {
    document.querySelectorAll('#dq-tree .dq-children').forEach((list) => {
      const kids = Array.from(list.children);
      kids.sort((a, b) => {
        if (!worstFirst) return a.dataset.order - b.dataset.order;
        const la = RANK[a.dataset.level] ?? 3;
        const lb = RANK[b.dataset.level] ?? 3;
        return la - lb || a.dataset.score - b.dataset.score || a.dataset.order - b.dataset.order;
      });
      list.append(...kids);
    });
  }

  function annotate(elem, node) {
    elem.dataset.level = node.level;
    elem.dataset.score = node.score;
  }

  function renderTree(dq) {
    const tree = document.getElementById('dq-tree');
    tree.replaceChildren();
    if (!dq.children) return;
    const top = { key: dq.key, title: dq.title || ('Run ' + dq.run), level: dq.level, score: dq.score,
      warnings: dq.warnings, errors: dq.errors, children: dq.children };
    const elem = nodeElement(top, dq.reference_run);
    elem.open = true;
    tree.append(elem);
    // Level and score on each element, for sorting.
    const walk = (n, e) => {
      annotate(e, n);
      const kids = e.querySelector(':scope > .dq-children');
      (n.children || []).forEach((k, i) => walk(k, kids.children[i]));
    };
    walk(top, elem);
    document.querySelector('.dq-controls').hidden = false;
    sortTree(document.getElementById('dq-worst-first').checked);
  }

  // Where to look: the failing leaves of the whole tree as the API orders them (worst first),
  // each with the channels a link or chip check found and a link to its plot with the
  // reference, so that a shifter does not open every sensor's branch to find them.
  const LOOK_MAX = 10;

  // Since when a leaf has failed: new in this run, or for how many runs since which (a link to
  // its page), worded as the alarms word it.
  function since(streak) {
    const span = el('span', 'dq-since');
    if (!streak || typeof streak.since_run !== 'number') return span;
    if (streak.runs <= 1 && !streak.open) {
      span.classList.add('dq-since-new');
      span.textContent = 'new in this run';
      return span;
    }
    span.append('failing for ' + streak.runs + (streak.open ? '+' : '') + ' runs, since run ');
    const a = el('a', null, streak.since_run);
    a.href = '/run_view/' + encodeURIComponent(streak.since_run) + '/dqs';
    span.append(a, streak.open ? ' or earlier' : '');
    if (typeof streak.since_ms === 'number') span.append(' (started ' + utc(streak.since_ms).slice(0, 16) + ' UTC)');
    return span;
  }

  function lookHere(problems) {
    if (!Array.isArray(problems) || !problems.length) return null;
    const box = el('div', 'dq-look');
    box.append(el('h2', null, 'Where to look'));
    const list = el('ol', 'dq-look-list');
    problems.slice(0, LOOK_MAX).forEach((p) => {
      const li = el('li');
      li.dataset.key = p.key;
      li.append(badge(p.level), ' ', el('span', 'dq-title', p.title));
      if (typeof p.place === 'string') li.append(' · ' + p.place);
      if (p.streak) li.append(' · ', since(p.streak));
      if (p.plot_url) {
        const a = el('a', 'plot-link', 'plot');
        a.href = p.plot_url;
        li.append(' · ', a);
      }
      list.append(li);
    });
    box.append(list);
    if (problems.length > LOOK_MAX) {
      box.append(el('p', 'dq-look-more', 'and ' + (problems.length - LOOK_MAX) + ' more: "Show problems" opens them in the tree below'));
    }
    return box;
  }

  function renderSummary(dq) {
    const box = document.getElementById('dq-summary');
    box.replaceChildren();
    const p = el('p', 'dq-verdict');
    if (dq.status === 'unevaluated') {
      p.append(el('span', 'badge badge-none', 'Not yet evaluated'));
    } else if (dq.status === 'failed') {
      p.append(el('span', 'badge badge-failed', 'Evaluation failed'), ' ', el('span', 'dq-message', dq.message));
    } else {
      p.append(badge(dq.level), ' Score ', el('strong', 'dq-run-score', score(dq.score)));
    }
    box.append(p);
    if (dq.status !== 'unevaluated') {
      const facts = [
        'Evaluated ' + utc(dq.evaluated_at_ms) + ' UTC',
        'reference run ' + (dq.reference_run === null ? 'none' : dq.reference_run),
      ];
      if (dq.run_info && dq.run_info.start_ms) facts.push('run started ' + utc(dq.run_info.start_ms) + ' UTC');
      if (dq.run_info && dq.run_info.magnet_polarity) facts.push('magnet ' + dq.run_info.magnet_polarity);
      box.append(el('p', 'dq-facts', facts.join(' · ')));
    }
    const look = dq.status === 'evaluated' ? lookHere(dq.problems) : null;
    if (look) box.append(look);
  }

  function renderSignoffs(dq) {
    const current = document.getElementById('signoff-current');
    current.replaceChildren();
    if (dq.signoff) {
      const s = dq.signoff;
      const p = el('p', 'signoff signoff-' + s.status.toLowerCase());
      p.append('Currently ', el('strong', null, s.status), ' by ', el('span', 'signoff-author', s.author),
        ' (' + utc(s.signed_at_ms) + ' UTC)');
      if (s.comment) p.append(': ', el('span', 'signoff-comment', s.comment));
      current.append(p);
    } else {
      current.append(el('p', 'notice', 'Not signed off yet.'));
    }
    const body = document.querySelector('#signoff-history tbody');
    body.replaceChildren();
    dq.signoffs.forEach((s) => {
      const tr = el('tr');
      tr.append(el('td', null, utc(s.signed_at_ms)), el('td', null, s.author + ' (' + s.via + ')'),
        el('td', null, s.status), el('td', 'signoff-comment', s.comment));
      body.append(tr);
    });
  }

  function renderEvaluations(dq) {
    const body = document.querySelector('#evaluation-history tbody');
    body.replaceChildren();
    dq.evaluations.forEach((e) => {
      const tr = el('tr');
      tr.append(el('td', null, utc(e.evaluated_at_ms)),
        el('td', null, e.status === 'failed' ? 'failed: ' + (e.message || '') : e.level),
        el('td', null, score(e.score)),
        el('td', null, e.reference_run === null ? 'none' : e.reference_run),
        el('td', 'digest', String(e.config_digest).slice(0, 12)));
      if (e.current) tr.classList.add('current');
      body.append(tr);
    });
  }

  async function load() {
    const res = await fetch('/api/dq/runs/' + encodeURIComponent(run), { cache: 'no-store' });
    if (!res.ok) {
      const box = document.getElementById('dq-summary');
      box.replaceChildren(el('p', 'alert alert-danger', await messageOf(res)));
      return null;
    }
    const dq = await res.json();
    renderSummary(dq);
    renderTree(dq);
    renderSignoffs(dq);
    renderEvaluations(dq);
    return dq;
  }

  // --- sign-off ---------------------------------------------------------------------------
  document.getElementById('signoff-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const form = e.target;
    const msg = document.getElementById('signoff-message');
    msg.className = '';
    msg.textContent = 'Saving…';
    const body = {
      status: form.querySelector('input[name=status]:checked').value,
      comment: form.querySelector('#signoff-comment').value,
    };
    let res;
    try {
      res = await fetch('/api/dq/runs/' + encodeURIComponent(run) + '/signoff', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    } catch (err) {
      msg.className = 'alert alert-danger';
      msg.textContent = 'Not saved: ' + err.message;
      return;
    }
    if (res.status !== 201) {
      msg.className = 'alert alert-danger';
      msg.textContent = 'Not saved: ' + await messageOf(res);
      return;
    }
    msg.className = 'alert alert-success';
    msg.textContent = 'Saved.';
    form.querySelector('#signoff-comment').value = '';
    await load();
    document.dispatchEvent(new CustomEvent('velo:signoff-saved'));
  });

  document.getElementById('dq-worst-first').addEventListener('change', (e) => sortTree(e.target.checked));
  const openAll = (on) => document.querySelectorAll('#dq-tree details').forEach((d) => { d.open = on; });
  document.getElementById('dq-expand').addEventListener('click', () => openAll(true));
  document.getElementById('dq-collapse').addEventListener('click', () => openAll(false));
  // Open the path to every node at WARNING or ERROR.
  document.getElementById('dq-expand-problems').addEventListener('click', () => {
    document.querySelectorAll('#dq-tree details').forEach((d) => {
      d.open = d.dataset.level === 'ERROR' || d.dataset.level === 'WARNING';
    });
  });

  load().then(() => {
    root.classList.add('loaded');
    document.dispatchEvent(new CustomEvent('velo:dq-loaded'));
  });
})();
