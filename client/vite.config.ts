import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// In dev (`npm run dev -w client`) Socket.IO and /healthz go to the signaling server.
const backend = process.env.CONFER_BACKEND ?? 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true },
  server: {
    proxy: {
      '/socket.io': { target: backend, ws: true },
      '/healthz': backend,
    },
  },
});
