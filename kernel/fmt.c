#include "kernel/fmt.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* <limits.h> is not available to the kernel build. */
#define FMT_INT_MAX ((int)(~0u >> 1))

/* Padding goes out in blocks of this size, so a wide field costs a few
 * calls to the sink rather than one per character. */
#define FMT_PAD_CHUNK 32

/* Enough for any uintmax_t in octal (22 digits for 64 bits). */
#define FMT_DIGITS_MAX (sizeof(uintmax_t) * 3)

enum {
	FMT_LEFT = 1u << 0,
	FMT_ZERO = 1u << 1,
	FMT_PLUS = 1u << 2,
	FMT_SPACE = 1u << 3,
	FMT_ALT = 1u << 4,
};

enum fmt_len {
	FMT_LEN_NONE,
	FMT_LEN_HH,
	FMT_LEN_H,
	FMT_LEN_L,
	FMT_LEN_LL,
	FMT_LEN_Z,
	FMT_LEN_J,
	FMT_LEN_T,
};

struct fmt_spec {
	unsigned flags;
	int width;
	int prec; /* negative: none given */
	enum fmt_len len;
	char conv;
};

struct fmt_sink {
	fmt_out_fn out;
	void *ctx;
	size_t count;
};

struct fmt_buf {
	char *buf;
	size_t size;
	size_t len;
};

static const char fmt_spaces[FMT_PAD_CHUNK + 1] =
	"                                ";
static const char fmt_zeros[FMT_PAD_CHUNK + 1] =
	"00000000000000000000000000000000";
static const char fmt_lower[] = "0123456789abcdef";
static const char fmt_upper[] = "0123456789ABCDEF";

static void fmt_emit(struct fmt_sink *s, const char *p, size_t n)
{
	if (n == 0)
		return;
	s->out(s->ctx, p, n);
	s->count += n;
}

static void fmt_pad(struct fmt_sink *s, const char *table, size_t n)
{
	while (n > 0) {
		size_t k = n < FMT_PAD_CHUNK ? n : FMT_PAD_CHUNK;

		fmt_emit(s, table, k);
		n -= k;
	}
}

/* Emits a fully rendered field, space-padded to the width. */
static void fmt_field(struct fmt_sink *s, const struct fmt_spec *sp,
		      const char *p, size_t n)
{
	size_t pad = (size_t)sp->width > n ? (size_t)sp->width - n : 0;

	if (!(sp->flags & FMT_LEFT))
		fmt_pad(s, fmt_spaces, pad);
	fmt_emit(s, p, n);
	if (sp->flags & FMT_LEFT)
		fmt_pad(s, fmt_spaces, pad);
}

static unsigned fmt_base(char conv)
{
	switch (conv) {
	case 'o':
		return 8;
	case 'x':
	case 'X':
		return 16;
	default:
		return 10;
	}
}

/*
 * Lays out [spaces][prefix][zeros][digits][spaces].  The digits are
 * rendered into a small buffer; zeros from precision or the '0' flag are
 * padded separately so that huge precisions need no large buffer.
 */
static void fmt_integer(struct fmt_sink *s, const struct fmt_spec *sp,
			uintmax_t mag, const char *prefix, size_t plen)
{
	char buf[FMT_DIGITS_MAX];
	char *end = buf + sizeof(buf);
	char *p = end;
	unsigned base = fmt_base(sp->conv);
	const char *digits = sp->conv == 'X' ? fmt_upper : fmt_lower;
	size_t min_digits = sp->prec < 0 ? 1 : (size_t)sp->prec;
	size_t width = (size_t)sp->width;
	size_t nd, zeros, body;

	while (mag != 0) {
		*--p = digits[mag % base];
		mag /= base;
	}
	nd = (size_t)(end - p);
	zeros = min_digits > nd ? min_digits - nd : 0;
	/* Generated digits never start with '0', so '#o' needs one exactly
	 * when the precision has not already supplied it. */
	if (sp->conv == 'o' && (sp->flags & FMT_ALT) && zeros == 0)
		zeros = 1;
	body = plen + zeros + nd;
	if ((sp->flags & (FMT_ZERO | FMT_LEFT)) == FMT_ZERO && sp->prec < 0 &&
	    width > body) {
		zeros += width - body;
		body = width;
	}
	if (!(sp->flags & FMT_LEFT) && width > body)
		fmt_pad(s, fmt_spaces, width - body);
	fmt_emit(s, prefix, plen);
	fmt_pad(s, fmt_zeros, zeros);
	fmt_emit(s, p, nd);
	if ((sp->flags & FMT_LEFT) && width > body)
		fmt_pad(s, fmt_spaces, width - body);
}

