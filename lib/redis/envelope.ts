// TEMPORARY stand-in until the codec branch lands.
import type { Codec } from './codec.js'

export function encodeEnvelope(codec: Codec, value: unknown, _key: string): Buffer {
  return Buffer.concat([Buffer.from('hc1'), codec.encode(value)])
}

export function decodeEnvelope(codec: Codec, bytes: Uint8Array, _key: string): unknown {
  if (Buffer.from(bytes.subarray(0, 3)).toString() !== 'hc1') throw new Error('not ours')
  return codec.decode(bytes.subarray(3))
}
