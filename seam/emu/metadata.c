/* Global metadata: TDH.SYS.RD, TDH.SYS.RDALL and the legacy TDH.SYS.INFO
 * (tdx-abi.md §4, §5.1; M15 tdh_sys_rd.c, tdh_sys_rdall.c, tdh_sys_info.c,
 * metadata_generic.c, metadata_sys.c).
 *
 * The field table is 1.5.01's (global_sys_fields_lookup.c) in its order:
 * by class code, then field code. "Next field" iteration walks it in that
 * order, element by element. One addition: MAX_VCPUS_PER_TD, which 1.5.01
 * lacks but Linux reads unconditionally (§4.2 [CONFLICT]); the emulator
 * reports it as later 1.5 modules do, with the emulator's own limit. */
#include <string.h>
#include "seam/emu/emu_internal.h"

enum md_key {
	K_NUM_PKGS, K_PKG_FMS, K_VENDOR_ID, K_BUILD_DATE, K_BUILD_NUM,
	K_MINOR, K_MAJOR, K_UPDATE, K_INTERNAL, K_MAX_TDMRS, K_MODULE_HV, K_MIN_UPDATE_HV,
	K_NO_DOWNGRADE, K_HANDOFF_VALID, K_HANDOFF_HV, K_SYS_ATTRIBUTES,
	K_FEATURES0, K_CMR_BASE, K_CMR_SIZE, K_ATTR_FIXED0, K_XFAM_FIXED0,
	K_CPUID_LEAVES, K_CPUID_VALUES, K_ALLOWED_FMS, K_ZERO, K_CONST,
};

struct md_field {
	uint64_t id;		/* ID of the first element */
	uint16_t nfields;	/* array length */
	uint8_t nelem;		/* elements per field */
	uint8_t key;		/* enum md_key */
	uint64_t value;		/* for K_CONST */
};

#define F(id, key)		{ (id), 1, 1, (key), 0 }
#define C(id, value)		{ (id), 1, 1, K_CONST, (value) }
#define A(id, n, key)		{ (id), (n), 1, (key), 0 }

/* 1.5.01 TDX_FEATURES0 (M15 metadata_sys.c), less LOCAL_ATTESTATION: that
 * one needs SEAMVERIFYREPORT, which the emulated platform lacks. */
#define EMU_FEATURES0 (TDX_FEATURES0_TD_MIGRATION | TDX_FEATURES0_TD_PRESERVING |	\
	TDX_FEATURES0_SERVICE_TD | TDX_FEATURES0_TDG_VP_RDWR |				\
	TDX_FEATURES0_RELAXED_MEM_MNG_CONCURRENCY | TDX_FEATURES0_CPUID_VIRT_GUEST_CTRL |	\
	TDX_FEATURES0_TD_PARTITIONING | TDX_FEATURES0_TD_ENTRY_ENHANCEMENTS |		\
	TDX_FEATURES0_HOST_PRIORITY_LOCKS | TDX_FEATURES0_CONFIG_IA32_ARCH_CAP |	\
	TDX_FEATURES0_PENDING_EPT_VIOLATION_V2 | TDX_FEATURES0_FMS_CONFIG |		\
	TDX_FEATURES0_NO_RBP_MOD | TDX_FEATURES0_L2_TLB_INVD_OPT)

