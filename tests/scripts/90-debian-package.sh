#!/bin/sh
# 90-debian-package.sh — the Debian package, built, installed and purged for
# real on this machine:
#   a) 'make deb' (dpkg-buildpackage -us -uc -b) builds it from a copy of this tree (the
#      files git tracks or would track, as a fresh clone has them) in a
#      temporary directory, so nothing lands beside the repository;
#   b) lintian reports no error (its warnings and notes are printed);
#   c) the package holds the daemon in /usr/sbin, the three units in
#      systemd's unit directory running it, both manual pages, the OpenAPI
#      description, and the sample configuration as a conffile; it has no
#      maintainer script of its own (only debhelper's systemd snippets);
#   d) 'dpkg -i' installs it; the installed 'zaptec-accessd --version' prints
#      the package's version, and 'check-config' accepts a filled-in
#      configuration and refuses a broken one;
#   e) 'dpkg --purge' leaves nothing of it: no file, no conffile, no
#      directory, no systemd link, no dpkg record.
# The package is always purged when the script ends, passed or failed. It
# refuses to run when zaptec-accessd is installed already: that install is
# not this test's to remove.
set -eu
cd "$(dirname "$0")/../.."

PKG=zaptec-accessd

fail() {
	echo "90-debian-package: FAIL: $*" >&2
	exit 1
}

[ "$(id -u)" = 0 ] || fail "dpkg -i needs root"
for tool in dpkg-buildpackage dh lintian git; do
	command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/install-deps.sh test)"
done
if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q 'installed\|config-files'; then
	fail "$PKG is installed on this machine already; this test installs and purges its own"
fi

tmp=$(mktemp -d)
installed=0
cleanup() {
	if [ "$installed" = 1 ]; then
		dpkg --purge "$PKG" >"$tmp/purge-on-exit.log" 2>&1 || cat "$tmp/purge-on-exit.log" >&2
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# --- a) build ----------------------------------------------------------------
mkdir "$tmp/src"
git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$tmp/src"
[ ! -e "$tmp/src/build" ] || fail "the copy holds build/: it would not be a clean tree"
started=$(date +%s)
(cd "$tmp/src" && DEB_BUILD_OPTIONS="parallel=2 ${DEB_BUILD_OPTIONS:-}" make -s deb) \
	>"$tmp/build.log" 2>&1 || { tail -n 40 "$tmp/build.log" >&2; fail "dpkg-buildpackage failed"; }
version=$(cd "$tmp/src" && dpkg-parsechangelog -S Version)
arch=$(dpkg --print-architecture)
deb=$tmp/${PKG}_${version}_${arch}.deb
[ -f "$deb" ] || fail "no $deb after the build: $(ls "$tmp")"
echo "a) dpkg-buildpackage: ${PKG}_${version}_${arch}.deb in $(($(date +%s) - started)) s"

# --- b) lintian ----------------------------------------------------------------
# Every tag is printed, notes included; only an error fails (the README says
# why each remaining tag is there).
status=0
lintian --display-info --fail-on error "$tmp/${PKG}_${version}_${arch}.changes" >"$tmp/lintian.log" 2>&1 || status=$?
grep -v 'running with root privileges' "$tmp/lintian.log" | sed 's/^/   lintian: /' || true
[ "$status" = 0 ] && ! grep -q '^E: ' "$tmp/lintian.log" || fail "lintian reports errors (exit $status)"
echo "b) lintian: no errors"

# --- c) contents ---------------------------------------------------------------
unitdir=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || true)
[ -n "$unitdir" ] || unitdir=/lib/systemd/system
dpkg-deb -c "$deb" | awk '{ print $NF }' | sed 's|^\./|/|' >"$tmp/contents"
for path in /usr/sbin/zaptec-accessd "$unitdir/zaptec-accessd.service" "$unitdir/zaptec-accessd.socket" \
	"$unitdir/zaptec-accessd-admin.socket" /usr/share/man/man8/zaptec-accessd.8.gz \
	/usr/share/man/man5/zaptec-accessd.conf.5.gz /usr/share/doc/zaptec-accessd/openapi.yaml \
	/usr/share/doc/zaptec-accessd/copyright /etc/zaptec-accessd/zaptec-accessd.conf; do
	grep -qx "$path" "$tmp/contents" || fail "the package lacks $path"
