/* Port I/O device models for a TD (td_devices.h). The sources of each
 * fact are named in td_devices.h; the choices marked "own" are this
 * model's where no source decides. */
#include <string.h>
#include "seam/td_devices.h"

static uint32_t ones(unsigned size)
{
	return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

static void put_le(uint8_t *p, uint64_t v, unsigned len)
{
	for (unsigned i = 0; i < len; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v;
}

/* ---- 16550 UART ------------------------------------------------------ */

void tddev_uart_init(struct tddev_uart *u, uint16_t base,
		     void (*out)(void *ctx, uint8_t c), void *ctx)
{
	memset(u, 0, sizeof(*u));
	u->base = base;
	u->out = out;
	u->ctx = ctx;
	u->dll = 0x0c;		/* own: 9600 baud until the guest programs it */
	u->lcr = 0x03;		/* own: 8N1 */
}

bool tddev_uart_input(struct tddev_uart *u, uint8_t c)
{
	if (u->rx_count >= TDDEV_UART_FIFO)
		return false;
	u->rx[(u->rx_head + u->rx_count) % TDDEV_UART_FIFO] = c;
	u->rx_count++;
	return true;
}

static uint8_t uart_pop(struct tddev_uart *u)
{
	uint8_t c;

	if (!u->rx_count)
		return 0;
	c = u->rx[u->rx_head];
	u->rx_head = (uint8_t)((u->rx_head + 1) % TDDEV_UART_FIFO);
	u->rx_count--;
	return c;
}

/* MSR: in loopback the modem outputs feed the inputs (RTS->CTS,
 * DTR->DSR, OUT1->RI, OUT2->DCD: Linux's 8250 probe expects 0x90 for MCR
 * 0x1a); otherwise a line that is always ready, DCD|DSR|CTS as QEMU's
 * serial resets it. */
static uint8_t uart_msr(const struct tddev_uart *u)
{
	uint8_t m = u->mcr;

	if (!(m & UART_MCR_LOOP))
		return UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
	return (uint8_t)(((m & 0x02) << 3) | ((m & 0x01) << 5) | ((m & 0x04) << 4) |
			 ((m & 0x08) << 4));
}

uint8_t tddev_uart_read(struct tddev_uart *u, unsigned off)
{
	bool dlab = u->lcr & UART_LCR_DLAB;
	uint8_t v;

	switch (off & 7) {
	case UART_RBR:
		return dlab ? u->dll : uart_pop(u);
	case UART_IER:
		return dlab ? u->dlm : u->ier;
	case UART_IIR:
		/* Received data outranks THR empty; the transmitter is
		 * always empty here, so THRI stays pending while enabled. */
		if ((u->ier & UART_IER_RDI) && u->rx_count)
			v = UART_IIR_RDI;
		else if (u->ier & UART_IER_THRI)
			v = UART_IIR_THRI;
		else
			v = UART_IIR_NONE;
		return (uint8_t)(v | (u->fifo_on ? UART_IIR_FIFO : 0));
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		return (uint8_t)(UART_LSR_THRE | UART_LSR_TEMT | (u->rx_count ? UART_LSR_DR : 0));
	case UART_MSR:
		return uart_msr(u);
	default:
		return u->scr;
	}
}

void tddev_uart_write(struct tddev_uart *u, unsigned off, uint8_t v)
{
	bool dlab = u->lcr & UART_LCR_DLAB;

	switch (off & 7) {
	case UART_THR:
		if (dlab)
			u->dll = v;
		else if (u->mcr & UART_MCR_LOOP)
			(void)tddev_uart_input(u, v);	/* a full FIFO drops it */
		else if (u->out)
			u->out(u->ctx, v);
		break;
	case UART_IER:
		if (dlab)
			u->dlm = v;
		else
			u->ier = v & 0x0f;
		break;
	case UART_FCR:
		/* Turning the FIFOs on or off clears them, as does bit 1. */
		if ((v & UART_FCR_CLEAR_RX) || (bool)(v & UART_FCR_ENABLE) != u->fifo_on)
			u->rx_head = u->rx_count = 0;
		u->fifo_on = v & UART_FCR_ENABLE;
		break;
	case UART_LCR:
		u->lcr = v;
		break;
	case UART_MCR:
		u->mcr = v & 0x1f;
		break;
	case UART_SCR:
		u->scr = v;
		break;
	default:
		break;		/* LSR, MSR: read-only */
	}
}

/* ---- QEMU fw_cfg ------------------------------------------------------ */

static const uint8_t fwcfg_sig[4] = { 'Q', 'E', 'M', 'U' };
/* FW_CFG_ID: u32 LE, bit 0 (traditional interface) only: no DMA. */
static const uint8_t fwcfg_id[4] = { FW_CFG_VERSION, 0, 0, 0 };

static uint16_t key_of(uint16_t selector)
{
	return selector & (uint16_t)~FW_CFG_WRITE_CHANNEL;
}

/* Selectors the model answers itself. */
static bool builtin(uint16_t key)
{
	return key == FW_CFG_SIGNATURE || key == FW_CFG_ID || key == FW_CFG_FILE_DIR;
}

/* Generic selectors from FW_CFG_FILE_FIRST are file slots (QEMU). */
static bool file_slot(uint16_t key)
{
	return !(key & FW_CFG_ARCH_LOCAL) && key >= FW_CFG_FILE_FIRST;
}

static struct fwcfg_item *find(struct fwcfg *f, uint16_t key)
{
	for (unsigned i = 0; i < f->nitems; i++)
		if (f->items[i].sel == key)
			return &f->items[i];
	return NULL;
}

static void remove_item(struct fwcfg *f, uint16_t key)
{
	struct fwcfg_item *it = find(f, key);

	if (it)
		*it = f->items[--f->nitems];
}

/* Adds or replaces; data NULL: inline value from inl. */
static int put_item(struct fwcfg *f, uint16_t key, const void *data, uint32_t len,
		    const uint8_t *inl)
{
	struct fwcfg_item *it = find(f, key);

	if (!it) {
		if (f->nitems >= FWCFG_MAX_ITEMS)
			return -1;
		it = &f->items[f->nitems++];
	}
	memset(it, 0, sizeof(*it));
	it->sel = key;
	it->len = len;
	it->data = data;
	if (!data && len)
		memcpy(it->inl, inl, len);
	return 0;
}

void fwcfg_init(struct fwcfg *f)
{
	memset(f, 0, sizeof(*f));	/* directory count 0 */
}

int fwcfg_add(struct fwcfg *f, uint16_t selector, const void *data, uint32_t len)
{
	uint16_t key = key_of(selector);

	if (builtin(key) || file_slot(key) || (!data && len))
		return -1;
	return put_item(f, key, data, len, NULL);
}

int fwcfg_add_le(struct fwcfg *f, uint16_t selector, uint64_t value, unsigned len)
{
	uint16_t key = key_of(selector);
	uint8_t b[8];

	if (builtin(key) || file_slot(key) || len < 1 || len > 8)
		return -1;
	put_le(b, value, len);
	return put_item(f, key, NULL, len, b);
}

static uint8_t *dir_entry(struct fwcfg *f, unsigned i)
{
	return f->dir + 4 + i * FWCFG_DIR_ENTRY;
}

int fwcfg_add_file(struct fwcfg *f, const char *name, const void *data, uint32_t len)
{
	size_t n = name ? strlen(name) : 0;
	unsigned i;
	uint8_t *e;
	uint16_t key;

	if (!n || n >= FWCFG_NAME_MAX || (!data && len))
		return -1;
	for (i = 0; i < f->nfiles; i++)
		if (!strcmp((const char *)dir_entry(f, i) + 8, name))
			break;
	if (i == f->nfiles && i >= FWCFG_MAX_ITEMS)
		return -1;
	key = (uint16_t)(FW_CFG_FILE_FIRST + i);
	if (put_item(f, key, data, len, NULL))
		return -1;
	e = dir_entry(f, i);
	memset(e, 0, FWCFG_DIR_ENTRY);
	put_be32(e, len);
	put_be16(e + 4, key);
	memcpy(e + 8, name, n);
	if (i == f->nfiles)
		put_be32(f->dir, ++f->nfiles);
	return key;
}

void fwcfg_select(struct fwcfg *f, uint16_t selector)
{
	f->cur = key_of(selector);
	f->off = 0;
}

uint8_t fwcfg_read(struct fwcfg *f)
{
	const uint8_t *p;
	uint32_t len;
	const struct fwcfg_item *it;

	switch (f->cur) {
	case FW_CFG_SIGNATURE:
		p = fwcfg_sig, len = sizeof(fwcfg_sig);
		break;
	case FW_CFG_ID:
		p = fwcfg_id, len = sizeof(fwcfg_id);
		break;
	case FW_CFG_FILE_DIR:
		p = f->dir, len = 4 + f->nfiles * FWCFG_DIR_ENTRY;
		break;
	default:
		it = find(f, f->cur);
		if (!it)
			return 0;
		p = it->data ? it->data : it->inl;
		len = it->len;
		break;
	}
	if (f->off >= len)
		return 0;
	return p[f->off++];
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static int need(struct fwcfg *f, uint16_t key)
{
	return find(f, key) ? 0 : 1;
}

int fwcfg_set_kernel(struct fwcfg *f, const void *kernel, uint32_t klen,
		     const void *initrd, uint32_t ilen, const char *cmdline)
{
	const uint8_t *k = kernel;
	uint32_t sects, setup;
	int more;
	bool file_known = false;

	if (!k || klen < BZ_HDRS_OFF + 4 || le32(k + BZ_HDRS_OFF) != BZ_HDRS_MAGIC)
		return -1;
	if (!initrd && ilen)
		return -1;
	sects = k[BZ_SETUP_SECTS] ? k[BZ_SETUP_SECTS] : BZ_DEFAULT_SECTS;
	setup = (sects + 1) * BZ_SECTOR;
	if (setup > klen)
		return -1;
	if (!cmdline)
		cmdline = "";

	/* Room first, so a full table changes nothing. */
	for (unsigned i = 0; i < f->nfiles; i++)
		if (!strcmp((const char *)dir_entry(f, i) + 8, FWCFG_KERNEL_FILE))
			file_known = true;
	more = need(f, FW_CFG_SETUP_SIZE) + need(f, FW_CFG_SETUP_DATA) +
	       need(f, FW_CFG_KERNEL_SIZE) + need(f, FW_CFG_KERNEL_DATA) +
	       need(f, FW_CFG_CMDLINE_SIZE) + need(f, FW_CFG_CMDLINE_DATA) + !file_known;
	if (initrd)
		more += need(f, FW_CFG_INITRD_SIZE) + need(f, FW_CFG_INITRD_DATA);
	if (f->nitems + (unsigned)more > FWCFG_MAX_ITEMS)
		return -1;

	fwcfg_add_le(f, FW_CFG_SETUP_SIZE, setup, 4);
	fwcfg_add(f, FW_CFG_SETUP_DATA, k, setup);
	fwcfg_add_le(f, FW_CFG_KERNEL_SIZE, klen - setup, 4);
	fwcfg_add(f, FW_CFG_KERNEL_DATA, k + setup, klen - setup);
	if (initrd) {
		fwcfg_add_le(f, FW_CFG_INITRD_SIZE, ilen, 4);
		fwcfg_add(f, FW_CFG_INITRD_DATA, initrd, ilen);
	} else {
		remove_item(f, FW_CFG_INITRD_SIZE);
		remove_item(f, FW_CFG_INITRD_DATA);
	}
	fwcfg_add_le(f, FW_CFG_CMDLINE_SIZE, strlen(cmdline) + 1, 4);
	fwcfg_add(f, FW_CFG_CMDLINE_DATA, cmdline, (uint32_t)strlen(cmdline) + 1);
	return fwcfg_add_file(f, FWCFG_KERNEL_FILE, k, klen) < 0 ? -1 : 0;
}

/* ---- PCI configuration mechanism #1 ------------------------------------ */

void tddev_pci_init(struct tddev_pci *p, uint16_t host_device)
{
	p->addr = 0;
	p->host_device = host_device;
	for (unsigned f = 0; f < 3; f++)
		p->command[f] = 0;
}

#define PCI_COMMAND		0x04
#define PCI_COMMAND_WRITABLE	0x0007	/* I/O space, memory space, bus master */

/* Which of the three functions (command[] index), -1 none. */
static int pci_function(const struct tddev_pci *p, unsigned bus, unsigned dev, unsigned fn)
{
	if (!p->host_device || bus)
		return -1;
	if (dev == 0 && fn == 0)
		return 0;
	if (dev == 1 && p->host_device == PCI_DEVICE_I440FX && (fn == 0 || fn == 3))
		return fn ? 2 : 1;
	return -1;
}

/* Each function's header: IDs, class, header type (00:01.0 multi-
 * function), the command register as written; the rest reads 0 (status,
 * BARs: nothing to decode). */
uint8_t tddev_pci_cfg_read8(const struct tddev_pci *p, unsigned bus, unsigned dev,
			    unsigned fn, unsigned reg)
{
	uint16_t device, class;
	int f = pci_function(p, bus, dev, fn);

	if (f < 0 || reg > 0xff)
		return 0xff;
	if (f == 0) {
		device = p->host_device;
		class = PCI_CLASS_HOST_BRIDGE;
	} else {
		device = PCI_DEVICE_PIIX3_ISA;
		class = PCI_CLASS_ISA_BRIDGE;
	}
	if (f == 2) {
		device = PCI_DEVICE_PIIX4_PM;
		class = PCI_CLASS_BRIDGE_OTHER;
		if (reg >= PIIX4_PMBA && reg < PIIX4_PMBA + 4)
			return (uint8_t)((p->pmba | 1) >> (8 * (reg - PIIX4_PMBA)));
		if (reg == PIIX4_PMREGMISC)
			return p->pmregmisc;
	}
	switch (reg) {
	case 0x00: return PCI_VENDOR_INTEL & 0xff;
	case 0x01: return PCI_VENDOR_INTEL >> 8;
	case 0x02: return (uint8_t)device;
	case 0x03: return (uint8_t)(device >> 8);
	case PCI_COMMAND: return (uint8_t)p->command[f];
	case PCI_COMMAND + 1: return (uint8_t)(p->command[f] >> 8);
	case 0x0a: return class & 0xff;		/* subclass */
	case 0x0b: return class >> 8;		/* base class */
	case 0x0e: return dev == 1 ? 0x80 : 0;	/* PIIX3: multi-function */
	default: return 0;
	}
}

/* One byte at 0xcfc + i through the address register. */
static uint8_t pci_data_read(const struct tddev_pci *p, unsigned i)
{
	uint32_t a = p->addr;

	if (!(a & PCI_ADDR_ENABLE))
		return 0xff;
	return tddev_pci_cfg_read8(p, (a >> 16) & 0xff, (a >> 11) & 0x1f, (a >> 8) & 7,
				   (a & 0xfc) + i);
}

static void pci_data_write(struct tddev_pci *p, unsigned i, uint8_t v)
{
	uint32_t a = p->addr;
	unsigned reg = (a & 0xfc) + i;
	int f = pci_function(p, (a >> 16) & 0xff, (a >> 11) & 0x1f, (a >> 8) & 7);

	if (!(a & PCI_ADDR_ENABLE) || f < 0)
		return;
	if (reg == PCI_COMMAND || reg == PCI_COMMAND + 1) {
		unsigned sh = 8 * (reg - PCI_COMMAND);
		p->command[f] = (uint16_t)(((p->command[f] & ~(0xffu << sh)) | (unsigned)v << sh) &
					   PCI_COMMAND_WRITABLE);
		return;
	}
	if (f != 2)
		return;
	if (reg >= PIIX4_PMBA && reg < PIIX4_PMBA + 4) {
		unsigned sh = 8 * (reg - PIIX4_PMBA);
		p->pmba = (p->pmba & ~(0xffu << sh)) | (uint32_t)v << sh;
		p->pmba &= 0xffc0;	/* 64 bytes of I/O below 64 KiB */
	} else if (reg == PIIX4_PMREGMISC) {
		p->pmregmisc = v & 1;
	}
}

/* ---- CMOS / RTC --------------------------------------------------------- */

static bool leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned month_days(unsigned y, unsigned m)
{
	static const uint8_t days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return days[m - 1] + (m == 2 && leap(y));
}

unsigned tddev_weekday(unsigned year, unsigned month, unsigned day)
{
	unsigned long y, n;

	if (!year || month < 1 || month > 12)
		return 0;
	/* Days since 0001-01-01 (proleptic Gregorian), a Monday. */
	y = year - 1;
	n = y * 365 + y / 4 - y / 100 + y / 400;

	for (unsigned m = 1; m < month; m++)
		n += month_days(year, m);
	n += day - 1;
	return (unsigned)((n + 1) % 7) + 1;	/* 0 = Sunday, then +1 */
}

static uint8_t bcd(unsigned v)
{
	return (uint8_t)(((v / 10) % 10) << 4 | (v % 10));
}

void tddev_cmos_init(struct tddev_cmos *c)
{
	static const struct tddev_rtc_time y2k = { 2000, 1, 1, 0, 0, 0 };

	memset(c, 0, sizeof(*c));
	c->time = y2k;
}

bool tddev_cmos_set_time(struct tddev_cmos *c, const struct tddev_rtc_time *t)
{
	if (t->year < 1900 || t->year > 9999 || t->month < 1 || t->month > 12 ||
	    t->day < 1 || t->day > month_days(t->year, t->month) || t->hour > 23 ||
	    t->minute > 59 || t->second > 59)
		return false;
	c->time = *t;
	return true;
}

static bool rtc_fixed(unsigned idx)
{
	return idx <= RTC_REG_D ? !(idx == 1 || idx == 3 || idx == 5) : idx == RTC_CENTURY;
}

uint8_t tddev_cmos_read(const struct tddev_cmos *c, unsigned idx)
{
	const struct tddev_rtc_time *t = &c->time;

	switch (idx & 0x7f) {
	case RTC_SECONDS: return bcd(t->second);
	case RTC_MINUTES: return bcd(t->minute);
	case RTC_HOURS: return bcd(t->hour);
	case RTC_WEEKDAY: return bcd(tddev_weekday(t->year, t->month, t->day));
	case RTC_DAY: return bcd(t->day);
	case RTC_MONTH: return bcd(t->month);
	case RTC_YEAR: return bcd(t->year % 100);
	case RTC_CENTURY: return bcd(t->year / 100);
	case RTC_REG_A: return RTC_REG_A_VALUE;
	case RTC_REG_B: return RTC_REG_B_VALUE;
	case RTC_REG_C: return RTC_REG_C_VALUE;
	case RTC_REG_D: return RTC_REG_D_VALUE;
	default: return c->ram[idx & 0x7f];
	}
}

/* Time and status registers are the model's: writes to them are dropped
 * (own: the clock is the host's to set). */
void tddev_cmos_write(struct tddev_cmos *c, unsigned idx, uint8_t v)
{
	idx &= 0x7f;
	if (!rtc_fixed(idx))
		c->ram[idx] = v;
}

/* ---- the TD's ports ---------------------------------------------------- */

void td_devices_init(struct td_devices *d, void (*out)(void *ctx, uint8_t c), void *ctx,
		     uint16_t host_device)
{
	memset(d, 0, sizeof(*d));
	tddev_uart_init(&d->com1, TDDEV_COM1, out, ctx);
	fwcfg_init(&d->fwcfg);
	tddev_pci_init(&d->pci, host_device);
	tddev_cmos_init(&d->cmos);
}

/* One byte at port p for the byte-wide devices. False: nobody is there. */
static bool byte_io(struct td_devices *d, unsigned p, bool out, uint8_t in, uint8_t *res)
{
	*res = 0xff;
	if (p >= d->com1.base && p < d->com1.base + 8u) {
		if (out)
			tddev_uart_write(&d->com1, p - d->com1.base, in);
		else
			*res = tddev_uart_read(&d->com1, p - d->com1.base);
		return true;
	}
	switch (p) {
	case CMOS_PORT_INDEX:		/* write-only: reads 0xff (QEMU) */
		if (out)
			d->cmos.index = in & (uint8_t)~CMOS_NMI_MASK;
		return true;
	case CMOS_PORT_DATA:
		if (out)
			tddev_cmos_write(&d->cmos, d->cmos.index, in);
		else
			*res = tddev_cmos_read(&d->cmos, d->cmos.index);
		return true;
	case TDDEV_PORT_POST:		/* reads 0xff (QEMU ioport80) */
		if (out)
			d->post_code = in;
		return true;
	case TDDEV_PORT_DEBUGCON:
		if (!d->dbg_out)
			return false;
		if (out)
			d->dbg_out(d->dbg_ctx, in);
		else
			*res = TDDEV_DEBUGCON_MAGIC;
		return true;
	default:
		break;
	}
	if (p >= PCI_CONFIG_DATA && p < PCI_CONFIG_DATA + 4u) {
		if (!out)
			*res = pci_data_read(&d->pci, p - PCI_CONFIG_DATA);
		else	/* only the PIIX4 PM registers keep what is written */
			pci_data_write(&d->pci, p - PCI_CONFIG_DATA, in);
		return true;
	}
	/* fw_cfg DMA address: no DMA (FW_CFG_ID bit 1 clear) */
	if (p >= FWCFG_PORT_DMA && p < FWCFG_PORT_DMA + 8u)
		return true;
	return false;
}

static bool fwcfg_io(struct fwcfg *f, uint16_t port, unsigned size, bool out, uint32_t v,
		     uint32_t *val)
{
	if (out && size == 2 && port == FWCFG_PORT_SEL)
		fwcfg_select(f, (uint16_t)v);
	else if (size == 1 && !out)
		*val = fwcfg_read(f);
	else if (!out)
		*val = ones(size);
	return true;
}

bool td_devices_io(struct td_devices *d, uint16_t port, unsigned size, bool out,
		   uint32_t *val)
{
	uint32_t v, r = 0;
	uint8_t b;

	if (size != 1 && size != 2 && size != 4) {
		d->unhandled++;
		if (!out)
			*val = 0xffffffffu;
		return false;
	}
	v = out ? *val & ones(size) : 0;

	if (port == PCI_CONFIG_ADDR && size == 4) {
		if (out)
			d->pci.addr = v;
		else
			*val = d->pci.addr;
		return true;
	}
	if (port == FWCFG_PORT_SEL || port == FWCFG_PORT_DATA)
		return fwcfg_io(&d->fwcfg, port, size, out, v, val);
	/* The PIIX4 PM I/O block: the timer at +8, the rest reads 0. */
	if ((d->pci.pmregmisc & 1) && d->pci.pmba && port >= d->pci.pmba &&
	    port < d->pci.pmba + 64u) {
		if (!out)
			*val = port == d->pci.pmba + 8u && d->pm_timer
			       ? d->pm_timer(d->pm_ctx) & 0xffffffu & ones(size) : 0;
		return true;
	}

	for (unsigned i = 0; i < size; i++) {
		unsigned p = (unsigned)port + i;
		bool owned = p <= 0xffff && byte_io(d, p, out, (uint8_t)(v >> (8 * i)), &b);

		if (!owned && i == 0) {
			d->unhandled++;
			if (!out)
				*val = ones(size);
			return false;
		}
		r |= (uint32_t)(owned ? b : 0xff) << (8 * i);
	}
	if (!out)
		*val = r;
	return true;
}
