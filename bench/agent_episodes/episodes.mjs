// Agent-episodes benchmark driver: many simulated multi-step agent tasks sent through Governor
// over HTTP (the real `openai` npm SDK as the client) to governor-sim, under several routing
// strategies and budgets. Started by bench/agent_episodes/run, which starts the processes and
// writes the config; see bench/README.md and docs/routing.md for the method and the figures.
//
// Environment (set by `run`): GOVERNOR_URL, OPENAI_PKG (directory holding node_modules/openai),
// DATA_FILES (colon-separated held-out JSONL records), OUT_DIR, TASKS, CONCURRENCY, BUDGETS
// (colon-separated dollars), LAMBDAS (colon-separated), PRICES (JSON of the two tiers).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const env = (name, fallback) => process.env[name] ?? fallback;
const requireFromPkg = createRequire(path.join(env('OPENAI_PKG'), 'package.json'));
const { OpenAI } = requireFromPkg('openai');

const governorUrl = env('GOVERNOR_URL');
const outDir = env('OUT_DIR');
const taskCount = Number(env('TASKS', '300'));
const concurrency = Number(env('CONCURRENCY', '32'));
const budgets = env('BUDGETS', '0.01:0.02:0.04:0.08').split(':').map(Number);
const lambdas = env('LAMBDAS', '3:10:30:100:300:1000').split(':').map(Number);
const prices = JSON.parse(env('PRICES'));
// Calibration records of the cheap tier's prose answers (governor calibrate's format), or none.
const calibrationFile = env('CALIBRATION_FILE', '');
// How the agent knows a step failed. `oracle`: it sees every wrong answer (the simulator's
// verdict) and retries. `blind`: it sees only what it can check itself, a tool call whose
// arguments are not JSON; a wrong prose answer is taken as right and the task goes on to fail.
const agent = env('AGENT', 'oracle');
if (agent !== 'oracle' && agent !== 'blind') throw new Error(`AGENT must be oracle or blind, got ${agent}`);
const calibration = [];
const progress = (line) => process.stderr.write(`episodes: ${line}\n`);

// --- the task set: the same tasks for every strategy (common random numbers) ---

/** mulberry32: a small seeded generator, so every run builds the same tasks. */
function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const records = env('DATA_FILES')
  .split(':')
  .flatMap((file) => fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)))
  .filter((r) => typeof r.prompt === 'string' && r.prompt.length > 0);
if (records.length === 0) throw new Error('no records in DATA_FILES');

// A reasoning step's per-tier success probability is that model's real correctness on the
// prompt (RouteLLM: Mixtral-8x7B as the cheap tier, GPT-4 as the premium tier), softened so a
// retry of a wrong answer can still come out right, as a resampled model's can.
const REASONING = { cheap: { right: 0.92, wrong: 0.25 }, premium: { right: 0.95, wrong: 0.3 } };
// Steps that are mostly format-following: tool calls and the final summary.
const EASY = { act: { cheap: 0.85, premium: 0.97 }, summarize: { cheap: 0.93, premium: 0.98 } };
const TOOL_STEPS = 3;
const MAX_ATTEMPTS = 3; // per step, the first included
const MAX_TOKENS = 200;

const lookupTool = {
  type: 'function',
  function: {
    name: 'lookup',
    description: 'Look a fact up',
    parameters: {
      type: 'object',
      properties: { query: { type: 'string' }, limit: { type: 'integer', minimum: 1, maximum: 10 } },
      required: ['query', 'limit'],
    },
  },
};

function buildTasks() {
  const rand = seeded(20261122);
  const tasks = [];
  for (let i = 0; i < taskCount; ++i) {
    const problem = records[Math.floor(rand() * records.length)];
    const reasoning = {
      cheap: problem.weak >= 0.5 ? REASONING.cheap.right : REASONING.cheap.wrong,
      premium: problem.strong >= 0.5 ? REASONING.premium.right : REASONING.premium.wrong,
    };
    const steps = [{ type: 'plan', text: problem.prompt, p: reasoning }];
    for (let t = 0; t < TOOL_STEPS; ++t) {
      steps.push({ type: 'act', text: `Look up fact ${t + 1} for the plan above.`, p: EASY.act, tool: true });
    }
    steps.push({ type: 'verify', text: problem.prompt, p: reasoning });
    steps.push({ type: 'summarize', text: 'Summarize the result for the user.', p: EASY.summarize });
    tasks.push({ index: i, benchmark: problem.benchmark, steps });
  }
  return tasks;
}

