/**
 * Where load may be sent. A load test aimed at the wrong host is an attack, so the runner
 * only ever talks to loopback addresses, or — when the profile names a network namespace
 * the processes run inside — to private addresses (RFC 1918, RFC 4193 ULA, link-local).
 * Host names are refused: they could resolve anywhere.
 */
import net from 'node:net';

export class TargetAddressError extends Error {
  override readonly name = 'TargetAddressError';
}

export function isLoopback(address: string): boolean {
  if (net.isIPv4(address)) return address.startsWith('127.');
  if (net.isIPv6(address)) return address === '::1' || address === '0:0:0:0:0:0:0:1';
  return false;
}

export function isPrivate(address: string): boolean {
  if (net.isIPv4(address)) {
    const [a = 0, b = 0] = address.split('.').map(Number);
    return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254);
  }
  if (net.isIPv6(address)) {
    const first = address.toLowerCase().split(':')[0] ?? '';
    return /^f[cd][0-9a-f]{2}$/.test(first.padStart(4, '0')) || /^fe[89ab][0-9a-f]$/.test(first);
  }
  return false;
}

/**
 * Throws unless `address` may carry load. `field` names the profile field for the message.
 */
export function assertAllowedAddress(field: string, address: string, namespace: string | undefined): void {
  if (!net.isIP(address)) {
    throw new TargetAddressError(`${field}: "${address}" is not an IP address; load is only sent to loopback or namespace addresses, never to host names`);
  }
  if (isLoopback(address)) return;
  if (namespace === undefined) {
    throw new TargetAddressError(
      `${field}: ${address} is not a loopback address; load may only leave loopback inside a network namespace (set network.namespace)`,
    );
  }
  if (!isPrivate(address)) {
    throw new TargetAddressError(
      `${field}: ${address} is a public address; inside namespace "${namespace}" only private addresses (10/8, 172.16/12, 192.168/16, fc00::/7, fe80::/10) are allowed`,
    );
  }
}