static const struct md_field fields[] = {
	F(MD_SYS_NUM_PKGS, K_NUM_PKGS),
	A(MD_SYS_PKG_FMS, EMU_MAX_PKGS, K_PKG_FMS),
	F(MD_SYS_VENDOR_ID, K_VENDOR_ID),
	F(MD_SYS_BUILD_DATE, K_BUILD_DATE),
	F(MD_SYS_BUILD_NUM, K_BUILD_NUM),
	F(MD_SYS_MINOR_VERSION, K_MINOR),
	F(MD_SYS_MAJOR_VERSION, K_MAJOR),
	F(MD_SYS_UPDATE_VERSION, K_UPDATE),
	F(MD_SYS_INTERNAL_VERSION, K_INTERNAL),
	F(MD_SYS_MODULE_HV, K_MODULE_HV),
	F(MD_SYS_MIN_UPDATE_HV, K_MIN_UPDATE_HV),
	F(MD_SYS_NO_DOWNGRADE, K_NO_DOWNGRADE),
	C(MD_SYS_NUM_HANDOFF_PAGES, 0),
	F(MD_SYS_HANDOFF_DATA_VALID, K_HANDOFF_VALID),
	F(MD_SYS_HANDOFF_DATA_HV, K_HANDOFF_HV),
	C(MD_SYS_HANDOFF_DATA_SIZE, 0),
	F(MD_SYS_SYS_ATTRIBUTES, K_SYS_ATTRIBUTES),
	C(MD_SYS_NUM_TDX_FEATURES, 1),
	F(MD_SYS_TDX_FEATURES0, K_FEATURES0),
	/* 1.5.01 reports MAX_CMR, not the non-empty count (§4.2). */
	C(MD_SYS_NUM_CMRS, EMU_MAX_CMRS),
	A(MD_SYS_CMR_BASE, EMU_MAX_CMRS, K_CMR_BASE),
	A(MD_SYS_CMR_SIZE, EMU_MAX_CMRS, K_CMR_SIZE),
	F(MD_SYS_MAX_TDMRS, K_MAX_TDMRS),
	C(MD_SYS_MAX_RESERVED_PER_TDMR, EMU_MAX_RSVD),
	C(MD_SYS_PAMT_4K_ENTRY_SIZE, EMU_PAMT_ENTRY_SIZE),
	C(MD_SYS_PAMT_2M_ENTRY_SIZE, EMU_PAMT_ENTRY_SIZE),
	C(MD_SYS_PAMT_1G_ENTRY_SIZE, EMU_PAMT_ENTRY_SIZE),
	C(MD_SYS_TDR_BASE_SIZE, 4096),
	C(MD_SYS_TDCS_BASE_SIZE, EMU_TDCS_PAGES * 4096),
	C(MD_SYS_TDCS_SIZE_PER_L2_VM, 4096),
	C(MD_SYS_TDVPS_BASE_SIZE, EMU_TDVPS_PAGES * 4096),
	C(MD_SYS_TDVPS_SIZE_PER_L2_VM, 3 * 4096),
	F(MD_SYS_ATTRIBUTES_FIXED0, K_ATTR_FIXED0),
	C(MD_SYS_ATTRIBUTES_FIXED1, EMU_ATTRIBUTES_FIXED1),
	F(MD_SYS_XFAM_FIXED0, K_XFAM_FIXED0),
	C(MD_SYS_XFAM_FIXED1, EMU_XFAM_FIXED1),
	C(MD_SYS_NUM_CPUID_CONFIG, EMU_NUM_CPUID_CONFIG),
	C(MD_SYS_CONFIG_FLAGS_FIXED0, EMU_CONFIG_FLAGS_FIXED0),
	C(MD_SYS_CONFIG_FLAGS_FIXED1, EMU_CONFIG_FLAGS_FIXED1),
	C(MD_SYS_MAX_VCPUS_PER_TD, EMU_MAX_VCPUS_PER_TD),
	A(MD_SYS_CPUID_CONFIG_LEAVES, 32, K_CPUID_LEAVES),
	{ MD_SYS_CPUID_CONFIG_VALUES, 32, 2, K_CPUID_VALUES, 0 },
	C(MD_SYS_IA32_ARCH_CAPABILITIES_CONFIG_MASK, EMU_ARCH_CAP_CONFIG_MASK),
	C(MD_SYS_NUM_ALLOWED_FMS, 1),
	C(MD_SYS_NUM_DISALLOWED_FMS, 0),
	A(MD_SYS_ALLOWED_FMS, 64, K_ALLOWED_FMS),
	A(MD_SYS_DISALLOWED_FMS, 64, K_ZERO),
	C(EMU_MD_MIG_ATTRIBUTES, 0),
	C(EMU_MD_MIN_EXPORT_VERSION, 0),
	C(EMU_MD_MAX_EXPORT_VERSION, 0),
	C(EMU_MD_MIN_IMPORT_VERSION, 0),
	C(EMU_MD_MAX_IMPORT_VERSION, 0),
	C(EMU_MD_MAX_MIGS, 512),
	C(EMU_MD_NUM_IMMUTABLE_STATE_PAGES, 3),
	C(EMU_MD_NUM_TD_STATE_PAGES, 2),
	C(EMU_MD_NUM_VP_STATE_PAGES, 5),
	C(EMU_MD_MAX_SERV_TDS, 1),
	C(EMU_MD_SERVTD_ATTR_FIXED0, 0x000007ff00000001ull),
	C(EMU_MD_SERVTD_ATTR_FIXED1, 0),
	C(EMU_MD_GUEST_L2_GPA_ATTR_MASK, 0x807f),
	C(EMU_MD_VM_CTLS_FIXED0, 0x1),
	C(EMU_MD_VM_CTLS_FIXED1, 0),
	C(EMU_MD_L2_CTLS_FIXED0, 0x3),
	C(EMU_MD_L2_CTLS_FIXED1, 0),
	C(EMU_MD_L2_DEBUG_CTLS_FIXED0, 0x7),
	C(EMU_MD_L2_DEBUG_CTLS_FIXED1, 0),
};

