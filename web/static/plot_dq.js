// The run view's plots with their data-quality verdicts. Once the page has loaded, the run's
// failing leaves (GET /api/dq/runs/{run}/problems, worst first) are matched to the plots by
// histogram path: a plot a check found wrong gets a note under its title (level, the check's
// title, the link or chip it found) and its tab a mark, so a shifter sees where to look on the
// page they are on. Titles are stored text: they go in as text only.
'use strict';

(function () {
  const LABEL = { WARNING: 'Minor problems', ERROR: 'Error' };
  const plots = Array.from(document.querySelectorAll('.run-view-pane .plot[data-path]'));
  if (!plots.length) return;
  const run = plots[0].dataset.run;

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function level(l) {
    return String(l).toLowerCase() === 'error' ? 'error' : 'warning';
  }

  function annotate(problems) {
    const byPath = new Map();
    problems.forEach((p) => {
      if (typeof p.path !== 'string') return;
      if (!byPath.has(p.path)) byPath.set(p.path, []);
      byPath.get(p.path).push(p);
    });
    plots.forEach((plot) => {
      const mine = byPath.get(plot.dataset.path);
      const pane = plot.closest('.run-view-pane');
      if (!mine || !pane) return;
      const worst = level(mine[0].level);
      const note = el('p', 'dq-note dq-note-' + worst);
      note.append(el('strong', null, 'Data quality: '));
      mine.forEach((p, i) => {
        if (i) note.append('; ');
        note.append(el('span', 'badge badge-' + level(p.level), LABEL[p.level] || String(p.level)), ' ',
          el('span', 'dq-note-title', String(p.title)));
        if (typeof p.place === 'string') note.append(' (' + p.place + ')');
        const st = p.streak;
        if (st && typeof st.since_run === 'number') {
          note.append(st.runs <= 1 && !st.open
            ? ', new in this run'
            : ', failing for ' + st.runs + (st.open ? '+' : '') + ' runs, since run ' + st.since_run + (st.open ? ' or earlier' : ''));
        }
      });
      const all = el('a', null, 'all of the run\'s problems');
      all.href = '/run_view/' + encodeURIComponent(run) + '/dqs';
      note.append(' · ', all);
      const title = pane.querySelector('h1');
      if (title) title.after(note); else pane.prepend(note);
      const tab = Array.from(document.querySelectorAll('.run-view-tab a[data-pane]'))
        .find((a) => a.dataset.pane === pane.id);
      if (tab) {
        tab.classList.add('dq-tab-' + worst);
        tab.title = 'Data quality: ' + (LABEL[mine[0].level] || mine[0].level);
      }
    });
  }

  function start() {
    fetch('/api/dq/runs/' + encodeURIComponent(run) + '/problems', { cache: 'no-store' })
      .then((r) => (r.ok ? r.json() : null))
      .then((body) => {
        if (body && Array.isArray(body.problems)) annotate(body.problems);
      })
      .catch(() => { /* the verdicts are extra: the plots stand without them */ })
      .finally(() => { document.documentElement.dataset.dqNotes = 'done'; });
  }

  // After the page's own loads, so that the plots' first draw never waits on this.
  if (document.readyState === 'complete') start();
  else window.addEventListener('load', start);
})();
