// The run selector's suggestions come from the server as the user types (GET /api/runs?q=),
// so that no page embeds the whole run list (50,000 runs made every run-view page 1.9 MB).
'use strict';

(function () {
  const field = document.getElementById('run-field');
  const list = document.getElementById('runs');
  if (!field || !list) return;
  const LIMIT = 20;
  let asked = null;
  let timer = null;

  async function suggest() {
    const q = field.value.trim();
    if (!/^\d*$/.test(q) || q === asked) return;
    asked = q;
    if (q === '') {
      list.replaceChildren();
      return;
    }
    try {
      const res = await fetch('/api/runs?limit=' + LIMIT + '&q=' + encodeURIComponent(q));
      if (!res.ok || field.value.trim() !== q) return;
      const runs = (await res.json()).runs;
      list.replaceChildren(...runs.map((r) => {
        const o = document.createElement('option');
        o.value = String(r);
        return o;
      }));
      list.dataset.query = q;
      document.dispatchEvent(new CustomEvent('velo:runs-suggested'));
    } catch (_) { /* no suggestions this time; typing a number still works */ }
  }

  field.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(suggest, 150);
  });
  field.addEventListener('focus', suggest);
})();
