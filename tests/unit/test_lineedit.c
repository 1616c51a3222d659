/*
 * Unit tests for kernel/lineedit.c.  The echo goes to a minimal terminal
 * model (printable characters, cursor-left, CR, LF, BEL) so each test can
 * check that what a dumb VT100 would show matches the editor's buffer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "kernel/lineedit.h"

#define ROW_MAX 1024

struct term {
	char row[ROW_MAX]; /* the cursor's row; earlier rows are dropped */
	size_t col;
	size_t used; /* columns written since the row was cleared */
	size_t bells;
	size_t lines; /* line feeds received */
	size_t bytes;
};

struct fixture {
	struct lineedit le;
	struct term term;
	size_t results; /* LE_LINE count */
	char last[LE_LINE_MAX];
};

static void term_putc(struct term *t, char c)
{
	switch (c) {
	case '\a':
		t->bells++;
		break;
	case '\b':
		if (t->col > 0)
			t->col--;
		break;
	case '\r':
		t->col = 0;
		break;
	case '\n':
		memset(t->row, ' ', t->used);
		t->used = 0;
		t->lines++;
		break;
	default:
		/* The editor must emit nothing but the controls above. */
		assert_true(c >= 0x20 && c <= 0x7e);
		assert_true(t->col < ROW_MAX);
		t->row[t->col++] = c;
		if (t->col > t->used)
			t->used = t->col;
		break;
	}
}

static void term_out(void *ctx, const char *s, size_t n)
{
	struct term *t = ctx;
	size_t i;

	assert_true(n > 0);
	for (i = 0; i < n; i++)
		term_putc(t, s[i]);
	t->bytes += n;
}

static int setup(void **state)
{
	struct fixture *f = test_calloc(1, sizeof(*f));

	memset(f->term.row, ' ', sizeof(f->term.row));
	le_init(&f->le, term_out, &f->term);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	test_free(*state);
	return 0;
}

/* The screen shows the line being edited, with the cursor after it. */
static void assert_screen_matches(const struct fixture *f)
{
	const char *line = le_line(&f->le);
	size_t len = strlen(line), i;

	assert_int_equal(f->term.col, len);
	assert_memory_equal(f->term.row, line, len);
	for (i = len; i < f->term.used; i++)
		assert_int_equal(f->term.row[i], ' ');
}

static enum le_result feed(struct fixture *f, unsigned char c)
{
	enum le_result r = le_feed(&f->le, c);

	if (r == LE_LINE) {
		f->results++;
		strcpy(f->last, le_line(&f->le));
		assert_int_equal(f->term.col, 0);
	}
	return r;
}

/*
 * Feeds s and returns how many lines it completed.  Unless the last byte
 * completed a line (the screen then shows a fresh row while le_line still
 * holds the result), the screen must match the buffer.
 */
static size_t feed_str(struct fixture *f, const char *s, size_t n)
{
	size_t before = f->results, i;
	enum le_result r = LE_NONE;

	for (i = 0; i < n; i++)
		r = feed(f, (unsigned char)s[i]);
	if (r != LE_LINE)
		assert_screen_matches(f);
	return f->results - before;
}

#define FEED(f, lit) feed_str((f), (lit), sizeof(lit) - 1)

static void test_type_and_enter(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(FEED(f, "hello w"), 0);
	assert_string_equal(le_line(&f->le), "hello w");
	assert_int_equal(feed(f, 'o'), LE_NONE);
	assert_int_equal(feed(f, '\r'), LE_LINE);
	assert_string_equal(le_line(&f->le), "hello wo");
	assert_int_equal(f->term.lines, 1);
	assert_int_equal(f->term.bytes, strlen("hello wo\r\n"));

	assert_int_equal(feed(f, '\r'), LE_LINE);
	assert_string_equal(le_line(&f->le), "");
	assert_int_equal(FEED(f, "x"), 0);
	assert_string_equal(le_line(&f->le), "x");
}

static void test_crlf_pairs(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(FEED(f, "a\r\n"), 1);
	assert_string_equal(f->last, "a");
	assert_int_equal(FEED(f, "b\n\r"), 1);
	assert_string_equal(f->last, "b");
	assert_int_equal(FEED(f, "\r\n\r\n"), 2);
	assert_string_equal(f->last, "");
	/* Only a CR/LF pair merges; a repeated terminator is another line. */
	assert_int_equal(FEED(f, "c\r\r"), 2);
	assert_int_equal(FEED(f, "d\n\n"), 2);
	assert_int_equal(FEED(f, "e\rx\n"), 2);
	assert_string_equal(f->last, "x");
	assert_int_equal(f->term.lines, 10);
}

