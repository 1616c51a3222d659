/* Files next to the loader image, and the load options. */
#include "boot/loader.h"

#define PATH_MAX_CHARS 512

/* The directory part of the image's device path: the concatenated
 * MEDIA_FILEPATH_DP nodes up to the last backslash (UEFI 2.10 §10.3.5.4). */
static UINTN image_dir(EFI_LOADED_IMAGE *li, CHAR16 *out, UINTN cap)
{
	EFI_DEVICE_PATH *dp = li->FilePath;
	UINTN n = 0, last_sep = 0;

	while (dp && !IsDevicePathEnd(dp)) {
		if (DevicePathType(dp) == MEDIA_DEVICE_PATH &&
		    DevicePathSubType(dp) == MEDIA_FILEPATH_DP) {
			FILEPATH_DEVICE_PATH *fp = (FILEPATH_DEVICE_PATH *)dp;
			UINTN len = (DevicePathNodeLength(dp) - 4) / 2;
			if (n > 0 && out[n - 1] != L'\\' && n < cap)
				out[n++] = L'\\';
			for (UINTN i = 0; i < len && fp->PathName[i]; i++) {
				if (n + 1 >= cap)
					return 0;
				out[n++] = fp->PathName[i];
			}
		}
		dp = NextDevicePathNode(dp);
	}
	for (UINTN i = 0; i < n; i++)
		if (out[i] == L'\\')
			last_sep = i + 1;
	return last_sep;
}

/* Network boot: the same file from the TFTP server and directory the
 * image came from, through the PXE base code the firmware booted with
 * (UEFI 2.10 §24.3, Mtftp). The boot file name in the DHCP answer gives
 * the directory. */
static EFI_STATUS tftp_read_sibling(EFI_LOADED_IMAGE *li, const CHAR16 *name,
				    UINTN max, BOOLEAN whole, UINT64 *pa,
				    UINT32 *len, BOOLEAN *truncated)
{
	EFI_PXE_BASE_CODE_PROTOCOL *pxe = NULL;
	EFI_PXE_BASE_CODE_DHCPV4_PACKET *p;
	EFI_IP_ADDRESS server;
	UINT8 path[PATH_MAX_CHARS];
	UINT64 size = 0;
	UINTN dir = 0, n = 0, pages;
	EFI_STATUS st;

	st = uefi_call_wrapper(BS->HandleProtocol, 3, li->DeviceHandle,
			       &PxeBaseCodeProtocol, (void **)&pxe);
	if (EFI_ERROR(st) || !pxe || !pxe->Mode || !pxe->Mode->Started ||
	    pxe->Mode->UsingIpv6 || !pxe->Mode->DhcpAckReceived)
		return EFI_UNSUPPORTED;
	p = &pxe->Mode->DhcpAck.Dhcpv4;
	ZeroMem(&server, sizeof(server));
	CopyMem(&server, p->BootpSiAddr, 4);
	if (pxe->Mode->ProxyOfferReceived &&
	    pxe->Mode->ProxyOffer.Dhcpv4.BootpBootFile[0]) {
		p = &pxe->Mode->ProxyOffer.Dhcpv4;
		CopyMem(&server, p->BootpSiAddr, 4);
	}
	for (; n < sizeof(p->BootpBootFile) && p->BootpBootFile[n]; n++) {
		path[n] = p->BootpBootFile[n];
		if (path[n] == '/' || path[n] == '\\')
			dir = n + 1;
	}
	for (n = 0; name[n] && dir + n + 1 < PATH_MAX_CHARS; n++)
		path[dir + n] = name[n] == L'\\' ? '/' : (UINT8)name[n];
	path[dir + n] = 0;

	/* The size first (TFTP tsize option); without it, read up to max. */
	st = uefi_call_wrapper(pxe->Mtftp, 10, pxe, EFI_PXE_BASE_CODE_TFTP_GET_FILE_SIZE,
			       NULL, FALSE, &size, NULL, &server, path, NULL, FALSE);
	if (!EFI_ERROR(st) && size > max && whole) {
		*truncated = TRUE;
		return EFI_SUCCESS;
	}
	if (EFI_ERROR(st) || size == 0 || size > max)
		size = max;
	pages = EFI_SIZE_TO_PAGES(size + 1);
	st = loader_alloc_pages(EFI_TYPE_BARETDX_BOOT_DATA, pages, 0, pa);
	if (EFI_ERROR(st))
		return st;
	st = uefi_call_wrapper(pxe->Mtftp, 10, pxe, EFI_PXE_BASE_CODE_TFTP_READ_FILE,
			       (void *)(UINTN)*pa, FALSE, &size, NULL, &server, path,
			       NULL, FALSE);
	*truncated = st == EFI_BUFFER_TOO_SMALL;
	if ((EFI_ERROR(st) && !*truncated) || (*truncated && whole)) {
		uefi_call_wrapper(BS->FreePages, 2, *pa, pages);
		*pa = 0;
		return *truncated ? EFI_SUCCESS : st;
	}
	*len = (UINT32)size;
	return EFI_SUCCESS;
}

