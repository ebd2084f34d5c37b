import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';

/** Hand-made RTP and RTCP for feeding mediasoup through PlainTransports (tests and bench:sfu). */
export const VP8_PT = 101;
/** One RTP packet carrying a whole VP8 key frame (every frame is a key frame, so any layer switch can happen at once). */
export function vp8KeyFramePacket(ssrc: number, seq: number, pictureId: number, payloadBytes = 100): Buffer {
  const header = Buffer.alloc(12);
  header[0] = 0x80; // RTP version 2
  header[1] = 0x80 | VP8_PT; // marker: last packet of the frame
  header.writeUInt16BE(seq & 0xffff, 2);
  header.writeUInt32BE((seq * 3000) >>> 0, 4); // 30 fps at 90 kHz
  header.writeUInt32BE(ssrc, 8);
  const descriptor = Buffer.from([
    0x90, // X=1, S=1 (start of partition 0)
    0xe0, // I, L, T present
    0x80 | ((pictureId >> 8) & 0x7f), // 15-bit picture id
    pictureId & 0xff,
    pictureId & 0xff, // TL0PICIDX
    0x20, // TID=0, Y=1
  ]);
  // VP8 payload header with P=0 (key frame), start code, 320x240.
  const payload = Buffer.from([0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00, ...new Array<number>(payloadBytes).fill(0)]);
  return Buffer.concat([header, descriptor, payload]);
}

/** RTCP sender report: mediasoup switches simulcast layers only once each layer's NTP/RTP time is known. */
export function senderReport(ssrc: number, seq: number): Buffer {
  const sr = Buffer.alloc(28);
  sr[0] = 0x80;
  sr[1] = 200;
  sr.writeUInt16BE(6, 2); // length in 32-bit words minus one
  sr.writeUInt32BE(ssrc, 4);
  const ntpSeconds = Math.floor(Date.now() / 1000) + 2_208_988_800;
  sr.writeUInt32BE(ntpSeconds >>> 0, 8);
  sr.writeUInt32BE(Math.floor(((Date.now() % 1000) / 1000) * 2 ** 32) >>> 0, 12);
  sr.writeUInt32BE((seq * 3000) >>> 0, 16);
  sr.writeUInt32BE(seq, 20);
  sr.writeUInt32BE(seq * 120, 24);
  return sr;
}

/** Feeds a simulcast producer on a PlainTransport (comedia): one key frame per layer every 33 ms. */
export class LayerSender {
  private seq = 0;
  private readonly socket = createSocket('udp4');

  constructor(private readonly to: { localPort: number; localIp: string }) {}

  /** Sends on `ssrcs` (a sender report every 10th frame on those in `reported`) until `done()` or 10 s. */
  async send(ssrcs: number[], done: () => boolean, reported: number[] = ssrcs): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && !done()) {
      for (const ssrc of ssrcs) {
        this.socket.send(vp8KeyFramePacket(ssrc, this.seq, this.seq), this.to.localPort, this.to.localIp);
        if (this.seq % 10 === 0 && reported.includes(ssrc)) this.socket.send(senderReport(ssrc, this.seq), this.to.localPort, this.to.localIp);
      }
      this.seq++;
      await new Promise((r) => setTimeout(r, 33));
    }
  }

  close(): void {
    this.socket.close();
  }
}

/** A UDP socket on 127.0.0.1 that counts the RTP packets it receives, per SSRC (RTCP skipped, RFC 5761). */
export async function rtpCounter(): Promise<{ port: number; received: Map<number, number>; close(): void }> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const received = new Map<number, number>();
  socket.on('message', (msg) => {
    if (msg.length < 12 || (msg[1]! >= 192 && msg[1]! <= 223)) return;
    const ssrc = msg.readUInt32BE(8);
    received.set(ssrc, (received.get(ssrc) ?? 0) + 1);
  });
  return { port: (socket.address() as AddressInfo).port, received, close: () => socket.close() };
}
