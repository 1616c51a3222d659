/* TD and vCPU construction and metadata leaves of the emulated module:
 * TDH.MNG.CREATE, KEY.CONFIG, ADDCX, INIT, RD, WR, KEY.RECLAIMID and
 * TDH.VP.CREATE, ADDCX, INIT, RD, WR (tdx-abi.md §2.3, §2.4, §5.7, §6.1,
 * §6.2, §6.4, §6.5). Teardown leaves are in td_teardown.c.
 *
 * Check order, status codes and operand IDs follow the 1.5.01 handlers
 * (M15 src/vmm_dispatcher/api_calls/tdh_mng_create.c, tdh_mng_key_config.c,
 * tdh_mng_add_cx.c, tdh_mng_init.c, tdh_mng_rd_wr.c, tdh_vp_create.c,
 * tdh_vp_addcx.c, tdh_vp_init.c, tdh_vp_rd_wr.c) and their helpers
 * (helpers.c check_lock_and_map_explicit_tdr, check_state_map_tdcs_and_lock,
 * verify_td_attributes, check_xfam, verify_and_set_td_eptp_controls,
 * associate_vcpu; metadata_generic.c / metadata_td.c / metadata_vp.c).
 * Field IDs and read/write masks are 1.5.01's (include/auto_gen/
 * tdr_tdcs_fields_lookup.c, tdvps_fields_lookup.c, td_vmcs_fields_lookup.c).
 *
 * Where the emulator keeps less state than a real TDCS/TDVPS, the metadata
 * leaves expose a subset of the fields (see the tables below); the others
 * answer TDX_METADATA_FIELD_ID_INCORRECT as an unknown ID would. */
#include <string.h>
#include "seam/emu/td.h"

static const uint8_t zero_page[4096];

static int zero_fill(struct emu *e, uint64_t pa)
{
	return emu_write(e, pa, zero_page, sizeof(zero_page));
}

static void pamt_assign(struct emu *e, uint64_t pa, unsigned pt, uint64_t owner)
{
	struct emu_pamt_entry pe = { pt, owner, 0 };

	/* A refused write is counted in stats.mem_errors by emu_pamt_set. */
	(void)emu_pamt_set(e, pa, TDX_PS_4K, &pe);
}

/* ---- Operand and state helpers (emu_internal.h) ------------------------- */

uint64_t emu_tdr_operand(struct emu *e, uint64_t pa, unsigned operand, bool exclusive,
			 struct emu_td **out)
{
	struct emu_td *td;
	uint64_t st = emu_check_typed_page(e, pa, PT_TDR, 0, operand);

	if (st)
		return st;
	td = emu_td_find(e, pa);
	if (!td)
		return emu_op(TDX_PAGE_METADATA_INCORRECT, operand);
	/* The PAMT lock of an explicit operand reports busy with the operand's
	 * own ID (M15 check_lock_and_map_explicit_tdr). */
	if (exclusive && td->vcpus_running)
		return emu_op(TDX_OPERAND_BUSY, operand);
	*out = td;
	return TDX_SUCCESS;
}

uint64_t emu_tdvpr_operand(struct emu *e, uint64_t pa, unsigned operand, bool exclusive,
			   struct emu_vcpu **out, struct emu_td **td)
{
	struct emu_vcpu *v;
	uint64_t st = emu_check_typed_page(e, pa, PT_TDVPR, 0, operand);

	if (st)
		return st;
	v = emu_vcpu_find(e, pa);
	if (!v || v->td >= EMU_MAX_TDS || !e->tds[v->td].tdr_pa)
		return emu_op(TDX_PAGE_METADATA_INCORRECT, operand);
	/* TDH.VP.ENTER holds the TDVPR lock shared (M15 tdh_vp_enter.c). */
	if (exclusive && v->running)
		return emu_op(TDX_OPERAND_BUSY, operand);
	*out = v;
	*td = &e->tds[v->td];
	return TDX_SUCCESS;
}

uint64_t emu_td_build_state(const struct emu_td *td, unsigned leaf)
{
	uint64_t st;

	/* M15 check_td_in_correct_build_state(): fatal first (the gate in
	 * pamt.c says which leaves still run on a fatal TD). */
	if (td->fatal && (st = emu_td_op_state_check(td, leaf)) != TDX_SUCCESS)
		return st;
	if (td->lifecycle != TD_LIFECYCLE_KEYS_CONFIGURED)
		return TDX_TD_KEYS_NOT_CONFIGURED;
	if (td->ntdcs < EMU_TDCS_PAGES)
		return TDX_TDCS_NOT_ALLOCATED;
	return emu_td_op_state_check(td, leaf);
}

/* ---- TDH.MNG.CREATE ----------------------------------------------------- */

/* The KOT: an HKID is taken from MNG.CREATE until MNG.KEY.FREEID; the
 * global KeyID is reserved by TDH.SYS.CONFIG (M15 KOT_STATE_HKID_RESERVED). */
static bool hkid_free(const struct emu *e, unsigned hkid)
{
	if (hkid == e->global_keyid)
		return false;
	for (unsigned i = 0; i < EMU_MAX_TDS; i++) {
		const struct emu_td *td = &e->tds[i];

		if (td->tdr_pa && td->hkid == hkid && td->lifecycle != TD_LIFECYCLE_TEARDOWN)
			return false;
	}
	return true;
}

uint64_t emu_mng_create(struct emu *e, unsigned lp, struct emu_regs *r)
{
	uint64_t tdr_pa = r->rcx, st;
	unsigned hkid = (unsigned)(r->rdx & 0xffffu);
	struct emu_td *td = NULL;

	(void)lp;
	/* RDX 63:16 reserved; 15:0 a TDX private HKID (M15 is_private_hkid). */
	if ((r->rdx >> 16) || hkid < e->hkid_min || hkid > e->hkid_max)
		return emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RDX);
	st = emu_check_free_page(e, tdr_pa, TDX_OPERAND_ID_RCX);
	if (st)
		return st;
	if (!hkid_free(e, hkid))
		return TDX_HKID_NOT_FREE;
	for (unsigned i = 0; i < EMU_MAX_TDS && !td; i++)
		if (!e->tds[i].tdr_pa)
			td = &e->tds[i];
	/* The emulator's own limit (a TD keeps its slot until its TDR is
	 * reclaimed); 1.5.01 has none besides the HKIDs. */
	if (!td)
		return TDX_NUM_ACTIVATED_HKIDS_NOT_SUPPORTED;
	if (zero_fill(e, tdr_pa))
		return emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);

	memset(td, 0, sizeof(*td));
	td->tdr_pa = tdr_pa;
	td->hkid = (uint16_t)hkid;
	td->lifecycle = TD_LIFECYCLE_HKID_ASSIGNED;
	td->op_state = TD_OP_UNINITIALIZED;
	td->epoch = 1;
	/* M15 sets the TDR's PAMT owner to 0: a TDR owns itself implicitly. */
	pamt_assign(e, tdr_pa, PT_TDR, 0);
	return TDX_SUCCESS;
}

