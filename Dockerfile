# sensord image: builds the CO-RE probe and reader, compiles the TypeScript, and ships a slim runtime.
# The probe is CO-RE: vmlinux.h only supplies type layouts at build time; libbpf relocates against the
# node's own /sys/kernel/btf/vmlinux at load, so one image runs on any BTF-enabled kernel (5.8+ for ringbuf).
FROM node:20-bookworm AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev make gcc \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json tsconfig.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY native/ native/
COPY sensor/ sensor/
COPY bench/ bench/
COPY bin/ bin/
COPY scripts/ scripts/
COPY rules/ rules/
COPY proto/ proto/
# vmlinux.h comes from the build host's BTF; set VMLINUX_BTF to a BTF file to build on a host without one.
ARG VMLINUX_BTF=/sys/kernel/btf/vmlinux
RUN make -C native VMLINUX_BTF=${VMLINUX_BTF} build/libsensord.so \
 && npm run build:ts \
 && npm prune --omit=dev

FROM node:20-bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libbpf1 libelf1 zlib1g \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/sensord
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules/ node_modules/
COPY --from=build /src/dist/ dist/
COPY --from=build /src/bin/ bin/
COPY --from=build /src/rules/ rules/
COPY --from=build /src/proto/ proto/
COPY --from=build /src/native/build/libsensord.so native/build/libsensord.so
# Needs CAP_BPF, CAP_PERFMON (or privileged) and the host's /sys/kernel/btf and /proc (see deploy/).
ENTRYPOINT ["node", "/opt/sensord/bin/sensord.js"]
CMD ["run"]
