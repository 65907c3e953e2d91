/* sensord-dump: loads and attaches the probe, prints every record (type, tid, each param decoded per
 * the generated param table) and checks the framing against the event table. Dev verification tool.
 *   sensord-dump [-s open,openat,...] [-t seconds] [-q] [-S snaplen] [-r ring_bytes] [-R cpus_per_ring]
 * -q prints only malformed records; the exit code is 3 when any record did not match the event table. */
#define _GNU_SOURCE
#include <ctype.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include "sensord.h"
#include "sensord_events.h"

enum ptype { FD = 0, PID, ERRNO, INT64, UINT64, ABSTIME, RELTIME, UINT32, INT32, UID, GID, MODE, FLAGS32,
	     ENUMFLAGS32, UINT16, FLAGS16, ENUMFLAGS16, UINT8, SIGTYPE, FLAGS8, ENUMFLAGS8, CHARBUF, FSPATH,
	     FSRELPATH, BYTEBUF, SOCKADDR, SOCKTUPLE, DYN, FDLIST, OTHER };

struct pinfo { int ev, idx; const char *name; enum ptype type; };
static const struct pinfo PARAMS[] = {
#define P(ev, i, n, t) { ev, i, n, t },
	SENSORD_PARAM_TABLE(P)
#undef P
};
#define NPARAMS_ALL (sizeof(PARAMS) / sizeof(PARAMS[0]))

static const char *event_name(int type)
{
#define N(name, nr, code) if (type == code) return #name;
	SENSORD_SYSCALLS(N)
#undef N
	if (type == PPME_PROCEXIT_1_E) return "procexit";
	return "?";
}

static int expected_nparams(int type)
{
	int n = 0;
	for (size_t i = 0; i < NPARAMS_ALL; i++) n += PARAMS[i].ev == type;
	return n;
}

static const struct pinfo *param_info(int type, int idx)
{
	for (size_t i = 0; i < NPARAMS_ALL; i++)
		if (PARAMS[i].ev == type && PARAMS[i].idx == idx) return &PARAMS[i];
	return NULL;
}

static int fixed_size(enum ptype t)
{
	switch (t) {
	case FD: case PID: case ERRNO: case INT64: case UINT64: case ABSTIME: case RELTIME: return 8;
	case UINT32: case INT32: case UID: case GID: case MODE: case FLAGS32: case ENUMFLAGS32: return 4;
	case UINT16: case FLAGS16: case ENUMFLAGS16: return 2;
	case UINT8: case SIGTYPE: case FLAGS8: case ENUMFLAGS8: return 1;
	default: return -1;
	}
}

static void print_str(const uint8_t *p, uint16_t len, bool multi)
{
	putchar('"');
	for (uint16_t i = 0; i < len; i++) {
		uint8_t c = p[i];
		if (c == 0) { if (i + 1 < len) fputs(multi ? "\\0" : "\\0", stdout); }
		else if (isprint(c) && c != '"' && c != '\\') putchar(c);
		else printf("\\x%02x", c);
	}
	putchar('"');
	if (len && p[len - 1] != 0 && !multi) fputs("(no NUL!)", stdout);
}

static void print_addr(int fam, const uint8_t *a)
{
	char s[64];
	inet_ntop(fam == 2 ? AF_INET : AF_INET6, a, s, sizeof(s));
	fputs(s, stdout);
}

static int verbose = 1, bad = 0;

