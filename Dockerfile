# gh2cc's image: the compiled CLI on the current Node.js LTS, run as the unprivileged `node` user under tini.
#   docker build -t gh2cc .
#   docker run --rm --no-healthcheck --env-file .env gh2cc migrate --org my-org --dry-run
# The arguments after the image name are gh2cc's (ENTRYPOINT); the default command prints the help.
# .ci/run tests the test suite on this same Node release (it reads NODE_VERSION below), and
# test/container/ runs this file's build steps on the CI machine (no Docker engine there).
ARG NODE_VERSION=24.21.0

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# No install scripts yet: the package's own `prepare` (the build) needs the sources copied below. npm's
# download cache is a BuildKit cache mount (Docker 23 or later), kept between builds and out of the image.
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:${NODE_VERSION}-bookworm-slim
# git and ssh for the mirror, tini as PID 1: it forwards SIGTERM to gh2cc (whose workers then finish or hand
# back their jobs) and reaps the git processes gh2cc starts.
RUN apt-get update \
  && apt-get install -y --no-install-recommends git openssh-client ca-certificates tini \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
  GH2CC_CACHE_DIR=/data/cache
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts --no-audit --no-fund
COPY --from=build /src/dist ./dist
COPY bin/gh2cc.js ./bin/
COPY schemas ./schemas
COPY config/gh2cc.example.yaml ./config/
# /data is the mirror cache's volume: created here so a new named volume starts out owned by `node`.
RUN mkdir -p /data/cache && chown -R node:node /data && ln -s /app/bin/gh2cc.js /usr/local/bin/gh2cc
USER node
VOLUME ["/data"]
EXPOSE 8080
# The HTTP server of `gh2cc daemon` and `gh2cc serve` (GH2CC_PORT). Containers without it (`gh2cc worker`, a
# one-off `migrate`) turn this off: `--no-healthcheck`, or `healthcheck: disable: true` in compose.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.GH2CC_PORT || 8080}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/bin/gh2cc.js"]
CMD ["--help"]