/* ---- TDH.MNG.KEY.CONFIG ------------------------------------------------- */

uint64_t emu_mng_key_config(struct emu *e, unsigned lp, struct emu_regs *r)
{
	struct emu_td *td;
	uint32_t bit = 1u << e->cfg.lp_pkg[lp];
	uint64_t st = emu_tdr_operand(e, r->rcx, TDX_OPERAND_ID_RCX, true, &td);

	if (st)
		return st;
	if (td->fatal)
		return TDX_TD_FATAL;
	/* Once every package is done the lifecycle moved on, so even a
	 * repeated package answers LIFECYCLE_STATE_INCORRECT then (M15). */
	if (td->lifecycle != TD_LIFECYCLE_HKID_ASSIGNED)
		return TDX_LIFECYCLE_STATE_INCORRECT;
	if (td->pkg_keyed & bit)
		return TDX_KEY_CONFIGURED;
	td->pkg_keyed |= bit;
	if (td->pkg_keyed == emu_all_pkgs(e))
		td->lifecycle = TD_LIFECYCLE_KEYS_CONFIGURED;
	return TDX_SUCCESS;
}

/* ---- TDH.MNG.ADDCX ------------------------------------------------------ */

uint64_t emu_mng_addcx(struct emu *e, unsigned lp, struct emu_regs *r)
{
	struct emu_td *td;
	uint64_t pa = r->rcx;
	uint64_t st = emu_tdr_operand(e, r->rdx, TDX_OPERAND_ID_RDX, true, &td);

	(void)lp;
	if (st)
		return st;
	if (td->fatal)
		return TDX_TD_FATAL;
	if (td->lifecycle != TD_LIFECYCLE_KEYS_CONFIGURED)
		return TDX_TD_KEYS_NOT_CONFIGURED;
	st = emu_check_free_page(e, pa, TDX_OPERAND_ID_RCX);
	if (st)
		return st;
	/* M15 can read OP_STATE only once the TDCS pages exist and checks it
	 * for pages beyond them (up to 9 with L2 VMs). This emulator has no L2
	 * VMs: a 7th page is refused as TDX_TDCX_NUM_INCORRECT, after the
	 * OP_STATE check that 1.5.01 would apply to it. */
	if (td->ntdcs >= EMU_TDCS_PAGES) {
		st = emu_td_op_state_check(td, TDH_MNG_ADDCX);
		return st ? st : TDX_TDCX_NUM_INCORRECT;
	}
	if (zero_fill(e, pa))
		return emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	td->tdcs_pa[td->ntdcs++] = pa;
	td->child_pages++;
	pamt_assign(e, pa, PT_TDCX, td->tdr_pa);
	return TDX_SUCCESS;
}

/* ---- TDH.MNG.INIT ------------------------------------------------------- */

/* XFAM bits with combination rules (M15 ia32_xcr0_t, check_xfam). */
#define XFAM_AVX		(1ull << 2)
#define XFAM_AVX512_KMASK	(1ull << 5)
#define XFAM_AVX512_ZMM_HI256	(1ull << 6)
#define XFAM_AVX512_HI16_ZMM	(1ull << 7)
#define XFAM_CET_U		(1ull << 11)
#define XFAM_CET_S		(1ull << 12)
#define XFAM_AMX_TILECFG	(1ull << 17)
#define XFAM_AMX_TILEDATA	(1ull << 18)

/* Both bits of a pair set, or neither. */
static bool pair(uint64_t v, uint64_t a, uint64_t b)
{
	return !(v & a) == !(v & b);
}

static bool attributes_ok(uint64_t a)
{
	if ((a & ~EMU_ATTRIBUTES_FIXED0) || (a & EMU_ATTRIBUTES_FIXED1) != EMU_ATTRIBUTES_FIXED1)
		return false;
	/* A migratable TD is neither a debug TD nor PERFMON. */
	return !(a & TDX_TD_ATTR_MIGRATABLE) || !(a & (TDX_TD_ATTR_DEBUG | TDX_TD_ATTR_PERFMON));
}

