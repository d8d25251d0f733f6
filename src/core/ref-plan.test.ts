import { describe, expect, it } from 'vitest';
import { compareRefs, planRefs } from './ref-plan.ts';
import { CODECOMMIT_MAX_REF_UPDATES, incrementPoints, planPushSteps } from './push-plan.ts';

const m = (o: Record<string, string>): Map<string, string> => new Map(Object.entries(o));

describe('planRefs', () => {
  it('creates, updates and deletes only branches and tags, never refs/pull/*', () => {
    const plan = planRefs(
      m({
        'refs/heads/main': 'b',
        'refs/heads/new': 'n',
        'refs/tags/v1': 't',
        'refs/pull/1/head': 'p',
        HEAD: 'b',
      }),
      m({ 'refs/heads/main': 'a', 'refs/heads/gone': 'g', 'refs/tags/v1': 't' }),
      { pushed: m({ 'refs/heads/main': 'a', 'refs/heads/gone': 'g' }), fastForward: new Set() },
    );
    expect(plan.actions).toEqual([
      { kind: 'update', ref: 'refs/heads/main', from: 'a', sha: 'b', backup: 'force-pushed' },
      { kind: 'create', ref: 'refs/heads/new', sha: 'n' },
      { kind: 'delete', ref: 'refs/heads/gone', from: 'g', backup: 'deleted' },
    ]);
    expect(plan.upToDate).toBe(1);
    expect(plan.divergent).toEqual([]);
  });

  it('moves a ref forward even without a record, but never deletes one the mirror did not push', () => {
    const plan = planRefs(
      m({ 'refs/heads/main': 'b' }),
      m({ 'refs/heads/main': 'a', 'refs/heads/made-in-cc': 'b', 'refs/tags/cc-tag': 'a' }),
      { pushed: new Map(), fastForward: new Set(['refs/heads/main']) },
    );
    expect(plan.actions).toEqual([{ kind: 'update', ref: 'refs/heads/main', from: 'a', sha: 'b' }]);
    expect(plan.divergent.map((d) => d.ref)).toEqual(['refs/heads/made-in-cc', 'refs/tags/cc-tag']);
  });

  it('reports refs moved by someone else and leaves them alone', () => {
    const plan = planRefs(
      m({ 'refs/heads/main': 'b' }),
      m({ 'refs/heads/main': 'x', 'refs/heads/cc-only': 'y' }),
      { pushed: m({ 'refs/heads/main': 'w', 'refs/heads/cc-only': 'z' }), fastForward: new Set() },
    );
    expect(plan.actions).toEqual([]);
    expect(plan.divergent).toEqual([
      { ref: 'refs/heads/main', source: 'b', target: 'x' },
      { ref: 'refs/heads/cc-only', source: undefined, target: 'y' },
    ]);
  });

  it('never plans, compares or prunes the backup namespace, on either side', () => {
    const backup = 'refs/heads/gh2cc-backup/20261126T221000Z-aaaaaaaa/heads/main';
    const plan = planRefs(
      m({ 'refs/heads/gh2cc-backup/main': 'a', 'refs/heads/main': 'b' }),
      m({ 'refs/heads/main': 'b', [backup]: 'a' }),
      { pushed: m({ [backup]: 'a' }), fastForward: new Set() },
      { onDivergence: 'overwrite' },
    );
    expect(plan.actions).toEqual([]);
    expect(plan.divergent).toEqual([]);
    expect(compareRefs(m({ 'refs/heads/gh2cc-backup/x': '1' }), m({ [backup]: '2' }))).toEqual([]);
  });

  it('backs up what a force-push or deletion replaces, not a fast-forward', () => {
    const plan = planRefs(
      m({ 'refs/heads/ff': 'b', 'refs/heads/forced': 'c' }),
      m({ 'refs/heads/ff': 'a', 'refs/heads/forced': 'x', 'refs/tags/gone': 't' }),
      {
        pushed: m({ 'refs/heads/ff': 'a', 'refs/heads/forced': 'x', 'refs/tags/gone': 't' }),
        fastForward: new Set(['refs/heads/ff']),
      },
    );
    expect(plan.actions).toEqual([
      { kind: 'update', ref: 'refs/heads/ff', from: 'a', sha: 'b' },
      { kind: 'update', ref: 'refs/heads/forced', from: 'x', sha: 'c', backup: 'force-pushed' },
      { kind: 'delete', ref: 'refs/tags/gone', from: 't', backup: 'deleted' },
    ]);
  });

  it("under onDivergence: overwrite, makes diverged refs GitHub's after a backup", () => {
    const plan = planRefs(
      m({ 'refs/heads/main': 'b' }),
      m({ 'refs/heads/main': 'x', 'refs/heads/cc-only': 'y' }),
      { pushed: m({ 'refs/heads/main': 'w' }), fastForward: new Set() },
      { onDivergence: 'overwrite' },
    );
    expect(plan.divergent).toEqual([]);
    expect(plan.actions).toEqual([
      { kind: 'update', ref: 'refs/heads/main', from: 'x', sha: 'b', backup: 'overwritten' },
      { kind: 'delete', ref: 'refs/heads/cc-only', from: 'y', backup: 'overwritten' },
    ]);
  });

  it('compares both sides ref by ref', () => {
    expect(
      compareRefs(m({ 'refs/heads/a': '1', 'refs/pull/1/head': '9' }), m({ 'refs/heads/a': '1' })),
    ).toEqual([]);
    expect(
      compareRefs(m({ 'refs/heads/a': '1' }), m({ 'refs/heads/a': '2', 'refs/tags/x': '3' })),
    ).toHaveLength(2);
  });
});

