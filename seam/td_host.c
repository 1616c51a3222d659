/* TD lifecycle on the host: see td_host.h. Flow and rules: tdx-abi.md §6.2
 * (create), §6.3 (GPA/level operands), §7.3 (measurement), §6.8-§6.9
 * (removal and teardown); Linux KVM's order where the spec leaves a choice. */
#include <string.h>
#include "seam/td_host.h"

#define PG 4096ull
#define SZ_2M (2ull << 20)
#define TD_PARAMS_TSC_UNIT 25000000ull	/* TSC_FREQUENCY is in 25 MHz units */

static void why(struct td *td, const char *what, uint64_t st)
{
	if (td->why[0])
		return;
	/* Short on purpose: the SEAMCALL layer already printed the details. */
	const char *hex = "0123456789abcdef";
	size_t n = 0;
	while (what[n] && n < sizeof(td->why) - 22) {
		td->why[n] = what[n];
		n++;
	}
	if (st) {
		td->why[n++] = ':';
		td->why[n++] = ' ';
		td->why[n++] = '0';
		td->why[n++] = 'x';
		for (int i = 60; i >= 0; i -= 4)
			td->why[n++] = hex[(st >> i) & 0xf];
	}
	td->why[n] = 0;
}

static uint64_t sc(struct td *td, unsigned cpu, struct tdx_regs *r, uint64_t expected)
{
	return tdx_seamcall(td->h, cpu, r, expected);
}

/* Leaves without an LP of their own run where the caller is: from a
 * vCPU loop on an AP, bouncing to a busy boot CPU would deadlock. */
static unsigned boot_cpu(const struct td *td)
{
	const struct tdx_host_ops *o = td->h->ops;
	return o->this_cpu ? o->this_cpu(o->ctx) : 0;
}

/* Host bookkeeping pages (mirror, bounce, TD_PARAMS): not the TD's. */
static int host_alloc(struct td *td, uint64_t bytes, uint64_t *pa)
{
	return td->mem.alloc(td->mem.ctx, bytes, PG, pa);
}

static void host_free(struct td *td, uint64_t pa, uint64_t bytes)
{
	td->mem.free(td->mem.ctx, pa, bytes);
}

static void *virt(struct td *td, uint64_t pa)
{
	return td->h->ops->phys_to_virt(td->h->ops->ctx, pa);
}

/* Pages the module will own, counted in td->pages. */
static int alloc_td(struct td *td, uint64_t bytes, uint64_t *pa)
{
	if (td->mem.alloc(td->mem.ctx, bytes, bytes, pa))
		return -1;
	td->pages += bytes / PG;
	return 0;
}

static int alloc_page(struct td *td, uint64_t *pa)
{
	return alloc_td(td, PG, pa);
}

static void free_pages(struct td *td, uint64_t pa, uint64_t bytes)
{
	td->mem.free(td->mem.ctx, pa, bytes);
	td->pages -= bytes / PG;
}

/* ---- KeyIDs ---------------------------------------------------------- */

static int keyid_alloc(struct tdx_host *h, uint16_t *out)
{
	for (unsigned i = 0; i < h->td_keyid_count && i < TDX_HOST_MAX_TD_KEYIDS; i++) {
		if (h->td_keyid_busy[i / 64] & (1ull << (i % 64)))
			continue;
		h->td_keyid_busy[i / 64] |= 1ull << (i % 64);
		*out = (uint16_t)(h->td_keyid_first + i);
		return 0;
	}
	return -1;
}

static void keyid_free(struct tdx_host *h, uint16_t keyid)
{
	unsigned i = (unsigned)(keyid - h->td_keyid_first);
	if (i < TDX_HOST_MAX_TD_KEYIDS)
		h->td_keyid_busy[i / 64] &= ~(1ull << (i % 64));
}

/* ---- The S-EPT mirror ------------------------------------------------- */

static struct td_map *map_find(struct td *td, unsigned kind, uint64_t gpa, unsigned level)
{
	for (unsigned i = 0; i < td->nmap; i++)
		if (td->map[i].kind == kind && td->map[i].gpa == gpa && td->map[i].level == level)
			return &td->map[i];
	return NULL;
}

/* Room for one more entry. Taken before the SEAMCALL the entry records:
 * a page the module accepted must never miss the mirror for want of
 * memory, or destroy cannot reclaim it (nor the TDR after it). */
