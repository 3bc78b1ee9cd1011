// The values bench/codec.mjs encodes: shaped like what a fleet cache holds, built the same way on
// every run (no randomness), so encoded sizes are comparable across runs and machines.

const EPOCH = Date.UTC(2026, 0, 1)

/** About 200 bytes of JSON: a user profile as an API returns it. */
function small() {
  return {
    id: 48213,
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    active: true,
    score: 97.25,
    roles: ['admin', 'editor'],
    createdAt: '2026-01-01T09:30:00.000Z',
    team: { id: 7, name: 'Analytical Engines' },
  }
}

/** A chat completion: 4 KB of generated text and the metadata around it. */
function llmResponse() {
  const sentence = 'The cache answers the second caller from memory while the first one waits upstream. '
  const content = sentence.repeat(Math.ceil(4096 / sentence.length)).slice(0, 4096)
  return {
    id: 'chatcmpl-9f2c1e7a5b3d',
    object: 'chat.completion',
    created: 1767225600,
    model: 'large-model-2026-01',
    choices: [{ index: 0, message: { role: 'assistant', content }, finishReason: 'stop', logprobs: null }],
    usage: { promptTokens: 812, completionTokens: 1024, totalTokens: 1836 },
    systemFingerprint: 'fp_4a1b9c',
  }
}

/** 1,000 catalogue rows, as a list endpoint returns them. */
function records() {
  const rows = []
  for (let i = 0; i < 1000; i++) {
    rows.push({
      id: 100_000 + i,
      sku: `SKU-${String(i).padStart(6, '0')}`,
      name: `Product number ${i}`,
      price: Math.round((i * 7.31) % 500) / 4,
      stock: (i * 37) % 120,
      available: i % 5 !== 0,
      tags: i % 2 === 0 ? ['sale', 'new'] : ['stock'],
      updatedAt: new Date(EPOCH + i * 60_000).toISOString(),
    })
  }
  return rows
}

/** Sessions by user: Maps, Sets and Dates, which JSON cannot carry. */
function typed() {
  const sessions = new Map()
  for (let i = 0; i < 200; i++) {
    sessions.set(`user:${i}`, {
      lastSeen: new Date(EPOCH + i * 3_600_000),
      devices: new Set([`device-${i % 7}`, `device-${(i + 3) % 7}`]),
      counters: new Map([
        ['views', i * 3],
        ['clicks', i],
      ]),
      quota: BigInt(i) * 1_000_000_007n,
    })
  }
  return { generatedAt: new Date(EPOCH), sessions }
}

/** The values timed, with the name each row of the table shows. */
export function benchValues() {
  return [
    { name: 'small object', value: small() },
    { name: 'LLM response', value: llmResponse() },
    { name: '1,000 records', value: records() },
    { name: 'Map/Date heavy', value: typed() },
  ]
}