static bool xfam_ok(const struct emu *e, uint64_t x)
{
	if ((x & ~emu_xfam_fixed0(e)) || (x & EMU_XFAM_FIXED1) != EMU_XFAM_FIXED1)
		return false;
	if ((x & XFAM_AVX512_KMASK) && !(x & XFAM_AVX))
		return false;
	return pair(x, XFAM_AVX512_KMASK, XFAM_AVX512_ZMM_HI256) &&
	       pair(x, XFAM_AVX512_KMASK, XFAM_AVX512_HI16_ZMM) &&
	       pair(x, XFAM_CET_U, XFAM_CET_S) &&
	       pair(x, XFAM_AMX_TILECFG, XFAM_AMX_TILEDATA);
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/* CPUID(1).EAX family/model without the stepping (M15 cpuid_fms.c). */
#define FMS_STEPPING_MASK	0xfu

/* M15 read_and_set_cpuid_configurations(), for the configurable leaves:
 * only CONFIG_DIRECT | ALLOW_DIRECT bits may be 1; CPUID(1).EAX is 0 (the
 * platform's) or, for a non-migratable TD, the platform's FMS, for a
 * migratable one the platform's family/model at a stepping not above it
 * (the emulator's ALLOWED_FMS list holds the platform only); HLE == RTM.
 * *info gets the extended error information of RCX. */
static uint64_t check_cpuid(const struct emu *e, const struct tdx_td_params *p,
			    uint32_t out[EMU_NUM_CPUID_CONFIG][4], uint64_t *info)
{
	uint32_t fms = e->cfg.pkg_fms[0];

	for (unsigned i = 0; i < EMU_NUM_CPUID_CONFIG; i++) {
		const struct emu_cpuid_config *c = &emu_cpuid_configs[i];
		const struct tdx_cpuid_value *in = &p->cpuid_values[i];
		uint32_t v[4] = { in->eax, in->ebx, in->ecx, in->edx };
		uint64_t leaf_subleaf = (uint64_t)c->subleaf << 32 | c->leaf;

		for (unsigned j = 0; j < 4; j++) {
			if (v[j] & ~c->mask[j]) {
				*info = leaf_subleaf;
				return emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_CPUID_CONFIG);
			}
		}
		if (c->leaf == 1) {
			bool same = v[0] == fms;

			if (v[0] == 0)
				v[0] = fms, same = true;
			if (!same && (p->attributes & TDX_TD_ATTR_MIGRATABLE))
				same = (v[0] & ~FMS_STEPPING_MASK) == (fms & ~FMS_STEPPING_MASK) &&
				       (v[0] & FMS_STEPPING_MASK) <= (fms & FMS_STEPPING_MASK);
			if (!same) {
				*info = leaf_subleaf;
				return emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_CPUID_CONFIG);
			}
		}
		/* CPUID(7,0).EBX bit 4 HLE and bit 11 RTM (M15: no RCX info). */
		if (c->leaf == 7 && c->subleaf == 0 && !pair(v[1], 1u << 4, 1u << 11))
			return emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_CPUID_CONFIG);
		memcpy(out[i], v, sizeof(v));
	}
	return TDX_SUCCESS;
}

/* TD_PARAMS in M15 read_and_set_td_configurations() order. Reserved
 * fields answer TDX_OPERAND_INVALID + RDX (the TD_PARAMS operand). */
static uint64_t check_td_params(const struct emu *e, const struct tdx_td_params *p,
				uint32_t cpuid[EMU_NUM_CPUID_CONFIG][4], uint64_t *info)
{
	uint64_t st;

	if (!attributes_ok(p->attributes))
		return emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_ATTRIBUTES);
	if (!xfam_ok(e, p->xfam))
		return emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_XFAM);
	/* 1.5.01 only refuses 0; the emulator's slots bound it above. */
	if (p->max_vcpus == 0 || p->max_vcpus > EMU_MAX_VCPUS_PER_TD)
		return emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_MAX_VCPUS);
	/* 1.5.01 accepts up to 3 L2 VMs; the emulator supports none. */
	if (p->num_l2_vms)
		return emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_NUM_L2_VMS);
	if (p->reserved0)
		return emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RDX);
	if ((p->config_flags & ~EMU_CONFIG_FLAGS_FIXED0) ||
	    (p->config_flags & EMU_CONFIG_FLAGS_FIXED1) != EMU_CONFIG_FLAGS_FIXED1)
		return emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_EXEC_CONTROLS);
	/* WB, 4-level, no A/D, no SSS, PA 0. 5-level (0x26) needs PML5 in
	 * IA32_VMX_EPT_VPID_CAP, which the emulated platform does not report;
	 * CONFIG_FLAGS.GPAW needs 5-level, so it fails here too (M15
	 * verify_and_set_td_eptp_controls). */
	if (p->eptp_controls != TDX_EPTP_CONTROLS_PWL4 || (p->config_flags & TDX_CONFIG_FLAGS_GPAW))
		return emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_EPTP_CONTROLS);
	if (p->tsc_frequency < TDX_TSC_FREQ_MIN || p->tsc_frequency > TDX_TSC_FREQ_MAX)
		return emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_TSC_FREQUENCY);
	if (!all_zero(p->reserved1, sizeof(p->reserved1)) ||
	    (p->msr_config_ctls & ~TDX_TD_MSR_CONFIG_ARCH_CAP) ||
	    !all_zero(p->reserved2, sizeof(p->reserved2)))
		return emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RDX);
	st = check_cpuid(e, p, cpuid, info);
	if (st)
		return st;
	/* CPUID_VALUES past NUM_CPUID_CONFIG are reserved. */
	if (!all_zero(&p->cpuid_values[EMU_NUM_CPUID_CONFIG],
		      sizeof(p->cpuid_values) - EMU_NUM_CPUID_CONFIG * sizeof(p->cpuid_values[0])))
		return emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RDX);
	/* M15 init_virt_ia32_arch_capabilities(). */
	if ((!(p->msr_config_ctls & TDX_TD_MSR_CONFIG_ARCH_CAP) && p->ia32_arch_capabilities_config) ||
	    (p->ia32_arch_capabilities_config & ~EMU_ARCH_CAP_CONFIG_MASK))
		return emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_IA32_ARCH_CAPABILITIES_CONFIG);
	return TDX_SUCCESS;
}

uint64_t emu_mng_init(struct emu *e, unsigned lp, struct emu_regs *r)
{
	struct emu_td *td;
	struct tdx_td_params p;
	uint32_t cpuid[EMU_NUM_CPUID_CONFIG][4];
	uint64_t tdr_pa = r->rcx, params_pa = r->rdx, info = 0, st;

	(void)lp;
	r->rcx = 0;	/* extended error information (CPUID_CONFIG leaf) */
	st = emu_tdr_operand(e, tdr_pa, TDX_OPERAND_ID_RCX, true, &td);
	if (st)
		return st;
	st = emu_td_build_state(td, TDH_MNG_INIT);
	if (st)
		return st;
	if (!emu_shared_hpa_ok(e, params_pa, TDX_TD_PARAMS_ALIGN) ||
	    emu_read(e, params_pa, &p, sizeof(p)))
		return emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RDX);
	st = check_td_params(e, &p, cpuid, &info);
	if (st) {
		r->rcx = info;
		return st;
	}
	/* The S-EPT root: all entries free (sept.c). */
	if (zero_fill(e, td->tdcs_pa[EMU_TDCS_SEPT_ROOT]))
		return emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);

	td->attributes = p.attributes;
	td->xfam = p.xfam;
	td->eptp_controls = p.eptp_controls;
	td->config_flags = p.config_flags;
	td->max_vcpus = p.max_vcpus;
	td->tsc_frequency = p.tsc_frequency;
	memcpy(td->mrconfigid, p.mrconfigid, sizeof(td->mrconfigid));
	memcpy(td->mrowner, p.mrowner, sizeof(td->mrowner));
	memcpy(td->mrownerconfig, p.mrownerconfig, sizeof(td->mrownerconfig));
	memcpy(td->cpuid, cpuid, sizeof(td->cpuid));
	td->gpaw = 48;
	td->levels = 4;
	td->num_vcpus = 0;
	td->num_init_vcpus = 0;
	td->epoch = 1;
	td->running_in_epoch[0] = td->running_in_epoch[1] = 0;
	sha384_init(&td->mrtd_ctx);
	memset(td->mrtd, 0, sizeof(td->mrtd));
	memset(td->rtmr, 0, sizeof(td->rtmr));
	td->op_state = TD_OP_INITIALIZED;
	return TDX_SUCCESS;
}

