// The signaling benchmark's baseline: a bare Socket.IO server (its own process, as ours is) that does
// what any room signaling must and no more: join a room and hear who is in it, presence to the room,
// a signal to one peer. No schemas, budgets or seats. With REDIS_URL, the same adapter as our cluster.
//   PORT=<port> [REDIS_URL=redis://...] node e2e/bench/bare/signaling.mjs
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const adapter = process.env.REDIS_URL
  ? (await import('@socket.io/redis-streams-adapter')).createAdapter(new (await import('ioredis')).Redis(process.env.REDIS_URL))
  : undefined;
const http = createServer((_, res) => res.writeHead(404).end());
const io = new Server(http, { serveClient: false, ...(adapter ? { adapter } : {}) });
/** Room → its peers on this server (the others are learnt from their joins). */
const rooms = new Map();
io.on('connection', (socket) => {
  let roomId = null;
  socket.on('room:join', ({ roomId: id, displayName }, ack) => {
    roomId = id;
    const peers = rooms.get(id) ?? new Map();
    rooms.set(id, peers);
    const others = [...peers.values()];
    peers.set(socket.id, { peerId: socket.id, displayName });
    socket.join([id, `peer:${socket.id}`]);
    socket.to(id).emit('room:peer-joined', { peerId: socket.id, displayName });
    ack({ ok: true, data: { peerId: socket.id, peers: others } });
  });
  socket.on('peer:update', (update, ack) => {
    if (roomId) socket.to(roomId).emit('room:peer-updated', { peerId: socket.id, ...update });
    ack({ ok: true, data: {} });
  });
  socket.on('signal:send', ({ to, signal }, ack) => {
    io.to(`peer:${to}`).emit('signal:receive', { from: socket.id, signal });
    ack({ ok: true, data: {} });
  });
  socket.on('disconnect', () => {
    rooms.get(roomId)?.delete(socket.id);
    if (roomId) socket.to(roomId).emit('room:peer-left', { peerId: socket.id });
  });
});
http.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('Bare signaling is running\n'));
// A graceful exit on SIGTERM, so a CPU profile SERVER_NODE_ARGS asked for is written.
process.on('SIGTERM', () => process.exit(0));
