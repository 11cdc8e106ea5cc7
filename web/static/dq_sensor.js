// Sensor view and TELL1 view: the sensor selectors, the sensor's levels per check over recent
// runs (one /api/dq/sensors/{sensor} request: a strip of coloured cells, each opening the run's
// DQ page) and trends of its quantities (pedestal, noise, occupancy). Check titles come from
// stored results and are untrusted: they go in as text.
'use strict';

(function () {
  const selectForm = document.querySelector('form.sensor-select');
  if (selectForm) {
    selectForm.addEventListener('change', (e) => {
      if (e.target.value) window.location.href = `${selectForm.dataset.base}/${encodeURIComponent(e.target.value)}`;
    });
  }

  const root = document.getElementById('sensor-dq');
  if (!root || !window.VeloDqPlot) return;
  const { el, trend, fetchJson } = window.VeloDqPlot;
  const sensor = root.dataset.sensor;
  const strip = document.getElementById('sensor-strip');
  const status = document.getElementById('sensor-status');
  const trends = document.getElementById('sensor-trends');
  const form = document.getElementById('sensor-range');
  const q = new URLSearchParams(window.location.search);
  if (q.get('newest')) form.elements.newest.value = q.get('newest');

  function renderStrip(data) {
    const head = el('tr');
    head.append(el('th', null, 'Run'));
    for (const r of data.runs) head.append(el('th', null, r.run));
    const body = el('tbody');
    for (const c of data.checks) {
      const tr = el('tr');
      tr.dataset.check = c.key;
      tr.append(el('th', 'dq-check', c.title));
      for (const r of data.runs) {
        const cell = r.cells[c.key];
        const level = cell ? cell.level : 'none';
        const td = el('td', `dq-cell-${['OK', 'WARNING', 'ERROR'].includes(level) ? level : 'none'}`);
        td.dataset.run = String(r.run);
        td.dataset.level = level;
        const a = el('a');
        a.href = `/run_view/${r.run}/dqs`;
        const what = cell ? `${level}, score ${cell.score.toFixed(1)}` : 'not judged';
        a.title = `Run ${r.run}: ${c.title}: ${what}`;
        a.setAttribute('aria-label', a.title);
        td.append(a);
        tr.append(td);
      }
      body.append(tr);
    }
    const thead = el('thead');
    thead.append(head);
    strip.replaceChildren(thead, body);
  }

  async function drawTrends(data, newest) {
    trends.replaceChildren();
    if (!data.variables.length) {
      trends.append(el('p', 'notice', 'No quantity of this sensor is trended.'));
      return;
    }
    for (const v of data.variables) {
      const section = el('section', 'trend');
      section.dataset.var = v;
      section.append(el('h3', null, v));
      const box = el('div', 'trend-plot');
      section.append(box);
      trends.append(section);
      try {
        const t = await fetchJson(`/api/dq/trend?${new URLSearchParams({ var: v, newest })}`);
        await trend(box, t.points, { title: v, onClick: (run) => { window.location.href = `/run_view/${run}/dqs`; } });
      } catch (e) {
        box.replaceWith(el('div', 'alert alert-danger', `${v}: ${e.message}`));
      }
    }
  }

  async function load() {
    window.veloSensorDrawn = false;
    const newest = form.elements.newest.value.trim() || '30';
    status.textContent = 'Loading…';
    try {
      const data = await fetchJson(`/api/dq/sensors/${encodeURIComponent(sensor)}?${new URLSearchParams({ newest })}`);
      status.textContent = data.checks.length
        ? `${data.checks.length} check(s) over ${data.runs.length} run(s)`
        : 'No check judged this sensor in these runs.';
      renderStrip(data);
      await drawTrends(data, newest);
    } catch (e) {
      status.textContent = e.message;
    }
    window.veloSensorDrawn = true;
    document.dispatchEvent(new CustomEvent('velo:sensor-drawn'));
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const newest = form.elements.newest.value.trim();
    window.history.replaceState(null, '', `${window.location.pathname}?${new URLSearchParams({ newest })}`);
    load();
  });
  load();
})();
