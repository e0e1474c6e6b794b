// Errors surface as the SDK's typed exceptions; the model list is what the config declares.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import OpenAI from 'openai';

import { makeClient } from './helpers.mjs';

const client = makeClient();

describe('errors', () => {
  test('unknown model: NotFoundError 404 naming the model', async () => {
    await assert.rejects(
      client.chat.completions.create({
        model: 'no-such-model-xyz',
        messages: [{ role: 'user', content: 'hello' }],
      }),
      (err) => {
        assert.ok(err instanceof OpenAI.NotFoundError, `expected NotFoundError, got ${err?.constructor?.name}: ${err?.message}`);
        assert.equal(err.status, 404);
        assert.match(err.message, /no-such-model-xyz/);
        assert.ok(err.error && typeof err.error === 'object', 'OpenAI-shaped error body expected');
        assert.equal(typeof err.error.message, 'string');
        assert.equal(typeof err.error.type, 'string');
        return true;
      },
    );
  });

  test('missing messages: BadRequestError 400', async () => {
    await assert.rejects(
      // Deliberately invalid: plain JS bypasses the SDK's TypeScript types.
      client.chat.completions.create({ model: 'auto' }),
      (err) => {
        assert.ok(err instanceof OpenAI.BadRequestError, `expected BadRequestError, got ${err?.constructor?.name}: ${err?.message}`);
        assert.equal(err.status, 400);
        assert.ok(err.param === 'messages' || /messages/.test(err.message),
          `the error should name the field 'messages': param=${err.param} message=${err.message}`);
        return true;
      },
    );
  });

  test('malformed JSON body: 400 with an OpenAI-shaped error', async () => {
    const response = await fetch(`${client.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer test-key' },
      body: '{"model": "auto", "messages": [',
    });
    assert.equal(response.status, 400);
    const body = await response.json();
    assert.equal(typeof body.error?.message, 'string');
  });
});

describe('models', () => {
  test('models.list returns the alias and the upstream models', async () => {
    const ids = [];
    for await (const model of client.models.list()) {
      assert.equal(model.object, 'model');
      ids.push(model.id);
    }
    for (const id of ['auto', 'sim-small', 'sim-large']) {
      assert.ok(ids.includes(id), `models.list lacks '${id}': ${JSON.stringify(ids)}`);
    }
  });
});
