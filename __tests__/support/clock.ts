/** A manually advanced clock for the `clock` option: set `now`, pass `read`. */
export function manualClock() {
  const clock = { now: 0, read: () => clock.now }
  return clock
}
