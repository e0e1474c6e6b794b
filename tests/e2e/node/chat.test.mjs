// Chat completions through Governor with the real openai SDK: plain, streamed, tool calls,
// pinned models. The upstream is governor-sim, which is deterministic: the same messages give
// the same answer, streamed or not.
import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, test } from 'node:test';

import {
  assertUsage,
  baseURL,
  expectedCostMicros,
  makeClient,
  parseCostMicros,
  WEATHER_TOOL,
} from './helpers.mjs';

const client = makeClient();

/** Content pieces, usage chunks and finish reason of a streamed completion read to its end. */
async function drain(stream) {
  const result = { pieces: [], chunks: [], usageChunks: [], finishReason: null, toolCalls: [] };
  for await (const chunk of stream) {
    result.chunks.push(chunk);
    assert.equal(chunk.object, 'chat.completion.chunk');
    if (chunk.usage != null) {
      result.usageChunks.push(chunk);
    }
    for (const choice of chunk.choices ?? []) {
      assert.equal(choice.index, 0);
      const content = choice.delta?.content;
      if (typeof content === 'string' && content.length > 0) {
        result.pieces.push(content);
      }
      for (const call of choice.delta?.tool_calls ?? []) {
        const slot = (result.toolCalls[call.index] ??= { id: '', name: '', arguments: '' });
        slot.id += call.id ?? '';
        slot.name += call.function?.name ?? '';
        slot.arguments += call.function?.arguments ?? '';
      }
      if (choice.finish_reason) {
        result.finishReason = choice.finish_reason;
      }
    }
  }
  return result;
}