// --- one task, as an agent runs it ---

/** The model that serves `tier` in the generated config. */
const MODEL_OF = { cheap: 'sim-small', premium: 'sim-large' };

function directive(p) {
  return (
    `[[sim success=${p.cheap} only_model=${MODEL_OF.cheap}]] ` +
    `[[sim success=${p.premium} only_model=${MODEL_OF.premium}]]`
  );
}

/** The answer's mean token uncertainty and top-logprobs entropy (with the left-out mass as one
 *  more outcome): the same definitions as cascade::token_confidence. */
function confidenceOf(logprobs) {
  const tokens = logprobs?.content;
  if (!Array.isArray(tokens) || tokens.length === 0) return null;
  let uncertainty = 0;
  let entropy = 0;
  for (const t of tokens) {
    uncertainty += 1 - Math.exp(Math.min(0, t.logprob));
    let mass = 0;
    for (const alt of t.top_logprobs ?? []) {
      const p = Math.exp(Math.min(0, alt.logprob));
      mass += p;
      if (p > 0) entropy -= p * Math.log(p);
    }
    if (1 - mass > 1e-12) entropy -= (1 - mass) * Math.log(1 - mass);
  }
  return { uncertainty: uncertainty / tokens.length, entropy: entropy / tokens.length };
}

/** Did this answer do the step? Tool calls must carry JSON arguments; prose carries a verdict. */
function stepPassed(step, message) {
  if (step.tool) {
    const call = message.tool_calls?.[0];
    if (!call) return false;
    try {
      JSON.parse(call.function.arguments);
      return true;
    } catch {
      return false;
    }
  }
  return typeof message.content === 'string' && message.content.endsWith(' [pass]');
}

async function runTask(client, strategy, task, budget, run) {
  const id = `${run}-t${task.index}`;
  const headers = { 'X-Governor-Policy': strategy.policy };
  await client.post('/tasks', { body: { id, budget: { total_dollars: budget } }, headers });
  const outcome = { success: false, bankrupt: false, cost: 0, calls: 0, premium: 0, escalated: 0, error: null };
  const messages = [{ role: 'system', content: `You are agent ${id}.` }];
  const rand = seeded(task.index * 7919 + 17);
  let wrong = false; // a blind agent took a wrong answer for a right one
  for (const step of task.steps) {
    messages.push({ role: 'system', content: directive(step.p) });
    messages.push({ role: 'user', content: step.text });
    let passed = false;
    for (let attempt = 0; attempt < MAX_ATTEMPTS && !passed; ++attempt) {
      const body = { model: strategy.model(rand), messages, max_tokens: MAX_TOKENS };
      if (step.tool) {
        body.tools = [lookupTool];
        body.tool_choice = 'required';
      } else if (calibrationFile) {
        body.logprobs = true;
        body.top_logprobs = 5;
      }
      let response;
      try {
        response = await client.chat.completions
          .create(body, { headers: { ...headers, 'X-Governor-Task': id, 'X-Governor-Step': step.type } })
          .withResponse();
      } catch (error) {
        if (error.status === 402) {
          outcome.bankrupt = error.code === 'budget_exhausted';
          outcome.error = error.code ?? 'payment_required';
        } else {
          outcome.error = `${error.status ?? ''} ${error.message}`.trim();
        }
        return outcome; // a refused call is not forwarded and costs nothing
      }
      ++outcome.calls;
      outcome.cost += Number(response.response.headers.get('x-governor-cost-usd') ?? 0);
      if (response.response.headers.get('x-governor-tier') === 'premium') ++outcome.premium;
      if (response.response.headers.get('x-governor-escalated') === 'true') ++outcome.escalated;
      const message = response.data.choices[0].message;
      passed = stepPassed(step, message);
      if (!passed && agent === 'blind' && !step.tool) {
        wrong = true; // the agent cannot tell: it goes on as if the answer were right
        passed = true;
      }
      const signals = calibrationFile ? confidenceOf(response.data.choices[0].logprobs) : null;
      if (signals && response.response.headers.get('x-governor-tier') === 'cheap') {
        calibration.push({ signals, acceptable: passed, step: step.type });
      }
      if (passed) {
        messages.push(
          step.tool
            ? { role: 'assistant', content: null, tool_calls: message.tool_calls }
            : { role: 'assistant', content: message.content },
        );
        if (step.tool) {
          messages.push({ role: 'tool', tool_call_id: message.tool_calls[0].id, content: '{"fact":"42"}' });
        }
      }
    }
    if (!passed) return outcome;
  }
  outcome.success = !wrong;
  return outcome;
}

