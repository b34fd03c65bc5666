#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Build xbuf out of tree against a kernel's headers or tree, in a
# directory of its own (so that builds for several kernels and
# architectures do not overwrite each other's objects), with W=1 -Werror
# and every file checked by sparse. Fails on any warning, any sparse
# report, and when sparse did not check every file: kernels quietly skip
# a sparse they find too old.
#
# usage: ext-build.sh OUT KDIR [MAKE_ARG...]
#   OUT gets drivers/dma-buf/xbuf/ (the modules) and build.log.
set -eu
tools=$(cd "$(dirname "$0")" && pwd)
. "$tools/common.sh"
here=$(cd "$tools/../.." && pwd)

mkdir -p "$1"
out=$(cd "$1" && pwd) kdir=$2
shift 2
mod=$out/drivers/dma-buf/xbuf
log=$out/build.log
sparse=$("$tools/sparse-build.sh")

mkdir -p "$mod" "$out/include/uapi/linux"
rsync -rc --delete --exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' \
	--exclude='*.mod*' --exclude=modules.order --exclude=Module.symvers \
	"$here/drivers/dma-buf/xbuf/" "$mod/"
rsync -c "$here/include/uapi/linux/xbuf.h" "$out/include/uapi/linux/"

# C=2 checks every file, built or not. Without the caller's MAKEFLAGS:
# under `make -s` kbuild would not print the CHECK lines counted below.
if ! MAKEFLAGS= make -C "$kdir" M="$mod" CONFIG_XBUF_HEAP=m CONFIG_XBUF_DMA=m \
		W=1 KCFLAGS=-Werror C=2 CHECK="$sparse -Wsparse-error" \
		"$@" modules >"$log" 2>&1; then
	cat "$log" >&2
	die "build against $kdir failed"
fi
if grep -E ': (warning|error):' "$log" >&2; then
	die "build against $kdir: warnings"
fi
# Every source file that was built (not the generated .mod.c).
files=0
for c in "$mod"/*.c; do
	case $c in *.mod.c) continue ;; esac
	[ -f "${c%.c}.o" ] && files=$((files + 1))
done
checked=$(grep -c '^  CHECK ' "$log" || true)
if [ "$files" = 0 ] || [ "$checked" != "$files" ]; then
	grep -i sparse "$log" >&2 || true
	die "sparse checked $checked of $files files against $kdir"
fi
echo "xbuf: built against $kdir: $(ls "$mod"/*.ko | wc -l) modules, $checked files checked by sparse"
