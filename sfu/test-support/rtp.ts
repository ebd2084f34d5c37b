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
