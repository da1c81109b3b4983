#!/usr/bin/env bash
# Assembles the sandbox's container images as OCI image-layout tarballs (plus docker-save's manifest.json), without Docker, for `trivy image --input`.
#
#   bash sandbox/trivy/build-images.sh OUT_DIR
#
# Each image has two layers: an Alpine 3.18 base whose apk database (/lib/apk/db/installed) lists real Alpine
# 3.18 packages at real versions, and an app layer with a Node app: package.json, its package-lock.json and the
# installed node_modules/<pkg>/package.json files (what trivy reads inside images). Packages are metadata only (no
# binaries: nothing here runs). The ref ghcr.io/example/payments-api:1.4.2 is written to
# OUT_DIR/ghcr.io/example/payments-api/1.4.2.tar (security.images.archiveDir in the config). Layers are built with
# fixed owners and timestamps, so a rebuild gives the same digests. docs/security.md lists what each image holds.
set -euo pipefail
out=${1:?usage: build-images.sh OUT_DIR}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }

apk_entry() { # name version origin description
  printf 'C:Q1%s=\nP:%s\nV:%s\nA:x86_64\nT:%s\nL:%s\no:%s\nm:Natanael Copa <ncopa@alpinelinux.org>\nt:1698000000\n\n' \
    "$(printf '%s-%s' "$1" "$2" | sha1sum | cut -c1-27)" "$1" "$2" "$4" "${5:-MIT}" "$3"
}

base_rootfs() { # dir openssl-version
  local d=$1 ssl=$2
  mkdir -p "$d/etc" "$d/lib/apk/db"
  echo 3.18.4 >"$d/etc/alpine-release"
  printf 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.18.4\nPRETTY_NAME="Alpine Linux v3.18"\nHOME_URL="https://alpinelinux.org/"\n' >"$d/etc/os-release"
  {
    apk_entry alpine-baselayout 3.4.3-r1 alpine-baselayout "Alpine base dir structure and init scripts" GPL-2.0-only
    apk_entry busybox 1.36.1-r5 busybox "Size optimized toolbox of many common UNIX utilities" GPL-2.0-only
    apk_entry musl 1.2.4-r2 musl "the musl c library (libc) implementation"
    apk_entry libcrypto3 "$ssl" openssl "Crypto library from openssl" Apache-2.0
    apk_entry libssl3 "$ssl" openssl "SSL shared libraries" Apache-2.0
    apk_entry zlib 1.2.13-r1 zlib "A compression/decompression Library" Zlib
    apk_entry nodejs 18.18.2-r0 nodejs "JavaScript runtime built on V8 engine - LTS version" MIT
  } >"$d/lib/apk/db/installed"
}

