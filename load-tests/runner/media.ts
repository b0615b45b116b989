/**
 * Audio for the scenarios. SIPp plays RTP captures with play_pcap_audio; the scenarios
 * refer to them as media/<file>. Debian's sip-tester ships the RFC 2833 DTMF captures and
 * a 7 s G.711 A-law capture; the answering-machine beep is generated here (1 kHz tone,
 * 500 ms, A-law, 20 ms packets) because no capture of one is shipped.
 */
import { mkdir, readdir, symlink, writeFile, access } from 'node:fs/promises';
import path from 'node:path';

export const SIP_TESTER_MEDIA = '/usr/share/sip-tester';

/** ITU-T G.711 A-law encoding of one 16-bit linear sample. */
export function linearToAlaw(sample: number): number {
  let s = Math.max(-32768, Math.min(32767, Math.round(sample)));
  const sign = s >= 0 ? 0x80 : 0x00;
  if (s < 0) s = -s - 1;
  s = Math.min(s, 32635);
  let value: number;
  if (s >= 256) {
    let exponent = 7;
    for (let mask = 0x4000; (s & mask) === 0 && exponent > 1; mask >>= 1) exponent--;
    const mantissa = (s >> (exponent + 3)) & 0x0f;
    value = (exponent << 4) | mantissa;
  } else {
    value = s >> 4;
  }
  return (value | sign) ^ 0x55;
}

/** A pcap (Ethernet/IPv4/UDP/RTP) of a tone, the format play_pcap_audio reads. */
export function tonePcap(frequencyHz: number, durationMs: number, amplitude = 12000): Buffer {
  const packets = Math.round(durationMs / 20);
  const chunks: Buffer[] = [];
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
  chunks.push(header);
  for (let i = 0; i < packets; i++) {
    const payload = Buffer.alloc(160);
    for (let n = 0; n < 160; n++) payload[n] = linearToAlaw(amplitude * Math.sin((2 * Math.PI * frequencyHz * (i * 160 + n)) / 8000));
    const rtp = Buffer.alloc(12);
    rtp[0] = 0x80;
    rtp[1] = i === 0 ? 0x88 : 0x08; // marker on the first packet, payload type 8 (PCMA)
    rtp.writeUInt16BE(i + 1, 2);
    rtp.writeUInt32BE(i * 160, 4);
    rtp.writeUInt32BE(0x5357_4244, 8);
    const udp = Buffer.alloc(8);
    udp.writeUInt16BE(4000, 0);
    udp.writeUInt16BE(4000, 2);
    udp.writeUInt16BE(8 + 12 + 160, 4);
    const ip = Buffer.alloc(20);
    ip[0] = 0x45;
    ip.writeUInt16BE(20 + 8 + 12 + 160, 2);
    ip[8] = 64;
    ip[9] = 17;
    Buffer.from([127, 0, 0, 1]).copy(ip, 12);
    Buffer.from([127, 0, 0, 1]).copy(ip, 16);
    const eth = Buffer.alloc(14);
    eth.writeUInt16BE(0x0800, 12);
    const frame = Buffer.concat([eth, ip, udp, rtp, payload]);
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(Math.floor((i * 20) / 1000), 0);
    rec.writeUInt32LE(((i * 20) % 1000) * 1000, 4);
    rec.writeUInt32LE(frame.length, 8);
    rec.writeUInt32LE(frame.length, 12);
    chunks.push(rec, frame);
  }
  return Buffer.concat(chunks);
}

/** Fills `dir` with links to the sip-tester captures and the generated beep. */
export async function prepareMedia(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  let shipped: string[];
  try {
    shipped = (await readdir(SIP_TESTER_MEDIA)).filter((f) => f.endsWith('.pcap'));
  } catch {
    throw new Error(`${SIP_TESTER_MEDIA} is missing: install the Debian package sip-tester (apt-get install sip-tester)`);
  }
  for (const f of shipped) {
    const link = path.join(dir, f);
    try {
      await access(link);
    } catch {
      await symlink(path.join(SIP_TESTER_MEDIA, f), link);
    }
  }
  await writeFile(path.join(dir, 'beep.pcap'), tonePcap(1000, 500));
}
