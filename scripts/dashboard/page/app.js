// The dashboard page: polls /api/dashboard and renders one panel per section of the API. A new panel
// is one more renderer in RENDERERS under its section's id (scripts/dashboard/sections.ts).
/* global Chart */

const REFRESH_MS = 5_000;
const MODES = ['normal', 'cache_aggressive', 'cost_saving', 'emergency', 'cap'];
// Dark-to-light and dashed-to-solid, so each series still reads in greyscale.
const INK = { spend: '#0b3d91', forecast: '#b35900', baseline: '#4d4d4d', bound: '#8a1c1c', bar: '#2f5f8a' };
const LADDER_DASH = { cache_aggressive: [2, 3], cost_saving: [6, 3], emergency: [10, 3, 2, 3], cap: [] };

const charts = new Map();

/**
 * Diagonal hatching for the estimated part of a bar: a texture, not a hue, so it still reads apart
 * from the priced part in greyscale and for colour-blind readers.
 */
const hatch = (() => {
  let pattern;
  return () => {
    if (pattern !== undefined) return pattern;
    const tile = document.createElement('canvas');
    tile.width = 8;
    tile.height = 8;
    const pen = tile.getContext('2d');
    pen.fillStyle = '#ffffff';
    pen.fillRect(0, 0, 8, 8);
    pen.strokeStyle = INK.bound;
    pen.lineWidth = 2;
    pen.beginPath();
    pen.moveTo(0, 8);
    pen.lineTo(8, 0);
    pen.moveTo(-2, 2);
    pen.lineTo(2, -2);
    pen.moveTo(6, 10);
    pen.lineTo(10, 6);
    pen.stroke();
    pattern = pen.createPattern(tile, 'repeat');
    return pattern;
  };
})();

/** Element builder: text goes in as text nodes, never as HTML. */
const el = (tag, attributes = {}, children = []) => {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'text') node.textContent = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) node.append(child);
  return node;
};

