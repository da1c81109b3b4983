# syntax=docker/dockerfile:1
# infra-agent: one image for the Slack bot and the worker (docs/running.md).
#
#   docker build -t infra-agent:0.1.0 .
#   docker run --rm infra-agent:0.1.0 worker    # or: bot, doctor, config, ...
#
# Stages: go-tools (helm, trivy, kubectl from source), cfn-guard (Rust), build (TypeScript -> dist/, production
# node_modules, the cfn-lint venv), then a small final image with only what runs. Tool versions are the ones
# sandbox/versions.env and sandbox/kube/versions.env pin (test/deploy/dockerfile.test.ts holds them equal).
#
# Base images are pinned by exact version. No digest is stated: no container registry can be reached where this file
# is written and checked, and a digest copied from elsewhere could not be verified here. Pin them where you build:
# `crane digest node:24.22.3-bookworm-slim`, then write FROM node:24.22.3-bookworm-slim@sha256:<digest>.
# Debian bookworm because the apt package versions pinned below could be checked against that release's archive.

# --- helm, trivy and kubectl, built from source as sandbox/bootstrap.sh builds them -------------------------------
# `go install m@v` verifies every module against the Go checksum database (GOSUMDB, on by default); kubectl comes
# from the sandbox's wrapper module, whose go.sum pins every module it needs (-mod=readonly refuses anything else).
FROM golang:1.26.8-bookworm AS go-tools
ARG HELM_VERSION=3.21.4
ARG HELM_KUBE_MINOR=34
ARG TRIVY_VERSION=0.74.0
ARG KUBE_VERSION=1.34.2
ENV CGO_ENABLED=0 GOFLAGS=-trimpath GOBIN=/out
RUN go install -ldflags "-s -w \
      -X helm.sh/helm/v3/internal/version.version=v${HELM_VERSION} \
      -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 \
      -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=${HELM_KUBE_MINOR}" \
      "helm.sh/helm/v3/cmd/helm@v${HELM_VERSION}" \
 && GOEXPERIMENT=jsonv2 go install \
      -ldflags "-s -w -X github.com/aquasecurity/trivy/pkg/version/app.ver=${TRIVY_VERSION}" \
      "github.com/aquasecurity/trivy/cmd/trivy@v${TRIVY_VERSION}"
WORKDIR /src/kube
COPY sandbox/kube/go/k8s/go.mod sandbox/kube/go/k8s/go.sum ./
# The version ldflags of sandbox/kube/bootstrap-kube.sh: without them kubectl reports v0.0.0-master.
RUN minor="${KUBE_VERSION#*.}" && minor="${minor%%.*}" && ld="-s -w" \
 && for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do \
      ld="$ld -X $p.gitVersion=v${KUBE_VERSION} -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"; \
    done \
 && go build -mod=readonly -o /out/kubectl -ldflags "$ld" k8s.io/kubernetes/cmd/kubectl

# --- cfn-guard ------------------------------------------------------------------------------------------------------
# --locked builds with the crate's own Cargo.lock; cargo checks each crate against the checksum in the crates.io index.
FROM rust:1.95.0-slim-bookworm AS cfn-guard
ARG CFN_GUARD_VERSION=3.2.0
RUN cargo install --locked --root /out cfn-guard --version "${CFN_GUARD_VERSION}"

# --- the product: compile TypeScript, keep production dependencies; the cfn-lint venv ------------------------------
FROM node:24.22.3-bookworm-slim AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3-venv=3.11.2-1+b1 \
 && rm -rf /var/lib/apt/lists/*
# Every wheel cfn-lint needs, by version and sha256 (pip --require-hashes refuses anything else): CPython 3.11 on
# x86_64, the interpreter bookworm's python3 is. Other architectures need their own hashes.
COPY deploy/docker/cfn-lint-requirements.txt /tmp/cfn-lint-requirements.txt
RUN python3 -m venv /opt/cfn-lint \
 && /opt/cfn-lint/bin/pip install --no-cache-dir --require-hashes --only-binary=:all: \
      -r /tmp/cfn-lint-requirements.txt
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY activities activities
COPY adapters adapters
COPY bot bot
COPY cli cli
COPY core core
COPY presentation presentation
COPY sandbox sandbox
COPY worker worker
COPY workflows workflows
# The Temporal core bridge ships its native library for five platforms (~30 MB each): keep this machine's only.
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && find node_modules/@temporalio/core-bridge/releases -mindepth 1 -maxdepth 1 \
      ! -name "$(uname -m)-unknown-linux-gnu" -exec rm -rf {} +

# --- the final image ------------------------------------------------------------------------------------------------
FROM node:24.22.3-bookworm-slim
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# tini: PID 1 that forwards SIGTERM to node (the worker drains on it) and reaps children (helm, kubectl, trivy,
# cfn-lint run as child processes). python3: cfn-lint's interpreter (the venv's bin/python links to it).
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini=0.19.0-1+b3 python3=3.11.2-1+b1 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=go-tools /out/helm /out/trivy /out/kubectl /usr/local/bin/
COPY --from=cfn-guard /out/bin/cfn-guard /usr/local/bin/cfn-guard
COPY --from=build /opt/cfn-lint /opt/cfn-lint
RUN ln -s /opt/cfn-lint/bin/cfn-lint /usr/local/bin/cfn-lint
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY bin bin
# The cfn-lint helper script dist/adapters/cli/cfn-process.js runs from the source tree beside dist/.
COPY adapters/cli/cfn_process.py adapters/cli/cfn_process.py
# The shipped templates, guard rules and charts; a team mounts its own repository over /app/infra (docs/running.md).
COPY infra infra
# The node image's unprivileged user `node`, by number: Kubernetes' runAsNonRoot can only verify a numeric USER.
# State (the file store, helm's and trivy's caches) lives under /var/lib/infra-agent.
RUN mkdir -p /var/lib/infra-agent && chown 1000:1000 /var/lib/infra-agent
ENV NODE_ENV=production \
    INFRA_AGENT_CONFIG=/etc/infra-agent/config.yaml \
    INFRA_AGENT_STATE_DIR=/var/lib/infra-agent \
    INFRA_AGENT_CACHE=/var/lib/infra-agent/cache \
    INFRA_AGENT_BIN=/usr/local/bin \
    HOME=/var/lib/infra-agent
USER 1000:1000
# The health server of the bot and the worker (config health.port, default 8080): /healthz = the process is alive.
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.INFRA_AGENT_HEALTH_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/bin/infra-agent"]
CMD ["worker"]
