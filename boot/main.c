/* baretdx UEFI loader: gathers what the kernel needs from the firmware,
 * places the embedded kernel, exits boot services and jumps.
 *
 * Everything the kernel gets is in struct boot_info (boot_info.h). Errors
 * before ExitBootServices are printed on the firmware console and returned
 * to the firmware, which then tries its next boot option. */
#include "boot/loader.h"
#include "boot/memmap.h"

#define CMDLINE_MAX 4096
#define MAP_SLACK   (16 * 1024)   /* room for entries our allocations add */
#define TRAMPOLINE_MAX_PA 0x9ffffull /* below the legacy VGA hole */
#define GIB (1ull << 30)

static UINT64 rdtsc(void)
{
	UINT32 lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((UINT64)hi << 32) | lo;
}

EFI_STATUS loader_alloc_pages(UINT32 type, UINTN pages, UINT64 max_pa,
			      UINT64 *pa)
{
	EFI_PHYSICAL_ADDRESS addr = max_pa;
	EFI_STATUS st = uefi_call_wrapper(BS->AllocatePages, 4,
					  max_pa ? AllocateMaxAddress
						 : AllocateAnyPages,
					  (EFI_MEMORY_TYPE)type, pages, &addr);
	if (EFI_ERROR(st))
		return st;
	ZeroMem((void *)(UINTN)addr, pages * EFI_PAGE_SIZE);
	*pa = addr;
	return EFI_SUCCESS;
}

static UINT64 find_rsdp(void)
{
	static EFI_GUID acpi20 = ACPI_20_TABLE_GUID;
	static EFI_GUID acpi10 = ACPI_TABLE_GUID;
	UINT64 v1 = 0;

	for (UINTN i = 0; i < ST->NumberOfTableEntries; i++) {
		EFI_CONFIGURATION_TABLE *t = &ST->ConfigurationTable[i];
		if (CompareGuid(&t->VendorGuid, &acpi20) == 0)
			return (UINT64)(UINTN)t->VendorTable;
		if (CompareGuid(&t->VendorGuid, &acpi10) == 0)
			v1 = (UINT64)(UINTN)t->VendorTable;
	}
	return v1;
}

static void find_framebuffer(struct boot_framebuffer *fb)
{
	EFI_GRAPHICS_OUTPUT_PROTOCOL *gop = NULL;

	if (EFI_ERROR(LibLocateProtocol(&GraphicsOutputProtocol, (void **)&gop)) ||
	    !gop || !gop->Mode || !gop->Mode->Info)
		return;
	fb->base = gop->Mode->FrameBufferBase;
	fb->width = gop->Mode->Info->HorizontalResolution;
	fb->height = gop->Mode->Info->VerticalResolution;
	fb->pitch = gop->Mode->Info->PixelsPerScanLine;
	fb->format = gop->Mode->Info->PixelFormat;
}

struct efi_map {
	void *buf;
	UINTN cap, size, key, desc_size;
	UINT32 desc_version;
};

static EFI_STATUS get_map(struct efi_map *m)
{
	m->size = m->cap;
	return uefi_call_wrapper(BS->GetMemoryMap, 5, &m->size, m->buf,
				 &m->key, &m->desc_size, &m->desc_version);
}

static EFI_STATUS alloc_map(struct efi_map *m)
{
	m->cap = 0;
	m->buf = NULL;
	get_map(m); /* learns the size: EFI_BUFFER_TOO_SMALL */
	m->cap = m->size + MAP_SLACK;
	m->buf = AllocatePool(m->cap);
	return m->buf ? get_map(m) : EFI_OUT_OF_RESOURCES;
}

/* End of the range to map: all of the low 4 GiB (MMIO lives there) and
 * every RAM-like region above it. */
static UINT64 map_end_of(const struct efi_map *m)
{
	UINT64 end = 4 * GIB;
	for (UINTN off = 0; off + m->desc_size <= m->size; off += m->desc_size) {
		const struct efi_mem_desc *d =
			(const struct efi_mem_desc *)((char *)m->buf + off);
		UINT64 e = d->phys_start + (d->num_pages << 12);
		if (d->type != EFI_MMIO && d->type != EFI_MMIO_PORT &&
		    d->type != EFI_RESERVED && e > end)
			end = e;
	}
	return (end + GIB - 1) & ~(GIB - 1);
}

static EFI_STATUS fail(const CHAR16 *what, EFI_STATUS st)
{
	Print(L"baretdx loader: %s: %r\n", what, st);
	return st;
}

