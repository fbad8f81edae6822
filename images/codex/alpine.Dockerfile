# syntax=docker/dockerfile:1
# agent-bridge's CI image for Codex, Alpine variant (smaller): Node 22, git, bubblewrap for Codex's sandbox, the
# Codex CLI (pinned; its executable is a static musl build) and agent-bridge, run as an unprivileged user. Build
# it from the repository root:
#   docker build -f images/codex/alpine.Dockerfile -t registry.example.com/agent-bridge/codex:0.1.0-alpine .
FROM node:22.23.3-alpine

ARG CODEX_VERSION=0.169.0

LABEL org.opencontainers.image.title="agent-bridge-codex" \
      org.opencontainers.image.description="The Codex CLI and agent-bridge for GitLab CI (mention @codex), Alpine" \
      org.opencontainers.image.version="0.1.0" \
      org.opencontainers.image.licenses="MIT"

# git for the checkout and the commits; bubblewrap is Codex's sandbox (workspace-write, no network).
RUN apk add --no-cache bash bubblewrap ca-certificates git

# The CLI at the exact version the project tests against (a Node wrapper around its native executable).
RUN npm install -g --no-fund --no-audit "@openai/codex@${CODEX_VERSION}" \
    && npm cache clean --force \
    && codex --version

# agent-bridge from this repository: the lockfile's runtime dependencies only, no install scripts.
WORKDIR /opt/agent-bridge
COPY package.json package-lock.json tsconfig.json ./
RUN npm ci --omit=dev --ignore-scripts --no-fund --no-audit \
    && npm cache clean --force
COPY bin ./bin
COPY cli ./cli
COPY functions ./functions
COPY job ./job
COPY sandbox ./sandbox
COPY shared ./shared
RUN ln -s /opt/agent-bridge/bin/agent-bridge.js /usr/local/bin/agent-bridge \
    && agent-bridge --help > /dev/null

# An unprivileged user. GitLab's runner checks the repository out as another user: trust it for git.
RUN adduser -D -u 10001 -s /bin/bash agent \
    && git config --system --add safe.directory '*'

USER agent
WORKDIR /home/agent
# The node image's entrypoint would start node; GitLab's runner needs a plain shell.
ENTRYPOINT []
CMD ["bash"]