static intmax_t fmt_arg_signed(enum fmt_len len, va_list *ap)
{
	switch (len) {
	case FMT_LEN_HH:
		return (signed char)va_arg(*ap, int);
	case FMT_LEN_H:
		return (short)va_arg(*ap, int);
	case FMT_LEN_L:
		return va_arg(*ap, long);
	case FMT_LEN_LL:
		return va_arg(*ap, long long);
	case FMT_LEN_J:
		return va_arg(*ap, intmax_t);
	case FMT_LEN_Z: /* the signed counterpart of size_t */
	case FMT_LEN_T:
		return va_arg(*ap, ptrdiff_t);
	default:
		return va_arg(*ap, int);
	}
}

static uintmax_t fmt_arg_unsigned(enum fmt_len len, va_list *ap)
{
	switch (len) {
	case FMT_LEN_HH:
		return (unsigned char)va_arg(*ap, unsigned);
	case FMT_LEN_H:
		return (unsigned short)va_arg(*ap, unsigned);
	case FMT_LEN_L:
		return va_arg(*ap, unsigned long);
	case FMT_LEN_LL:
		return va_arg(*ap, unsigned long long);
	case FMT_LEN_J:
		return va_arg(*ap, uintmax_t);
	case FMT_LEN_Z:
	case FMT_LEN_T: /* the unsigned counterpart of ptrdiff_t */
		return va_arg(*ap, size_t);
	default:
		return va_arg(*ap, unsigned);
	}
}

static void fmt_signed(struct fmt_sink *s, const struct fmt_spec *sp,
		       va_list *ap)
{
	intmax_t v = fmt_arg_signed(sp->len, ap);
	/* Negating in uintmax_t keeps INTMAX_MIN well defined. */
	uintmax_t mag = v < 0 ? (uintmax_t)0 - (uintmax_t)v : (uintmax_t)v;
	const char *sign = "";

	if (v < 0)
		sign = "-";
	else if (sp->flags & FMT_PLUS)
		sign = "+";
	else if (sp->flags & FMT_SPACE)
		sign = " ";
	fmt_integer(s, sp, mag, sign, strlen(sign));
}

static void fmt_unsigned(struct fmt_sink *s, const struct fmt_spec *sp,
			 va_list *ap)
{
	uintmax_t v = fmt_arg_unsigned(sp->len, ap);
	bool hex_prefix = (sp->flags & FMT_ALT) && v != 0 &&
			  (sp->conv == 'x' || sp->conv == 'X');

	if (!hex_prefix)
		fmt_integer(s, sp, v, "", 0);
	else
		fmt_integer(s, sp, v, sp->conv == 'X' ? "0X" : "0x", 2);
}

static void fmt_string(struct fmt_sink *s, const struct fmt_spec *sp,
		       va_list *ap)
{
	const char *str = va_arg(*ap, const char *);
	size_t max = sp->prec < 0 ? SIZE_MAX : (size_t)sp->prec;
	size_t n = 0;

	if (str == NULL)
		str = "(null)";
	/* The precision bounds the read: the argument need not be
	 * NUL-terminated within it. */
	while (n < max && str[n] != '\0')
		n++;
	fmt_field(s, sp, str, n);
}

static void fmt_pointer(struct fmt_sink *s, const struct fmt_spec *sp,
			va_list *ap)
{
	uint64_t v = (uintptr_t)va_arg(*ap, void *);
	char buf[18];
	int i;

	buf[0] = '0';
	buf[1] = 'x';
	for (i = 17; i >= 2; i--, v >>= 4)
		buf[i] = fmt_lower[v & 0xf];
	fmt_field(s, sp, buf, sizeof(buf));
}

/* Returns false for conversions the caller must print literally. */
static bool fmt_convert(struct fmt_sink *s, const struct fmt_spec *sp,
			va_list *ap)
{
	char c;

	switch (sp->conv) {
	case 'd':
	case 'i':
		fmt_signed(s, sp, ap);
		return true;
	case 'u':
	case 'x':
	case 'X':
	case 'o':
		fmt_unsigned(s, sp, ap);
		return true;
	case '%':
		fmt_emit(s, "%", 1);
		return true;
	}
	if (sp->len != FMT_LEN_NONE)
		return false;
	switch (sp->conv) {
	case 'c':
		c = (char)va_arg(*ap, int);
		fmt_field(s, sp, &c, 1);
		return true;
	case 's':
		fmt_string(s, sp, ap);
		return true;
	case 'p':
		fmt_pointer(s, sp, ap);
		return true;
	default:
		return false;
	}
}

