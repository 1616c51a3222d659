/* Port I/O device models for a TD running OVMF (TDVF). A TD's IN/OUT
 * reaches the host as TDVMCALL<Instruction.IO> (tdvmcall.h), one access of
 * 1, 2 or 4 bytes at a time; td_devices_io answers it. Pure: state in
 * plain structs the caller owns, no allocation, no globals; builds for the
 * kernel and the host.
 *
 *   0x3f8-0x3ff   16550 UART (COM1; base configurable)
 *   0x510-0x511   QEMU fw_cfg, I/O interface (selector, data)
 *   0x514-0x51b   fw_cfg DMA address: not offered, reads all-ones
 *   0xcf8         PCI configuration mechanism #1 address (dword only)
 *   0xcfc-0xcff   PCI configuration data: a host bridge at 00:00.0
 *   0x70-0x71     CMOS/RTC (index, data)
 *   0x80          POST code
 *   0x402         OVMF's debug console (PlatformDebugLibIoPort), if wired
 *
 * Sources for the facts, cited where used:
 *   QEMU  docs/specs/fw_cfg.rst, include/standard-headers/linux/
 *         qemu_fw_cfg.h, hw/nvram/fw_cfg.c (fw_cfg_select, fw_cfg_read,
 *         fw_cfg_comb_valid), hw/i386/x86-common.c (x86_load_linux),
 *         hw/rtc/mc146818rtc.c (rtc_set_time);
 *   OVMF  OvmfPkg/Library/QemuFwCfgLib, OvmfPkg/QemuKernelLoaderFsDxe,
 *         OvmfPkg/Include/OvmfPlatforms.h (OVMF_HOSTBRIDGE_DID,
 *         INTEL_82441_DEVICE_ID, INTEL_Q35_MCH_DEVICE_ID),
 *         OvmfPkg/Library/PlatformDebugLibIoPort (BOCHS_DEBUG_PORT_MAGIC). */
#ifndef BARETDX_SEAM_TD_DEVICES_H
#define BARETDX_SEAM_TD_DEVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- 16550 UART ------------------------------------------------------ */

#define TDDEV_COM1		0x3f8
#define TDDEV_UART_FIFO		64

/* Register offsets from the base. With LCR.DLAB set, 0 and 1 are the
 * divisor latch (DLL, DLM). */
#define UART_RBR		0	/* read: receive buffer */
#define UART_THR		0	/* write: transmit holding */
#define UART_IER		1
#define UART_IIR		2	/* read */
#define UART_FCR		2	/* write */
#define UART_LCR		3
#define UART_MCR		4
#define UART_LSR		5
#define UART_MSR		6
#define UART_SCR		7

#define UART_LCR_DLAB		0x80
#define UART_IER_RDI		0x01	/* receive data available */
#define UART_IER_THRI		0x02	/* transmit holding register empty */
#define UART_IIR_NONE		0x01
#define UART_IIR_THRI		0x02
#define UART_IIR_RDI		0x04
#define UART_IIR_FIFO		0xc0
#define UART_FCR_ENABLE		0x01
#define UART_FCR_CLEAR_RX	0x02
#define UART_MCR_LOOP		0x10
#define UART_LSR_DR		0x01
#define UART_LSR_THRE		0x20
#define UART_LSR_TEMT		0x40
#define UART_MSR_CTS		0x10
#define UART_MSR_DSR		0x20
#define UART_MSR_DCD		0x80

struct tddev_uart {
	uint16_t base;
	void (*out)(void *ctx, uint8_t c);	/* THR bytes; NULL drops them */
	void *ctx;
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	bool fifo_on;				/* FCR bit 0 */
	uint8_t rx[TDDEV_UART_FIFO];
	uint8_t rx_head, rx_count;
};

void tddev_uart_init(struct tddev_uart *u, uint16_t base,
		     void (*out)(void *ctx, uint8_t c), void *ctx);
/* Queues a byte for RBR; false when the 64-byte FIFO is full. */
bool tddev_uart_input(struct tddev_uart *u, uint8_t c);
/* One register access, off = 0..7. */
uint8_t tddev_uart_read(struct tddev_uart *u, unsigned off);
void tddev_uart_write(struct tddev_uart *u, unsigned off, uint8_t v);

/* ---- QEMU fw_cfg ------------------------------------------------------ */

#define FWCFG_PORT_SEL		0x510	/* 16-bit write: select an item */
#define FWCFG_PORT_DATA		0x511	/* 8-bit read: next byte */
#define FWCFG_PORT_DMA		0x514	/* 8 bytes (BE address); not offered */

