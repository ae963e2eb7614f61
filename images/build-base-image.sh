#!/usr/bin/env bash
# Builds the o11y-shop base image WITHOUT any image registry (the air-gapped path):
#   debootstrap --variant=minbase Debian + a jlink'd Java runtime + non-root user 65532,
#   imported into the local Docker daemon as $BASE_IMAGE, and saved as a `docker save` tar
#   that Jib can use as `tar://` base.
# Users with registry access never need this: Jib's default base is eclipse-temurin:21-jre.
#
# Idempotent and cached: does nothing when the image already exists in the daemon
# (and the tar exists), unless FORCE=1.
#
# Env (all optional):
#   BASE_IMAGE   image name               (default o11y-shop/base:25-jre)
#   JDK_HOME     JDK used for jlink       (default $JAVA_HOME, else /usr/lib/jvm/temurin-25-jdk-amd64)
#   SUITE        Debian suite             (default bookworm)
#   MIRROR       Debian mirror            (default: first deb.debian-style URI in /etc/apt/sources.list*)
#   WORK_DIR     scratch dir (rootfs)     (default /var/tmp/o11y-base; never inside the repo)
#   BASE_TAR     docker save output       (default $WORK_DIR/base-25-jre.tar)
#   JAVA_MODULES jlink modules            (default: jdeps result for the services + extras below)
#   FORCE=1      rebuild even if cached
set -euo pipefail

BASE_IMAGE="${BASE_IMAGE:-o11y-shop/base:25-jre}"
JDK_HOME="${JDK_HOME:-${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}}"
SUITE="${SUITE:-bookworm}"
WORK_DIR="${WORK_DIR:-/var/tmp/o11y-base}"
BASE_TAR="${BASE_TAR:-$WORK_DIR/base-25-jre.tar}"
# From `jdeps --print-module-deps --ignore-missing-deps --multi-release 21 -R --class-path 'target/libs/*' target/order-service.jar`
# (java.base,java.desktop,java.management,java.naming,java.net.http,java.sql,jdk.unsupported)
# plus what reflection/ServiceLoader/TLS/JMX need at run time.
JAVA_MODULES="${JAVA_MODULES:-java.base,java.desktop,java.logging,java.management,java.naming,java.net.http,java.sql,java.xml,jdk.unsupported,jdk.crypto.ec,jdk.management,jdk.zipfs,jdk.naming.dns,jdk.localedata}"
UID_GID=65532
# Only the tar's path goes to stdout (callers capture it); everything else to stderr.
exec 3>&1 1>&2

log() { printf '[build-base-image %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
start=$(date +%s)

case "$WORK_DIR" in "$(cd "$(dirname "$0")/.." && pwd)"*) die "WORK_DIR must be outside the repository";; esac
[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot)"
command -v docker >/dev/null || die "docker CLI not found (apt-get install -y docker.io)"
docker info >/dev/null 2>&1 || die "Docker daemon not reachable (start dockerd first)"
[ -x "$JDK_HOME/bin/jlink" ] || die "no jlink in $JDK_HOME"

if [ "${FORCE:-0}" != 1 ] && [ -s "$BASE_TAR" ]; then
    if ! docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
        log "loading $BASE_IMAGE from the cached $BASE_TAR"
        docker load -q -i "$BASE_TAR" >&2
    fi
    log "cached: $BASE_IMAGE and $BASE_TAR (FORCE=1 to rebuild)"
    echo "$BASE_TAR" >&3
    exit 0
fi

if [ -z "${MIRROR:-}" ]; then
    MIRROR=$(grep -hsE '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
        | grep -oE 'https?://[^ ]*/debian/?' | grep -v security | head -1 || true)
    MIRROR="${MIRROR:-http://deb.debian.org/debian}"
fi

if ! command -v debootstrap >/dev/null; then
    log "installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null
fi