static void print_param(const struct pinfo *pi, const uint8_t *p, uint16_t len)
{
	int fs = fixed_size(pi->type);
	printf(" %s=", pi->name);
	if (fs > 0 && len != fs) {
		printf("BADLEN(%u!=%d)", len, fs);
		bad++;
		return;
	}
	int64_t s64; uint64_t u64; uint32_t u32; uint16_t u16;
	switch (pi->type) {
	case FD: case PID: case ERRNO: case INT64: memcpy(&s64, p, 8); printf("%lld", (long long)s64); break;
	case UINT64: case ABSTIME: case RELTIME: memcpy(&u64, p, 8); printf("%llu", (unsigned long long)u64); break;
	case FLAGS32: case ENUMFLAGS32: memcpy(&u32, p, 4); printf("0x%x", u32); break;
	case MODE: memcpy(&u32, p, 4); printf("0%o", u32); break;
	case INT32: memcpy(&u32, p, 4); printf("%d", (int32_t)u32); break;
	case UINT32: case UID: case GID: memcpy(&u32, p, 4); printf("%u", u32); break;
	case UINT16: case FLAGS16: case ENUMFLAGS16: memcpy(&u16, p, 2); printf("%u", u16); break;
	case UINT8: case SIGTYPE: case FLAGS8: case ENUMFLAGS8: printf("%u", p[0]); break;
	case CHARBUF: case FSPATH: case FSRELPATH: print_str(p, len, false); break;
	case BYTEBUF: print_str(p, len, true); printf("[%u]", len); break;
	case SOCKADDR:
		if (!len) { fputs("<empty>", stdout); break; }
		if (p[0] == 2 && len == 7) { print_addr(2, p + 1); memcpy(&u16, p + 5, 2); printf(":%u", u16); }
		else if (p[0] == 10 && len == 19) { putchar('['); print_addr(10, p + 1); memcpy(&u16, p + 17, 2); printf("]:%u", u16); }
		else if (p[0] == 1) { fputs("unix:", stdout); print_str(p + 1, len - 1, false); }
		else { printf("fam%u len%u", p[0], len); }
		break;
	case SOCKTUPLE:
		if (!len) { fputs("<empty>", stdout); break; }
		if (p[0] == 2 && len == 13) {
			uint16_t sp, dp; memcpy(&sp, p + 5, 2); memcpy(&dp, p + 11, 2);
			print_addr(2, p + 1); printf(":%u->", sp); print_addr(2, p + 7); printf(":%u", dp);
		} else if (p[0] == 10 && len == 37) {
			uint16_t sp, dp; memcpy(&sp, p + 17, 2); memcpy(&dp, p + 35, 2);
			putchar('['); print_addr(10, p + 1); printf("]:%u->[", sp); print_addr(10, p + 19); printf("]:%u", dp);
		} else if (p[0] == 1 && len >= 17) {
			uint64_t a, b; memcpy(&a, p + 1, 8); memcpy(&b, p + 9, 8);
			printf("unix 0x%llx->0x%llx ", (unsigned long long)a, (unsigned long long)b); print_str(p + 17, len - 17, false);
		} else { printf("BADTUPLE(fam%u len%u)", p[0], len); bad++; }
		break;
	case DYN:
		if (len == 9) { memcpy(&u64, p + 1, 8); printf("{idx%u 0x%llx}", p[0], (unsigned long long)u64); }
		else if (len == 2) printf("{idx%u sig%u}", p[0], p[1]);
		else { printf("BADDYN(len%u)", len); bad++; }
		break;
	default: printf("<%u bytes>", len);
	}
}

/* Returns false if the record is malformed. */
static bool dump_event(uint16_t cpu, const uint8_t *ev, uint32_t avail)
{
	uint64_t ts, tid; uint32_t len, nparams; uint16_t type;
	memcpy(&ts, ev, 8); memcpy(&tid, ev + 8, 8); memcpy(&len, ev + 16, 4);
	memcpy(&type, ev + 20, 2); memcpy(&nparams, ev + 22, 4);
	int want = expected_nparams(type);
	uint32_t sum = 26 + 2 * nparams;
	for (uint32_t i = 0; i < nparams && i < 32; i++) { uint16_t l; memcpy(&l, ev + 26 + 2 * i, 2); sum += l; }
	bool ok = (int)nparams == want && sum == len && len <= avail;
	if (!ok) bad++;
	if (!verbose && ok) return true;
	printf("%llu.%09llu cpu=%u %s(%u) tid=%llu len=%u np=%u%s", (unsigned long long)(ts / 1000000000ULL),
	       (unsigned long long)(ts % 1000000000ULL), cpu, event_name(type), type, (unsigned long long)tid, len,
	       nparams, ok ? "" : " MALFORMED");
	const uint8_t *p = ev + 26 + 2 * nparams;
	for (uint32_t i = 0; ok && i < nparams; i++) {
		uint16_t l; memcpy(&l, ev + 26 + 2 * i, 2);
		const struct pinfo *pi = param_info(type, i);
		if (pi) print_param(pi, p, l);
		p += l;
	}
	putchar('\n');
	return ok;
}

