#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Build a test kernel from Debian's linux-source with xbuf in tree.
#
# usage: kernel-build.sh VARIANT     (debug, perf or v7)
#
# configs/VARIANT.config names the source series in a "# Source:" line
# (linux-source-6.1 when it has none).
#
# The configured tree lives in the cache, keyed by the source package
# version and a hash of the config fragments: a new fragment or source
# package means a new tree. Each run refreshes the xbuf files in the tree
# and runs make, which rebuilds only what changed: nothing on a warm
# cache, the xbuf objects (and a relink) after an xbuf change.
#
# Prints the output directory: bzImage, modules under root/lib/modules,
# the kernel release in kernelrelease, the in-tree kselftests in tests/,
# and tree, the built tree, for out-of-tree builds against it.
set -eu
tools=$(cd "$(dirname "$0")" && pwd)
. "$tools/common.sh"

variant=$1
frags="$tools/configs/common.config $tools/configs/$variant.config"
[ -f "$tools/configs/$variant.config" ] || die "no config for $variant"
series=$(sed -n 's/^# Source: linux-source-//p' "$tools/configs/$variant.config")
series=${series:-6.1}
src=$("$tools/source-tarball.sh" "$series")
ver=${src%% *}
tarball=${src#* }
key=$(cat $frags | sha256sum | cut -c1-12)
dir=$XBUF_CACHE/kernel-$variant-${ver}-$key
tree=$dir/linux-source-$series
out=$dir/out
log=$dir/build.log
jobs=$(nproc)

if [ ! -f "$tree/.xbuf-configured" ]; then
	# Trees of older fragments or sources are of no further use.
	rm -rf "$XBUF_CACHE/kernel-$variant-"*
	mkdir -p "$dir"
	echo "xbuf: unpacking linux-source-$series $ver for the $variant kernel" >&2
	tar -C "$dir" -xJf "$tarball"
	"$tools/intree.sh" "$tree" >&2
	make -C "$tree" -s x86_64_defconfig kvm_guest.config >&2
	(cd "$tree" && scripts/kconfig/merge_config.sh -m .config $frags) \
		>"$dir/config.log" 2>&1
	make -C "$tree" -s olddefconfig >&2
	# Every option asked for must have survived the dependencies.
	for f in $frags; do
		grep -E '^CONFIG_[A-Z0-9_]+=' "$f" | while read -r want; do
			grep -qxF "$want" "$tree/.config" ||
				die "$variant kernel: $want did not stick"
		done
	done
	touch "$tree/.xbuf-configured"
fi

"$tools/intree.sh" "$tree" >&2
echo "xbuf: building the $variant kernel in $tree (log: $log)" >&2
start=$(date +%s)
if ! make -C "$tree" -j"$jobs" bzImage modules headers >"$log" 2>&1; then
	tail -n 30 "$log" >&2
	die "$variant kernel build failed"
fi
make -C "$tree" -s -j"$jobs" -C tools/testing/selftests \
	TARGETS="xbuf dmabuf-heaps" >>"$log" 2>&1 ||
	die "$variant kernel: in-tree kselftests failed to build (log: $log)"
# The kselftests' top Makefile may go on past a target that failed: every
# program must be there, and be a program.
progs=$(sed -n '/^TEST_GEN_PROGS/,/[^\\]$/p' \
	"$tree/tools/testing/selftests/xbuf/Makefile" | tr -d '\\' |
	sed 's/.*:=//')
for p in $progs; do
	f=$tree/tools/testing/selftests/xbuf/$p
	[ "$(head -c 4 "$f" 2>/dev/null)" = "$(printf '\177ELF')" ] ||
		die "$variant kernel: kselftest $p did not build (log: $log)"
done

rm -rf "$out"
mkdir -p "$out/tests"
make -C "$tree" -s modules_install INSTALL_MOD_PATH="$out/root" \
	INSTALL_MOD_STRIP=1 >>"$log" 2>&1
cp "$tree/arch/x86/boot/bzImage" "$out/"
ln -s "$tree" "$out/tree"
make -C "$tree" -s kernelrelease >"$out/kernelrelease"
cp "$tree"/tools/testing/selftests/xbuf/*_test \
	"$tree/tools/testing/selftests/dmabuf-heaps/dmabuf-heap" "$out/tests/"
echo "xbuf: $variant kernel ready in $(($(date +%s) - start)) s" >&2
echo "$out"
