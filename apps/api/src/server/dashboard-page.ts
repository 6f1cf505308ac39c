import { dirname, join } from 'node:path';

/** Static files of the dashboard, served from installed packages (no CDN: hospital networks are air-gapped). */
export const DASHBOARD_ASSETS: Record<string, { path: string; type: string }> = {
  'echarts.js': { path: join(dirname(require.resolve('echarts/package.json')), 'dist/echarts.min.js'), type: 'text/javascript' },
};

/**
 * The dashboard's browser code. Plain ES2020 on the public GraphQL API, so it needs no build step; ECharts draws.
 * Grid view: rows = datasets, columns = scores, one scatter per panel (x = score, y = performance, one mark per
 * model) titled with the coefficient and its bootstrap interval (the layout of the study's Fig. 3). Heat-map view:
 * the coefficients, datasets x scores.
 */
const SCRIPT = String.raw`
const ENDPOINT = document.body.dataset.endpoint;
const SYMBOL = { KENDALL_TAU_B: 'τ', WEIGHTED_TAU: 'τw', SPEARMAN: 'ρ', PEARSON: 'r', GROUPED_TAU: 'τg', GROUPED_WEIGHTED_TAU: 'τgw', REL_TOP1: 'rel@1', REL_TOP3: 'rel@3', REGRET: 'regret' };
const PALETTE = ['#5470c6', '#91cc75', '#fac858', '#ee6666', '#73c0de', '#3ba272', '#fc8452', '#9a60b4', '#ea7ccc', '#2f4554', '#61a0a8', '#d48265'];
const $ = (id) => document.getElementById(id);
let charts = [];
let view = 'grid';

async function api(query, variables) {
  const headers = { 'content-type': 'application/json' };
  const token = $('token').value.trim();
  if (token) headers.authorization = 'Bearer ' + token;
  const response = await fetch(ENDPOINT, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const body = await response.json();
  if (body.errors) throw new Error(body.errors.map((e) => e.message).join('; '));
  return body.data;
}

function status(text, isError) {
  $('status').textContent = text;
  $('status').className = isError ? 'error' : '';
}

const fmt = (v) => (v === null || v === undefined ? 'n/a' : v.toFixed(3));

function label(method, row) {
  let text = (SYMBOL[method] || method) + ' = ' + fmt(row.value);
  if (row.ciLow !== null && row.ciHigh !== null) text += ' [' + fmt(row.ciLow) + ', ' + fmt(row.ciHigh) + ']';
  return text;
}

async function init() {
  $('token').value = localStorage.getItem('transferscope-token') || '';
  try {
    const data = await api('{ studies { name } performanceMeasures }');
    $('studies').innerHTML = data.studies.map((s, i) => '<option' + (i === 0 ? ' selected' : '') + '>' + s.name + '</option>').join('');
    $('performance').innerHTML = data.performanceMeasures.map((m) => '<option' + (m === 'test_balanced_accuracy' ? ' selected' : '') + '>' + m + '</option>').join('');
    await render();
  } catch (error) {
    status(error.message + ' (enter an API token above if this server needs one)', true);
  }
}

async function render() {
  localStorage.setItem('transferscope-token', $('token').value.trim());
  const studies = [...$('studies').selectedOptions].map((o) => o.value);
  const role = $('role').value;
  const method = $('method').value;
  const resamples = Number($('resamples').value);
  const filter = { studies };
  if (role !== 'ALL') filter.datasetRole = role;
  const bootstrap = resamples > 0 ? { resamples, seed: 0 } : null;
  status('Loading…');
  let data;
  try {
    data = await api(
      'query Dashboard($filter: CorrelationFilter, $method: CorrelationMethod!, $performance: String!, $bootstrap: BootstrapInput) {' +
        ' correlations(filter: $filter, method: $method, performance: $performance, bootstrap: $bootstrap) { study dataset metric value ciLow ciHigh n baseline }' +
        ' correlationPairs(filter: $filter, performance: $performance) { study dataset metric model score performance } }',
      { filter, method, performance: $('performance').value, bootstrap },
    );
  } catch (error) {
    status(error.message, true);
    return;
  }
  const several = studies.length > 1;
  const rowKey = (r) => (several ? r.study + ' / ' : '') + r.dataset;
  const datasets = [...new Set(data.correlations.map(rowKey))];
  const metrics = [...new Set(data.correlations.map((r) => r.metric))];
  const models = [...new Set(data.correlationPairs.map((p) => p.model))].sort();
  const color = (model) => PALETTE[models.indexOf(model) % PALETTE.length];
  charts.forEach((c) => c.dispose());
  charts = [];
  status(data.correlations.length + ' correlations over ' + models.length + ' models');
  $('legend').innerHTML = models.map((m) => '<span><i style="background:' + color(m) + '"></i>' + m + '</span>').join('');
  $('grid').hidden = view !== 'grid';
  $('heatmap').hidden = view !== 'heatmap';
  if (view === 'grid') drawGrid(data, datasets, metrics, rowKey, method, color);
  else drawHeatmap(data, datasets, metrics, rowKey, method);
}

function drawGrid(data, datasets, metrics, rowKey, method, color) {
  const grid = $('grid');
  grid.style.gridTemplateColumns = '11em repeat(' + metrics.length + ', minmax(180px, 1fr))';
  grid.innerHTML = '<div></div>' + metrics.map((m) => '<div class="colhead">' + m + '</div>').join('');
  for (const dataset of datasets) {
    grid.insertAdjacentHTML('beforeend', '<div class="rowhead">' + dataset + '</div>');
    for (const metric of metrics) {
      const row = data.correlations.find((r) => rowKey(r) === dataset && r.metric === metric);
      const panel = document.createElement('div');
      panel.className = 'panel';
      if (!row) {
        grid.appendChild(panel);
        continue;
      }
      panel.dataset.dataset = dataset;
      panel.dataset.metric = metric;
      panel.innerHTML = '<div class="tau-label">' + label(method, row) + '</div><div class="chart"></div>';
      grid.appendChild(panel);
      const points = data.correlationPairs.filter((p) => rowKey(p) === dataset && p.metric === metric);
      const chart = echarts.init(panel.querySelector('.chart'), null, { renderer: 'canvas' });
      chart.setOption({
        animation: false,
        grid: { left: 42, right: 8, top: 8, bottom: 24 },
        tooltip: { trigger: 'item', formatter: (p) => p.seriesName + '<br>score ' + p.value[0].toPrecision(4) + '<br>performance ' + p.value[1].toFixed(3) },
        xAxis: { type: 'value', scale: true, splitNumber: 3, axisLabel: { fontSize: 9, hideOverlap: true } },
        yAxis: { type: 'value', scale: true, axisLabel: { fontSize: 9 } },
        series: points.map((p) => ({ type: 'scatter', name: p.model, symbolSize: 8, itemStyle: { color: color(p.model) }, data: [[p.score, p.performance]] })),
      });
      charts.push(chart);
    }
  }
}

function drawHeatmap(data, datasets, metrics, rowKey, method) {
  const el = $('heatmap');
  el.style.height = Math.max(260, 60 * datasets.length + 120) + 'px';
  const cells = data.correlations.filter((r) => r.value !== null).map((r) => [metrics.indexOf(r.metric), datasets.indexOf(rowKey(r)), r.value]);
  el.dataset.cells = String(cells.length);
  const signed = !['REL_TOP1', 'REL_TOP3', 'REGRET'].includes(method);
  const chart = echarts.init(el, null, { renderer: 'canvas' });
  chart.setOption({
    animation: false,
    tooltip: { formatter: (p) => datasets[p.value[1]] + ' / ' + metrics[p.value[0]] + ': ' + fmt(p.value[2]) },
    grid: { left: 160, right: 90, top: 20, bottom: 60 },
    xAxis: { type: 'category', data: metrics, axisLabel: { rotate: 30 } },
    yAxis: { type: 'category', data: datasets, inverse: true },
    visualMap: { min: signed ? -1 : 0, max: 1, calculable: true, orient: 'vertical', right: 10, top: 'center', inRange: { color: signed ? ['#b2182b', '#f7f7f7', '#2166ac'] : ['#f7f7f7', '#2166ac'] } },
    series: [{ type: 'heatmap', data: cells, label: { show: true, formatter: (p) => fmt(p.value[2]) } }],
  });
  charts.push(chart);
}

for (const id of ['studies', 'performance', 'method', 'role', 'resamples']) $(id).addEventListener('change', render);
$('apply').addEventListener('click', render);
for (const button of document.querySelectorAll('[data-view]')) {
  button.addEventListener('click', () => {
    view = button.dataset.view;
    document.querySelectorAll('[data-view]').forEach((b) => b.classList.toggle('active', b === button));
    render();
  });
}
init();
`;