/* ---- TDH.VP.CREATE / ADDCX / INIT --------------------------------------- */

uint64_t emu_vp_create(struct emu *e, unsigned lp, struct emu_regs *r)
{
	struct emu_td *td;
	struct emu_vcpu *v = NULL;
	uint64_t pa = r->rcx;
	/* M15 locks the TDR shared here. */
	uint64_t st = emu_tdr_operand(e, r->rdx, TDX_OPERAND_ID_RDX, false, &td);

	(void)lp;
	if (st)
		return st;
	st = emu_td_build_state(td, TDH_VP_CREATE);
	if (st)
		return st;
	st = emu_check_free_page(e, pa, TDX_OPERAND_ID_RCX);
	if (st)
		return st;
	/* MAX_VCPUS is enforced by TDH.VP.INIT (M15); here only the
	 * emulator's vCPU slots can run out. */
	for (unsigned i = 0; i < EMU_MAX_VCPUS && !v; i++)
		if (!e->vcpus[i].tdvpr_pa)
			v = &e->vcpus[i];
	if (!v)
		return TDX_MAX_VCPUS_EXCEEDED;
	if (zero_fill(e, pa))
		return emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);

	memset(v, 0, sizeof(*v));
	v->tdvpr_pa = pa;
	v->td = emu_td_index(e, td);
	v->state = EMU_VCPU_CREATED;
	v->assoc_lp = -1;
	td->num_vcpus++;
	td->child_pages++;
	pamt_assign(e, pa, PT_TDVPR, td->tdr_pa);
	return TDX_SUCCESS;
}

uint64_t emu_vp_addcx(struct emu *e, unsigned lp, struct emu_regs *r)
{
	struct emu_td *td;
	struct emu_vcpu *v;
	uint64_t pa = r->rcx;
	uint64_t st = emu_tdvpr_operand(e, r->rdx, TDX_OPERAND_ID_RDX, true, &v, &td);

	(void)lp;
	if (st)
		return st;
	st = emu_td_build_state(td, TDH_VP_ADDCX);
	if (st)
		return st;
	if (v->state != EMU_VCPU_CREATED)
		return TDX_VCPU_STATE_INCORRECT;
	if (v->ntdcx >= EMU_TDCX_PAGES)
		return TDX_TDCX_NUM_INCORRECT;
	st = emu_check_free_page(e, pa, TDX_OPERAND_ID_RCX);
	if (st)
		return st;
	if (zero_fill(e, pa))
		return emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	v->tdcx_pa[v->ntdcx++] = pa;
	td->child_pages++;
	pamt_assign(e, pa, PT_TDCX, td->tdr_pa);
	return TDX_SUCCESS;
}

/* M15 vmcs_defs.h: the "not yet written" values of the posted-interrupt
 * vector and descriptor address (init_tdvps_fields, td_vmcs_init.c). */
#define PI_NV_INIT		0xffffull
#define PI_DESC_INIT		(~0ull)

uint64_t emu_vp_init(struct emu *e, unsigned lp, struct emu_regs *r)
{
	struct emu_td *td;
	struct emu_vcpu *v;
	unsigned index;
	uint64_t st = emu_tdvpr_operand(e, r->rcx, TDX_OPERAND_ID_RCX, true, &v, &td);

	if (st)
		return st;
	st = emu_td_build_state(td, TDH_VP_INIT);
	if (st)
		return st;
	if (v->ntdcx < EMU_TDCX_PAGES)
		return TDX_TDCX_NUM_INCORRECT;
	if (v->state != EMU_VCPU_CREATED)
		return TDX_VCPU_STATE_INCORRECT;
	if (td->num_init_vcpus >= td->max_vcpus)
		return TDX_MAX_VCPUS_EXCEEDED;

	index = td->num_init_vcpus++;
	memset(v->gpr, 0, sizeof(v->gpr));
	/* §6.5 (M15 init_vcpu_gprs_and_registers). */
	v->gpr[EMU_GPR_RBX] = td->gpaw;
	v->gpr[EMU_GPR_RCX] = r->rdx;
	v->gpr[EMU_GPR_R8] = r->rdx;
	v->gpr[EMU_GPR_RDX] = e->cfg.pkg_fms[e->cfg.lp_pkg[lp]];
	v->gpr[EMU_GPR_RSI] = index;
	v->index = index;
	v->init_rcx = r->rdx;
	v->state = EMU_VCPU_READY;
	v->launched = false;
	v->vmcs_loaded = false;
	v->entry_epoch = 0;
	v->shared_eptp = 0;
	v->posted_intr_nv = PI_NV_INIT;
	v->posted_intr_desc = PI_DESC_INIT;
	v->pin_based = 0;
	v->pend_nmi = 0;
	v->in_vmcall = false;
	v->vmcall_gprs = 0;
	v->ve_valid = false;
	/* TDH.VP.INIT leaves the vCPU associated with this LP (M15
	 * associate_vcpu_initial): entering it elsewhere needs TDH.VP.FLUSH
	 * here first. */
	v->assoc_lp = (int)lp;
	return TDX_SUCCESS;
}

