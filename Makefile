# SPDX-License-Identifier: GPL-2.0
#
# xbuf out of tree: build the modules against Debian's kernel headers, run
# the checks, and boot QEMU to run the kselftests and the demo.
#
#   make            build the modules (KDIR=/path/to/kernel/build for another)
#   make run        boot a VM and run the demo of the main job
#   make check      static checks + every kselftest in the VM
#   make clean
#
# Everything fetched or unpacked (kernel image, kernel source) is cached
# in XBUF_CACHE, outside the clone.

export XBUF_CACHE ?= /var/tmp/xbuf-cache

TOOLS   := $(CURDIR)/tools/xbuf
MODDIR  := $(CURDIR)/drivers/dma-buf/xbuf
TESTDIR := $(CURDIR)/tools/testing/selftests/xbuf
BUILD   := $(CURDIR)/build
RESULTS := $(BUILD)/results

KVER ?= $(shell . $(TOOLS)/common.sh && newest_kver)
KDIR ?= /usr/src/linux-headers-$(KVER)
HOSTCC ?= gcc
KBUILD := $(MAKE) -C $(KDIR) M=$(MODDIR) CONFIG_XBUF_HEAP=m CONFIG_XBUF_DMA=m

# Files checkpatch and kernel-doc read. compat.h alone may compare kernel
# versions: that is its job.
KSOURCES := $(filter-out %.mod.c,$(wildcard $(MODDIR)/*.[ch] include/uapi/linux/*.h))
CHECKPATCH_FILES := $(filter-out %/compat.h,$(KSOURCES)) \
	$(wildcard $(TESTDIR)/*.[ch] $(TOOLS)/*.c)
CHECKPATCH = perl $(KSRC)/scripts/checkpatch.pl --strict --no-tree \
	--quiet --terse --show-types

.PHONY: all deps modules lint sparse selftests demo run check \
	vm-run vm-check clean

all: deps
	@$(MAKE) --no-print-directory modules

deps:
	@$(TOOLS)/deps.sh

modules:
	$(KBUILD) W=1 KCFLAGS=-Werror modules

# Unpacked on demand; recursive makes get it from the environment.
KSRC ?= $(shell $(TOOLS)/ksource.sh)
export KSRC

lint: modules
	$(CHECKPATCH) -f $(CHECKPATCH_FILES)
	$(CHECKPATCH) --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON \
		-f $(MODDIR)/compat.h
	perl $(KSRC)/scripts/kernel-doc -none -Werror $(KSOURCES)
	/usr/bin/python3 $(TOOLS)/rstcheck.py Documentation/*/xbuf.rst
	@$(MAKE) --no-print-directory sparse

# Rebuild every object under sparse; any sparse report fails.
sparse:
	mkdir -p $(BUILD)
	$(KBUILD) C=2 CHECK="sparse -Wsparse-error" modules 2>&1 | \
		tee $(BUILD)/sparse.log; \
	! grep -E ': (warning|error):' $(BUILD)/sparse.log

# The kselftests, built as in a kernel tree: a staging copy of the
# kselftest framework from linux-source with our directory inside.
KSFT_STAGE := $(BUILD)/ksft/tools/testing/selftests
selftests:
	rm -rf $(KSFT_STAGE) && mkdir -p $(KSFT_STAGE) $(BUILD)/tests
	cp -r $(KSRC)/tools/testing/selftests/lib.mk \
		$(KSRC)/tools/testing/selftests/kselftest* $(KSFT_STAGE)/
	cp -r $(TESTDIR) $(KSFT_STAGE)/xbuf
	mkdir -p $(BUILD)/uapi/drm $(BUILD)/scripts
	$(HOSTCC) -O2 -o $(BUILD)/scripts/unifdef $(KSRC)/scripts/unifdef.c
	cd $(BUILD) && for h in $(KSRC)/include/uapi/drm/drm*.h; do \
		sh $(KSRC)/scripts/headers_install.sh $$h \
			uapi/drm/$${h##*/} || exit 1; \
	done
	$(MAKE) -C $(KSFT_STAGE)/xbuf OUTPUT=$(BUILD)/tests \
		KHDR_INCLUDES="-I$(CURDIR)/include/uapi -idirafter $(BUILD)/uapi"

demo:
	mkdir -p $(BUILD)/tests
	$(CC) -static -O2 -Wall -Wextra -I$(CURDIR)/include/uapi \
		-o $(BUILD)/tests/xbuf-demo \
		$(TOOLS)/xbuf-demo.c

comma := ,
STOCK = $(shell $(TOOLS)/stock-kernel.sh $(KVER))
VM_MODULES := vgem vivid
# Debian's kernel zeroes every page it allocates (INIT_ON_ALLOC_DEFAULT_ON),
# which would hide a buffer that xbuf failed to zero: turn that off.
VM_CMDLINE := init_on_alloc=0

# $(1): job script, $(2): results directory name, $(3): kernel command
# line, $(4): extra QEMU arguments
define vm_boot
	$(TOOLS)/initramfs.sh $(BUILD)/initramfs-$(2).cpio.gz $(STOCK) \
		$(KVER) $(TOOLS)/guest/$(1) $(MODDIR) $(BUILD)/tests \
		$(VM_MODULES)
	XBUF_QEMU_ARGS="$(4)" $(TOOLS)/vm.sh $(STOCK)/boot/vmlinuz-$(KVER) \
		$(BUILD)/initramfs-$(2).cpio.gz $(RESULTS)/$(2) $(VM_CMDLINE) $(3)
endef

# The boots of `make check`, each running every kselftest:
# - loopback: the software engine on direct-mapped memory;
# - swiotlb: the same through bounce buffers (256 MiB of them), where a
#   missing dma_sync shows up as wrong data;
# - edu: QEMU's edu device. Without an IOMMU the 2 GiB guest needs more
#   than edu's default 28 address bits, so both QEMU and the driver widen
#   the mask to 32 bits;
# - edu-iommu: the edu device behind an emulated Intel IOMMU, with its
#   default 28-bit mask honoured through IOVAs.
EDU_QEMU   := -device edu,dma_mask=0xffffffff
IOMMU_QEMU := -device intel-iommu,intremap=off -device edu

run: deps
	@$(MAKE) --no-print-directory vm-run

vm-run: modules demo
	rm -rf $(RESULTS)/demo
	$(call vm_boot,run.sh,demo)
	@sed -n '/^xbuf: loaded/,$$p' $(RESULTS)/demo/output.log

check: deps
	@$(MAKE) --no-print-directory vm-check

vm-check: lint selftests
	rm -rf $(RESULTS)
	$(call vm_boot,check.sh,loopback,,) || true
	$(call vm_boot,check.sh,swiotlb,swiotlb=131072$(comma)force,) || true
	$(call vm_boot,check.sh,edu,xbuf_dma.edu_dma_bits=32,$(EDU_QEMU)) || true
	$(call vm_boot,check.sh,edu-iommu,intel_iommu=on,$(IOMMU_QEMU)) || true
	@for r in $(RESULTS)/*/; do \
		sed -n "s|^xbuf-engine|$$(basename $$r) boot: engine|p" \
			$$r/output.log; \
	done
	@$(TOOLS)/summary.sh $(RESULTS)

clean:
	-$(KBUILD) clean
	rm -rf $(BUILD)
