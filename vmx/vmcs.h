/* VMCS fields and access: constants generated from vmx/vmcs_fields.h,
 * the field table for dumps, width-checked VMREAD/VMWRITE and the other
 * VMX instructions (SDM Vol. 3C §25.11.2, §31.2, §31.3).
 *
 * Status convention of every try_ form and instruction wrapper (§31.2):
 *   VMX_OK (0)               VMsucceed
 *   VMX_FAIL_INVALID (-1)    VMfailInvalid: CF=1, no current VMCS
 *   1..28                    VMfailValid: ZF=1, the VM-instruction error
 *                            number of the current VMCS (vmx/vmx_exit.h)
 *
 * vmcs_readN/vmcs_writeN take a constant field and refuse to build when
 * the field's width is not N (NW = natural width; the 64-bit forms also
 * take natural-width fields, which are 64 bits on Intel 64), so
 * vmcs_write16(VMCS_GUEST_RIP, x) is a compile error. They report failures
 * through vmcs_access_failed(), which the kernel provides; a failed read
 * then yields 0. Encodings known only at run time go through try_vmcs_read and
 * try_vmcs_write, which move 64 bits.
 *
 * With VMX_HOST_TEST defined there is no inline assembly: try_vmcs_read
 * and try_vmcs_write are plain declarations a host test defines, and the
 * instruction wrappers are absent. */
#ifndef BARETDX_VMX_VMCS_H
#define BARETDX_VMX_VMCS_H

#include <stddef.h>
#include <stdint.h>

#include "vmx/vmcs_fields.h"
#include "vmx/vmx_arch.h"

/* Field widths; NW is 64 bits on Intel 64 (§25.11.2). */
enum vmcs_width {
	VMCS_WIDTH_NW = 0,
	VMCS_WIDTH_16 = 16,
	VMCS_WIDTH_32 = 32,
	VMCS_WIDTH_64 = 64,
};

#define VMCS_FIELD_ENUM_ENTRY_(name, enc, w) VMCS_##name = (enc),
enum vmcs_field { VMCS_FIELDS(VMCS_FIELD_ENUM_ENTRY_) };

#define VMCS_FIELD_COUNT_ENTRY_(name, enc, w) +1
enum { VMCS_FIELD_COUNT = 0 VMCS_FIELDS(VMCS_FIELD_COUNT_ENTRY_) };

/* The width an encoding carries in its bits 14:13, as an enum vmcs_width. */
#define VMCS_ENCODING_WIDTH(e)                                               \
	(VMCS_ENC_WIDTH(e) == VMCS_ENC_W16   ? VMCS_WIDTH_16                 \
	 : VMCS_ENC_WIDTH(e) == VMCS_ENC_W64 ? VMCS_WIDTH_64                 \
	 : VMCS_ENC_WIDTH(e) == VMCS_ENC_W32 ? VMCS_WIDTH_32                 \
					     : VMCS_WIDTH_NW)

/* One table row: name as in vmx/vmcs_fields.h ("GUEST_RIP"), width as an
 * enum vmcs_width. Rows are in table order (ascending encoding). */
struct vmcs_field_desc {
	const char *name;
	uint32_t encoding;
	unsigned width;
};

extern const struct vmcs_field_desc vmcs_field_table[VMCS_FIELD_COUNT];

/* The row for an encoding, or NULL when the table has none. */
const struct vmcs_field_desc *vmcs_field_lookup(uint32_t encoding);

/* The field's name; "?" for an encoding the table does not list. */
const char *vmcs_field_name(uint32_t encoding);

#define VMX_OK 0
#define VMX_FAIL_INVALID (-1)

/* Kernel hook for failed vmcs_readN/vmcs_writeN: op is the accessor's
 * name, err the status above. */
void vmcs_access_failed(const char *op, uint32_t field, int err);

#ifdef VMX_HOST_TEST

int try_vmcs_read(uint32_t field, uint64_t *out);
int try_vmcs_write(uint32_t field, uint64_t value);

#else

