/* TDH.VP.ENTER and what the emulated module does while a TD runs
 * (seam/emu/td_run.c): tdx-abi.md §6.5-§6.6, §7.1-§7.2.
 *
 * No CPU here: a fake struct emu_cpu_ops whose run() plays a script. Each
 * step records the struct emu_vmentry it was given (inject, rip_advance,
 * init_state, launched, EPTP and a copy of the guest GPRs as the module
 * left them), then may set guest GPRs (what the guest computed before the
 * exit) and reports the step's VM exit. TDCALL is the #UD the CPU gives
 * on 66 0F 01 CC; the module reads those bytes through the guest's paging
 * and the S-EPT, so every TD here gets a small PAGE.ADD-ed image: a code
 * page with TDCALL, data pages and guest page tables for each paging mode,
 * then MR.FINALIZE. The TDs come from td_build() (test_td_fixture.c). */
#define EMU_FIXTURE_NO_MAIN
#include "test_emu_fixture.c"
#include "test_td_fixture.c"
#include "seam/emu/sept.h"
#include "seam/sha384.h"

#define SRC_PA		(320 * MiB)	/* shared source page for PAGE.ADD */
#define PI(gpa, level)	TDX_PAGE_INFO(gpa, level)
#define ERR(st, op)	((st) | TDX_OPERAND_ID_##op)
#define INFO(level, state) ((uint64_t)(level) | (uint64_t)(state) << 8)
#define SVE		(1ull << 63)
#define ARCH_LEAF(pa)	((pa) | 0x30 | 0x40 | 0x80 | SVE)	/* WB, IPAT, PS */

/* ---- The guest image (GPAs) ---------------------------------------------- */
#define CODE_GPA	0x10000ull
#define CODE2_GPA	0x11000ull	/* continues CODE: a TDCALL across both */
#define DATA_GPA	0x12000ull
#define PML4_GPA	0x13000ull	/* 4-level paging */
#define PDPT_GPA	0x14000ull
#define PD_GPA		0x15000ull	/* shared by 4-level and PAE paging */
#define PT_GPA		0x16000ull
#define PD32_GPA	0x17000ull	/* 32-bit paging */
#define PT32_GPA	0x18000ull
#define PAE_GPA		0x19000ull	/* PAE PDPT */
#define TDCALL_GPA	(CODE_GPA + 0x100)	/* 66 0F 01 CC */
#define UD2_GPA		(CODE_GPA + 0x200)	/* 0F 0B */
#define SPLIT_GPA	(CODE_GPA + 0xffe)	/* 66 0F | 01 CC */
/* Linear addresses the guest page tables map to TDCALL_GPA. */
#define LA_4K		0x400100ull	/* PD[2] -> PT[0] -> CODE */
#define LA_2M		0x610100ull	/* PD[3]: 2M page at GPA 0 */
#define LA_4M		0x810100ull	/* PD32[2]: 4M page at GPA 0 */
#define LA_NP		0x401100ull	/* PT[1] not present */
/* Private memory the host adds while the TD runs. */
#define AUG_GPA		0x20000ull	/* 4K, page table exists */
#define AUG2_GPA	0x21000ull
#define AUG2M_GPA	0x400000ull	/* 2M, PD entry free */
#define NOPT_GPA	0x600000ull	/* no page table */
#define SHARED_BIT	(1ull << 47)

#define UD_INFO		0x80000306u	/* #UD, hardware exception, valid */
#define VE_INFO		0x80000314u
#define DF_INFO		0x80000b08u	/* with error code */
#define GP_INFO		0x80000b0du
#define EXTINT_INFO	0x800000efu
#define TDCALL_LEN	4
#define TDX_NO_VALID_VE_INFO	0xc000070400000000ull
#define REPORT_KEY	"baretdx emulated TDX module: not attestable"

/* ---- The fake CPU -------------------------------------------------------- */

#define MAXSTEPS	48

struct rt;

struct step {
	struct emu_vmexit x;
	int rc;				/* run()'s return value */
	uint32_t set;			/* guest GPRs to set, bitmap */
	uint64_t gpr[EMU_NGPRS];
	void (*hook)(struct rt *rt, const struct emu_vmentry *in);
	bool take_intr;			/* the entry injects the offered vector */
};

/* One VM entry as the module asked for it. */
struct seen {
	unsigned lp;
	uint64_t vmcs_pa, eptp;
	bool launched, init_state, flush_tlb;
	uint32_t inject;
	uint64_t rip_advance;
	uint64_t gpr[EMU_NGPRS];
	uint8_t intr_vector;
};

struct fakecpu {
	struct rt *rt;
	struct step step[MAXSTEPS];
	unsigned nsteps, pos;
	struct seen seen[MAXSTEPS];
	unsigned nseen;
	unsigned nflush, flush_lp;
	uint64_t flush_pa;
};

struct rt {
	struct td_fixture *t;
	struct fixture *f;
	struct emu *e;
	struct td_handle h;
	struct emu_td *td;
	uint64_t tdr;
	uint64_t code_pa, data_pa;	/* HPAs of CODE_GPA and DATA_GPA */
	struct fakecpu cpu;
	struct emu_cpu_ops ops;
};

static int cpu_run(void *ctx, unsigned lp, const struct emu_vmentry *in, struct emu_vmexit *out)
{
	struct fakecpu *c = ctx;
	struct seen *sn;
	struct step *s;

	if (c->pos >= c->nsteps)
		fail_msg("VM entry %u with no scripted exit left", c->pos);
	assert_true(c->nseen < MAXSTEPS);
	sn = &c->seen[c->nseen++];
	sn->lp = lp;
	sn->vmcs_pa = in->vmcs_pa;
	sn->eptp = in->eptp;
	sn->launched = in->launched;
	sn->init_state = in->init_state;
	sn->flush_tlb = in->flush_tlb;
	sn->inject = in->inject;
	sn->rip_advance = in->rip_advance;
	sn->intr_vector = in->intr_vector;
	memcpy(sn->gpr, in->gpr, sizeof(sn->gpr));
	s = &c->step[c->pos++];
	if (s->hook)
		s->hook(c->rt, in);
	for (unsigned i = 0; i < EMU_NGPRS; i++)
		if (s->set & (1u << i))
			in->gpr[i] = s->gpr[i];
	*out = s->x;
	/* This CPU delivers an offered interrupt when the step says the
	 * guest could take it. */
	if (s->take_intr)
		out->delivered = in->intr_vector;
	return s->rc;
}

static void cpu_flush(void *ctx, unsigned lp, uint64_t vmcs_pa)
{
	struct fakecpu *c = ctx;

	c->nflush++;
	c->flush_lp = lp;
	c->flush_pa = vmcs_pa;
}

/* Starts a new script (and a new record of entries). */
static void script(struct rt *rt)
{
	memset(rt->cpu.step, 0, sizeof(rt->cpu.step));
	memset(rt->cpu.seen, 0, sizeof(rt->cpu.seen));
	rt->cpu.nsteps = rt->cpu.pos = rt->cpu.nseen = 0;
}

static struct step *add_step(struct rt *rt, uint32_t reason)
{
	struct step *s;

	assert_true(rt->cpu.nsteps < MAXSTEPS);
	s = &rt->cpu.step[rt->cpu.nsteps++];
	memset(s, 0, sizeof(*s));
	/* §6.5 state: protected mode, paging off, at the TDCALL. */
	s->x.reason = reason;
	s->x.rip = TDCALL_GPA;
	s->x.rflags = 2;
	s->x.cr0 = 0x21;
	s->x.cr4 = 0x2040;
	s->x.efer = 0x901;
	return s;
}

static void setg(struct step *s, unsigned i, uint64_t v)
{
	s->set |= 1u << i;
	s->gpr[i] = v;
}

/* The guest runs TDCALL with RAX = leaf: #UD at the TDCALL bytes. */
static struct step *st_tdcall(struct rt *rt, uint64_t leaf)
{
	struct step *s = add_step(rt, 0);

	s->x.intr_info = UD_INFO;
	s->x.instr_len = TDCALL_LEN;
	setg(s, EMU_GPR_RAX, leaf);
	return s;
}

/* An external interrupt: a TD exit that ends the script. */
static struct step *st_stop(struct rt *rt)
{
	struct step *s = add_step(rt, 1);

	s->x.intr_info = EXTINT_INFO;
	return s;
}

static const struct seen *seen(struct rt *rt, unsigned i)
{
	assert_true(i < rt->cpu.nseen);
	return &rt->cpu.seen[i];
}

/* Every scripted exit was taken. */
static void all_run(struct rt *rt)
{
	assert_int_equal(rt->cpu.pos, rt->cpu.nsteps);
	assert_int_equal(rt->cpu.nseen, rt->cpu.nsteps);
}

/* ---- The TD -------------------------------------------------------------- */

static uint64_t hcall(struct rt *rt, uint64_t rax, uint64_t rcx, uint64_t rdx, uint64_t r8,
		      uint64_t r9, struct emu_regs *out)
{
	return sc5(rt->f, 0, rax, rcx, rdx, r8, r9, out);
}

/* S-EPT tables down to `level` for gpa, existing ones tolerated. */
static void sept_path(struct rt *rt, uint64_t gpa, unsigned level)
{
	for (unsigned l = 3; l >= level && l > 0; l--)
		assert_int_equal(hcall(rt, TDH_MEM_SEPT_ADD, PI(gpa & ~(emu_sept_size(l) - 1), l),
				       rt->tdr | TDX_SEPT_ADD_ALLOW_EXISTING, tdfx_page(rt->t), 0,
				       NULL),
				 TDX_SUCCESS);
}

/* PAGE.ADD of a 4K page holding `content` at gpa; returns its HPA. */
static uint64_t add_page(struct rt *rt, uint64_t gpa, const uint8_t *content)
{
	uint64_t pg = tdfx_page(rt->t);

	assert_int_equal(fm_write(&rt->f->fm, SRC_PA, content, PG), 0);
	sept_path(rt, gpa, 1);
	assert_int_equal(hcall(rt, TDH_MEM_PAGE_ADD, PI(gpa, 0), rt->tdr, pg, SRC_PA, NULL),
			 TDX_SUCCESS);
	return pg;
}

/* PAGE.AUG of a 4K (level 0) or 2M (level 1) page; returns its HPA. */
static uint64_t aug(struct rt *rt, uint64_t gpa, unsigned level)
{
	uint64_t pg = level ? tdfx_pages(rt->t, 512, 2 * MiB) : tdfx_page(rt->t);

	sept_path(rt, gpa, level + 1);
	assert_int_equal(hcall(rt, TDH_MEM_PAGE_AUG, PI(gpa, level), rt->tdr, pg, 0, NULL),
			 TDX_SUCCESS);
	return pg;
}

static uint64_t sept_rd(struct rt *rt, uint64_t gpa, unsigned level, struct emu_regs *r)
{
	return hcall(rt, TDH_MEM_SEPT_RD, PI(gpa, level), rt->tdr, 0, 0, r);
}

static void finalize(struct rt *rt)
{
	assert_int_equal(hcall(rt, TDH_MR_FINALIZE, rt->tdr, 0, 0, 0, NULL), TDX_SUCCESS);
	assert_int_equal(rt->td->op_state, TD_OP_RUNNABLE);
}

static void put32(uint8_t *pg, unsigned idx, uint32_t v)
{
	memcpy(pg + 4 * idx, &v, 4);
}

static void put64q(uint8_t *pg, unsigned idx, uint64_t v)
{
	memcpy(pg + 8 * idx, &v, 8);
}

/* A TD with nvcpus vCPUs (vCPU i associated with LP i), the fake CPU
 * installed and the guest image added; RUNNABLE when `fin`. */
static struct rt *rt_new(unsigned nvcpus, uint64_t attributes, bool fin)
{
	static const uint8_t tdcall[] = { 0x66, 0x0f, 0x01, 0xcc };
	struct rt *rt = calloc(1, sizeof(*rt));
	uint8_t pg[4096];

	assert_non_null(rt);
	rt->t = tdfx_new();
	rt->f = rt->t->f;
	rt->e = rt->f->e;
	td_build(rt->t, &rt->h, nvcpus, attributes);
	rt->tdr = rt->h.tdr;
	rt->td = emu_td_find(rt->e, rt->tdr);
	assert_non_null(rt->td);
	assert_int_equal(rt->td->gpaw, 48);
	assert_int_equal(rt->td->levels, 4);
	rt->cpu.rt = rt;
	rt->ops = (struct emu_cpu_ops){ .run = cpu_run, .flush = cpu_flush };
	emu_set_cpu_ops(rt->e, &rt->ops, &rt->cpu);

	memset(pg, 0, sizeof(pg));
	memcpy(pg + (TDCALL_GPA & 0xfff), tdcall, 4);
	pg[UD2_GPA & 0xfff] = 0x0f;
	pg[(UD2_GPA & 0xfff) + 1] = 0x0b;
	memcpy(pg + (SPLIT_GPA & 0xfff), tdcall, 2);
	rt->code_pa = add_page(rt, CODE_GPA, pg);
	memset(pg, 0, sizeof(pg));
	memcpy(pg, tdcall + 2, 2);
	add_page(rt, CODE2_GPA, pg);
	memset(pg, 0, sizeof(pg));
	rt->data_pa = add_page(rt, DATA_GPA, pg);
	/* 4-level: PML4[0] -> PDPT[0] -> PD; PD[2] -> PT[0] -> CODE, PD[3] a
	 * 2M page at GPA 0. PAE uses the same PD. */
	put64q(pg, 0, PDPT_GPA | 3);
	add_page(rt, PML4_GPA, pg);
	memset(pg, 0, sizeof(pg));
	put64q(pg, 0, PD_GPA | 3);
	add_page(rt, PDPT_GPA, pg);
	memset(pg, 0, sizeof(pg));
	put64q(pg, 2, PT_GPA | 3);
	put64q(pg, 3, 0x83);
	add_page(rt, PD_GPA, pg);
	memset(pg, 0, sizeof(pg));
	put64q(pg, 0, CODE_GPA | 3);
	add_page(rt, PT_GPA, pg);
	/* 32-bit: PD32[1] -> PT32[0] -> CODE; PD32[2] a 4M page at 0. */
	memset(pg, 0, sizeof(pg));
	put32(pg, 1, (uint32_t)PT32_GPA | 3);
	put32(pg, 2, 0x83);
	add_page(rt, PD32_GPA, pg);
	memset(pg, 0, sizeof(pg));
	put32(pg, 0, (uint32_t)CODE_GPA | 3);
	add_page(rt, PT32_GPA, pg);
	/* PAE: PDPTE[0] -> PD. */
	memset(pg, 0, sizeof(pg));
	put64q(pg, 0, PD_GPA | 1);
	add_page(rt, PAE_GPA, pg);
	if (fin)
		finalize(rt);
	return rt;
}

static void rt_free(struct rt *rt)
{
	tdfx_free(rt->t);
	free(rt);
}

static struct emu_vcpu *vcpu(struct rt *rt, unsigned n)
{
	struct emu_vcpu *v = emu_vcpu_find(rt->e, rt->h.tdvpr[n]);

	assert_non_null(v);
	return v;
}

/* TDH.VP.ENTER with the host registers in *r (RCX included). */
static uint64_t enter_r(struct rt *rt, unsigned lp, struct emu_regs *r)
{
	rt->cpu.pos = 0;
	rt->cpu.nseen = 0;
	r->rax = TDH_VP_ENTER;
	return sc(rt->f, lp, r);
}