static void test_backspace(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(FEED(f, "\b\x7f\b"), 0);
	assert_int_equal(f->term.bytes, 0);
	assert_int_equal(FEED(f, "abc\b"), 0);
	assert_string_equal(le_line(&f->le), "ab");
	assert_int_equal(FEED(f, "\x7f\x7f\x7f\b"), 0);
	assert_string_equal(le_line(&f->le), "");
	assert_int_equal(f->term.bytes, 3 + 3 * 3);
	assert_int_equal(FEED(f, "ok\r"), 1);
	assert_string_equal(f->last, "ok");
}

static void test_ctrl_u(void **state)
{
	struct fixture *f = *state;
	char longline[200];

	assert_int_equal(FEED(f, "abc\x15"), 0);
	assert_string_equal(le_line(&f->le), "");
	assert_int_equal(f->term.bytes, 3 + 3 * 3);
	assert_int_equal(FEED(f, "\x15"), 0);
	assert_int_equal(f->term.bytes, 3 + 3 * 3);

	memset(longline, 'z', sizeof(longline));
	feed_str(f, longline, sizeof(longline));
	assert_int_equal(FEED(f, "\x15"), 0);
	assert_int_equal(FEED(f, "x\r"), 1);
	assert_string_equal(f->last, "x");
}

static void test_ctrl_c(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(FEED(f, "abc"), 0);
	assert_int_equal(feed(f, 0x03), LE_NONE);
	assert_string_equal(le_line(&f->le), "");
	assert_int_equal(f->term.lines, 1);
	assert_screen_matches(f);
	assert_int_equal(FEED(f, "d\r"), 1);
	assert_string_equal(f->last, "d");
	/* An abandoned line is not history. */
	assert_int_equal(FEED(f, "\x1b[A\x1b[A"), 0);
	assert_string_equal(le_line(&f->le), "d");
}

static void test_overflow(void **state)
{
	struct fixture *f = *state;
	char text[LE_LINE_MAX + 50];
	size_t i;

	for (i = 0; i < sizeof(text); i++)
		text[i] = (char)('a' + i % 26);
	feed_str(f, text, sizeof(text));
	assert_int_equal(strlen(le_line(&f->le)), LE_LINE_MAX - 1);
	assert_memory_equal(le_line(&f->le), text, LE_LINE_MAX - 1);
	assert_int_equal(f->term.bells, sizeof(text) - (LE_LINE_MAX - 1));
	/* Room comes back after a deletion. */
	assert_int_equal(FEED(f, "\b!"), 0);
	assert_int_equal(le_line(&f->le)[LE_LINE_MAX - 2], '!');
	assert_int_equal(FEED(f, "\r"), 1);
	assert_int_equal(strlen(f->last), LE_LINE_MAX - 1);
	/* A full-length line also survives history recall. */
	assert_int_equal(FEED(f, "\x1b[A"), 0);
	assert_string_equal(le_line(&f->le), f->last);
}

static void test_history_browse(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(FEED(f, "one\rtwo\rthree\r"), 3);
	assert_int_equal(FEED(f, "par"), 0);
	assert_int_equal(FEED(f, "\x1b[A"), 0);
	assert_string_equal(le_line(&f->le), "three");
	assert_int_equal(FEED(f, "\x1bOA"), 0);
	assert_string_equal(le_line(&f->le), "two");
	assert_int_equal(FEED(f, "\x1b[A\x1b[A\x1b[A"), 0);
	assert_string_equal(le_line(&f->le), "one");
	assert_int_equal(FEED(f, "\x1b[B"), 0);
	assert_string_equal(le_line(&f->le), "two");
	assert_int_equal(FEED(f, "\x1bOB\x1b[B"), 0);
	assert_string_equal(le_line(&f->le), "par");
	assert_int_equal(FEED(f, "\x1b[B"), 0);
	assert_string_equal(le_line(&f->le), "par");

	/* Editing a recalled line and entering it makes a new entry. */
	assert_int_equal(FEED(f, "\x1b[A\x1b[A\b\bo!\r"), 1);
	assert_string_equal(f->last, "to!");
	assert_int_equal(FEED(f, "\x1b[A"), 0);
	assert_string_equal(le_line(&f->le), "to!");
	/* Browsing restarts from the newest entry after each line. */
	assert_int_equal(FEED(f, "\x1b[A\r\x1b[A\x1b[A"), 1);
	assert_string_equal(f->last, "three");
	assert_string_equal(le_line(&f->le), "to!");
}