#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

/* 1.5.01's configurable CPUID leaves (M15 cpuid_configurations.c), in its
 * order. The masks are CONFIG_DIRECT | ALLOW_DIRECT: the emulator has no
 * native CPUID to filter ALLOW_DIRECT bits with, so it offers them all.
 * (1.5.01's TDH.SYS.RD reports CONFIG_DIRECT only; its TDH.SYS.INFO
 * reports both. The emulator reports both in both.) */
const struct emu_cpuid_config emu_cpuid_configs[EMU_NUM_CPUID_CONFIG] = {
	{ 0x1, ~0u, { 0x0fff3fff, 0x00ff0000, 0x31044d88, 0xb8440000 } },
	{ 0x4, 0, { 0xffffc3ff, 0xfffff000, 0xffffffff, 0xfffffffb } },
	{ 0x4, 1, { 0xffffc3ff, 0xfffff000, 0xffffffff, 0xfffffffb } },
	{ 0x4, 2, { 0xffffc3ff, 0xfffff000, 0xffffffff, 0xfffffffb } },
	{ 0x4, 3, { 0xffffc3ff, 0xfffff000, 0xffffffff, 0x00000007 } },
	{ 0x7, 0, { 0, 0xdc2b9b18, 0x02417f65, 0x0005411c } },
	{ 0x7, 1, { 0x00001d30, 0, 0, 0 } },
	{ 0xa, ~0u, { 0, 0, 0, 0 } },
	{ 0x1c, ~0u, { 0x000000ff, 0, 0, 0 } },
	{ 0x80000008, ~0u, { 0, 0x00000200, 0, 0 } },
	{ 0x7, 2, { 0, 0, 0, 0x00000028 } },
	{ 0x23, 0, { 0x0000000f, 0, 0, 0 } },
};

uint64_t emu_xfam_fixed0(const struct emu *e)
{
	return e->cfg.xfam_supported ? EMU_XFAM_FIXED0 & e->cfg.xfam_supported : EMU_XFAM_FIXED0;
}

static uint64_t size_mask(uint64_t id)
{
	unsigned bits = 8u << MD_ELEMENT_SIZE_CODE(id);
	return bits == 64 ? ~0ull : (1ull << bits) - 1;
}

