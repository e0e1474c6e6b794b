// Cascades seen through the real SDK: an escalated answer, streamed or whole, parses as any
// other, its headers say what happened, and the trace card has both attempts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { baseURL, makeClient, parseCostMicros } from './helpers.mjs';

const client = makeClient();
const cascade = (task) => ({ 'X-Governor-Policy': 'cascade', 'X-Governor-Task': task, 'X-Governor-Step': 'act' });

async function steps(task) {
  const res = await fetch(`${baseURL}/tasks/${task}`);
  assert.equal(res.status, 200);
  return (await res.json()).steps;
}

describe('cascade', () => {
  test('an escalated stream reads like any stream, and both attempts are charged', async () => {
    const task = `e2e-cascade-stream-${Date.now()}`;
    const { data: stream, response } = await client.chat.completions
      .create(
        { model: 'auto', stream: true, messages: [{ role: 'user', content: 'Write a line.' }] },
        { headers: cascade(task) },
      )
      .withResponse();
    assert.equal(response.headers.get('x-governor-escalated'), 'true');
    assert.equal(response.headers.get('x-governor-escalation-reason'), 'uncertainty');
    assert.equal(response.headers.get('x-governor-tier'), 'premium');
    let text = '';
    let finish = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    assert.ok(text.length > 0);
    assert.equal(finish, 'stop');
    const trace = await steps(task);
    assert.deepEqual(
      trace.map((s) => [s.tier, s.outcome]),
      [
        ['cheap', 'escalated'],
        ['premium', 'ok'],
      ],
    );
    assert.equal(trace[1].escalation.reason, 'uncertainty');
  });

  test('a pinned model is never cascaded, even on a cascaded step', async () => {
    const task = `e2e-cascade-pinned-${Date.now()}`;
    const { data, response } = await client.chat.completions
      .create({ model: 'sim-small', messages: [{ role: 'user', content: 'Hi.' }] }, { headers: cascade(task) })
      .withResponse();
    assert.equal(response.headers.get('x-governor-escalated'), null);
    assert.equal(response.headers.get('x-governor-model'), 'sim-small');
    assert.equal(data.choices[0].logprobs ?? null, null, 'no logprobs were asked for or added');
  });

  test('a malformed cheap tool call is escalated to a well-formed one', async () => {
    const task = `e2e-cascade-tool-${Date.now()}`;
    const { data, response } = await client.chat.completions
      .create(
        {
          model: 'auto',
          messages: [{ role: 'user', content: 'Weather in Oslo? [[sim only_model=sim-small success=0]]' }],
          tools: [
            {
              type: 'function',
              function: {
                name: 'get_weather',
                parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
              },
            },
          ],
          tool_choice: 'required',
        },
        { headers: cascade(task) },
      )
      .withResponse();
    assert.equal(response.headers.get('x-governor-escalated'), 'true');
    assert.equal(response.headers.get('x-governor-escalation-reason'), 'malformed_tool_call');
    const call = data.choices[0].message.tool_calls[0];
    assert.equal(call.function.name, 'get_weather');
    assert.doesNotThrow(() => JSON.parse(call.function.arguments));
    const trace = await steps(task);
    const charged = trace.reduce((sum, s) => sum + Math.round(s.cost_usd * 1e6), 0);
    assert.equal(charged, parseCostMicros(response.headers.get('x-governor-cost-usd')));
  });
});
