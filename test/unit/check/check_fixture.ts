/**
 * Helpers for the checker-core tests: parse a config through the real front end, plan it,
 * and drive the engine with a fake clock.
 */
import assert from 'node:assert/strict';
import { parseText } from '../config/lvs_fixture.js';
import { planChecks, type CheckPlan } from '../../../src/check/checker_plan.js';
import {
  engineStart,
  engineStep,
  engineTimers,
  initialEngineState,
  type CheckEngineState,
  type EngineAction,
} from '../../../src/check/check_engine.js';
import type { CheckerEvent } from '../../../src/check/checker_state.js';

export const S = 1_000_000;

export function planFrom(text: string): CheckPlan {
  const p = parseText(text);
  const config = p.result.config;
  assert.ok(config !== undefined, JSON.stringify(p.diagnostics));
  return planChecks(config.lvs, config.global);
}

/** A small harness: engine state, clock and the actions seen so far. */
export class Harness {
  state: CheckEngineState;
  nowUs = 0;
  readonly actions: EngineAction[] = [];
  constructor(readonly plan: CheckPlan) {
    this.state = initialEngineState(plan);
  }
  start(random = 0): this {
    const t = engineStart(this.plan, this.state, { nowUs: this.nowUs, random: () => random });
    this.state = t.state;
    this.actions.push(...t.actions);
    return this;
  }
  /** Advances to `atUs`, firing timers; returns the probes started. */
  advance(atUs: number): number[] {
    this.nowUs = atUs;
    const t = engineTimers(this.plan, this.state, atUs);
    this.state = t.state;
    this.actions.push(...t.actions);
    return t.actions.flatMap((a) => (a.kind === 'run_probe' ? [a.checkerId] : []));
  }
  feed(checkerId: number, event: CheckerEvent): void {
    const t = engineStep(this.plan, this.state, { kind: 'checker', checkerId, event }, this.nowUs);
    this.state = t.state;
    this.actions.push(...t.actions);
  }
  /** Runs the next due probe of checker `id` with result `ok`; returns when it ran. */
  probe(id: number, ok: boolean, detail?: string): number {
    const slot = this.state.checkers[id]?.timed;
    const d = slot?.probing === true ? this.nowUs : slot?.deadlineUs;
    assert.ok(d !== undefined, 'no deadline');
    if (slot?.probing !== true) {
      const started = this.advance(d);
      assert.ok(started.includes(id), `checker ${id} did not start at ${d}`);
    }
    this.feed(id, detail === undefined ? { kind: 'probe_result', ok } : { kind: 'probe_result', ok, detail });
    return d;
  }
  logs(): string[] {
    return this.actions.flatMap((a) => (a.kind === 'log' ? [a.text] : []));
  }
  clear(): void {
    this.actions.length = 0;
  }
}

export function tcpService(rsBody: string, vsBody = '', rsCount = 1): string {
  const rss = Array.from(
    { length: rsCount },
    (_x, i) => `  real_server 10.0.0.${i + 2} 80 {\n${rsBody}\n  }`,
  ).join('\n');
  return `virtual_server 10.0.0.1 80 {\n  protocol TCP\n  lb_algo rr\n  lb_kind NAT\n  delay_loop 6\n${vsBody}\n${rss}\n}\n`;
}
