import { strict as assert } from 'node:assert';
import { timeZoneForNumber } from '../../src/dialer/timeZones.js';
import { normaliseNumber } from '../../src/dialer/phone.js';

describe('time zone from the number', () => {
  it('US area codes map to their zone, Canada by province, single-zone countries by country', () => {
    assert.equal(timeZoneForNumber('+12125551234'), 'America/New_York');
    assert.equal(timeZoneForNumber('+13125551234'), 'America/Chicago');
    assert.equal(timeZoneForNumber('+14155551234'), 'America/Los_Angeles');
    assert.equal(timeZoneForNumber('+16025551234'), 'America/Phoenix');
    assert.equal(timeZoneForNumber('+19075551234'), 'America/Anchorage');
    assert.equal(timeZoneForNumber('+18085551234'), 'Pacific/Honolulu');
    assert.equal(timeZoneForNumber('+16045551234'), 'America/Vancouver');
    assert.equal(timeZoneForNumber('+447911123456'), 'Europe/London');
    assert.equal(timeZoneForNumber('+33612345678'), 'Europe/Paris');
  });

  it('does not guess for toll-free numbers or countries with several zones', () => {
    assert.equal(timeZoneForNumber('+18005551234'), undefined);
    assert.equal(timeZoneForNumber('+61412345678'), undefined); // Australia
  });

  it('normalises national formats with a default country and explains bad numbers', () => {
    assert.deepEqual(normaliseNumber('(212) 555-1234', 'US'), { ok: true, e164: '+12125551234', country: 'US', callingCode: '1', nationalNumber: '2125551234' });
    assert.deepEqual(normaliseNumber('020 7946 0958', 'GB'), { ok: true, e164: '+442079460958', country: 'GB', callingCode: '44', nationalNumber: '2079460958' });
    assert.deepEqual(normaliseNumber('2125551234'), { ok: false, reason: '"2125551234" has no country code (start with + or set a default country)' });
    assert.deepEqual(normaliseNumber('call me'), { ok: false, reason: '"call me" is not a phone number (unexpected characters)' });
    assert.deepEqual(normaliseNumber('+1 212 555'), { ok: false, reason: '"+1 212 555" is not a valid +1 number (wrong length or unassigned prefix)' });
    assert.deepEqual(normaliseNumber(''), { ok: false, reason: 'phone number is empty' });
  });
});
