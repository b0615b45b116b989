/**
 * A lead's time zone from its phone number.
 *
 * - Countries with one time zone: the zone from `countries-and-timezones` (maintained, IANA).
 * - United States (+1): the area code's centre point (package `areacodes`) looked up with
 *   `@photostructure/tz-lookup` (maintained time-zone boundaries); Alaska's centre point in
 *   that data is wrong, so 907 is fixed here.
 * - Canada (+1): the small table below, by province.
 * - Anything else (countries with several zones, unknown or non-geographic area codes such
 *   as toll-free 8xx): unknown — the import then uses a time-zone column, or the campaign's
 *   default zone, or rejects the row saying so.
 *
 * Limits (documented in docs/dialer.md): an area code that spans two zones gets the zone of
 * its centre point (e.g. parts of 850 Florida, 915 Texas, Indiana and Kentucky codes); mobile
 * numbers keep their area code when people move; new overlay codes missing from the data
 * are unknown. A time-zone column, when present, always wins.
 */
import { createRequire } from 'node:module';
import tzlookup from '@photostructure/tz-lookup';
import ct from 'countries-and-timezones';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

interface AreaCodeEntry {
  type?: string;
  location?: { latitude: number | null; longitude: number | null };
}

const CANADA: Record<string, string> = {};
function canada(zone: string, codes: number[]): void {
  for (const c of codes) CANADA[String(c)] = zone;
}
canada('America/Vancouver', [236, 250, 257, 604, 672, 778]);
canada('America/Edmonton', [368, 403, 587, 780, 825]);
canada('America/Regina', [306, 474, 639]);
canada('America/Winnipeg', [204, 431, 584]);
canada('America/Toronto', [226, 249, 289, 343, 365, 382, 416, 437, 519, 548, 613, 647, 683, 705, 742, 753, 807, 905, 942]);
canada('America/Toronto', [263, 354, 367, 418, 438, 450, 468, 514, 579, 581, 819, 873]);
canada('America/Moncton', [428, 506]);
canada('America/Halifax', [782, 902]);
canada('America/St_Johns', [709, 879]);
canada('America/Yellowknife', [867]);

const US_FIXES: Record<string, string> = { '907': 'America/Anchorage' };

let usAreaZones: Map<string, string> | undefined;
function usZones(): Map<string, string> {
  if (usAreaZones) return usAreaZones;
  const require = createRequire(import.meta.url);
  const data = require('areacodes/lib/data.json') as Record<string, AreaCodeEntry>;
  const map = new Map<string, string>();
  for (const [code, entry] of Object.entries(data)) {
    const lat = entry.location?.latitude;
    const lon = entry.location?.longitude;
    if (entry.type !== 'local' || typeof lat !== 'number' || typeof lon !== 'number') continue;
    const zone = tzlookup(lat, lon);
    if (!zone.startsWith('Etc/')) map.set(code, zone);
  }
  for (const [code, zone] of Object.entries(US_FIXES)) map.set(code, zone);
  usAreaZones = map;
  return map;
}

const countryZoneCache = new Map<string, string | undefined>();
function singleZoneOf(country: string): string | undefined {
  if (countryZoneCache.has(country)) return countryZoneCache.get(country);
  const info = ct.getCountry(country);
  const zones = info?.timezones ?? [];
  const zone = zones.length === 1 ? zones[0] : undefined;
  countryZoneCache.set(country, zone);
  return zone;
}

/** The IANA zone for an E.164 number, or undefined when the number does not tell. */
export function timeZoneForNumber(e164: string): string | undefined {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed) return undefined;
  return timeZoneForParts(parsed.country, parsed.countryCallingCode, parsed.nationalNumber);
}

/** Same, from a number already parsed (imports parse each number once). */
export function timeZoneForParts(country: CountryCode | undefined, callingCode: string, nationalNumber: string): string | undefined {
  if (callingCode === '1') {
    const area = nationalNumber.slice(0, 3);
    if (country === 'CA' || CANADA[area]) return CANADA[area];
    if (country === 'US' || country === undefined) return usZones().get(area);
  }
  return country ? singleZoneOf(country) : undefined;
}
