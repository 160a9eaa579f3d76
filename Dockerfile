# syntax=docker/dockerfile:1
#
# fedca in a container. Build: docker build -t fedca .
# Run:   docker run -d --name fedca -p 9000:9000 -v fedca-home:/var/lib/fedca \
#          -e FEDCA_INIT_DNS=ca.example.internal,localhost,127.0.0.1 fedca
# The first start initialises a CA in the volume from the FEDCA_INIT_* variables;
# every later start serves that CA as it is (the variables are then ignored).

# --- build: the full Debian image has python3, make and g++ for better-sqlite3's native addon.
FROM node:20-bookworm AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: the package's own "prepare" (tsc) needs the sources, copied below;
# the one dependency with an install step, better-sqlite3, is built explicitly.
RUN npm ci --ignore-scripts && npm rebuild better-sqlite3
COPY tsconfig.json ./
COPY src ./src
# The examples (the basic-federation demo workloads) ship in the image too, for compose.
COPY examples ./examples
RUN npx tsc -p tsconfig.json && npm prune --omit=dev

# --- runtime: slim Debian (same glibc as the build stage), no compilers, non-root.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    FEDCA_HOME=/var/lib/fedca \
    FEDCA_INIT_NAME=fedca \
    FEDCA_INIT_DNS=localhost,127.0.0.1 \
    FEDCA_INIT_ADDRESS=0.0.0.0:9000 \
    FEDCA_INIT_PROVISIONER=admin \
    FEDCA_INIT_KTY=EC
# FEDCA_INIT_PASSWORD_FILE (unset): a file with the CA password, e.g. a secret mounted at
# /run/secrets/fedca_password; without it the first start generates one into
# $FEDCA_HOME/pki/secrets/password (mode 0600, inside the volume).
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist/src ./dist/src
COPY --from=build /src/dist/examples ./dist/examples
# The home belongs to the unprivileged "node" user (uid 1000) of the base image; the code stays root-owned.
RUN mkdir -p /var/lib/fedca && chown node:node /var/lib/fedca
USER node
VOLUME ["/var/lib/fedca"]
EXPOSE 9000
# No curl in the slim image: node asks /health on the port ca.json names (the certificate is the
# CA's own, so it is not verified here; this only tells whether the server answers).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const a=JSON.parse(require('fs').readFileSync(process.env.FEDCA_HOME+'/config/ca.json','utf8')).address;require('https').get({host:'127.0.0.1',port:Number(a.slice(a.lastIndexOf(':')+1)),path:'/health',rejectUnauthorized:false,timeout:4000},r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1)).on('timeout',()=>process.exit(1))"]
# node is PID 1 and handles SIGTERM itself: `docker stop` drains in-flight requests and exits 0.
ENTRYPOINT ["node", "/app/dist/src/cli/main.js"]
CMD ["start", "--init"]
