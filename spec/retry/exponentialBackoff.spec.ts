import { expect } from 'chai';
import sinon from 'sinon';
import { exponentialBackoff, type BackoffOptions, type BackoffSchedule } from '../../lib/retry/exponentialBackoff.js';
import { mulberry32, sequence } from '../helpers/random.js';

/** The message of a failed option check: it names the option and renders the value it got. */
function optionMessage(option: string, received: string): RegExp {
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^\`${escape(option)}\` must be .+, got ${escape(received)}$`);
}

/** Calls `schedule` for attempts 1..count, feeding each delay back as the previous one. */
function delays(schedule: BackoffSchedule, count: number): number[] {
  const out: number[] = [];
  let previous: number | undefined;
  for (let attempt = 1; attempt <= count; attempt++) {
    previous = schedule(attempt, previous);
    out.push(previous);
  }
  return out;
}

/** The un-jittered delay of an attempt. */
const exact = (base: number, factor: number, max: number, attempt: number) =>
  Math.min(max, base * factor ** (attempt - 1));

describe('exponentialBackoff', () => {
  describe('without jitter', () => {
    it('grows by the factor and stays at the cap', () => {
      const schedule = exponentialBackoff({ baseDelayMs: 1000, factor: 2, maxDelayMs: 5000, jitter: 'none' });
      expect([1, 2, 3, 4, 5].map((attempt) => schedule(attempt))).to.deep.equal([1000, 2000, 4000, 5000, 5000]);
    });

    it('defaults to 1000 ms doubling up to 60000 ms', () => {
      const schedule = exponentialBackoff();
      expect([1, 2, 3, 6, 7, 8].map((attempt) => schedule(attempt))).to.deep.equal([
        1000, 2000, 4000, 32_000, 60_000, 60_000,
      ]);
    });

    it('gives exactly the cap for huge attempts, never NaN or Infinity', () => {
      const schedule = exponentialBackoff();
      // 2 ** 1024 overflows to Infinity: the cap must still come out.
      for (const attempt of [200, 1024, 1025, 5000, Number.MAX_SAFE_INTEGER]) {
        expect(schedule(attempt), `attempt ${attempt}`).to.equal(60_000);
      }
    });

    it('uses a factor of 1 as a constant delay', () => {
      const schedule = exponentialBackoff({ baseDelayMs: 250, factor: 1 });
      expect(delays(schedule, 5)).to.deep.equal([250, 250, 250, 250, 250]);
    });

    it('gives 0 for every attempt with a base of 0, even once factor ** (attempt - 1) overflows', () => {
      const schedule = exponentialBackoff({ baseDelayMs: 0 });
      for (const attempt of [1, 2, 1024, 1025, 5000]) {
        expect(schedule(attempt), `attempt ${attempt}`).to.equal(0);
      }
    });

    it('does not draw from random', () => {
      const random = sinon.spy(() => 0.5);
      const schedule = exponentialBackoff({ random });
      delays(schedule, 5);
      expect(random.callCount).to.equal(0);
    });
  });

  describe('jitter', () => {
    const base = 100;
    const max = 5000;
    const attempts = 500;

    it("'full' keeps each delay in [0, d) and under the cap", () => {
      const schedule = exponentialBackoff({
        baseDelayMs: base,
        maxDelayMs: max,
        jitter: 'full',
        random: mulberry32(1),
      });
      const out = delays(schedule, attempts);
      out.forEach((delay, i) => {
        expect(delay, `attempt ${i + 1}`)
          .to.be.at.least(0)
          .and.below(exact(base, 2, max, i + 1));
      });
      // Capped attempts spread over the whole range below the cap.
      expect(Math.max(...out)).to.be.above(max * 0.95);
      expect(Math.min(...out.slice(10))).to.be.below(max * 0.05);
    });

    it("'equal' keeps each delay in [d/2, d) and under the cap", () => {
      const schedule = exponentialBackoff({
        baseDelayMs: base,
        maxDelayMs: max,
        jitter: 'equal',
        random: mulberry32(2),
      });
      const out = delays(schedule, attempts);
      out.forEach((delay, i) => {
        const d = exact(base, 2, max, i + 1);
        expect(delay, `attempt ${i + 1}`)
          .to.be.at.least(d / 2)
          .and.below(d);
      });
      expect(Math.max(...out)).to.be.above(max * 0.95);
      expect(Math.min(...out.slice(10))).to.be.below(max * 0.55);
    });

    it('keeps the top of each span out, even for the largest draw below 1', () => {
      const largest = () => 1 - 2 ** -53;
      const equal = exponentialBackoff({ baseDelayMs: 500, maxDelayMs: 1e9, jitter: 'equal', random: largest });
      const decorrelated = exponentialBackoff({
        baseDelayMs: 1,
        maxDelayMs: 1e9,
        jitter: 'decorrelated',
        random: largest,
      });
      const full = exponentialBackoff({ baseDelayMs: 500, maxDelayMs: 1e9, jitter: 'full', random: largest });
      // [d/2, d) with d = 1000; [base, 3 * previous) with previous = 1000; [0, d).
      expect(equal(2)).to.be.below(1000).and.at.least(500);
      expect(decorrelated(5, 1000)).to.be.below(3000).and.at.least(1);
      expect(full(2)).to.be.below(1000);
    });

    it("'decorrelated' keeps each delay in [base, min(max, 3 * previous)] and reaches the cap", () => {
      const schedule = exponentialBackoff({
        baseDelayMs: base,
        maxDelayMs: max,
        jitter: 'decorrelated',
        random: mulberry32(3),
      });
      const out = delays(schedule, attempts);
      let previous = base;
      out.forEach((delay, i) => {
        expect(delay, `attempt ${i + 1}`)
          .to.be.at.least(base)
          .and.at.most(Math.min(max, 3 * previous));
        previous = delay;
      });
      expect(out).to.include(max);
    });

    it("'decorrelated' starts from the base when there is no previous delay, whatever the attempt", () => {
      const schedule = exponentialBackoff({
        baseDelayMs: base,
        maxDelayMs: max,
        jitter: 'decorrelated',
        random: () => 0.5,
      });
      // base + 0.5 * (3 * base - base), independent of attempt and factor.
      expect(schedule(1)).to.equal(200);
      expect(schedule(7)).to.equal(200);
    });

    for (const jitter of ['full', 'equal', 'decorrelated'] as const) {
      it(`'${jitter}' reproduces the same sequence from the same seed, and another from another seed`, () => {
        const run = (seed: number) =>
          delays(exponentialBackoff({ baseDelayMs: base, maxDelayMs: max, jitter, random: mulberry32(seed) }), 50);
        const first = run(42);
        expect(run(42)).to.deep.equal(first);
        expect(run(43)).not.to.deep.equal(first);
      });
    }

    it("'full' scales d by the random value", () => {
      const schedule = exponentialBackoff({ jitter: 'full', random: sequence(0.5, 0.5, 0, 0.25) });
      expect([1, 3, 3, 10].map((attempt) => schedule(attempt))).to.deep.equal([500, 2000, 0, 15_000]);
    });

    it("'equal' puts the random half of d above d/2", () => {
      const schedule = exponentialBackoff({ jitter: 'equal', random: sequence(0.5, 0, 0.5) });
      expect([1, 2, 20].map((attempt) => schedule(attempt))).to.deep.equal([750, 1000, 45_000]);
    });

    it("'decorrelated' draws between the base and three times the previous delay, capped", () => {
      const schedule = exponentialBackoff({
        maxDelayMs: 3000,
        jitter: 'decorrelated',
        random: sequence(0.5, 0.5, 0.5, 0),
      });
      expect(schedule(1)).to.equal(2000); // 1000 + 0.5 * (3000 - 1000)
      expect(schedule(2, 1500)).to.equal(2750); // 1000 + 0.5 * (4500 - 1000)
      expect(schedule(3, 2000)).to.equal(3000); // 3500, capped
      expect(schedule(4, 3000)).to.equal(1000); // the base when random is 0
    });

    it("caps 'decorrelated' after drawing", () => {
      const schedule = exponentialBackoff({
        baseDelayMs: 1000,
        maxDelayMs: 1500,
        jitter: 'decorrelated',
        random: () => 0.9,
      });
      // 1000 + 0.9 * (3000 - 1000) = 2800 before the cap.
      expect(schedule(1)).to.equal(1500);
    });

    it('draws the low end, never NaN, from a span that overflowed with no cap (maxDelayMs Infinity)', () => {
      const uncapped = (jitter: 'full' | 'equal' | 'decorrelated', random: number) =>
        exponentialBackoff({ baseDelayMs: 1000, maxDelayMs: Infinity, jitter, random: () => random });
      // 1000 * 2 ** 1024 and 3 * 1e308 overflow to Infinity: a draw of 0 is the low end of [low, Infinity).
      expect(uncapped('full', 0)(1025)).to.equal(0);
      expect(uncapped('decorrelated', 0)(2, 1e308)).to.equal(1000);
      // Above it, or with both ends at Infinity, the draw is Infinity (no delay to wait: the pool fails the task).
      expect(uncapped('full', 0.5)(1025)).to.equal(Infinity);
      expect(uncapped('equal', 0)(1025)).to.equal(Infinity);
      expect(uncapped('decorrelated', 0.5)(2, 1e308)).to.equal(Infinity);
    });

    for (const [value, rendered] of [
      [1, '1 (number)'],
      [-0.1, '-0.1 (number)'],
      [NaN, 'NaN (number)'],
      ['0.5', '0.5 (string)'],
    ] as const) {
      it(`throws a RangeError naming \`backoff.random\` when it returns ${String(value)}`, () => {
        for (const jitter of ['full', 'equal', 'decorrelated'] as const) {
          const schedule = exponentialBackoff({ jitter, random: () => value as number });
          expect(() => schedule(1), jitter).to.throw(
            RangeError,
            `\`backoff.random\` must return a number in [0, 1), got ${rendered}`,
          );
        }
      });
    }

    it('throws that RangeError, not what its toString throws, when it returns an object that cannot be shown', () => {
      const hostile = {
        toString: () => {
          throw new Error('no text');
        },
      };
      const schedule = exponentialBackoff({ jitter: 'full', random: () => hostile as unknown as number });
      expect(() => schedule(1)).to.throw(
        RangeError,
        '`backoff.random` must return a number in [0, 1), got [object Object] (object)',
      );
    });
  });

  describe('attempt', () => {
    for (const attempt of [0, -1, 1.5, NaN, Infinity]) {
      it(`throws a RangeError naming \`attempt\` for ${attempt}`, () => {
        const schedule = exponentialBackoff();
        expect(() => schedule(attempt)).to.throw(RangeError, optionMessage('attempt', `${attempt} (number)`));
      });
    }

    it('throws a TypeError naming `attempt` for a string', () => {
      const schedule = exponentialBackoff();
      expect(() => schedule('1' as unknown as number)).to.throw(TypeError, optionMessage('attempt', "'1' (string)"));
    });
  });

  describe('options', () => {
    type Case = readonly [value: unknown, error: typeof TypeError | typeof RangeError, rendered: string];
    const cases: Record<keyof BackoffOptions, readonly Case[]> = {
      baseDelayMs: [
        ['1000', TypeError, "'1000' (string)"],
        [null, TypeError, 'null'],
        [NaN, RangeError, 'NaN (number)'],
        [-1, RangeError, '-1 (number)'],
        [Infinity, RangeError, 'Infinity (number)'],
      ],
      maxDelayMs: [
        [true, TypeError, 'true (boolean)'],
        [NaN, RangeError, 'NaN (number)'],
        [-1, RangeError, '-1 (number)'],
        // Below the default baseDelayMs of 1000.
        [999, RangeError, '999 (number)'],
      ],
      factor: [
        ['2', TypeError, "'2' (string)"],
        [NaN, RangeError, 'NaN (number)'],
        [0.5, RangeError, '0.5 (number)'],
        [0, RangeError, '0 (number)'],
        [Infinity, RangeError, 'Infinity (number)'],
      ],
      jitter: [
        [5, TypeError, '5 (number)'],
        [true, TypeError, 'true (boolean)'],
        ['Full', RangeError, "'Full' (string)"],
        ['random', RangeError, "'random' (string)"],
      ],
      random: [
        [0.5, TypeError, '0.5 (number)'],
        [{}, TypeError, '[object Object] (object)'],
      ],
    };

    for (const [option, optionCases] of Object.entries(cases)) {
      it(`rejects a bad \`${option}\`, naming it and the value`, () => {
        for (const [value, error, rendered] of optionCases) {
          expect(() => exponentialBackoff({ [option]: value }), rendered).to.throw(
            error,
            optionMessage(`backoff.${option}`, rendered),
          );
        }
      });
    }

    it('rejects a maxDelayMs below the given baseDelayMs with a RangeError', () => {
      expect(() => exponentialBackoff({ baseDelayMs: 200, maxDelayMs: 100 })).to.throw(
        RangeError,
        '`backoff.maxDelayMs` must be a number >= 200 or Infinity, got 100 (number)',
      );
    });

    it('renders a negative base as the documented message', () => {
      expect(() => exponentialBackoff({ baseDelayMs: -1 })).to.throw(
        RangeError,
        /`backoff.baseDelayMs` must be .* got -1 \(number\)/,
      );
    });

    it('accepts the edges: base 0, max equal to base, max Infinity, factor 1', () => {
      expect(exponentialBackoff({ baseDelayMs: 0 })(3)).to.equal(0);
      expect(exponentialBackoff({ baseDelayMs: 300, maxDelayMs: 300 })(3)).to.equal(300);
      expect(exponentialBackoff({ maxDelayMs: Infinity })(8)).to.equal(128_000);
      expect(exponentialBackoff({ factor: 1 })(8)).to.equal(1000);
    });

    it('rejects an unknown option with a TypeError naming it, the option it may stand for, and the known ones', () => {
      expect(() => exponentialBackoff({ base: 100 } as BackoffOptions)).to.throw(
        TypeError,
        /^`backoff` has an unknown option 'base' \(did you mean `baseDelayMs`\?\); known options: baseDelayMs, maxDelayMs, factor, jitter, random$/,
      );
    });

    it('rejects options that are not an object with a TypeError', () => {
      for (const [value, rendered] of [
        [5, '5 (number)'],
        [null, 'null'],
        [[], '[object Array] (object)'],
        ['fast', "'fast' (string)"],
      ] as const) {
        expect(() => exponentialBackoff(value as BackoffOptions), rendered).to.throw(
          TypeError,
          optionMessage('backoff', rendered),
        );
      }
    });
  });
});
