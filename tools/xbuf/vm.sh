#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Boot the test VM under QEMU (TCG: no KVM is assumed) and check the boot.
#
# usage: vm.sh KERNEL INITRAMFS RESULTS_DIR [KERNEL_ARG...]
#   env XBUF_VM_TIMEOUT: seconds before the VM is killed (default 1800)
#   env XBUF_QEMU_ARGS: extra QEMU arguments (devices, say)
#   env XBUF_VM_MEM: guest memory (default 2G; raspi3b has 1G, always)
#   env XBUF_VM_MACHINE: q35 (default: x86-64), raspi3b (arm64, a
#	Raspberry Pi 3B: its BCM2835 DMA controller offers dmaengine
#	memcpy channels) or virt-arm (32-bit ARM: QEMU's virt machine
#	with a Cortex-A15, which has LPAE)
#   env XBUF_VM_DTB: raspi3b: the kernel's bcm2837-rpi-3-b.dtb
#
# RESULTS_DIR gets console.log (the kernel log, first serial port) and
# output.log (the guest job's output, second serial port or, on virt-arm,
# a virtio console), then check.sh's
# verdict. Exit status: 0 only if the job finished, every test passed or
# skipped, and the kernel log holds no splat.
set -u
kernel=$1 initrd=$2 results=$3
shift 3
tmo=${XBUF_VM_TIMEOUT:-1800}

run_q35() {
	# shellcheck disable=SC2086
	timeout "$tmo" qemu-system-x86_64 \
		-accel tcg -machine q35 -cpu max -m "${XBUF_VM_MEM:-2G}" -smp 2 \
		-display none -monitor none -no-reboot \
		-serial "file:$results/console.log" \
		-serial "file:$results/output.log" \
		-kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 $*" ${XBUF_QEMU_ARGS:-}
}

# The Pi has no PSCI: the guest's poweroff leaves QEMU running, so QEMU
# is stopped once the guest says it is done (its init prints the marker,
# syncs and powers off: a second is plenty). The PL011 is ttyAMA0, the
# first serial port; the mini-UART, ttyS1, the second.
run_raspi3b() {
	[ -n "${XBUF_VM_DTB:-}" ] || {
		echo "xbuf: raspi3b needs XBUF_VM_DTB" >&2
		return 1
	}
	# shellcheck disable=SC2086
	timeout "$tmo" qemu-system-aarch64 -M raspi3b -m "${XBUF_VM_MEM:-1G}" \
		-display none -monitor none -no-reboot \
		-serial "file:$results/console.log" \
		-serial "file:$results/output.log" \
		-kernel "$kernel" -dtb "$XBUF_VM_DTB" -initrd "$initrd" \
		-append "console=ttyAMA0,115200 earlycon=pl011,mmio32,0x3f201000 rdinit=/init panic=-1 $*" \
		${XBUF_QEMU_ARGS:-} </dev/null &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		if grep -q '^xbuf-guest-done' "$results/output.log" 2>/dev/null; then
			sleep 2
			kill "$pid" 2>/dev/null
			wait "$pid"
			return 0
		fi
		sleep 1
	done
	wait "$pid"
}

# virt has a single UART, the kernel's console: the job's output goes to
# a virtio console (hvc0), which the guest's init finds on the command
# line. PSCI's SYSTEM_OFF ends QEMU at the guest's poweroff.
run_virt_arm() {
	# shellcheck disable=SC2086
	timeout "$tmo" qemu-system-arm -M virt,highmem=on -cpu cortex-a15 \
		-m "${XBUF_VM_MEM:-2G}" -smp 2 \
		-display none -monitor none -no-reboot \
		-serial "file:$results/console.log" \
		-device virtio-serial-device \
		-chardev "file,id=out,path=$results/output.log" \
		-device virtconsole,chardev=out \
		-kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyAMA0 rdinit=/init panic=-1 xbuf.out=hvc0 $*" \
		${XBUF_QEMU_ARGS:-} </dev/null
}

mkdir -p "$results"
rm -f "$results"/*.log "$results/summary"
start=$(date +%s)
case ${XBUF_VM_MACHINE:-q35} in
q35) run_q35 "$@" ;;
raspi3b) run_raspi3b "$@" ;;
virt-arm) run_virt_arm "$@" ;;
*) echo "xbuf: unknown machine $XBUF_VM_MACHINE" >&2; exit 1 ;;
esac
qemu_rc=$?
echo "xbuf: VM ran $(($(date +%s) - start)) s (qemu exit $qemu_rc)"
# Serial lines end in CRLF.
sed -i 's/\r$//' "$results/console.log" "$results/output.log"
[ "$qemu_rc" = 124 ] && echo "xbuf: VM timed out" >>"$results/output.log"
exec "$(dirname "$0")/check.sh" "$results"
