// The worker threads of the shared-mode benchmark, and both sides of the small protocol they
// speak (the threads' version of demo/processes.mjs):
//
//   worker: serveMain(answers): the main thread's { id, op, ...question } is answered with
//           answers[op](question) as { id, answer }, or { id, error }
//   main:   startWorkers(count, data) resolves with `count` workers of bench/shared_worker.mjs,
//           each with ask(op, question); close() terminates them all
//
// A burst starts in every worker at once through `control`, an Int32Array over shared memory:
// each worker counts itself in at ARRIVED and sleeps on GO; the main thread waits for all of
// them, then raises GO. Workers inherit --expose-gc from the process (npm run bench:shared).

import { fileURLToPath } from 'node:url'
import { parentPort, Worker } from 'node:worker_threads'

const WORKER = fileURLToPath(new URL('./shared_worker.mjs', import.meta.url))
const ARRIVED = 0
const GO = 1

/** The worker's side: answers the main thread's questions, one at a time. */
export function serveMain(answers) {
  parentPort.on('message', ({ id, op, ...question }) => {
    Promise.resolve()
      .then(() => answers[op](question))
      .then(
        (answer) => parentPort.postMessage({ id, answer }),
        (error) => parentPort.postMessage({ id, error: String(error?.stack ?? error) }),
      )
  })
}

/** In a worker: counts this worker in, then sleeps until the main thread raises GO to `round`. */
export function awaitGo(control, round) {
  Atomics.add(control, ARRIVED, 1)
  Atomics.notify(control, ARRIVED)
  while (Atomics.load(control, GO) < round) Atomics.wait(control, GO, round - 1, 1000)
}

function startWorker(data) {
  const worker = new Worker(WORKER, { workerData: data, stdout: false, stderr: false })
  const pending = new Map()
  let nextId = 0
  let failed
  const fail = (error) => {
    failed ??= error
    for (const { reject } of pending.values()) reject(failed)
    pending.clear()
  }
  worker.on('error', fail)
  worker.on('exit', (code) => fail(new Error(`a shared-mode bench worker exited (${code})`)))
  worker.on('message', ({ id, answer, error }) => {
    const waiter = pending.get(id)
    if (waiter === undefined) return
    pending.delete(id)
    if (error === undefined) waiter.resolve(answer)
    else waiter.reject(new Error(error))
  })
  return {
    ask(op, question = {}) {
      if (failed) return Promise.reject(failed)
      const id = nextId++
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject })
        worker.postMessage({ id, op, ...question })
      })
    },
    terminate: () => worker.terminate(),
  }
}

/**
 * `count` workers, all given `data` (with `control` added). `burst(op, question)` asks every
 * worker `op` and starts them at once (their answer must call awaitGo with the question's
 * `round`); `close()` terminates them.
 */
export function startWorkers(count, data = {}) {
  const control = new Int32Array(new SharedArrayBuffer(8))
  const workers = Array.from({ length: count }, () => startWorker({ ...data, control }))
  let round = 0
  return {
    workers,
    async burst(op, question) {
      round++
      Atomics.store(control, ARRIVED, 0)
      const answers = Promise.all(workers.map((w) => w.ask(op, { ...question, round })))
      let failed
      answers.catch((error) => {
        failed = error
      })
      // The main thread may block here: it has nothing to do until every worker has arrived.
      for (;;) {
        const arrived = Atomics.load(control, ARRIVED)
        if (arrived >= count) break
        Atomics.wait(control, ARRIVED, arrived, 5)
        // Lets a worker's error (or early answer) be seen rather than waiting forever.
        await new Promise((resolve) => setImmediate(resolve))
        if (failed) throw failed
      }
      Atomics.store(control, GO, round)
      Atomics.notify(control, GO)
      return answers
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()))
    },
  }
}
