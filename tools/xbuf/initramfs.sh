#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Build the test VM's initramfs: busybox, the guest init, a job script,
# the xbuf modules, the Debian modules the job loads (with dependencies)
# and the test programs.
#
# usage: initramfs.sh OUT KROOT KVER JOB KO_DIR TEST_DIR [MODULE...]
#   KROOT: unpacked kernel root (lib/modules/KVER inside)
#   KO_DIR: the out-of-tree xbuf modules, or - when the kernel has them
#   env XBUF_BUSYBOX: a static busybox for the guest's architecture
#   (default: the host's /bin/busybox)
#   env XBUF_TEST_EXTRA: more programs for the test directory, beside
#   TEST_DIR's (space-separated paths)
set -eu
. "$(dirname "$0")/common.sh"

out=$1 kroot=$2 kver=$3 job=$4 ko_dir=$5 test_dir=$6
shift 6

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
# mktemp's 0700 would become the guest's /: unprivileged tests need 0755.
chmod 755 "$root"
mods=$root/lib/modules/$kver
mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys" "$root/tmp" \
	"$root/xbuf/tests" "$mods/extra"

cp "${XBUF_BUSYBOX:-/bin/busybox}" "$root/bin/busybox"
cp "$(dirname "$0")/guest/init" "$root/init"
chmod 755 "$root/init"
cp "$job" "$root/xbuf/job"
# The xbuf modules, uncompressed or as DKMS compresses them for a kernel
# whose own modules are (.ko.xz), and in /xbuf/modules the origin and
# checksum of each, for the job to show what it loaded.
if [ "$ko_dir" != - ]; then
	for ko in "$ko_dir"/*.ko "$ko_dir"/*.ko.xz; do
		[ -f "$ko" ] || continue
		cp "$ko" "$mods/extra/"
		m=${ko##*/}
		case $ko in
		*.xz) sum=$(xz -dc "$ko" | sha256sum) m=${m%.xz} ;;
		*) sum=$(sha256sum <"$ko") ;;
		esac
		echo "${m%.ko} ${sum%% *} $ko" >>"$root/xbuf/modules"
	done
	[ -f "$root/xbuf/modules" ] || die "no modules in $ko_dir"
fi
cp "$test_dir"/* "$root/xbuf/tests/"
for f in ${XBUF_TEST_EXTRA:-}; do
	cp "$f" "$root/xbuf/tests/"
done

# Third-party modules and everything they depend on, by modules.dep.
for m in "$@"; do
	modprobe -d "$kroot" -S "$kver" --show-depends "$m" |
		sed -n 's/^insmod //p' | sed 's/ .*//'
done | sort -u | while read -r ko; do
	rel=${ko#"$kroot"/lib/modules/"$kver"/}
	mkdir -p "$mods/$(dirname "$rel")"
	cp "$ko" "$mods/$rel"
done
# Debian compresses modules from 6.12, and DKMS does likewise; busybox's
# modprobe loads them uncompressed.
find "$mods" -name '*.ko.xz' -exec xz -d {} +
cp "$kroot/lib/modules/$kver"/modules.builtin* "$mods/"
touch "$mods/modules.order"
depmod -b "$root" "$kver"

(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 >"$out"
