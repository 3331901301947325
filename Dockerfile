# An operator or challenger agent in a container. Build: `docker build -t referee .`
# Run (see .env.example and docs/OPERATING.md):
#   docker run --env-file .env -v "$PWD/models:/models:ro" -v "$PWD/deployments:/app/deployments:ro" \
#     -p 9100:9100 referee
# The role, model and options come from the environment: REFEREE_ROLE (operator | challenger),
# REFEREE_MODEL (a path inside the container), REFEREE_ARGS (more options); arguments given
# to `docker run … referee <args>` are appended.
FROM node:20-slim

WORKDIR /app
RUN chown node:node /app
USER node

# Dependencies first: this layer is rebuilt only when the lockfile changes. package.json's
# allowScripts denies onnxruntime-node's install script (a GPU download).
COPY --chown=node:node package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

COPY --chown=node:node . .
# Contracts, typechain bindings and the compiled CLI in dist/ (solc comes from the `solc`
# package: no download); bin/referee.js then runs dist/ without ts-node.
RUN npm run build

ENV REFEREE_ROLE=operator \
    XDG_CACHE_HOME=/home/node/.cache
# --metrics-port, when REFEREE_ARGS sets it to 9100.
EXPOSE 9100
STOPSIGNAL SIGTERM
# exec: node replaces the shell as PID 1, so `docker stop`'s SIGTERM reaches the agent, which
# finishes the pass in progress and exits.
ENTRYPOINT ["sh", "-c", "exec node bin/referee.js \"$REFEREE_ROLE\" \"$REFEREE_MODEL\" $REFEREE_ARGS \"$@\"", "referee"]
