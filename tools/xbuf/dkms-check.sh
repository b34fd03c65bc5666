#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# xbuf installed as its users install it, without touching the host's
# DKMS state (/var/lib/dkms, /usr/src) or its /lib/modules: DKMS works in
# private trees under OUT (--dkmstree, --sourcetree, --installtree, with
# its signing key in OUT), `make install` in DESTDIR. Checks that:
#
# - dkms add, build and install for the stock kernel KVER (headers KDIR)
#   leave dkms status "installed", and both modules in OUT/lib/modules/
#   KVER/updates/dkms, built for KVER (vermagic), signed with DKMS's key
#   and in modules.dep (depmod -b: dkms's own depmod would run on the
#   host's /lib/modules). The stock-loopback boot loads them from there;
# - on a kernel upgrade, dkms autoinstall (what the kernel's postinst
#   hook runs) builds and installs them for KREL2, Debian's 6.12, as that
#   kernel's modules are: compressed (.ko.xz);
# - dkms skips xbuf on a kernel older than 6.1 (BUILD_EXCLUSIVE, exit 77);
# - make dkms-install runs twice and make dkms-remove undoes it;
# - make install DESTDIR=... puts every file where it belongs, and leaves
#   depmod to the package the staging tree is for;
# - the udev rule is made of keys and operators udev knows, and names
#   xbuf's device nodes, all of them and no others.
#
# dkms compresses a kernel's modules as that kernel's are, which it reads
# in /lib/modules/KREL/modules.dep. So each dkms call runs in a mount
# namespace of its own with OUT/lib/modules as /lib/modules, holding both
# kernels' module indexes as their packages install them. Where no mount
# namespace can be made, dkms sees the host's /lib/modules: without 6.12
# installed there, it builds the 6.12 modules uncompressed and unsigned
# (it finds that kernel's sign-file through /lib/modules/KREL2/build),
# and the checks take either.
#
# usage: dkms-check.sh OUT KVER KDIR KROOT KREL2 KROOT2 DESTDIR
#   KROOT: the stock kernel's unpacked image (stock-kernel.sh)
#   KROOT2: the second kernel as debian-kernel.sh unpacked it (root/,
#   headers/)
set -eu
tools=$(cd "$(dirname "$0")" && pwd)
. "$tools/common.sh"
here=$(cd "$tools/../.." && pwd)

[ "$(id -u)" = 0 ] || die "dkms-check runs as root"
command -v dkms >/dev/null || die "dkms is not installed (make deps)"

mkdir -p "$1" "$7"
out=$(cd "$1" && pwd) kver=$2 kdir=$3 kroot=$4 krel2=$5 kroot2=$6
destdir=$(cd "$7" && pwd)
kdir2=$kroot2/headers/usr/src/linux-headers-$krel2
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$here/dkms.conf")
[ -n "$version" ] || die "no PACKAGE_VERSION in dkms.conf"
mv=xbuf/$version
mods=$out/lib/modules
log=$out/dkms.log

# Each run starts from nothing: what dkms left from the last one goes.
(cd "${out:?}" && rm -rf src tree lib src2 tree2 lib2 mok.key mok.pub \
	status udev.nodes dkms.log)
mkdir -p "$out/src" "$out/tree"
: >"$log"

# DKMS's signing key: generated here on first use (else in /var/lib/dkms).
export mok_signing_key="$out/mok.key" mok_certificate="$out/mok.pub"

# A kernel as its image package installs it, without the modules
# themselves: the indexes, and build, the headers.
seed() {
	mkdir -p "$mods/$1"
	for f in modules.dep modules.order modules.builtin \
		modules.builtin.modinfo; do
		cp "$2/lib/modules/$1/$f" "$mods/$1/"
	done
	ln -s "$3" "$mods/$1/build"
}
seed "$kver" "$kroot" "$kdir"
seed "$krel2" "$kroot2/root" "$kdir2"

if unshare -m sh -c 'mount --bind "$1" /lib/modules' sh "$mods" 2>/dev/null; then
	ns=y
else
	ns=
	echo "xbuf: no mount namespace here: dkms sees the host's /lib/modules"
fi

