#!/usr/bin/env bash
# make test-docker: build the SaveTrail image from its own Dockerfile and test it.
#
# No image registry is reachable here, so the image is built on a Debian bookworm
# base made locally with debootstrap (cached between runs as $BASE_IMAGE), and
# the compose stack runs with local stand-ins for the postgres and caddy images
# (cached too). The checks in tests/docker/ (pytest) then run the container with
# --network host against the host's PostgreSQL, and the whole stack with compose.
#
#   tests/docker/run.sh [extra pytest arguments]
#
# Needs root: it installs Debian's Docker engine when missing and starts dockerd
# when no daemon answers. It leaves behind the daemon and the cached base and
# stand-in images, and removes every image, container, network and volume it
# made (vfs stores each layer as a full copy of the file system, so leftovers
# fill the disk quickly).
set -euo pipefail

cd "$(dirname "$0")/../.."

# Debian's client matches Debian's engine; another `docker` may come first on PATH.
DOCKER=${SAVETRAIL_DOCKER:-/usr/bin/docker}
BASE_IMAGE=${SAVETRAIL_BASE_IMAGE:-savetrail-base:bookworm-python3}
RUN_ID=savetrail-test-$(date +%Y%m%d-%H%M%S)-$$
IMAGE=$RUN_ID:latest
DOCKERD_LOG=/var/log/savetrail-dockerd.log
PYTEST=${VENV:-.venv}/bin/pytest
LOCK_FILE=/tmp/savetrail-docker-base.lock
BUILD_CACHE_LIMIT=${SAVETRAIL_BUILD_CACHE_LIMIT:-2gb}

step() { printf '\n== %s (%ss)\n' "$1" "$SECONDS"; }
fail() { printf 'test-docker: %s\n' "$1" >&2; exit 1; }

install_engine() {
    if [[ -x /usr/sbin/dockerd && -x $DOCKER ]] && command -v debootstrap >/dev/null \
        && command -v docker-compose >/dev/null && command -v caddy >/dev/null; then
        return
    fi
    step "Installing Debian's Docker engine, docker-compose, caddy and debootstrap"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        docker.io docker-compose caddy debootstrap >/dev/null
}

start_daemon() {
    if "$DOCKER" info >/dev/null 2>&1; then
        return
    fi
    step "Starting dockerd (log: $DOCKERD_LOG)"
    # The flags that work on these machines: no iptables, no bridge, vfs storage.
    setsid nohup dockerd --iptables=false --ip6tables=false --storage-driver=vfs \
        --bridge=none >>"$DOCKERD_LOG" 2>&1 </dev/null &
    for _ in $(seq 60); do
        "$DOCKER" info >/dev/null 2>&1 && return
        sleep 1
    done
    fail "dockerd did not answer within 60 s; see $DOCKERD_LOG"
}

debian_mirror() {
    local sources=/etc/apt/sources.list.d/debian.sources
    if [[ -f $sources ]]; then
        awk '/^URIs:/ { print $2; exit }' "$sources"
    else
        awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list
    fi
}

build_base_image() {
    if "$DOCKER" image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
        step "Base image $BASE_IMAGE is cached"
        return
    fi
    step "Building the base image $BASE_IMAGE with debootstrap (once, about 2 minutes)"
    local rootfs
    rootfs=$(mktemp -d /var/tmp/savetrail-rootfs.XXXXXX)
    chmod 0755 "$rootfs" # it becomes the image's /, which mktemp made private
    debootstrap --variant=minbase --include=python3,python3-venv \
        bookworm "$rootfs" "$(debian_mirror)" >/dev/null
    # pip in the image reaches PyPI only with the host's CA bundle; the project's
    # Dockerfile stays as it would be on the official python image.
    install -m 0644 /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/"
    printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' >"$rootfs/etc/pip.conf"
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    tar -C "$rootfs" -c . | "$DOCKER" import \
        --change 'ENV LANG=C.UTF-8' \
        --change 'ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt' \
        --change 'CMD ["python3"]' \
        - "$BASE_IMAGE" >/dev/null
    rm -rf "$rootfs"
}

# Stand-ins for the postgres and caddy images that compose.yaml names, so that
# the whole stack runs here. Tagged with the hash of their files; built once.
build_standin_image() {
    local name=$1 context=$2 dockerfile=$3 image
    image=savetrail-standin-$name:$(cat "$dockerfile" "$context"/* | sha256sum | cut -c1-12)
    if ! "$DOCKER" image inspect "$image" >/dev/null 2>&1; then
        step "Building the stand-in image $image (once)"
        "$DOCKER" image ls --quiet "savetrail-standin-$name" \
            | xargs -r "$DOCKER" image rm -f >/dev/null
        DOCKER_BUILDKIT=1 "$DOCKER" build --network host --quiet \
            --build-arg BASE_IMAGE="$BASE_IMAGE" \
            --file "$dockerfile" --tag "$image" "$context" >/dev/null
    fi
    STANDIN_IMAGE=$image
}

build_standin_images() {
    local caddy_context
    build_standin_image postgres tests/docker/standins/postgres \
        tests/docker/standins/postgres.Dockerfile
    POSTGRES_STANDIN=$STANDIN_IMAGE
    caddy_context=$(mktemp -d)
    cp "$(command -v caddy)" "$caddy_context/caddy"
    build_standin_image caddy "$caddy_context" tests/docker/standins/caddy.Dockerfile
    CADDY_STANDIN=$STANDIN_IMAGE
    rm -rf "$caddy_context"
}

remove_test_objects() {
    step "Removing the containers and images of this run"
    local containers
    containers=$("$DOCKER" ps -aq --filter "label=savetrail.test-run=$RUN_ID")
    if [[ -n $containers ]]; then
        # shellcheck disable=SC2086 # one id per word
        "$DOCKER" rm -f $containers >/dev/null
    fi
    # What a failed compose test may leave: its project is named after the run.
    "$DOCKER" network ls -q --filter "label=com.docker.compose.project=$RUN_ID" \
        | xargs -r "$DOCKER" network rm >/dev/null
    "$DOCKER" volume ls -q --filter "label=com.docker.compose.project=$RUN_ID" \
        | xargs -r "$DOCKER" volume rm -f >/dev/null
    "$DOCKER" image rm -f "$IMAGE" >/dev/null 2>&1 || true
    # Keep the newest build cache (the installed packages), drop older layers.
    "$DOCKER" builder prune -f --keep-storage "$BUILD_CACHE_LIMIT" >/dev/null
}

install_engine
start_daemon
exec 9>"$LOCK_FILE"
flock 9 # one base and one set of stand-ins, however many runs start at once
build_base_image
build_standin_images
flock --unlock 9

trap remove_test_objects EXIT
step "Building $IMAGE from the project's Dockerfile"
# BuildKit: faster than the classic builder on vfs and leaves no untagged images.
DOCKER_BUILDKIT=1 "$DOCKER" build --network host --quiet \
    --build-arg PYTHON_IMAGE="$BASE_IMAGE" \
    --label savetrail.test-run="$RUN_ID" \
    --tag "$IMAGE" . >/dev/null

step "Testing the image"
SAVETRAIL_DOCKER="$DOCKER" SAVETRAIL_TEST_IMAGE="$IMAGE" SAVETRAIL_TEST_RUN="$RUN_ID" \
    SAVETRAIL_POSTGRES_STANDIN="$POSTGRES_STANDIN" SAVETRAIL_CADDY_STANDIN="$CADDY_STANDIN" \
    "$PYTEST" tests/docker -p no:cacheprovider "$@"
