/**
 * Mocha root hooks. Property tests draw a new random seed on every local run (so they keep
 * exploring); in CI (CI=true) they use one fixed seed, or FC_SEED, so a red build can be
 * replayed exactly. Every failure prints its seed and counterexample either way.
 */
import fc from 'fast-check';

export const mochaHooks = {
  beforeAll(): void {
    const fixed = process.env.FC_SEED ?? (process.env.CI ? '20261121' : undefined);
    if (fixed !== undefined) fc.configureGlobal({ seed: Number(fixed) });
  },
};