/* ---- Metadata: TDH.MNG.RD/WR, TDH.VP.RD/WR -------------------------------
 * A table per context in M15's order (class, then field code). Each row is
 * a run of `count` elements of one field ID; masks are per access type and
 * already cut to the element size. */
enum md_key {
	/* TD scope (tdr_tdcs_fields_lookup.c) */
	TK_FATAL, TK_NUM_TDCX, TK_CHLDCNT, TK_LIFECYCLE, TK_TDCX_PA, TK_HKID,
	TK_PKG_CONFIG, TK_NUM_VCPUS, TK_NUM_ASSOC, TK_OP_STATE, TK_NUM_L2,
	TK_ATTRIBUTES, TK_XFAM, TK_MAX_VCPUS, TK_GPAW, TK_EPTP, TK_TSC_OFFSET,
	TK_TSC_MULT, TK_TSC_FREQ, TK_NUM_CPUID, TK_CONFIG_FLAGS, TK_EPOCH,
	TK_MRTD, TK_MRCONFIGID, TK_MROWNER, TK_MROWNERCONFIG, TK_RTMR, TK_CPUID,
	/* vCPU scope (td_vmcs_fields_lookup.c, tdvps_fields_lookup.c) */
	VK_PI_NV, VK_PI_DESC, VK_SHARED_EPTP, VK_PIN_BASED, VK_GPR, VK_VCPU_INDEX,
	VK_NUM_TDVPS_PAGES, VK_ASSOC_LPID, VK_PEND_NMI, VK_XFAM,
};

/* Row attributes (M15 md_field_attributes_t and special handling). */
#define MDA_SHARED_HPA		1u	/* HPA, shared: checked on write */
#define MDA_INIT_INVALID	2u	/* initial value is the invalid PA (-1) */
#define MDA_CPUID		4u	/* field code encodes leaf/subleaf */

struct md_row {
	uint64_t id;
	uint16_t count;
	uint8_t key, attr;
	uint64_t rd_prod, wr_prod, rd_dbg, wr_dbg;
};

#define M8	0xffull
#define M16	0xffffull
#define M32	0xffffffffull
#define M64	(~0ull)
/* Read-only everywhere; readable by the host always / in debug TDs only. */
#define RO(id, n, key, m)	{ (id), (n), (key), 0, (m), 0, (m), 0 }
#define DBG_RO(id, n, key, m)	{ (id), (n), (key), 0, 0, 0, (m), 0 }

/* TDH.MNG.RD fields (M15 tdr_tdcs_fields_lookup.c). None is host-writable
 * in this subset (1.5.01's writable ones, HP_LOCK_TIMEOUT, NOTIFY_ENABLES
 * and VM_CTLS, have no emulator state and are left out). */
static const struct md_row td_rows[] = {
	RO(0x8010000000000001ull, 1, TK_FATAL, M8),
	RO(0x8010000200000002ull, 1, TK_NUM_TDCX, M32),
	RO(0x8010000300000004ull, 1, TK_CHLDCNT, M64),
	RO(0x8010000200000005ull, 1, TK_LIFECYCLE, M32),
	RO(0x8010000300000010ull, 9, TK_TDCX_PA, M64),
	RO(0x8110000100000001ull, 1, TK_HKID, M16),
	RO(0x8110000300000002ull, 1, TK_PKG_CONFIG, M64),
	RO(0x9010000200000001ull, 1, TK_NUM_VCPUS, M32),
	RO(0x9010000200000002ull, 1, TK_NUM_ASSOC, M32),
	RO(0x9010000200000004ull, 1, TK_OP_STATE, M32),
	RO(0x9010000100000005ull, 1, TK_NUM_L2, M16),
	RO(0x1110000300000000ull, 1, TK_ATTRIBUTES, M64),
	RO(0x1110000300000001ull, 1, TK_XFAM, M64),
	RO(0x1110000200000002ull, 1, TK_MAX_VCPUS, M32),
	RO(0x1110000000000003ull, 1, TK_GPAW, M8),
	RO(0x1110000300000004ull, 1, TK_EPTP, M64),
	/* = MD_TD_TSC_OFFSET / MULTIPLIER with M15's size and context bits. */
	RO(0x111000030000000aull, 1, TK_TSC_OFFSET, M64),
	RO(0x111000030000000bull, 1, TK_TSC_MULT, M64),
	RO(0x111000010000000cull, 1, TK_TSC_FREQ, M16),
	RO(0x911000010000000eull, 1, TK_NUM_CPUID, M16),
	RO(MD_TDG_TDCS_CONFIG_FLAGS, 1, TK_CONFIG_FLAGS, M64),
	RO(0x9210000300000000ull, 1, TK_EPOCH, M64),
	RO(0x1310000300000000ull, 6, TK_MRTD, M64),
	RO(0x1310000300000010ull, 6, TK_MRCONFIGID, M64),
	RO(0x1310000300000018ull, 6, TK_MROWNER, M64),
	RO(0x1310000300000020ull, 6, TK_MROWNERCONFIG, M64),
	DBG_RO(0x1310000300000040ull, 4 * 6, TK_RTMR, M64),
	{ MD_TD_CPUID_VALUES, 2 * EMU_NUM_CPUID_CONFIG, TK_CPUID, MDA_CPUID, M64, 0, M64, 0 },
};

/* M15 td_vmcs_fields_lookup.c (class 0, field code = VMCS encoding) and
 * tdvps_fields_lookup.c. GPRs: debug TDs only; RSP lives in the VMCS and
 * its placeholder is never accessible. */
#define EMU_MD_VP_PI_NV		MD_VP_PI_NV
#define EMU_MD_VP_PI_DESC	MD_VP_PI_DESC
#define EMU_MD_VP_PIN_BASED	0x0024000200004000ull
#define EMU_MD_VP_GPR		0x1020000300000000ull
#define VMCS_PIN_POSTED_INTR	(1ull << 7)
#define VMCS_ENC(id)		((unsigned)MD_FIELD_CODE(id))

