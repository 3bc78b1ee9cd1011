import { describe, expect, it } from 'vitest'
import { CacheManager } from '../dist/index.js'

describe('smoke', () => {
  it('exposes gc to tests', () => {
    expect(typeof globalThis.gc).toBe('function')
    expect(new CacheManager().size).toBe(0)
  })
})
