/**
 * How the fleet tier turns values into bytes and back.
 */

/** Encodes values for Redis. `name` goes into every envelope, so a reader can tell a payload
 * written by another codec from a corrupt one. */
export interface Codec {
  /** A short ASCII name (1 to 32 characters), written into every envelope. */
  readonly name: string
  /** The bytes of `value`; throws for a value it cannot encode. */
  encode(value: unknown): Uint8Array
  /** The value `bytes` encodes; throws for bytes it did not write. */
  decode(bytes: Uint8Array): unknown
}