/* Reads an open file of `size` bytes into new boot-data pages (one byte
 * more, so text always ends in a NUL). Over max: the first max bytes, or
 * nothing when only whole files will do. */
static EFI_STATUS read_open_file(EFI_FILE_HANDLE fh, UINT64 size, UINTN max,
				 BOOLEAN whole, UINT64 *pa, UINT32 *len,
				 BOOLEAN *truncated)
{
	UINTN want = size > max ? max : size;
	UINTN pages = EFI_SIZE_TO_PAGES(want + 1);
	EFI_STATUS st;

	*pa = 0;
	*len = 0;
	*truncated = size > max;
	if (*truncated && whole)
		return EFI_SUCCESS;
	st = loader_alloc_pages(EFI_TYPE_BARETDX_BOOT_DATA, pages, 0, pa);
	if (EFI_ERROR(st)) {
		*pa = 0;
		return st;
	}
	st = uefi_call_wrapper(fh->Read, 3, fh, &want, (void *)(UINTN)*pa);
	if (EFI_ERROR(st)) {
		uefi_call_wrapper(BS->FreePages, 2, *pa, pages);
		*pa = 0;
		return st;
	}
	*len = (UINT32)want;
	return EFI_SUCCESS;
}

EFI_STATUS files_read_sibling(EFI_LOADED_IMAGE *li, const CHAR16 *name,
			      UINTN max, BOOLEAN whole, UINT64 *pa,
			      UINT32 *len, BOOLEAN *truncated)
{
	CHAR16 path[PATH_MAX_CHARS];
	EFI_FILE_HANDLE root, fh;
	EFI_FILE_INFO *info;
	UINT64 size;
	UINTN dir;
	EFI_STATUS st;

	*pa = 0;
	*len = 0;
	*truncated = FALSE;
	dir = image_dir(li, path, PATH_MAX_CHARS);
	if (dir + StrLen(name) + 1 > PATH_MAX_CHARS)
		return EFI_BUFFER_TOO_SMALL;
	StrCpy(path + dir, name);
	for (UINTN i = dir; path[i]; i++) /* a/b.txt names a subdirectory */
		if (path[i] == L'/')
			path[i] = L'\\';

	root = LibOpenRoot(li->DeviceHandle);
	if (!root)
		return tftp_read_sibling(li, name, max, whole, pa, len, truncated);
	st = uefi_call_wrapper(root->Open, 5, root, &fh, path,
			       EFI_FILE_MODE_READ, 0);
	uefi_call_wrapper(root->Close, 1, root);
	if (EFI_ERROR(st))
		return st;
	info = LibFileInfo(fh);
	if (!info) {
		uefi_call_wrapper(fh->Close, 1, fh);
		return EFI_DEVICE_ERROR;
	}
	size = info->FileSize;
	FreePool(info);
	st = read_open_file(fh, size, max, whole, pa, len, truncated);
	uefi_call_wrapper(fh->Close, 1, fh);
	return st;
}

/* A directory a setting names, as a path on the boot file system: a
 * leading / or \ makes it absolute, anything else is relative to the
 * image's directory; / separates like \. 0 when it does not fit. */
static UINTN dir_path(EFI_LOADED_IMAGE *li, const char *dir, CHAR16 *out,
		      UINTN cap)
{
	UINTN n = 0;

	if (dir[0] != '/' && dir[0] != '\\')
		n = image_dir(li, out, cap);
	for (UINTN i = 0; dir[i]; i++) {
		if (n + 1 >= cap)
			return 0;
		out[n++] = dir[i] == '/' ? L'\\' : (CHAR16)(unsigned char)dir[i];
	}
	while (n > 1 && out[n - 1] == L'\\')
		n--;
	out[n] = 0;
	return n;
}

