// Forked processes that answer questions over IPC: the instances of the fleet demo and of the
// fleet benchmark. Both sides of one small protocol live here:
//
//   child:  serveParent(answers) once it is ready; the parent's { id, op, ...question } is
//           answered with answers[op](question) as { id, answer }, or { id, error }
//   parent: startProcesses(script, argv, count) resolves once every child is ready; each has
//           ask(op, question) and close() (asks 'close', then disconnects: the child exits)
//
// A child exits when its parent disconnects or dies; the parent kills the children it still has
// when it exits.

import { fork } from 'node:child_process'

const live = new Set()
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL')
})

/** The child's side: answers the parent's questions, and exits when the parent goes away. */
export function serveParent(answers) {
  process.on('message', ({ id, op, ...question }) => {
    Promise.resolve()
      .then(() => answers[op](question))
      .then(
        (answer) => process.send({ id, answer }),
        (error) => process.send({ id, error: String(error?.stack ?? error) }),
      )
  })
  process.on('disconnect', () => process.exit(0))
  process.send({ ready: true })
}

function startProcess(script, argv) {
  // Children write to stderr only, so that the parent's stdout stays its report.
  const child = fork(script, argv, { stdio: ['ignore', 2, 2, 'ipc'] })
  live.add(child)
  const pending = new Map()
  let nextId = 0
  let exited
  // A send racing the child's exit (Ctrl-C): the exit handler below rejects what waits.
  child.on('error', () => {})
  const exit = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      live.delete(child)
      exited = new Error(`process ${child.pid} (${script}) exited (${signal ?? code})`)
      for (const { reject } of pending.values()) reject(exited)
      resolve()
    })
  })
  const handle = {
    ask(op, question = {}) {
      if (exited || !child.connected) {
        return Promise.reject(exited ?? new Error(`process ${child.pid} is disconnected`))
      }
      const id = nextId++
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject })
        child.send({ id, op, ...question })
      })
    },
    async close() {
      if (exited || !child.connected) return
      await handle.ask('close').catch(() => {})
      child.disconnect()
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000)
      await exit
      clearTimeout(timer)
    },
  }
  return new Promise((resolve, reject) => {
    child.on('message', (message) => {
      if (message.ready) {
        resolve(handle)
        return
      }
      const call = pending.get(message.id)
      pending.delete(message.id)
      if (message.error !== undefined) call?.reject(new Error(message.error))
      else call?.resolve(message.answer)
    })
    exit.then(() => reject(exited))
  })
}

/**
 * Forks `count` children of `script` (argv: an array, or a function of the child's index) and
 * resolves once all are ready; if one fails to start, closes the others and rejects.
 */
export async function startProcesses(script, argv, count) {
  const started = await Promise.allSettled(
    Array.from({ length: count }, (_, i) =>
      startProcess(script, typeof argv === 'function' ? argv(i) : argv),
    ),
  )
  const processes = started.filter((s) => s.status === 'fulfilled').map((s) => s.value)
  const close = () => Promise.all(processes.map((p) => p.close()))
  const failed = started.find((s) => s.status === 'rejected')
  if (failed) {
    await close()
    throw failed.reason
  }
  return { processes, close }
}

/** Ends every child still running (SIGTERM) and resolves once they have exited. */
export function killProcesses() {
  return Promise.all(
    [...live].map((child) => {
      const exit = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      return exit
    }),
  )
}