static int map_reserve(struct td *td)
{
	if (td->nmap == td->capmap) {
		uint64_t bytes = td->map_bytes ? td->map_bytes * 2 : 4 * PG, pa;
		if (host_alloc(td, bytes, &pa))
			return -1;
		struct td_map *n = virt(td, pa);
		if (td->nmap)
			memcpy(n, td->map, td->nmap * sizeof(*n));
		if (td->map_bytes)
			host_free(td, td->map_pa, td->map_bytes);
		td->map = n;
		td->map_pa = pa;
		td->map_bytes = bytes;
		td->capmap = (unsigned)(bytes / sizeof(*n));
	}
	return 0;
}

/* Cannot fail after a map_reserve. */
static int map_add(struct td *td, const struct td_map *m)
{
	if (map_reserve(td))
		return -1;
	td->map[td->nmap++] = *m;
	return 0;
}

/* The S-EPT tables above a mapping at `level`: SEPT.ADD from the root
 * down, for those not there yet. */
static int ensure_tables(struct td *td, uint64_t gpa, unsigned level)
{
	for (unsigned l = 3; l > level; l--) {
		uint64_t span = PG << (9 * l);	/* what one entry at l covers */
		uint64_t base = gpa & ~(span - 1), pa;
		struct tdx_regs r;
		uint64_t st;

		if (map_find(td, TD_MAP_SEPT, base, l))
			continue;
		if (map_reserve(td))
			return why(td, "out of memory for the S-EPT mirror", 0), -1;
		if (alloc_page(td, &pa))
			return why(td, "out of memory for an S-EPT page", 0), -1;
		r = (struct tdx_regs){ .rax = TDH_MEM_SEPT_ADD, .rcx = TDX_PAGE_INFO(base, l),
				       .rdx = td->tdr, .r8 = pa };
		st = sc(td, boot_cpu(td), &r, 0);
		if (st) {
			free_pages(td, pa, PG);
			return why(td, "TDH.MEM.SEPT.ADD failed", st), -1;
		}
		struct td_map m = { .gpa = base, .pa = pa, .kind = TD_MAP_SEPT, .level = (uint8_t)l };
		if (map_add(td, &m))
			return why(td, "out of memory for the S-EPT mirror", 0), -1;
	}
	return 0;
}

/* ---- Create ------------------------------------------------------------ */

static void fill_params(const struct td *td, const struct td_request *req,
			struct tdx_td_params *p)
{
	const struct tdx_module_info *mi = &td->h->info;
	uint64_t tsc = req->tsc_hz / TD_PARAMS_TSC_UNIT;

	memset(p, 0, sizeof(*p));
	p->attributes = (req->attributes | mi->attributes_fixed1) & mi->attributes_fixed0;
	/* x87 and SSE: what every module allows (XFAM_FIXED1). */
	p->xfam = mi->xfam_fixed1;
	p->max_vcpus = (uint16_t)req->vcpus;
	p->eptp_controls = TDX_EPTP_CONTROLS_PWL4;
	/* Linux always asks for NO_RBP_MOD when the module has it; firmware
	 * that lists RBP in its TDVMCALLs (GHCI 1.0) needs it off. */
	if ((mi->config_flags_fixed0 & TDX_CONFIG_FLAGS_NO_RBP_MOD) && !req->allow_rbp)
		p->config_flags |= TDX_CONFIG_FLAGS_NO_RBP_MOD;
	p->config_flags |= mi->config_flags_fixed1;
	p->tsc_frequency = (uint16_t)(tsc < 4 ? 4 : tsc > 400 ? 400 : tsc);
}

