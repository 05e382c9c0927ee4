#!/usr/bin/env bash
# Provides the Pulumi engine (CLI, Node.js language host, command provider) without any
# download outside package registries, following spec/pulumi-engine.md §4-§5.
#
# Result: an engine root  $ENGINE_CACHE/<key>/{bin/pulumi, bin/pulumi-resource-pulumi-nodejs,
#   providers/pulumi-resource-command, .complete} (+ bin/pulumi-language-nodejs when the module
#   proxy serves it) and $ENGINE_CACHE/current naming that root (read by stacks/engine.ts).
#
# The Go module proxy reachable here serves pulumi/pkg and pulumi/sdk but neither
# github.com/pulumi/pulumi-command/provider nor the language host module (403 "not available").
# So pulumi-resource-command is built from scripts/engine/command-provider (our own
# implementation of the command:local/remote resources of @pulumi/command 1.2.1 on the
# pulumi/pkg provider helpers), and the language host is attempted but optional: inline
# Automation API programs, which is all the server runs, do not need it.
#
#   ENGINE_CACHE   default ${XDG_CACHE_HOME:-$HOME/.cache}/radl-pulumi/pulumi-engine
#                  (outside the repository: a fresh clone on this machine reuses it)
#   PULUMI_HOME    where the command plugin is installed; default $IM_DATA_DIR/pulumi-home
#                  (IM_DATA_DIR defaults to ./data, as for the server)
#
# Idempotent: a root with .complete is reused and costs a few seconds.
# Exit codes: 0 ok, 3 nothing can provide an engine, 1 a step failed.
set -euo pipefail

PULUMI_VERSION=3.248.0
LANGHOST_REV=dc7edd58bc13179f81b80983aab4eb7f74a01b41 # commit of tag pkg/v3.248.0
COMMAND_VERSION=1.2.1 # the plugin version @pulumi/command 1.2.1 asks for
CLIPBOARD_FORK=github.com/tgummerer/clipboard@v0.0.0-20241001131231-d02d263e614e
MIN_FREE_GB=6

REPO=$(cd "$(dirname "$0")/.." && pwd)
ENGINE_CACHE=${ENGINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/radl-pulumi/pulumi-engine}
DATA_DIR=${IM_DATA_DIR:-$REPO/data}
TARGET_PULUMI_HOME=${PULUMI_HOME:-$DATA_DIR/pulumi-home}
started=$(date +%s)

say() { printf 'pulumi-engine [+%ss]: %s\n' "$(($(date +%s) - started))" "$*"; }
die() {
  printf 'pulumi-engine: ERROR: %s\n' "$*" >&2
  exit "${2:-1}"
}

mkdir -p "$ENGINE_CACHE"
ENGINE_CACHE=$(cd "$ENGINE_CACHE" && pwd)

dynamic_host_src="$REPO/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"

# Copies the dynamic-provider host next to pulumi (bundled plugin lookup, spec §3).
install_dynamic_host() {
  local root=$1
  if [ -f "$dynamic_host_src" ]; then
    install -m 0755 "$dynamic_host_src" "$root/bin/pulumi-resource-pulumi-nodejs"
  else
    say "warning: $dynamic_host_src is missing (run npm ci first); dynamic providers will not work"
  fi
}