describe('chat completions', () => {
  test('plain call with the auto alias: content, usage, routing and cost headers', async () => {
    const { data, response } = await client.chat.completions
      .create({
        model: 'auto',
        messages: [
          { role: 'system', content: 'You are a terse assistant.' },
          { role: 'user', content: 'Say something about budgets.' },
        ],
      })
      .withResponse();

    assert.equal(response.status, 200);
    assert.equal(data.object, 'chat.completion');
    assert.equal(data.choices.length, 1);
    const message = data.choices[0].message;
    assert.equal(message.role, 'assistant');
    assert.equal(typeof message.content, 'string');
    assert.ok(message.content.length > 0, 'empty content');
    assert.equal(data.choices[0].finish_reason, 'stop');
    assertUsage(data.usage);

    assert.equal(response.headers.get('x-governor-model'), 'sim-small');
    assert.equal(response.headers.get('x-governor-tier'), 'cheap');
    assert.ok(response.headers.get('x-request-id'), 'x-request-id is missing');
    const cost = parseCostMicros(response.headers.get('x-governor-cost-usd'));
    assert.ok(cost > 0, 'cost must be positive');
    assert.equal(cost, expectedCostMicros('sim-small', data.usage),
      `cost ${cost} micro-dollars for usage ${JSON.stringify(data.usage)} at 0.15/0.60 per million`);
  });

  test('streamed call: deltas concatenate to the non-streamed answer, no unasked usage', async () => {
    const messages = [{ role: 'user', content: 'Stream me a few sentences about routing.' }];
    const plain = await client.chat.completions.create({ model: 'auto', messages });
    const expected = plain.choices[0].message.content;
    assert.ok(expected.length > 0);

    const { data: stream, response } = await client.chat.completions
      .create({ model: 'auto', messages, stream: true })
      .withResponse();
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(response.headers.get('x-governor-model'), 'sim-small');
    assert.equal(response.headers.get('x-governor-tier'), 'cheap');

    const result = await drain(stream);
    assert.ok(result.pieces.length > 1, `expected several content deltas, got ${result.pieces.length}`);
    assert.equal(result.pieces.join(''), expected);
    assert.equal(result.finishReason, 'stop');
    assert.equal(result.usageChunks.length, 0,
      'a usage chunk was relayed although the client did not ask for stream_options.include_usage');
  });

  test('streamed call with include_usage: the last chunk carries usage', async () => {
    const messages = [{ role: 'user', content: 'Stream with usage, please.' }];
    const stream = await client.chat.completions.create({
      model: 'auto',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const result = await drain(stream);
    assert.ok(result.pieces.length > 0);
    assert.equal(result.usageChunks.length, 1, 'exactly one chunk must carry usage');
    const last = result.chunks.at(-1);
    assert.equal(result.usageChunks[0], last, 'the usage chunk must be the last one');
    assert.deepEqual(last.choices, []);
    assertUsage(last.usage);
    // The simulator emits one token per content chunk.
    assert.equal(last.usage.completion_tokens, result.pieces.length);

    const plain = await client.chat.completions.create({ model: 'auto', messages });
    assert.equal(result.pieces.join(''), plain.choices[0].message.content);
    assert.equal(plain.usage.prompt_tokens, last.usage.prompt_tokens);
    assert.equal(plain.usage.completion_tokens, last.usage.completion_tokens);
  });

  test('streamed call: the cost arrives as an HTTP trailer matching the usage chunk', async () => {
    // fetch (and so the SDK) does not expose trailers; node:http does.
    const url = new URL(`${baseURL}/chat/completions`);
    const body = JSON.stringify({
      model: 'auto',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'A streamed call whose cost comes last.' }],
    });
    const { headers, trailers, text } = await new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer test-key' },
        },
        (res) => {
          let data = '';
          res.setEncoding('utf8');
          res.on('data', (chunk) => (data += chunk));
          res.on('end', () => resolve({ headers: res.headers, trailers: res.trailers, text: data }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    assert.match(headers['content-type'] ?? '', /^text\/event-stream/);
    assert.equal(headers['x-governor-model'], 'sim-small');
    const events = text.split('\n\n').map((e) => e.trim()).filter((e) => e.startsWith('data:'));
    assert.equal(events.at(-1), 'data: [DONE]');
    const usage = JSON.parse(events.at(-2).slice(5)).usage;
    assertUsage(usage);
    const cost = parseCostMicros(trailers['x-governor-cost-usd']);
    assert.equal(cost, expectedCostMicros('sim-small', usage),
      `trailer ${trailers['x-governor-cost-usd']} for usage ${JSON.stringify(usage)}`);
  });

  test('tool call round trip', async () => {
    const messages = [
      { role: 'system', content: 'Use tools when they help.' },
      { role: 'user', content: 'What is the weather in Paris?' },
    ];
    const first = await client.chat.completions.create({
      model: 'auto',
      messages,
      tools: [WEATHER_TOOL],
    });
    const choice = first.choices[0];
    assert.equal(choice.finish_reason, 'tool_calls');
    const calls = choice.message.tool_calls;
    assert.ok(Array.isArray(calls) && calls.length === 1, `tool_calls: ${JSON.stringify(calls)}`);
    const call = calls[0];
    assert.equal(call.type, 'function');
    assert.equal(call.function.name, 'get_weather');
    assert.ok(call.id, 'tool call id is missing');
    const args = JSON.parse(call.function.arguments);
    assert.equal(typeof args.city, 'string', `arguments without city: ${call.function.arguments}`);
    assertUsage(first.usage);

    const second = await client.chat.completions.create({
      model: 'auto',
      tools: [WEATHER_TOOL],
      messages: [
        ...messages,
        choice.message,
        {
          role: 'tool',
          tool_call_id: call.id,
          content: JSON.stringify({ city: args.city, temperature_c: 18, sky: 'cloudy' }),
        },
      ],
    });
    const answer = second.choices[0];
    assert.equal(answer.finish_reason, 'stop');
    assert.equal(typeof answer.message.content, 'string');
    assert.ok(answer.message.content.length > 0);
    assert.ok(!answer.message.tool_calls?.length, 'no second tool call expected');
  });

  test('streamed tool call: argument deltas assemble to valid JSON', async () => {
    const messages = [{ role: 'user', content: 'Weather in Oslo, streamed.' }];
    const stream = await client.chat.completions.create({
      model: 'auto',
      messages,
      tools: [WEATHER_TOOL],
      stream: true,
    });
    const result = await drain(stream);
    assert.equal(result.finishReason, 'tool_calls');
    assert.equal(result.toolCalls.length, 1);
    const [call] = result.toolCalls;
    assert.equal(call.name, 'get_weather');
    assert.ok(call.id);
    assert.equal(typeof JSON.parse(call.arguments).city, 'string');

    const plain = await client.chat.completions.create({ model: 'auto', messages, tools: [WEATHER_TOOL] });
    assert.equal(call.arguments, plain.choices[0].message.tool_calls[0].function.arguments);
  });

  test('pinned model sim-large: not re-routed, premium tier, priced as sim-large', async () => {
    const response = await client.chat.completions
      .create({ model: 'sim-large', messages: [{ role: 'user', content: 'Pinned call.' }] })
      .asResponse();
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-governor-model'), 'sim-large');
    assert.equal(response.headers.get('x-governor-tier'), 'premium');
    const body = await response.json();
    assert.equal(typeof body.choices[0].message.content, 'string');
    assertUsage(body.usage);
    const cost = parseCostMicros(response.headers.get('x-governor-cost-usd'));
    assert.equal(cost, expectedCostMicros('sim-large', body.usage));
  });

  test('concurrent calls all succeed with distinct request ids', async () => {
    const n = 24;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        client.chat.completions
          .create({
            model: i % 3 === 0 ? 'sim-large' : 'auto',
            messages: [{ role: 'user', content: `Concurrent call number ${i}.` }],
            stream: i % 2 === 0,
          })
          .withResponse()
          .then(async ({ data, response }) => {
            const text = i % 2 === 0 ? (await drain(data)).pieces.join('') : data.choices[0].message.content;
            return { text, id: response.headers.get('x-request-id'), model: response.headers.get('x-governor-model') };
          })),
    );
    for (const [i, r] of results.entries()) {
      assert.ok(r.text.length > 0, `call ${i} returned no content`);
      assert.equal(r.model, i % 3 === 0 ? 'sim-large' : 'sim-small', `call ${i}`);
    }
    const ids = new Set(results.map((r) => r.id));
    assert.equal(ids.size, n, 'x-request-id values must be present and distinct');
  });
});