static uint64_t enter(struct rt *rt, unsigned lp, unsigned n, struct emu_regs *out)
{
	struct emu_regs r = { .rcx = rt->h.tdvpr[n] };
	uint64_t st = enter_r(rt, lp, &r);

	if (out)
		*out = r;
	return st;
}

/* Host registers full of garbage, to see what the module zeroes. */
static struct emu_regs dirty_regs(uint64_t rcx)
{
	struct emu_regs r = {
		.rcx = rcx, .rdx = 0xd1, .rbx = 0xd2, .rsi = 0xd3, .rdi = 0xd4,
		.r8 = 0xd5, .r9 = 0xd6, .r10 = 0xd7, .r11 = 0xd8, .r12 = 0xd9,
		.r13 = 0xda, .r14 = 0xdb, .r15 = 0xdc,
	};
	return r;
}

/* The async TD exit registers of §6.6; everything else 0. */
static void exit_regs_are(const struct emu_regs *r, uint64_t rcx, uint64_t rdx, uint64_t r8,
			  uint64_t r9)
{
	assert_int_equal(r->rcx, rcx);
	assert_int_equal(r->rdx, rdx);
	assert_int_equal(r->r8, r8);
	assert_int_equal(r->r9, r9);
	assert_int_equal(r->rbx | r->rsi | r->rdi | r->r10 | r->r11 | r->r12 | r->r13 | r->r14 |
			 r->r15, 0);
}

static void gpa_bytes(struct rt *rt, uint64_t gpa, void *buf, size_t n)
{
	uint64_t hpa;

	assert_int_equal(emu_sept_translate(rt->e, rt->td, gpa, &hpa), 0);
	assert_int_equal(fm_read(&rt->f->fm, hpa, buf, n), 0);
}

static void gpa_put(struct rt *rt, uint64_t gpa, const void *buf, size_t n)
{
	uint64_t hpa;

	assert_int_equal(emu_sept_translate(rt->e, rt->td, gpa, &hpa), 0);
	assert_int_equal(fm_write(&rt->f->fm, hpa, buf, n), 0);
}

/* ---- 1. Entries, EPTP, launch state; 7. external interrupts ------------- */

static void test_entry_state(void **state)
{
	struct rt *rt = rt_new(2, 0, true);
	struct emu_vcpu *v = vcpu(rt, 0);
	uint64_t root = rt->td->tdcs_pa[EMU_TDCS_SEPT_ROOT];
	struct emu_regs r;

	(void)state;
	assert_int_equal(v->assoc_lp, 0);
	/* First entry: VMLAUNCH with the §6.5 initial state; the external
	 * interrupt is a TD exit with RAX = 1 and its interruption info. */
	script(rt);
	st_stop(rt);
	r = dirty_regs(rt->h.tdvpr[0]);
	assert_int_equal(enter_r(rt, 0, &r), 1);
	all_run(rt);
	exit_regs_are(&r, 0, 0, 0, EXTINT_INFO);
	assert_true(seen(rt, 0)->init_state);
	assert_false(seen(rt, 0)->launched);
	assert_true(seen(rt, 0)->flush_tlb);
	assert_int_equal(seen(rt, 0)->lp, 0);
	assert_int_equal(seen(rt, 0)->eptp, root | 3 << 3 | 6);
	assert_int_equal(seen(rt, 0)->vmcs_pa, rt->h.tdcx[0][EMU_TDCX_VMCS]);
	assert_int_equal(seen(rt, 0)->inject, 0);
	assert_int_equal(seen(rt, 0)->rip_advance, 0);
	/* The VP.INIT GPRs (§6.5): RBX = GPAW, RCX = R8 = VP.INIT RDX, RSI =
	 * vCPU index. */
	assert_int_equal(seen(rt, 0)->gpr[EMU_GPR_RBX], 48);
	assert_int_equal(seen(rt, 0)->gpr[EMU_GPR_RCX], 0x1000);
	assert_int_equal(seen(rt, 0)->gpr[EMU_GPR_R8], 0x1000);
	assert_int_equal(seen(rt, 0)->gpr[EMU_GPR_RSI], 0);
	assert_false(v->running);
	assert_int_equal(rt->td->vcpus_running, 0);
	assert_int_equal(v->assoc_lp, 0);

	/* Later entries: VMRESUME, no initial state; entering again after an
	 * interrupt exit just works. */
	for (unsigned i = 0; i < 2; i++) {
		script(rt);
		st_stop(rt)->x.qual = 0x55;
		assert_int_equal(enter(rt, 0, 0, &r), 1);
		all_run(rt);
		exit_regs_are(&r, 0x55, 0, 0, EXTINT_INFO);
		assert_false(seen(rt, 0)->init_state);
		assert_true(seen(rt, 0)->launched);
		assert_int_equal(seen(rt, 0)->eptp, root | 3 << 3 | 6);
	}

	/* VP.FLUSH clears the VMCS on its LP (cpu->flush) and the launch
	 * state; the next entry, on another LP, is a VMLAUNCH of the loaded
	 * VMCS. */
	assert_int_equal(sc1(rt->f, 1, TDH_VP_FLUSH, rt->h.tdvpr[0]), TDX_VCPU_NOT_ASSOCIATED);
	assert_int_equal(sc1(rt->f, 0, TDH_VP_FLUSH, rt->h.tdvpr[0]), TDX_SUCCESS);
	assert_int_equal(rt->cpu.nflush, 1);
	assert_int_equal(rt->cpu.flush_lp, 0);
	assert_int_equal(rt->cpu.flush_pa, rt->h.tdcx[0][EMU_TDCX_VMCS]);
	assert_int_equal(v->assoc_lp, -1);
	script(rt);
	st_stop(rt);
	assert_int_equal(enter(rt, 3, 0, NULL), 1);
	all_run(rt);
	assert_int_equal(seen(rt, 0)->lp, 3);
	assert_false(seen(rt, 0)->launched);
	assert_false(seen(rt, 0)->init_state);
	assert_int_equal(v->assoc_lp, 3);
	assert_int_equal(enter(rt, 0, 0, NULL), TDX_VCPU_ASSOCIATED);
	assert_int_equal(enter(rt, 3, 0, NULL), 1);
	all_run(rt);
	assert_int_equal(seen(rt, 0)->lp, 3);
	assert_true(seen(rt, 0)->launched);

	/* vCPU 1 has its own VMCS and initial state; it stays on LP 1. */
	script(rt);
	st_stop(rt);
	assert_int_equal(enter(rt, 1, 1, NULL), 1);
	assert_true(seen(rt, 0)->init_state);
	assert_false(seen(rt, 0)->launched);
	assert_int_equal(seen(rt, 0)->vmcs_pa, rt->h.tdcx[1][EMU_TDCX_VMCS]);
	assert_int_equal(seen(rt, 0)->gpr[EMU_GPR_RSI], 1);
	assert_int_equal(seen(rt, 0)->gpr[EMU_GPR_RCX], 0x1001);
	rt_free(rt);
}

/* ---- 2. TDG.VP.VMCALL ----------------------------------------------------- */

static void test_vmcall(void **state)
{
	struct rt *rt = rt_new(1, 0, true);
	struct emu_vcpu *v = vcpu(rt, 0);
	struct emu_regs r;
	struct step *s;

	(void)state;
	/* Bitmap 0xfc00: R10..R15 go to the host, nothing else. */
	script(rt);
	s = st_tdcall(rt, TDG_VP_VMCALL);
	setg(s, EMU_GPR_RCX, 0xfc00);
	for (unsigned i = EMU_GPR_RDX; i < EMU_NGPRS; i++)
		setg(s, i, 0x1000 + i);
	r = dirty_regs(rt->h.tdvpr[0]);
	assert_int_equal(enter_r(rt, 0, &r), TDX_EXIT_REASON_TDCALL);
	all_run(rt);
	assert_int_equal(r.rcx, 0xfc00);
	assert_int_equal(r.r10, 0x1000 + EMU_GPR_R10);
	assert_int_equal(r.r11, 0x1000 + EMU_GPR_R11);
	assert_int_equal(r.r12, 0x1000 + EMU_GPR_R12);
	assert_int_equal(r.r13, 0x1000 + EMU_GPR_R13);
	assert_int_equal(r.r14, 0x1000 + EMU_GPR_R14);
	assert_int_equal(r.r15, 0x1000 + EMU_GPR_R15);
	assert_int_equal(r.rbx | r.rsi | r.rdi | r.r8 | r.r9 | r.rdx, 0);
	assert_true(v->in_vmcall);

	/* The answer: exactly the selected registers come in; RAX = 0, RCX =
	 * the bitmap, RIP past the TDCALL. */
	script(rt);
	st_stop(rt);
	r = dirty_regs(rt->h.tdvpr[0]);
	r.r10 = 0;
	r.r11 = 0x77;
	assert_int_equal(enter_r(rt, 0, &r), 1);
	all_run(rt);
	assert_int_equal(seen(rt, 0)->rip_advance, TDCALL_LEN);
	assert_int_equal(seen(rt, 0)->inject, 0);
	assert_int_equal(seen(rt, 0)->gpr[EMU_GPR_RAX], 0);
	assert_int_equal(seen(rt, 0)->gpr[EMU_GPR_RCX], 0xfc00);
	assert_int_equal(seen(rt, 0)->gpr[EMU_GPR_R10], 0);
	assert_int_equal(seen(rt, 0)->gpr[EMU_GPR_R11], 0x77);
	assert_int_equal(seen(rt, 0)->gpr[EMU_GPR_R12], 0xd9);
	assert_int_equal(seen(rt, 0)->gpr[EMU_GPR_R13], 0xda);
	assert_int_equal(seen(rt, 0)->gpr[EMU_GPR_R14], 0xdb);
	assert_int_equal(seen(rt, 0)->gpr[EMU_GPR_R15], 0xdc);
	for (unsigned i = EMU_GPR_RDX; i < EMU_GPR_R10; i++)
		assert_int_equal(seen(rt, 0)->gpr[i], 0x1000 + i);
	assert_false(v->in_vmcall);
	/* The reply is consumed once: the next entry changes nothing. */
	script(rt);
	st_stop(rt);
	assert_int_equal(enter(rt, 0, 0, NULL), 1);
	assert_int_equal(seen(rt, 0)->rip_advance, 0);
	assert_int_equal(seen(rt, 0)->gpr[EMU_GPR_R11], 0x77);

	/* Linux's 0xffcc: RDX, RBX, RSI, RDI, R8..R15 both ways. */
	script(rt);
	s = st_tdcall(rt, TDG_VP_VMCALL);
	setg(s, EMU_GPR_RCX, 0xffcc);
	for (unsigned i = EMU_GPR_RDX; i < EMU_NGPRS; i++)
		setg(s, i, 0x2000 + i);
	setg(s, EMU_GPR_RBP, 0xbbbb);
	r = dirty_regs(rt->h.tdvpr[0]);
	assert_int_equal(enter_r(rt, 0, &r), TDX_EXIT_REASON_TDCALL);
	assert_int_equal(r.rcx, 0xffcc);
	assert_int_equal(r.rdx, 0x2000 + EMU_GPR_RDX);
	assert_int_equal(r.rbx, 0x2000 + EMU_GPR_RBX);
	assert_int_equal(r.rsi, 0x2000 + EMU_GPR_RSI);
	assert_int_equal(r.rdi, 0x2000 + EMU_GPR_RDI);
	assert_int_equal(r.r8, 0x2000 + EMU_GPR_R8);
	assert_int_equal(r.r9, 0x2000 + EMU_GPR_R9);
	assert_int_equal(r.r15, 0x2000 + EMU_GPR_R15);
	script(rt);
	st_stop(rt);
	r = dirty_regs(rt->h.tdvpr[0]);
	assert_int_equal(enter_r(rt, 0, &r), 1);
	assert_int_equal(seen(rt, 0)->gpr[EMU_GPR_RDX], 0xd1);
	assert_int_equal(seen(rt, 0)->gpr[EMU_GPR_RBX], 0xd2);
	assert_int_equal(seen(rt, 0)->gpr[EMU_GPR_RSI], 0xd3);
	assert_int_equal(seen(rt, 0)->gpr[EMU_GPR_RDI], 0xd4);
	assert_int_equal(seen(rt, 0)->gpr[EMU_GPR_R8], 0xd5);
	assert_int_equal(seen(rt, 0)->gpr[EMU_GPR_R9], 0xd6);
	assert_int_equal(seen(rt, 0)->gpr[EMU_GPR_R15], 0xdc);
	assert_int_equal(seen(rt, 0)->gpr[EMU_GPR_RBP], 0xbbbb);	/* not selectable */
	assert_int_equal(seen(rt, 0)->gpr[EMU_GPR_RCX], 0xffcc);

	/* XMM select bits 31:16 go to the host in RCX and the guest gets its
	 * whole bitmap back in RCX (M15 save_regs_after_tdvmcall). */
	script(rt);
	s = st_tdcall(rt, TDG_VP_VMCALL);
	setg(s, EMU_GPR_RCX, 0x3fc00);
	assert_int_equal(enter(rt, 0, 0, &r), TDX_EXIT_REASON_TDCALL);
	assert_int_equal(r.rcx, 0x3fc00);
	script(rt);
	st_stop(rt);
	assert_int_equal(enter(rt, 0, 0, NULL), 1);
	assert_int_equal(seen(rt, 0)->gpr[EMU_GPR_RAX], 0);
	assert_int_equal(seen(rt, 0)->gpr[EMU_GPR_RCX], 0x3fc00);
	assert_int_equal(seen(rt, 0)->rip_advance, TDCALL_LEN);

	/* Bitmaps the module refuses inside the TD: RAX, RCX, RSP, RBP, or
	 * bits 63:32. The guest resumes past the TDCALL with the error. */
	{
		static const uint64_t bad[] = { 0xfc01, 0xfc02, 0xfc10, 0xfc20, 1ull << 32 | 0xfc00,
						1ull << 63 };
		const unsigned nbad = sizeof(bad) / sizeof(bad[0]);

		script(rt);
		for (unsigned i = 0; i < nbad; i++)
			setg(st_tdcall(rt, TDG_VP_VMCALL), EMU_GPR_RCX, bad[i]);
		st_stop(rt);
		r = dirty_regs(rt->h.tdvpr[0]);
		assert_int_equal(enter_r(rt, 0, &r), 1);
		all_run(rt);
		exit_regs_are(&r, 0, 0, 0, EXTINT_INFO);
		for (unsigned i = 1; i <= nbad; i++) {
			assert_int_equal(seen(rt, i)->gpr[EMU_GPR_RAX], ERR(TDX_OPERAND_INVALID, RCX));
			assert_int_equal(seen(rt, i)->gpr[EMU_GPR_RCX], bad[i - 1]);
			assert_int_equal(seen(rt, i)->rip_advance, TDCALL_LEN);
			assert_int_equal(seen(rt, i)->inject, 0);
		}
		assert_false(v->in_vmcall);
	}
	rt_free(rt);
}

/* ---- 3. TDG.VP.INFO, other TDCALL decoding -------------------------------- */