static int create_vcpu(struct td *td, unsigned i, const struct td_request *req)
{
	struct td_vcpu *v = &td->vcpu[i];
	unsigned ntdcx = td->h->info.tdvps_base_size / PG - 1;
	struct tdx_regs r;
	uint64_t st;

	v->assoc_cpu = -1;
	if (ntdcx > TD_MAX_TDCX)
		return why(td, "the module wants more TDCX pages than supported", 0), -1;
	if (alloc_page(td, &v->tdvpr))
		return why(td, "out of memory for a TDVPR page", 0), -1;
	r = (struct tdx_regs){ .rax = TDH_VP_CREATE, .rcx = v->tdvpr, .rdx = td->tdr };
	st = sc(td, boot_cpu(td), &r, 0);
	if (st) {
		free_pages(td, v->tdvpr, PG);
		v->tdvpr = 0;
		return why(td, "TDH.VP.CREATE failed", st), -1;
	}
	for (unsigned k = 0; k < ntdcx; k++) {
		if (alloc_page(td, &v->tdcx[k]))
			return why(td, "out of memory for a TDCX page", 0), -1;
		r = (struct tdx_regs){ .rax = TDH_VP_ADDCX, .rcx = v->tdcx[k], .rdx = v->tdvpr };
		st = sc(td, boot_cpu(td), &r, 0);
		if (st) {
			free_pages(td, v->tdcx[k], PG);
			v->tdcx[k] = 0;
			return why(td, "TDH.VP.ADDCX failed", st), -1;
		}
		v->ntdcx++;
	}
	/* RCX = R8 in the guest: the TD HOB's GPA for TDVF (as QEMU+KVM pass
	 * it), else its vCPU number, for payloads that want it. */
	r = (struct tdx_regs){ .rax = TDH_VP_INIT, .rcx = v->tdvpr,
			       .rdx = req->hob_gpa ? req->hob_gpa : i };
	st = sc(td, boot_cpu(td), &r, 0);
	if (st)
		return why(td, "TDH.VP.INIT failed", st), -1;
	/* VP.INIT associates the vCPU with the LP it ran on. */
	v->assoc_cpu = (int)boot_cpu(td);
	v->state = TD_VCPU_READY;
	return 0;
}

int td_create(struct td *td, struct tdx_host *h, const struct td_request *req)
{
	unsigned ntdcs = h->info.tdcs_base_size / PG;
	struct tdx_td_params *params;
	uint64_t params_pa, st;
	struct tdx_regs r;

	memset(td, 0, sizeof(*td));
	td->h = h;
	td->state = TD_BUILDING;
	td->mem = req->mem ? *req->mem
			   : (struct td_mem_ops){ h->ops->alloc_pages, h->ops->free_pages, h->ops->ctx };
	if (req->vcpus == 0 || req->vcpus > TD_MAX_VCPUS ||
	    (h->info.has_max_vcpus_per_td && req->vcpus > h->info.max_vcpus_per_td)) {
		why(td, "vCPU count out of range", 0);
		td->state = TD_NONE;
		return -1;
	}
	if (ntdcs == 0 || ntdcs > TD_MAX_TDCS) {
		why(td, "the module's TDCS size is not supported", 0);
		td->state = TD_NONE;
		return -1;
	}
	if (keyid_alloc(h, &td->hkid)) {
		why(td, "no free TDX KeyID (each TD needs its own)", 0);
		td->state = TD_NONE;
		return -1;
	}
	if (alloc_page(td, &td->tdr)) {
		why(td, "out of memory for the TDR page", 0);
		goto fail;
	}
	r = (struct tdx_regs){ .rax = TDH_MNG_CREATE, .rcx = td->tdr, .rdx = td->hkid };
	st = sc(td, boot_cpu(td), &r, 0);
	if (st) {
		free_pages(td, td->tdr, PG);
		td->tdr = 0;
		why(td, "TDH.MNG.CREATE failed", st);
		goto fail;
	}
	/* One LP in every package programs the TD's key. */
	for (unsigned p = 0; p < h->npkgs; p++) {
		r = (struct tdx_regs){ .rax = TDH_MNG_KEY_CONFIG, .rcx = td->tdr };
		st = sc(td, h->pkg_cpu[p], &r, TDX_KEY_CONFIGURED);
		if (st && st != TDX_KEY_CONFIGURED) {
			why(td, "TDH.MNG.KEY.CONFIG failed", st);
			goto fail;
		}
	}
	td->keyed = true;
	for (unsigned i = 0; i < ntdcs; i++) {
		if (alloc_page(td, &td->tdcs[i])) {
			why(td, "out of memory for a TDCS page", 0);
			goto fail;
		}
		r = (struct tdx_regs){ .rax = TDH_MNG_ADDCX, .rcx = td->tdcs[i], .rdx = td->tdr };
		st = sc(td, boot_cpu(td), &r, 0);
		if (st) {
			free_pages(td, td->tdcs[i], PG);
			td->tdcs[i] = 0;
			why(td, "TDH.MNG.ADDCX failed", st);
			goto fail;
		}
		td->ntdcs++;
	}
	if (host_alloc(td, PG, &params_pa)) {
		why(td, "out of memory for TD_PARAMS", 0);
		goto fail;
	}
	params = virt(td, params_pa);
	fill_params(td, req, params);
	td->attributes = params->attributes;
	r = (struct tdx_regs){ .rax = TDH_MNG_INIT, .rcx = td->tdr, .rdx = params_pa };
	st = sc(td, boot_cpu(td), &r, 0);
	host_free(td, params_pa, PG);
	if (st) {
		why(td, "TDH.MNG.INIT failed", st);
		goto fail;
	}
	sha384_init(&td->mr);
	for (unsigned i = 0; i < req->vcpus; i++) {
		td->nvcpus = i + 1;
		if (create_vcpu(td, i, req))
			goto fail;
	}
	return 0;
fail:
	td_destroy(td);
	return -1;
}