/* Selectors (qemu_fw_cfg.h). Integers are little-endian unless noted. */
#define FW_CFG_SIGNATURE	0x00	/* "QEMU" */
#define FW_CFG_ID		0x01	/* u32 feature bits */
#define FW_CFG_UUID		0x02
#define FW_CFG_RAM_SIZE		0x03	/* u64 */
#define FW_CFG_NOGRAPHIC	0x04	/* u16 */
#define FW_CFG_NB_CPUS		0x05	/* u16 */
#define FW_CFG_MACHINE_ID	0x06
#define FW_CFG_KERNEL_ADDR	0x07
#define FW_CFG_KERNEL_SIZE	0x08	/* u32 */
#define FW_CFG_KERNEL_CMDLINE	0x09
#define FW_CFG_INITRD_ADDR	0x0a
#define FW_CFG_INITRD_SIZE	0x0b	/* u32 */
#define FW_CFG_BOOT_DEVICE	0x0c
#define FW_CFG_NUMA		0x0d
#define FW_CFG_BOOT_MENU	0x0e	/* u16 */
#define FW_CFG_MAX_CPUS		0x0f	/* u16 */
#define FW_CFG_KERNEL_ENTRY	0x10
#define FW_CFG_KERNEL_DATA	0x11
#define FW_CFG_INITRD_DATA	0x12
#define FW_CFG_CMDLINE_ADDR	0x13
#define FW_CFG_CMDLINE_SIZE	0x14	/* u32, with the NUL */
#define FW_CFG_CMDLINE_DATA	0x15	/* NUL-terminated */
#define FW_CFG_SETUP_ADDR	0x16
#define FW_CFG_SETUP_SIZE	0x17	/* u32 */
#define FW_CFG_SETUP_DATA	0x18
#define FW_CFG_FILE_DIR		0x19	/* directory, big-endian fields */
#define FW_CFG_FILE_FIRST	0x20
#define FW_CFG_WRITE_CHANNEL	0x4000	/* masked off when selecting */
#define FW_CFG_ARCH_LOCAL	0x8000	/* x86: 0x8000 ACPI, 0x8003 E820... */

/* FW_CFG_ID bits: this model offers the traditional interface only. */
#define FW_CFG_VERSION		0x01
#define FW_CFG_VERSION_DMA	0x02

#define FWCFG_MAX_ITEMS		32	/* added items, files included */
#define FWCFG_NAME_MAX		56	/* file name with its NUL */
#define FWCFG_DIR_ENTRY		64	/* BE u32 size, BE u16 select, u16, name */

/* An item. data == NULL: the value is inline (len <= 8), so the struct
 * stays copyable. Otherwise data is the caller's, referenced. */
struct fwcfg_item {
	uint16_t sel;
	uint32_t len;
	const uint8_t *data;
	uint8_t inl[8];
};

struct fwcfg {
	struct fwcfg_item items[FWCFG_MAX_ITEMS];
	unsigned nitems;
	unsigned nfiles;
	uint16_t cur;		/* selected key, write-channel bit masked */
	uint32_t off;		/* next byte of the selected item */
	/* FW_CFG_FILE_DIR as the guest reads it */
	uint8_t dir[4 + FWCFG_MAX_ITEMS * FWCFG_DIR_ENTRY];
};

void fwcfg_init(struct fwcfg *f);
/* Adds (or replaces) the item at selector: data referenced, not copied.
 * 0 on success; -1 when the table is full or selector is one the model
 * owns (signature, ID, file directory). */
int fwcfg_add(struct fwcfg *f, uint16_t selector, const void *data, uint32_t len);
/* Adds (or replaces) an integer item of len 1..8 bytes, little-endian,
 * stored inline: NB_CPUS, MAX_CPUS, RAM_SIZE, BOOT_MENU... */
int fwcfg_add_le(struct fwcfg *f, uint16_t selector, uint64_t value, unsigned len);
/* Adds a named file at the next selector from FW_CFG_FILE_FIRST and lists
 * it in FW_CFG_FILE_DIR; a name already listed keeps its selector and gets
 * the new data. Returns the selector, or -1 (table full, name empty or
 * longer than 55 bytes). */
int fwcfg_add_file(struct fwcfg *f, const char *name, const void *data, uint32_t len);
/* Selects an item (port 0x510); reads the next byte (port 0x511): 0 past
 * the end or for an unknown selector (QEMU fw_cfg_read). */
void fwcfg_select(struct fwcfg *f, uint16_t key);
uint8_t fwcfg_read(struct fwcfg *f);

