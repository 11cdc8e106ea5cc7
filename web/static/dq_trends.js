// VELO view trends: pick variables from /api/dq/variables (search box, several at once), a run
// range (first/last or the newest N) and the x axis; one JSROOT plot per variable from
// /api/dq/trend, with CSV and JSON links of exactly what is drawn. The selection is the URL's
// query (var=…&var=…&first=&last=&newest=&x=), kept in history, so a trend can be shared.
'use strict';

(function () {
  const form = document.getElementById('trend-form');
  if (!form || !window.VeloDqPlot) return;
  const { el, trend, fetchJson } = window.VeloDqPlot;
  const search = document.getElementById('trend-search');
  const choices = document.getElementById('trend-choices');
  const selectedList = document.getElementById('trend-selected');
  const more = document.getElementById('trend-more');
  const status = document.getElementById('trend-status');
  const plots = document.getElementById('trend-plots');
  const group = JSON.parse(form.dataset.group || '[]');
  const MAX_CHOICES = 100;
  const DEFAULT_NEWEST = '100';

  let variables = [];
  let selected = [];

  function fromUrl() {
    const q = new URLSearchParams(window.location.search);
    const vars = q.getAll('var').filter((v) => v);
    const range = ['first', 'last', 'newest'].some((k) => q.get(k));
    return {
      vars: vars.length || q.has('var') ? vars : group.filter((v) => variables.includes(v)),
      first: q.get('first') || '',
      last: q.get('last') || '',
      newest: range ? q.get('newest') || '' : DEFAULT_NEWEST,
      x: q.get('x') === 'time' ? 'time' : 'run',
    };
  }

  function rangeQuery(s) {
    const q = new URLSearchParams();
    for (const k of ['first', 'last', 'newest']) if (s[k]) q.set(k, s[k]);
    return q;
  }

  function toUrl(s) {
    const q = new URLSearchParams();
    for (const v of s.vars) q.append('var', v);
    for (const [k, v] of rangeQuery(s)) q.set(k, v);
    if (s.x === 'time') q.set('x', 'time');
    return `${window.location.pathname}?${q}`;
  }

  function fill(s) {
    selected = s.vars.slice();
    form.elements.first.value = s.first;
    form.elements.last.value = s.last;
    form.elements.newest.value = s.newest;
    form.elements.x.value = s.x;
    renderSelected();
    renderChoices();
  }

  function current() {
    return {
      vars: selected.slice(),
      first: form.elements.first.value.trim(),
      last: form.elements.last.value.trim(),
      newest: form.elements.newest.value.trim(),
      x: form.elements.x.value,
    };
  }

  function renderSelected() {
    selectedList.replaceChildren(...selected.map((v) => {
      const li = el('li', 'trend-chip');
      li.dataset.var = v;
      const remove = el('button', 'trend-remove', '×');
      remove.type = 'button';
      remove.setAttribute('aria-label', `Remove ${v}`);
      remove.addEventListener('click', () => {
        selected = selected.filter((x) => x !== v);
        renderSelected();
        renderChoices();
      });
      li.append(el('span', null, v), remove);
      return li;
    }));
  }

  // Every word of the search must appear in the name (case-insensitive).
  function renderChoices() {
    const words = search.value.toLowerCase().split(/\s+/).filter((w) => w);
    const matches = variables.filter((v) => words.every((w) => v.toLowerCase().includes(w)));
    choices.replaceChildren(...matches.slice(0, MAX_CHOICES).map((v) => {
      const li = el('li');
      const label = el('label');
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.value = v;
      box.checked = selected.includes(v);
      box.addEventListener('change', () => {
        selected = box.checked ? selected.concat([v]) : selected.filter((x) => x !== v);
        renderSelected();
      });
      label.append(box, ' ', v);
      li.append(label);
      return li;
    }));
    more.textContent = matches.length > MAX_CHOICES
      ? `${matches.length - MAX_CHOICES} more match: refine the search`
      : (matches.length ? '' : 'No variable matches');
  }

  function links(v, s) {
    const q = rangeQuery(s);
    q.set('var', v);
    const json = el('a', 'trend-json', 'JSON');
    json.href = `/api/dq/trend?${q}`;
    q.set('format', 'csv');
    const csv = el('a', 'trend-csv', 'CSV');
    csv.href = `/api/dq/trend?${q}`;
    const p = el('p', 'trend-downloads', 'Download: ');
    p.append(csv, ' · ', json);
    return p;
  }

  function changeList(marks, shown) {
    if (!marks.length) return null;
    const ul = el('ul', 'trend-changes');
    for (const c of marks) {
      const run = shown[c.index].run;
      ul.append(el('li', `trend-change trend-change-${c.kind}`,
        c.kind === 'polarity'
          ? `Run ${run}: magnet polarity ${c.from} → ${c.to}`
          : `Run ${run}: reference run ${c.from} → ${c.to}`));
    }
    return ul;
  }

  // `velo:trends-drawn` (and window.veloTrendDrawMs) tell tests and timings when all are in.
  function done(started) {
    window.veloTrendDrawMs = performance.now() - started;
    document.dispatchEvent(new CustomEvent('velo:trends-drawn'));
  }

  async function draw(s) {
    const started = performance.now();
    plots.replaceChildren();
    if (!s.vars.length) {
      status.textContent = 'Choose one or more variables.';
      done(started);
      return;
    }
    status.textContent = 'Loading…';
    const q = rangeQuery(s);
    let failures = 0;
    for (const v of s.vars) {
      const section = el('section', 'trend');
      section.dataset.var = v;
      section.append(el('h2', null, v));
      const box = el('div', 'trend-plot');
      section.append(box);
      plots.append(section);
      try {
        q.set('var', v);
        const data = await fetchJson(`/api/dq/trend?${q}`);
        if (!data.points.length) {
          box.replaceWith(el('p', 'notice', 'No value of this variable in these runs.'));
          continue;
        }
        const r = await trend(box, data.points, {
          title: v,
          x: s.x,
          onClick: (run) => { window.location.href = `/run_view/${run}/dqs`; },
        });
        const note = [];
        if (r.left) note.push(`${r.left} run(s) without a start time left out of the time axis`);
        if (note.length) section.append(el('p', 'notice', note.join('; ')));
        const changes = changeList(r.marks, r.shown);
        if (changes) section.append(changes);
        section.append(links(v, s));
      } catch (e) {
        failures++;
        box.replaceWith(el('div', 'alert alert-danger', `${v}: ${e.message}`));
      }
    }
    status.textContent = failures ? `${failures} of ${s.vars.length} trend(s) could not be drawn.` : '';
    done(started);
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const s = current();
    window.history.pushState(null, '', toUrl(s));
    draw(s);
  });
  search.addEventListener('input', renderChoices);
  window.addEventListener('popstate', () => {
    const s = fromUrl();
    fill(s);
    draw(s);
  });

  (async () => {
    try {
      variables = (await fetchJson('/api/dq/variables')).variables;
    } catch (e) {
      status.textContent = `The variables could not be loaded: ${e.message}`;
      return;
    }
    const s = fromUrl();
    fill(s);
    await draw(s);
  })();
})();
