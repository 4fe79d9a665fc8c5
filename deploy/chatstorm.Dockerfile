# chatstorm itself as an image: what a Kubernetes Indexed Job, a CI matrix or `docker compose`
# runs as a shard (deploy/kubernetes/, examples/ci/, docs/ci.md). Build it from the project root,
# which is the context; nothing is fetched from a registry but the two base images:
#
#   docker build -f deploy/chatstorm.Dockerfile -t chatstorm/chatstorm:local .
#
# `npm run seed-images` builds it on chatstorm/node-base:24 and the locally built Toxiproxy image,
# so an air-gapped host needs neither node:24-slim nor a pull.
#
# NODE_IMAGE: any image with Node >= 22.22 as `node` on PATH and a user "node" (1000); Node runs the
# .ts files as they are. TOXIPROXY_IMAGE: the official Toxiproxy image (its server is /toxiproxy).
ARG NODE_IMAGE=node:24-slim
ARG TOXIPROXY_IMAGE=ghcr.io/shopify/toxiproxy:2.12.0
FROM ${TOXIPROXY_IMAGE} AS toxiproxy
FROM ${NODE_IMAGE}

WORKDIR /app
# Toxiproxy goes in front of the target in every shard: chatstorm finds it on PATH.
COPY --from=toxiproxy /toxiproxy /usr/local/bin/toxiproxy-server
# The runtime dependencies and theirs (testcontainers is loaded only for --stack testcontainers,
# which a shard does not use, and is left out).
COPY node_modules/commander/ node_modules/commander/
COPY node_modules/hdr-histogram-js/ node_modules/hdr-histogram-js/
COPY node_modules/@assemblyscript/loader/ node_modules/@assemblyscript/loader/
COPY node_modules/base64-js/ node_modules/base64-js/
COPY node_modules/pako/ node_modules/pako/
COPY node_modules/jose/ node_modules/jose/
COPY node_modules/toxiproxy-node-client/ node_modules/toxiproxy-node-client/
COPY node_modules/ws/ node_modules/ws/
COPY node_modules/zod/ node_modules/zod/
COPY node_modules/chart.js/ node_modules/chart.js/
COPY node_modules/@kurkle/color/ node_modules/@kurkle/color/
COPY package.json ./
COPY bin/ bin/
COPY harness/ harness/
COPY gateway/ gateway/
COPY scenarios/ scenarios/

# Run folders go to /runs: a shared volume (Kubernetes) or a bind mount (docker compose, CI).
RUN ["node", "-e", "require('node:fs').mkdirSync('/runs', { mode: 0o777 })"]
ENV NODE_ENV=production
USER node
ENTRYPOINT ["node", "bin/chatstorm.js"]
CMD ["--help"]
