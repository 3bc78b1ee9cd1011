// Without redis-server on PATH the harness fails, naming the Debian packages to install, rather
// than skipping the fleet tier's suites. A file of its own: the harness looks the binary up once
// per test process.
import { expect, it } from 'vitest'
import { startRedis } from '../support/redis.js'

it('fails naming the Debian packages to install when redis-server is not on PATH', async () => {
  const path = process.env.PATH
  process.env.PATH = '/nonexistent'
  try {
    await expect(startRedis()).rejects.toThrow(
      /^redis-server is not on PATH: .* Install the Debian packages redis-server and redis-tools \(apt-get install redis-server redis-tools\)\.$/,
    )
  } finally {
    process.env.PATH = path
  }
})