static void test_history_empty(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(FEED(f, "ab\x1b[A\x1b[B\x1b[A"), 0);
	assert_string_equal(le_line(&f->le), "ab");
	assert_int_equal(f->term.bytes, 2);
	/* Empty lines are not stored. */
	assert_int_equal(FEED(f, "\r\r\x1b[A"), 2);
	assert_string_equal(le_line(&f->le), "ab");
}

static void test_history_wraparound(void **state)
{
	struct fixture *f = *state;
	char buf[16];
	int i;

	for (i = 0; i < LE_HISTORY + 5; i++) {
		size_t n = (size_t)snprintf(buf, sizeof(buf), "cmd%d\r", i);

		assert_int_equal(feed_str(f, buf, n), 1);
	}
	for (i = LE_HISTORY + 4; i >= 5; i--) {
		snprintf(buf, sizeof(buf), "cmd%d", i);
		assert_int_equal(FEED(f, "\x1b[A"), 0);
		assert_string_equal(le_line(&f->le), buf);
	}
	assert_int_equal(FEED(f, "\x1b[A"), 0);
	assert_string_equal(le_line(&f->le), "cmd5");
	for (i = 0; i < LE_HISTORY; i++)
		assert_int_equal(FEED(f, "\x1b[B"), 0);
	assert_string_equal(le_line(&f->le), "");
}

static void test_history_duplicates(void **state)
{
	struct fixture *f = *state;
	size_t bytes;

	assert_int_equal(FEED(f, "a\ra\rb\ra\ra\r"), 5);
	assert_int_equal(FEED(f, "\x1b[A"), 0);
	assert_string_equal(le_line(&f->le), "a");
	assert_int_equal(FEED(f, "\x1b[A"), 0);
	assert_string_equal(le_line(&f->le), "b");
	assert_int_equal(FEED(f, "\x1b[A"), 0);
	assert_string_equal(le_line(&f->le), "a");
	bytes = f->term.bytes;
	assert_int_equal(FEED(f, "\x1b[A"), 0);
	assert_string_equal(le_line(&f->le), "a");
	assert_int_equal(f->term.bytes, bytes);
}

static void test_escape_ignored(void **state)
{
	static const char *const seqs[] = {
		"\x1b[C",	  "\x1b[D",	"\x1b[1;5C", "\x1b[3~",
		"\x1b[200~",	  "\x1b[?25h",	"\x1bOP",    "\x1bOC",
		"\x1bx",	  "\x1b\x1b[C", "\x1b[ q",   "\x1b[1;2A",
		"\x1b[1;2B",	  "\x1b[12;34;56H",
	};
	struct fixture *f = *state;
	size_t i;

	assert_int_equal(FEED(f, "one\r"), 1);
	for (i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
		size_t bytes;

		assert_int_equal(FEED(f, "a"), 0);
		bytes = f->term.bytes;
		assert_int_equal(feed_str(f, seqs[i], strlen(seqs[i])), 0);
		assert_int_equal(f->term.bytes, bytes);
		assert_int_equal(FEED(f, "b\r"), 1);
		assert_string_equal(f->last, "ab");
	}
	/* An SS3 sequence is one byte long, so this 'A' is text. */
	assert_int_equal(FEED(f, "\x1bO5A\r"), 1);
	assert_string_equal(f->last, "A");
	/* An unfinished sequence takes the next printable byte with it. */
	assert_int_equal(FEED(f, "a\x1b[b\x1b" "cd\r"), 1);
	assert_string_equal(f->last, "ad");
}

static void test_control_ends_escape(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(FEED(f, "ab\x1b\r"), 1);
	assert_string_equal(f->last, "ab");
	assert_int_equal(FEED(f, "cd\x1b[1;\b\r"), 1);
	assert_string_equal(f->last, "c");
	assert_int_equal(FEED(f, "cd\x1bO\x7f\r"), 1);
	assert_string_equal(f->last, "c");
	assert_int_equal(FEED(f, "ef\x1bO\x03gh\r"), 1);
	assert_string_equal(f->last, "gh");
	assert_int_equal(FEED(f, "\x1b[\x80[A\r"), 1);
	assert_string_equal(f->last, "[A");
}

static void test_long_csi_abandoned(void **state)
{
	struct fixture *f = *state;
	char seq[2 + LE_CSI_MAX + 4] = "\x1b[";

	memset(seq + 2, '1', LE_CSI_MAX);
	memcpy(seq + 2 + LE_CSI_MAX, "C", 1);
	assert_int_equal(feed_str(f, seq, 2 + LE_CSI_MAX + 1), 0);
	assert_string_equal(le_line(&f->le), "");

	memcpy(seq + 2 + LE_CSI_MAX, "23C", 3);
	assert_int_equal(feed_str(f, seq, 2 + LE_CSI_MAX + 3), 0);
	assert_string_equal(le_line(&f->le), "23C");
}