static void test_vp_info(void **state)
{
	struct rt *rt = rt_new(2, TDX_TD_ATTR_SEPT_VE_DISABLE, true);
	struct step *s;

	(void)state;
	script(rt);
	s = st_tdcall(rt, TDG_VP_INFO);
	setg(s, EMU_GPR_R10, 0x99);
	setg(s, EMU_GPR_R11, 0x98);
	setg(s, EMU_GPR_R12, 0x97);
	st_stop(rt);
	assert_int_equal(enter(rt, 1, 1, NULL), 1);
	all_run(rt);
	assert_int_equal(seen(rt, 1)->rip_advance, TDCALL_LEN);
	assert_int_equal(seen(rt, 1)->gpr[EMU_GPR_RAX], 0);
	assert_int_equal(seen(rt, 1)->gpr[EMU_GPR_RCX], 48);
	assert_int_equal(seen(rt, 1)->gpr[EMU_GPR_RDX], TDX_TD_ATTR_SEPT_VE_DISABLE);
	assert_int_equal(seen(rt, 1)->gpr[EMU_GPR_R8], 2ull << 32 | 2);
	assert_int_equal(seen(rt, 1)->gpr[EMU_GPR_R9], 1);
	assert_int_equal(seen(rt, 1)->gpr[EMU_GPR_R10], 0);
	assert_int_equal(seen(rt, 1)->gpr[EMU_GPR_R11], 0);
	assert_int_equal(seen(rt, 1)->gpr[EMU_GPR_R12], 0x97);

	script(rt);
	st_tdcall(rt, TDG_VP_INFO);
	st_stop(rt);
	assert_int_equal(enter(rt, 0, 0, NULL), 1);
	assert_int_equal(seen(rt, 1)->gpr[EMU_GPR_R9], 0);

	/* Leaves the module does not have; TDCALL outside ring 0 is #GP(0). */
	script(rt);
	st_tdcall(rt, TDG_VP_CPUIDVE_SET);
	st_tdcall(rt, 1ull << 16 | TDG_VP_INFO);
	st_tdcall(rt, TDG_VP_INFO)->x.cpl = 3;
	st_stop(rt);
	assert_int_equal(enter(rt, 0, 0, NULL), 1);
	all_run(rt);
	assert_int_equal(seen(rt, 1)->gpr[EMU_GPR_RAX], ERR(TDX_OPERAND_INVALID, RAX));
	assert_int_equal(seen(rt, 1)->rip_advance, TDCALL_LEN);
	assert_int_equal(seen(rt, 2)->gpr[EMU_GPR_RAX], ERR(TDX_OPERAND_INVALID, RAX));
	assert_int_equal(seen(rt, 3)->inject, GP_INFO);
	assert_int_equal(seen(rt, 3)->rip_advance, 0);
	assert_int_equal(seen(rt, 3)->gpr[EMU_GPR_RAX], TDG_VP_INFO);
	rt_free(rt);
}

/* The TDCALL bytes are fetched at CS.base + RIP through the guest's
 * paging (off, 4-level, PAE, 32-bit; 4K and large pages) and the S-EPT;
 * any other #UD goes back to the guest. */
static void test_tdcall_fetch(void **state)
{
	struct rt *rt = rt_new(1, 0, true);
	struct step *s;
	unsigned n;

	(void)state;
	script(rt);
	/* 0: paging off, CS base. */
	s = st_tdcall(rt, TDG_VP_INFO);
	s->x.cs_base = CODE_GPA;
	s->x.rip = 0x100;
	/* 1, 2: 4-level paging, 4K and 2M pages. */
	for (unsigned i = 0; i < 2; i++) {
		s = st_tdcall(rt, TDG_VP_INFO);
		s->x.cr0 = 0x80000021;
		s->x.cr4 = 0x2060;
		s->x.efer = 0xd01;
		s->x.cr3 = PML4_GPA;
		s->x.rip = i ? LA_2M : LA_4K;
	}
	/* 3, 4: PAE paging. */
	for (unsigned i = 0; i < 2; i++) {
		s = st_tdcall(rt, TDG_VP_INFO);
		s->x.cr0 = 0x80000021;
		s->x.cr4 = 0x2060;
		s->x.cr3 = PAE_GPA;
		s->x.rip = i ? LA_2M : LA_4K;
	}
	/* 5, 6: 32-bit paging, 4K and 4M pages. */
	for (unsigned i = 0; i < 2; i++) {
		s = st_tdcall(rt, TDG_VP_INFO);
		s->x.cr0 = 0x80000021;
		s->x.cr4 = 0x2050;
		s->x.cr3 = PD32_GPA;
		s->x.rip = i ? LA_4M : LA_4K;
	}
	/* 7: across two pages; 8: outside long mode the address is 32 bits. */
	st_tdcall(rt, TDG_VP_INFO)->x.rip = SPLIT_GPA;
	st_tdcall(rt, TDG_VP_INFO)->x.rip = 1ull << 32 | TDCALL_GPA;
	n = rt->cpu.nsteps;
	/* #UD elsewhere: UD2, an unmapped GPA, a non-present PTE, 64-bit
	 * addresses that do not wrap. */
	st_tdcall(rt, TDG_VP_INFO)->x.rip = UD2_GPA;
	st_tdcall(rt, TDG_VP_INFO)->x.rip = 0x30000;
	s = st_tdcall(rt, TDG_VP_INFO);
	s->x.cr0 = 0x80000021;
	s->x.cr4 = 0x2060;
	s->x.efer = 0xd01;
	s->x.cr3 = PML4_GPA;
	s->x.rip = LA_NP;
	s = st_tdcall(rt, TDG_VP_INFO);
	s->x.efer = 0xd01;
	s->x.rip = 1ull << 32 | TDCALL_GPA;
	/* Other exceptions are reflected, without the NMI-unblocking bit. */
	s = add_step(rt, 0);
	s->x.intr_info = 0x80001b0e;
	st_stop(rt);
	assert_int_equal(enter(rt, 0, 0, NULL), 1);
	all_run(rt);
	for (unsigned i = 1; i <= n; i++) {
		assert_int_equal(seen(rt, i)->gpr[EMU_GPR_RAX], 0);
		assert_int_equal(seen(rt, i)->gpr[EMU_GPR_RCX], 48);
		assert_int_equal(seen(rt, i)->rip_advance, TDCALL_LEN);
		assert_int_equal(seen(rt, i)->inject, 0);
	}
	for (unsigned i = n + 1; i <= n + 4; i++) {
		assert_int_equal(seen(rt, i)->inject, UD_INFO);
		assert_int_equal(seen(rt, i)->rip_advance, 0);
		assert_int_equal(seen(rt, i)->gpr[EMU_GPR_RAX], TDG_VP_INFO);
	}
	assert_int_equal(seen(rt, n + 5)->inject, 0x80000b0e);
	rt_free(rt);
}

/* ---- 4. TDG.MEM.PAGE.ACCEPT ------------------------------------------------ */

static void test_accept(void **state)
{
	struct rt *rt = rt_new(1, 0, true);
	struct emu_vcpu *v = vcpu(rt, 0);
	uint64_t pg, big, hpa;
	struct emu_regs r;

	(void)state;
	/* Nothing AUG-ed there: a TD exit for the host, RIP stays. */
	script(rt);
	setg(st_tdcall(rt, TDG_MEM_PAGE_ACCEPT), EMU_GPR_RCX, PI(AUG_GPA, 0));
	r = dirty_regs(rt->h.tdvpr[0]);
	assert_int_equal(enter_r(rt, 0, &r), 48);
	all_run(rt);
	/* RDX: type ACCEPT, the requested level in 63:32. R9: an EPT
	 * violation has no interruption info (not the #UD of the TDCALL). */
	exit_regs_are(&r, 0, 1, AUG_GPA, 0);
	assert_int_equal(v->gpr[EMU_GPR_RAX], TDG_MEM_PAGE_ACCEPT);

	/* The host AUGs it; the guest runs the TDCALL again and it works. */
	pg = aug(rt, AUG_GPA, 0);
	assert_int_equal(sept_rd(rt, AUG_GPA, 0, &r), TDX_SUCCESS);
	assert_int_equal(r.rdx, INFO(0, EMU_SEPT_ARCH_PENDING));
	script(rt);
	setg(st_tdcall(rt, TDG_MEM_PAGE_ACCEPT), EMU_GPR_RCX, PI(AUG_GPA, 0));
	setg(st_tdcall(rt, TDG_MEM_PAGE_ACCEPT), EMU_GPR_RCX, PI(AUG_GPA, 0));
	st_stop(rt);
	assert_int_equal(enter(rt, 0, 0, NULL), 1);
	all_run(rt);
	assert_int_equal(seen(rt, 0)->rip_advance, 0);
	assert_int_equal(seen(rt, 0)->inject, 0);
	assert_int_equal(seen(rt, 1)->gpr[EMU_GPR_RAX], TDX_SUCCESS);
	assert_int_equal(seen(rt, 1)->rip_advance, TDCALL_LEN);
	assert_int_equal(seen(rt, 2)->gpr[EMU_GPR_RAX], TDX_PAGE_ALREADY_ACCEPTED);
	assert_int_equal(seen(rt, 2)->rip_advance, TDCALL_LEN);
	assert_int_equal(sept_rd(rt, AUG_GPA, 0, &r), TDX_SUCCESS);
	assert_int_equal(r.rcx, ARCH_LEAF(pg) | 7);
	assert_int_equal(r.rdx, INFO(0, EMU_SEPT_ARCH_MAPPED));
	assert_int_equal(emu_sept_translate(rt->e, rt->td, AUG_GPA + 0x10, &hpa), 0);
	assert_int_equal(hpa, pg + 0x10);

	/* 2M: the exit names the requested level. */
	script(rt);
	setg(st_tdcall(rt, TDG_MEM_PAGE_ACCEPT), EMU_GPR_RCX, PI(AUG2M_GPA, 1));
	assert_int_equal(enter(rt, 0, 0, &r), 48);
	exit_regs_are(&r, 0, 1 | 1ull << 32, AUG2M_GPA, 0);
	big = aug(rt, AUG2M_GPA, 1);
	script(rt);
	setg(st_tdcall(rt, TDG_MEM_PAGE_ACCEPT), EMU_GPR_RCX, PI(AUG2M_GPA + PG, 0));	/* 1 */
	setg(st_tdcall(rt, TDG_MEM_PAGE_ACCEPT), EMU_GPR_RCX, PI(AUG2M_GPA, 1));	/* 2 */
	setg(st_tdcall(rt, TDG_MEM_PAGE_ACCEPT), EMU_GPR_RCX, PI(AUG2M_GPA, 1));	/* 3 */
	setg(st_tdcall(rt, TDG_MEM_PAGE_ACCEPT), EMU_GPR_RCX, PI(AUG2M_GPA + PG, 0));	/* 4 */
	setg(st_tdcall(rt, TDG_MEM_PAGE_ACCEPT), EMU_GPR_RCX, PI(0, 1));		/* 5 */
	setg(st_tdcall(rt, TDG_MEM_PAGE_ACCEPT), EMU_GPR_RCX, PI(AUG2M_GPA + PG, 1));	/* 6 */
	setg(st_tdcall(rt, TDG_MEM_PAGE_ACCEPT), EMU_GPR_RCX, PI(0, 2));		/* 7 */
	setg(st_tdcall(rt, TDG_MEM_PAGE_ACCEPT), EMU_GPR_RCX, PI(SHARED_BIT | AUG2_GPA, 0)); /* 8 */
	setg(st_tdcall(rt, TDG_MEM_PAGE_ACCEPT), EMU_GPR_RCX, PI(AUG2_GPA, 0) | 8);	/* 9 */
	st_stop(rt);
	assert_int_equal(enter(rt, 0, 0, NULL), 1);
	all_run(rt);
	assert_int_equal(seen(rt, 1)->gpr[EMU_GPR_RAX], TDX_PAGE_SIZE_MISMATCH);
	assert_int_equal(seen(rt, 2)->gpr[EMU_GPR_RAX], TDX_SUCCESS);
	assert_int_equal(seen(rt, 3)->gpr[EMU_GPR_RAX], TDX_PAGE_ALREADY_ACCEPTED);
	assert_int_equal(seen(rt, 4)->gpr[EMU_GPR_RAX], TDX_PAGE_SIZE_MISMATCH);
	assert_int_equal(seen(rt, 5)->gpr[EMU_GPR_RAX], TDX_PAGE_SIZE_MISMATCH);
	for (unsigned i = 6; i <= 9; i++)
		assert_int_equal(seen(rt, i)->gpr[EMU_GPR_RAX], ERR(TDX_OPERAND_INVALID, RCX));
	for (unsigned i = 1; i <= 9; i++)
		assert_int_equal(seen(rt, i)->rip_advance, TDCALL_LEN);
	assert_int_equal(sept_rd(rt, AUG2M_GPA, 1, &r), TDX_SUCCESS);
	assert_int_equal(r.rcx, ARCH_LEAF(big) | 7);
	assert_int_equal(r.rdx, INFO(1, EMU_SEPT_ARCH_MAPPED));
	assert_int_equal(emu_sept_translate(rt->e, rt->td, AUG2M_GPA + 0x12345, &hpa), 0);
	assert_int_equal(hpa, big + 0x12345);

	/* No page table below the PD: still the host's to resolve. */
	script(rt);
	setg(st_tdcall(rt, TDG_MEM_PAGE_ACCEPT), EMU_GPR_RCX, PI(NOPT_GPA, 0));
	assert_int_equal(enter(rt, 0, 0, &r), 48);
	exit_regs_are(&r, 0, 1, NOPT_GPA, 0);
	/* A blocked pending page is busy for the guest. */
	aug(rt, AUG2_GPA, 0);
	assert_int_equal(hcall(rt, TDH_MEM_RANGE_BLOCK, PI(AUG2_GPA, 0), rt->tdr, 0, 0, NULL),
			 TDX_SUCCESS);
	script(rt);
	setg(st_tdcall(rt, TDG_MEM_PAGE_ACCEPT), EMU_GPR_RCX, PI(AUG2_GPA, 0));
	st_stop(rt);
	assert_int_equal(enter(rt, 0, 0, NULL), 1);
	assert_int_equal(seen(rt, 1)->gpr[EMU_GPR_RAX], ERR(TDX_OPERAND_BUSY, SEPT_ENTRY));
	rt_free(rt);
}

/* ---- 5. EPT violations, #VE, TDG.VP.VEINFO.GET ----------------------------- */

static struct step *st_ept(struct rt *rt, uint64_t gpa, uint64_t qual)
{
	struct step *s = add_step(rt, 48);

	s->x.gpa = gpa;
	s->x.gla = 0x7000000 | (gpa & 0xfff);
	s->x.qual = qual;
	s->x.rip = 0x5555;
	return s;
}