/* ---- Build ------------------------------------------------------------- */

static void mr_block(struct td *td, const char *tag, uint64_t gpa)
{
	uint8_t b[128];

	memset(b, 0, sizeof(b));
	memcpy(b, tag, strlen(tag));
	for (int i = 0; i < 8; i++)
		b[16 + i] = (uint8_t)(gpa >> (8 * i));
	sha384_update(&td->mr, b, sizeof(b));
}

int td_add_image(struct td *td, uint64_t gpa, const void *image, uint64_t size, bool measure)
{
	return td_add_region(td, gpa, image, size, size, measure);
}

int td_add_region(struct td *td, uint64_t gpa, const void *data, uint64_t data_len,
		  uint64_t size, bool measure)
{
	const uint8_t *image = data;
	uint64_t src, st;
	uint8_t *buf;

	if (td->state != TD_BUILDING || (gpa & (PG - 1)))
		return why(td, "image: bad state or alignment", 0), -1;
	/* The source must be a shared page (KeyID 0): a bounce page. */
	if (host_alloc(td, PG, &src))
		return why(td, "out of memory for the image bounce page", 0), -1;
	buf = virt(td, src);
	for (uint64_t off = 0; off < size; off += PG) {
		uint64_t n = off < data_len ? (data_len - off < PG ? data_len - off : PG) : 0;
		uint64_t pa, g = gpa + off;
		struct tdx_regs r;

		memset(buf, 0, PG);
		if (n)
			memcpy(buf, image + off, n);
		if (ensure_tables(td, g, 0))
			goto fail;
		if (map_reserve(td)) {
			why(td, "out of memory for the S-EPT mirror", 0);
			goto fail;
		}
		if (alloc_page(td, &pa)) {
			why(td, "out of memory for an image page", 0);
			goto fail;
		}
		r = (struct tdx_regs){ .rax = TDH_MEM_PAGE_ADD, .rcx = TDX_PAGE_INFO(g, 0),
				       .rdx = td->tdr, .r8 = pa, .r9 = src };
		st = sc(td, boot_cpu(td), &r, 0);
		if (st) {
			free_pages(td, pa, PG);
			why(td, "TDH.MEM.PAGE.ADD failed", st);
			goto fail;
		}
		struct td_map m = { .gpa = g, .pa = pa, .kind = TD_MAP_PAGE, .level = 0,
				    .measured = 1 };
		if (map_add(td, &m)) {
			why(td, "out of memory for the S-EPT mirror", 0);
			goto fail;
		}
		mr_block(td, "MEM.PAGE.ADD", g);
		if (!measure)
			continue;
		for (unsigned k = 0; k < 16; k++) {
			r = (struct tdx_regs){ .rax = TDH_MR_EXTEND, .rcx = g + 256ull * k,
					       .rdx = td->tdr };
			st = sc(td, boot_cpu(td), &r, 0);
			if (st) {
				why(td, "TDH.MR.EXTEND failed", st);
				goto fail;
			}
			mr_block(td, "MR.EXTEND", g + 256ull * k);
			sha384_update(&td->mr, buf + 256 * k, 256);
		}
	}
	host_free(td, src, PG);
	return 0;
fail:
	host_free(td, src, PG);
	return -1;
}