# dkms on the private trees (dk: its output goes to the log, shown on
# failure).
dkms_private() {
	if [ -n "$ns" ]; then
		unshare -m sh -c 'mount --bind "$1" /lib/modules && shift &&
			exec dkms "$@"' sh "$mods" \
			--dkmstree "$out/tree" --sourcetree "$out/src" \
			--installtree "$mods" "$@"
	else
		dkms --dkmstree "$out/tree" --sourcetree "$out/src" \
			--installtree "$mods" "$@"
	fi
}
dk() {
	echo "+ dkms $*" >>"$log"
	dkms_private "$@" >>"$log" 2>&1
}
fail() {
	cat "$log" >&2
	die "$*"
}

# The state dkms status gives xbuf for a kernel.
state() {
	dkms_private status "$mv" -k "$1" 2>>"$log" |
		sed -n "s|^$mv, $1, [^:]*: ||p"
}

# Both modules in directory $1, built for $2, named $3 (.ko or .ko.xz;
# empty: either) and, when $4 is y, signed with DKMS's key.
check_modules() {
	for m in xbuf_heap xbuf_dma; do
		ko=$1/$m${3:-.ko}
		[ -n "$3" ] || [ -f "$ko" ] || ko=$ko.xz
		[ -f "$ko" ] || fail "$ko is missing"
		magic=$(modinfo -F vermagic "$ko" | cut -d' ' -f1)
		[ "$magic" = "$2" ] || fail "$ko: vermagic $magic, not $2"
		[ "$4" != y ] ||
			[ "$(modinfo -F signer "$ko")" = "DKMS module signing key" ] ||
			fail "$ko is not signed with DKMS's key"
		echo "xbuf: $ko: $magic"
	done
}

# The source as make dkms-install copies it to /usr/src.
make -s --no-print-directory -C "$here" dkms-source DKMS_SRCTREE="$out/src"

# The stock kernel: add, build, install.
dk add "$mv" || fail "dkms add failed"
dk build "$mv" -k "$kver" --kernelsourcedir "$kdir" ||
	fail "dkms build for $kver failed"
[ "$(state "$kver")" = built ] || fail "dkms status: not built for $kver"
dk install "$mv" -k "$kver" --kernelsourcedir "$kdir" --no-depmod ||
	fail "dkms install for $kver failed"
[ "$(state "$kver")" = installed ] ||
	fail "dkms status: not installed for $kver"
depmod -b "$out" "$kver"
check_modules "$mods/$kver/updates/dkms" "$kver" .ko y
for m in xbuf_heap xbuf_dma; do
	grep -q "^updates/dkms/$m.ko:" "$mods/$kver/modules.dep" ||
		fail "$m is not in $kver's modules.dep"
done

# A kernel upgrade: the new kernel's postinst runs dkms autoinstall.
dk autoinstall -k "$krel2" --kernelsourcedir "$kdir2" --no-depmod ||
	fail "dkms autoinstall for $krel2 failed"
[ "$(state "$krel2")" = installed ] ||
	fail "dkms status: not installed for $krel2"
if [ -n "$ns" ]; then
	check_modules "$mods/$krel2/updates/dkms" "$krel2" .ko.xz y
else
	check_modules "$mods/$krel2/updates/dkms" "$krel2" "" n
fi

# A kernel xbuf does not support: skipped, exit 77.
rc=0
dk build "$mv" -k 5.10.0-32-amd64 || rc=$?
[ "$rc" = 77 ] || fail "dkms build for 5.10: exit $rc, not 77 (BUILD_EXCLUSIVE)"
echo "xbuf: dkms skips 5.10 (exit 77)"

echo "xbuf: dkms status:"
dkms_private status >"$out/status" 2>>"$log" || fail "dkms status failed"
sed 's/^/  /' "$out/status"

# make dkms-install, twice, and dkms-remove, in trees of their own, for
# the stock kernel (no namespace: its modules are not compressed).
mkdir -p "$out/tree2" "$out/lib2/$kver"
dkms2="dkms --dkmstree $out/tree2 --installtree $out/lib2 --no-depmod"
for i in 1 2; do
	make --no-print-directory -C "$here" dkms-install KVER="$kver" \
		KDIR="$kdir" DKMS_SRCTREE="$out/src2" DKMS="$dkms2" \
		>>"$log" 2>&1 || fail "make dkms-install (run $i) failed"
	$dkms2 status "$mv" -k "$kver" | grep -q ": installed$" ||
		fail "make dkms-install (run $i): not installed"
done
make --no-print-directory -C "$here" dkms-remove DKMS_SRCTREE="$out/src2" \
	DKMS="$dkms2" >>"$log" 2>&1 || fail "make dkms-remove failed"