/* Element `idx` (counted from the field's first element) of fields[fi]. */
static uint64_t md_value(const struct emu *e, size_t fi, unsigned idx)
{
	const struct md_field *f = &fields[fi];
	unsigned n = idx / f->nelem, j = idx % f->nelem;
	const struct emu_cpuid_config *c = &emu_cpuid_configs[n < EMU_NUM_CPUID_CONFIG ? n : 0];
	uint64_t v;

	switch (f->key) {
	case K_NUM_PKGS:	v = e->cfg.npkgs; break;
	case K_PKG_FMS:		v = n < e->cfg.npkgs ? e->cfg.pkg_fms[n] : 0; break;
	case K_VENDOR_ID:	v = 0x8086; break;
	case K_BUILD_DATE:	v = e->module.build_date; break;
	case K_BUILD_NUM:	v = e->module.build_num; break;
	case K_MINOR:		v = e->module.minor; break;
	case K_MAJOR:		v = e->module.major; break;
	case K_UPDATE:		v = e->module.update; break;
	case K_INTERNAL:	v = e->module.internal; break;
	case K_MAX_TDMRS:	v = e->module.max_tdmrs; break;
	case K_MODULE_HV:	v = e->module.module_hv; break;
	case K_MIN_UPDATE_HV:	v = e->module.min_update_hv; break;
	case K_NO_DOWNGRADE:	v = e->module.no_downgrade; break;
	case K_HANDOFF_VALID:	v = e->handoff_valid; break;
	case K_HANDOFF_HV:	v = e->handoff_hv; break;
	case K_SYS_ATTRIBUTES:	v = e->sys_attributes; break;
	case K_FEATURES0:	v = EMU_FEATURES0; break;
	case K_CMR_BASE:	v = n < e->cfg.ncmr ? e->cfg.cmr[n].base : 0; break;
	case K_CMR_SIZE:	v = n < e->cfg.ncmr ? e->cfg.cmr[n].size : 0; break;
	case K_ATTR_FIXED0:	v = EMU_ATTRIBUTES_FIXED0; break;
	case K_XFAM_FIXED0:	v = emu_xfam_fixed0(e); break;
	case K_CPUID_LEAVES:
		/* Past NUM_CPUID_CONFIG: all ones (M15). */
		v = n < EMU_NUM_CPUID_CONFIG ? (uint64_t)c->subleaf << 32 | c->leaf : ~0ull;
		break;
	case K_CPUID_VALUES:
		v = n < EMU_NUM_CPUID_CONFIG ?
		    (uint64_t)c->mask[2 * j + 1] << 32 | c->mask[2 * j] : 0;
		break;
	/* The platform's own FMS is the one allowed configuration. */
	case K_ALLOWED_FMS:	v = n == 0 ? e->cfg.pkg_fms[0] : 0; break;
	case K_CONST:		v = f->value; break;
	default:		v = 0; break;
	}
	return v & size_mask(f->id);
}

/* The table entry holding `id` (class and field code; size, context and
 * the non-arch bit do not matter, M15 md_find_entry_idx). */
static bool md_find(uint64_t id, size_t *fi, unsigned *idx)
{
	for (size_t i = 0; i < NFIELDS; i++) {
		uint32_t first = MD_FIELD_CODE(fields[i].id);
		uint32_t code = MD_FIELD_CODE(id);

		if (MD_CLASS(id) == MD_CLASS(fields[i].id) && code >= first &&
		    code < first + (uint32_t)fields[i].nfields * fields[i].nelem) {
			*fi = i;
			*idx = code - first;
			return true;
		}
	}
	return false;
}

static uint64_t element_id(size_t fi, unsigned idx)
{
	return (fields[fi].id & ~0xffffffull) | (MD_FIELD_CODE(fields[fi].id) + idx);
}

static unsigned elements_of(size_t fi)
{
	return (unsigned)fields[fi].nfields * fields[fi].nelem;
}

static uint64_t next_element_id(size_t fi, unsigned idx)
{
	if (idx + 1 < elements_of(fi))
		return element_id(fi, idx + 1);
	return fi + 1 < NFIELDS ? fields[fi + 1].id : MD_FIELD_ID_NONE;
}

uint64_t emu_sys_rd(struct emu *e, unsigned lp, struct emu_regs *r)
{
	uint64_t id = r->rdx, st;
	size_t fi;
	unsigned idx;

	r->rdx = MD_FIELD_ID_NONE;
	r->r8 = 0;
	if (!e->lp_init[lp]) {
		st = TDX_SYS_LP_INIT_NOT_DONE;
		goto out;
	}
	if (EMU_MD_IS_NULL(id)) {
		r->rdx = fields[0].id;
		st = TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT;
		goto out;
	}
	if ((id & MD_SINGLE_ELEMENT_MBZ_MASK) || !md_find(id, &fi, &idx)) {
		st = TDX_METADATA_FIELD_ID_INCORRECT;
		goto out;
	}

	r->r8 = md_value(e, fi, idx);
	r->rdx = next_element_id(fi, idx);
	st = TDX_SUCCESS;
out:
	return st;
}

