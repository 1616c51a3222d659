/* Blob choice, SEAMLDR_PARAMS and the install session; see seamldr_host.h. */
#include <string.h>
#include "seam/seamldr_host.h"
#include "seam/tdx_status.h"

static const char *const fit_texts[] = {
	[SEAMLDR_FIT_OK] = "suits this CPU and P-SEAMLDR",
	[SEAMLDR_FIT_BAD_BLOB] = "fails verification",
	[SEAMLDR_FIT_CPU] = "not for this CPU (CPUID.1.EAX not in its table)",
	[SEAMLDR_FIT_NO_LOADER] = "no P-SEAMLDR answers SEAMLDR.INFO",
	[SEAMLDR_FIT_NO_UPDATES] = "the P-SEAMLDR has no updates left",
	[SEAMLDR_FIT_DOWNGRADE] = "older than the running module (needs SEAMLDR.CLEANUP)",
};

const char *seamldr_fit_text(enum seamldr_fit f)
{
	return (unsigned)f < sizeof(fit_texts) / sizeof(fit_texts[0]) ? fit_texts[f] : "?";
}

uint16_t seamldr_info_svn(const struct seamldr_info *info)
{
	uint64_t valid;

	memcpy(&valid, &info->seam_info[SEAMLDR_SEAMEXTEND_VALID], sizeof(valid));
	if (!valid)
		return 0;
	return (uint16_t)(info->seam_info[SEAMLDR_SEAMEXTEND_TEE_TCB_SVN] |
			  info->seam_info[SEAMLDR_SEAMEXTEND_TEE_TCB_SVN + 1] << 8);
}

enum seamldr_fit seamldr_fit(const struct tdxblob *b, uint32_t fms,
			     const struct seamldr_info *info)
{
	uint16_t cur;

	if (b->failed)
		return SEAMLDR_FIT_BAD_BLOB;
	if (!tdxblob_cpu_supported(b, fms))
		return SEAMLDR_FIT_CPU;
	if (!info)
		return SEAMLDR_FIT_NO_LOADER;
	if (info->num_remaining_updates == 0)
		return SEAMLDR_FIT_NO_UPDATES;
	/* PSL verify_manifest: a LOAD after a module ran needs the same major
	 * SEAMSVN and no lower minor one, or SEAMLDR.CLEANUP first. */
	cur = seamldr_info_svn(info);
	if (cur && ((b->seamsvn >> 8) != (cur >> 8) || (b->seamsvn & 0xff) < (cur & 0xff)))
		return SEAMLDR_FIT_DOWNGRADE;
	return SEAMLDR_FIT_OK;
}

int seamldr_pick_best(const struct tdxblob *const *b, const enum seamldr_fit *fit,
		      unsigned n)
{
	int best = -1;

	for (unsigned i = 0; i < n; i++) {
		if (fit[i] != SEAMLDR_FIT_OK)
			continue;
		if (best < 0 || b[i]->seamsvn > b[best]->seamsvn ||
		    (b[i]->seamsvn == b[best]->seamsvn && b[i]->date > b[best]->date))
			best = (int)i;
	}
	return best;
}

void seamldr_params_fill(const struct tdxblob *b, uint64_t blob_pa,
			 struct seamldr_params *p)
{
	memset(p, 0, sizeof(*p));
	p->version = 0;
	p->scenario = SEAMLDR_SCENARIO_LOAD;
	p->sigstruct_pa = blob_pa + b->sigstruct_offset;
	p->num_module_pages = b->module_pages;
	for (uint32_t i = 0; i < b->module_pages && i < SEAMLDR_MAX_MODULE_PAGES; i++)
		p->module_pages_pa[i] = blob_pa + b->module_offset + (uint64_t)i * TDXBLOB_PAGE;
}

static bool install_one(const struct seamldr_ops *ops, unsigned cpu, uint64_t params_pa,
			struct seamldr_install_result *res)
{
	uint64_t rdx = 0;

	res->status = ops->install_on(ops->ctx, cpu, params_pa, &rdx);
	res->rdx = rdx;
	res->cpu = cpu;
	res->calls++;
	return res->status == SEAMLDR_SUCCESS;
}

int seamldr_install_all(const struct seamldr_ops *ops, uint64_t params_pa,
			struct seamldr_install_result *res)
{
	memset(res, 0, sizeof(*res));
	res->status = SEAMLDR_EBADCALL;
	/* Checked before any call: a session started on the others would
	 * complete (the last of them loading the module) with no last_cpu. */
	if (ops->last_cpu >= ops->ncpus)
		return -1;
	for (unsigned cpu = 0; cpu < ops->ncpus; cpu++)
		if (cpu != ops->last_cpu && !install_one(ops, cpu, params_pa, res))
			return -1;
	if (!install_one(ops, ops->last_cpu, params_pa, res))
		return -1;
	return 0;
}

const char *seamldr_status_text(uint64_t status)
{
	switch (status) {
	case SEAMLDR_SUCCESS: return "SEAMLDR_SUCCESS";
	case SEAMLDR_EBADPARAM: return "SEAMLDR_EBADPARAM: SEAMLDR_PARAMS or an address in it refused";
	case SEAMLDR_EBADCALL: return "SEAMLDR_EBADCALL: INSTALL twice on one CPU, or during SHUTDOWN";
	case SEAMLDR_ECLEANUPREQ: return "SEAMLDR_ECLEANUPREQ: older module after one ran; SEAMLDR.CLEANUP first";
	case SEAMLDR_EUNSUPPORTED: return "SEAMLDR_EUNSUPPORTED: module the loader will not load";
	case SEAMLDR_ENOMEM: return "SEAMLDR_ENOMEM: SEAM range too small for the module";
	case SEAMLDR_EUNSUPCPU: return "SEAMLDR_EUNSUPCPU: a CPU of this platform is not in the module's CPUID table";
	case SEAMLDR_EBADSIG: return "SEAMLDR_EBADSIG: SIGSTRUCT, signer or signature refused";
	case SEAMLDR_EBADHASH: return "SEAMLDR_EBADHASH: module pages do not match SEAMHASH";
	case SEAMLDR_ENOENTROPY: return "SEAMLDR_ENOENTROPY: no entropy; try again";
	default: return seamldr_status_name(status);
	}
}
