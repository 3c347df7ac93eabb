#!/usr/bin/env bash
# Packaging check: inspects the DEB and RPM made by packaging/build.sh,
# unpacks the DEB into a scratch root and runs what it installed.
# Usage: packaging/test.sh   (exit status 0 only if every check passed)
#
# Not run by CI (it needs the zig release build); run it before a release.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dist="$root/target/packaging/dist"
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$root/Cargo.toml" | head -n1)

checks=0 failures=0
ok()   { checks=$((checks + 1)); echo "ok   $*"; }
fail() { checks=$((checks + 1)); failures=$((failures + 1)); echo "FAIL $*"; }
# check DESCRIPTION COMMAND...: passes if COMMAND succeeds.
check() { local what=$1; shift; if "$@"; then ok "$what"; else fail "$what"; fi; }
die()  { echo "test.sh: error: $*" >&2; exit 2; }
# at_most A B: version A <= version B (dotted numbers).
at_most() { [[ $(printf '%s\n' "$1" "$2" | sort -V | tail -n1) == "$2" ]]; }
# Oldest glibc we promise to start on: RHEL 8.
glibc_limit=2.28

shopt -s nullglob
debs=("$dist"/*.deb) rpms=("$dist"/*.rpm)
[[ ${#debs[@]} -eq 1 && ${#rpms[@]} -eq 1 ]] || die "expected one .deb and one .rpm in $dist; run packaging/build.sh"
deb=${debs[0]} rpm=${rpms[0]}
scratch=$(mktemp -d) && trap 'rm -rf "$scratch"' EXIT

# rpm is the only tool that reads an RPM the way the target distributions will.
if ! command -v rpm >/dev/null; then
    if [[ $EUID -ne 0 ]] || ! command -v apt-get >/dev/null; then die "needs 'rpm' (apt-get install rpm)"; fi
    echo "installing rpm with apt-get" >&2
    apt-get install -y -qq --no-install-recommends rpm >/dev/null
fi

echo "--- contents ($(basename "$deb"), $(basename "$rpm"))"
# Both listings normalised to "MODE /path", files only.
dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { sub(/^\./, "", $6); print $1, $6 }' | sort >"$scratch/deb.list"
rpm -qp --qf '[%{FILEMODES:perms} %{FILENAMES}\n]' "$rpm" | grep -v '^d' | sort >"$scratch/rpm.list"

common=(
    "-rwxr-xr-x /opt/tgw_generic_rk/bin/tgw_generic_rk"
    "-rwxr-xr-x /opt/tgw_generic_rk/actions/restore"
    "-rwxr-xr-x /opt/tgw_generic_rk/actions/remove"
    "-rwxr-xr-x /opt/tgw_generic_rk/actions/quickCheck"
    "-rwxr-xr-x /opt/tgw_generic_rk/actions/recover"
    "-rwxr-xr-x /usr/sbin/tgw_generic_rk"
    "-rwxr-xr-x /usr/lib/ocf/resource.d/tgw_generic_rk/tgw-vip"
    "-rw-r--r-- /opt/tgw_generic_rk/share/iam/permissions-policy.json"
    "-rw-r--r-- /opt/tgw_generic_rk/share/iam/trust-policy.json"
    "-rw-r--r-- /opt/tgw_generic_rk/share/iam/trust-policy-external-id.json"
    "-rw-r--r-- /opt/tgw_generic_rk/share/iam/node-assume-role-policy.json"
    "-rw-r--r-- /opt/tgw_generic_rk/share/cloudformation/tgw-generic-rk-role.yaml"
    "-rw-r--r-- /opt/tgw_generic_rk/share/LifeKeeper.defaults.sample"
    "-rw-r--r-- /opt/tgw_generic_rk/share/README.md"
    "-rw-r--r-- /usr/share/man/man1/tgw_generic_rk.1.gz"
    "-rw-r--r-- /usr/share/bash-completion/completions/tgw_generic_rk"
    "-rw-r--r-- /usr/share/fish/vendor_completions.d/tgw_generic_rk.fish"
)
# The main page refers to one page per subcommand: they ship too.
for sub in restore remove quickCheck recover status plan doctor ocf; do
    common+=("-rw-r--r-- /usr/share/man/man1/tgw_generic_rk-$sub.1.gz")
done
# zsh looks in different places on Debian and on RHEL/SLES.
for entry in "${common[@]}" "-rw-r--r-- /usr/share/zsh/vendor-completions/_tgw_generic_rk"; do
    check "deb has $entry" grep -qxF -- "$entry" "$scratch/deb.list"
done
for entry in "${common[@]}" "-rw-r--r-- /usr/share/zsh/site-functions/_tgw_generic_rk" \
    "-rw-r--r-- /usr/share/licenses/tgw_generic_rk/LICENSE"; do
    check "rpm has $entry" grep -qxF -- "$entry" "$scratch/rpm.list"
done
# The real /etc/default/LifeKeeper belongs to the operator.
check "deb installs nothing under /etc" bash -c "! grep -q ' /etc/' '$scratch/deb.list'"
check "rpm installs nothing under /etc" bash -c "! grep -q ' /etc/' '$scratch/rpm.list'"

echo "--- metadata"
deb_meta=$(dpkg-deb -f "$deb" Package Version Architecture Depends)
rpm_meta=$(rpm -qp --qf '%{NAME} %{VERSION} %{ARCH} %{LICENSE}\n' "$rpm")
echo "  deb: ${deb_meta//$'\n'/, }"; echo "  rpm: $rpm_meta"
rpm -qpR "$rpm" | sort -u | tr '\n' ' ' | fold -s -w 100 | sed 's/^/  rpm requires: /'; echo
check "deb is tgw-generic-rk $version-1 for amd64" \
    grep -qz "Package: tgw-generic-rk.Version: $version-1.Architecture: amd64" <<<"$deb_meta"
check "rpm is tgw_generic_rk $version x86_64 Apache-2.0" \
    test "$rpm_meta" = "tgw_generic_rk $version x86_64 Apache-2.0"
deb_libc=$(sed -n 's/.*libc6 (>= \([0-9.]*\)).*/\1/p' <<<"$deb_meta")
check "deb needs libc6 <= $glibc_limit (asks for ${deb_libc:-none})" at_most "${deb_libc:-none}" "$glibc_limit"
rpm_glibc=$(rpm -qpR "$rpm" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -n1)
check "rpm needs glibc <= $glibc_limit (asks for $rpm_glibc)" at_most "${rpm_glibc#GLIBC_}" "$glibc_limit"
check "deb copyright names Apache-2.0" \
    bash -c "dpkg-deb --fsys-tarfile '$deb' | tar -xOf - ./usr/share/doc/tgw-generic-rk/copyright | grep -q Apache-2.0"
# The whole license text, not only its name (issue 12).
license_terms="TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION"
check "deb copyright carries the Apache-2.0 text" \
    bash -c "dpkg-deb --fsys-tarfile '$deb' | tar -xOf - ./usr/share/doc/tgw-generic-rk/copyright | grep -qF '$license_terms'"

echo "--- installed files (dpkg -x; rpm --root)"
dest="$scratch/root"
dpkg -x "$deb" "$dest"
bin="$dest/opt/tgw_generic_rk/bin/tgw_generic_rk"
share="$dest/opt/tgw_generic_rk/share"

# rpm itself unpacks the RPM (no scripts, no dependency check: the scratch
# root has no glibc); both packages must carry the very same program.
check "rpm verifies its digests" rpm -K --nosignature --quiet "$rpm"
rpm --root "$scratch/rpmroot" --nodeps --noscripts --quiet -i "$rpm" 2>/dev/null
check "rpm ships the Apache-2.0 text" cmp -s "$root/LICENSE" "$scratch/rpmroot/usr/share/licenses/tgw_generic_rk/LICENSE"
check "RPM and DEB install the same binary" cmp -s "$bin" "$scratch/rpmroot/opt/tgw_generic_rk/bin/tgw_generic_rk"

max_glibc=$(objdump -T "$bin" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -n1)
echo "  binary: $(stat -c %s "$bin") bytes, highest glibc symbol version $max_glibc"
check "binary needs glibc <= $glibc_limit (RHEL 8), has $max_glibc" at_most "${max_glibc#GLIBC_}" "$glibc_limit"
# Anything beyond glibc (libssl, libgcc_s...) may be missing on a minimal node.
extra=$(objdump -p "$bin" | awk '/NEEDED/ { print $2 }' |
    grep -vxE 'lib(c|m|dl|rt|pthread)\.so\.[0-9]+|ld-linux-x86-64\.so\.2' | tr '\n' ' ' || true)
check "binary links only glibc libraries${extra:+, not $extra}" test -z "$extra"

check "iam/permissions-policy.json allows exactly the eight documented actions" python3 - "$share/iam/permissions-policy.json" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
actions = sorted(a for s in doc["Statement"] for a in s["Action"])
sys.exit(actions != sorted([
    "ec2:DescribeRouteTables", "ec2:ReplaceRoute", "ec2:DescribeTransitGateways",
    "ec2:DescribeTransitGatewayVpcAttachments", "ec2:DescribeTransitGatewayPeeringAttachments",
    "ec2:DescribeTransitGatewayRouteTables", "ec2:SearchTransitGatewayRoutes",
    "ec2:ReplaceTransitGatewayRoute"]))
EOF
# The policies and the template are shipped as they are in the source tree
# (tests/integration/shipped_policies.rs checks those against each other).
for f in "$root"/packaging/iam/*.json "$root"/packaging/cloudformation/*.yaml; do
    rel=${f#"$root"/packaging/}
    check "share/$rel is the source tree's" cmp -s "$f" "$share/$rel"
done
# Pasting the whole sample into /etc/default/LifeKeeper must change nothing.
check "defaults sample sets nothing (every line commented)" \
    bash -c "! grep -qvE '^[[:space:]]*(#|$)' '$share/LifeKeeper.defaults.sample'"
check "man page is a non-empty gzip" gzip -t "$dest/usr/share/man/man1/tgw_generic_rk.1.gz"
for f in bash-completion/completions/tgw_generic_rk zsh/vendor-completions/_tgw_generic_rk \
         fish/vendor_completions.d/tgw_generic_rk.fish; do
    check "completion $f is not empty" test -s "$dest/usr/share/$f"
done

echo "--- running the installed binary"
# An empty environment, as LifeKeeper's is not documented (SPEC §3).
run() { env -i PATH=/usr/bin:/bin "$@"; }
got=$(run "$bin" --version || true)
check "--version prints 'tgw_generic_rk $version' (got '$got')" test "$got" = "tgw_generic_rk $version"
check "remove -t x exits 0" run "$bin" remove -t x
# The action scripts and the /usr/sbin wrapper exec /opt/tgw_generic_rk/bin/...
# by absolute path, so run them in a private mount namespace where the
# unpacked /opt is the real /opt. LifeKeeper runs a copy of the script under
# .../actions/!remove/<TAG>; test that too.
mkdir -p "$scratch/lk/actions/!remove"
cp "$dest/opt/tgw_generic_rk/actions/remove" "$scratch/lk/actions/!remove/vip-tgw"
unshare_opts=(--mount); [[ $EUID -eq 0 ]] || unshare_opts+=(--map-root-user)
# shellcheck disable=SC2016 # $0 and $@ are for the inner sh
in_ns() { run unshare "${unshare_opts[@]}" sh -c 'mount --bind "$0" /opt && exec "$@"' "$dest/opt" "$@"; }
check "actions/remove -t x -i x exits 0" in_ns /opt/tgw_generic_rk/actions/remove -t x -i x
check "LifeKeeper's copy !remove/<TAG> -t x -i x exits 0" in_ns "$scratch/lk/actions/!remove/vip-tgw" -t x -i x
got=$(in_ns "$dest/usr/sbin/tgw_generic_rk" --version || true)
check "/usr/sbin/tgw_generic_rk --version runs the binary" test "$got" = "tgw_generic_rk $version"
for a in restore quickCheck recover; do
    check "actions/$a calls the binary's $a" \
        grep -qx "exec /opt/tgw_generic_rk/bin/tgw_generic_rk $a \"\$@\"" "$dest/opt/tgw_generic_rk/actions/$a"
done

# Pacemaker's agent (ocf:tgw_generic_rk:tgw-vip): a two-line wrapper, and
# meta-data valid against the DTD ocf-tester validates with.
agent="$dest/usr/lib/ocf/resource.d/tgw_generic_rk/tgw-vip"
check "the OCF agent execs the binary's ocf door" \
    grep -qx "exec /opt/tgw_generic_rk/bin/tgw_generic_rk ocf \"\$@\"" "$agent"
dtd=/usr/share/resource-agents/ra-api-1.dtd
if [[ -r $dtd ]] && command -v xmllint >/dev/null; then
    cp "$dtd" "$scratch/ra-api-1.dtd"
    in_ns "$agent" meta-data >"$scratch/meta-data.xml" || true
    check "the OCF agent's meta-data is valid against ra-api-1.dtd" \
        xmllint --noout --valid "$scratch/meta-data.xml"
else
    fail "meta-data not validated: needs $dtd and xmllint (apt-get install resource-agents libxml2-utils)"
fi

echo "--- $((checks - failures)) of $checks checks passed"
[[ $failures -eq 0 ]]