static void test_ve_pending(void **state)
{
	struct rt *rt = rt_new(1, 0, true);
	struct emu_vcpu *v = vcpu(rt, 0);
	struct emu_regs r;

	(void)state;
	aug(rt, AUG_GPA, 0);
	aug(rt, AUG2M_GPA, 1);
	script(rt);
	st_ept(rt, AUG_GPA + 0x18, 0x182);			/* 0: #VE */
	st_tdcall(rt, TDG_VP_VEINFO_GET);			/* 1 */
	st_tdcall(rt, TDG_VP_VEINFO_GET);			/* 2: nothing left */
	st_ept(rt, AUG_GPA + 0x20, 0x181);			/* 3: #VE */
	st_ept(rt, AUG_GPA + 0x28, 0x181);			/* 4: #DF */
	st_tdcall(rt, TDG_VP_VEINFO_GET);			/* 5: the first #VE */
	st_ept(rt, AUG2M_GPA + 0x12345, 0x184);			/* 6: #VE, 2M page */
	st_tdcall(rt, TDG_VP_VEINFO_GET);			/* 7 */
	st_stop(rt);
	assert_int_equal(enter(rt, 0, 0, &r), 1);
	all_run(rt);
	assert_int_equal(seen(rt, 1)->inject, VE_INFO);
	assert_int_equal(seen(rt, 1)->rip_advance, 0);
	assert_int_equal(seen(rt, 2)->inject, 0);
	assert_int_equal(seen(rt, 2)->rip_advance, TDCALL_LEN);
	assert_int_equal(seen(rt, 2)->gpr[EMU_GPR_RAX], TDX_SUCCESS);
	assert_int_equal(seen(rt, 2)->gpr[EMU_GPR_RCX], 48);
	assert_int_equal(seen(rt, 2)->gpr[EMU_GPR_RDX], 0x182);
	assert_int_equal(seen(rt, 2)->gpr[EMU_GPR_R8], 0x7000018);
	assert_int_equal(seen(rt, 2)->gpr[EMU_GPR_R9], AUG_GPA + 0x18);
	assert_int_equal(seen(rt, 2)->gpr[EMU_GPR_R10], 0);
	assert_int_equal(seen(rt, 3)->gpr[EMU_GPR_RAX], TDX_NO_VALID_VE_INFO);
	assert_int_equal(seen(rt, 3)->rip_advance, TDCALL_LEN);
	assert_int_equal(seen(rt, 4)->inject, VE_INFO);
	assert_int_equal(seen(rt, 5)->inject, DF_INFO);
	assert_int_equal(seen(rt, 6)->gpr[EMU_GPR_RAX], TDX_SUCCESS);
	assert_int_equal(seen(rt, 6)->gpr[EMU_GPR_R9], AUG_GPA + 0x20);
	assert_int_equal(seen(rt, 6)->gpr[EMU_GPR_RDX], 0x181);
	assert_int_equal(seen(rt, 7)->inject, VE_INFO);
	assert_int_equal(seen(rt, 8)->gpr[EMU_GPR_R9], AUG2M_GPA + 0x12345);
	assert_int_equal(seen(rt, 8)->gpr[EMU_GPR_RCX], 48);
	assert_false(v->ve_valid);
	/* The pages are still pending. */
	assert_int_equal(sept_rd(rt, AUG_GPA, 0, &r), TDX_SUCCESS);
	assert_int_equal(r.rdx, INFO(0, EMU_SEPT_ARCH_PENDING));

	/* Private GPAs the host must resolve, and shared ones: TD exits. */
	script(rt);
	st_ept(rt, NOPT_GPA + 0x40, 0x181);
	assert_int_equal(enter(rt, 0, 0, &r), 48);
	exit_regs_are(&r, 0x181, 0, NOPT_GPA + 0x40, 0);
	script(rt);
	st_ept(rt, AUG2_GPA, 0x182);
	assert_int_equal(enter(rt, 0, 0, &r), 48);
	exit_regs_are(&r, 0x182, 0, AUG2_GPA, 0);
	/* Shared GPAs with suppress-#VE in the host's shared EPT entry: a TD
	 * exit (a PML4 entry non-present with bit 63 set). */
	uint64_t sh = tdfx_page(rt->t);
	fm_put64(&rt->f->fm, sh + 8 * 256, EMU_EPT_SVE);
	assert_int_equal(sc5(rt->f, 0, TDH_VP_WR, rt->h.tdvpr[0], MD_VP_SHARED_EPTP, sh, ~0ull,
			     &r), TDX_SUCCESS);
	script(rt);
	st_ept(rt, SHARED_BIT | AUG_GPA, 0x181);
	assert_int_equal(enter(rt, 0, 0, &r), 48);
	exit_regs_are(&r, 0x181, 0, SHARED_BIT | AUG_GPA, 0);
	assert_int_equal(seen(rt, 0)->inject, 0);
	/* Without it (an entry the host left 0): the CPU's EPT-violation #VE,
	 * which the guest reads with VEINFO.GET (how MMIO reaches its #VE
	 * handler). */
	fm_put64(&rt->f->fm, sh + 8 * 256, 0);
	script(rt);
	st_ept(rt, SHARED_BIT | (AUG_GPA + 0x10), 0x181);
	st_tdcall(rt, TDG_VP_VEINFO_GET);
	st_stop(rt);
	assert_int_equal(enter(rt, 0, 0, NULL), 1);
	assert_int_equal(seen(rt, 1)->inject, VE_INFO);
	assert_int_equal(seen(rt, 2)->gpr[EMU_GPR_RCX], 48);
	assert_int_equal(seen(rt, 2)->gpr[EMU_GPR_R9], SHARED_BIT | (AUG_GPA + 0x10));
	/* A mapped page (a permission problem) is the host's too. */
	script(rt);
	st_ept(rt, CODE_GPA + 8, 0x182);
	assert_int_equal(enter(rt, 0, 0, &r), 48);
	exit_regs_are(&r, 0x182, 0, CODE_GPA + 8, 0);
	/* EPT misconfiguration: a TD exit as well. */
	script(rt);
	add_step(rt, 49)->x.gpa = SHARED_BIT | 0x3000;
	assert_int_equal(enter(rt, 0, 0, &r), 49);
	exit_regs_are(&r, 0, 0, SHARED_BIT | 0x3000, 0);
	assert_false(v->ve_valid);
	rt_free(rt);
}

static void test_ve_disabled(void **state)
{
	struct rt *rt = rt_new(1, TDX_TD_ATTR_SEPT_VE_DISABLE, true);
	struct emu_vcpu *v = vcpu(rt, 0);
	struct emu_regs r;

	(void)state;
	aug(rt, AUG_GPA, 0);
	script(rt);
	st_ept(rt, AUG_GPA + 0x18, 0x182);
	r = dirty_regs(rt->h.tdvpr[0]);
	assert_int_equal(enter_r(rt, 0, &r), 48);
	all_run(rt);
	exit_regs_are(&r, 0x182, 6, AUG_GPA + 0x18, 0);
	assert_false(v->ve_valid);
	/* Shared GPA (the host's entry suppresses #VE): type 0. */
	uint64_t sh = tdfx_page(rt->t);
	fm_put64(&rt->f->fm, sh + 8 * 256, EMU_EPT_SVE);
	assert_int_equal(sc5(rt->f, 0, TDH_VP_WR, rt->h.tdvpr[0], MD_VP_SHARED_EPTP, sh, ~0ull,
			     &r), TDX_SUCCESS);
	script(rt);
	st_ept(rt, SHARED_BIT | 0x1234000, 0x181);
	assert_int_equal(enter(rt, 0, 0, &r), 48);
	exit_regs_are(&r, 0x181, 0, SHARED_BIT | 0x1234000, 0);
	/* The guest can still accept it. */
	script(rt);
	setg(st_tdcall(rt, TDG_MEM_PAGE_ACCEPT), EMU_GPR_RCX, PI(AUG_GPA, 0));
	st_stop(rt);
	assert_int_equal(enter(rt, 0, 0, NULL), 1);
	assert_int_equal(seen(rt, 1)->gpr[EMU_GPR_RAX], TDX_SUCCESS);
	rt_free(rt);
}

/* ---- 6. CPUID, HLT, I/O, MSRs, VMCALL -------------------------------------- */

/* A CPU whose CPUID has basic leaves up to 0x1f and extended up to
 * 0x80000008, every register naming its leaf. */
static void fake_cpuid(void *ctx, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	(void)ctx;
	out[0] = leaf == 0 ? 0x1f : leaf == 0x80000000u ? 0x80000008u : leaf;
	out[1] = 0xaa000000u | subleaf;
	out[2] = leaf == 1 ? (1u << 5 | 1u << 6 | 1u << 3 | 1u) : leaf;
	out[3] = 0x12345678u;
}

/* The module's CPUID virtualization (td_run.c cpuid_virtual): answered
 * in place for the basic and extended ranges, with the TD's view; #VE
 * above them. */
static void test_cpuid_virtualization(void **state)
{
	static const uint32_t leaves[][2] = {
		{ 0, 0 }, { 1, 0 }, { 7, 2 }, { 0xb, 1 }, { 0x80000008u, 0 },
		{ 0x21, 0 }, { 0x40000000u, 0 }, { 0x22, 0 }, { 0x80000009u, 0 },
	};
	struct rt *rt = rt_new(1, 0, true);
	struct step *s;
	unsigned n = sizeof(leaves) / sizeof(leaves[0]);

	(void)state;
	rt->ops.cpuid = fake_cpuid;
	script(rt);
	for (unsigned i = 0; i < n; i++) {
		s = add_step(rt, 10);
		s->x.instr_len = 2;
		setg(s, EMU_GPR_RAX, leaves[i][0]);
		setg(s, EMU_GPR_RCX, leaves[i][1]);
		if (i >= 6)	/* a #VE: the guest reads VE_INFO before the next */
			st_tdcall(rt, TDG_VP_VEINFO_GET);
	}
	st_stop(rt);
	assert_int_equal(enter(rt, 0, 0, NULL), 1);
	all_run(rt);
	/* seen(k) is the entry after step k-1. */
	assert_int_equal(seen(rt, 1)->gpr[EMU_GPR_RAX], 0x21);	/* at least 0x21 */
	assert_int_equal(seen(rt, 1)->rip_advance, 2);
	assert_int_equal(seen(rt, 2)->gpr[EMU_GPR_RCX] & (1u << 5 | 1u << 6 | 1u << 3), 0);
	assert_true(seen(rt, 2)->gpr[EMU_GPR_RCX] & (1u << 21));	/* x2APIC */
	assert_true(seen(rt, 2)->gpr[EMU_GPR_RCX] & (1u << 31));	/* hypervisor */
	assert_int_equal(seen(rt, 2)->gpr[EMU_GPR_RCX] & 1, 1);	/* others native */
	assert_int_equal(seen(rt, 2)->gpr[EMU_GPR_RBX] >> 24, 0);	/* vCPU 0 */
	assert_int_equal(seen(rt, 3)->gpr[EMU_GPR_RAX], 7);
	assert_int_equal(seen(rt, 3)->gpr[EMU_GPR_RBX], 0xaa000002u);
	assert_int_equal(seen(rt, 4)->gpr[EMU_GPR_RDX], 0);		/* x2APIC ID */
	assert_int_equal(seen(rt, 5)->gpr[EMU_GPR_RAX], 0x80000008u);
	assert_int_equal(seen(rt, 6)->gpr[EMU_GPR_RBX], 0x65746e49);
	for (unsigned k = 1; k <= 6; k++)
		assert_int_equal(seen(rt, k)->inject, 0);
	/* Hypervisor range, above the basic and the extended maximum: #VE. */
	assert_int_equal(seen(rt, 7)->inject, VE_INFO);
	assert_int_equal(seen(rt, 9)->inject, VE_INFO);
	assert_int_equal(seen(rt, 11)->inject, VE_INFO);
	rt_free(rt);
}

/* Posted interrupts: the host's PIR bits reach the guest through the
 * virtual IRR, one vector at a time in priority order, each ended by an
 * x2APIC EOI (absorbed, no #VE); a pending one wakes HLT. */
static void test_posted_interrupts(void **state)
{
	struct rt *rt = rt_new(1, 0, true);
	struct emu_vcpu *v = vcpu(rt, 0);
	uint64_t pid = tdfx_page(rt->t);
	struct emu_regs r;
	struct step *s;

	(void)state;
	assert_int_equal(sc5(rt->f, 0, TDH_VP_WR, rt->h.tdvpr[0], MD_VP_PI_DESC, pid, ~0x3full,
			     &r), TDX_SUCCESS);
	/* Vectors 0x30 and 0x41 posted, ON set. */
	fm_put64(&rt->f->fm, pid, 1ull << 0x30);
	fm_put64(&rt->f->fm, pid + 8, 1ull << 1);
	fm_put64(&rt->f->fm, pid + 32, 1);
	script(rt);
	s = add_step(rt, 12);			/* 0: HLT with 0x41 offered, IF=1 */
	s->x.instr_len = 1;
	s->x.rflags = 1u << 9;
	add_step(rt, 7)->take_intr = true;	/* 1: window: 0x41 delivered */
	s = add_step(rt, 32);			/* 2: EOI for 0x41 */
	s->x.instr_len = 2;
	setg(s, EMU_GPR_RCX, 0x80b);
	setg(s, EMU_GPR_RAX, 0);
	setg(s, EMU_GPR_RDX, 0);
	s = add_step(rt, 32);			/* 3: entered with 0x30; its EOI */
	s->x.instr_len = 2;
	setg(s, EMU_GPR_RCX, 0x80b);
	setg(s, EMU_GPR_RAX, 0);
	setg(s, EMU_GPR_RDX, 0);
	s->take_intr = true;
	st_stop(rt);
	assert_int_equal(enter(rt, 0, 0, NULL), 1);
	all_run(rt);
	assert_int_equal(seen(rt, 0)->intr_vector, 0x41);	/* the highest first */
	assert_int_equal(seen(rt, 1)->rip_advance, 1);		/* HLT woken, no #VE */
	assert_int_equal(seen(rt, 1)->inject, 0);
	assert_int_equal(seen(rt, 1)->intr_vector, 0x41);
	assert_int_equal(seen(rt, 2)->intr_vector, 0);		/* 0x30 waits for EOI */
	assert_int_equal(seen(rt, 3)->rip_advance, 2);		/* EOI absorbed */
	assert_int_equal(seen(rt, 3)->inject, 0);
	assert_int_equal(seen(rt, 3)->intr_vector, 0x30);
	assert_int_equal(seen(rt, 4)->intr_vector, 0);
	assert_true(!v->virr[0] && !v->virr[1] && !v->visr[0] && !v->visr[1]);
	/* The descriptor was drained: PIR and ON clear. */
	assert_int_equal(fm_get64(&rt->f->fm, pid), 0);
	assert_int_equal(fm_get64(&rt->f->fm, pid + 32) & 1, 0);
	rt_free(rt);
}