/* ---- TDH.SYS.RDALL ------------------------------------------------------ */

/* A position in the table at field granularity. */
struct md_pos {
	size_t fi;
	unsigned field;
};

static void pos_advance(struct md_pos *p)
{
	if (++p->field >= fields[p->fi].nfields) {
		p->fi++;
		p->field = 0;
	}
}

static uint32_t pos_code(struct md_pos p)
{
	return MD_FIELD_CODE(fields[p.fi].id) + p.field * fields[p.fi].nelem;
}

/* M15 is_sequential_field_id() plus the same element count and size. */
static bool pos_follows(struct md_pos prev, struct md_pos next)
{
	const struct md_field *a = &fields[prev.fi], *b = &fields[next.fi];

	return MD_CLASS(a->id) == MD_CLASS(b->id) && a->nelem == b->nelem &&
	       MD_ELEMENT_SIZE_CODE(a->id) == MD_ELEMENT_SIZE_CODE(b->id) &&
	       pos_code(prev) + a->nelem == pos_code(next);
}

static void put64(uint8_t *buf, size_t off, uint64_t v)
{
	memcpy(buf + off, &v, sizeof(v));
}

/* Fills e->md_list from `p` as M15 md_dump_list() does: sequences of
 * consecutive fields, each a header field ID and its elements, as many as
 * fit in a page. Returns the bytes used; *p ends at the first field left
 * out (fi == NFIELDS when everything fit). */
static size_t dump_list(struct emu *e, struct md_pos *p)
{
	uint8_t *buf = e->md_list;
	size_t used = EMU_MD_LIST_HDR_SIZE, left = sizeof(e->md_list) - EMU_MD_LIST_HDR_SIZE;
	uint16_t nseq = 0, size16;

	memset(buf, 0, sizeof(e->md_list));
	while (p->fi < NFIELDS && left >= 8 + 8u * fields[p->fi].nelem) {
		struct md_pos first = *p;
		size_t hdr = used;
		unsigned nf = 0;
		bool complete = false;
		uint64_t sh;

		used += 8;
		left -= 8;
		while (left >= 8u * fields[p->fi].nelem) {
			struct md_pos prev = *p;

			for (unsigned j = 0; j < fields[p->fi].nelem; j++) {
				put64(buf, used, md_value(e, p->fi, p->field * fields[p->fi].nelem + j));
				used += 8;
				left -= 8;
			}
			nf++;
			pos_advance(p);
			if (p->fi >= NFIELDS || !pos_follows(prev, *p)) {
				complete = true;
				break;
			}
		}
		sh = element_id(first.fi, first.field * fields[first.fi].nelem);
		sh &= ~(MD_LAST_ELEMENT_MASK | MD_LAST_FIELD_MASK | MD_WRITE_MASK_VALID |
			EMU_MD_CONTEXT_MASK | MD_RESERVED_MASK);
		sh |= (uint64_t)(fields[first.fi].nelem - 1) << 34 | (uint64_t)(nf - 1) << 38;
		put64(buf, hdr, sh);
		nseq++;
		if (!complete)
			break;
	}
	size16 = (uint16_t)used;
	memcpy(buf, &size16, 2);
	memcpy(buf + 2, &nseq, 2);
	return used;
}

uint64_t emu_sys_rdall(struct emu *e, unsigned lp, struct emu_regs *r)
{
	uint64_t pa = r->rdx, id = r->r8, st;
	struct md_pos p = { 0, 0 };
	unsigned idx = 0;

	r->r8 = MD_FIELD_ID_NONE;
	if (!e->lp_init[lp]) {
		st = TDX_SYS_LP_INIT_NOT_DONE;
		goto out;
	}
	if (!emu_shared_hpa_ok(e, pa, EMU_4K)) {
		st = emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RDX);
		goto out;
	}
	/* A start ID must begin a field and carry its element size
	 * (M15 md_check_field_and_get_entry). */
	if (!EMU_MD_IS_NULL(id) &&
	    (!md_find(id, &p.fi, &idx) || idx % fields[p.fi].nelem ||
	     MD_ELEMENT_SIZE_CODE(id) != MD_ELEMENT_SIZE_CODE(fields[p.fi].id))) {
		st = TDX_METADATA_FIELD_ID_INCORRECT;
		goto out;
	}

	p.field = idx / fields[p.fi].nelem;
	if (emu_write(e, pa, e->md_list, dump_list(e, &p))) {
		st = emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RDX);
		goto out;
	}
	if (p.fi < NFIELDS) {
		r->r8 = element_id(p.fi, p.field * fields[p.fi].nelem);
		st = TDX_METADATA_LIST_OVERFLOW;
		goto out;
	}
	st = TDX_SUCCESS;
