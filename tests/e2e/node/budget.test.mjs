// Budgets seen through the real SDK: task headers in and out, metadata instead of headers, the
// trace card, and a refusal the SDK surfaces as a typed 402 it does not retry.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import OpenAI from 'openai';

import { baseURL, makeClient, parseCostMicros } from './helpers.mjs';

const client = makeClient();
const messages = [{ role: 'user', content: 'Plan the next step.' }];

async function taskCard(id) {
  const res = await fetch(`${baseURL}/tasks/${id}`);
  assert.equal(res.status, 200, `GET /v1/tasks/${id}`);
  return res.json();
}

function micros(dollars) {
  return Math.round(dollars * 1e6);
}

describe('budgets', () => {
  test('a call tied to a task is charged to it and says what is left', async () => {
    const task = `e2e-task-${Date.now()}`;
    const { data, response } = await client.chat.completions
      .create({ model: 'auto', messages }, { headers: { 'X-Governor-Task': task, 'X-Governor-Step': 'plan' } })
      .withResponse();
    assert.equal(data.object, 'chat.completion');
    assert.equal(response.headers.get('x-governor-task'), task);
    const cost = parseCostMicros(response.headers.get('x-governor-cost-usd'));
    const remaining = micros(Number(response.headers.get('x-governor-budget-remaining')));
    assert.equal(remaining, 1_000_000 - cost);
    const card = await taskCard(task);
    assert.equal(card.steps.length, 1);
    assert.equal(card.steps[0].step, 'plan');
    assert.equal(micros(card.spent_usd), cost);
    assert.equal(card.reserved_usd, 0);
  });

  test('metadata.governor_task works like the header, streams included', async () => {
    const task = `e2e-meta-${Date.now()}`;
    const stream = await client.chat.completions.create({
      model: 'auto',
      messages,
      stream: true,
      metadata: { governor_task: task },
    });
    let text = '';
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
    }
    assert.ok(text.length > 0);
    const card = await taskCard(task);
    assert.equal(card.steps.length, 1);
    assert.ok(card.spent_usd > 0, 'a streamed call is never free');
  });

  test('an exhausted budget is a 402 budget_exhausted the SDK does not retry', async () => {
    const retrying = makeClient({ maxRetries: 3 });
    const started = Date.now();
    await assert.rejects(
      retrying.chat.completions.create({ model: 'auto', messages }, { headers: { 'X-Governor-Policy': 'tight' } }),
      (err) => {
        assert.ok(err instanceof OpenAI.APIError, `expected APIError, got ${err?.constructor?.name}`);
        assert.equal(err.status, 402);
        assert.equal(err.code, 'budget_exhausted');
        assert.match(err.message, /task/);
        return true;
      },
    );
    // Retries would have waited out the SDK's backoff (at least half a second each).
    assert.ok(Date.now() - started < 500, 'the SDK retried a 402');
  });

  test('opening a task with a tighter budget', async () => {
    const id = `e2e-open-${Date.now()}`;
    const res = await fetch(`${baseURL}/tasks`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ id, budget: { total_dollars: 0.01 } }),
    });
    assert.equal(res.status, 201);
    const card = await res.json();
    assert.equal(card.id, id);
    assert.equal(card.budget.total_dollars, 0.01);
    assert.equal(card.remaining_usd, 0.01);
  });
});
