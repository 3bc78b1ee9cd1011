// The fleet tier's pure parts: its messages, its Redis key names, and how it reads the acquire
// script's reply. No Redis here; the suites beside this one run them against a real server.
import { describe, expect, it } from 'vitest'
import { failureOf, formatMessage, type Message, parseMessage } from '../../dist/redis/bus.js'
import { readFound, timesLeft } from '../../dist/redis/found.js'
import { channelName, keyNames, prefixPattern, tagName } from '../../dist/redis/keys.js'

describe('bus messages', () => {
  it('round-trips every kind, keys with lone surrogates included', () => {
    const messages = [
      { kind: 'done', keys: ['a', '\uD800'] },
      { kind: 'drop', keys: ['b'] },
      { kind: 'failed', keys: ['c'], error: { name: 'Error', message: 'm', code: 'E' } },
      { kind: 'tags', tags: ['t\uDFFF'] },
      { kind: 'clear' },
    ] satisfies Message[]
    for (const message of messages) {
      expect(parseMessage(formatMessage('me', message))).toEqual({ from: 'me', message })
    }
  })

  it.each([
    ['text that is not JSON', 'not json'],
    ['JSON that is not an object', '5'],
    ['null', 'null'],
    ['another version', JSON.stringify({ v: 2, from: 'x', kind: 'clear' })],
    ['no sender', JSON.stringify({ v: 1, kind: 'clear' })],
    ['an unknown kind', JSON.stringify({ v: 1, from: 'x', kind: 'explode' })],
    ['keys that are not strings', JSON.stringify({ v: 1, from: 'x', kind: 'drop', keys: [1] })],
    ['keys that are not an array', JSON.stringify({ v: 1, from: 'x', kind: 'done', keys: 'k' })],
    ['tags that are not strings', JSON.stringify({ v: 1, from: 'x', kind: 'tags', tags: [null] })],
    ['a failure without an error', JSON.stringify({ v: 1, from: 'x', kind: 'failed', keys: [] })],
    [
      'a failure whose error is not one',
      JSON.stringify({ v: 1, from: 'x', kind: 'failed', keys: [], error: { name: 1 } }),
    ],
    [
      'a failure whose code is not a string',
      JSON.stringify({
        v: 1,
        from: 'x',
        kind: 'failed',
        keys: [],
        error: { name: 'E', message: 'm', code: 5 },
      }),
    ],
  ])('ignores %s', (_, text) => {
    expect(parseMessage(text)).toBeUndefined()
  })

  it('describes any thrown value for the waiters elsewhere', () => {
    expect(failureOf(Object.assign(new TypeError('bad'), { code: 'E_BAD' }))).toEqual({
      name: 'TypeError',
      message: 'bad',
      code: 'E_BAD',
    })
    expect(failureOf(Object.assign(new Error('x'), { code: 5 }))).toEqual({
      name: 'Error',
      message: 'x',
      code: undefined,
    })
    expect(failureOf('plain text')).toEqual({
      name: 'Error',
      message: 'plain text',
      code: undefined,
    })
    const hostile = new Error('x')
    Object.defineProperty(hostile, 'name', {
      get() {
        throw new Error('no name')
      },
    })
    expect(failureOf(hostile).message).toBe('a value that cannot be printed')
    const unprintable = Object.create(null) as object
    expect(failureOf(unprintable)).toEqual({
      name: 'Error',
      message: 'a value that cannot be printed',
      code: undefined,
    })
  })
})

describe('Redis key names', () => {
  it('puts the value and lease of a key in one hash slot, whatever the key holds', () => {
    for (const key of ['', 'a', 'a}b', '{x}', 'k:lease', '\uD800']) {
      const { value, lease } = keyNames('p:', key)
      const slotTag = (name: string) => name.slice(name.indexOf('{') + 1, name.indexOf('}'))
      expect(slotTag(lease)).toBe(slotTag(value))
      expect(slotTag(value)).not.toBe('')
    }
  })

  it('never gives two keys, or a key and a tag, the same name', () => {
    const keys = ['', 'a', 'a}', 'a}:lease', '\uD800', '\uFFFD', 'K:d800', 'k:a']
    const names = keys.flatMap((key) => {
      const { value, lease } = keyNames('p:', key)
      return [value, lease]
    })
    names.push(...keys.map((key) => tagName('p:', key)))
    expect(new Set(names).size).toBe(names.length)
  })

  it('scans exactly the keys under a prefix with glob characters in it', () => {
    expect(prefixPattern('a*b?[c]\\^:')).toBe('a\\*b\\?\\[c\\]\\\\\\^:{*')
    expect(channelName('p:')).toBe('p:herdcache:bus')
  })
})

describe('the acquire reply', () => {
  it('throws for a reply the script cannot have given', () => {
    expect(() => readFound(null)).toThrow('unexpected reply to the acquire script')
    expect(() => readFound([1, 2, 3])).toThrow('unexpected reply to the acquire script')
  })

  it('reads tags that are not a JSON array of strings as none, or as the strings among them', () => {
    const reply = (tags: string) => [
      1,
      null,
      1000,
      Buffer.from('2000'),
      Buffer.from('-1'),
      Buffer.from('3000'),
      0,
      Buffer.from(tags),
    ]
    expect(readFound(reply('not json')).tags).toEqual([])
    expect(readFound(reply('{"a":1}')).tags).toEqual([])
    expect(readFound(reply('["a",1,"b"]')).tags).toEqual(['a', 'b'])
  })

  it('turns server times into what L1 may keep, never-ending windows included', () => {
    const found = readFound([
      1,
      null,
      1000,
      Buffer.from('2000'),
      Buffer.from('-1'),
      Buffer.from('3000'),
      0,
      Buffer.from('[]'),
    ])
    expect(timesLeft(found)).toEqual({
      ttlMs: 1000,
      staleWhileRevalidateMs: Infinity,
      staleIfErrorMs: 1000,
    })
    const forever = readFound([
      1,
      null,
      1000,
      Buffer.from('-1'),
      Buffer.from('-1'),
      Buffer.from('-1'),
      0,
      Buffer.from('[]'),
    ])
    expect(timesLeft(forever)).toEqual({
      ttlMs: Infinity,
      staleWhileRevalidateMs: 0,
      staleIfErrorMs: 0,
    })
  })
})