static const struct md_row vp_rows[] = {
	{ EMU_MD_VP_PI_NV, 1, VK_PI_NV, 0, M16, M16, M16, M16 },
	{ EMU_MD_VP_PI_DESC, 1, VK_PI_DESC, MDA_SHARED_HPA | MDA_INIT_INVALID,
	  M64, ~0x3full, M64, ~0x3full },
	{ MD_VP_SHARED_EPTP, 1, VK_SHARED_EPTP, MDA_SHARED_HPA,
	  MD_VP_SHARED_EPTP_WRITE_MASK, MD_VP_SHARED_EPTP_WRITE_MASK, M64, MD_VP_SHARED_EPTP_WRITE_MASK },
	{ EMU_MD_VP_PIN_BASED, 1, VK_PIN_BASED, 0,
	  VMCS_PIN_POSTED_INTR, VMCS_PIN_POSTED_INTR, M32, VMCS_PIN_POSTED_INTR },
	{ EMU_MD_VP_GPR, EMU_GPR_RSP, VK_GPR, 0, 0, 0, M64, M64 },
	{ EMU_MD_VP_GPR + EMU_GPR_RSP, 1, VK_GPR, 0, 0, 0, 0, 0 },
	{ EMU_MD_VP_GPR + EMU_GPR_RBP, EMU_NGPRS - EMU_GPR_RBP, VK_GPR, 0, 0, 0, M64, M64 },
	RO(0xa020000200000002ull, 1, VK_VCPU_INDEX, M32),
	RO(0xa020000000000003ull, 1, VK_NUM_TDVPS_PAGES, M8),
	RO(0xa020000200000004ull, 1, VK_ASSOC_LPID, M32),
	/* = MD_VP_PEND_NMI with M15's context bits. */
	{ 0x202000000000000bull, 1, VK_PEND_NMI, 0, M8, M8, M8, M8 },
	RO(0x202000030000000cull, 1, VK_XFAM, M64),
};

#define NROWS(t)	(sizeof(t) / sizeof((t)[0]))

struct md_ctx {
	struct emu *e;
	struct emu_td *td;
	struct emu_vcpu *v;		/* NULL for TD scope */
	const struct md_row *rows;
	size_t nrows;
	bool debug;			/* ATTRIBUTES.DEBUG: debug masks apply */
};

static uint64_t rd_mask(const struct md_ctx *c, const struct md_row *row)
{
	return c->debug ? row->rd_dbg : row->rd_prod;
}

static uint64_t wr_mask(const struct md_ctx *c, const struct md_row *row)
{
	return c->debug ? row->wr_dbg : row->wr_prod;
}

static uint64_t size_mask(uint64_t id)
{
	unsigned bits = 8u << MD_ELEMENT_SIZE_CODE(id);

	return bits == 64 ? ~0ull : (1ull << bits) - 1;
}

/* Element `idx` of a CPUID row: configurable leaf idx / 2, EBX:EAX (0) or
 * EDX:ECX (1) — the MD_TD_CPUID_FIELD encoding. */
static uint64_t cpuid_elem_id(unsigned idx)
{
	const struct emu_cpuid_config *c = &emu_cpuid_configs[idx / 2];
	bool na = c->subleaf == ~0u;

	return MD_TD_CPUID_FIELD(c->leaf, na, na ? 0 : c->subleaf, idx % 2);
}

static uint64_t elem_id(const struct md_row *row, unsigned idx)
{
	if (row->attr & MDA_CPUID)
		return cpuid_elem_id(idx);
	return (row->id & ~0xffffffull) | (MD_FIELD_CODE(row->id) + idx);
}

/* The row and element of `id`: class and field code decide; element size,
 * context and the non-architectural bit are ignored (M15 md_find_entry_idx,
 * md_check_as_single_element_id). */
static bool md_find(const struct md_ctx *c, uint64_t id, size_t *ri, unsigned *idx)
{
	uint32_t code = MD_FIELD_CODE(id);

	for (size_t i = 0; i < c->nrows; i++) {
		const struct md_row *row = &c->rows[i];
		uint32_t first = MD_FIELD_CODE(row->id);

		if (MD_CLASS(id) != MD_CLASS(row->id))
			continue;
		if (row->attr & MDA_CPUID) {
			/* leaf 31 << 16 | leaf 6:0 << 9 | na << 8 | subleaf 6:0 << 1 |
			 * element; bits 23:17 reserved. */
			uint32_t leaf = (code >> 9 & 0x7f) | (code >> 16 & 1) << 31;
			uint32_t sub = code >> 8 & 1 ? ~0u : code >> 1 & 0x7f;

			if (code >> 17)
				return false;
			for (unsigned k = 0; k < EMU_NUM_CPUID_CONFIG; k++) {
				if (emu_cpuid_configs[k].leaf == leaf &&
				    emu_cpuid_configs[k].subleaf == sub) {
					*ri = i;
					*idx = 2 * k + (code & 1);
					return true;
				}
			}
			return false;
		}
		if (code >= first && code - first < row->count) {
			*ri = i;
			*idx = code - first;
			return true;
		}
	}
	return false;
}

static void put_bytes(uint64_t *v, const uint8_t *bytes, unsigned idx)
{
	memcpy(v, bytes + 8 * idx, 8);
}

