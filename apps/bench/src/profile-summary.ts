import { readFileSync } from 'node:fs';

/**
 * `node dist/apps/bench/apps/bench/src/profile-summary.js [--from µs --to µs] [--top 25] file.cpuprofile…`
 *
 * Top self-time functions of V8 CPU profiles (`--cpu-prof`), counting only
 * the samples taken between --from and --to: a suite prints its measured
 * window in the same monotonic microseconds as the profiles' timestamps
 * (CLOCK_MONOTONIC, shared by every process on the machine), so a profile
 * of a whole run can be cut down to the phase that was measured.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

function option(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : undefined;
}

const from = option('from') ?? -Infinity;
const to = option('to') ?? Infinity;
const top = option('top') ?? 25;
const files = process.argv.slice(2).filter((arg, i, all) => arg.endsWith('.cpuprofile') && !all[i - 1]?.startsWith('--'));

const selfSamples = new Map<string, number>();
let total = 0;
let idle = 0;
for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const names = new Map(
    profile.nodes.map((node) => {
      const { functionName, url, lineNumber } = node.callFrame;
      const where = url ? ` ${url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${lineNumber + 1}` : '';
      return [node.id, `${functionName || '(anonymous)'}${where}`];
    }),
  );
  let time = profile.startTime;
  profile.samples.forEach((nodeId, i) => {
    time += profile.timeDeltas[i];
    if (time < from || time > to) return;
    const name = names.get(nodeId)!;
    if (name === '(idle)') {
      idle++;
      return;
    }
    total++;
    selfSamples.set(name, (selfSamples.get(name) ?? 0) + 1);
  });
}

process.stdout.write(`${total} busy samples (${idle} idle) in ${files.length} profile(s)\n\n| self % | function |\n|---|---|\n`);
for (const [name, count] of [...selfSamples].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  process.stdout.write(`| ${((count * 100) / total).toFixed(1)} | ${name} |\n`);
}
