/*
 * lineedit - line editor for the serial console, fed one received byte
 * at a time and echoing to a VT100-compatible terminal.
 *
 * Keys:
 *  - 0x20..0x7E are appended and echoed.  Once the line holds
 *    LE_LINE_MAX - 1 characters, further ones are dropped and each drop
 *    echoes BEL (0x07).
 *  - Backspace (0x08) and DEL (0x7F) remove the last character, echoing
 *    "\b \b"; on an empty line they do nothing.
 *  - Ctrl-U (0x15) erases the whole line with one "\b \b" per character,
 *    which needs nothing beyond cursor-left from the terminal.
 *  - Ctrl-C (0x03) abandons the line: echoes "^C\r\n", empties the buffer
 *    and returns LE_NONE.  Reprinting a prompt is the caller's job.
 *  - '\r' or '\n' completes the line: echoes "\r\n" and returns LE_LINE,
 *    also for an empty line.  When the byte right after it is the other
 *    one of the pair ("\r\n" or "\n\r"), that byte is swallowed.
 *  - Up (ESC [ A or ESC O A) shows the previous history entry, Down
 *    (ESC [ B or ESC O B) the next; Down past the newest entry restores
 *    the line that was being typed when browsing began.  Up at the oldest
 *    entry and Down while not browsing do nothing.  A recalled line can be
 *    edited like a typed one; moving on to another entry drops the edits.
 *  - Every other byte below 0x20 and every byte >= 0x80 is ignored.
 *
 * History: a completed non-empty line is stored unless it equals the most
 * recent entry; the oldest of LE_HISTORY entries is dropped to make room.
 *
 * Escape sequences: ESC starts one.  ESC [ begins a CSI sequence, which
 * ends at its first byte in 0x40..0x7E; ESC O begins an SS3 sequence,
 * which ends with the next byte; ESC followed by any other printable byte
 * is a two-byte sequence (e.g. Alt-key).  All sequences other than the
 * arrows above are consumed without effect.  Sequences consist of
 * printable bytes only: any other byte ends the sequence in progress and
 * is then handled as usual (ESC starts a new one).  If a CSI sequence has
 * more than LE_CSI_MAX bytes between "ESC [" and its final byte, it is
 * abandoned at the first excess byte, which is handled as ordinary input.
 *
 * Recovery: since '\r' and Ctrl-C always end any escape sequence and
 * then complete or abandon the line, feeding either of them followed by
 * "version\r" yields the line "version" whatever came before.
 */
#ifndef BARETDX_KERNEL_LINEEDIT_H
#define BARETDX_KERNEL_LINEEDIT_H

#include <stdbool.h>
#include <stddef.h>

#define LE_LINE_MAX 256 /* bytes including the NUL */
#define LE_HISTORY 16
#define LE_CSI_MAX 16

/* Must not be NULL: the editor always echoes. */
typedef void (*le_out_fn)(void *ctx, const char *s, size_t n);

enum le_result { LE_NONE, LE_LINE };

enum le_esc_state { LE_ESC_NONE, LE_ESC_START, LE_ESC_CSI, LE_ESC_SS3 };

/* Fields are private to lineedit.c. */
struct lineedit {
	char buf[LE_LINE_MAX]; /* always NUL-terminated */
	size_t len;
	bool done; /* buf holds a completed line until the next byte */
	unsigned char eol; /* '\r' or '\n' if the last byte completed a line */
	enum le_esc_state esc;
	unsigned esc_len; /* CSI bytes seen after "ESC [" */
	char history[LE_HISTORY][LE_LINE_MAX];
	unsigned hist_count;
	unsigned hist_next; /* slot the next entry goes to */
	unsigned browse; /* 0: live line; k: showing the k-th newest entry */
	char saved[LE_LINE_MAX]; /* live line while browsing */
	le_out_fn out;
	void *ctx;
};

void le_init(struct lineedit *le, le_out_fn out, void *ctx);

enum le_result le_feed(struct lineedit *le, unsigned char c);

/* The completed line after LE_LINE; valid until the next le_feed. */
const char *le_line(const struct lineedit *le);

#endif