const hhmm = (minute) =>
  `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
const dollars = (nano) => nano / 1e9;
const moneyTick = (value) => `$${Number(value).toLocaleString('en-US', { maximumFractionDigits: 2 })}`;

/** A table with a caption; cells given as numbers are right-aligned. */
const table = (caption, headers, rows, id) =>
  el('table', id === undefined ? {} : { id }, [
    el('caption', { text: caption }),
    el('thead', {}, [
      el(
        'tr',
        {},
        headers.map((h) => el('th', { scope: 'col', text: h })),
      ),
    ]),
    el(
      'tbody',
      {},
      rows.map((row) =>
        el(
          'tr',
          {},
          row.map((cell) =>
            el('td', typeof cell === 'number' ? { class: 'num', text: String(cell) } : { text: cell ?? '' }),
          ),
        ),
      ),
    ),
  ]);

/** One section element per API section, created once and refilled on every refresh. */
const sectionElement = (id, title) => {
  let section = document.getElementById(`section-${id}`);
  if (section === null) {
    section = el('section', { id: `section-${id}`, 'aria-labelledby': `section-${id}-title` });
    document.getElementById('sections').append(section);
  }
  const body = el('div', { class: 'section-body' });
  const heading = el('h2', { id: `section-${id}-title`, text: title });
  return { section, heading, body };
};

/**
 * A chart that survives refreshes: the canvas is created once, its data replaced each time, with no
 * animation (a refresh should not move what is being read).
 */
const chart = (id, label, config, tall = false) => {
  let entry = charts.get(id);
  if (entry === undefined) {
    const canvas = el('canvas', { id, role: 'img', 'aria-label': label });
    const holder = el('div', { class: tall ? 'chart tall' : 'chart' }, [canvas]);
    entry = { holder, instance: new Chart(canvas, config) };
    charts.set(id, entry);
  } else {
    entry.instance.data = config.data;
    entry.instance.options = config.options;
    entry.instance.update('none');
    entry.holder.querySelector('canvas').setAttribute('aria-label', label);
  }
  return entry.holder;
};

const minuteAxis = (title) => ({
  type: 'linear',
  min: 0,
  max: 1440,
  title: { display: true, text: title },
  ticks: { stepSize: 120, callback: (value) => hhmm(Number(value)) },
});

const baseOptions = (extra = {}) => ({
  animation: false,
  responsive: true,
  maintainAspectRatio: false,
  interaction: { mode: 'nearest', intersect: false },
  plugins: { legend: { labels: { usePointStyle: true } } },
  ...extra,
});

const renderSpendChart = (spend) => {
  const line = (points) => points.map((p) => ({ x: p.minute, y: dollars(p.amount.nano) }));
  const ladder = spend.ladder.map((rung) => ({
    label: `${rung.percent}% ${rung.mode} (${rung.amount.usd})`,
    data: [
      { x: 0, y: dollars(rung.amount.nano) },
      { x: 1440, y: dollars(rung.amount.nano) },
    ],
    borderColor: rung.mode === 'cap' ? INK.bound : INK.baseline,
    borderDash: LADDER_DASH[rung.mode],
    borderWidth: rung.mode === 'cap' ? 2 : 1,
    pointRadius: 0,
    pointStyle: 'line',
  }));
  const forecast = {
    label: `forecast to end of day (${spend.forecast.end_of_day.usd})`,
    data: [
      { x: spend.forecast.from_minute, y: dollars(spend.forecast.spent.nano) },
      { x: 1440, y: dollars(spend.forecast.end_of_day.nano) },
    ],
    borderColor: INK.forecast,
    borderDash: [4, 4],
    borderWidth: 2,
    pointStyle: 'triangle',
    pointRadius: 4,
  };
  const spent = {
    label: `cumulative spend (${spend.total.usd})`,
    data: line(spend.cumulative),
    borderColor: INK.spend,
    backgroundColor: 'rgba(11, 61, 145, 0.12)',
    fill: 'origin',
    borderWidth: 3,
    pointRadius: 0,
    pointStyle: 'circle',
  };
  return chart(
    'chart-spend',
    `Cumulative spend ${spend.total.usd} of the ${spend.budget.usd} budget; forecast ${spend.forecast.end_of_day.usd} at the end of the day`,
    {
      type: 'line',
      data: { datasets: [spent, forecast, ...ladder] },
      options: baseOptions({
        scales: {
          x: minuteAxis('UTC time of day (event time)'),
          y: { beginAtZero: true, title: { display: true, text: 'USD' }, ticks: { callback: moneyTick } },
        },
      }),
    },
    true,
  );
};

const renderSummary = (spend) => {
  document.getElementById('summary-title').textContent = `${spend.day} at a glance`;
  document.getElementById('total').textContent = spend.total.usd;
  document.getElementById('estimated-note').textContent = `of which ${spend.estimated.usd} estimated`;
  document.getElementById('budget').textContent = `${spend.budget.usd} (${spend.spent_pct}% spent)`;
  document.getElementById('forecast').textContent =
    `${spend.forecast.end_of_day.usd} (${spend.forecast.pct}%)`;
};

/** A row's cost as two stacked bars: the part priced from the catalog and the estimated part, hatched. */
const breakdown = (id, title, rows, dimension) => {
  const described = rows.map(
    (r) => `${r.key} ${r.cost.usd}${r.estimated.nano > 0 ? ` (${r.estimated.usd} estimated)` : ''}`,
  );
  const holder = chart(`chart-${id}`, `${title}: ${described.join(', ')}`, {
    type: 'bar',
    data: {
      labels: rows.map((r) => r.key),
      datasets: [
        {
          label: 'priced from the catalog',
          data: rows.map((r) => dollars(r.cost.nano - r.estimated.nano)),
          backgroundColor: INK.bar,
        },
        {
          label: 'estimated (ceiling price: model or region not in the catalog)',
          data: rows.map((r) => dollars(r.estimated.nano)),
          backgroundColor: hatch(),
          borderColor: INK.bound,
          borderWidth: 1,
        },
      ],
    },
    options: baseOptions({
      indexAxis: 'y',
      plugins: { legend: { display: rows.some((r) => r.estimated.nano > 0), position: 'bottom' } },
      scales: {
        x: { stacked: true, beginAtZero: true, ticks: { callback: moneyTick } },
        y: { stacked: true },
      },
    }),
  });
  return el('div', {}, [
    el('h3', { text: title }),
    el('div', { class: 'panel-row' }, [
      holder,
      table(
        title,
        [dimension, 'cost', 'estimated', 'share', 'events'],
        rows.map((r) => [
          r.key,
          r.cost.usd,
          r.estimated.nano > 0 ? r.estimated.usd : '-',
          r.share_pct === null ? '-' : `${r.share_pct}%`,
          r.events,
        ]),
        `${id}-table`,
      ),
    ]),
  ]);
};

const velocity = (spend) => {
  const { points, factor } = spend.velocity;
  const series = (label, pick, style) => ({
    label,
    data: points.map((p) => ({ x: p.minute, y: dollars(pick(p).nano) })),
    pointRadius: 0,
    borderWidth: 2,
    ...style,
  });
  const last = points.at(-1);
  const holder = chart(
    'chart-velocity',
    last === undefined
      ? 'No 15-minute spend yet'
      : `15-minute spend ${last.spend.usd} at ${last.label}; baseline ${last.baseline.usd}, spike above ${last.bound.usd}`,
    {
      type: 'line',
      data: {
        datasets: [
          series('rolling 15-minute spend', (p) => p.spend, { borderColor: INK.spend, pointStyle: 'circle' }),
          series('baseline', (p) => p.baseline, {
            borderColor: INK.baseline,
            borderDash: [6, 3],
            pointStyle: 'line',
          }),
          series(`spike bound (${factor}x baseline)`, (p) => p.bound, {
            borderColor: INK.bound,
            borderDash: [2, 2],
            pointStyle: 'line',
          }),
        ],
      },
      options: baseOptions({
        scales: {
          x: minuteAxis('UTC time of day'),
          y: { beginAtZero: true, ticks: { callback: moneyTick } },
        },
      }),
    },
  );
  return el('div', {}, [
    el('h3', { text: '15-minute velocity against its baseline' }),
    holder,
    el('details', {}, [
      el('summary', { text: 'Velocity by 15 minutes, as a table' }),
      el('div', { class: 'scroll' }, [
        table(
          'Rolling 15-minute spend',
          ['bucket', 'spend', 'baseline', 'spike above', 'baseline from'],
          points.map((p) => [p.label, p.spend.usd, p.baseline.usd, p.bound.usd, p.source]),
        ),
      ]),
    ]),
  ]);
};

const renderSpend = (spend) => {
  renderSummary(spend);
  const f = spend.forecast;
  return [
    el('p', {
      text: `${spend.total.usd} over ${spend.events} events, of which ${spend.estimated.usd} estimated at a ceiling price; budget ${spend.budget.usd} (from ${spend.budget_source}); events up to ${spend.stream_time.slice(11, 19)} UTC.`,
    }),
    el('h3', { text: 'Cumulative spend against the budget' }),
    el('div', { class: 'panel-row' }, [
      renderSpendChart(spend),
      table(
        'Ladder and forecast',
        ['line', 'amount'],
        [
          ...spend.ladder.map((r) => [`${r.percent}% (${r.mode})`, r.amount.usd]),
          [`forecast from ${hhmm(f.from_minute)} at ${f.last_15_minutes.usd} per 15 min`, f.end_of_day.usd],
        ],
        'ladder-table',
      ),
    ]),
    breakdown('intent', 'Spend by intent', spend.by_intent, 'intent'),
    breakdown('model', 'Spend by model', spend.by_model, 'model'),
    velocity(spend),
  ];
};

const renderBreaker = (breaker) => {
  // A past day is judged by the mode it ended in; the mode now may be a later day's.
  const shown = breaker.is_current_day ? breaker.mode : breaker.end_mode;
  const mode = document.getElementById('mode');
  mode.textContent = shown;
  mode.className = `mode-${shown}`;
  document.getElementById('mode-label').textContent = breaker.is_current_day
    ? 'Mode now'
    : `Mode at the end of ${breaker.day}`;
  document.getElementById('mode-now').textContent = breaker.is_current_day ? '' : `now ${breaker.mode}`;
  const steps = [{ x: 0, y: MODES.indexOf(breaker.start_mode) }];
  for (const t of breaker.transitions) steps.push({ x: t.minute, y: MODES.indexOf(t.to_mode) });
  steps.push({ x: 1440, y: steps.at(-1).y });
  const holder = chart(
    'chart-modes',
    `Mode timeline: ${[breaker.start_mode, ...breaker.transitions.map((t) => t.to_mode)].join(', then ')}`,
    {
      type: 'line',
      data: {
        datasets: [
          {
            label: 'breaker mode',
            data: steps,
            stepped: 'before',
            borderColor: INK.spend,
            borderWidth: 3,
            pointRadius: steps.map((_, i) => (i === 0 || i === steps.length - 1 ? 0 : 5)),
            pointStyle: 'rectRot',
          },
        ],
      },
      options: baseOptions({
        plugins: { legend: { display: false } },
        scales: {
          x: minuteAxis('UTC time of day (event time of the trigger)'),
          y: { min: 0, max: MODES.length - 1, ticks: { stepSize: 1, callback: (v) => MODES[v] ?? '' } },
        },
      }),
    },
  );
  return [
    el('p', {
      text: breaker.is_current_day
        ? `Now ${breaker.mode}; the day began in ${breaker.start_mode}.`
        : `The day began in ${breaker.start_mode} and ended in ${breaker.end_mode} (by the ledger); the breaker is in ${breaker.mode} now.`,
    }),
    holder,
    table(
      'Transitions',
      ['event time', 'recorded at', 'from', 'to', 'trigger', 'by', 'reason'],
      breaker.transitions.map((t) => [
        t.event_time.slice(11, 19),
        t.recorded_at.slice(0, 19).replace('T', ' '),
        t.from_mode,
        t.to_mode,
        t.trigger,
        t.actor,
        t.reason,
      ]),
      'transitions-table',
    ),
  ];
};

const renderFlags = (flags) => [
  el('p', {
    text: `State v${flags.state_version}; SSM ${flags.in_sync ? 'in sync with the state' : 'NOT in sync yet'}.`,
  }),
  table(
    'Published flags',
    ['flag', 'value', 'set at', 'set by', 'why'],
    flags.flags.map((f) => [f.name, f.value, f.set_at ?? '-', f.set_by_execution ?? '-', f.reason ?? '-']),
    'flags-table',
  ),
  ...(flags.override === null
    ? []
    : [
        el('p', {
          text: `Override by ${flags.override.requested_by} until ${flags.override.expires_at}: ${flags.override.reason}`,
        }),
      ]),
];

const unpricedPanel = (unpriced) =>
  el('div', { class: 'unpriced', id: 'unpriced-alerts' }, [
    el('h3', {
      text: `Not in the price catalog: ${unpriced.length} model(s) or region(s) counted at a ceiling`,
    }),
    table(
      'unpriced_model alerts of the day',
      ['model or region', 'events when alerted', 'estimated when alerted', 'first event'],
      unpriced.map((u) => [
        u.subject,
        u.events === null ? '-' : u.events,
        u.estimate.usd,
        u.first_event_time.slice(11, 19),
      ]),
      'unpriced-table',
    ),
    el('p', {
      class: 'note',
      text: "Later events of the same model that day do not alert again: Spend by model shows the day's estimate.",
    }),
  ]);

const renderAlerts = (alerts) =>
  alerts.available
    ? [
        ...(alerts.unpriced.length === 0 ? [] : [unpricedPanel(alerts.unpriced)]),
        el('div', { class: 'scroll' }, [
          table(
            `${alerts.alerts.length} alerts of the day, newest first`,
            ['published at', 'severity', 'check', 'subject'],
            alerts.alerts.map((a) => [
              a.published_at.slice(0, 19).replace('T', ' '),
              a.severity,
              a.check,
              a.subject,
            ]),
            'alerts-table',
          ),
        ]),
        el('p', {
          class: 'note',
          text: `Filed under the day of the event time that tripped them; ${alerts.other_days} alerts of other days not shown.`,
        }),
      ]
    : [el('p', { class: 'note', text: alerts.note })];

const renderAudit = (audit) => [
  el('div', { class: 'scroll' }, [
    table(
      `${audit.entries.length} ledger entries of the day, newest first`,
      ['recorded at', 'kind', 'mode', 'actor', 'trigger', 'reason'],
      audit.entries.map((e) => [
        e.recorded_at.slice(0, 19).replace('T', ' '),
        e.kind,
        e.from_mode === undefined
          ? ''
          : e.from_mode === e.to_mode
            ? `(${e.from_mode})`
            : `${e.from_mode} → ${e.to_mode}`,
        e.actor,
        e.trigger === undefined ? '' : `${e.trigger.check} ${e.trigger.value}/${e.trigger.threshold}`,
        e.reason,
      ]),
      'audit-table',
    ),
  ]),
];

/** What a panel says when it has nothing to show: a sentence, findable by its id. */
const emptyState = (id, text) => el('p', { class: 'empty', id, text });

const time = (iso) => iso.slice(11, 19);

const renderEnforcement = (enforcement) => [
  el('p', { class: enforcement.refusing ? 'state refusing' : 'state', id: 'enforcement-state' }, [
    el('strong', { text: enforcement.refusing ? 'Calls refused' : 'Calls not refused' }),
    // Flags and IAM keep no history: this is now, whatever day the page shows.
    ` now (allow_listed_only ${enforcement.refusing ? 'on' : 'off'})`,
  ]),
  el('h3', { text: 'IAM deny on the listed roles' }),
  enforcement.configured
    ? table(
        `${enforcement.policy_name}: ${enforcement.in_sync ? 'matches the flag' : 'does NOT match the flag'}`,
        ['role', 'deny attached'],
        enforcement.roles.map((r) => [r.role, r.denied ? 'yes, denied' : 'no']),
        'enforcement-table',
      )
    : emptyState('enforcement-empty', 'not configured: no role listed (capEnforcementRoles)'),
  el('p', { class: 'note', text: enforcement.note }),
];

const renderIncidents = (incidents) =>
  incidents.incidents.length === 0
    ? [emptyState('incidents-empty', incidents.empty_note)]
    : [
        el('p', { text: `${incidents.incidents.length} incidents, ${incidents.open} open.` }),
        el('div', { class: 'scroll' }, [
          table(
            `Incidents of ${incidents.day}, oldest opened first`,
            [
              'check',
              'subject',
              'state',
              'severity',
              'opened',
              'messages',
              'last message',
              'calls',
              'sessions',
              'spend',
              'largest',
              'pending',
            ],
            incidents.incidents.map((i) => [
              i.check,
              i.subject,
              i.state,
              i.severity,
              time(i.opened_at),
              i.messages,
              i.last_message,
              i.calls,
              i.sessions,
              i.spend.usd,
              i.largest,
              i.pending_calls,
            ]),
            'incidents-table',
          ),
        ]),
      ];

const modeText = (from, to) => (from === null ? '' : from === to ? `(${from})` : `${from} → ${to}`);

const renderShadow = (shadow) => {
  if (shadow.policies.length === 0) return [emptyState('shadow-empty', shadow.empty_note)];
  const summary = (name, s) => [
    name,
    s.entries,
    s.mode_changes,
    s.first_change_at === null ? 'never' : time(s.first_change_at),
    s.highest_mode,
  ];
  return [
    table(
      `Would-be transitions on ${shadow.day}, beside the live ones`,
      ['policy', 'entries', 'mode changes', 'first change', 'highest mode'],
      [summary('live', shadow.live), ...shadow.policies.map((p) => summary(`shadow:${p.name}`, p))],
      'shadow-policies-table',
    ),
    el('h3', { text: 'In event time' }),
    shadow.rows.length === 0
      ? emptyState('shadow-rows-empty', 'no live or would-be transitions on this day')
      : el('div', { class: 'scroll' }, [
          table(
            'Live and shadow transitions',
            ['event time', 'policy', 'mode', 'check', 'value/threshold'],
            shadow.rows.map((r) => [
              time(r.event_time),
              r.policy,
              modeText(r.from_mode, r.to_mode),
              r.check,
              r.value,
            ]),
            'shadow-table',
          ),
        ]),
  ];
};

const renderReconciliation = (reconciliation) => {
  if (reconciliation.state !== 'rows') return [emptyState('reconciliation-empty', reconciliation.note)];
  return [
    el('p', {
      text: `${reconciliation.drifting} drifting model-hour(s) of ${reconciliation.rows.length}; dark spend ${reconciliation.dark_spend.usd}. Read-only: drifts are raised by the hourly function (or ccb reconcile locally).`,
    }),
    el('div', { class: 'scroll' }, [
      table(
        'Counted against AWS/Bedrock, per UTC hour and model',
        [
          'hour',
          'model',
          'counted in',
          'provider in',
          'counted out',
          'provider out',
          'drift',
          'status',
          'dark spend',
        ],
        reconciliation.rows.map((r) => [
          r.hour,
          r.model,
          r.counted_input_tokens,
          r.provider_input_tokens,
          r.counted_output_tokens,
          r.provider_output_tokens,
          `${r.drift_pct}%`,
          r.status === 'drift' ? 'DRIFT' : r.status,
          r.dark_spend === null ? '-' : r.dark_spend.usd,
        ]),
        'reconciliation-table',
      ),
    ]),
  ];
};

const renderQuarantine = (quarantine) => {
  const rows = quarantine.by_reason;
  return [
    el('p', {
      text: `${quarantine.total} records of ${quarantine.day} were not counted (${quarantine.other_days} of other days not shown).`,
    }),
    el('p', {
      class: 'note',
      text: "A record is filed under its event's time when its payload still says it, else under the day it arrived.",
    }),
    el('div', { class: 'panel-row' }, [
      chart(
        `chart-quarantine`,
        `Quarantined records by reason: ${rows.map((r) => `${r.reason} ${r.count}`).join(', ')}`,
        {
          type: 'bar',
          data: {
            labels: rows.map((r) => r.reason),
            datasets: [{ label: 'records', data: rows.map((r) => r.count), backgroundColor: INK.baseline }],
          },
          options: baseOptions({
            indexAxis: 'y',
            plugins: { legend: { display: false } },
            scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
          }),
        },
      ),
      table(
        'By reason',
        ['reason', 'count', 'by event time'],
        rows.map((r) => [r.reason, r.count, r.by_event_time]),
        'quarantine-table',
      ),
    ]),
  ];
};

const RENDERERS = {
  spend: renderSpend,
  breaker: renderBreaker,
  flags: renderFlags,
  enforcement: renderEnforcement,
  incidents: renderIncidents,
  alerts: renderAlerts,
  audit: renderAudit,
  shadow: renderShadow,
  reconciliation: renderReconciliation,
  quarantine: renderQuarantine,
};

const render = (dashboard) => {
  for (const [id, section] of Object.entries(dashboard.sections)) {
    const renderer = RENDERERS[id];
    if (renderer === undefined) continue;
    const { section: node, heading, body } = sectionElement(id, section.title);
    if (section.error === undefined) body.append(...renderer(section.data));
    else body.append(el('p', { class: 'error', text: `Could not read: ${section.error}` }));
    node.replaceChildren(heading, body);
  }
  document.body.dataset.updated = dashboard.generated_at;
  document.getElementById('status').textContent =
    `Stage ${dashboard.stage}, ${dashboard.day}; updated ${dashboard.generated_at.slice(11, 19)} UTC, every ${REFRESH_MS / 1000} s`;
};

const requestedDay = () => new URLSearchParams(window.location.search).get('day');

const refresh = async () => {
  const status = document.getElementById('status');
  try {
    const day = requestedDay();
    const response = await fetch(`/api/dashboard${day === null ? '' : `?day=${encodeURIComponent(day)}`}`);
    const body = await response.json();
    if (!response.ok) throw new Error(body.error ?? response.statusText);
    document.getElementById('day').value = body.day;
    render(body);
    status.classList.remove('error');
    status.removeAttribute('role');
  } catch (error) {
    status.textContent = `Refresh failed: ${error instanceof Error ? error.message : String(error)}`;
    status.classList.add('error');
    // Announced once when refreshing fails; a live region on every refresh would talk every 5 s.
    status.setAttribute('role', 'alert');
  } finally {
    setTimeout(refresh, REFRESH_MS);
  }
};

Chart.defaults.font.size = 12;
Chart.defaults.color = '#1b1b1b';
refresh();
