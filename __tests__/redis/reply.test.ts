// toReply, which turns what a client library decoded into the tier's Reply: the shapes no
// library gives under the options linkTo sets (strings, booleans) still convert as RESP2 would,
// and a value that is no reply at all is an error with a code rather than a silent pass-through.
import { describe, expect, it } from 'vitest'
import { isNoScript, toReply } from '../../dist/redis/reply.js'
import { thrownBy } from '../support/throws.js'

describe('toReply', () => {
  it('keeps Buffers and numbers, and turns null and undefined into null', () => {
    const bytes = Buffer.from([0, 255])
    expect(toReply(bytes)).toBe(bytes)
    expect(toReply(-3)).toBe(-3)
    expect(toReply(null)).toBeNull()
    expect(toReply(undefined)).toBeNull()
  })

  it('turns strings into their UTF-8 bytes and booleans into 1 or null', () => {
    expect(toReply('é')).toEqual(Buffer.from([0xc3, 0xa9]))
    expect(toReply(true)).toBe(1)
    expect(toReply(false)).toBeNull()
  })

  it('converts arrays item by item, at any depth', () => {
    expect(toReply(['a', [true, null]])).toEqual([Buffer.from('a'), [1, null]])
  })

  it('throws the error an array carries in place of an item', () => {
    const nested = new Error('ERR nested')
    expect(thrownBy(() => toReply([1, nested]))).toBe(nested)
  })

  it('throws a TypeError with code ERR_HERDCACHE_REDIS_REPLY for a value no reply converts to', () => {
    const error = thrownBy(() => toReply({ a: 1 }))
    expect(error).toBeInstanceOf(TypeError)
    expect(error.code).toBe('ERR_HERDCACHE_REDIS_REPLY')
    expect(error.message).toBe('the Redis client returned a reply herdcache cannot use: an object')
  })
})

describe('isNoScript', () => {
  it("recognises Redis's NOSCRIPT error and nothing else", () => {
    expect(isNoScript(new Error('NOSCRIPT No matching script. Please use EVAL.'))).toBe(true)
    expect(isNoScript(new Error('ERR unknown command'))).toBe(false)
    expect(isNoScript('NOSCRIPT')).toBe(false)
  })
})