static uint64_t md_get(const struct md_ctx *c, const struct md_row *row, unsigned idx)
{
	const struct emu_td *td = c->td;
	const struct emu_vcpu *v = c->v;
	uint64_t x = 0;
	unsigned n = 0;

	switch (row->key) {
	case TK_FATAL:		x = td->fatal; break;
	case TK_NUM_TDCX:	x = td->ntdcs; break;
	case TK_CHLDCNT:	x = td->child_pages; break;
	case TK_LIFECYCLE:	x = td->lifecycle; break;
	/* M15 keeps the TDCS PAs with the TD's HKID in the KeyID bits. */
	case TK_TDCX_PA:
		x = idx < td->ntdcs ? td->tdcs_pa[idx] | (uint64_t)td->hkid << c->e->hkid_shift : 0;
		break;
	case TK_HKID:		x = td->hkid; break;
	case TK_PKG_CONFIG:	x = td->pkg_keyed; break;
	/* 1.5.01 counts NUM_VCPUS in TDH.VP.INIT. */
	case TK_NUM_VCPUS:	x = td->num_init_vcpus; break;
	case TK_NUM_ASSOC:
		for (unsigned i = 0; i < EMU_MAX_VCPUS; i++)
			if (c->e->vcpus[i].tdvpr_pa && c->e->vcpus[i].td == emu_td_index(c->e, td) &&
			    c->e->vcpus[i].assoc_lp >= 0)
				n++;
		x = n;
		break;
	case TK_OP_STATE:	x = td->op_state; break;
	case TK_NUM_L2:		x = 0; break;
	case TK_ATTRIBUTES:	x = td->attributes; break;
	case TK_XFAM:		x = td->xfam; break;
	case TK_MAX_VCPUS:	x = td->max_vcpus; break;
	case TK_GPAW:		x = td->gpaw == 52; break;
	/* EPTP_CONTROLS with the S-EPT root PA (M15 verify_and_set_td_eptp_controls). */
	case TK_EPTP:		x = td->eptp_controls | td->tdcs_pa[EMU_TDCS_SEPT_ROOT]; break;
	/* The emulated TD runs on the native TSC: offset 0, ratio 1.0 in the
	 * VMX 16.48 fixed-point format. */
	case TK_TSC_OFFSET:	x = 0; break;
	case TK_TSC_MULT:	x = 1ull << 48; break;
	case TK_TSC_FREQ:	x = td->tsc_frequency; break;
	case TK_NUM_CPUID:	x = EMU_NUM_CPUID_CONFIG; break;
	case TK_CONFIG_FLAGS:	x = td->config_flags; break;
	case TK_EPOCH:		x = td->epoch; break;
	case TK_MRTD:		put_bytes(&x, td->mrtd, idx); break;
	case TK_MRCONFIGID:	put_bytes(&x, td->mrconfigid, idx); break;
	case TK_MROWNER:	put_bytes(&x, td->mrowner, idx); break;
	case TK_MROWNERCONFIG:	put_bytes(&x, td->mrownerconfig, idx); break;
	case TK_RTMR:		put_bytes(&x, td->rtmr[idx / 6], idx % 6); break;
	case TK_CPUID:
		x = (uint64_t)td->cpuid[idx / 2][2 * (idx % 2) + 1] << 32 | td->cpuid[idx / 2][2 * (idx % 2)];
		break;
	case VK_PI_NV:		x = v->posted_intr_nv; break;
	case VK_PI_DESC:	x = v->posted_intr_desc; break;
	case VK_SHARED_EPTP:	x = v->shared_eptp; break;
	case VK_PIN_BASED:	x = v->pin_based; break;
	case VK_GPR:		x = v->gpr[MD_FIELD_CODE(row->id) + idx]; break;
	case VK_VCPU_INDEX:	x = v->index; break;
	case VK_NUM_TDVPS_PAGES: x = 1 + v->ntdcx; break;
	case VK_ASSOC_LPID:	x = (uint32_t)v->assoc_lp; break;
	case VK_PEND_NMI:	x = v->pend_nmi; break;
	case VK_XFAM:		x = td->xfam; break;
	default:		break;
	}
	return x & size_mask(row->id);
}

static void md_set(const struct md_ctx *c, const struct md_row *row, unsigned idx, uint64_t x)
{
	struct emu_vcpu *v = c->v;

	switch (row->key) {
	case VK_PI_NV:		v->posted_intr_nv = x; break;
	case VK_PI_DESC:	v->posted_intr_desc = x; break;
	case VK_SHARED_EPTP:	v->shared_eptp = x; break;
	case VK_PIN_BASED:	v->pin_based = x; break;
	case VK_GPR:		v->gpr[MD_FIELD_CODE(row->id) + idx] = x; break;
	case VK_PEND_NMI:	v->pend_nmi = (uint8_t)x; break;
	default:		break;
	}
}

/* The next readable element after (ri, idx), or the first one when ri is
 * NROWS: M15 md_get_next_element_in_context. */
static uint64_t md_next(const struct md_ctx *c, size_t ri, unsigned idx)
{
	size_t i = ri < c->nrows ? ri : 0;
	unsigned k = ri < c->nrows ? idx + 1 : 0;

	for (; i < c->nrows; i++, k = 0) {
		if (!rd_mask(c, &c->rows[i]))
			continue;
		if (k < c->rows[i].count)
			return elem_id(&c->rows[i], k);
	}
	return MD_FIELD_ID_NONE;
}

/* TDH.MNG.RD / TDH.VP.RD after the leaf's own checks: version 1 returns
 * the next readable field ID in RDX and answers the null ID with the
 * first one (TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT). */
static uint64_t md_read(const struct md_ctx *c, struct emu_regs *r, uint64_t id, unsigned version)
{
	size_t ri;
	unsigned idx;
	uint64_t m;

	if (version && EMU_MD_IS_NULL(id)) {
		r->rdx = md_next(c, c->nrows, 0);
		return TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT;
	}
	if ((id & MD_SINGLE_ELEMENT_MBZ_MASK) || !md_find(c, id, &ri, &idx))
		return TDX_METADATA_FIELD_ID_INCORRECT;
	m = rd_mask(c, &c->rows[ri]);
	if (!m)
		return TDX_METADATA_FIELD_NOT_READABLE;
	r->r8 = md_get(c, &c->rows[ri], idx) & m;
	if (version)
		r->rdx = md_next(c, ri, idx);
	return TDX_SUCCESS;
}

/* Checks on the value about to be written (M15 metadata_vp.c
 * md_vp_handle_field_attribute_on_wr, md_vp_element_vmcs_wr_handle). */
static uint64_t md_check_value(const struct md_ctx *c, const struct md_row *row, uint64_t x)
{
	if ((row->attr & MDA_SHARED_HPA) &&
	    !emu_shared_hpa_ok(c->e, x, row->key == VK_PI_DESC ? 64 : EMU_4K))
		return TDX_METADATA_FIELD_VALUE_NOT_VALID;
	switch (row->key) {
	case VK_PI_NV:
		if (x > 255)
			return TDX_METADATA_FIELD_VALUE_NOT_VALID;
		break;
	case VK_PIN_BASED:
		/* Posted interrupts need the vector and descriptor first. */
		if (x & VMCS_PIN_POSTED_INTR) {
			if (c->v->posted_intr_nv == PI_NV_INIT)
				return emu_op(TDX_TD_VMCS_FIELD_NOT_INITIALIZED, VMCS_ENC(EMU_MD_VP_PI_NV));
			if (c->v->posted_intr_desc == PI_DESC_INIT)
				return emu_op(TDX_TD_VMCS_FIELD_NOT_INITIALIZED, VMCS_ENC(EMU_MD_VP_PI_DESC));
		}
		break;
	default:
		break;
	}
	return TDX_SUCCESS;
}

