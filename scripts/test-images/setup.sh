#!/usr/bin/env bash
# The local image kit: podman + a local registry that podman uses as the mirror of
# docker.io, holding small images built from Debian packages only, so tests and
# benches name `alpine:3.23`, `python:alpine3.23`, `argoproj/argosay:v2`,
# `docker/whalesay:latest` and `busybox` exactly as Argo users do, with no internet.
#
# Idempotent and cached: every step checks whether it is done already (packages,
# config files, the registry process, each image by a hash of its inputs), so a warm
# run only probes. Run as root (it installs packages and writes /etc/containers).
#
#   scripts/test-images/setup.sh            # set up / verify everything
#   PODFLEET_KIT_FORCE=1 scripts/test-images/setup.sh   # rebuild every image
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STATE=/var/lib/podfleet-test-images
REGISTRY_ADDR=127.0.0.1:5000
REGISTRY_DIR=$STATE/registry
KIT_VERSION=3   # bump to force a rebuild of every image after changing this script

say() { printf 'test-images: %s\n' "$*"; }
die() { printf 'test-images: error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (it installs podman and configures /etc/containers)"
mkdir -p "$STATE"

# -- 1. packages ---------------------------------------------------------------------
need=()
# catatonit: the init the container provider asks for (HostConfig.Init, emissary-like signal
# forwarding); only a Recommends of podman.
for pair in podman:podman runc:runc catatonit:catatonit docker-registry:docker-registry busybox:busybox-static curl:curl; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair#*:}")
done
[ -x /bin/busybox ] && /bin/busybox --list >/dev/null 2>&1 && file -L /bin/busybox 2>/dev/null | grep -q static \
  || dpkg -s busybox-static >/dev/null 2>&1 || need+=(busybox-static)
[ -x /usr/bin/python3.11 ] || need+=(python3.11-minimal libpython3.11-stdlib)
if [ ${#need[@]} -gt 0 ]; then
  say "installing ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null \
    || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null; }
fi

# -- 2. configuration ----------------------------------------------------------------
write_if_changed() {  # path content
  if [ ! -f "$1" ] || [ "$(cat "$1")" != "$2" ]; then
    mkdir -p "$(dirname "$1")"; printf '%s\n' "$2" > "$1"; say "wrote $1"
  fi
}
# crun fails on this hybrid cgroup setup; the default ulimits exceed the hard limits;
# there is no systemd to manage cgroups or keep the event journal.
write_if_changed /etc/containers/containers.conf.d/50-podfleet.conf '[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"'
write_if_changed /etc/containers/registries.conf.d/50-podfleet-mirror.conf "unqualified-search-registries = [\"docker.io\"]

[[registry]]
location = \"docker.io\"

[[registry.mirror]]
location = \"$REGISTRY_ADDR\"
insecure = true

[[registry]]
location = \"$REGISTRY_ADDR\"
insecure = true"
write_if_changed "$STATE/registry.yml" "version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $REGISTRY_DIR
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDR"

# -- 3. the registry -----------------------------------------------------------------
registry_up() { curl -fsS -o /dev/null --max-time 2 "http://$REGISTRY_ADDR/v2/" 2>/dev/null; }
if ! registry_up; then
  say "starting docker-registry on $REGISTRY_ADDR"
  mkdir -p "$REGISTRY_DIR"
  setsid nohup docker-registry serve "$STATE/registry.yml" >>"$STATE/registry.log" 2>&1 < /dev/null &
  echo $! > "$STATE/registry.pid"
  for _ in $(seq 50); do registry_up && break; sleep 0.1; done
  registry_up || die "docker-registry did not start; see $STATE/registry.log"
fi

# -- 4. images -----------------------------------------------------------------------
in_registry() {  # repo tag
  curl -fsS -o /dev/null --max-time 5 -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "http://$REGISTRY_ADDR/v2/$1/manifests/$2"
}
inputs_hash() {  # name → hash of everything the image is built from
  { echo "$KIT_VERSION $1"; sha256sum /bin/busybox "$HERE/setup.sh" "$HERE"/files/* 2>/dev/null;
    [ "$1" = python ] && dpkg-query -W python3.11-minimal libpython3.11-stdlib 2>/dev/null; true; } | sha256sum | cut -c1-16
}
busybox_root() {  # dir: a busybox userland with /bin/sh, /tmp, root's home
  mkdir -p "$1"/{bin,sbin,usr/bin,usr/sbin,tmp,root,etc,proc,sys,dev,var/tmp}
  chmod 1777 "$1/tmp" "$1/var/tmp"
  cp /bin/busybox "$1/bin/busybox"
  chroot "$1" /bin/busybox --install -s
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$1/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$1/etc/group"
}
python_root() {  # dir: busybox + the host's Debian python3.11 and its stdlib
  busybox_root "$1"
  local py=/usr/bin/python3.11
  cp "$py" "$1/usr/bin/python3.11"; ln -sf python3.11 "$1/usr/bin/python3"; ln -sf python3 "$1/usr/bin/python"
  ldd "$py" | grep -o '/[^ ]*' | while read -r lib; do mkdir -p "$1$(dirname "$lib")"; cp -L "$lib" "$1$lib"; done
  mkdir -p "$1/usr/lib/python3.11"
  tar -C /usr/lib/python3.11 --exclude=test --exclude=idlelib --exclude=tkinter --exclude=ensurepip \
    --exclude=__pycache__ --exclude=turtledemo --exclude=site-packages --exclude=dist-packages -cf - . \
    | tar -C "$1/usr/lib/python3.11" -xf -
  # lib-dynload's extension modules need a few more shared libraries (ssl, ffi, sqlite …).
  find "$1/usr/lib/python3.11/lib-dynload" -name '*.so' -exec ldd {} \; 2>/dev/null | grep -o '/[^ ]*' | sort -u \
    | while read -r lib; do [ -e "$1$lib" ] || { mkdir -p "$1$(dirname "$lib")"; cp -L "$lib" "$1$lib"; }; done
}
build() {  # name repo tag builder [--change …]
  local name=$1 repo=$2 tag=$3 builder=$4; shift 4
  local hash; hash=$(inputs_hash "$name")
  local stamp="$STATE/$name.stamp"
  if [ -z "${PODFLEET_KIT_FORCE:-}" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$hash" ] && in_registry "$repo" "$tag"; then
    return 0
  fi
  say "building $repo:$tag"
  local root; root=$(mktemp -d "$STATE/root.XXXXXX")
  "$builder" "$root"
  local ref="$REGISTRY_ADDR/$repo:$tag"
  tar -C "$root" -cf - . | podman import --quiet "$@" - "$ref" >/dev/null
  rm -rf "$root"
  podman push --quiet --tls-verify=false "$ref" >/dev/null
  # The same image under the name users write (pulled through the mirror later).
  podman tag "$ref" "docker.io/$repo:$tag"
  echo "$hash" > "$stamp"
}
argosay_root() {
  busybox_root "$1"; install -m 0755 "$HERE/files/argosay" "$1/argosay"
}
whalesay_root() {
  busybox_root "$1"; install -m 0755 "$HERE/files/cowsay" "$1/usr/local/bin/cowsay" 2>/dev/null \
    || { mkdir -p "$1/usr/local/bin"; install -m 0755 "$HERE/files/cowsay" "$1/usr/local/bin/cowsay"; }
}
ENV_PATH='ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
build busybox    library/busybox  latest    busybox_root  --change "$ENV_PATH" --change 'CMD ["sh"]'
build busybox136 library/busybox  1.36      busybox_root  --change "$ENV_PATH" --change 'CMD ["sh"]'
build alpine     library/alpine   3.23      busybox_root  --change "$ENV_PATH" --change 'CMD ["/bin/sh"]'
build alpinelatest library/alpine latest    busybox_root  --change "$ENV_PATH" --change 'CMD ["/bin/sh"]'
build python     library/python   alpine3.23 python_root  --change "$ENV_PATH" --change 'CMD ["python3"]'
build argosay    argoproj/argosay v2        argosay_root  --change "$ENV_PATH" --change 'ENTRYPOINT ["/argosay"]'
build whalesay   docker/whalesay  latest    whalesay_root --change "$ENV_PATH" --change 'CMD ["/bin/sh"]' \
  --change 'WORKDIR /'
# Only for tests of pulling: never kept in podman's store by the tests that use it.
build pulltest   podfleet-test/pull-me 1    busybox_root  --change "$ENV_PATH" --change 'CMD ["sh"]'

say "ready: registry http://$REGISTRY_ADDR (mirror of docker.io); images busybox busybox:1.36 alpine:3.23 alpine:latest python:alpine3.23 argoproj/argosay:v2 docker/whalesay:latest"