int td_finalize(struct td *td)
{
	struct tdx_regs r = { .rax = TDH_MR_FINALIZE, .rcx = td->tdr };
	uint64_t st = sc(td, boot_cpu(td), &r, 0);

	if (st)
		return why(td, "TDH.MR.FINALIZE failed", st), -1;
	sha384_final(&td->mr, td->mrtd);
	td->state = TD_RUNNABLE;
	return 0;
}

int td_mem_rd(struct td *td, uint64_t gpa, uint64_t *val)
{
	struct tdx_regs r = { .rax = TDH_MEM_RD, .rcx = gpa, .rdx = td->tdr };
	uint64_t st = sc(td, boot_cpu(td), &r, 0);

	if (st)
		return why(td, "TDH.MEM.RD failed (debug TDs only)", st), -1;
	*val = r.r8;
	return 0;
}

int td_mng_rd(struct td *td, uint64_t field, uint64_t *val)
{
	struct tdx_regs r = { .rax = TDH_MNG_RD, .rcx = td->tdr, .rdx = field };
	uint64_t st = sc(td, boot_cpu(td), &r, 0);

	if (st)
		return why(td, "TDH.MNG.RD failed", st), -1;
	*val = r.r8;
	return 0;
}

int td_aug(struct td *td, uint64_t gpa, unsigned level)
{
	uint64_t size = level ? SZ_2M : PG, pa, st;
	struct tdx_regs r;

	gpa &= ~(size - 1);
	if (map_find(td, TD_MAP_PAGE, gpa, level))
		return 0;	/* another vCPU got there first */
	if (ensure_tables(td, gpa, level))
		return -1;
	if (map_reserve(td))
		return why(td, "out of memory for the S-EPT mirror", 0), -1;
	if (alloc_td(td, size, &pa))
		return why(td, "out of memory for guest memory", 0), -1;
	r = (struct tdx_regs){ .rax = TDH_MEM_PAGE_AUG, .rcx = TDX_PAGE_INFO(gpa, level),
			       .rdx = td->tdr, .r8 = pa };
	st = sc(td, boot_cpu(td), &r, 0);
	if (st) {
		free_pages(td, pa, size);
		return why(td, "TDH.MEM.PAGE.AUG failed", st), -1;
	}
	struct td_map m = { .gpa = gpa, .pa = pa, .kind = TD_MAP_PAGE, .level = (uint8_t)level };
	if (map_add(td, &m))
		return why(td, "out of memory for the S-EPT mirror", 0), -1;
	return 0;
}

/* ---- Run --------------------------------------------------------------- */

int td_vcpu_move(struct td *td, unsigned i, unsigned cpu)
{
	struct td_vcpu *v = &td->vcpu[i];
	struct tdx_regs r;
	uint64_t st;

	if (v->assoc_cpu >= 0 && v->assoc_cpu != (int)cpu) {
		/* A vCPU's VMCS is cached on the LP it last ran on: flush it
		 * there before it runs anywhere else (§6.6). */
		r = (struct tdx_regs){ .rax = TDH_VP_FLUSH, .rcx = v->tdvpr };
		st = sc(td, (unsigned)v->assoc_cpu, &r, TDX_VCPU_NOT_ASSOCIATED);
		if (st && st != TDX_VCPU_NOT_ASSOCIATED)
			return why(td, "TDH.VP.FLUSH failed", st), -1;
		v->assoc_cpu = -1;
	}
	v->cpu = cpu;
	return 0;
}

uint64_t td_enter(struct td *td, unsigned i, struct tdx_regs *exit)
{
	struct td_vcpu *v = &td->vcpu[i];
	struct tdx_regs r = v->reply ? v->regs : (struct tdx_regs){ 0 };
	uint64_t st;

	r.rax = TDH_VP_ENTER;
	r.rcx = v->tdvpr;
	v->reply = false;
	/* Not through the retry policy: a busy entry is the caller's to
	 * retry, after it has handled whatever made it busy. */
	st = td->h->ops->seamcall(td->h->ops->ctx, v->cpu, &r);
	v->assoc_cpu = (int)v->cpu;
	*exit = r;
	return st;
}

void td_vmcall_reply_regs(struct td *td, unsigned i, const struct tdx_regs *out)
{
	td->vcpu[i].regs = *out;
	td->vcpu[i].reply = true;
}