static CHAR16 lower(CHAR16 c)
{
	return c >= L'A' && c <= L'Z' ? c + (L'a' - L'A') : c;
}

/* Whether name ends in suffix, ASCII letters in any case; "" matches all. */
static BOOLEAN has_suffix(const CHAR16 *name, const char *suffix)
{
	UINTN n = StrLen(name), k = strlena((CHAR8 *)suffix);

	if (k > n)
		return FALSE;
	for (UINTN i = 0; i < k; i++)
		if (lower(name[n - k + i]) != lower((CHAR16)(unsigned char)suffix[i]))
			return FALSE;
	return TRUE;
}

/* The name as the file table holds it: printable ASCII, shorter than
 * BOOT_FILE_NAME_MAX. FALSE when it is not. */
static BOOLEAN table_name(const CHAR16 *name, char *out)
{
	UINTN i;

	for (i = 0; name[i]; i++) {
		if (i + 1 >= BOOT_FILE_NAME_MAX || name[i] < 0x20 || name[i] > 0x7e)
			return FALSE;
		out[i] = (char)name[i];
	}
	out[i] = 0;
	return i > 0;
}

static int name_cmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

/* Keeps out[0..*n) sorted by name and at most cap long: a name past the
 * last of a full table, or the last one it displaces, is dropped. Returns
 * FALSE when one was. Sorting makes the table, and which files it keeps,
 * the same on every boot whatever order the file system lists them in. */
static BOOLEAN insert_sorted(struct boot_file *out, UINT32 cap, UINT32 *n,
			     const char *name, UINT32 kind)
{
	UINT32 p = 0, last;
	BOOLEAN dropped = *n == cap;

	while (p < *n && name_cmp(out[p].name, name) < 0)
		p++;
	if (p == cap)
		return FALSE;
	last = dropped ? cap - 1 : *n;
	for (UINT32 i = last; i > p; i--)
		CopyMem(&out[i], &out[i - 1], sizeof(out[i]));
	ZeroMem(&out[p], sizeof(out[p]));
	CopyMem(out[p].name, (void *)name, strlena((CHAR8 *)name) + 1);
	out[p].kind = kind;
	if (!dropped)
		(*n)++;
	return !dropped;
}

/* Reads the file f names in the open directory dh: f->name and f->kind
 * are set, the rest is filled here. */
static void read_entry(EFI_FILE_HANDLE dh, const CHAR16 *dir,
		       const CHAR16 *sep, UINTN max, struct boot_file *f)
{
	CHAR16 name[BOOT_FILE_NAME_MAX];
	CHAR16 shown[PATH_MAX_CHARS + BOOT_FILE_NAME_MAX];
	EFI_FILE_HANDLE fh;
	EFI_FILE_INFO *info;
	BOOLEAN truncated = FALSE;
	UINT64 pa = 0;
	UINT32 len = 0;
	EFI_STATUS st;
	UINTN i;

	for (i = 0; f->name[i]; i++)
		name[i] = (CHAR16)(unsigned char)f->name[i];
	name[i] = 0;
	SPrint(shown, sizeof(shown), L"%s%s%s", dir, sep, name);
	st = uefi_call_wrapper(dh->Open, 5, dh, &fh, name, EFI_FILE_MODE_READ, 0);
	if (!EFI_ERROR(st)) {
		info = LibFileInfo(fh);
		if (info) {
			st = read_open_file(fh, info->FileSize, max, TRUE, &pa,
					    &len, &truncated);
			FreePool(info);
		} else {
			st = EFI_DEVICE_ERROR;
		}
		uefi_call_wrapper(fh->Close, 1, fh);
	}
	bootfile_result(f, st, truncated, pa, len, shown);
}