async function runStrategy(client, strategy, tasks, budget, run) {
  const outcomes = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      outcomes[i] = await runTask(client, strategy, tasks[i], budget, run);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, tasks.length) }, worker));
  const n = outcomes.length;
  const sum = (f) => outcomes.reduce((s, o) => s + f(o), 0);
  const errors = {};
  for (const o of outcomes) if (o.error && !o.bankrupt) errors[o.error] = (errors[o.error] ?? 0) + 1;
  const calls = sum((o) => o.calls);
  return {
    strategy: strategy.name,
    budget,
    tasks: n,
    success_rate: sum((o) => o.success) / n,
    mean_cost: sum((o) => o.cost) / n,
    bankruptcy_rate: sum((o) => o.bankrupt) / n,
    calls_per_task: calls / n,
    premium_share: calls ? sum((o) => o.premium) / calls : 0,
    escalation_rate: calls ? sum((o) => o.escalated) / calls : 0,
    other_failures: errors,
  };
}

// --- strategies ---

const pinned = (name, pick) => ({ name, policy: 'pinned', model: pick });
function strategies() {
  const list = [
    pinned('always-cheap', () => MODEL_OF.cheap),
    pinned('always-expensive', () => MODEL_OF.premium),
  ];
  for (const mix of [0.25, 0.5, 0.75]) {
    list.push(pinned(`random-${mix * 100}%`, (rand) => (rand() < mix ? MODEL_OF.premium : MODEL_OF.cheap)));
  }
  list.push({ name: 'prompt-router', policy: 'router', model: () => 'auto' });
  list.push({ name: 'governor', policy: 'governor', model: () => 'auto' });
  list.push({ name: 'governor+cascade', policy: 'cascade', model: () => 'auto' });
  return list;
}

// --- report ---

const pct = (x) => `${(100 * x).toFixed(1)}%`;
const usd = (x) => `$${x.toFixed(4)}`;

function table(rows) {
  const lines = [
    '| strategy | budget | success | mean cost/task | bankrupt | calls/task | premium calls | escalated calls |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.strategy} | ${usd(r.budget)} | ${pct(r.success_rate)} | ${usd(r.mean_cost)} | ` +
        `${pct(r.bankruptcy_rate)} | ${r.calls_per_task.toFixed(2)} | ${pct(r.premium_share)} | ` +
        `${pct(r.escalation_rate)} |`,
    );
  }
  return lines.join('\n');
}

/** Success against mean cost per task at the roomiest budget: every strategy a point, the
 *  lambda sweep a line (Governor's cost-success frontier). */
