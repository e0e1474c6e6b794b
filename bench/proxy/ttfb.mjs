// bench/proxy/run's streaming measurement: time to the response headers, to the first body byte
// and to the first content token of a streamed chat completion, directly from governor-sim and
// through Governor, N requests each way, interleaved (the order alternates per round so drift
// affects both sides alike), over one keep-alive connection per target.
//
// Usage: node ttfb.mjs DIRECT_BASE_URL GOVERNOR_BASE_URL BODY_FILE N
// Prints a small report and, last, one line "RESULT {json}" for the calling script.
import { readFileSync } from 'node:fs';
import http from 'node:http';

const [directBase, governorBase, bodyFile, nText] = process.argv.slice(2);
if (!directBase || !governorBase || !bodyFile) {
  console.error('usage: node ttfb.mjs DIRECT_BASE_URL GOVERNOR_BASE_URL BODY_FILE [N]');
  process.exit(2);
}
const n = Number(nText ?? 20);
const body = readFileSync(bodyFile);
const WARMUP = 3;

function ms(from, to) {
  return Number(to - from) / 1e6;
}

/** One streamed request; resolves with its timings in ms, rejects on any protocol problem. */
function streamOnce(base, agent) {
  const url = new URL(`${base}/chat/completions`);
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const times = { headers: NaN, firstByte: NaN, firstToken: NaN, done: NaN };
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': body.length,
          authorization: 'Bearer bench-key',
        },
      },
      (res) => {
        times.headers = ms(t0, process.hrtime.bigint());
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`${base}: HTTP ${res.statusCode}`));
          return;
        }
        let buffer = '';
        let sawDone = false;
        res.setEncoding('utf8');
        res.on('data', (text) => {
          const now = process.hrtime.bigint();
          if (Number.isNaN(times.firstByte)) {
            times.firstByte = ms(t0, now);
          }
          buffer += text;
          let cut;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const event = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            for (const line of event.split('\n')) {
              if (!line.startsWith('data:')) continue;
              const data = line.slice(5).trim();
              if (data === '[DONE]') {
                sawDone = true;
                continue;
              }
              const chunk = JSON.parse(data);
              const content = chunk.choices?.[0]?.delta?.content;
              if (Number.isNaN(times.firstToken) && typeof content === 'string' && content.length > 0) {
                times.firstToken = ms(t0, now);
              }
            }
          }
        });
        res.on('end', () => {
          times.done = ms(t0, process.hrtime.bigint());
          if (!sawDone || Number.isNaN(times.firstToken)) {
            reject(new Error(`${base}: stream ended without content or [DONE]`));
          } else {
            resolve(times);
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const targets = {
  direct: { base: directBase, agent: new http.Agent({ keepAlive: true, maxSockets: 1 }), runs: [] },
  governor: { base: governorBase, agent: new http.Agent({ keepAlive: true, maxSockets: 1 }), runs: [] },
};

for (let i = 0; i < WARMUP + n; i++) {
  const order = i % 2 ? ['governor', 'direct'] : ['direct', 'governor'];
  for (const name of order) {
    const target = targets[name];
    const times = await streamOnce(target.base, target.agent);
    if (i >= WARMUP) target.runs.push(times);
  }
}

const summary = {};
for (const [name, target] of Object.entries(targets)) {
  summary[name] = {};
  for (const key of ['headers', 'firstByte', 'firstToken', 'done']) {
    summary[name][key] = median(target.runs.map((t) => t[key]));
  }
  target.agent.destroy();
}
// Paired differences (round by round) are less noisy than a difference of medians.
const pairedFirstToken = median(
  targets.governor.runs.map((g, i) => g.firstToken - targets.direct.runs[i].firstToken),
);
const pairedFirstByte = median(
  targets.governor.runs.map((g, i) => g.firstByte - targets.direct.runs[i].firstByte),
);

const f = (v) => `${v.toFixed(2).padStart(8)} ms`;
console.log(`  streamed requests: ${n} each way (after ${WARMUP} warm-up), medians`);
console.log('  target        headers   first byte  first token     complete');
for (const name of ['direct', 'governor']) {
  const s = summary[name];
  console.log(`  ${name.padEnd(10)} ${f(s.headers)} ${f(s.firstByte)} ${f(s.firstToken)} ${f(s.done)}`);
}
console.log(`RESULT ${JSON.stringify({ n, summary, pairedFirstToken, pairedFirstByte })}`);