[ -z "$($dkms2 status "$mv")" ] && [ ! -e "$out/src2/xbuf-$version" ] ||
	fail "make dkms-remove left xbuf behind"
echo "xbuf: make dkms-install twice, make dkms-remove: done"

# make install into a staging directory.
rm -rf "$destdir"
make --no-print-directory -C "$here" install DESTDIR="$destdir" \
	KVER="$kver" KDIR="$kdir" >>"$log" 2>&1 || fail "make install failed"
check_modules "$destdir/lib/modules/$kver/updates/xbuf" "$kver" .ko n
for f in usr/include/linux/xbuf.h:include/uapi/linux/xbuf.h \
	lib/udev/rules.d/60-xbuf.rules:tools/xbuf/60-xbuf.rules \
	usr/share/doc/xbuf/README.md:README.md \
	usr/share/doc/xbuf/driver-api/xbuf.rst:Documentation/driver-api/xbuf.rst \
	usr/share/doc/xbuf/userspace-api/xbuf.rst:Documentation/userspace-api/xbuf.rst; do
	cmp "$destdir/${f%%:*}" "$here/${f#*:}" || fail "make install: ${f%%:*}"
done
if [ -x "$here/build/tests/xbufctl" ]; then
	cmp "$destdir/usr/bin/xbufctl" "$here/build/tests/xbufctl" ||
		fail "make install: usr/bin/xbufctl"
fi
[ ! -e "$destdir/lib/modules/$kver/modules.dep" ] ||
	fail "make install DESTDIR=...: depmod ran in DESTDIR"
echo "xbuf: make install DESTDIR=$destdir:"
(cd "$destdir" && find . -type f | sort | sed 's|^\./|  |')

# The udev rule: one rule a line, of SUBSYSTEM and KERNEL matches (==)
# and the GROUP and MODE assignments (=); the subsystem and kernel names
# it matches must be those of the nodes the sources create: the heaps'
# names (heap-main.c) under misc and dma_heap, xbuf_dma's (dma-file.c)
# under misc. udevadm verify checks the syntax where systemd has it
# (254 and later; Debian 12 has 252).
rules=$here/tools/xbuf/60-xbuf.rules
if udevadm verify --help >/dev/null 2>&1; then
	udevadm verify "$rules" >>"$log" 2>&1 || fail "udevadm verify $rules"
fi
awk -F', ' '
	/^#/ || /^$/ { next }
	{
		sub_ = ""; kern = ""; group = ""; mode = ""
		for (i = 1; i <= NF; i++) {
			if ($i ~ /^SUBSYSTEM=="[a-z_]+"$/)
				sub_ = substr($i, 13, length($i) - 13)
			else if ($i ~ /^KERNEL=="[a-z_|-]+"$/)
				kern = substr($i, 10, length($i) - 10)
			else if ($i ~ /^GROUP="video"$/)
				group = 1
			else if ($i ~ /^MODE="0660"$/)
				mode = 1
			else {
				printf "%s:%d: %s\n", FILENAME, NR, $i >"/dev/stderr"
				bad = 1
			}
		}
		if (sub_ == "" || kern == "" || !group || !mode) {
			printf "%s:%d: not SUBSYSTEM, KERNEL, GROUP=\"video\", MODE=\"0660\"\n",
				FILENAME, NR >"/dev/stderr"
			bad = 1
		}
		n = split(kern, k, "|")
		for (i = 1; i <= n; i++)
			print sub_, k[i]
	}
	END { exit bad }' "$rules" >"$out/udev.nodes" || die "$rules: bad rule"
matched=$(sort "$out/udev.nodes")
heaps=$(sed -n 's/^[[:space:]]*{ \.name = "\([^"]*\)".*/\1/p' \
	"$here/drivers/dma-buf/xbuf/heap-main.c")
dma=$(sed -n 's/^[[:space:]]*\.name = "\(xbuf[^"]*\)",$/\1/p' \
	"$here/drivers/dma-buf/xbuf/dma-file.c")
[ -n "$heaps" ] && [ -n "$dma" ] || die "cannot read the node names"
nodes=$( (for h in $heaps; do echo "misc $h"; echo "dma_heap $h"; done
	echo "misc $dma") | sort)
[ "$matched" = "$nodes" ] ||
	die "$rules matches: $(echo "$matched" | tr '\n' ','), not the nodes of the sources: $(echo "$nodes" | tr '\n' ',')"
echo "xbuf: udev rule: group video, mode 0660 for $(echo "$matched" | tr '\n' ',' | sed 's/,$//')"