void td_vmcall_reply(struct td *td, unsigned i, uint64_t status, uint64_t r11,
		     const uint64_t *r12_r15)
{
	struct td_vcpu *v = &td->vcpu[i];

	memset(&v->regs, 0, sizeof(v->regs));
	v->regs.r10 = status;
	v->regs.r11 = r11;
	if (r12_r15) {
		v->regs.r12 = r12_r15[0];
		v->regs.r13 = r12_r15[1];
		v->regs.r14 = r12_r15[2];
		v->regs.r15 = r12_r15[3];
	}
	v->reply = true;
}

/* ---- Destroy (§6.9) ------------------------------------------------------ */

/* Takes a page back from the module and frees it; false when the module
 * keeps it (then it stays allocated: never reuse a page the module owns). */
static bool reclaim(struct td *td, uint64_t pa, uint64_t bytes)
{
	struct tdx_regs r = { .rax = TDH_PHYMEM_PAGE_RECLAIM, .rcx = pa };
	uint64_t st = sc(td, boot_cpu(td), &r, 0);

	if (st) {
		why(td, "TDH.PHYMEM.PAGE.RECLAIM failed", st);
		return false;
	}
	free_pages(td, pa, bytes);
	return true;
}

uint64_t td_destroy(struct td *td)
{
	struct tdx_host *h = td->h;
	struct tdx_regs r;
	uint64_t st, leaked = 0;
	bool torn_down = false;

	if (!h || td->state == TD_NONE)
		return 0;
	if (td->tdr && td->keyed) {
		for (unsigned i = 0; i < td->nvcpus; i++) {
			struct td_vcpu *v = &td->vcpu[i];
			if (!v->tdvpr || v->assoc_cpu < 0)
				continue;
			r = (struct tdx_regs){ .rax = TDH_VP_FLUSH, .rcx = v->tdvpr };
			sc(td, (unsigned)v->assoc_cpu, &r, TDX_VCPU_NOT_ASSOCIATED);
			v->assoc_cpu = -1;
		}
		r = (struct tdx_regs){ .rax = TDH_MNG_VPFLUSHDONE, .rcx = td->tdr };
		st = sc(td, boot_cpu(td), &r, 0);
		if (!st) {
			for (unsigned p = 0; p < h->npkgs; p++) {
				r = (struct tdx_regs){ .rax = TDH_PHYMEM_CACHE_WB, .rcx = 0 };
				sc(td, h->pkg_cpu[p], &r, TDX_NO_HKID_READY_TO_WBCACHE);
			}
			r = (struct tdx_regs){ .rax = TDH_MNG_KEY_FREEID, .rcx = td->tdr };
			st = sc(td, boot_cpu(td), &r, 0);
			torn_down = st == 0;
		}
		if (!torn_down)
			why(td, "teardown did not reach TEARDOWN", st);
	}
	if (torn_down || !td->tdr) {
		/* Children first (data, S-EPT from the leaves up), the TDR last. */
		for (unsigned pass = 0; pass <= 3; pass++)
			for (unsigned i = td->nmap; i-- > 0;) {
				struct td_map *m = &td->map[i];
				unsigned order = m->kind == TD_MAP_PAGE ? 0 : m->level;
				if (order != pass || !m->pa)
					continue;
				uint64_t bytes = m->kind == TD_MAP_PAGE && m->level ? SZ_2M : PG;
				if (!reclaim(td, m->pa, bytes))
					leaked += bytes / PG;
				m->pa = 0;
			}
		for (unsigned i = 0; i < td->nvcpus; i++) {
			struct td_vcpu *v = &td->vcpu[i];
			for (unsigned k = 0; k < v->ntdcx; k++)
				if (!reclaim(td, v->tdcx[k], PG))
					leaked++;
			if (v->tdvpr && !reclaim(td, v->tdvpr, PG))
				leaked++;
		}
		for (unsigned i = 0; i < td->ntdcs; i++)
			if (!reclaim(td, td->tdcs[i], PG))
				leaked++;
		if (td->tdr) {
			/* The TDR goes last; the module wrote it with the global
			 * KeyID, whose cache lines PAGE.WBINVD writes back. */
			r = (struct tdx_regs){ .rax = TDH_PHYMEM_PAGE_RECLAIM, .rcx = td->tdr };
			st = sc(td, boot_cpu(td), &r, 0);
			if (!st) {
				r = (struct tdx_regs){ .rax = TDH_PHYMEM_PAGE_WBINVD,
					.rcx = td->tdr | ((uint64_t)h->global_keyid << h->keyid_shift) };
				sc(td, boot_cpu(td), &r, 0);
				free_pages(td, td->tdr, PG);
			} else {
				why(td, "TDH.PHYMEM.PAGE.RECLAIM of the TDR failed", st);
				leaked++;
			}
		}
	} else {
		leaked = td->pages;	/* the module keeps them all */
	}
	if (td->map_bytes)
		host_free(td, td->map_pa, td->map_bytes);
	td->map = NULL;
	td->map_bytes = 0;
	if (torn_down || !td->tdr)
		keyid_free(h, td->hkid);
	td->state = TD_NONE;
	return leaked;
}