/* Direct Linux boot, as QEMU serves it to OVMF's QemuKernelLoaderFsDxe
 * (QEMU hw/i386/x86-common.c x86_load_linux; OVMF reads each blob as a
 * u32 SIZE item then its DATA item, and joins SETUP + KERNEL into the
 * "kernel" file it hands to the EFI stub):
 *
 *   SETUP_SIZE  0x17  u32  (setup_sects ? setup_sects : 4) + 1 sectors of
 *                          512 bytes; setup_sects is the byte at 0x1f1
 *   SETUP_DATA  0x18       the image's first SETUP_SIZE bytes
 *   KERNEL_SIZE 0x08  u32  image length - SETUP_SIZE
 *   KERNEL_DATA 0x11       the rest of the image
 *   INITRD_SIZE 0x0b  u32  only with an initrd
 *   INITRD_DATA 0x12
 *   CMDLINE_SIZE 0x14 u32  strlen + 1 (always, "" when none)
 *   CMDLINE_DATA 0x15      the string and its NUL
 *   file "etc/boot/kernel" the whole image (QEMU 9.2+, for loaders that
 *                          verify the unpatched kernel)
 *
 * QEMU patches the setup header (loader type, heap end, cmdline and
 * initrd addresses) unless the guest is confidential (machine->cgs), and
 * a TD is: the data here is the image as given, referenced. The *_ADDR
 * items serve QEMU's linuxboot option ROM, not OVMF, and are not set.
 * kernel must carry the "HdrS" magic at 0x202 (a bzImage; own check:
 * QEMU would try multiboot/PVH ELF instead) and be at least SETUP_SIZE
 * long (QEMU: "invalid kernel header"). 0 on success, -1 otherwise. */
#define BZ_SETUP_SECTS		0x1f1
#define BZ_HDRS_OFF		0x202
#define BZ_HDRS_MAGIC		0x53726448u	/* "HdrS" little-endian */
#define BZ_SECTOR		512
#define BZ_DEFAULT_SECTS	4
#define FWCFG_KERNEL_FILE	"etc/boot/kernel"
int fwcfg_set_kernel(struct fwcfg *f, const void *kernel, uint32_t klen,
		     const void *initrd, uint32_t ilen, const char *cmdline);

/* ---- PCI configuration mechanism #1 ------------------------------------ */

#define PCI_CONFIG_ADDR		0xcf8
#define PCI_CONFIG_DATA		0xcfc
#define PCI_ADDR_ENABLE		0x80000000u
#define PCI_VENDOR_INTEL	0x8086
#define PCI_DEVICE_I440FX	0x1237	/* OVMF INTEL_82441_DEVICE_ID */
#define PCI_DEVICE_Q35_MCH	0x29c0	/* OVMF INTEL_Q35_MCH_DEVICE_ID */
#define PCI_CLASS_HOST_BRIDGE	0x0600
/* With the i440FX host bridge, the PIIX3 ISA bridge at 00:01.0 (QEMU's pc
 * machine): OVMF's platform boot manager finds the ISA serial ports (COM1
 * as console) behind it. */
#define PCI_DEVICE_PIIX3_ISA	0x7000
#define PCI_CLASS_ISA_BRIDGE	0x0601

/* ... and the PIIX4 power-management function at 00:01.3, whose PMBA
 * (0x40) and PMREGMISC (0x80) OVMF programs to reach the ACPI PM timer
 * (PMBA + 8, 24 bits at 3.579545 MHz), its time base for Stall(). */
#define PCI_DEVICE_PIIX4_PM	0x7113
#define PCI_CLASS_BRIDGE_OTHER	0x0680
#define PIIX4_PMBA		0x40
#define PIIX4_PMREGMISC		0x80
#define ACPI_PM_TIMER_HZ	3579545u

struct tddev_pci {
	uint32_t addr;		/* 0xcf8 as last written */
	uint16_t host_device;	/* 00:00.0 device ID; 0: no host bridge */
	uint32_t pmba;		/* 00:01.3 PMBA as written (bit 0 reads 1) */
	uint8_t pmregmisc;	/* 00:01.3 PMREGMISC: bit 0 enables the PM I/O */
	/* Command registers of 00:00.0, 00:01.0, 00:01.3: I/O, memory and
	 * bus-master enable as written (EDK2's SioBusDxe binds the ISA
	 * bridge only once both decodes read back enabled). */
	uint16_t command[3];
};

void tddev_pci_init(struct tddev_pci *p, uint16_t host_device);
/* One byte of configuration space; 0xff for an absent function. With
 * the i440FX host bridge, 00:01.0 is the PIIX3 ISA bridge and 00:01.3
 * the PIIX4 PM function. */
uint8_t tddev_pci_cfg_read8(const struct tddev_pci *p, unsigned bus, unsigned dev,
			    unsigned fn, unsigned reg);

/* ---- CMOS / RTC (MC146818) --------------------------------------------- */

