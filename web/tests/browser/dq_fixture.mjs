// Data-quality results for the browser tests, in the store's own record format
// (velo_dqstore::NewEvaluation): a top node, top-level branches, one leaf per branch whose
// histogram is a run-view plot of config/pages.toml.

export const NOISE_PATH = 'Vetra/NoiseMon/DecodedADC/TELL1_005/RMSNoise_vs_Strip';
export const HOSTILE = '<img src=x onerror="window.xssRan = 3">&amp;<b>bold</b>';

function node(key, parent, title, score, level, extra = {}) {
  return {
    key, parent, title, sensor: null, check: null, path: null, score, level,
    warnings: level === 'OK' ? 0 : 1, errors: level === 'ERROR' ? 1 : 0, weight: 1, details: {},
    ...extra,
  };
}

const WORST = { OK: 0, WARNING: 1, ERROR: 2 };

export const SENSOR_NOISE_PATH = (sensor) =>
  `Vetra/NoiseMon/DecodedADC/TELL1_${String(sensor).padStart(3, '0')}/RMSNoise_vs_ChipChannel`;

// branches: [{ key, title, score, level }]; the noise branch's leaf judges sensor 5's noise.
// sensors: [{ sensor, level, value }] adds a per-sensor leaf under noise as veloview records one
// (noise.noise_level with a leaf noise.noise_level.TELL1_NNN per sensor, titled
// `${sensorTitle}, sensor N`), trending each sensor's mean_content = value. Every branch's score
// is trended (`<key>.score`), and the run's (`score`).
// leafDetails: more details of each branch's leaf (e.g. where a check found it worst).
export function evaluation(run, { branches, reference = null, at = Date.now(), leafTitle, leafDetails = {}, sensors = [], sensorTitle = 'Mean noise' } = {}) {
  const level = branches.map((b) => b.level).reduce((a, b) => (WORST[b] > WORST[a] ? b : a), 'OK');
  const score = branches.reduce((s, b) => s + b.score, 0) / branches.length;
  const nodes = [node('', null, 'VELO', score, level)];
  for (const b of branches) {
    nodes.push(node(b.key, '', b.title, b.score, b.level));
    nodes.push(node(`${b.key}.sensor_005`, b.key, leafTitle || `${b.title} of sensor 5`, b.score, b.level, {
      sensor: 5,
      check: 'mean_width_diff_ref',
      path: b.key === 'noise' ? NOISE_PATH : 'Vetra/VeloPedestalSubtractorMoni/TELL1_005/Pedestal_Bank',
      details: {
        args: 0.1,
        measured: { mean: 2.51, rms: 0.72 },
        thresholds: { warning: 80, error: 50 },
        bad_channels: [{ bin: 12, x: 11.5, content: 0, reason: 'dead' }],
        ...leafDetails,
      },
    }));
  }
  const trends = [['score', score], ...branches.map((b) => [`${b.key}.score`, b.score])];
  if (sensors.length) {
    nodes.push(node('noise.noise_level', 'noise', sensorTitle, 100, 'OK'));
    for (const s of sensors) {
      const key = `noise.noise_level.TELL1_${String(s.sensor).padStart(3, '0')}`;
      nodes.push(node(key, 'noise.noise_level', `${sensorTitle}, sensor ${s.sensor}`, s.level === 'OK' ? 100 : 30, s.level, {
        sensor: s.sensor, check: 'mean_ac', path: SENSOR_NOISE_PATH(s.sensor), details: { measured: { value: s.value } },
      }));
      trends.push([`${key}.mean_content`, s.value], [`${key}.score`, s.level === 'OK' ? 100 : 30]);
    }
  }
  return {
    run, file_path: `/data/${run}.root`, file_size: 1, file_mtime_ns: 1, config_digest: 'abcdef0123456789',
    reference_run: reference, evaluated_at_ms: at,
    outcome: { status: 'evaluated', score, level, nodes, trends },
  };
}

export function failed(run, message, at = Date.now()) {
  return {
    run, file_path: `/data/${run}.root`, file_size: 1, file_mtime_ns: 1, config_digest: 'abcdef0123456789',
    reference_run: null, evaluated_at_ms: at, outcome: { status: 'failed', message },
  };
}

export const branches = (pedestals, noise) => [
  { key: 'pedestals', title: 'Pedestals', score: pedestals[0], level: pedestals[1] },
  { key: 'noise', title: 'Noise', score: noise[0], level: noise[1] },
];
