// Shared setup for the end-to-end tests. tests/e2e/run starts governor-sim and Governor and
// passes Governor's base URL in GOVERNOR_E2E_BASE_URL; the prices below are the ones that
// script writes into the config.
import assert from 'node:assert/strict';
import OpenAI from 'openai';

export const baseURL = process.env.GOVERNOR_E2E_BASE_URL;
if (!baseURL) {
  throw new Error('GOVERNOR_E2E_BASE_URL is not set: run these tests through tests/e2e/run');
}

/** Dollars per million tokens, as in the config written by tests/e2e/run. */
export const PRICES = {
  'sim-small': { input: 0.15, output: 0.6 },
  'sim-large': { input: 2.5, output: 10.0 },
};

/**
 * The SDK client as an agent would build it. No SDK retries: a flaky gateway must fail the test,
 * not be papered over by the client.
 */
export function makeClient(options = {}) {
  return new OpenAI({ baseURL, apiKey: 'test-key', maxRetries: 0, timeout: 20_000, ...options });
}

/** Micro-dollars of a call: tokens times price per million, rounded up to the micro-dollar. */
export function expectedCostMicros(upstream, usage) {
  const price = PRICES[upstream];
  // Prices have at most 6 decimals: work in integer pico-dollars per token to stay exact.
  const picoIn = BigInt(Math.round(price.input * 1e6));
  const picoOut = BigInt(Math.round(price.output * 1e6));
  const pico = BigInt(usage.prompt_tokens) * picoIn + BigInt(usage.completion_tokens) * picoOut;
  return Number((pico + 999_999n) / 1_000_000n);
}

/** Parses an X-Governor-Cost-Usd value ("0.000123") into integer micro-dollars. */
export function parseCostMicros(text) {
  assert.ok(typeof text === 'string', 'x-governor-cost-usd header is missing');
  assert.match(text, /^\d+(\.\d{1,6})?$/, `x-governor-cost-usd is not a plain decimal: '${text}'`);
  const [whole, frac = ''] = text.split('.');
  return Number(BigInt(whole) * 1_000_000n + BigInt(frac.padEnd(6, '0')));
}

/** Asserts the usage block of a completion is present and consistent. */
export function assertUsage(usage) {
  assert.ok(usage, 'usage is missing');
  assert.ok(Number.isInteger(usage.prompt_tokens) && usage.prompt_tokens > 0,
    `prompt_tokens: ${usage.prompt_tokens}`);
  assert.ok(Number.isInteger(usage.completion_tokens) && usage.completion_tokens > 0,
    `completion_tokens: ${usage.completion_tokens}`);
  assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
}

export const WEATHER_TOOL = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather in a city',
    parameters: {
      type: 'object',
      properties: {
        city: { type: 'string', description: 'City name, e.g. Paris' },
        unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
      },
      required: ['city'],
      additionalProperties: false,
    },
  },
};
