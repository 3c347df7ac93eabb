#!/usr/bin/env bash
# Builds the release binary against an old glibc and packs it as a DEB and an
# RPM into target/packaging/dist/. Usage: packaging/build.sh
#
# Why zig: a binary linked on this build host (Debian 12, glibc 2.36) would
# not start on RHEL 8 (glibc 2.28). cargo-zigbuild links against glibc 2.17
# stubs instead, so one x86_64 binary runs on every supported distribution.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

triple=x86_64-unknown-linux-gnu
glibc=2.17
# A target dir of its own, so a packaging build never waits for (or
# invalidates) developers' builds in target/.
export CARGO_TARGET_DIR="$root/target/packaging"
stage="$CARGO_TARGET_DIR/stage"   # generated docs; Cargo.toml's asset lists name these paths
dist="$CARGO_TARGET_DIR/dist"
bin="$CARGO_TARGET_DIR/$triple/release/tgw_generic_rk"

die() { echo "build.sh: error: $*" >&2; exit 1; }
step() { echo "==> $*" >&2; }

# Tools, each installed only if missing; versions are the ones this script was
# verified with.
if ! command -v zig >/dev/null && ! python3 -c 'import ziglang' 2>/dev/null; then
    step "installing zig (PyPI ziglang)"
    python3 -m pip install --quiet 'ziglang==0.17.1'
fi
for tool in cargo-zigbuild@0.24.1 cargo-deb@3.8.0 cargo-generate-rpm@0.21.1; do
    if ! command -v "${tool%@*}" >/dev/null; then
        step "installing $tool"
        CARGO_TARGET_DIR="$CARGO_TARGET_DIR/tools" cargo install --locked "$tool"
    fi
done

# A failed run must not leave older packages behind for test.sh to pass on.
rm -rf "$dist" "$stage"

step "building $triple against glibc $glibc"
cargo zigbuild --locked --release -p tgw_generic_rk --bin tgw_generic_rk --target "$triple.$glibc"
max_glibc=$(objdump -T "$bin" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -n1)
echo "binary: $(stat -c %s "$bin") bytes, needs at most $max_glibc" >&2

# The man page and completions come from the binary's own clap definitions
# (hidden `generate` subcommand), so they always match the packaged version.
"$bin" generate --help >/dev/null 2>&1 || die "$bin has no 'generate' subcommand.
  Packaging needs the hidden generators
    tgw_generic_rk generate man DIR
    tgw_generic_rk generate completions (bash|zsh|fish) DIR
  to write the man page and shell completions; they are not in this build yet."
step "generating man page and completions"
mkdir -p "$stage/man" "$stage/completions"
"$bin" generate man "$stage/man"
ls "$stage"/man/*.1 >/dev/null 2>&1 || die "'generate man' wrote no *.1 file"
gzip -9n "$stage"/man/*.1
for shell in bash zsh fish; do
    # Each generator names its file its own way; the packages want fixed names.
    out="$stage/completions/$shell.d"
    mkdir "$out"
    "$bin" generate completions "$shell" "$out"
    files=("$out"/*)
    [[ ${#files[@]} -eq 1 && -s ${files[0]} ]] || die "'generate completions $shell' should write one file"
    mv "${files[0]}" "$stage/completions/$shell" && rmdir "$out"
done

step "packing DEB and RPM"
# Reproducible file dates, the same in both packages. Set only now: ring's
# build script watches this variable, so setting it earlier rebuilds ring.
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}"
mkdir -p "$dist"
# --no-strip: the release profile already strips symbols.
cargo deb -p tgw_generic_rk --no-build --no-strip --target "$triple" --output "$dist/"
# xz payload: every rpm we target reads it; zstd (the tool's default) is not
# certain on the rpm 4.14 of RHEL 8 / SLES 15.
# builtin auto-req: the same Requires whether or not this host has rpm's own scripts.
cargo generate-rpm --target "$triple" --payload-compress xz \
    --auto-req builtin --output "$dist/"

ls -l "$dist" >&2
step "done in ${SECONDS}s"
