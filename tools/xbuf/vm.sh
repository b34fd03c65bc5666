#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Boot the test VM under QEMU (TCG: no KVM is assumed) and check the boot.
#
# usage: vm.sh KERNEL INITRAMFS RESULTS_DIR [KERNEL_ARG...]
#   env XBUF_VM_TIMEOUT: seconds before the VM is killed (default 1800)
#   env XBUF_QEMU_ARGS: extra QEMU arguments (devices, say)
#   env XBUF_VM_MEM: guest memory (default 2G)
#
# RESULTS_DIR gets console.log (the kernel log, first serial port) and
# output.log (the guest job's output, second serial port), then check.sh's
# verdict. Exit status: 0 only if the job finished, every test passed or
# skipped, and the kernel log holds no splat.
set -u
kernel=$1 initrd=$2 results=$3
shift 3

mkdir -p "$results"
rm -f "$results"/*.log "$results/summary"
start=$(date +%s)
# shellcheck disable=SC2086
timeout "${XBUF_VM_TIMEOUT:-1800}" qemu-system-x86_64 \
	-accel tcg -machine q35 -cpu max -m "${XBUF_VM_MEM:-2G}" -smp 2 \
	-display none -monitor none -no-reboot \
	-serial "file:$results/console.log" -serial "file:$results/output.log" \
	-kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyS0 panic=-1 $*" ${XBUF_QEMU_ARGS:-}
qemu_rc=$?
echo "xbuf: VM ran $(($(date +%s) - start)) s (qemu exit $qemu_rc)"
# Serial lines end in CRLF.
sed -i 's/\r$//' "$results/console.log" "$results/output.log"
[ "$qemu_rc" = 124 ] && echo "xbuf: VM timed out" >>"$results/output.log"
exec "$(dirname "$0")/check.sh" "$results"