#define CMOS_PORT_INDEX		0x70
#define CMOS_PORT_DATA		0x71
#define CMOS_SIZE		128
#define CMOS_NMI_MASK		0x80	/* index bit 7, ignored */
#define RTC_SECONDS		0x00
#define RTC_MINUTES		0x02
#define RTC_HOURS		0x04
#define RTC_WEEKDAY		0x06	/* 1 = Sunday (QEMU tm_wday + 1) */
#define RTC_DAY			0x07
#define RTC_MONTH		0x08
#define RTC_YEAR		0x09	/* year % 100 */
#define RTC_REG_A		0x0a
#define RTC_REG_B		0x0b
#define RTC_REG_C		0x0c
#define RTC_REG_D		0x0d
#define RTC_CENTURY		0x32
#define RTC_REG_A_VALUE		0x26	/* 32.768 kHz, 1024 Hz; UIP clear */
#define RTC_REG_B_VALUE		0x02	/* 24-hour, BCD */
#define RTC_REG_C_VALUE		0x00
#define RTC_REG_D_VALUE		0x80	/* valid RAM and time */

struct tddev_rtc_time {
	uint16_t year;		/* 1970..9999 */
	uint8_t month;		/* 1..12 */
	uint8_t day;		/* 1..31 */
	uint8_t hour, minute, second;
};

struct tddev_cmos {
	uint8_t index;
	uint8_t ram[CMOS_SIZE];
	struct tddev_rtc_time time;
};

/* Time 2000-01-01 00:00:00 until set; the clock does not run. */
void tddev_cmos_init(struct tddev_cmos *c);
/* False (time unchanged) for an out-of-range field. */
bool tddev_cmos_set_time(struct tddev_cmos *c, const struct tddev_rtc_time *t);
/* A register by index (0..127), as port 0x71 reads and writes it. */
uint8_t tddev_cmos_read(const struct tddev_cmos *c, unsigned idx);
void tddev_cmos_write(struct tddev_cmos *c, unsigned idx, uint8_t v);
/* 1 = Sunday .. 7 = Saturday. */
unsigned tddev_weekday(unsigned year, unsigned month, unsigned day);

/* ---- the TD's ports ---------------------------------------------------- */

#define TDDEV_PORT_POST		0x80
#define TDDEV_PORT_DEBUGCON	0x402
#define TDDEV_DEBUGCON_MAGIC	0xe9	/* OVMF BOCHS_DEBUG_PORT_MAGIC */

struct td_devices {
	struct tddev_uart com1;
	struct fwcfg fwcfg;
	struct tddev_pci pci;
	struct tddev_cmos cmos;
	uint64_t unhandled;	/* accesses no model owned, bad sizes */
	/* Port 0x402: when set it reads 0xe9 (so OVMF's detection finds it)
	 * and takes bytes; when NULL the port is not there. */
	void (*dbg_out)(void *ctx, uint8_t c);
	void *dbg_ctx;
	uint8_t post_code;	/* last byte written to port 0x80 */
	/* The ACPI PM timer's count (free-running, 3.579545 MHz), when the
	 * PIIX4 PM I/O space is on; NULL reads 0. */
	uint32_t (*pm_timer)(void *ctx);
	void *pm_ctx;
};

/* All models at their defaults: COM1 at 0x3f8 writing to out, fw_cfg with
 * signature, ID and an empty directory, the host bridge host_device (0:
 * none), CMOS at 2000-01-01, no debug console. */
void td_devices_init(struct td_devices *d, void (*out)(void *ctx, uint8_t c), void *ctx,
		     uint16_t host_device);

/* One IN (out false: *val gets the value, zero-extended) or OUT (out
 * true: *val holds it, masked to size). True when a model owns port.
 * Otherwise reads give all-ones of size bytes, writes are dropped,
 * d->unhandled counts it, and the answer is false: the caller decides
 * whether to log. size is 1, 2 or 4; any other size is unhandled and a
 * read gives 0xffffffff.
 *
 * Byte-wide devices (UART, CMOS, POST, debug console, PCI data, fw_cfg
 * DMA) see a wider access as consecutive bytes, low byte first, as the
 * I/O bus splits it; a byte past the device reads 0xff. 0xcf8 is the
 * address register only as a dword (byte and word accesses to
 * 0xcf8-0xcfb are other ISA ports, e.g. 0xcf9 reset control: unhandled).
 * fw_cfg (QEMU fw_cfg_comb_valid): a word written to 0x510 selects, a
 * byte at 0x510 or 0x511 is data (reads advance, writes are ignored as in
 * QEMU 2.4+), other accesses are owned, read all-ones. */
bool td_devices_io(struct td_devices *d, uint16_t port, unsigned size, bool out,
		   uint32_t *val);

#endif