describe('planPushSteps', () => {
  it('never puts more than the limit in one push, and orders increments, branches, tags, deletes', () => {
    const actions = [
      { kind: 'create' as const, ref: 'refs/heads/main', sha: 'm' },
      ...Array.from({ length: 4500 }, (_, i) => ({
        kind: 'create' as const,
        ref: `refs/tags/t${i}`,
        sha: 's',
      })),
      { kind: 'delete' as const, ref: 'refs/heads/old', from: 'o' },
    ];
    const steps = planPushSteps(
      actions,
      new Map([['refs/heads/main', ['i1', 'i2']]]),
      CODECOMMIT_MAX_REF_UPDATES,
    );
    expect(steps.map((s) => [s.kind, s.updates.length])).toEqual([
      ['increment', 1],
      ['increment', 1],
      ['refs', 4000],
      ['tags', 501],
      ['deletes', 1],
    ]);
    expect(steps[0]?.updates[0]).toEqual({ ref: 'refs/heads/main', sha: 'i1', expect: '' });
    expect(steps[1]?.updates[0]).toEqual({ ref: 'refs/heads/main', sha: 'i2', expect: 'i1' });
    expect(steps[2]?.updates[0]).toEqual({ ref: 'refs/heads/main', sha: 'm', expect: 'i2' });
    expect(steps[4]?.updates[0]).toEqual({ ref: 'refs/heads/old', sha: undefined, expect: 'o' });
    expect(planPushSteps(actions.slice(0, 3), new Map(), 4000).map((s) => s.kind)).toEqual(['refs']);
    expect(() => planPushSteps(actions, new Map(), 4001)).toThrow(RangeError);
  });

  it('pushes backups first, in pushes of their own, and expires old backups last', () => {
    const sha = 'ab'.repeat(20);
    const steps = planPushSteps(
      [
        { kind: 'update', ref: 'refs/heads/main', from: sha, sha: 'n', backup: 'force-pushed' },
        { kind: 'delete', ref: 'refs/tags/v1', from: sha, backup: 'deleted' },
      ],
      new Map(),
      4000,
      { now: new Date('2026-11-26T22:10:05.123Z'), expire: new Map([['refs/heads/gh2cc-backup/old', 'o']]) },
    );
    expect(steps.map((s) => s.kind)).toEqual(['backups', 'branches', 'deletes', 'expire']);
    expect(steps[0]?.updates).toEqual([
      {
        ref: 'refs/heads/gh2cc-backup/20261126T221005Z-abababab/heads/main',
        sha,
        expect: '',
        backupOf: 'refs/heads/main',
      },
      {
        ref: 'refs/heads/gh2cc-backup/20261126T221005Z-abababab/tags/v1',
        sha,
        expect: '',
        backupOf: 'refs/tags/v1',
      },
    ]);
    expect(steps[3]?.updates).toEqual([{ ref: 'refs/heads/gh2cc-backup/old', sha: undefined, expect: 'o' }]);
  });

  it('picks increment points every N first-parent commits, excluding the tip', () => {
    const list = Array.from({ length: 2500 }, (_, i) => `c${i + 1}`);
    expect(incrementPoints(list, 1000)).toEqual(['c1000', 'c2000']);
    expect(incrementPoints(list.slice(0, 1000), 1000)).toEqual([]);
    expect(incrementPoints(list.slice(0, 1001), 1000)).toEqual(['c1000']);
  });
});