static void test_instruction_exits(void **state)
{
	struct rt *rt = rt_new(1, 0, true);
	struct step *s;

	(void)state;
	script(rt);
	s = add_step(rt, 10);					/* 0: CPUID 0x21 */
	s->x.instr_len = 2;
	setg(s, EMU_GPR_RAX, 0xffffffff00000021ull);
	setg(s, EMU_GPR_RCX, 0);
	setg(s, EMU_GPR_RBX, 0x1111);
	setg(s, EMU_GPR_RDX, 0x2222);
	s = add_step(rt, 10);					/* 1: CPUID 1: #VE */
	s->x.instr_len = 2;
	setg(s, EMU_GPR_RAX, 1);
	setg(s, EMU_GPR_RCX, 0);
	st_tdcall(rt, TDG_VP_VEINFO_GET);			/* 2 */
	s = add_step(rt, 10);					/* 3: 0x21.1: #VE */
	s->x.instr_len = 2;
	setg(s, EMU_GPR_RAX, 0x21);
	setg(s, EMU_GPR_RCX, 1);
	st_tdcall(rt, TDG_VP_VEINFO_GET);			/* 4 */
	s = add_step(rt, 12);					/* 5: HLT */
	s->x.instr_len = 1;
	st_tdcall(rt, TDG_VP_VEINFO_GET);			/* 6 */
	s = add_step(rt, 30);					/* 7: OUT */
	s->x.instr_len = 1;
	s->x.qual = 0x3f80008;
	st_tdcall(rt, TDG_VP_VEINFO_GET);			/* 8 */
	s = add_step(rt, 31);					/* 9: RDMSR */
	s->x.instr_len = 2;
	st_tdcall(rt, TDG_VP_VEINFO_GET);			/* 10 */
	s = add_step(rt, 32);					/* 11: WRMSR */
	s->x.instr_len = 2;
	s->x.instr_info = 0xabc;
	st_tdcall(rt, TDG_VP_VEINFO_GET);			/* 12 */
	add_step(rt, 18)->x.instr_len = 3;			/* 13: VMCALL: #UD */
	st_stop(rt);
	assert_int_equal(enter(rt, 0, 0, NULL), 1);
	all_run(rt);
	/* Leaf 0x21: "IntelTDX    " in EBX, EDX, ECX, answered in place. */
	assert_int_equal(seen(rt, 1)->gpr[EMU_GPR_RAX], 0);
	assert_int_equal(seen(rt, 1)->gpr[EMU_GPR_RBX], 0x65746e49);
	assert_int_equal(seen(rt, 1)->gpr[EMU_GPR_RDX], 0x5844546c);
	assert_int_equal(seen(rt, 1)->gpr[EMU_GPR_RCX], 0x20202020);
	assert_int_equal(seen(rt, 1)->rip_advance, 2);
	assert_int_equal(seen(rt, 1)->inject, 0);
	/* The others: #VE with the exit in VE_INFO. */
	assert_int_equal(seen(rt, 2)->inject, VE_INFO);
	assert_int_equal(seen(rt, 2)->rip_advance, 0);
	assert_int_equal(seen(rt, 2)->gpr[EMU_GPR_RAX], 1);
	assert_int_equal(seen(rt, 3)->gpr[EMU_GPR_RCX], 10);
	assert_int_equal(seen(rt, 3)->gpr[EMU_GPR_R10], 2);
	assert_int_equal(seen(rt, 4)->inject, VE_INFO);
	assert_int_equal(seen(rt, 5)->gpr[EMU_GPR_RCX], 10);
	assert_int_equal(seen(rt, 6)->inject, VE_INFO);
	assert_int_equal(seen(rt, 6)->rip_advance, 0);
	assert_int_equal(seen(rt, 7)->gpr[EMU_GPR_RAX], 0);
	assert_int_equal(seen(rt, 7)->gpr[EMU_GPR_RCX], 12);
	assert_int_equal(seen(rt, 7)->gpr[EMU_GPR_R10], 1);
	assert_int_equal(seen(rt, 8)->inject, VE_INFO);
	assert_int_equal(seen(rt, 9)->gpr[EMU_GPR_RCX], 30);
	assert_int_equal(seen(rt, 9)->gpr[EMU_GPR_RDX], 0x3f80008);
	assert_int_equal(seen(rt, 10)->inject, VE_INFO);
	assert_int_equal(seen(rt, 11)->gpr[EMU_GPR_RCX], 31);
	assert_int_equal(seen(rt, 12)->inject, VE_INFO);
	assert_int_equal(seen(rt, 13)->gpr[EMU_GPR_RCX], 32);
	assert_int_equal(seen(rt, 13)->gpr[EMU_GPR_R10], 0xabcull << 32 | 2);
	assert_int_equal(seen(rt, 14)->inject, UD_INFO);
	assert_int_equal(seen(rt, 14)->rip_advance, 0);
	rt_free(rt);
}

/* The CPU layer's guest MSRs: EFER reads a known value, PAT is "not
 * held" (-1); every call is counted. */
static unsigned guest_msr_calls;

static int fake_guest_msr(void *ctx, unsigned lp, uint32_t msr, bool write, uint64_t *val)
{
	(void)ctx;
	(void)lp;
	guest_msr_calls++;
	if (msr == 0xc0000080u && !write) {
		*val = 0x1122334455667788ull;
		return 0;
	}
	return -1;
}

static struct step *st_msr(struct rt *rt, bool write, uint32_t msr, uint64_t value)
{
	struct step *s = add_step(rt, write ? 32 : 31);

	s->x.instr_len = 2;
	setg(s, EMU_GPR_RCX, msr);
	setg(s, EMU_GPR_RAX, (uint32_t)value);
	setg(s, EMU_GPR_RDX, value >> 32);
	return s;
}

/* RDMSR/WRMSR the real module lets a TD run natively: no #VE. EFER is read
 * from the CPU layer, the x2APIC TPR/PPR/ISR/IRR/SELF_IPI from the virtual
 * APIC, and the TPR holds back a lower-class vector. The rest is a #VE. */
static void test_native_msrs(void **state)
{
	struct rt *rt = rt_new(1, 0, true);
	struct emu_vcpu *v = vcpu(rt, 0);

	(void)state;
	rt->ops.guest_msr = fake_guest_msr;
	guest_msr_calls = 0;
	script(rt);
	st_msr(rt, false, 0xc0000080u, 0);		/* 0: RDMSR EFER: native */
	st_msr(rt, true, 0xc0000080u, 0x901);		/* 1: WRMSR EFER: #VE */
	st_tdcall(rt, TDG_VP_VEINFO_GET);		/* 2 */
	st_msr(rt, false, 0x1b, 0);			/* 3: APIC_BASE: #VE */
	st_tdcall(rt, TDG_VP_VEINFO_GET);		/* 4 */
	st_msr(rt, false, 0x277, 0);			/* 5: PAT, not held: #VE */
	st_tdcall(rt, TDG_VP_VEINFO_GET);		/* 6 */
	st_msr(rt, false, 0xc0000082u, 0);		/* 7: LSTAR: #VE */
	st_tdcall(rt, TDG_VP_VEINFO_GET);		/* 8 */
	st_msr(rt, true, 0x808, 0x50);			/* 9: TPR = 0x50 */
	st_msr(rt, false, 0x808, 0);			/* 10: TPR reads 0x50 */
	st_msr(rt, true, 0x83f, 0x40);			/* 11: self-IPI 0x40, held by TPR */
	st_msr(rt, false, 0x822, 0);			/* 12: IRR bits 95:64 */
	st_msr(rt, true, 0x808, 0);			/* 13: TPR 0: 0x40 offered */
	st_msr(rt, false, 0x80a, 0)->take_intr = true;	/* 14: delivered; PPR */
	st_msr(rt, false, 0x812, 0);			/* 15: ISR bits 95:64 */
	st_stop(rt);
	assert_int_equal(enter(rt, 0, 0, NULL), 1);
	all_run(rt);
	/* seen(k) is the entry after step k-1. */
	assert_int_equal(seen(rt, 1)->inject, 0);
	assert_int_equal(seen(rt, 1)->rip_advance, 2);
	assert_int_equal(seen(rt, 1)->gpr[EMU_GPR_RAX], 0x55667788);
	assert_int_equal(seen(rt, 1)->gpr[EMU_GPR_RDX], 0x11223344);
	assert_int_equal(seen(rt, 2)->inject, VE_INFO);		/* EFER write */
	assert_int_equal(seen(rt, 3)->gpr[EMU_GPR_RCX], 32);
	assert_int_equal(seen(rt, 4)->inject, VE_INFO);		/* APIC_BASE */
	assert_int_equal(seen(rt, 5)->gpr[EMU_GPR_RCX], 31);
	assert_int_equal(seen(rt, 6)->inject, VE_INFO);		/* PAT not held */
	assert_int_equal(seen(rt, 8)->inject, VE_INFO);		/* LSTAR */
	assert_int_equal(guest_msr_calls, 2);			/* EFER, PAT */
	for (unsigned k = 10; k <= 16; k++) {
		assert_int_equal(seen(rt, k)->inject, 0);
		assert_int_equal(seen(rt, k)->rip_advance, 2);
	}
	assert_int_equal(seen(rt, 11)->gpr[EMU_GPR_RAX], 0x50);
	assert_int_equal(seen(rt, 12)->intr_vector, 0);		/* class 4 <= TPR class 5 */
	assert_int_equal(seen(rt, 13)->gpr[EMU_GPR_RAX], 1);	/* IRR: vector 0x40 */
	assert_int_equal(seen(rt, 13)->gpr[EMU_GPR_RDX], 0);
	assert_int_equal(seen(rt, 14)->intr_vector, 0x40);
	assert_int_equal(seen(rt, 15)->gpr[EMU_GPR_RAX], 0x40);	/* PPR: in service */
	assert_int_equal(seen(rt, 16)->gpr[EMU_GPR_RAX], 1);	/* ISR: vector 0x40 */
	assert_true(!v->virr[1] && v->visr[1] == 1);
	rt_free(rt);

	/* A CPU layer without guest_msr: EFER becomes a #VE too. */
	rt = rt_new(1, 0, true);
	script(rt);
	st_msr(rt, false, 0xc0000080u, 0);
	st_stop(rt);
	assert_int_equal(enter(rt, 0, 0, NULL), 1);
	assert_int_equal(seen(rt, 1)->inject, VE_INFO);
	rt_free(rt);
}

/* ---- Native RDMSR/WRMSR, one behaviour at a time ---------------------------
 * A CPU layer that records every guest_msr call. It holds EFER and the TSC
 * for reads and takes FS_BASE writes (and then scribbles on *val, which the
 * module must not hand back to the guest); anything else is "not held". */
#define EFER_VALUE	0xfedcba9800000d01ull
#define TSC_VALUE	0x0123456789abcdefull
#define GARBAGE		0xaaaaaaaabbbbbbbbull	/* RDX:RAX before a RDMSR */

struct msr_call {
	void *ctx;
	unsigned lp;
	uint32_t msr;
	bool write;
	uint64_t val;			/* *val as the module passed it */
};

static struct msr_call msr_calls[MAXSTEPS];
static unsigned nmsr_calls;

static int rec_guest_msr(void *ctx, unsigned lp, uint32_t msr, bool write, uint64_t *val)
{
	assert_true(nmsr_calls < MAXSTEPS);
	msr_calls[nmsr_calls++] = (struct msr_call){ ctx, lp, msr, write, *val };
	if (!write && msr == 0xc0000080u) {
		*val = EFER_VALUE;
		return 0;
	}
	if (!write && msr == 0x10) {
		*val = TSC_VALUE;
		return 0;
	}
	if (write && msr == 0xc0000100u) {
		*val = 0xdeadull;
		return 0;
	}
	return -1;
}

static struct rt *msr_rt(unsigned nvcpus)
{
	struct rt *rt = rt_new(nvcpus, 0, true);

	rt->ops.guest_msr = rec_guest_msr;
	memset(msr_calls, 0, sizeof(msr_calls));
	nmsr_calls = 0;
	return rt;
}

static void msr_call_is(unsigned i, struct rt *rt, unsigned lp, uint32_t msr, bool write)
{
	assert_true(i < nmsr_calls);
	assert_ptr_equal(msr_calls[i].ctx, &rt->cpu);
	assert_int_equal(msr_calls[i].lp, lp);
	assert_int_equal(msr_calls[i].msr, msr);
	assert_int_equal(msr_calls[i].write, write);
}

/* Step k was run natively: entry k + 1 injects nothing and steps over it. */
static void native_at(struct rt *rt, unsigned k, unsigned len)
{
	assert_int_equal(seen(rt, k + 1)->inject, 0);
	assert_int_equal(seen(rt, k + 1)->rip_advance, len);
}

/* Step k became a #VE for exit `reason` (a 2-byte instruction, no
 * qualification), which the VEINFO.GET at step k + 1 reads. */
static void ve_at(struct rt *rt, unsigned k, uint32_t reason)
{
	assert_int_equal(seen(rt, k + 1)->inject, VE_INFO);
	assert_int_equal(seen(rt, k + 1)->rip_advance, 0);
	assert_int_equal(seen(rt, k + 2)->gpr[EMU_GPR_RAX], TDX_SUCCESS);
	assert_int_equal(seen(rt, k + 2)->gpr[EMU_GPR_RCX], reason);
	assert_int_equal(seen(rt, k + 2)->gpr[EMU_GPR_RDX], 0);
	assert_int_equal(seen(rt, k + 2)->gpr[EMU_GPR_R10], 2);
}

/* The RDMSR at step k read `val`: RAX its low half, RDX its high half,
 * RCX still the MSR. */
static void read_at(struct rt *rt, unsigned k, uint32_t msr, uint64_t val)
{
	native_at(rt, k, 2);
	assert_int_equal(seen(rt, k + 1)->gpr[EMU_GPR_RAX], val & 0xffffffffu);
	assert_int_equal(seen(rt, k + 1)->gpr[EMU_GPR_RDX], val >> 32);
	assert_int_equal(seen(rt, k + 1)->gpr[EMU_GPR_RCX], msr);
}

/* RDMSR EFER and TSC come from the CPU layer (on the LP the vCPU runs on),
 * split into EDX:EAX, RIP past the instruction; a WRMSR it takes (FS_BASE)
 * gets RDX:RAX and leaves the guest's GPRs alone. */
static void test_msr_efer_read_native(void **state)
{
	struct rt *rt = msr_rt(2);
	struct step *s;

	(void)state;
	script(rt);
	s = st_msr(rt, false, 0xc0000080u, GARBAGE);		/* 0: RDMSR EFER */
	s->x.instr_len = 3;					/* a prefixed RDMSR */
	st_msr(rt, false, 0x10, GARBAGE);			/* 1: RDMSR TSC */
	st_msr(rt, true, 0xc0000100u, 0x00007fff12345678ull);	/* 2: WRMSR FS_BASE */
	st_stop(rt);
	assert_int_equal(enter(rt, 1, 1, NULL), 1);
	all_run(rt);
	native_at(rt, 0, 3);
	assert_int_equal(seen(rt, 1)->gpr[EMU_GPR_RAX], 0x00000d01);
	assert_int_equal(seen(rt, 1)->gpr[EMU_GPR_RDX], 0xfedcba98);
	assert_int_equal(seen(rt, 1)->gpr[EMU_GPR_RCX], 0xc0000080u);
	read_at(rt, 1, 0x10, TSC_VALUE);
	native_at(rt, 2, 2);
	assert_int_equal(seen(rt, 3)->gpr[EMU_GPR_RAX], 0x12345678);
	assert_int_equal(seen(rt, 3)->gpr[EMU_GPR_RDX], 0x7fff);
	assert_int_equal(nmsr_calls, 3);
	msr_call_is(0, rt, 1, 0xc0000080u, false);
	msr_call_is(1, rt, 1, 0x10, false);
	msr_call_is(2, rt, 1, 0xc0000100u, true);
	assert_int_equal(msr_calls[2].val, 0x00007fff12345678ull);
	assert_false(vcpu(rt, 1)->ve_valid);
	rt_free(rt);
}

/* WRMSR EFER (and TSC) are not native: a #VE with exit reason 32, and the
 * CPU layer is not asked. */
