// LiveState, which turns a connection's events into the tier's subscription reports: nothing
// before the subscription is first confirmed, each change once, and nothing after close().
import { describe, expect, it } from 'vitest'
import { LiveState } from '../../dist/redis/live_state.js'
import { recorder } from '../support/redis-events.js'

describe('LiveState', () => {
  it('reports nothing before start(), then live once', () => {
    const events = recorder()
    const state = new LiveState(events.events)
    state.set(false)
    state.set(true)
    expect(events.reports).toEqual([])
    state.start()
    state.set(true)
    expect(events.reports).toEqual([true])
  })

  it('reports each change of state once', () => {
    const events = recorder()
    const state = new LiveState(events.events)
    state.start()
    state.set(false)
    state.set(false)
    state.set(true)
    expect(events.reports).toEqual([true, false, true])
  })

  it('delivers messages until closed, and nothing after', () => {
    const events = recorder()
    const state = new LiveState(events.events)
    state.start()
    state.message('before')
    expect(state.open).toBe(true)
    state.close()
    expect(state.open).toBe(false)
    state.message('after')
    state.set(false)
    expect(events.reports).toEqual([true, 'before'])
  })
})