__attribute__((noreturn))
static void jump(UINT64 pml4_pa, UINT64 entry, struct boot_info *bi)
{
	UINT64 bi_va = BOOT_DIRECT_MAP_BASE + (UINT64)(UINTN)bi;
	/* The loader runs identity mapped, which the new tables keep, so
	 * execution continues across the CR3 load. The kernel sets up its
	 * own stack, GDT and IDT first thing. */
	__asm__ volatile("cli\n\t"
			 "mov %0, %%cr3\n\t"
			 "xor %%ebp, %%ebp\n\t"
			 "jmp *%1"
			 : : "r"(pml4_pa), "r"(entry), "D"(bi_va) : "memory");
	__builtin_unreachable();
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	UINT64 tsc0 = rdtsc();
	EFI_LOADED_IMAGE *li = NULL;
	struct loaded_kernel k;
	struct efi_map map;
	struct boot_info *bi;
	UINT64 bi_pa, pml4_pa, tramp_pa, cmd_pa;
	UINTN bi_pages, regions_cap;
	BOOLEAN used_1g, truncated;
	EFI_STATUS st;

	InitializeLib(image, systab);
	/* The firmware's 5-minute watchdog would reset a long bench run. */
	uefi_call_wrapper(BS->SetWatchdogTimer, 4, 0, 0, 0, NULL);

	st = uefi_call_wrapper(BS->HandleProtocol, 3, image,
			       &LoadedImageProtocol, (void **)&li);
	if (EFI_ERROR(st))
		return fail(L"no loaded-image protocol", st);

	st = kernel_load(&k);
	if (EFI_ERROR(st))
		return fail(L"embedded kernel is not a valid ELF", st);

	st = loader_alloc_pages(EFI_TYPE_BARETDX_TRAMPOLINE, 1,
				TRAMPOLINE_MAX_PA, &tramp_pa);
	if (EFI_ERROR(st))
		return fail(L"no free page below 640 KiB for the AP trampoline", st);

	st = alloc_map(&map);
	if (EFI_ERROR(st))
		return fail(L"GetMemoryMap", st);

	st = paging_build(map_end_of(&map), &k, &pml4_pa, &used_1g);
	if (EFI_ERROR(st))
		return fail(L"building page tables", st);

	/* boot_info, then the region array, then the command line. */
	regions_cap = map.cap / map.desc_size + 64;
	bi_pages = EFI_SIZE_TO_PAGES(sizeof(*bi) +
				     regions_cap * sizeof(struct boot_mem_region) +
				     BOOT_FILES_MAX * sizeof(struct boot_file) +
				     CMDLINE_MAX);
	st = loader_alloc_pages(EFI_TYPE_BARETDX_BOOT_DATA, bi_pages, 0, &bi_pa);
	if (EFI_ERROR(st))
		return fail(L"allocating boot_info", st);
	bi = (struct boot_info *)(UINTN)bi_pa;
	bi->magic = BOOT_INFO_MAGIC;
	bi->version = BOOT_INFO_VERSION;
	bi->size = sizeof(*bi);
	bi->mem_pa = bi_pa + sizeof(*bi);
	bi->mem_cap = (UINT32)regions_cap;
	bi->files_pa = bi->mem_pa + regions_cap * sizeof(struct boot_mem_region);
	cmd_pa = bi->files_pa + BOOT_FILES_MAX * sizeof(struct boot_file);
	bi->cmdline_pa = cmd_pa;
	bi->cmdline_len = cmdline_from_load_options(li, (char *)(UINTN)cmd_pa,
						    CMDLINE_MAX);
	bi->rsdp_pa = find_rsdp();
	bi->trampoline_pa = tramp_pa;
	bi->kernel_pa = k.pa;
	bi->kernel_size = k.size;
	bi->syms_pa = k.syms_pa;
	bi->syms_count = k.syms_count;
	bi->symnames_pa = k.names_pa;
	bi->symnames_size = k.names_size;
	bi->pml4_pa = pml4_pa;
	bi->direct_map_size = map_end_of(&map);
	bi->tsc_loader_entry = tsc0;
	if (used_1g)
		bi->flags |= BOOT_FLAG_1G_PAGES;
	if (k.syms_truncated)
		bi->flags |= BOOT_FLAG_SYMS_TRUNCATED;
	find_framebuffer(&bi->fb);

	st = files_read_sibling(li, CFG_FILE_NAME, CFG_MAX_BYTES, FALSE,
				&bi->cfg_pa, &bi->cfg_len, &truncated);
	if (st == EFI_SUCCESS && truncated) {
		Print(L"baretdx loader: %s larger than %d bytes, rest ignored\n",
		      CFG_FILE_NAME, CFG_MAX_BYTES);
		bi->flags |= BOOT_FLAG_CFG_TRUNCATED;
	}
	bi->files_count = bootfiles_load(
		li, (const char *)(UINTN)bi->cfg_pa, bi->cfg_pa ? bi->cfg_len : 0,
		(const char *)(UINTN)bi->cmdline_pa, bi->cmdline_len,
		(struct boot_file *)(UINTN)bi->files_pa);

	/* From here on no allocation may happen: it would change the map
	 * and invalidate its key. ExitBootServices may still fail once when
	 * a firmware event changed the map; fetch it again and retry. */
	for (int tries = 0;; tries++) {
		st = get_map(&map);
		if (!EFI_ERROR(st))
			st = uefi_call_wrapper(BS->ExitBootServices, 2, image,
					       map.key);
		if (!EFI_ERROR(st))
			break;
		if (tries == 3)
			return fail(L"ExitBootServices", st);
	}

	struct memmap_result r = memmap_from_efi(
		map.buf, map.size, map.desc_size,
		(struct boot_mem_region *)(UINTN)bi->mem_pa, regions_cap);
	bi->mem_count = (UINT32)r.count;
	bi->mem_fixups = r.fixups + (r.error ? 1 : 0);
	bi->tsc_kernel_jump = rdtsc();
	jump(pml4_pa, k.entry, bi);
}
