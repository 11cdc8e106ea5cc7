// VELO view detailed trends: a per-sensor quantity (`<leaf>.<quantity>`, from the variables
// `<leaf>.TELL1_NNN.<quantity>`) as a run × sensor heat map from one /api/dq/heatmap request,
// drawn with JSROOT; a cell opens that run's run view of that sensor, where the leaf's
// histogram is drawn with its reference (as the DQ page's leaf links). The selection is the
// URL's query (var=&first=&last=&newest=).
'use strict';

(function () {
  const form = document.getElementById('heatmap-form');
  if (!form || !window.VeloDqPlot) return;
  const { heatmap, fetchJson, el } = window.VeloDqPlot;
  const select = document.getElementById('heatmap-var');
  const status = document.getElementById('heatmap-status');
  const box = document.getElementById('heatmap');
  const json = document.getElementById('heatmap-json');
  const PREFERRED = 'noise.noise_level.mean_content';
  const DEFAULT_NEWEST = '50';

  // `<leaf>.TELL1_NNN.<quantity>` → `<leaf>.<quantity>`, each once, sorted.
  function quantities(vars) {
    const out = new Set();
    for (const v of vars) {
      const m = /^(.*)\.TELL1_\d+\.([^.]+)$/.exec(v);
      if (m) out.add(`${m[1]}.${m[2]}`);
    }
    return Array.from(out).sort();
  }

  function fromUrl(choices) {
    const q = new URLSearchParams(window.location.search);
    const range = ['first', 'last', 'newest'].some((k) => q.get(k));
    const fallback = choices.includes(PREFERRED) ? PREFERRED : choices[0] || '';
    return {
      var: q.get('var') || fallback,
      first: q.get('first') || '',
      last: q.get('last') || '',
      newest: range ? q.get('newest') || '' : DEFAULT_NEWEST,
    };
  }

  function query(s) {
    const q = new URLSearchParams();
    q.set('var', s.var);
    for (const k of ['first', 'last', 'newest']) if (s[k]) q.set(k, s[k]);
    return q;
  }

  function done() {
    window.veloHeatmapDrawn = true;
    document.dispatchEvent(new CustomEvent('velo:heatmap-drawn'));
  }

  async function draw(s) {
    window.veloHeatmapDrawn = false;
    box.replaceChildren();
    if (!s.var) {
      status.textContent = 'No per-sensor quantity is trended yet.';
      done();
      return;
    }
    status.textContent = 'Loading…';
    const api = `/api/dq/heatmap?${query(s)}`;
    json.href = api;
    try {
      const m = await fetchJson(api);
      if (!m.runs.length || !m.sensors.length) {
        status.textContent = 'No value of this quantity in these runs.';
        done();
        return;
      }
      await heatmap(box, m, {
        title: s.var,
        onClick: (run, sensor) => {
          const place = m.plots[String(sensor)];
          window.location.href = place
            ? `/run_view/${run}/${encodeURIComponent(place.page)}/${sensor}#/${encodeURIComponent(place.tab)}`
            : `/run_view/${run}/dqs`;
        },
      });
      box.dataset.runs = String(m.runs.length);
      box.dataset.sensors = String(m.sensors.length);
      status.textContent = `${m.runs.length} run(s) × ${m.sensors.length} sensor(s)`;
    } catch (e) {
      status.textContent = '';
      box.replaceChildren(el('div', 'alert alert-danger', e.message));
    }
    done();
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const s = {
      var: select.value,
      first: form.elements.first.value.trim(),
      last: form.elements.last.value.trim(),
      newest: form.elements.newest.value.trim(),
    };
    window.history.pushState(null, '', `${window.location.pathname}?${query(s)}`);
    draw(s);
  });

  let choices = [];
  function fill(s) {
    select.value = s.var;
    form.elements.first.value = s.first;
    form.elements.last.value = s.last;
    form.elements.newest.value = s.newest;
  }
  window.addEventListener('popstate', () => {
    const s = fromUrl(choices);
    fill(s);
    draw(s);
  });

  (async () => {
    try {
      choices = quantities((await fetchJson('/api/dq/variables')).variables);
    } catch (e) {
      status.textContent = `The variables could not be loaded: ${e.message}`;
      done();
      return;
    }
    const s = fromUrl(choices);
    // A quantity from a shared link that is not (or no longer) trended is still offered.
    const names = choices.includes(s.var) || !s.var ? choices : choices.concat([s.var]);
    select.replaceChildren(...names.map((v) => {
      const o = el('option', null, v);
      o.value = v;
      return o;
    }));
    fill(s);
    await draw(s);
  })();
})();
