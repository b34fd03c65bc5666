#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Place xbuf in a Linux kernel source tree: the drivers, the uapi header,
# the kselftests, the documentation, and the one-line hooks that make the
# tree build and index them. Running it again only refreshes the files
# (unchanged ones keep their timestamps, so make rebuilds what changed).
#
# usage: intree.sh KERNEL_TREE
#        intree.sh --patches OUT_DIR
#   --patches: write the same change as a git format-patch series into
#   OUT_DIR, against the files of Debian's linux-source-6.1 tarball.
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)

# Append line $2 to file $1 after the first line matching $3 (or at the
# end when $3 is empty), unless the file has that line already.
add_line() {
	grep -qxF "$2" "$1" && return 0
	if [ -n "$3" ]; then
		awk -v line="$2" -v after="$3" \
			'{ print } !done && $0 ~ after { print line; done = 1 }' \
			"$1" >"$1.xbuf" && mv "$1.xbuf" "$1"
	else
		echo "$2" >>"$1"
	fi
	grep -qxF "$2" "$1" || { echo "xbuf: cannot hook $1" >&2; exit 1; }
}

# Copy a file or directory if its content differs, keeping timestamps of
# what is unchanged.
sync_path() {
	mkdir -p "$(dirname "$2")"
	rsync -rc --delete --exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' \
		--exclude='*.mod*' --exclude=modules.order \
		--exclude=Module.symvers "$1" "$2"
}

place() {
	tree=$1
	[ -f "$tree/drivers/dma-buf/Kconfig" ] ||
		{ echo "xbuf: $tree is not a kernel tree" >&2; exit 1; }

	sync_path "$here/drivers/dma-buf/xbuf/" "$tree/drivers/dma-buf/xbuf/"
	sync_path "$here/include/uapi/linux/xbuf.h" "$tree/include/uapi/linux/xbuf.h"
	sync_path "$here/tools/testing/selftests/xbuf/" \
		"$tree/tools/testing/selftests/xbuf/"
	sync_path "$here/Documentation/userspace-api/xbuf.rst" \
		"$tree/Documentation/userspace-api/xbuf.rst"
	sync_path "$here/Documentation/driver-api/xbuf.rst" \
		"$tree/Documentation/driver-api/xbuf.rst"
	sync_path "$here/Documentation/ABI/testing/sysfs-kernel-xbuf" \
		"$tree/Documentation/ABI/testing/sysfs-kernel-xbuf"

	add_line "$tree/drivers/dma-buf/Kconfig" \
		'source "drivers/dma-buf/xbuf/Kconfig"' '^source "drivers/dma-buf/heaps/Kconfig"'
	add_line "$tree/drivers/dma-buf/Makefile" 'obj-y			+= xbuf/' \
		'^obj-\$\(CONFIG_DMABUF_HEAPS\)[[:space:]]+\+= heaps/'
	add_line "$tree/tools/testing/selftests/Makefile" 'TARGETS += xbuf' \
		'^TARGETS \+= x86'
	add_line "$tree/Documentation/userspace-api/index.rst" '   xbuf' \
		'^   dma-buf-alloc-exchange|^   iommu|^   media/index'
	add_line "$tree/Documentation/driver-api/index.rst" '   xbuf' \
		'^   dma-buf'
}

if [ "${1:-}" = "--patches" ]; then
	out=$(realpath -m "$2")
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	# A git tree of just the files the change touches, before and after.
	hooks="drivers/dma-buf/Kconfig drivers/dma-buf/Makefile
	       tools/testing/selftests/Makefile
	       Documentation/userspace-api/index.rst
	       Documentation/driver-api/index.rst"
	# shellcheck disable=SC2086
	tar -C "$work" -xJf /usr/src/linux-source-6.1.tar.xz \
		--strip-components=1 $(printf 'linux-source-6.1/%s ' $hooks)
	git -C "$work" init -q
	git -C "$work" add -A
	git -C "$work" -c user.name=xbuf -c user.email=xbuf@invalid \
		commit -qm base
	place "$work"
	commit() {
		git -C "$work" add -A -- "$@"
		git -C "$work" -c user.name=xbuf -c user.email=xbuf@invalid \
			commit -q -F -
	}
	commit include/uapi drivers <<-END
	dma-buf: xbuf: add the xbuf heaps and the xbuf_dma importer

	xbuf_heap: dma-buf heaps at /dev/dma_heap/xbuf, xbuf-contig and
	xbuf-uncached. xbuf_dma: attaches dma-buf buffers to a DMA engine
	and runs copy, fill and checksum jobs on them with implicit fencing.
	END
	commit tools <<-END
	selftests: xbuf: add the xbuf kselftests
	END
	commit Documentation <<-END
	Documentation: xbuf: userspace API, sysfs ABI and driver internals
	END
	rm -rf "$out"
	mkdir -p "$out"
	git -C "$work" format-patch -q -o "$out" HEAD~3
	ls "$out"
else
	place "$(realpath "$1")"
fi
