// Evaluates a batch of IAM requests with @cloud-copilot/iam-simulate, in one process.
//
// stdin:  {"jobs": [{"simulations": [Simulation, ...], "expect": [bool, ...] | null}, ...]}
// stdout: {"engine": "<version>", "jobs": [{"results": [Result, ...], "mismatch": index | null}, ...]}
//
// With --serve, one batch after another for as long as stdin is open: each stdin line names the files
// of one batch, {"id": n, "in": path, "out": path}; the batch is read from "in", its output written to
// "out", and the line {"id": n} (or {"id": n, "error": text}) printed. Only short lines cross the pipes,
// so neither side can block on a full pipe while the other waits to be read.
//
// With "expect", a job stops at the first simulation whose outcome (allowed or not) differs from
// it: the proof's single-element removals need one flipped request each, not all of them.
// Identical simulations are evaluated once per batch.
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { getDenialReasons, getGrantReasons, runSimulation } from '@cloud-copilot/iam-simulate'

const require = createRequire(import.meta.url)
// The package exports no package.json; find it above its entry point.
let dir = dirname(require.resolve('@cloud-copilot/iam-simulate'))
while (!dir.endsWith('iam-simulate')) dir = dirname(dir)
const engineVersion = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version

function summarize(response) {
  if (response.resultType === 'error') {
    return { decision: 'Error', error: response.errors.message }
  }
  if (response.resultType !== 'single') {
    // A wildcard in the request's resource: the request model must name one resource.
    return { decision: 'Error', error: `resource evaluated as a pattern (${response.resultType})` }
  }
  const analysis = response.result.analysis
  return {
    decision: response.overallResult,
    grants: getGrantReasons(analysis),
    denials: getDenialReasons(analysis),
    ignoredContextKeys: response.result.ignoredContextKeys ?? []
  }
}

// One batch's cache: a served process keeps no memory of earlier batches.
async function evaluateBatch(input) {
  const cache = new Map()
  async function evaluate(simulation) {
    const key = JSON.stringify(simulation)
    if (!cache.has(key)) {
      cache.set(key, summarize(await runSimulation(simulation, {})))
    }
    return cache.get(key)
  }
  const jobs = []
  for (const job of input.jobs) {
    const results = []
    let mismatch = null
    for (const [i, simulation] of job.simulations.entries()) {
      const result = await evaluate(simulation)
      results.push(result)
      if (job.expect && (result.decision === 'Allowed') !== job.expect[i]) {
        mismatch = i
        break
      }
    }
    jobs.push({ results, mismatch })
  }
  return { engine: engineVersion, jobs }
}

if (process.argv[2] === '--serve') {
  for await (const line of createInterface({ input: process.stdin })) {
    const { id, in: batch, out } = JSON.parse(line)
    try {
      writeFileSync(out, JSON.stringify(await evaluateBatch(JSON.parse(readFileSync(batch, 'utf8')))))
      process.stdout.write(JSON.stringify({ id }) + '\n')
    } catch (error) {
      process.stdout.write(JSON.stringify({ id, error: String(error?.message ?? error) }) + '\n')
    }
  }
} else {
  process.stdout.write(JSON.stringify(await evaluateBatch(JSON.parse(readFileSync(0, 'utf8')))))
}