static void test_msr_efer_write_ve(void **state)
{
	struct rt *rt = msr_rt(1);

	(void)state;
	script(rt);
	st_msr(rt, true, 0xc0000080u, 0xd01);			/* 0: WRMSR EFER */
	st_tdcall(rt, TDG_VP_VEINFO_GET);			/* 1 */
	st_msr(rt, true, 0x10, 0x100000000ull);			/* 2: WRMSR TSC */
	st_tdcall(rt, TDG_VP_VEINFO_GET);			/* 3 */
	st_stop(rt);
	assert_int_equal(enter(rt, 0, 0, NULL), 1);
	all_run(rt);
	ve_at(rt, 0, 32);
	assert_int_equal(seen(rt, 1)->gpr[EMU_GPR_RAX], 0xd01);	/* untouched */
	assert_int_equal(seen(rt, 1)->gpr[EMU_GPR_RDX], 0);
	ve_at(rt, 2, 32);
	assert_int_equal(nmsr_calls, 0);
	assert_false(vcpu(rt, 0)->ve_valid);
	rt_free(rt);
}

/* MSRs outside the native set: APIC_BASE, LSTAR, KERNEL_GS_BASE, the MSRs
 * either side of SYSENTER_CS..EIP, the x2APIC register after the IRR and a
 * read of the write-only SELF_IPI. #VE with exit reason 31, RDX:RAX left
 * as they were, the CPU layer not asked. */
static void test_msr_not_native_ve(void **state)
{
	static const uint32_t msrs[] = { 0x1b, 0xc0000082u, 0xc0000102u, 0x173, 0x177, 0x828, 0x83f };
	unsigned n = sizeof(msrs) / sizeof(msrs[0]);
	struct rt *rt = msr_rt(1);

	(void)state;
	script(rt);
	for (unsigned i = 0; i < n; i++) {
		st_msr(rt, false, msrs[i], GARBAGE);		/* 2i */
		st_tdcall(rt, TDG_VP_VEINFO_GET);		/* 2i + 1 */
	}
	st_stop(rt);
	assert_int_equal(enter(rt, 0, 0, NULL), 1);
	all_run(rt);
	for (unsigned i = 0; i < n; i++) {
		ve_at(rt, 2 * i, 31);
		assert_int_equal(seen(rt, 2 * i + 1)->gpr[EMU_GPR_RAX], GARBAGE & 0xffffffffu);
		assert_int_equal(seen(rt, 2 * i + 1)->gpr[EMU_GPR_RDX], GARBAGE >> 32);
		assert_int_equal(seen(rt, 2 * i + 1)->gpr[EMU_GPR_RCX], msrs[i]);
	}
	assert_int_equal(nmsr_calls, 0);
	rt_free(rt);
}

/* A native MSR the CPU layer does not hold (guest_msr -1): PAT read and
 * write, SYSENTER_ESP read. The module asked (with the guest's RDX:RAX for
 * the write), then made it a #VE and left RDX:RAX alone. */
static void test_msr_layer_refuses_ve(void **state)
{
	struct rt *rt = msr_rt(1);

	(void)state;
	script(rt);
	st_msr(rt, false, 0x277, GARBAGE);			/* 0: RDMSR PAT */
	st_tdcall(rt, TDG_VP_VEINFO_GET);			/* 1 */
	st_msr(rt, true, 0x277, 0x0007040600070406ull);		/* 2: WRMSR PAT */
	st_tdcall(rt, TDG_VP_VEINFO_GET);			/* 3 */
	st_msr(rt, false, 0x175, GARBAGE);			/* 4: RDMSR SYSENTER_ESP */
	st_tdcall(rt, TDG_VP_VEINFO_GET);			/* 5 */
	st_stop(rt);
	assert_int_equal(enter(rt, 0, 0, NULL), 1);
	all_run(rt);
	ve_at(rt, 0, 31);
	assert_int_equal(seen(rt, 1)->gpr[EMU_GPR_RAX], GARBAGE & 0xffffffffu);
	assert_int_equal(seen(rt, 1)->gpr[EMU_GPR_RDX], GARBAGE >> 32);
	ve_at(rt, 2, 32);
	ve_at(rt, 4, 31);
	assert_int_equal(seen(rt, 5)->gpr[EMU_GPR_RAX], GARBAGE & 0xffffffffu);
	assert_int_equal(nmsr_calls, 3);
	msr_call_is(0, rt, 0, 0x277, false);
	msr_call_is(1, rt, 0, 0x277, true);
	assert_int_equal(msr_calls[1].val, 0x0007040600070406ull);
	msr_call_is(2, rt, 0, 0x175, false);
	rt_free(rt);
}

/* A CPU layer without guest_msr: EFER, TSC and FS_BASE become #VEs; the
 * x2APIC TPR does not need the CPU layer and stays native. */
static void test_msr_no_guest_msr_layer(void **state)
{
	struct rt *rt = rt_new(1, 0, true);

	(void)state;
	assert_null(rt->ops.guest_msr);
	script(rt);
	st_msr(rt, false, 0xc0000080u, GARBAGE);		/* 0: RDMSR EFER */
	st_tdcall(rt, TDG_VP_VEINFO_GET);			/* 1 */
	st_msr(rt, false, 0x10, GARBAGE);			/* 2: RDMSR TSC */
	st_tdcall(rt, TDG_VP_VEINFO_GET);			/* 3 */
	st_msr(rt, true, 0xc0000100u, 0x1000);			/* 4: WRMSR FS_BASE */
	st_tdcall(rt, TDG_VP_VEINFO_GET);			/* 5 */
	st_msr(rt, true, 0x808, 0x20);				/* 6: TPR = 0x20 */
	st_msr(rt, false, 0x808, GARBAGE);			/* 7 */
	st_stop(rt);
	assert_int_equal(enter(rt, 0, 0, NULL), 1);
	all_run(rt);
	ve_at(rt, 0, 31);
	assert_int_equal(seen(rt, 1)->gpr[EMU_GPR_RAX], GARBAGE & 0xffffffffu);
	ve_at(rt, 2, 31);
	ve_at(rt, 4, 32);
	native_at(rt, 6, 2);
	read_at(rt, 7, 0x808, 0x20);
	rt_free(rt);
}

/* x2APIC TPR and PPR: the TPR reads back what was written (0 at first);
 * the PPR is the TPR unless the in-service vector's class is above the
 * TPR's, then that class (low nibble 0); an EOI brings it back. */
static void test_x2apic_tpr_ppr(void **state)
{
	struct rt *rt = msr_rt(1);
	struct emu_vcpu *v = vcpu(rt, 0);

	(void)state;
	assert_int_equal(v->vtpr, 0);
	v->visr[1] = 1ull << 1;					/* 0x41 in service */
	script(rt);
	st_msr(rt, false, 0x808, GARBAGE);			/* 0: TPR: 0 */
	st_msr(rt, false, 0x80a, GARBAGE);			/* 1: PPR: 0x40 */
	st_msr(rt, true, 0x808, 0x50);				/* 2: TPR = 0x50 */
	st_msr(rt, false, 0x808, GARBAGE);			/* 3: TPR: 0x50 */
	st_msr(rt, false, 0x80a, GARBAGE);			/* 4: PPR: 0x50 */
	st_msr(rt, true, 0x808, 0x57);				/* 5 */
	st_msr(rt, false, 0x80a, GARBAGE);			/* 6: PPR: 0x57 */
	st_msr(rt, true, 0x808, 0x4c);				/* 7: same class as 0x41 */
	st_msr(rt, false, 0x80a, GARBAGE);			/* 8: PPR: 0x4c */
	st_msr(rt, true, 0x808, 0x35);				/* 9: below it */
	st_msr(rt, false, 0x80a, GARBAGE);			/* 10: PPR: 0x40 */
	st_msr(rt, true, 0x80b, 0);				/* 11: EOI */
	st_msr(rt, false, 0x80a, GARBAGE);			/* 12: PPR: 0x35 */
	st_msr(rt, false, 0x808, GARBAGE);			/* 13: TPR: 0x35 */
	st_stop(rt);
	assert_int_equal(enter(rt, 0, 0, NULL), 1);
	all_run(rt);
	for (unsigned k = 0; k <= 13; k++)
		native_at(rt, k, 2);
	read_at(rt, 0, 0x808, 0);
	read_at(rt, 1, 0x80a, 0x40);
	read_at(rt, 3, 0x808, 0x50);
	read_at(rt, 4, 0x80a, 0x50);
	read_at(rt, 6, 0x80a, 0x57);
	read_at(rt, 8, 0x80a, 0x4c);
	read_at(rt, 10, 0x80a, 0x40);
	read_at(rt, 12, 0x80a, 0x35);
	read_at(rt, 13, 0x808, 0x35);
	assert_int_equal(v->vtpr, 0x35);
	assert_true(!v->visr[0] && !v->visr[1] && !v->visr[2] && !v->visr[3]);
	assert_int_equal(nmsr_calls, 0);			/* the virtual APIC's */
	rt_free(rt);
}

/* ISR (0x810..0x817), TMR (0x818..0x81f) and IRR (0x820..0x827): 32 bits
 * each, MSR i holding vectors 32i..32i+31. First the virtual registers set
 * directly, then vectors posted by the host and one of them delivered. */
static void test_x2apic_isr_irr_slices(void **state)
{
	static const uint32_t isr[8] = { 0x00010000u, 0x80000001u, 0x12345678u, 0x9abcdef0u,
					 0, 0xffffffffu, 0x00000100u, 0x80000000u };
	static const uint32_t irr[8] = { 0x0000ffffu, 0x00000002u, 0xcafef00du, 0,
					 0x40000000u, 0x13579bdfu, 0x2468ace0u, 0x00000001u };
	struct rt *rt = msr_rt(1);
	struct emu_vcpu *v = vcpu(rt, 0);
	uint64_t pid = tdfx_page(rt->t);
	struct emu_regs r;

	(void)state;
	for (unsigned i = 0; i < 8; i++) {
		v->visr[i / 2] |= (uint64_t)isr[i] << (32 * (i % 2));
		v->virr[i / 2] |= (uint64_t)irr[i] << (32 * (i % 2));
	}
	assert_int_equal(v->visr[2] >> 32, 0xffffffffu);	/* vectors 0xa0..0xbf */
	script(rt);
	for (unsigned m = 0x810; m <= 0x827; m++)		/* step m - 0x810 */
		st_msr(rt, false, m, GARBAGE);
	st_stop(rt);
	assert_int_equal(enter(rt, 0, 0, NULL), 1);
	all_run(rt);
	for (unsigned i = 0; i < 8; i++) {
		read_at(rt, i, 0x810 + i, isr[i]);
		read_at(rt, 8 + i, 0x818 + i, 0);
		read_at(rt, 16 + i, 0x820 + i, irr[i]);
	}
	assert_int_equal(nmsr_calls, 0);

	/* The host posts 0x30, 0x41 and 0xfe (ON set); the next entry takes
	 * them into the IRR, the guest takes 0xfe. */
	memset(v->visr, 0, sizeof(v->visr));
	memset(v->virr, 0, sizeof(v->virr));
	assert_int_equal(sc5(rt->f, 0, TDH_VP_WR, rt->h.tdvpr[0], MD_VP_PI_DESC, pid, ~0x3full,
			     &r), TDX_SUCCESS);
	fm_put64(&rt->f->fm, pid, 1ull << 0x30);
	fm_put64(&rt->f->fm, pid + 8, 1ull << 1);
	fm_put64(&rt->f->fm, pid + 24, 1ull << 62);
	fm_put64(&rt->f->fm, pid + 32, 1);
	script(rt);
	st_msr(rt, false, 0x820, GARBAGE);			/* 0 */
	st_msr(rt, false, 0x821, GARBAGE);			/* 1: 0x30 */
	st_msr(rt, false, 0x822, GARBAGE);			/* 2: 0x41 */
	st_msr(rt, false, 0x827, GARBAGE);			/* 3: 0xfe */
	st_msr(rt, false, 0x817, GARBAGE)->take_intr = true;	/* 4: 0xfe taken */
	st_msr(rt, false, 0x827, GARBAGE);			/* 5 */
	st_msr(rt, false, 0x822, GARBAGE);			/* 6 */
	st_stop(rt);
	assert_int_equal(enter(rt, 0, 0, NULL), 1);
	all_run(rt);
	assert_int_equal(seen(rt, 0)->intr_vector, 0xfe);
	read_at(rt, 0, 0x820, 0);
	read_at(rt, 1, 0x821, 1u << 16);
	read_at(rt, 2, 0x822, 1u << 1);
	read_at(rt, 3, 0x827, 1u << 30);
	read_at(rt, 4, 0x817, 1u << 30);			/* now in service */
	read_at(rt, 5, 0x827, 0);
	read_at(rt, 6, 0x822, 1u << 1);				/* still requested */
	assert_int_equal(seen(rt, 5)->intr_vector, 0);		/* below 0xfe in service */
	assert_int_equal(fm_get64(&rt->f->fm, pid + 32) & 1, 0);
	rt_free(rt);
}

/* WRMSR SELF_IPI sets the vector's IRR bit, which the next entry offers;
 * a vector below 16 is not one the virtual APIC takes: #VE. */
static void test_x2apic_self_ipi(void **state)
{
	struct rt *rt = msr_rt(1);
	struct emu_vcpu *v = vcpu(rt, 0);

	(void)state;
	script(rt);
	st_msr(rt, true, 0x83f, 0x40);				/* 0 */
	st_msr(rt, false, 0x822, GARBAGE);			/* 1: IRR 95:64 */
	st_msr(rt, true, 0x83f, 0xe0);				/* 2 */
	st_msr(rt, false, 0x827, GARBAGE);			/* 3: IRR 255:224 */
	st_msr(rt, true, 0x83f, 0x0f);				/* 4: #VE */
	st_tdcall(rt, TDG_VP_VEINFO_GET);			/* 5 */
	st_stop(rt);
	assert_int_equal(enter(rt, 0, 0, NULL), 1);
	all_run(rt);
	assert_int_equal(seen(rt, 0)->intr_vector, 0);
	native_at(rt, 0, 2);
	assert_int_equal(seen(rt, 1)->intr_vector, 0x40);
	read_at(rt, 1, 0x822, 1);
	native_at(rt, 2, 2);
	assert_int_equal(seen(rt, 3)->intr_vector, 0xe0);	/* the highest */
	read_at(rt, 3, 0x827, 1);
	ve_at(rt, 4, 32);
	assert_int_equal(v->virr[0], 0);
	assert_int_equal(v->virr[1], 1);
	assert_int_equal(v->virr[2], 0);
	assert_int_equal(v->virr[3], 1ull << 32);
	assert_int_equal(nmsr_calls, 0);
	rt_free(rt);
}

/* The TPR holds back a requested vector whose class is not above it: with
 * TPR 0xf0 vector 0x40 is not offered and does not wake HLT (#VE); 0x4f
 * (same class) still holds it; 0x3f lets it through: HLT wakes, the guest
 * takes it, the PPR shows it in service, EOI ends it. */