mkdir -p "$WORK_DIR"
ROOTFS="$WORK_DIR/rootfs"
if [ ! -f "$ROOTFS/.debootstrap-done" ]; then
    rm -rf "$ROOTFS"
    log "debootstrap --variant=minbase $SUITE from $MIRROR into $ROOTFS"
    debootstrap --variant=minbase "$SUITE" "$ROOTFS" "$MIRROR" >"$WORK_DIR/debootstrap.log" 2>&1 \
        || { tail -20 "$WORK_DIR/debootstrap.log" >&2; die "debootstrap failed (log: $WORK_DIR/debootstrap.log)"; }
    touch "$ROOTFS/.debootstrap-done"
else
    log "reusing debootstrapped rootfs $ROOTFS"
fi

# Work on a copy so the cached debootstrap stays pristine.
IMG_ROOT="$WORK_DIR/image-root"
rm -rf "$IMG_ROOT"
log "copying rootfs"
cp -a "$ROOTFS" "$IMG_ROOT"
rm -f "$IMG_ROOT/.debootstrap-done"

log "installing ca-certificates (TLS to OTLP endpoints) into the rootfs"
cp /etc/resolv.conf "$IMG_ROOT/etc/resolv.conf"
mount -t proc proc "$IMG_ROOT/proc"
trap 'umount "$IMG_ROOT/proc" 2>/dev/null || true' EXIT
chroot "$IMG_ROOT" /bin/sh -c 'export DEBIAN_FRONTEND=noninteractive; apt-get install -y -q --no-install-recommends ca-certificates >/dev/null'
umount "$IMG_ROOT/proc"; trap - EXIT

log "jlink runtime ($JAVA_MODULES) from $JDK_HOME"
"$JDK_HOME/bin/jlink" --add-modules "$JAVA_MODULES" --strip-debug --no-man-pages --no-header-files \
    --compress=zip-6 --output "$IMG_ROOT/opt/java"
ln -sf /opt/java/bin/java "$IMG_ROOT/usr/local/bin/java"

log "creating non-root user $UID_GID and slimming the rootfs"
chroot "$IMG_ROOT" /usr/sbin/groupadd -g "$UID_GID" nonroot
chroot "$IMG_ROOT" /usr/sbin/useradd -u "$UID_GID" -g "$UID_GID" -d /home/nonroot -m -s /usr/sbin/nologin nonroot
mkdir -p "$IMG_ROOT/app" && chown "$UID_GID:$UID_GID" "$IMG_ROOT/app"
chroot "$IMG_ROOT" apt-get clean
rm -rf "$IMG_ROOT"/var/lib/apt/lists/* "$IMG_ROOT"/var/cache/* "$IMG_ROOT"/var/log/* \
       "$IMG_ROOT"/usr/share/doc/* "$IMG_ROOT"/usr/share/man/* "$IMG_ROOT"/usr/share/info/* \
       "$IMG_ROOT"/usr/share/locale/* "$IMG_ROOT"/tmp/* "$IMG_ROOT"/etc/resolv.conf
: > "$IMG_ROOT/etc/resolv.conf"
"$IMG_ROOT/opt/java/bin/java" -version >&2

log "docker import -> $BASE_IMAGE"
tar --numeric-owner -C "$IMG_ROOT" -c . | docker import \
    --change 'ENV PATH=/opt/java/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV JAVA_HOME=/opt/java' \
    --change 'ENV LANG=C.UTF-8' \
    --change "USER $UID_GID:$UID_GID" \
    --change 'WORKDIR /app' \
    --change 'LABEL org.opencontainers.image.title=o11y-shop-base org.opencontainers.image.description=Debian-minbase+jlink-runtime' \
    --change 'CMD ["java","-version"]' \
    - "$BASE_IMAGE" >/dev/null

log "docker save -> $BASE_TAR (Jib: -Djib.from.image=tar://$BASE_TAR)"
docker save -o "$BASE_TAR" "$BASE_IMAGE"
rm -rf "$IMG_ROOT"

log "done in $(( $(date +%s) - start ))s: $(docker image inspect -f '{{.Size}}' "$BASE_IMAGE" | awk '{printf "%.1f MB", $1/1e6}') image, $(du -h "$BASE_TAR" | cut -f1) tar"
echo "$BASE_TAR" >&3
