# The app image: signaling server serving the built client, with mediasoup workers inside.
FROM node:20-bookworm AS build
WORKDIR /app
# Only used when the prebuilt worker cannot be downloaded: then it is built against these libraries.
RUN apt-get update && apt-get install -y --no-install-recommends \
      libuv1-dev libsrtp2-dev libabsl-dev libssl-dev libusrsctp-dev flatbuffers-compiler libflatbuffers-dev \
      pkg-config python3 python3-pip g++ make meson ninja-build \
    && rm -rf /var/lib/apt/lists/*
COPY . .
ENV MEDIASOUP_WORKER_CACHE=/opt/mediasoup
RUN npm ci --no-audit --no-fund && bash scripts/mediasoup-worker.sh && npm run build

FROM node:20-bookworm-slim
# Run-time libraries of a worker built against Debian (the official prebuilt one is static).
RUN apt-get update && apt-get install -y --no-install-recommends \
      libuv1 libsrtp2-1 libusrsctp2 libabsl20220623 libssl3 libnss3 libnspr4 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app /app
COPY --from=build /opt/mediasoup /opt/mediasoup
# What must outlive a restart (rooms' locks and epochs, who left): a volume at /var/lib/confer (docker-compose.yml).
RUN mkdir -p /var/lib/confer && chown node:node /var/lib/confer
ENV MEDIASOUP_WORKER_CACHE=/opt/mediasoup NODE_ENV=production HOST=0.0.0.0 PORT=3000 STATE_FILE=/var/lib/confer/signaling-state.jsonl
EXPOSE 3000/tcp 44444-44460/udp 44444-44460/tcp
USER node
CMD ["node", "signaling/dist/main.js"]
