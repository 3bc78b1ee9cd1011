/**
 * When to stop asking Redis and when to try again. After `failureThreshold` failures in a row
 * the breaker opens: commands fail at once, without a round trip, for `retryAfterMs`. Then it is
 * half-open: one command goes through as a probe; its success closes the breaker, its failure
 * opens it again. A slow or absent Redis so costs each instance a few timeouts, not one per
 * request.
 */

export type BreakerState = 'closed' | 'open' | 'half-open'

export class Breaker {
  #failures = 0
  #openUntil = 0
  #probing = false
  #open = false

  /** @param onOpen - called each time the breaker opens. */
  constructor(
    private readonly failureThreshold: number,
    private readonly retryAfterMs: number,
    private readonly onOpen: () => void,
  ) {}

  get state(): BreakerState {
    if (!this.#open) return 'closed'
    return performance.now() < this.#openUntil ? 'open' : 'half-open'
  }

  /**
   * Whether a command may go to Redis now; a `true` in the half-open state makes that command
   * the probe, which must end with `succeeded` or `failed`.
   */
  allow(): boolean {
    if (!this.#open) return true
    if (this.#probing || performance.now() < this.#openUntil) return false
    this.#probing = true
    return true
  }

  succeeded(): void {
    this.#failures = 0
    this.#open = false
    this.#probing = false
  }

  failed(): void {
    this.#failures += 1
    if (this.#probing || (!this.#open && this.#failures >= this.failureThreshold)) {
      this.#open = true
      this.#probing = false
      this.#openUntil = performance.now() + this.retryAfterMs
      this.onOpen()
    }
  }
}