/* TDH.MNG.WR / TDH.VP.WR after the leaf's own checks (M15
 * md_td_write_element, md_vp_write_element): R8 gets the old value. */
static uint64_t md_write(const struct md_ctx *c, struct emu_regs *r, uint64_t id,
			 uint64_t value, uint64_t request)
{
	const struct md_row *row;
	size_t ri;
	unsigned idx;
	uint64_t old, cur, allowed, combined, forbidden, x, st;

	if ((id & MD_SINGLE_ELEMENT_MBZ_MASK) || !md_find(c, id, &ri, &idx))
		return TDX_METADATA_FIELD_ID_INCORRECT;
	row = &c->rows[ri];
	allowed = wr_mask(c, row);
	combined = allowed & request;
	if (!combined)
		return TDX_METADATA_FIELD_NOT_WRITABLE;
	old = md_get(c, row, idx);
	/* A write of the whole element starts from 0, a partial one from the
	 * current value; an initial invalid PA counts only in its writable
	 * bits. Bits the caller asks to write but may not must keep their
	 * value. */
	cur = combined == size_mask(row->id) ? 0 : old;
	if ((row->attr & MDA_INIT_INVALID) && (cur >> 63))
		cur &= allowed;
	forbidden = request & ~allowed;
	if ((cur & forbidden) != (value & forbidden))
		return TDX_METADATA_FIELD_VALUE_NOT_VALID;
	x = (cur & ~combined) | (value & combined);
	st = md_check_value(c, row, x);
	if (st)
		return st;
	md_set(c, row, idx, x);
	r->r8 = old & rd_mask(c, row);
	return TDX_SUCCESS;
}

/* ---- TDH.MNG.RD / TDH.MNG.WR (version 0 and 1 / 0) ---------------------- */

static uint64_t mng_rdwr(struct emu *e, struct emu_regs *r, bool write)
{
	unsigned version = TDX_LEAF_VERSION(r->rax);
	uint64_t tdr_pa = r->rcx, id = r->rdx, value = r->r8, request = r->r9, st;
	struct emu_td *td;
	struct md_ctx c;

	if (!write && version)
		r->rdx = MD_FIELD_ID_NONE;
	r->r8 = 0;
	if (version > 1)
		return emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RAX);
	/* The TDR is locked shared: no busy against running vCPUs. */
	st = emu_tdr_operand(e, tdr_pa, TDX_OPERAND_ID_RCX, false, &td);
	if (st)
		return st;
	st = emu_td_build_state(td, write ? TDH_MNG_WR : TDH_MNG_RD);
	if (st)
		return st;
	c = (struct md_ctx){ e, td, NULL, td_rows, NROWS(td_rows),
			     (td->attributes & TDX_TD_ATTR_DEBUG) != 0 };
	if (write)
		return md_write(&c, r, id, value, request);
	return md_read(&c, r, id, version);
}

uint64_t emu_mng_rd(struct emu *e, unsigned lp, struct emu_regs *r)
{
	(void)lp;
	return mng_rdwr(e, r, false);
}

uint64_t emu_mng_wr(struct emu *e, unsigned lp, struct emu_regs *r)
{
	(void)lp;
	return mng_rdwr(e, r, true);
}

/* ---- TDH.VP.RD (version 0 and 1) / TDH.VP.WR ---------------------------- */

static uint64_t vp_rdwr(struct emu *e, unsigned lp, struct emu_regs *r, bool write)
{
	unsigned version = TDX_LEAF_VERSION(r->rax);
	uint64_t id = r->rdx, value = r->r8, request = r->r9, st;
	struct emu_td *td;
	struct emu_vcpu *v;
	struct md_ctx c;

	if (!write && version)
		r->rdx = MD_FIELD_ID_NONE;
	r->r8 = 0;
	if (version > 1)
		return emu_op(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RAX);
	/* The TDVPR is locked shared, as by TDH.VP.ENTER. */
	st = emu_tdvpr_operand(e, r->rcx, TDX_OPERAND_ID_RCX, false, &v, &td);
	if (st)
		return st;
	st = emu_td_build_state(td, write ? TDH_VP_WR : TDH_VP_RD);
	if (st)
		return st;
	if (v->ntdcx < EMU_TDCX_PAGES)
		return TDX_TDCX_NUM_INCORRECT;
	/* M15 check_and_associate_vcpu(): READY (a dead vCPU can still be
	 * read), then associate it with this LP. A running vCPU is
	 * associated with the LP it runs on. */
	if (!(v->state == EMU_VCPU_READY || (v->state == EMU_VCPU_DEAD && !write)))
		return TDX_VCPU_STATE_INCORRECT;
	if (v->running || (v->assoc_lp >= 0 && v->assoc_lp != (int)lp))
		return TDX_VCPU_ASSOCIATED;
	v->assoc_lp = (int)lp;
	c = (struct md_ctx){ e, td, v, vp_rows, NROWS(vp_rows),
			     (td->attributes & TDX_TD_ATTR_DEBUG) != 0 };
	if (write)
		return md_write(&c, r, id, value, request);
	return md_read(&c, r, id, version);
}

uint64_t emu_vp_rd(struct emu *e, unsigned lp, struct emu_regs *r)
{
	return vp_rdwr(e, lp, r, false);
}

uint64_t emu_vp_wr(struct emu *e, unsigned lp, struct emu_regs *r)
{
	return vp_rdwr(e, lp, r, true);
}

/* ---- TDH.MNG.KEY.RECLAIMID ---------------------------------------------- */

/* Kept for compatibility; 1.5 does nothing (M15 tdh_mng_key_reclaimid.c). */
uint64_t emu_mng_key_reclaimid(struct emu *e, unsigned lp, struct emu_regs *r)
{
	(void)e; (void)lp; (void)r;
	return TDX_SUCCESS;
}