static void test_other_bytes_ignored(void **state)
{
	struct fixture *f = *state;
	unsigned c;

	for (c = 0; c < 256; c++)
		if ((c < 0x20 && !memchr("\x03\b\n\r\x15\x1b", (int)c, 6)) ||
		    c >= 0x80)
			feed(f, (unsigned char)c);
	assert_int_equal(f->term.bytes, 0);
	assert_int_equal(FEED(f, "a\tb\x01\xff\r"), 1);
	assert_string_equal(f->last, "ab");
}

/* xorshift64: deterministic across hosts so failures reproduce. */
static uint64_t rng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

struct gen {
	uint64_t seed;
	const char *pending; /* rest of a multi-byte key being emitted */
};

/*
 * Mode 0: uniform bytes.  Mode 1: a quarter are whole keys the editor
 * reacts to, arrows included.  Mode 2: long printable runs with rare
 * keys, so lines fill up.
 */
static unsigned char random_byte(struct gen *g, unsigned mode)
{
	static const char *const keys[] = {
		"\x1b[A", "\x1b[A", "\x1bOA", "\x1b[B", "\x1bOB", "\x1b[1;5C",
		"\x1b[3~", "\x1b", "\x1b[", "\r", "\n", "\r\n", "\b", "\x7f",
		"\x15", "\x03", "ab",
	};
	uint64_t r;

	if (g->pending != NULL && *g->pending != '\0')
		return (unsigned char)*g->pending++;
	r = rng(&g->seed);
	g->pending = keys[(r >> 8) % (sizeof(keys) / sizeof(keys[0]))];
	switch (mode) {
	case 1:
		if (r % 4 == 0)
			return (unsigned char)*g->pending++;
		break;
	case 2:
		if (r % 300 == 0)
			return (unsigned char)*g->pending++;
		g->pending = NULL;
		return (unsigned char)(0x20 + (r >> 16) % 95);
	}
	g->pending = NULL;
	return (unsigned char)(r >> 16);
}

static void assert_line_sane(const char *line)
{
	size_t n = strlen(line), i;

	assert_true(n < LE_LINE_MAX);
	for (i = 0; i < n; i++)
		assert_true(line[i] >= 0x20 && line[i] <= 0x7e);
}

static void test_random_stream(void **state)
{
	struct fixture *f = *state;
	struct gen g = { 0x243f6a8885a308d3ULL, NULL };
	size_t i, longest = 0;
	unsigned mode = 0;

	for (i = 0; i < (1u << 20); i++) {
		if (i % 4096 == 0)
			mode = (unsigned)(rng(&g.seed) % 3);
		if (feed(f, random_byte(&g, mode)) == LE_LINE) {
			assert_line_sane(f->last);
			if (strlen(f->last) > longest)
				longest = strlen(f->last);
		} else {
			assert_screen_matches(f);
		}
		assert_line_sane(le_line(&f->le));
	}
	/* The stream did reach the interesting states. */
	assert_true(f->results > 1000);
	assert_int_equal(longest, LE_LINE_MAX - 1);
	assert_true(f->term.bells > 0);
	/* May complete a line or be swallowed after a final '\n'. */
	FEED(f, "\r");
	assert_int_equal(FEED(f, "version\r"), 1);
	assert_string_equal(f->last, "version");
}

/* Whatever state a prefix leaves, "\r" or Ctrl-C then a command works. */
static void test_recovery_after_any_prefix(void **state)
{
	struct fixture *f = *state;
	struct gen g = { 0x13198a2e03707344ULL, NULL };
	int trial;

	for (trial = 0; trial < 20000; trial++) {
		size_t n = rng(&g.seed) % 40, i;

		/* Cutting a key short is part of the point. */
		g.pending = NULL;
		for (i = 0; i < n; i++)
			feed(f, random_byte(&g, (unsigned)trial % 3));
		if (trial % 2)
			FEED(f, "\r");
		else
			assert_int_equal(FEED(f, "\x03"), 0);
		assert_int_equal(FEED(f, "version\r"), 1);
		assert_string_equal(f->last, "version");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_type_and_enter),
		T(test_crlf_pairs),
		T(test_backspace),
		T(test_ctrl_u),
		T(test_ctrl_c),
		T(test_overflow),
		T(test_history_browse),
		T(test_history_empty),
		T(test_history_wraparound),
		T(test_history_duplicates),
		T(test_escape_ignored),
		T(test_control_ends_escape),
		T(test_long_csi_abandoned),
		T(test_other_bytes_ignored),
		T(test_random_stream),
		T(test_recovery_after_any_prefix),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