# Builds pulumi-resource-command from scripts/engine/command-provider into $1/providers when
# its sources changed (a stamp holds their hash); reuses the Go caches, so about a minute warm.
build_command_provider() {
  local root=$1 src="$REPO/scripts/engine/command-provider" hash stamp w
  hash=$(cd "$src" && cat go.mod go.sum ./*.go | sha256sum | cut -c1-16)
  stamp="$root/providers/.source-$hash"
  if [ -x "$root/providers/pulumi-resource-command" ] && [ -f "$stamp" ]; then return; fi
  command -v go >/dev/null || die "no Go toolchain to build pulumi-resource-command $COMMAND_VERSION" 3
  say "pulumi-resource-command v$COMMAND_VERSION: building from scripts/engine/command-provider"
  w=$(mktemp -d)
  cp "$src"/go.mod "$src"/go.sum "$src"/*.go "$w/"
  (cd "$w" && go build -trimpath -tags osusergo,grpcnotrace -ldflags "-s -w -X main.Version=$COMMAND_VERSION" \
    -o "$root/providers/pulumi-resource-command.tmp" .) || {
    rm -rf "$w"
    die "building pulumi-resource-command failed"
  }
  rm -rf "$w"
  mkdir -p "$root/providers"
  rm -f "$root"/providers/.source-*
  mv "$root/providers/pulumi-resource-command.tmp" "$root/providers/pulumi-resource-command"
  touch "$stamp"
  say "pulumi-resource-command built"
}

# Installs the command provider into the plugin cache of $TARGET_PULUMI_HOME (spec §5).
install_command_plugin() {
  local root=$1
  local dir="$TARGET_PULUMI_HOME/plugins/resource-command-v$COMMAND_VERSION"
  if [ -x "$dir/pulumi-resource-command" ] && cmp -s "$dir/pulumi-resource-command" "$root/providers/pulumi-resource-command"; then
    say "command plugin v$COMMAND_VERSION already installed in $TARGET_PULUMI_HOME"
    return
  fi
  mkdir -p "$TARGET_PULUMI_HOME"
  PULUMI_HOME="$TARGET_PULUMI_HOME" PULUMI_SKIP_UPDATE_CHECK=true \
    "$root/bin/pulumi" plugin install resource command "$COMMAND_VERSION" \
    --file "$root/providers/pulumi-resource-command" --exact >/dev/null
  say "command plugin v$COMMAND_VERSION installed in $TARGET_PULUMI_HOME"
}

check_sdk_pins() {
  local want
  want=$(cd "$REPO" && node -p "require('@pulumi/command/package.json').pulumi.version" 2>/dev/null || true)
  if [ -n "$want" ] && [ "$want" != "$COMMAND_VERSION" ]; then
    die "@pulumi/command asks for plugin $want but this script builds $COMMAND_VERSION"
  fi
}

# Builds a throwaway stack with the engine: proves the CLI, the plugin install and the file
# backend work offline before the root is marked complete.
smoke_test() {
  local root=$1 h s p
  h=$(mktemp -d) s=$(mktemp -d) p=$(mktemp -d)
  printf 'name: smoke\nruntime: nodejs\n' >"$p/Pulumi.yaml"
  (
    cd "$p"
    export PULUMI_HOME="$h" PULUMI_BACKEND_URL="file://$s" PULUMI_CONFIG_PASSPHRASE=smoke PULUMI_SKIP_UPDATE_CHECK=true
    "$root/bin/pulumi" plugin install resource command "$COMMAND_VERSION" --file "$root/providers/pulumi-resource-command" --exact >/dev/null
    "$root/bin/pulumi" plugin ls | grep -q "command.*$COMMAND_VERSION"
    "$root/bin/pulumi" stack init smoke --non-interactive >/dev/null
    "$root/bin/pulumi" stack ls --non-interactive | grep -q smoke
  ) || {
    rm -rf "$h" "$s" "$p"
    die "smoke test of the engine in $root failed"
  }
  rm -rf "$h" "$s" "$p"
}

finish() {
  local root=$1
  build_command_provider "$root"
  install_dynamic_host "$root"
  printf '%s\n' "$root" >"$ENGINE_CACHE/current.tmp" && mv "$ENGINE_CACHE/current.tmp" "$ENGINE_CACHE/current"
  install_command_plugin "$root"
  say "ready: $("$root/bin/pulumi" version) in $root ($(($(date +%s) - started))s)"
}

# Accepts v3.248.0 or a newer v3 (spec §1: a CLI newer than the SDK is supported).
is_compatible_version() {
  local v=${1#v}
  [[ $v =~ ^3\.([0-9]+)\.[0-9]+$ ]] && [ "${BASH_REMATCH[1]}" -ge 248 ]
}

check_sdk_pins

# 1. A compatible pulumi on PATH (a user who installed Pulumi the usual way).
if [ -z "${RADL_ENGINE_FORCE_BUILD:-}" ] && command -v pulumi >/dev/null; then
  path_pulumi=$(command -v pulumi)
  path_version=$(PULUMI_SKIP_UPDATE_CHECK=true pulumi version 2>/dev/null || true)
  if is_compatible_version "$path_version"; then
    root="$ENGINE_CACHE/external-pulumi-${path_version#v}"
    mkdir -p "$root/bin" "$root/providers"
    ln -sf "$(readlink -f "$path_pulumi")" "$root/bin/pulumi"
    say "using $path_pulumi ($path_version)"
    export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false
    export GOMODCACHE="$ENGINE_CACHE/gomod" GOCACHE="$ENGINE_CACHE/gobuild"
    finish "$root"
    exit 0
  fi
  say "ignoring $path_pulumi: version '$path_version' is not v3.248.0 or a newer v3"
fi

# 2. Build from Go modules through the module proxy.
command -v go >/dev/null || die "no compatible pulumi on PATH and no Go toolchain on this machine; the engine cannot be built (install Go >= 1.25.11 or Pulumi >= 3.248.0)" 3
go_version=$(go env GOVERSION)
[[ $go_version =~ ^go1\.(2[5-9]|[3-9][0-9]) ]] || die "Go $go_version is too old: the Pulumi modules need go >= 1.25.11" 3

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false
export GOMODCACHE="$ENGINE_CACHE/gomod" GOCACHE="$ENGINE_CACHE/gobuild"
KEY="pulumi-${PULUMI_VERSION}_langhost-${LANGHOST_REV:0:12}_command-${COMMAND_VERSION}_${go_version}_$(go env GOOS)-$(go env GOARCH)"
ROOT="$ENGINE_CACHE/$KEY"

if [ -f "$ROOT/.complete" ]; then
  say "reusing $ROOT"
  finish "$ROOT"
  exit 0
fi

exec 9>"$ENGINE_CACHE/.lock"
if ! flock -n 9; then
  say "another build holds $ENGINE_CACHE/.lock; waiting"
  flock 9
fi
if [ -f "$ROOT/.complete" ]; then # built by whoever held the lock
  finish "$ROOT"
  exit 0
fi

free_gb=$(df -Pk "$ENGINE_CACHE" | awk 'NR==2 {print int($4/1048576)}')
[ "$free_gb" -ge "$MIN_FREE_GB" ] || die "only ${free_gb} GB free in $ENGINE_CACHE; the build needs about ${MIN_FREE_GB} GB"

say "building the engine into $ROOT (cold: tens of minutes on 2 cores)"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/cli" "$W/langhost" "$ROOT/bin" "$ROOT/providers"
LDV="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION"
BUILD_FLAGS=(-trimpath -tags osusergo,grpcnotrace)

# A dependency requiring a newer Pulumi would silently raise the pins: refuse that.
assert_pins() {
  local got
  got=$(go list -m -f '{{.Version}}' github.com/pulumi/pulumi/pkg/v3 github.com/pulumi/pulumi/sdk/v3 | sort -u)
  [ "$got" = "v$PULUMI_VERSION" ] || die "$1: pkg/sdk resolved to '$got', expected v$PULUMI_VERSION"
}

if [ ! -x "$ROOT/bin/pulumi" ]; then
  say "pulumi CLI v$PULUMI_VERSION: resolving modules"
  cp "$REPO/scripts/engine/cli/go.mod" "$W/cli/go.mod"
  (cd "$W/cli" && go mod tidy && assert_pins "CLI wrapper")
  say "pulumi CLI: compiling"
  (cd "$W/cli" && go build "${BUILD_FLAGS[@]}" -ldflags "-s -w $LDV" \
    -o "$ROOT/bin/pulumi.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
  mv "$ROOT/bin/pulumi.tmp" "$ROOT/bin/pulumi"
fi
got=$(PULUMI_SKIP_UPDATE_CHECK=true "$ROOT/bin/pulumi" version)
[ "$got" = "v$PULUMI_VERSION" ] || die "built pulumi reports '$got', expected v$PULUMI_VERSION"
say "pulumi $got built"

build_command_provider "$ROOT"

# The language host is only needed for local (non-inline) programs such as an emitted project
# run with the plain CLI. Its module has no tags and the proxy may refuse it: then go on.
if [ ! -x "$ROOT/bin/pulumi-language-nodejs" ] && [ ! -f "$ROOT/.langhost-unavailable" ]; then
  say "pulumi-language-nodejs: resolving modules"
  if (
    cd "$W/langhost" &&
      go mod init local.invalid/pulumi-language-nodejs 2>/dev/null &&
      go mod edit -go=1.25.11 -replace="github.com/atotto/clipboard=$CLIPBOARD_FORK" &&
      go get -tool "github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3@$LANGHOST_REV" &&
      go get "github.com/pulumi/pulumi/pkg/v3@v$PULUMI_VERSION" "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION" &&
      go mod tidy &&
      assert_pins "language host wrapper"
  ); then
    say "pulumi-language-nodejs: compiling"
    (cd "$W/langhost" && go build "${BUILD_FLAGS[@]}" -ldflags "-s -w $LDV" \
      -o "$ROOT/bin/pulumi-language-nodejs.tmp" github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3)
    mv "$ROOT/bin/pulumi-language-nodejs.tmp" "$ROOT/bin/pulumi-language-nodejs"
    say "pulumi-language-nodejs built"
  else
    touch "$ROOT/.langhost-unavailable"
    say "warning: the module proxy does not serve pulumi-language-nodejs; local programs (plain 'pulumi up' of an emitted project) cannot run, inline Automation API programs can"
  fi
fi

install_dynamic_host "$ROOT"
smoke_test "$ROOT"
touch "$ROOT/.complete"
if [ -n "${RADL_ENGINE_CLEAN_GOCACHE:-}" ]; then go clean -cache; fi
finish "$ROOT"