function frontierSvg(points, sweep) {
  const W = 720;
  const H = 440;
  const m = { l: 70, r: 180, t: 40, b: 60 };
  const all = [...points, ...sweep];
  const maxCost = Math.max(...all.map((p) => p.mean_cost)) * 1.08;
  const x = (c) => m.l + (c / maxCost) * (W - m.l - m.r);
  // The success axis starts at the 10% step below the worst point: the strategies differ by a
  // few points, which a 0-100% axis would flatten.
  const low = Math.max(0, Math.floor(Math.min(...all.map((p) => p.success_rate)) * 10 - 0.5) / 10);
  const y = (s) => H - m.b - ((s - low) / (1 - low)) * (H - m.t - m.b);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${m.l}" y="22" font-size="14">Agent episodes (simulated): success vs mean cost per task</text>`,
  ];
  for (let s = low; s <= 1.0001; s += 0.05) {
    out.push(`<text x="${m.l - 8}" y="${(y(s) + 4).toFixed(1)}" text-anchor="end">${(s * 100).toFixed(0)}%</text>`);
    out.push(`<line x1="${m.l}" y1="${y(s).toFixed(1)}" x2="${W - m.r}" y2="${y(s).toFixed(1)}" stroke="#eee"/>`);
  }
  out.push(`<line x1="${m.l}" y1="${y(low)}" x2="${W - m.r}" y2="${y(low)}" stroke="black"/>`);
  out.push(`<line x1="${m.l}" y1="${y(low)}" x2="${m.l}" y2="${y(1)}" stroke="black"/>`);
  for (let i = 0; i <= 4; ++i) {
    const c = (maxCost * i) / 4;
    out.push(`<text x="${x(c)}" y="${y(low) + 18}" text-anchor="middle">$${c.toFixed(3)}</text>`);
  }
  out.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 18}" text-anchor="middle">mean cost per task (USD)</text>`);
  out.push(`<text x="18" y="${(m.t + H - m.b) / 2}" transform="rotate(-90 18 ${(m.t + H - m.b) / 2})" text-anchor="middle">task success rate</text>`);
  const sorted = [...sweep].sort((a, b) => a.mean_cost - b.mean_cost);
  if (sorted.length > 1) {
    const d = sorted.map((p, i) => `${i ? 'L' : 'M'}${x(p.mean_cost).toFixed(1)},${y(p.success_rate).toFixed(1)}`).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="#1f77b4" stroke-width="2"/>`);
  }
  for (const p of sorted) {
    out.push(`<circle cx="${x(p.mean_cost)}" cy="${y(p.success_rate)}" r="3" fill="#1f77b4"/>`);
  }
  const colors = { governor: '#d62728', 'governor+cascade': '#8c564b', 'prompt-router': '#ff7f0e', 'always-cheap': '#2ca02c', 'always-expensive': '#9467bd' };
  let legendY = m.t + 10;
  for (const p of points) {
    const color = colors[p.strategy] ?? '#7f7f7f';
    out.push(`<circle cx="${x(p.mean_cost)}" cy="${y(p.success_rate)}" r="5" fill="${color}"/>`);
    out.push(`<circle cx="${W - m.r + 16}" cy="${legendY - 4}" r="5" fill="${color}"/>`);
    out.push(`<text x="${W - m.r + 26}" y="${legendY}">${p.strategy}</text>`);
    legendY += 18;
  }
  out.push(`<line x1="${W - m.r + 10}" y1="${legendY - 4}" x2="${W - m.r + 22}" y2="${legendY - 4}" stroke="#1f77b4" stroke-width="2"/>`);
  out.push(`<text x="${W - m.r + 26}" y="${legendY}">governor, lambda sweep</text>`);
  out.push('</svg>');
  return out.join('\n');
}

// --- main ---

const client = new OpenAI({ baseURL: governorUrl, apiKey: 'unused', maxRetries: 0, timeout: 60_000 });
const tasks = buildTasks();
progress(`${tasks.length} tasks of ${tasks[0].steps.length} steps from ${records.length} held-out records`);
const rows = [];
let run = 0;
for (const budget of budgets) {
  for (const strategy of strategies()) {
    const started = Date.now();
    const row = await runStrategy(client, strategy, tasks, budget, `r${run++}`);
    rows.push(row);
    progress(
      `${strategy.name.padEnd(17)} budget ${usd(budget)}: success ${pct(row.success_rate)}, ` +
        `cost ${usd(row.mean_cost)}, bankrupt ${pct(row.bankruptcy_rate)} (${Date.now() - started} ms)`,
    );
  }
}
const roomiest = Math.max(...budgets);
const sweep = [];
const cascadeSweep = [];
for (const lambda of lambdas) {
  for (const [rows_, prefix] of [[sweep, ''], [cascadeSweep, 'cascade-']]) {
    const strategy = { name: `${prefix}lambda-${lambda}`, policy: `${prefix}lambda-${lambda}`, model: () => 'auto' };
    const row = await runStrategy(client, strategy, tasks, roomiest, `r${run++}`);
    row.lambda = lambda;
    rows_.push(row);
    progress(`${prefix}lambda ${lambda}: success ${pct(row.success_rate)}, cost ${usd(row.mean_cost)}`);
  }
}
/** The cheapest routing-alone sweep point that reaches `success` (none: none does). */
const cheapestReaching = (success) =>
  sweep.filter((r) => r.success_rate >= success).sort((a, b) => a.mean_cost - b.mean_cost)[0];

// The targets: at the roomiest budget, Governor vs always-expensive; and bankruptcy where
// always-expensive goes bankrupt on more than 10% of tasks.
const at = (name, budget) => rows.find((r) => r.strategy === name && r.budget === budget);
const expensive = at('always-expensive', roomiest);
const governor = at('governor', roomiest);
const cascaded = at('governor+cascade', roomiest);
const targets = {
  cascade_success_vs_governor: cascaded.success_rate / governor.success_rate,
  cascade_cost_vs_governor: cascaded.mean_cost / governor.mean_cost,
  success_vs_expensive: governor.success_rate / expensive.success_rate,
  cost_vs_expensive: governor.mean_cost / expensive.mean_cost,
  // At equal success: for each cascade sweep point, the cheapest routing-alone point as good.
  cascade_at_equal_success: cascadeSweep.map((c) => {
    const alone = cheapestReaching(c.success_rate);
    return {
      lambda: c.lambda,
      success: c.success_rate,
      cascade_cost: c.mean_cost,
      routing_alone_cost: alone?.mean_cost ?? null,
      routing_alone_lambda: alone?.lambda ?? null,
    };
  }),
  tight_budgets: budgets
    .filter((b) => at('always-expensive', b).bankruptcy_rate > 0.1)
    .map((b) => ({ budget: b, expensive_bankrupt: at('always-expensive', b).bankruptcy_rate, governor_bankrupt: at('governor', b).bankruptcy_rate })),
};
const report = [
  '# Agent episodes (simulated)',
  '',
  `${tasks.length} tasks per cell; agent: ${agent}; prices per million tokens: cheap ${JSON.stringify(prices.cheap)}, premium ${JSON.stringify(prices.premium)}.`,
  '',
  table(rows),
  '',
  '## Lambda sweep (governor, fixed lambda, roomiest budget)',
  '',
  table(sweep.map((r) => ({ ...r, strategy: `lambda ${r.lambda}` }))),
  '',
  '## Lambda sweep with cascades (governor+cascade, fixed lambda, roomiest budget)',
  '',
  table(cascadeSweep.map((r) => ({ ...r, strategy: `cascade lambda ${r.lambda}` }))),
  '',
  '## Cascade at equal success',
  '',
  '| cascade lambda | success | cascade cost/task | cheapest routing alone as good | its lambda |',
  '|---|---|---|---|---|',
  ...targets.cascade_at_equal_success.map(
    (t) =>
      `| ${t.lambda} | ${pct(t.success)} | ${usd(t.cascade_cost)} | ` +
      `${t.routing_alone_cost === null ? 'none reaches it' : usd(t.routing_alone_cost)} | ${t.routing_alone_lambda ?? '-'} |`,
  ),
  '',
  '## Targets',
  '',
  `- governor success / always-expensive success at ${usd(roomiest)}: ${pct(targets.success_vs_expensive)} (target >= 95%)`,
  `- governor cost / always-expensive cost: ${pct(targets.cost_vs_expensive)} (target <= 50%)`,
  `- governor+cascade vs governor at ${usd(roomiest)}: success ${pct(targets.cascade_success_vs_governor)}, cost ${pct(targets.cascade_cost_vs_governor)} (target: equal success for less)`,
  ...targets.tight_budgets.map(
    (t) => `- budget ${usd(t.budget)}: always-expensive bankrupt ${pct(t.expensive_bankrupt)}, governor ${pct(t.governor_bankrupt)} (target < 1%)`,
  ),
].join('\n');
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, 'results.json'), JSON.stringify({ rows, sweep, cascadeSweep, targets, prices, agent }, null, 2));
fs.writeFileSync(path.join(outDir, 'results.md'), `${report}\n`);
fs.writeFileSync(path.join(outDir, 'frontier.svg'), `${frontierSvg(rows.filter((r) => r.budget === roomiest), sweep)}\n`);
console.log(report);
if (calibrationFile) {
  fs.writeFileSync(calibrationFile, calibration.map((r) => JSON.stringify(r)).join('\n') + '\n');
  progress(`${calibration.length} calibration records of cheap prose answers in ${calibrationFile}`);
}
