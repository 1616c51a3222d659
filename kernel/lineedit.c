#include "kernel/lineedit.h"

#include <string.h>

#define LE_CTRL_C 0x03
#define LE_BS 0x08
#define LE_CTRL_U 0x15
#define LE_ESC 0x1b
#define LE_DEL 0x7f

#define LE_RUBOUT_CHUNK 16

/* Erasing goes out in blocks so a long line costs few writes. */
static const char le_rubout[] = "\b \b\b \b\b \b\b \b\b \b\b \b\b \b\b \b"
				"\b \b\b \b\b \b\b \b\b \b\b \b\b \b\b \b";

_Static_assert(sizeof(le_rubout) == 3 * LE_RUBOUT_CHUNK + 1,
	       "le_rubout must hold LE_RUBOUT_CHUNK erasures");

/* Restoring an empty saved line must not bother the sink. */
static void le_echo(struct lineedit *le, const char *s, size_t n)
{
	if (n > 0)
		le->out(le->ctx, s, n);
}

static void le_set(struct lineedit *le, const char *s)
{
	le->len = strlen(s);
	memmove(le->buf, s, le->len + 1);
}

static void le_erase(struct lineedit *le)
{
	size_t n = le->len;

	while (n > 0) {
		size_t k = n < LE_RUBOUT_CHUNK ? n : LE_RUBOUT_CHUNK;

		le_echo(le, le_rubout, 3 * k);
		n -= k;
	}
	le_set(le, "");
}

/* Swaps the displayed line for s (a history entry or the saved line). */
static void le_replace(struct lineedit *le, const char *s)
{
	le_erase(le);
	le_set(le, s);
	le_echo(le, le->buf, le->len);
}

static void le_insert(struct lineedit *le, unsigned char c)
{
	char ch = (char)c;

	if (le->len >= LE_LINE_MAX - 1) {
		le_echo(le, "\a", 1);
		return;
	}
	le->buf[le->len++] = ch;
	le->buf[le->len] = '\0';
	le_echo(le, &ch, 1);
}

static void le_backspace(struct lineedit *le)
{
	if (le->len == 0)
		return;
	le->buf[--le->len] = '\0';
	le_echo(le, "\b \b", 3);
}

static const char *le_history_entry(const struct lineedit *le, unsigned k)
{
	return le->history[(le->hist_next + LE_HISTORY - k) % LE_HISTORY];
}

static void le_history_add(struct lineedit *le)
{
	if (le->len == 0 ||
	    (le->hist_count > 0 && strcmp(le_history_entry(le, 1), le->buf) == 0))
		return;
	memcpy(le->history[le->hist_next], le->buf, le->len + 1);
	le->hist_next = (le->hist_next + 1) % LE_HISTORY;
	if (le->hist_count < LE_HISTORY)
		le->hist_count++;
}

static void le_history_up(struct lineedit *le)
{
	if (le->browse >= le->hist_count)
		return;
	if (le->browse == 0)
		memcpy(le->saved, le->buf, le->len + 1);
	le->browse++;
	le_replace(le, le_history_entry(le, le->browse));
}

static void le_history_down(struct lineedit *le)
{
	if (le->browse == 0)
		return;
	le->browse--;
	le_replace(le, le->browse > 0 ? le_history_entry(le, le->browse)
				      : le->saved);
}

static void le_arrow(struct lineedit *le, unsigned char final)
{
	if (final == 'A')
		le_history_up(le);
	else if (final == 'B')
		le_history_down(le);
}

static enum le_result le_enter(struct lineedit *le, unsigned char c)
{
	le_echo(le, "\r\n", 2);
	le_history_add(le);
	le->browse = 0;
	le->done = true;
	le->eol = c;
	return LE_LINE;
}

static void le_cancel(struct lineedit *le)
{
	le_echo(le, "^C\r\n", 4);
	le_set(le, "");
	le->browse = 0;
}

static enum le_result le_key(struct lineedit *le, unsigned char c)
{
	switch (c) {
	case '\r':
	case '\n':
		return le_enter(le, c);
	case LE_CTRL_C:
		le_cancel(le);
		break;
	case LE_BS:
	case LE_DEL:
		le_backspace(le);
		break;
	case LE_CTRL_U:
		le_erase(le);
		break;
	case LE_ESC:
		le->esc = LE_ESC_START;
		break;
	default:
		if (c >= 0x20 && c <= 0x7e)
			le_insert(le, c);
		break;
	}
	return LE_NONE;
}

/* c is printable; called only while a sequence is in progress. */
static void le_escape(struct lineedit *le, unsigned char c)
{
	switch (le->esc) {
	case LE_ESC_START:
		le->esc_len = 0;
		le->esc = c == '[' ? LE_ESC_CSI
			: c == 'O' ? LE_ESC_SS3
				   : LE_ESC_NONE;
		break;
	case LE_ESC_SS3:
		le->esc = LE_ESC_NONE;
		le_arrow(le, c);
		break;
	case LE_ESC_CSI:
		if (c >= 0x40) {
			le->esc = LE_ESC_NONE;
			/* Only bare arrows: ESC [ 1 ; 2 A is Shift-Up. */
			if (le->esc_len == 0)
				le_arrow(le, c);
		} else if (++le->esc_len > LE_CSI_MAX) {
			/* Bounds how much input a runaway sequence can eat;
			 * the excess byte (0x20..0x3f) is plain text. */
			le->esc = LE_ESC_NONE;
			le_insert(le, c);
		}
		break;
	case LE_ESC_NONE:
		break;
	}
}

void le_init(struct lineedit *le, le_out_fn out, void *ctx)
{
	memset(le, 0, sizeof(*le));
	le->out = out;
	le->ctx = ctx;
}

enum le_result le_feed(struct lineedit *le, unsigned char c)
{
	unsigned char eol = le->eol;

	le->eol = 0;
	if (le->done) {
		le->done = false;
		le_set(le, "");
	}
	if (le->esc != LE_ESC_NONE) {
		if (c >= 0x20 && c <= 0x7e) {
			le_escape(le, c);
			return LE_NONE;
		}
		/* A key that cannot belong to a sequence means the sequence
		 * was cut short: drop it so the key still takes effect. */
		le->esc = LE_ESC_NONE;
	}
	if ((c == '\r' || c == '\n') && eol != 0 && eol != c)
		return LE_NONE;
	return le_key(le, c);
}

const char *le_line(const struct lineedit *le)
{
	return le->buf;
}