out:
	return st;
}

/* ---- TDH.SYS.INFO (legacy; §5.1) ---------------------------------------- */

static void fill_sysinfo(const struct emu *e, struct tdx_sysinfo *s)
{
	memset(s, 0, sizeof(*s));
	s->vendor_id = 0x8086;
	s->build_date = e->module.build_date;
	s->build_num = e->module.build_num;
	s->minor_version = e->module.minor;
	s->major_version = e->module.major;
	s->sys_rd = 1;
	s->max_tdmrs = e->module.max_tdmrs;
	s->max_reserved_per_tdmr = EMU_MAX_RSVD;
	s->pamt_entry_size = EMU_PAMT_ENTRY_SIZE;
	s->tdcs_base_size = EMU_TDCS_PAGES * 4096;
	s->tdvps_base_size = EMU_TDVPS_PAGES * 4096;
	s->attributes_fixed0 = EMU_ATTRIBUTES_FIXED0;
	s->attributes_fixed1 = EMU_ATTRIBUTES_FIXED1;
	s->xfam_fixed0 = emu_xfam_fixed0(e);
	s->xfam_fixed1 = EMU_XFAM_FIXED1;
	s->num_cpuid_config = EMU_NUM_CPUID_CONFIG;
	for (unsigned i = 0; i < EMU_NUM_CPUID_CONFIG; i++) {
		const struct emu_cpuid_config *c = &emu_cpuid_configs[i];

		s->cpuid_configs[i] = (struct tdx_cpuid_config){
			c->leaf, c->subleaf, c->mask[0], c->mask[1], c->mask[2], c->mask[3]
		};
	}
}

uint64_t emu_sys_info(struct emu *e, unsigned lp, struct emu_regs *r)
{
	uint64_t info_pa = r->rcx, size = r->rdx, cmr_pa = r->r8, ncmr = r->r9, st;
	static const struct tdx_sysinfo zero;
	struct tdx_sysinfo s;
	struct tdx_cmr_info cmr[TDX_MAX_CMRS];

	r->rdx = 0;
	r->r9 = 0;
	if (!e->lp_init[lp]) {
		st = TDX_SYS_LP_INIT_NOT_DONE;
		goto out;
	}
	/* A buffer that is not RAM fails like a bad address. */
	if (!emu_shared_hpa_ok(e, info_pa, TDX_SYSINFO_ALIGN)) {
		st = emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
		goto out;
	}
	if (size < TDX_SYSINFO_SIZE) {
		st = emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RDX);
		goto out;
	}
	/* M15 clears the output before it looks at the CMR operands. */
	if (emu_write(e, info_pa, &zero, sizeof(zero))) {
		st = emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
		goto out;
	}
	if (!emu_shared_hpa_ok(e, cmr_pa, sizeof(cmr))) {
		st = emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_R8);
		goto out;
	}
	if (ncmr < TDX_MAX_CMRS) {
		st = emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_R9);
		goto out;
	}

	fill_sysinfo(e, &s);
	for (unsigned i = 0; i < TDX_MAX_CMRS; i++) {
		cmr[i].base = i < e->cfg.ncmr ? e->cfg.cmr[i].base : 0;
		cmr[i].size = i < e->cfg.ncmr ? e->cfg.cmr[i].size : 0;
	}
	if (emu_write(e, info_pa, &s, sizeof(s))) {
		st = emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
		goto out;
	}
	if (emu_write(e, cmr_pa, cmr, sizeof(cmr))) {
		st = emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_R8);
		goto out;
	}
	r->rdx = TDX_SYSINFO_SIZE;
	r->r9 = TDX_MAX_CMRS;
	st = TDX_SUCCESS;
out:
	return st;
}