static void test_x2apic_tpr_blocks_delivery(void **state)
{
	struct rt *rt = msr_rt(1);
	struct emu_vcpu *v = vcpu(rt, 0);
	struct step *s;

	(void)state;
	script(rt);
	st_msr(rt, true, 0x808, 0xf0);				/* 0 */
	st_msr(rt, true, 0x83f, 0x40);				/* 1: pending, held */
	st_msr(rt, false, 0x822, GARBAGE);			/* 2: in the IRR */
	s = add_step(rt, 12);					/* 3: HLT, IF=1 */
	s->x.instr_len = 1;
	s->x.rflags = 1u << 9;
	st_tdcall(rt, TDG_VP_VEINFO_GET);			/* 4 */
	st_msr(rt, true, 0x808, 0x4f);				/* 5 */
	st_msr(rt, true, 0x808, 0x3f);				/* 6 */
	s = add_step(rt, 12);					/* 7: HLT: woken */
	s->x.instr_len = 1;
	s->x.rflags = 1u << 9;
	st_msr(rt, false, 0x80a, GARBAGE)->take_intr = true;	/* 8: 0x40 taken; PPR */
	st_msr(rt, false, 0x812, GARBAGE);			/* 9: ISR 95:64 */
	st_msr(rt, true, 0x80b, 0);				/* 10: EOI */
	st_msr(rt, false, 0x80a, GARBAGE);			/* 11: PPR */
	st_stop(rt);
	assert_int_equal(enter(rt, 0, 0, NULL), 1);
	all_run(rt);
	native_at(rt, 0, 2);
	native_at(rt, 1, 2);
	for (unsigned k = 1; k <= 6; k++)
		assert_int_equal(seen(rt, k)->intr_vector, 0);
	read_at(rt, 2, 0x822, 1);
	assert_int_equal(seen(rt, 4)->inject, VE_INFO);		/* HLT not woken */
	assert_int_equal(seen(rt, 4)->rip_advance, 0);
	assert_int_equal(seen(rt, 5)->gpr[EMU_GPR_RCX], 12);
	native_at(rt, 5, 2);
	native_at(rt, 6, 2);
	assert_int_equal(seen(rt, 7)->intr_vector, 0x40);	/* TPR 0x3f: offered */
	assert_int_equal(seen(rt, 8)->inject, 0);		/* HLT woken */
	assert_int_equal(seen(rt, 8)->rip_advance, 1);
	assert_int_equal(seen(rt, 8)->intr_vector, 0x40);
	read_at(rt, 8, 0x80a, 0x40);
	assert_int_equal(seen(rt, 9)->intr_vector, 0);
	read_at(rt, 9, 0x812, 1);
	native_at(rt, 10, 2);
	read_at(rt, 11, 0x80a, 0x3f);
	assert_int_equal(v->vtpr, 0x3f);
	assert_true(!v->virr[1] && !v->visr[1]);
	rt_free(rt);
}

/* Native WRMSRs the CPU refuses raise #GP in the guest (no #VE, no RIP
 * advance, nothing reaches the CPU layer or the virtual APIC): bases and
 * entry points must be canonical, PAT types valid, x2APIC reserved bits 0. */
static void test_native_msr_gp(void **state)
{
	static const struct { uint32_t msr; uint64_t val; } bad[] = {
		{ 0xc0000100u, 0x0000800000000000ull }, { 0xc0000101u, 0xffff7fffffffffffull },
		{ 0x175, 0x0001000000000000ull }, { 0x176, 0x8000000000000000ull },
		{ 0x277, 0x0007040600070402ull }, { 0x277, 0x0807040600070406ull },
		{ 0x808, 0x150 }, { 0x83f, 0x1040 }, { 0x80b, 1 },
	};
	struct rt *rt = rt_new(1, 0, true);
	struct emu_vcpu *v = vcpu(rt, 0);
	unsigned n = sizeof(bad) / sizeof(bad[0]);

	(void)state;
	rt->ops.guest_msr = fake_guest_msr;
	guest_msr_calls = 0;
	script(rt);
	for (unsigned i = 0; i < n; i++)
		st_msr(rt, true, bad[i].msr, bad[i].val);
	st_msr(rt, true, 0xc0000100u, 0xffff800000001000ull);	/* canonical: native */
	st_stop(rt);
	assert_int_equal(enter(rt, 0, 0, NULL), 1);
	all_run(rt);
	for (unsigned k = 1; k <= n; k++) {
		assert_int_equal(seen(rt, k)->inject, GP_INFO);
		assert_int_equal(seen(rt, k)->rip_advance, 0);
	}
	assert_int_equal(guest_msr_calls, 1);		/* only the canonical one */
	assert_int_equal(v->vtpr, 0);
	assert_true(!v->virr[0] && !v->virr[1] && !v->virr[2] && !v->virr[3]);
	rt_free(rt);
}

/* CPUID 0x15 tells the TD its TSC_FREQUENCY (25 MHz units); leaves 1, 7
 * and 0xD hide what XFAM (x87 and SSE here) leaves off. */
static void xsave_cpuid(void *ctx, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	(void)ctx;
	out[0] = leaf == 0 ? 0x1f : leaf == 0xd && subleaf == 0 ? 0xe7 : leaf;
	out[1] = leaf == 7 ? 0xdc230020u : leaf == 0xd ? 2696 : leaf;
	out[2] = leaf == 1 ? (1u << 28 | 1u << 12 | 1u << 29 | 1u << 26) :
		 leaf == 0xd ? 2696 : leaf == 7 ? 0x5842u | 1u << 3 : leaf;
	out[3] = leaf == 7 ? 0x80010cu | 1u << 24 : 0x12345678u;
}

static void test_cpuid_tsc_and_xfam(void **state)
{
	static const uint32_t leaves[][2] = { { 0x15, 0 }, { 1, 0 }, { 7, 0 }, { 0xd, 0 }, { 0xd, 2 } };
	struct rt *rt = rt_new(1, 0, true);
	struct step *s;

	(void)state;
	rt->ops.cpuid = xsave_cpuid;
	script(rt);
	for (unsigned i = 0; i < 5; i++) {
		s = add_step(rt, 10);
		s->x.instr_len = 2;
		setg(s, EMU_GPR_RAX, leaves[i][0]);
		setg(s, EMU_GPR_RCX, leaves[i][1]);
	}
	st_stop(rt);
	assert_int_equal(enter(rt, 0, 0, NULL), 1);
	all_run(rt);
	assert_int_equal(seen(rt, 1)->gpr[EMU_GPR_RAX], 1);
	assert_int_equal(seen(rt, 1)->gpr[EMU_GPR_RBX], rt->td->tsc_frequency);
	assert_int_equal(seen(rt, 1)->gpr[EMU_GPR_RCX], 25000000);
	assert_int_equal(seen(rt, 2)->gpr[EMU_GPR_RCX] & (1u << 28 | 1u << 12 | 1u << 29), 0);
	assert_true(seen(rt, 2)->gpr[EMU_GPR_RCX] & (1u << 26));	/* XSAVE stays */
	assert_int_equal(seen(rt, 3)->gpr[EMU_GPR_RBX], 0);		/* AVX2, AVX-512 */
	assert_int_equal(seen(rt, 3)->gpr[EMU_GPR_RCX], 0);		/* VBMI.., PKU */
	assert_int_equal(seen(rt, 3)->gpr[EMU_GPR_RDX], 0);		/* AVX-512, AMX */
	assert_int_equal(seen(rt, 4)->gpr[EMU_GPR_RAX], rt->td->xfam & 0xe7);
	assert_int_equal(seen(rt, 4)->gpr[EMU_GPR_RCX], 576);
	assert_int_equal(seen(rt, 4)->gpr[EMU_GPR_RBX], 576);
	assert_int_equal(seen(rt, 5)->gpr[EMU_GPR_RAX], 0);		/* AVX state: not in XFAM */
	rt_free(rt);
}

/* ---- 8. Triple fault ------------------------------------------------------- */

static void test_triple_fault(void **state)
{
	struct rt *rt = rt_new(2, 0, true);
	struct emu_regs r;

	(void)state;
	script(rt);
	st_tdcall(rt, TDG_VP_INFO);
	add_step(rt, 2);
	r = dirty_regs(rt->h.tdvpr[0]);
	assert_int_equal(enter_r(rt, 0, &r), TDX_NON_RECOVERABLE_TD | 2);
	all_run(rt);
	exit_regs_are(&r, 0, 0, 0, 0);
	assert_true(rt->td->fatal);
	assert_int_equal(vcpu(rt, 0)->state, EMU_VCPU_DEAD);
	assert_false(vcpu(rt, 0)->running);
	assert_int_equal(rt->td->vcpus_running, 0);
	script(rt);
	assert_int_equal(enter(rt, 0, 0, NULL), TDX_TD_FATAL);
	assert_int_equal(enter(rt, 1, 1, NULL), TDX_TD_FATAL);
	assert_int_equal(rt->cpu.nseen, 0);
	/* Host leaves on the TD are refused too, VP.FLUSH still works. */
	assert_int_equal(hcall(rt, TDH_MEM_PAGE_AUG, PI(AUG_GPA, 0), rt->tdr, tdfx_page(rt->t), 0,
			       NULL),
			 TDX_TD_FATAL);
	assert_int_equal(sc1(rt->f, 0, TDH_VP_FLUSH, rt->h.tdvpr[0]), TDX_SUCCESS);
	rt_free(rt);
}

/* A pending page met while the CPU delivers a #DF: the CPU would shut
 * down, so the TD dies as on a triple fault. */
static void test_pending_during_df(void **state)
{
	struct rt *rt = rt_new(1, 0, true);
	struct step *s;
	struct emu_regs r;

	(void)state;
	aug(rt, AUG_GPA, 0);
	script(rt);
	s = st_ept(rt, AUG_GPA, 0x182);
	s->x.idt_vectoring = 0x80000e0e;	/* a #PF being delivered: #VE */
	s = st_ept(rt, AUG_GPA, 0x182);
	s->x.idt_vectoring = 0x80000b08;
	assert_int_equal(enter(rt, 0, 0, &r), TDX_NON_RECOVERABLE_TD | 2);
	all_run(rt);
	assert_int_equal(seen(rt, 1)->inject, VE_INFO);
	assert_true(rt->td->fatal);
	assert_int_equal(enter(rt, 0, 0, NULL), TDX_TD_FATAL);
	rt_free(rt);
}

/* ---- 9. TDG.MR.RTMR.EXTEND ------------------------------------------------- */

static void rtmr_expect(uint8_t mr[48], const uint8_t data[48])
{
	struct sha384_ctx c;

	sha384_init(&c);
	sha384_update(&c, mr, 48);
	sha384_update(&c, data, 48);
	sha384_final(&c, mr);
}

static void test_rtmr_extend(void **state)
{
	struct rt *rt = rt_new(1, 0, true);
	uint8_t data[48], data2[48], mr0[48] = { 0 }, mr2[48] = { 0 }, zero[48] = { 0 };
	struct step *s;

	(void)state;
	for (unsigned i = 0; i < 48; i++) {
		data[i] = (uint8_t)(i * 7 + 1);
		data2[i] = (uint8_t)(0xa0 ^ i);
	}
	gpa_put(rt, DATA_GPA, data, 48);
	gpa_put(rt, DATA_GPA + 0x80, data2, 48);
	script(rt);
	s = st_tdcall(rt, TDG_MR_RTMR_EXTEND);			/* 1 */
	setg(s, EMU_GPR_RCX, DATA_GPA);
	setg(s, EMU_GPR_RDX, 0);
	s = st_tdcall(rt, TDG_MR_RTMR_EXTEND);			/* 2 */
	setg(s, EMU_GPR_RCX, DATA_GPA + 0x80);
	setg(s, EMU_GPR_RDX, 0);
	s = st_tdcall(rt, TDG_MR_RTMR_EXTEND);			/* 3 */
	setg(s, EMU_GPR_RCX, DATA_GPA);
	setg(s, EMU_GPR_RDX, 2);
	s = st_tdcall(rt, TDG_MR_RTMR_EXTEND);			/* 4: bad index */
	setg(s, EMU_GPR_RCX, DATA_GPA);
	setg(s, EMU_GPR_RDX, 4);
	s = st_tdcall(rt, TDG_MR_RTMR_EXTEND);			/* 5: misaligned */
	setg(s, EMU_GPR_RCX, DATA_GPA + 0x20);
	setg(s, EMU_GPR_RDX, 1);
	s = st_tdcall(rt, TDG_MR_RTMR_EXTEND);			/* 6: pending */
	setg(s, EMU_GPR_RCX, AUG_GPA);
	setg(s, EMU_GPR_RDX, 1);
	s = st_tdcall(rt, TDG_MR_RTMR_EXTEND);			/* 7: shared */
	setg(s, EMU_GPR_RCX, SHARED_BIT | DATA_GPA);
	setg(s, EMU_GPR_RDX, 1);
	st_stop(rt);
	aug(rt, AUG_GPA, 0);
	assert_int_equal(enter(rt, 0, 0, NULL), 1);
	all_run(rt);
	for (unsigned i = 1; i <= 3; i++) {
		assert_int_equal(seen(rt, i)->gpr[EMU_GPR_RAX], TDX_SUCCESS);
		assert_int_equal(seen(rt, i)->rip_advance, TDCALL_LEN);
	}
	assert_int_equal(seen(rt, 4)->gpr[EMU_GPR_RAX], ERR(TDX_OPERAND_INVALID, RDX));
	for (unsigned i = 5; i <= 7; i++)
		assert_int_equal(seen(rt, i)->gpr[EMU_GPR_RAX], ERR(TDX_OPERAND_INVALID, RCX));
	rtmr_expect(mr0, data);
	rtmr_expect(mr0, data2);
	rtmr_expect(mr2, data);
	assert_memory_equal(rt->td->rtmr[0], mr0, 48);
	assert_memory_equal(rt->td->rtmr[2], mr2, 48);
	assert_memory_equal(rt->td->rtmr[1], zero, 48);
	assert_memory_equal(rt->td->rtmr[3], zero, 48);
	/* RTMR 0 after one extension: SHA-384(48 zero bytes || data). */
	{
		uint8_t buf[96] = { 0 }, one[48];

		memcpy(buf + 48, data, 48);
		sha384(buf, sizeof(buf), one);
		assert_memory_equal(mr2, one, 48);
	}
	rt_free(rt);
}

/* ---- 10. TDG.MR.REPORT ----------------------------------------------------- */