static volatile sig_atomic_t stop;
static void on_sig(int s) { (void)s; stop = 1; }

static int syscall_nr(const char *name)
{
#define S(n, nr, code) if (!strcmp(name, #n)) return nr;
	SENSORD_SYSCALLS(S)
#undef S
	return -1;
}

int main(int argc, char **argv)
{
	const char *sel = NULL; double seconds = 0;
	struct sensord_config cfg = { .cpus_per_ring = 1, .exclude_tgid = getpid() };
	int opt;
	while ((opt = getopt(argc, argv, "s:t:qS:r:R:")) != -1) {
		switch (opt) {
		case 's': sel = optarg; break;
		case 't': seconds = atof(optarg); break;
		case 'q': verbose = 0; break;
		case 'S': cfg.snaplen = atoi(optarg); break;
		case 'r': cfg.ring_bytes = atoi(optarg); break;
		case 'R': cfg.cpus_per_ring = atoi(optarg); break;
		default: fprintf(stderr, "usage: %s [-s sys,...] [-t secs] [-q] [-S snaplen] [-r ring_bytes] [-R cpus_per_ring]\n", argv[0]); return 2;
		}
	}
	char err[2048];
	sensord_t *h = sensord_open(&cfg, err, sizeof(err));
	if (!h) { fprintf(stderr, "sensord_open: %s\n", err); return 1; }
	uint8_t selected[512] = {0};
	if (!sel) memset(selected, 1, sizeof(selected));
	else {
		char *copy = strdup(sel), *tok, *save;
		for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			int nr = syscall_nr(tok);
			if (nr < 0) { fprintf(stderr, "unknown syscall %s\n", tok); return 2; }
			selected[nr] = 1;
		}
		free(copy);
	}
	int nsel = sensord_select_syscalls(h, selected, 512);
	if (sensord_attach(h, err, sizeof(err))) { fprintf(stderr, "attach: %s\n", err); return 1; }
	fprintf(stderr, "attached, %d syscalls selected\n", nsel);
	signal(SIGINT, on_sig); signal(SIGTERM, on_sig);
	setvbuf(stdout, NULL, _IOFBF, 1 << 20);
	size_t cap = 4 << 20;
	uint8_t *buf = malloc(cap);
	struct timespec t0, t1; clock_gettime(CLOCK_MONOTONIC, &t0);
	uint64_t total = 0;
	while (!stop) {
		int64_t n = sensord_poll(h, buf, cap, 100);
		if (n < 0) { fprintf(stderr, "poll: %lld\n", (long long)n); break; }
		for (int64_t off = 0; off + 30 <= n;) {
			uint16_t cpu; uint32_t len;
			memcpy(&cpu, buf + off, 2); memcpy(&len, buf + off + 4 + 16, 4);
			const uint8_t *ev = buf + off + 4;
			dump_event(cpu, ev, n - off - 4);
			if (len < 26) { fprintf(stderr, "bad len %u\n", len); stop = 1; break; }
			off += 4 + len;
			total++;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (seconds > 0 && (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9 >= seconds) break;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double el = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	struct sensord_stats st; sensord_stats(h, &st);
	fflush(stdout);
	fprintf(stderr, "events=%llu bytes=%llu drops=%llu rings=%u cpus=%u malformed=%d %.0f ev/s over %.2fs\n",
		(unsigned long long)st.events, (unsigned long long)st.bytes, (unsigned long long)st.drops, st.rings,
		st.cpus, bad, total / el, el);
	sensord_close(h);
	free(buf);
	return bad ? 3 : 0;
}