/* ---- Changing a running TD --------------------------------------------- */

int td_vp_wr(struct td *td, unsigned i, uint64_t field, uint64_t value, uint64_t mask)
{
	struct td_vcpu *v = &td->vcpu[i];
	struct tdx_regs r = { .rax = TDH_VP_WR, .rcx = v->tdvpr, .rdx = field, .r8 = value,
			      .r9 = mask };
	uint64_t st = sc(td, v->cpu, &r, 0);

	if (st)
		return why(td, "TDH.VP.WR failed", st), -1;
	v->assoc_cpu = (int)v->cpu;
	return 0;
}

#define TRACK_TRIES 1000

int td_remove_private(struct td *td, uint64_t gpa, void (*kick)(void *ctx), void *ctx)
{
	struct td_map *m = map_find(td, TD_MAP_PAGE, gpa & ~(PG - 1), 0);
	struct tdx_regs r;
	uint64_t st, info;
	unsigned tries;

	if (!m || !m->pa)
		return 0;
	info = TDX_PAGE_INFO(m->gpa, 0);
	r = (struct tdx_regs){ .rax = TDH_MEM_RANGE_BLOCK, .rcx = info, .rdx = td->tdr };
	st = sc(td, boot_cpu(td), &r, TDX_GPA_RANGE_ALREADY_BLOCKED);
	if (st && st != TDX_GPA_RANGE_ALREADY_BLOCKED)
		return why(td, "TDH.MEM.RANGE.BLOCK failed", st), -1;
	/* TRACK fails while a vCPU still runs in the epoch before; REMOVE
	 * while one still runs in the epoch of the block. */
	for (tries = 0;; tries++) {
		r = (struct tdx_regs){ .rax = TDH_MEM_TRACK, .rcx = td->tdr };
		st = sc(td, boot_cpu(td), &r, TDX_PREVIOUS_TLB_EPOCH_BUSY);
		if (!st)
			break;
		if ((st & TDX_STATUS_MASK) != TDX_PREVIOUS_TLB_EPOCH_BUSY || tries == TRACK_TRIES)
			return why(td, "TDH.MEM.TRACK failed", st), -1;
		kick(ctx);
	}
	for (tries = 0;; tries++) {
		kick(ctx);
		r = (struct tdx_regs){ .rax = TDH_MEM_PAGE_REMOVE, .rcx = info, .rdx = td->tdr };
		st = sc(td, boot_cpu(td), &r, TDX_TLB_TRACKING_NOT_DONE);
		if (!st)
			break;
		if ((st & TDX_STATUS_MASK) != TDX_TLB_TRACKING_NOT_DONE || tries == TRACK_TRIES)
			return why(td, "TDH.MEM.PAGE.REMOVE failed", st), -1;
	}
	/* The page held the TD's data under its KeyID: write its cache lines
	 * back and clear it before anyone else gets it (§6.8 steps 5-6). */
	r = (struct tdx_regs){ .rax = TDH_PHYMEM_PAGE_WBINVD,
			       .rcx = m->pa | ((uint64_t)td->hkid << td->h->keyid_shift) };
	sc(td, boot_cpu(td), &r, 0);
	memset(virt(td, m->pa), 0, PG);
	free_pages(td, m->pa, PG);
	/* Drop it from the mirror: the last entry takes its place. */
	*m = td->map[--td->nmap];
	return 0;
}
