/** Phone numbers to E.164 with libphonenumber-js; the reason when a number is not usable. */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

export type NormalisedNumber = { ok: true; e164: string; country: CountryCode | undefined; callingCode: string; nationalNumber: string } | { ok: false; reason: string };

export function normaliseNumber(raw: string, defaultCountry?: CountryCode): NormalisedNumber {
  const text = raw.trim();
  if (text === '') return { ok: false, reason: 'phone number is empty' };
  if (/[^\d\s()+.\-/x#ext]/i.test(text)) return { ok: false, reason: `"${raw}" is not a phone number (unexpected characters)` };
  const parsed = parsePhoneNumberFromString(text, defaultCountry);
  if (!parsed) {
    return { ok: false, reason: defaultCountry ? `"${raw}" is not a phone number` : `"${raw}" has no country code (start with + or set a default country)` };
  }
  if (!parsed.isValid()) return { ok: false, reason: `"${raw}" is not a valid ${parsed.country ?? '+' + parsed.countryCallingCode} number (wrong length or unassigned prefix)` };
  return { ok: true, e164: parsed.number, country: parsed.country, callingCode: parsed.countryCallingCode, nationalNumber: parsed.nationalNumber };
}