static void test_mr_report(void **state)
{
	struct rt *rt = rt_new(1, TDX_TD_ATTR_SEPT_VE_DISABLE, true);
	uint8_t data[48], rdata[64], rep[1024], h[48], zero[48] = { 0 };
	struct step *s;

	(void)state;
	for (unsigned i = 0; i < 48; i++)
		data[i] = (uint8_t)(3 * i);
	for (unsigned i = 0; i < 64; i++)
		rdata[i] = (uint8_t)(0x40 + i);
	gpa_put(rt, DATA_GPA, data, 48);
	gpa_put(rt, DATA_GPA + 0x40, rdata, 64);
	memset(rep, 0xee, sizeof(rep));
	gpa_put(rt, DATA_GPA + 0x400, rep, sizeof(rep));
	assert_memory_not_equal(rt->td->mrtd, zero, 48);

	script(rt);
	s = st_tdcall(rt, TDG_MR_RTMR_EXTEND);			/* 1 */
	setg(s, EMU_GPR_RCX, DATA_GPA);
	setg(s, EMU_GPR_RDX, 0);
	s = st_tdcall(rt, TDG_MR_REPORT);			/* 2 */
	setg(s, EMU_GPR_RCX, DATA_GPA + 0x400);
	setg(s, EMU_GPR_RDX, DATA_GPA + 0x40);
	setg(s, EMU_GPR_R8, 0);
	s = st_tdcall(rt, TDG_MR_REPORT);			/* 3: RCX misaligned */
	setg(s, EMU_GPR_RCX, DATA_GPA + 0x200);
	setg(s, EMU_GPR_RDX, DATA_GPA + 0x40);
	s = st_tdcall(rt, TDG_MR_REPORT);			/* 4: RCX shared */
	setg(s, EMU_GPR_RCX, SHARED_BIT | (DATA_GPA + 0x400));
	s = st_tdcall(rt, TDG_MR_REPORT);			/* 5: RDX misaligned */
	setg(s, EMU_GPR_RCX, DATA_GPA + 0x400);
	setg(s, EMU_GPR_RDX, DATA_GPA + 0x48);
	s = st_tdcall(rt, TDG_MR_REPORT);			/* 6: RDX unmapped */
	setg(s, EMU_GPR_RDX, 0x30000);
	s = st_tdcall(rt, TDG_MR_REPORT);			/* 7: sub-type */
	setg(s, EMU_GPR_RDX, DATA_GPA + 0x40);
	setg(s, EMU_GPR_R8, 1);
	s = st_tdcall(rt, TDG_MR_REPORT);			/* 8: RCX unmapped */
	setg(s, EMU_GPR_RCX, 0x30000);
	setg(s, EMU_GPR_R8, 0);
	st_stop(rt);
	assert_int_equal(enter(rt, 0, 0, NULL), 1);
	all_run(rt);
	assert_int_equal(seen(rt, 1)->gpr[EMU_GPR_RAX], TDX_SUCCESS);
	assert_int_equal(seen(rt, 2)->gpr[EMU_GPR_RAX], TDX_SUCCESS);
	assert_int_equal(seen(rt, 2)->rip_advance, TDCALL_LEN);
	assert_int_equal(seen(rt, 3)->gpr[EMU_GPR_RAX], ERR(TDX_OPERAND_INVALID, RCX));
	assert_int_equal(seen(rt, 4)->gpr[EMU_GPR_RAX], ERR(TDX_OPERAND_INVALID, RCX));
	assert_int_equal(seen(rt, 5)->gpr[EMU_GPR_RAX], ERR(TDX_OPERAND_INVALID, RDX));
	assert_int_equal(seen(rt, 6)->gpr[EMU_GPR_RAX], ERR(TDX_OPERAND_INVALID, RDX));
	assert_int_equal(seen(rt, 7)->gpr[EMU_GPR_RAX], ERR(TDX_OPERAND_INVALID, R8));
	assert_int_equal(seen(rt, 8)->gpr[EMU_GPR_RAX], ERR(TDX_OPERAND_INVALID, RCX));
	for (unsigned i = 1; i <= 8; i++)
		assert_int_equal(seen(rt, i)->rip_advance, TDCALL_LEN);

	gpa_bytes(rt, DATA_GPA + 0x400, rep, sizeof(rep));
	/* REPORTMACSTRUCT: type 0x81, subtype 0, version 0; REPORTDATA. */
	assert_int_equal(rep[0], 0x81);
	assert_int_equal(rep[1] | rep[2] | rep[3], 0);
	assert_memory_equal(rep + 128, rdata, 64);
	/* TDINFO: ATTRIBUTES, XFAM, MRTD, RTMR0. */
	{
		uint64_t attr, xfam;

		memcpy(&attr, rep + 512, 8);
		memcpy(&xfam, rep + 520, 8);
		assert_int_equal(attr, TDX_TD_ATTR_SEPT_VE_DISABLE);
		assert_int_equal(xfam, 3);
	}
	assert_memory_equal(rep + 512 + 16, rt->td->mrtd, 48);
	assert_memory_equal(rep + 512 + 208, rt->td->rtmr[0], 48);
	assert_memory_not_equal(rep + 512 + 208, zero, 48);
	assert_memory_equal(rep + 512 + 208 + 48, zero, 48);
	/* The hashes and the MAC. */
	sha384(rep + 512, 512, h);
	assert_memory_equal(rep + 80, h, 48);
	sha384(rep + 256, 256, h);
	assert_memory_equal(rep + 32, h, 48);
	hmac_sha384(REPORT_KEY, sizeof(REPORT_KEY) - 1, rep, 224, h);
	assert_memory_equal(rep + 224, h, 32);
	/* Nothing was written by the failed calls (the page around is intact). */
	gpa_bytes(rt, DATA_GPA + 0x800, rep, 16);
	assert_int_equal(rep[0] | rep[15], 0);
	rt_free(rt);
}

/* ---- 11. Entry refusals ---------------------------------------------------- */

static void test_entry_refusals(void **state)
{
	struct rt *rt = rt_new(3, 0, false);
	struct emu_regs r;
	struct step *s;

	(void)state;
	script(rt);
	assert_int_equal(enter(rt, 0, 0, NULL), TDX_OP_STATE_INCORRECT);
	finalize(rt);
	/* Associated with LP 0 by VP.INIT. */
	assert_int_equal(enter(rt, 1, 0, NULL), TDX_VCPU_ASSOCIATED);
	/* Reserved RCX bits; RESUME_L1 is for L2 VMs, which 1.5.01 lacks. */
	r = (struct emu_regs){ .rcx = rt->h.tdvpr[0] | TDX_VP_ENTER_RESUME_L1 };
	assert_int_equal(enter_r(rt, 0, &r), ERR(TDX_OPERAND_INVALID, RCX));
	r = (struct emu_regs){ .rcx = rt->h.tdvpr[0] | 0x800 };
	assert_int_equal(enter_r(rt, 0, &r), ERR(TDX_OPERAND_INVALID, RCX));
	r = (struct emu_regs){ .rcx = rt->h.tdvpr[0] | 1ull << 63 };
	assert_int_equal(enter_r(rt, 0, &r), ERR(TDX_OPERAND_INVALID, RCX));
	/* Not a TDVPR. */
	r = (struct emu_regs){ .rcx = rt->tdr };
	assert_int_equal(enter_r(rt, 0, &r), ERR(TDX_PAGE_METADATA_INCORRECT, RCX));
	r = (struct emu_regs){ .rcx = rt->h.tdcx[0][0] };
	assert_int_equal(enter_r(rt, 0, &r), ERR(TDX_PAGE_METADATA_INCORRECT, RCX));
	/* No CPU to run on. */
	emu_set_cpu_ops(rt->e, NULL, NULL);
	assert_int_equal(enter(rt, 0, 0, NULL), ERR(TDX_OPERAND_INVALID, RAX));
	{
		static const struct emu_cpu_ops flush_only = { .flush = cpu_flush };

		emu_set_cpu_ops(rt->e, &flush_only, &rt->cpu);
		assert_int_equal(enter(rt, 0, 0, NULL), ERR(TDX_OPERAND_INVALID, RAX));
	}
	emu_set_cpu_ops(rt->e, &rt->ops, &rt->cpu);
	assert_int_equal(rt->cpu.nseen, 0);
	/* The host-recoverability hint is accepted. */
	script(rt);
	st_stop(rt);
	r = (struct emu_regs){ .rcx = rt->h.tdvpr[0] | TDX_VP_ENTER_HOST_RECOVERABILITY_HINT };
	assert_int_equal(enter_r(rt, 0, &r), 1);
	all_run(rt);

	/* The CPU refused the entry: the vCPU is lost, the TD is not. */
	script(rt);
	s = add_step(rt, 0x80000000);
	s->rc = -1;
	r = dirty_regs(rt->h.tdvpr[0]);
	assert_int_equal(enter_r(rt, 0, &r), TDX_NON_RECOVERABLE_VCPU | 0x80000000);
	all_run(rt);
	exit_regs_are(&r, 0, 0, 0, 0);
	assert_int_equal(vcpu(rt, 0)->state, EMU_VCPU_DEAD);
	assert_false(vcpu(rt, 0)->running);
	assert_int_equal(rt->td->vcpus_running, 0);
	assert_false(rt->td->fatal);
	script(rt);
	assert_int_equal(enter(rt, 0, 0, NULL), TDX_VCPU_STATE_INCORRECT);
	assert_int_equal(rt->cpu.nseen, 0);
	/* A refusal without a reason still says "entry failure"; one the
	 * CPU reports as an exit with bit 31 (invalid guest state) too. */
	script(rt);
	add_step(rt, 0)->rc = -1;
	assert_int_equal(enter(rt, 1, 1, NULL), TDX_NON_RECOVERABLE_VCPU | 0x80000000);
	assert_int_equal(vcpu(rt, 1)->state, EMU_VCPU_DEAD);
	script(rt);
	st_tdcall(rt, TDG_VP_INFO);
	add_step(rt, 0x80000021);
	assert_int_equal(enter(rt, 2, 2, NULL), TDX_NON_RECOVERABLE_VCPU | 0x80000021);
	all_run(rt);
	assert_int_equal(vcpu(rt, 2)->state, EMU_VCPU_DEAD);
	assert_false(rt->td->fatal);
	assert_int_equal(enter(rt, 2, 2, NULL), TDX_VCPU_STATE_INCORRECT);
	rt_free(rt);
}

/* While the guest runs (the emulator lock is free), the vCPU is locked. */
static void busy_hook(struct rt *rt, const struct emu_vmentry *in)
{
	struct emu_vcpu *v = vcpu(rt, 0);
	struct emu_regs r;

	(void)in;
	assert_true(v->running);
	assert_int_equal(rt->td->vcpus_running, 1);
	r = (struct emu_regs){ .rax = TDH_VP_ENTER, .rcx = rt->h.tdvpr[0] };
	assert_int_equal(sc(rt->f, 1, &r), ERR(TDX_OPERAND_BUSY, TDVPR));
	r = (struct emu_regs){ .rax = TDH_VP_ENTER, .rcx = rt->h.tdvpr[0] };
	assert_int_equal(sc(rt->f, 0, &r), ERR(TDX_OPERAND_BUSY, TDVPR));
	assert_int_equal(sc5(rt->f, 0, TDH_VP_RD, rt->h.tdvpr[0], MD_VP_SHARED_EPTP, 0, 0, NULL),
			 TDX_VCPU_ASSOCIATED);
}

static void test_busy_while_running(void **state)
{
	struct rt *rt = rt_new(1, 0, true);

	(void)state;
	script(rt);
	st_stop(rt)->hook = busy_hook;
	assert_int_equal(enter(rt, 0, 0, NULL), 1);
	all_run(rt);
	assert_false(vcpu(rt, 0)->running);
	assert_int_equal(rt->td->vcpus_running, 0);
	rt_free(rt);
}

/* ---- 12. The shared half of the EPT ------------------------------------- */

static void test_shared_eptp(void **state)
{
	struct rt *rt = rt_new(1, 0, true);
	uint64_t root = rt->td->tdcs_pa[EMU_TDCS_SEPT_ROOT];
	uint64_t sh1 = tdfx_page(rt->t), sh2 = tdfx_page(rt->t), low[256];
	struct emu_regs r;

	(void)state;
	for (unsigned i = 0; i < 512; i++) {
		fm_put64(&rt->f->fm, sh1 + 8 * i, 0x1000000ull * i | 0x107);
		fm_put64(&rt->f->fm, sh2 + 8 * i, 0x2000000ull * i | 0x7);
	}
	assert_int_equal(fm_read(&rt->f->fm, root, low, sizeof(low)), 0);
	assert_int_not_equal(low[0], 0);	/* the private image's PDPT */
	/* Before any Shared-EPTP: the upper half stays empty. */
	script(rt);
	st_stop(rt);
	assert_int_equal(enter(rt, 0, 0, NULL), 1);
	for (unsigned i = 256; i < 512; i++)
		assert_int_equal(fm_get64(&rt->f->fm, root + 8 * i), 0);

	assert_int_equal(sc5(rt->f, 0, TDH_VP_WR, rt->h.tdvpr[0], MD_VP_SHARED_EPTP, sh1, ~0ull,
			     &r),
			 TDX_SUCCESS);
	assert_int_equal(r.r8, 0);
	/* Copied at the next entry, not before. */
	assert_int_equal(fm_get64(&rt->f->fm, root + 8 * 256), 0);
	script(rt);
	st_stop(rt);
	assert_int_equal(enter(rt, 0, 0, NULL), 1);
	for (unsigned i = 256; i < 512; i++)
		assert_int_equal(fm_get64(&rt->f->fm, root + 8 * i), 0x1000000ull * i | 0x107);
	for (unsigned i = 0; i < 256; i++)
		assert_int_equal(fm_get64(&rt->f->fm, root + 8 * i), low[i]);
	assert_int_equal(seen(rt, 0)->eptp, root | 3 << 3 | 6);

	/* Rewritten with the field's write mask; the copy follows. */
	assert_int_equal(sc5(rt->f, 0, TDH_VP_WR, rt->h.tdvpr[0], MD_VP_SHARED_EPTP, sh2,
			     MD_VP_SHARED_EPTP_WRITE_MASK, &r),
			 TDX_SUCCESS);
	assert_int_equal(r.r8, sh1);
	fm_put64(&rt->f->fm, sh2 + 8 * 300, 0xabc007);
	script(rt);
	st_stop(rt);
	assert_int_equal(enter(rt, 0, 0, NULL), 1);
	for (unsigned i = 256; i < 512; i++)
		assert_int_equal(fm_get64(&rt->f->fm, root + 8 * i),
				 i == 300 ? 0xabc007 : 0x2000000ull * i | 0x7);
	for (unsigned i = 0; i < 256; i++)
		assert_int_equal(fm_get64(&rt->f->fm, root + 8 * i), low[i]);
	rt_free(rt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entry_state),
		cmocka_unit_test(test_vmcall),
		cmocka_unit_test(test_vp_info),
		cmocka_unit_test(test_tdcall_fetch),
		cmocka_unit_test(test_accept),
		cmocka_unit_test(test_ve_pending),
		cmocka_unit_test(test_ve_disabled),
		cmocka_unit_test(test_instruction_exits),
		cmocka_unit_test(test_native_msrs),
		cmocka_unit_test(test_native_msr_gp),
		cmocka_unit_test(test_msr_efer_read_native),
		cmocka_unit_test(test_msr_efer_write_ve),
		cmocka_unit_test(test_msr_not_native_ve),
		cmocka_unit_test(test_msr_layer_refuses_ve),
		cmocka_unit_test(test_msr_no_guest_msr_layer),
		cmocka_unit_test(test_x2apic_tpr_ppr),
		cmocka_unit_test(test_x2apic_isr_irr_slices),
		cmocka_unit_test(test_x2apic_self_ipi),
		cmocka_unit_test(test_x2apic_tpr_blocks_delivery),
		cmocka_unit_test(test_cpuid_tsc_and_xfam),
		cmocka_unit_test(test_cpuid_virtualization),
		cmocka_unit_test(test_posted_interrupts),
		cmocka_unit_test(test_triple_fault),
		cmocka_unit_test(test_pending_during_df),
		cmocka_unit_test(test_rtmr_extend),
		cmocka_unit_test(test_mr_report),
		cmocka_unit_test(test_entry_refusals),
		cmocka_unit_test(test_busy_while_running),
		cmocka_unit_test(test_shared_eptp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
