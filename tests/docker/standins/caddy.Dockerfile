# Test stand-in for the official caddy image, which CI cannot pull: Debian's
# caddy binary with the official image's paths and command.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}

COPY caddy /usr/bin/caddy
ENV XDG_CONFIG_HOME=/config \
    XDG_DATA_HOME=/data
EXPOSE 80 443
CMD ["caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"]
