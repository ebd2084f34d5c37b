import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';

/**
 * The join benchmark's baseline signaling: a bare Socket.IO server that relays every message to the other
 * sockets of a room, and serves one page (bare.html) whose script runs a bare RTCPeerConnection. No schema,
 * no budgets, no rooms logic: what any WebRTC app needs at least.
 */
export async function startBareRelay(): Promise<{ url: string; close(): Promise<void> }> {
  const http = createServer((req, res) => {
    if (req.url?.startsWith('/bare.html')) {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(BARE_PAGE);
    } else res.writeHead(404).end();
  });
  const io = new Server(http, { serveClient: true });
  io.on('connection', (socket) => {
    socket.on('enter', (room: string, ack: () => void) => {
      void socket.join(room);
      ack();
    });
    socket.on('relay', (room: string, message: unknown) => socket.to(room).emit('relay', message));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => io.close(() => resolve())) };
}

/**
 * `window.bare.open(w, h, fps)` opens the camera and microphone (as the app's lobby has, before its Join);
 * `window.bare.useIceServers(servers)` gives later connections STUN/TURN servers (none by default);
 * `window.bare.enter(room)` joins the relay room; `window.bare.call()` (the newcomer) offers and resolves with
 * the milliseconds until its <video> presents the first remote frame; the other side answers when the offer comes.
 */
const BARE_PAGE = `<!doctype html><meta charset="utf-8"><script src="/socket.io/socket.io.js"></script><script>
const socket = io({ transports: ['websocket'] });
let stream, pc, room, held = [], iceServers = [];
const video = Object.assign(document.createElement('video'), { autoplay: true, muted: true, playsInline: true });
addEventListener('DOMContentLoaded', () => document.body.append(video));
function link() {
  pc = new RTCPeerConnection({ iceServers });
  for (const track of stream.getTracks()) pc.addTrack(track, stream);
  pc.ontrack = (e) => { video.srcObject = e.streams[0]; };
  pc.onicecandidate = (e) => socket.emit('relay', room, { candidate: e.candidate && e.candidate.toJSON() });
  return pc;
}
socket.on('relay', async (m) => {
  if (m.description) {
    if (!pc) link();
    await pc.setRemoteDescription(m.description);
    for (const c of held.splice(0)) await pc.addIceCandidate(c || undefined);
    if (m.description.type === 'offer') {
      await pc.setLocalDescription();
      socket.emit('relay', room, { description: pc.localDescription.toJSON() });
    }
  } else if (pc && pc.remoteDescription) await pc.addIceCandidate(m.candidate || undefined);
  else held.push(m.candidate);
});
window.bare = {
  async open(width, height, frameRate) {
    stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: width }, height: { ideal: height }, frameRate: { max: frameRate } }, audio: true });
  },
  useIceServers(servers) { iceServers = servers; },
  enter(name) { room = name; return new Promise((resolve) => socket.emit('enter', name, resolve)); },
  async call() {
    const start = performance.now();
    const frame = new Promise((resolve, reject) => {
      setTimeout(() => reject(new Error('no frame within 20 s')), 20000);
      video.requestVideoFrameCallback(() => resolve(performance.now() - start));
    });
    link();
    await pc.setLocalDescription();
    socket.emit('relay', room, { description: pc.localDescription.toJSON() });
    return frame;
  },
  close() { pc && pc.close(); pc = null; held = []; stream.getTracks().forEach((t) => t.stop()); },
};
</script>`;