EFI_STATUS files_read_dir(EFI_LOADED_IMAGE *li, const char *dir,
			  const char *suffix, UINT32 kind, UINTN max,
			  struct boot_file *out, UINT32 cap, UINT32 *filled,
			  UINT32 *skipped)
{
	CHAR16 path[PATH_MAX_CHARS];
	UINTN info_size = SIZE_OF_EFI_FILE_INFO + 256 * sizeof(CHAR16), n;
	EFI_FILE_HANDLE root, dh;
	EFI_FILE_INFO *info;
	char name[BOOT_FILE_NAME_MAX];
	const CHAR16 *sep;
	BOOLEAN is_dir;
	EFI_STATUS st;

	*filled = 0;
	*skipped = 0;
	n = dir_path(li, dir, path, PATH_MAX_CHARS);
	if (n == 0)
		return EFI_BUFFER_TOO_SMALL;
	sep = path[n - 1] == L'\\' ? L"" : L"\\";
	root = LibOpenRoot(li->DeviceHandle);
	if (!root)
		return EFI_UNSUPPORTED;
	st = uefi_call_wrapper(root->Open, 5, root, &dh, path,
			       EFI_FILE_MODE_READ, 0);
	uefi_call_wrapper(root->Close, 1, root);
	if (EFI_ERROR(st))
		return st;
	info = LibFileInfo(dh);
	if (!info) {
		uefi_call_wrapper(dh->Close, 1, dh);
		return EFI_DEVICE_ERROR;
	}
	is_dir = (info->Attribute & EFI_FILE_DIRECTORY) != 0;
	FreePool(info);
	if (!is_dir) {
		uefi_call_wrapper(dh->Close, 1, dh);
		return EFI_INVALID_PARAMETER;
	}

	/* First the names: each Read returns the next entry, 0 bytes at
	 * the end; an entry whose name does not fit in the buffer says how
	 * much room it needs. */
	info = AllocatePool(info_size);
	while (info) {
		UINTN got = info_size;
		st = uefi_call_wrapper(dh->Read, 3, dh, &got, info);
		if (st == EFI_BUFFER_TOO_SMALL) {
			FreePool(info);
			info_size = got;
			info = AllocatePool(info_size);
			continue;
		}
		if (EFI_ERROR(st) || got == 0)
			break;
		if ((info->Attribute & EFI_FILE_DIRECTORY) ||
		    !StrCmp(info->FileName, L".") || !StrCmp(info->FileName, L"..") ||
		    !has_suffix(info->FileName, suffix))
			continue;
		if (!table_name(info->FileName, name)) {
			Print(L"baretdx loader: %s%s%s: name not printable ASCII or longer than %d characters, skipped\n",
			      path, sep, info->FileName, BOOT_FILE_NAME_MAX - 1);
			continue;
		}
		if (!insert_sorted(out, cap, filled, name, kind))
			(*skipped)++;
	}
	if (info)
		FreePool(info);
	else
		st = EFI_OUT_OF_RESOURCES;

	/* Then the bytes, of the files that made it into the table. */
	for (UINT32 i = 0; i < *filled; i++)
		read_entry(dh, path, sep, max, &out[i]);
	uefi_call_wrapper(dh->Close, 1, dh);
	return st;
}

/* Load options are UCS-2 text when the image was started from the UEFI
 * shell or a boot entry with arguments. Boot managers may pass binary
 * option data instead, so anything that is not plain printable ASCII is
 * ignored as a whole. The shell puts the image name first: drop it. */
UINT32 cmdline_from_load_options(EFI_LOADED_IMAGE *li, char *out, UINT32 cap)
{
	const CHAR16 *s = li->LoadOptions;
	UINTN n = li->LoadOptionsSize / 2;
	UINT32 len = 0, start = 0;

	if (!s || n == 0)
		return 0;
	for (UINTN i = 0; i < n && s[i]; i++) {
		if ((s[i] < 0x20 || s[i] > 0x7e) && s[i] != L'\t')
			return 0;
		if (len + 1 >= cap)
			break;
		out[len++] = (char)s[i];
	}
	out[len] = 0;
	while (start < len && (out[start] == ' ' || out[start] == '\t'))
		start++;
	UINT32 end = start;
	while (end < len && out[end] != ' ' && out[end] != '\t' && out[end] != '=')
		end++;
	if (end - start >= 4 && (end == len || out[end] != '=')) {
		const char *ext = out + end - 4;
		if (ext[0] == '.' && (ext[1] | 0x20) == 'e' &&
		    (ext[2] | 0x20) == 'f' && (ext[3] | 0x20) == 'i')
			start = end;
	}
	CopyMem(out, out + start, len - start + 1);
	return len - start;
}