app_rootfs() { # dir app-name app-version pkg@version...
  local d=$1 name=$2 version=$3
  shift 3
  mkdir -p "$d/app"
  local deps="" locks="" sep=""
  for spec in "$@"; do
    local p=${spec%@*} v=${spec#*@}
    mkdir -p "$d/app/node_modules/$p"
    printf '{\n  "name": "%s",\n  "version": "%s",\n  "license": "MIT"\n}\n' "$p" "$v" >"$d/app/node_modules/$p/package.json"
    deps+="$sep\"$p\": \"$v\""
    locks+="$sep\"node_modules/$p\": { \"version\": \"$v\", \"resolved\": \"https://registry.npmjs.org/$p/-/$p-$v.tgz\", \"license\": \"MIT\" }"
    sep=", "
  done
  printf '{ "name": "%s", "version": "%s", "private": true, "dependencies": { %s } }\n' "$name" "$version" "$deps" >"$d/app/package.json"
  printf '{ "name": "%s", "version": "%s", "lockfileVersion": 3, "requires": true, "packages": { "": { "name": "%s", "version": "%s", "dependencies": { %s } }, %s } }\n' \
    "$name" "$version" "$name" "$version" "$deps" "$locks" >"$d/app/package-lock.json"
}

layer() { # rootfs -> prints path of the layer tar in the blob dir
  local src=$1 blobs=$2 tmp="$work/layer.tar"
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=posix \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime -C "$src" -cf "$tmp" .
  local d
  d=$(sha "$tmp")
  mv "$tmp" "$blobs/$d"
  echo "$d"
}

image() { # ref openssl-version app-name app-version pkgs...
  local ref=$1 ssl=$2
  shift 2
  local repo=${ref%:*} tag=${ref##*:} dir="$work/img" blobs
  rm -rf "$dir" "$work/base" "$work/app"
  blobs="$dir/blobs/sha256"
  mkdir -p "$blobs"
  base_rootfs "$work/base" "$ssl"
  app_rootfs "$work/app" "$@"
  local l1 l2
  l1=$(layer "$work/base" "$blobs")
  l2=$(layer "$work/app" "$blobs")
  printf '{"architecture":"amd64","os":"linux","created":"2023-11-01T00:00:00Z","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"WorkingDir":"/app","Cmd":["node","server.js"],"Labels":{"org.opencontainers.image.source":"infra-agent sandbox"}},"rootfs":{"type":"layers","diff_ids":["sha256:%s","sha256:%s"]},"history":[{"created":"2023-11-01T00:00:00Z","created_by":"alpine 3.18.4 base (apk db)"},{"created":"2023-11-01T00:00:00Z","created_by":"COPY app /app"}]}' \
    "$l1" "$l2" >"$work/config.json"
  local c
  c=$(sha "$work/config.json")
  mv "$work/config.json" "$blobs/$c"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s},{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
    "$c" "$(size "$blobs/$c")" "$l1" "$(size "$blobs/$l1")" "$l2" "$(size "$blobs/$l2")" >"$work/manifest.json"
  local m
  m=$(sha "$work/manifest.json")
  mv "$work/manifest.json" "$blobs/$m"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"%s"}}]}' \
    "$m" "$(size "$blobs/$m")" "$tag" >"$dir/index.json"
  printf '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
  # A manifest.json beside the OCI layout, as `docker save` (Docker 25+) writes it: trivy reads this form.
  printf '[{"Config":"blobs/sha256/%s","RepoTags":["%s"],"Layers":["blobs/sha256/%s","blobs/sha256/%s"]}]' \
    "$c" "$ref" "$l1" "$l2" >"$dir/manifest.json"
  mkdir -p "$out/$repo"
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$dir" -cf "$out/$repo/$tag.tar.tmp" oci-layout index.json manifest.json blobs
  mv "$out/$repo/$tag.tar.tmp" "$out/$repo/$tag.tar"
  echo "$ref -> $out/$repo/$tag.tar (manifest sha256:$m)"
}

# payments-api 1.4.2: lodash 4.17.11 (CVE-2019-10744 CRITICAL, CVE-2020-8203 HIGH, CVE-2021-23337 HIGH; all fixed
# upstream) and OpenSSL 3.1.4-r0 (CVE-2023-5678 MEDIUM, fixed in 3.1.4-r1).
image ghcr.io/example/payments-api:1.4.2 3.1.4-r0 payments-api 1.4.2 express@4.18.2 lodash@4.17.11
# payments-api 1.4.3: the same app with lodash 4.17.21 and OpenSSL 3.1.4-r1: clean against the sandbox DB.
image ghcr.io/example/payments-api:1.4.3 3.1.4-r1 payments-api 1.4.3 express@4.18.2 lodash@4.17.21
# checkout-web 2.1.0: minimist 1.2.5 (CVE-2021-44906 CRITICAL, fixed in 1.2.6) and OpenSSL 3.1.4-r1.
image ghcr.io/example/checkout-web:2.1.0 3.1.4-r1 checkout-web 2.1.0 minimist@1.2.5 lodash@4.17.21
# checkout-web 2.1.1: minimist 1.2.8: clean.
image ghcr.io/example/checkout-web:2.1.1 3.1.4-r1 checkout-web 2.1.1 minimist@1.2.8 lodash@4.17.21