done
mkdir "$tmp/control"
dpkg-deb -e "$deb" "$tmp/control"
grep -qx /etc/zaptec-accessd/zaptec-accessd.conf "$tmp/control/conffiles" || fail "the sample configuration is not a conffile"
for script in preinst postinst prerm postrm; do
	[ -f "$tmp/control/$script" ] || continue
	# Only debhelper's generated sections: nothing creates users or
	# directories that DynamicUser= and StateDirectory= create.
	if sed '/^# Automatically added by dh_/,/^# End automatically added section/d' "$tmp/control/$script" |
		grep -v '^#!/bin/sh$\|^set -e$\|^$' | grep -q .; then
		fail "the $script has lines of its own: $(cat "$tmp/control/$script")"
	fi
done
echo "c) contents: daemon, units, manual pages, OpenAPI, conffile; only debhelper's maintainer scripts"

# --- d) install ----------------------------------------------------------------
installed=1
dpkg -i "$deb" >"$tmp/install.log" 2>&1 || fail "dpkg -i: $(cat "$tmp/install.log")"
dpkg-query -W -f='${Status}' "$PKG" | grep -q 'install ok installed' || fail "dpkg does not list $PKG as installed"
dpkg -L "$PKG" >"$tmp/files"
[ "$(command -v zaptec-accessd)" = /usr/sbin/zaptec-accessd ] || fail "zaptec-accessd on PATH is $(command -v zaptec-accessd)"
out=$(/usr/sbin/zaptec-accessd --version) || fail "zaptec-accessd --version exited non-zero"
case $out in
*" $version"|*" $version "*) ;;
*) fail "zaptec-accessd --version printed '$out', not version $version" ;;
esac
grep -q "^ExecStart=/usr/sbin/zaptec-accessd " "$unitdir/zaptec-accessd.service" || fail "the installed service does not run /usr/sbin/zaptec-accessd"
cmp -s conf/zaptec-accessd.conf /etc/zaptec-accessd/zaptec-accessd.conf || fail "the installed configuration is not the sample"

# A filled-in configuration, as an administrator writes it after install.
mkdir "$tmp/etc"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$tmp/etc/api-token"
chmod 600 "$tmp/etc/api-token"
cat >"$tmp/etc/zaptec-accessd.conf" <<EOF
lookup_key = BSJG
public_url = https://connect.example.com
partner_name = Example Energy
database = $tmp/var/accessd.db
api_token_file = $tmp/etc/api-token
EOF
/usr/sbin/zaptec-accessd -c "$tmp/etc/zaptec-accessd.conf" check-config >"$tmp/check.log" 2>&1 ||
	fail "check-config refused a filled-in configuration: $(cat "$tmp/check.log")"
echo 'threads = many' >>"$tmp/etc/zaptec-accessd.conf"
status=0
/usr/sbin/zaptec-accessd -c "$tmp/etc/zaptec-accessd.conf" check-config >"$tmp/check.log" 2>&1 || status=$?
[ "$status" = 2 ] || fail "check-config on a bad line exited $status, not 2"
grep -q 'zaptec-accessd.conf:6: threads' "$tmp/check.log" || fail "check-config did not name the bad line: $(cat "$tmp/check.log")"
echo "d) dpkg -i: $out; check-config accepts a filled-in configuration and names a bad line"

# --- e) purge ------------------------------------------------------------------
dpkg --purge "$PKG" >"$tmp/purge.log" 2>&1 || fail "dpkg --purge: $(cat "$tmp/purge.log")"
installed=0
if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q 'installed\|config-files'; then
	fail "dpkg still knows $PKG after the purge"
fi
left=
while read -r path; do
	case $path in
	/. | /etc | /lib | /lib/systemd | /lib/systemd/system | /usr | /usr/sbin | /usr/share | /usr/share/doc | \
		/usr/share/man | /usr/share/man/man5 | /usr/share/man/man8) continue ;;
	esac
	[ -e "$path" ] || [ -L "$path" ] && left="$left $path"
done <"$tmp/files"
[ -z "$left" ] || fail "left after the purge:$left"
[ ! -e /etc/zaptec-accessd ] || fail "/etc/zaptec-accessd is left after the purge"
links=$(find /etc/systemd -name 'zaptec-accessd*' 2>/dev/null)
[ -z "$links" ] || fail "systemd links left after the purge: $links"
[ ! -e /var/lib/systemd/deb-systemd-helper-enabled/zaptec-accessd.service.dsh-also ] ||
	fail "deb-systemd-helper state left after the purge"
echo "e) dpkg --purge: nothing of $PKG is left ($(wc -l <"$tmp/files") paths checked)"
