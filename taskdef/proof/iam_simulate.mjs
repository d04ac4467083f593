// Evaluates a batch of IAM requests with @cloud-copilot/iam-simulate, in one process.
//
// stdin:  {"jobs": [{"simulations": [Simulation, ...], "expect": [bool, ...] | null}, ...]}
// stdout: {"engine": "<version>", "jobs": [{"results": [Result, ...], "mismatch": index | null}, ...]}
//
// With "expect", a job stops at the first simulation whose outcome (allowed or not) differs from
// it: the proof's single-element removals need one flipped request each, not all of them.
// Identical simulations are evaluated once per batch.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
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

const cache = new Map()
async function evaluate(simulation) {
  const key = JSON.stringify(simulation)
  if (!cache.has(key)) {
    cache.set(key, summarize(await runSimulation(simulation, {})))
  }
  return cache.get(key)
}

const input = JSON.parse(readFileSync(0, 'utf8'))
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
process.stdout.write(JSON.stringify({ engine: engineVersion, jobs }))