const METHODS = ['KENDALL_TAU_B', 'WEIGHTED_TAU', 'SPEARMAN', 'PEARSON', 'GROUPED_TAU', 'GROUPED_WEIGHTED_TAU', 'REL_TOP1', 'REL_TOP3', 'REGRET'];

export function dashboardPage(endpoint: string, assetsBase: string): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <title>Transferscope dashboard</title>
  <style>
    body { font: 14px system-ui, sans-serif; margin: 0; color: #222; }
    [hidden] { display: none !important; }
    header { display: flex; flex-wrap: wrap; gap: 12px; align-items: end; padding: 12px 16px; background: #f4f5f7; border-bottom: 1px solid #ddd; }
    header label { display: flex; flex-direction: column; font-size: 12px; color: #555; gap: 2px; }
    header h1 { font-size: 18px; margin: 0 16px 0 0; align-self: center; }
    button.active { background: #2166ac; color: white; }
    #status { padding: 6px 16px; color: #555; }
    #status.error { color: #b2182b; }
    #legend { padding: 0 16px 8px; display: flex; flex-wrap: wrap; gap: 10px; font-size: 12px; }
    #legend i { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 4px; }
    #grid { display: grid; gap: 6px; padding: 0 16px 16px; }
    .colhead { font-weight: 600; text-align: center; align-self: end; }
    .rowhead { font-weight: 600; align-self: center; overflow-wrap: anywhere; }
    .panel { border: 1px solid #e3e3e3; border-radius: 4px; background: white; min-height: 40px; }
    .tau-label { font-size: 12px; text-align: center; padding-top: 4px; font-variant-numeric: tabular-nums; }
    .chart { height: 150px; }
    #heatmap { margin: 0 16px 16px; }
  </style>
</head>
<body data-endpoint="${endpoint}">
  <header>
    <h1>Transferscope</h1>
    <label>Studies <select id="studies" multiple size="3"></select></label>
    <label>Performance <select id="performance"></select></label>
    <label>Method <select id="method">${METHODS.map((m) => `<option>${m}</option>`).join('')}</select></label>
    <label>Datasets <select id="role"><option value="ALL">ID + OOD</option><option value="ID">ID only</option><option value="OOD">OOD only</option></select></label>
    <label>Bootstrap resamples <select id="resamples"><option value="0">none</option><option value="200">200</option><option value="1000" selected>1000</option></select></label>
    <label>API token <input id="token" type="password" size="24" placeholder="only if the server needs one" /></label>
    <button id="apply">Apply</button>
    <span><button data-view="grid" class="active">Scatter grid</button> <button data-view="heatmap">Heat-map</button></span>
  </header>
  <div id="status"></div>
  <div id="legend"></div>
  <div id="grid"></div>
  <div id="heatmap" hidden></div>
  <script src="${assetsBase}/echarts.js"></script>
  <script>${SCRIPT}</script>
</body>
</html>`;
}
