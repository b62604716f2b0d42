# syntax=docker/dockerfile:1
# Images for the operator, ingester and query service: one build, three targets.
#   docker build --target operator -t koder-trace/operator:0.1.0 .
# TypeScript runs directly on Node 24 (type stripping), so there is no compile step: the runtime image
# holds production dependencies and sources only, and runs as a non-root user.

FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY ingester/package.json ingester/
COPY operator/package.json operator/
COPY query/package.json query/
COPY test/package.json test/
RUN npm ci --omit=dev --no-audit --no-fund

# The trace UI is bundled at build time (esbuild, a dev dependency); only its output is shipped.
FROM deps AS ui
RUN npm ci --include=dev --no-audit --no-fund
COPY query/ui ./query/ui
RUN node query/ui/build.ts

FROM node:24-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY crds ./crds
COPY ingester ./ingester
COPY operator ./operator
COPY query ./query
COPY --from=ui /app/query/ui/dist ./query/ui/dist
USER 10001:10001

FROM runtime AS ingester
EXPOSE 4317 4318 8888
ENTRYPOINT ["node", "ingester/src/main.ts"]

FROM runtime AS operator
EXPOSE 8081 9443
ENTRYPOINT ["node", "operator/src/main.ts"]

FROM runtime AS query
EXPOSE 8080
ENTRYPOINT ["node", "query/src/main.ts"]
