import { strict as assert } from 'node:assert';
import { thresholdsFromSettings } from '../../src/reporting/model.js';
import { queueSchema } from '../../src/acd/AcdTypes.js';

describe('queue service-level settings as the reports read them', () => {
  it('reads the ACD queue settings (sl.thresholdSec, sl.target as a fraction, sl.shortAbandonSec)', () => {
    const q = queueSchema.parse({ id: 'sales', name: 'Sales', settings: { sl: { thresholdSec: 30, target: 0.9, shortAbandonSec: 8 } } });
    assert.deepEqual(thresholdsFromSettings(q.settings), { slThresholdSec: 30, shortAbandonSec: 8, slTargetPct: 90 });
  });

  it('falls back to flat keys, then to the defaults', () => {
    assert.deepEqual(thresholdsFromSettings({ slThresholdSec: 15, shortAbandonSec: 3, slTargetPct: 70 }), { slThresholdSec: 15, shortAbandonSec: 3, slTargetPct: 70 });
    assert.deepEqual(thresholdsFromSettings(null), { slThresholdSec: 20, shortAbandonSec: 5, slTargetPct: 80 });
  });
});
