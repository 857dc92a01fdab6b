/**
 * Network faults for the test S3 proxy (s3server.ts): which request gets which fault, and how each
 * fault is delivered on the wire. A fault is drawn per request from a seeded hash of (seed, method,
 * URL, how many times that method+URL was seen), so a campaign replays the same faults for the same
 * requests whatever the interleaving of concurrent requests.
 *
 * Kinds, as seen on real networks and services:
 * - `500`, `503`: an error answer (503 is SlowDown with a Retry-After of 0–1 s); nothing reaches the store.
 * - `reset`: the connection is dropped before the request reaches the store.
 * - `lost`: the request reaches the store (a PUT lands), then the connection drops before any answer.
 * - `cut`: the answer's headers and part of its body are sent, then the connection drops.
 * - `stall`: the request reaches the store, then the answer stops — before its headers or midway
 *   through its body — and the connection stays open until the client gives up (or `stallMs`).
 * - `latency`: the request waits up to `latencyMs` before it is handled normally.
 * - `409` (rules only): R2's ConditionalRequestConflict; nothing reaches the store.
 */
import type http from 'node:http';
import { seededRandom } from '../../core/demo/sample-data';

export const FAULT_KINDS = ['500', '503', 'reset', 'lost', 'cut', 'stall', 'latency'] as const;
/** Drawn at random by a plan; `409` (R2's answer to a conditional write racing another) only by a rule. */
export type FaultKind = (typeof FAULT_KINDS)[number] | '409';

export interface FaultPlan {
  /** Share of requests that get a fault, 0–1. */
  rate: number;
  seed: number;
  /** Relative weight of each kind (default 1 each; 0 turns a kind off). */
  weights?: Partial<Record<FaultKind, number>>;
  /** Upper bound of a latency fault's delay (default 200 ms). */
  latencyMs?: number;
  /** A stalled answer is dropped after this long if the client has not given up first (default 60 s). */
  stallMs?: number;
}

/** A fault for the next requests that match, whatever the plan (for tests of one failure). */
export interface FaultRule {
  method?: string;
  /** Matched against the decoded path and query, e.g. `/bucket/table/_delta_log/00000000000000000001.json?x-id=PutObject`. */
  url?: RegExp;
  kind: FaultKind;
  /** How many matching requests get it (default 1). */
  times?: number;
  /** For `cut` and `stall`: where in the answer to stop, 0–1 (default 0.5). */
  at?: number;
}

export interface FaultStats {
  requests: number;
  faults: Record<FaultKind, number>;
}

/** The answer the store gave, held whole so that a fault can deliver part of it. */
export interface UpstreamAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A 32-bit FNV-1a hash: a stable seed per request from its identity. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export interface DrawnFault {
  kind: FaultKind;
  /** A uniform number for the fault's own choices (delay, where to cut, Retry-After). */
  u: number;
}

export class FaultInjector {
  private plan?: FaultPlan;
  private readonly seen = new Map<string, number>();
  private rules: (FaultRule & { left: number })[] = [];
  readonly stats: FaultStats = { requests: 0, faults: Object.fromEntries([...FAULT_KINDS, '409'].map((k) => [k, 0])) as Record<FaultKind, number> };

  setPlan(plan: FaultPlan | undefined): void {
    this.plan = plan;
    this.seen.clear();
  }

  get current(): FaultPlan | undefined {
    return this.plan;
  }

  addRule(rule: FaultRule): void {
    this.rules.push({ ...rule, left: rule.times ?? 1 });
  }

  clearRules(): void {
    this.rules = [];
  }

  /** The fault for this request, or undefined (counted either way while a plan is set). */
  draw(method: string, url: string): DrawnFault | undefined {
    const decoded = decodeURIComponent(url);
    const rule = this.rules.find((r) => r.left > 0 && (r.method === undefined || r.method === method) && (r.url === undefined || r.url.test(decoded)));
    if (rule) {
      rule.left--;
      this.stats.faults[rule.kind]++;
      return { kind: rule.kind, u: rule.at ?? 0.5 };
    }
    const plan = this.plan;
    if (!plan || plan.rate <= 0) return undefined;
    this.stats.requests++;
    const identity = `${method} ${url}`;
    const occurrence = (this.seen.get(identity) ?? 0) + 1;
    this.seen.set(identity, occurrence);
    const random = seededRandom(hash(`${plan.seed}|${identity}|${occurrence}`));
    if (random() >= plan.rate) return undefined;
    const kinds = FAULT_KINDS.map((kind) => [kind, plan.weights?.[kind] ?? 1] as const).filter(([, w]) => w > 0);
    const total = kinds.reduce((sum, [, w]) => sum + w, 0);
    let pick = random() * total;
    for (const [kind, weight] of kinds) {
      pick -= weight;
      if (pick < 0) {
        this.stats.faults[kind]++;
        return { kind, u: random() };
      }
    }
    return undefined;
  }

  latencyOf(fault: DrawnFault): number {
    return fault.u * (this.plan?.latencyMs ?? 200);
  }

  stallLimitMs(): number {
    return this.plan?.stallMs ?? 60_000;
  }
}

/** Drops the client's connection without an answer. */
export function dropConnection(req: http.IncomingMessage, res: http.ServerResponse): void {
  req.resume();
  res.socket?.destroy();
}

/**
 * Sends `answer` the way `fault` says: whole (no fault or a fault that does not touch the answer),
 * not at all (`lost`), cut midway (`cut`), or stalled before its headers or midway (`stall`).
 * Resolves when the client has its answer or the connection is gone.
 */
export async function deliver(res: http.ServerResponse, answer: UpstreamAnswer, fault: DrawnFault | undefined, stallLimitMs: number): Promise<void> {
  const kind = fault?.kind;
  if (kind === 'lost') {
    res.socket?.destroy();
    return;
  }
  if (kind !== 'cut' && kind !== 'stall') {
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
    return;
  }
  // Where the answer stops: a stall may come before the headers; a cut always sends them.
  const stopAt = Math.floor(fault!.u * answer.body.length);
  const beforeHeaders = kind === 'stall' && (answer.body.length === 0 || fault!.u < 0.3);
  if (!beforeHeaders) {
    res.writeHead(answer.status, answer.headers);
    res.write(answer.body.subarray(0, stopAt));
    // Flush the partial answer before the drop, or the client may not see the headers at all.
    await new Promise<void>((resolve) => res.socket?.write('', () => resolve()) ?? resolve());
  }
  if (kind === 'cut') {
    res.socket?.destroy();
    return;
  }
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      res.socket?.destroy();
      resolve();
    }, stallLimitMs);
    res.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
