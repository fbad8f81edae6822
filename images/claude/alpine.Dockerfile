# syntax=docker/dockerfile:1
# agent-bridge's CI image for Claude, Alpine variant (smaller): Node 22, git, Claude Code (pinned, its musl
# build) and agent-bridge, the agent run as a user of its own. Build it from the repository root:
#   docker build -f images/claude/alpine.Dockerfile -t registry.example.com/agent-bridge/claude:0.1.0-alpine .
# agent-bridge, built and packed from this repository, then installed from its own tarball with the
# lockfile's runtime dependencies only: the image gets the package (bin/ and dist/), never the sources, the
# tests, the sandbox or a development dependency. The build needs the development dependencies (esbuild,
# tsx); they stay in this stage.
FROM node:22.23.3-alpine AS package
WORKDIR /src
COPY package.json package-lock.json tsconfig.json ./
RUN npm ci --ignore-scripts --no-fund --no-audit
COPY bin ./bin
COPY cli ./cli
COPY entrypoints ./entrypoints
COPY functions ./functions
COPY job ./job
COPY shared ./shared
COPY scripts/build.ts ./scripts/build.ts
RUN npm run build:package \
    && npm pack --ignore-scripts --pack-destination /tmp \
    && tar -xzf /tmp/agent-bridge-*.tgz -C /opt \
    && mv /opt/package /opt/agent-bridge \
    && cp package-lock.json /opt/agent-bridge/
WORKDIR /opt/agent-bridge
RUN npm ci --omit=dev --ignore-scripts --no-fund --no-audit \
    && rm package-lock.json

FROM node:22.23.3-alpine

ARG CLAUDE_CODE_VERSION=2.1.197

LABEL org.opencontainers.image.title="agent-bridge-claude" \
      org.opencontainers.image.description="Claude Code and agent-bridge for GitLab CI (mention @claude), Alpine" \
      org.opencontainers.image.version="0.1.0" \
      org.opencontainers.image.licenses="MIT"

# git for the checkout and the commits, openssh-keygen to sign them (SSH_SIGNING_KEY); Claude Code's musl build
# needs libgcc, libstdc++ and the system ripgrep; bubblewrap and socat for its subprocess isolation
# (agent-bridge sets CLAUDE_CODE_SUBPROCESS_ENV_SCRUB=1); setpriv drops to the agent's user in its box.
RUN apk add --no-cache bash bubblewrap ca-certificates git libgcc libstdc++ openssh-keygen ripgrep setpriv socat

# The CLI at the exact version the project tests against; its postinstall links the native executable.
RUN npm install -g --no-fund --no-audit "@anthropic-ai/claude-code@${CLAUDE_CODE_VERSION}" \
    && npm cache clean --force \
    && claude --version

# agent-bridge: the package from the stage above, nothing else.
COPY --from=package /opt/agent-bridge /opt/agent-bridge
RUN ln -s /opt/agent-bridge/bin/agent-bridge.js /usr/local/bin/agent-bridge \
    && agent-bridge --help > /dev/null

# Two users. The job runs as root so that it can start the agent as agent-box, a user of its own that owns
# nothing but the checkout while the agent runs (agent-bridge's box, docs/security.md); agent is for runners
# that start the job as a user that is not root (the agent then gets bubblewrap namespaces only). GitLab's
# runner checks the repository out as another user: trust it for git.
RUN adduser -D -u 10001 -s /bin/bash agent \
    && addgroup -S -g 10002 agent-box \
    && adduser -S -D -H -u 10002 -G agent-box -s /sbin/nologin agent-box \
    && git config --system --add safe.directory '*'

# Nothing leaves the job but model calls: no telemetry, no update checks. The musl build uses the system rg.
ENV CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 \
    DISABLE_AUTOUPDATER=1 \
    USE_BUILTIN_RIPGREP=0

USER root
WORKDIR /home/agent
# The node image's entrypoint would start node; GitLab's runner needs a plain shell.
ENTRYPOINT []
CMD ["bash"]