/* Turns the flags a VMX instruction left into the status convention. */
static inline int vmx_status_(uint8_t cf, uint8_t zf)
{
	uint64_t err;
	uint8_t ecf, ezf;

	if (cf)
		return VMX_FAIL_INVALID;
	if (!zf)
		return VMX_OK;
	__asm__ volatile("vmread %[enc], %[err]"
			 : [err] "=r"(err), "=@ccc"(ecf), "=@ccz"(ezf)
			 : [enc] "r"((uint64_t)VMCS_VM_INSTRUCTION_ERROR));
	/* Error numbers start at 1; an unreadable one has no number. */
	if (ecf || ezf || err == 0)
		return VMX_FAIL_INVALID;
	return (int)err;
}

/* *out is 0 when the read fails. */
static inline int try_vmcs_read(uint32_t field, uint64_t *out)
{
	uint64_t v;
	uint8_t cf, zf;

	__asm__ volatile("vmread %[enc], %[val]"
			 : [val] "=r"(v), "=@ccc"(cf), "=@ccz"(zf)
			 : [enc] "r"((uint64_t)field));
	*out = cf || zf ? 0 : v;
	return vmx_status_(cf, zf);
}

static inline int try_vmcs_write(uint32_t field, uint64_t value)
{
	uint8_t cf, zf;

	__asm__ volatile("vmwrite %[val], %[enc]"
			 : "=@ccc"(cf), "=@ccz"(zf)
			 : [val] "r"(value), [enc] "r"((uint64_t)field));
	return vmx_status_(cf, zf);
}

/* VMXON, VMCLEAR and VMPTRLD take the physical address of a 4-KiB aligned
 * region; VMXON and VMPTRLD fail unless its first dword holds the VMCS
 * revision identifier (§25.2, §25.11.5). */
static inline int vmxon(uint64_t region_pa)
{
	uint8_t cf, zf;

	__asm__ volatile("vmxon %[pa]"
			 : "=@ccc"(cf), "=@ccz"(zf)
			 : [pa] "m"(region_pa)
			 : "memory");
	return vmx_status_(cf, zf);
}

static inline int vmxoff(void)
{
	uint8_t cf, zf;

	__asm__ volatile("vmxoff" : "=@ccc"(cf), "=@ccz"(zf) : : "memory");
	return vmx_status_(cf, zf);
}

static inline int vmclear(uint64_t vmcs_pa)
{
	uint8_t cf, zf;

	__asm__ volatile("vmclear %[pa]"
			 : "=@ccc"(cf), "=@ccz"(zf)
			 : [pa] "m"(vmcs_pa)
			 : "memory");
	return vmx_status_(cf, zf);
}

static inline int vmptrld(uint64_t vmcs_pa)
{
	uint8_t cf, zf;

	__asm__ volatile("vmptrld %[pa]"
			 : "=@ccc"(cf), "=@ccz"(zf)
			 : [pa] "m"(vmcs_pa)
			 : "memory");
	return vmx_status_(cf, zf);
}

/* Stores the current-VMCS pointer (all ones when there is none). */
static inline int vmptrst(uint64_t *vmcs_pa)
{
	uint8_t cf, zf;

	__asm__ volatile("vmptrst %[pa]"
			 : [pa] "=m"(*vmcs_pa), "=@ccc"(cf), "=@ccz"(zf)
			 :
			 : "memory");
	return vmx_status_(cf, zf);
}

/* type: VMX_INVEPT_SINGLE_CONTEXT (eptp selects the context) or
 * VMX_INVEPT_GLOBAL (eptp ignored). */
static inline int invept(uint32_t type, uint64_t eptp)
{
	struct {
		uint64_t eptp, reserved;
	} desc = { eptp, 0 };
	uint8_t cf, zf;

	__asm__ volatile("invept %[desc], %[type]"
			 : "=@ccc"(cf), "=@ccz"(zf)
			 : [desc] "m"(desc), [type] "r"((uint64_t)type)
			 : "memory");
	return vmx_status_(cf, zf);
}

