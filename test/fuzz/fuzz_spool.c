/* SPDX-License-Identifier: ISC */
/*
 * Fuzz target: the spool formats (relay/envelope.c).
 * Input: 1 octet selector, then a message file (selector even) or a state
 * file (odd).
 * Asserts, message file: envelope_read either refuses it or gives a size
 * that fits the file; writing the parsed envelope back and reading that
 * gives the same envelope (parse -> format -> parse).
 * State file: state_parse either refuses it or the parsed state formats to
 * text that parses to the same state and formats to the same text again.
 */
#include <sys/mman.h>

#include <string.h>
#include <unistd.h>

#include "envelope.h"
#include "fuzz.h"

static int memfd = -1;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	memfd = memfd_create("fuzz_spool", MFD_CLOEXEC);
	return memfd < 0;
}

static void
put(const void *buf, size_t len)
{
	if (ftruncate(memfd, 0) != 0 || pwrite(memfd, buf, len, 0) != (ssize_t)len ||
	    lseek(memfd, 0, SEEK_SET) != 0)
		abort();
}

static void
same_envelope(const struct envelope *a, const struct envelope *b)
{
	FUZZ_ASSERT(a->uid == b->uid && a->size == b->size &&
	    a->body8bit == b->body8bit && a->nrcpts == b->nrcpts, "fields differ");
	FUZZ_ASSERT(strcmp(a->user, b->user) == 0, "user '%s' / '%s'", a->user, b->user);
	FUZZ_ASSERT(strcmp(a->sender, b->sender) == 0, "sender differs");
	for (size_t i = 0; i < a->nrcpts; i++)
		FUZZ_ASSERT(strcmp(a->rcpts[i], b->rcpts[i]) == 0, "rcpt %zu differs", i);
}

static void
message_file(const uint8_t *data, size_t size)
{
	struct envelope e, again;
	char err[512], *hdr = NULL, digits[32];
	size_t hlen = 0;
	long off, boff;
	FILE *mem;

	put(data, size);
	if (envelope_read(memfd, &e, err, sizeof(err)) == -1)
		return;
	FUZZ_ASSERT(e.size >= 0 && e.data_offset > 0 &&
	    (size_t)e.data_offset + (size_t)e.size + 4 == size, "size %ld", e.size);
	/* Format the envelope again, with the same message and trailer. */
	mem = open_memstream(&hdr, &hlen);
	FUZZ_ASSERT(mem != NULL && envelope_write_header(mem, &e, &off, &boff) == 0,
	    "format");
	fclose(mem);
	snprintf(digits, sizeof(digits), "%0*ld", ENVELOPE_SIZE_WIDTH, e.size);
	memcpy(hdr + off, digits, ENVELOPE_SIZE_WIDTH);
	hdr = realloc(hdr, hlen + (size_t)e.size + 4);
	memcpy(hdr + hlen, data + e.data_offset, (size_t)e.size + 4);
	put(hdr, hlen + (size_t)e.size + 4);
	/* The user and the addresses may hold what the writer would never
	 * write (a second line, a '>'); then the re-read may refuse, but it
	 * must never give a different envelope. */
	if (envelope_read(memfd, &again, err, sizeof(err)) == 0) {
		same_envelope(&e, &again);
		envelope_free(&again);
	} else {
		int odd = strchr(e.user, '\n') != NULL;

		for (size_t i = 0; i < e.nrcpts; i++)
			odd |= strchr(e.rcpts[i], '\n') != NULL;
		odd |= strchr(e.sender, '\n') != NULL;
		FUZZ_ASSERT(odd, "re-read refused: %s", err);
	}
	free(hdr);
	envelope_free(&e);
}

static void
state_file(const uint8_t *data, size_t size)
{
	struct msg_state st, again;
	char err[256], *t1, *t2;
	size_t l1, l2;

	if (state_parse((const char *)data, size, &st, err, sizeof(err)) == -1)
		return;
	t1 = state_format(&st, &l1);
	FUZZ_ASSERT(state_parse(t1, l1, &again, err, sizeof(err)) == 0,
	    "formatted state refused: %s", err);
	FUZZ_ASSERT(again.nrcpts == st.nrcpts && again.nlog == st.nlog &&
	    again.held == st.held, "state differs");
	for (size_t i = 0; i < st.nrcpts; i++) {
		FUZZ_ASSERT(strcmp(st.rcpts[i].addr, again.rcpts[i].addr) == 0 &&
		    st.rcpts[i].status == again.rcpts[i].status &&
		    st.rcpts[i].attempts == again.rcpts[i].attempts &&
		    st.rcpts[i].next_attempt == again.rcpts[i].next_attempt &&
		    st.rcpts[i].last_attempt == again.rcpts[i].last_attempt &&
		    strcmp(st.rcpts[i].ses_id, again.rcpts[i].ses_id) == 0 &&
		    strcmp(st.rcpts[i].reply, again.rcpts[i].reply) == 0,
		    "recipient %zu differs", i);
	}
	t2 = state_format(&again, &l2);
	FUZZ_ASSERT(l1 == l2 && memcmp(t1, t2, l1) == 0, "format not stable");
	free(t1);
	free(t2);
	state_free(&st);
	state_free(&again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		state_file(data + 1, size - 1);
	else
		message_file(data + 1, size - 1);
	return 0;
}