static const char *fmt_parse_flags(const char *p, unsigned *flags)
{
	for (;; p++) {
		switch (*p) {
		case '-':
			*flags |= FMT_LEFT;
			break;
		case '0':
			*flags |= FMT_ZERO;
			break;
		case '+':
			*flags |= FMT_PLUS;
			break;
		case ' ':
			*flags |= FMT_SPACE;
			break;
		case '#':
			*flags |= FMT_ALT;
			break;
		default:
			return p;
		}
	}
}

static const char *fmt_parse_num(const char *p, int *out)
{
	int v = 0;

	for (; *p >= '0' && *p <= '9'; p++) {
		int d = *p - '0';

		v = v > (FMT_INT_MAX - d) / 10 ? FMT_INT_MAX : v * 10 + d;
	}
	*out = v;
	return p;
}

static const char *fmt_parse_width(const char *p, struct fmt_spec *sp,
				   va_list *ap)
{
	int w;

	if (*p != '*')
		return fmt_parse_num(p, &sp->width);
	w = va_arg(*ap, int);
	if (w < 0) {
		sp->flags |= FMT_LEFT;
		/* -INT_MIN does not fit; saturate like decimal widths. */
		w = w < -FMT_INT_MAX ? FMT_INT_MAX : -w;
	}
	sp->width = w;
	return p + 1;
}

static const char *fmt_parse_prec(const char *p, struct fmt_spec *sp,
				  va_list *ap)
{
	if (*p != '.') {
		sp->prec = -1;
		return p;
	}
	p++;
	if (*p != '*')
		return fmt_parse_num(p, &sp->prec);
	sp->prec = va_arg(*ap, int);
	if (sp->prec < 0)
		sp->prec = -1;
	return p + 1;
}

static const char *fmt_parse_len(const char *p, enum fmt_len *len)
{
	switch (*p) {
	case 'h':
		*len = p[1] == 'h' ? FMT_LEN_HH : FMT_LEN_H;
		return p + (p[1] == 'h' ? 2 : 1);
	case 'l':
		*len = p[1] == 'l' ? FMT_LEN_LL : FMT_LEN_L;
		return p + (p[1] == 'l' ? 2 : 1);
	case 'z':
		*len = FMT_LEN_Z;
		return p + 1;
	case 'j':
		*len = FMT_LEN_J;
		return p + 1;
	case 't':
		*len = FMT_LEN_T;
		return p + 1;
	default:
		*len = FMT_LEN_NONE;
		return p;
	}
}

/* Handles one directive starting at its '%'; returns where text resumes. */
static const char *fmt_directive(struct fmt_sink *s, const char *pct,
				 va_list *ap)
{
	struct fmt_spec sp = { 0 };
	const char *p = fmt_parse_flags(pct + 1, &sp.flags);

	p = fmt_parse_width(p, &sp, ap);
	p = fmt_parse_prec(p, &sp, ap);
	p = fmt_parse_len(p, &sp.len);
	sp.conv = *p;
	if (sp.conv == '\0') {
		fmt_emit(s, pct, (size_t)(p - pct));
		return p;
	}
	if (!fmt_convert(s, &sp, ap))
		fmt_emit(s, pct, (size_t)(p + 1 - pct));
	return p + 1;
}

int fmt_vformat(fmt_out_fn out, void *ctx, const char *fmt, va_list ap)
{
	struct fmt_sink s = { out, ctx, 0 };
	va_list args;

	/* Helpers take a va_list pointer; a va_list parameter may be an
	 * array that decayed to a pointer, so work on a local copy. */
	va_copy(args, ap);
	while (*fmt != '\0') {
		const char *pct = strchr(fmt, '%');

		if (pct == NULL) {
			fmt_emit(&s, fmt, strlen(fmt));
			break;
		}
		fmt_emit(&s, fmt, (size_t)(pct - fmt));
		fmt = fmt_directive(&s, pct, &args);
	}
	va_end(args);
	return s.count > (size_t)FMT_INT_MAX ? -1 : (int)s.count;
}

/* Keeps the last byte free for the terminating NUL. */
static void fmt_buf_out(void *ctx, const char *s, size_t n)
{
	struct fmt_buf *b = ctx;
	size_t room;

	if (b->size == 0)
		return;
	room = b->size - 1 - b->len;
	if (n > room)
		n = room;
	memcpy(b->buf + b->len, s, n);
	b->len += n;
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct fmt_buf b = { buf, size, 0 };
	int n = fmt_vformat(fmt_buf_out, &b, fmt, ap);

	if (size > 0)
		buf[b.len] = '\0';
	return n;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