/* type: VMX_INVVPID_*; linear is used by VMX_INVVPID_ADDRESS only. */
static inline int invvpid(uint32_t type, uint16_t vpid, uint64_t linear)
{
	struct {
		uint64_t vpid, linear;
	} desc = { vpid, linear };
	uint8_t cf, zf;

	__asm__ volatile("invvpid %[desc], %[type]"
			 : "=@ccc"(cf), "=@ccz"(zf)
			 : [desc] "m"(desc), [type] "r"((uint64_t)type)
			 : "memory");
	return vmx_status_(cf, zf);
}

#endif /* VMX_HOST_TEST */

static inline uint64_t vmcs_read_or_report_(const char *op, uint32_t field)
{
	uint64_t v;
	int err = try_vmcs_read(field, &v);

	if (err) {
		vmcs_access_failed(op, field, err);
		return 0;
	}
	return v;
}

static inline void vmcs_write_or_report_(const char *op, uint32_t field,
					 uint64_t value)
{
	int err = try_vmcs_write(field, value);

	if (err)
		vmcs_access_failed(op, field, err);
}

/* Whether a constant field suits an accessor: the whole field (not the
 * "high" half of a 64-bit one) of that width. Natural-width fields are 64
 * bits on Intel 64 (§25.11.2), so the 64-bit accessors take them too. */
#define VMCS_WHOLE_(f) (((f) & VMCS_ENC_HIGH) == 0)
#define VMCS_FITS_16(f) (VMCS_WHOLE_(f) && VMCS_ENCODING_WIDTH(f) == VMCS_WIDTH_16)
#define VMCS_FITS_32(f) (VMCS_WHOLE_(f) && VMCS_ENCODING_WIDTH(f) == VMCS_WIDTH_32)
#define VMCS_FITS_NW(f) (VMCS_WHOLE_(f) && VMCS_ENCODING_WIDTH(f) == VMCS_WIDTH_NW)
#define VMCS_FITS_64(f)                                                      \
	(VMCS_WHOLE_(f) && (VMCS_ENCODING_WIDTH(f) == VMCS_WIDTH_64 ||       \
			    VMCS_ENCODING_WIDTH(f) == VMCS_WIDTH_NW))

#define VMCS_READ_(field, fits, what, type, op)                              \
	__extension__({                                                      \
		_Static_assert(fits(field),                                  \
			       op ": " #field " is not a " what " field");   \
		(type)vmcs_read_or_report_(op, (field));                     \
	})

#define VMCS_WRITE_(field, value, fits, what, type, op)                      \
	__extension__({                                                      \
		_Static_assert(fits(field),                                  \
			       op ": " #field " is not a " what " field");   \
		vmcs_write_or_report_(op, (field), (type)(value));           \
	})

#define vmcs_read16(f) VMCS_READ_(f, VMCS_FITS_16, "16-bit", uint16_t, "vmcs_read16")
#define vmcs_read32(f) VMCS_READ_(f, VMCS_FITS_32, "32-bit", uint32_t, "vmcs_read32")
#define vmcs_read64(f)                                                       \
	VMCS_READ_(f, VMCS_FITS_64, "64-bit or natural-width", uint64_t,     \
		   "vmcs_read64")
#define vmcs_readnw(f)                                                       \
	VMCS_READ_(f, VMCS_FITS_NW, "natural-width", uint64_t, "vmcs_readnw")

#define vmcs_write16(f, v)                                                   \
	VMCS_WRITE_(f, v, VMCS_FITS_16, "16-bit", uint16_t, "vmcs_write16")
#define vmcs_write32(f, v)                                                   \
	VMCS_WRITE_(f, v, VMCS_FITS_32, "32-bit", uint32_t, "vmcs_write32")
#define vmcs_write64(f, v)                                                   \
	VMCS_WRITE_(f, v, VMCS_FITS_64, "64-bit or natural-width", uint64_t, \
		    "vmcs_write64")
#define vmcs_writenw(f, v)                                                   \
	VMCS_WRITE_(f, v, VMCS_FITS_NW, "natural-width", uint64_t,           \
		    "vmcs_writenw")

#endif
