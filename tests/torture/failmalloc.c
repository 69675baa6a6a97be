/*
 * An LD_PRELOAD shim that makes one chosen allocation fail, for the
 * allocation-failure sweep (tests/torture/t_torture.sh).
 *
 *   TORTURE_FAIL_AT=N      the N-th allocation after main() starts fails
 *                          (0 or unset: none fails, they are only counted)
 *   TORTURE_FAIL_AFTER=1   every allocation after the N-th fails as well
 *   TORTURE_REPORT=FILE    at exit, FILE gets "allocations A failed F"
 *   TORTURE_TRACE=FILE     the call stack of the first failed allocation
 *   TORTURE_LOG=FILE       at exit, FILE gets one letter per allocation
 *                          counted: o when tlsprobe's own code asked for
 *                          it, l when a library did (the sweep's sample)
 *   TORTURE_SPARE=A,B      allocations made from inside a loaded object
 *                          whose file name contains A or B (anywhere on
 *                          the call stack) never fail and are not counted:
 *                          for a library that crashes, or lies, on its own
 *                          failed allocations, where tlsprobe never gets
 *                          a say
 *   TORTURE_SPARE_FN=F,G   the same for allocations made from inside the
 *                          exported functions F and G (dladdr)
 *
 * Counting starts at main(), not at load: what GnuTLS and the loader
 * allocate in their constructors happens before tlsprobe could do
 * anything about it, so failing it tells us nothing about our code.
 *
 * Every allocator a program or library can reach is wrapped, and each
 * forwards to the next definition in the search order (RTLD_NEXT): glibc
 * in a plain build, the AddressSanitizer runtime in a SAN=1 build, so
 * that the same shim also runs under ASan and LeakSanitizer. strdup and
 * strndup are our own because ASan intercepts them and would otherwise
 * allocate without passing through malloc.
 */
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The symbols we define are the public allocator API. */
void *malloc(size_t size);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t size);
void *reallocarray(void *p, size_t n, size_t size);
void free(void *p);
int posix_memalign(void **out, size_t align, size_t size);
void *aligned_alloc(size_t align, size_t size);
void *memalign(size_t align, size_t size);
void *valloc(size_t size);
void *pvalloc(size_t size);
char *strdup(const char *s);
char *strndup(const char *s, size_t n);
int __libc_start_main(int (*main)(int, char **, char **), int argc,
		      char **argv, void (*init)(void), void (*fini)(void),
		      void (*rtld_fini)(void), void *stack_end);

static void *(*next_malloc)(size_t);
static void *(*next_calloc)(size_t, size_t);
static void *(*next_realloc)(void *, size_t);
static void (*next_free)(void *);
static int (*next_posix_memalign)(void **, size_t, size_t);
static void *(*next_aligned_alloc)(size_t, size_t);
static void *(*next_memalign)(size_t, size_t);
static void *(*next_valloc)(size_t);
static void *(*next_pvalloc)(size_t);

static unsigned long fail_at;    /* 0: count only */
static int fail_after;
static int counting;             /* main() has started */
static unsigned long calls;      /* allocations since main() */
static unsigned long failed;     /* allocations made to fail */
static const char *report_path;
static const char *trace_path;

/* Who asked for each allocation (TORTURE_LOG), and where the main
 * program's code lies. */
static char who[1 << 20];
static const char *log_path;
static uintptr_t own_start, own_end;

/* The code of the spared objects. */
#define MAX_SPARED 16
static struct { uintptr_t start, end; } spared[MAX_SPARED];
static int n_spared;

/*
 * dlsym() may itself ask calloc() for memory before the real calloc is
 * known; those few early requests come from this arena and are never
 * given back.
 */
static _Alignas(16) char bootstrap[8192];
static size_t bootstrap_used;
static int resolving;

static int from_bootstrap(const void *p)
{
	return (const char *)p >= bootstrap &&
	       (const char *)p < bootstrap + sizeof(bootstrap);
}

static void *bootstrap_alloc(size_t size)
{
	size_t at = (bootstrap_used + 15) & ~(size_t)15;

	if (size > sizeof(bootstrap) - at)
		return NULL;
	bootstrap_used = at + size;
	return bootstrap + at;
}

static void resolve(void)
{
	if (next_malloc != NULL || resolving)
		return;
	resolving = 1;
	next_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
	next_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
	next_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
	next_posix_memalign = (int (*)(void **, size_t, size_t))
		dlsym(RTLD_NEXT, "posix_memalign");
	next_aligned_alloc = (void *(*)(size_t, size_t))
		dlsym(RTLD_NEXT, "aligned_alloc");
	next_memalign = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "memalign");
	next_valloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "valloc");
	next_pvalloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "pvalloc");
	next_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
	resolving = 0;
}

static void write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);

		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* The stack of the first failure, so that a crash can be traced to the
 * allocation that caused it. */
static void trace_failure(unsigned long n)
{
	void *frames[48];
	char line[64];
	int fd, depth;

	if (trace_path == NULL)
		return;
	fd = open(trace_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	snprintf(line, sizeof(line), "allocation %lu failed at:\n", n);
	write_all(fd, line, strlen(line));
	depth = backtrace(frames, 48);
	backtrace_symbols_fd(frames, depth, fd);
	close(fd);
}

static const char *spared_fns;

/* True when word is one of the comma-separated list. */
static int listed(const char *list, const char *word)
{
	size_t len = strlen(word);
	const char *w = list;

	while (w != NULL && *w != '\0') {
		const char *end = strchr(w, ',');
		size_t wl = end != NULL ? (size_t)(end - w) : strlen(w);

		if (wl == len && memcmp(w, word, len) == 0)
			return 1;
		w = end != NULL ? end + 1 : NULL;
	}
	return 0;
}

/* One return address inside a spared object or function. */
static int spared_frame(const void *pc)
{
	uintptr_t a = (uintptr_t)pc;
	Dl_info info;
	int i;

	for (i = 0; i < n_spared; i++)
		if (a >= spared[i].start && a < spared[i].end)
			return 1;
	return spared_fns != NULL && dladdr(pc, &info) != 0 &&
	       info.dli_sname != NULL && listed(spared_fns, info.dli_sname);
}

/* True when the allocation is made from inside a spared object or
 * function, however deep: the whole call stack is looked at. */
static int is_spared(const void *caller)
{
	void *frames[32];
	int depth, i;

	if (n_spared == 0 && spared_fns == NULL)
		return 0;
	if (spared_frame(caller))
		return 1;
	depth = backtrace(frames, 32);
	for (i = 0; i < depth; i++)
		if (spared_frame(frames[i]))
			return 1;
	return 0;
}

/* Counts one allocation made from caller and says whether it is to
 * fail. */
static int refuse(const void *caller)
{
	unsigned long n;

	if (!__atomic_load_n(&counting, __ATOMIC_RELAXED) || is_spared(caller))
		return 0;
	n = __atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED);
	if (log_path != NULL && n <= sizeof(who))
		who[n - 1] = (uintptr_t)caller >= own_start &&
			     (uintptr_t)caller < own_end ? 'o' : 'l';
	if (fail_at == 0 || n < fail_at || (n > fail_at && !fail_after))
		return 0;
	if (__atomic_add_fetch(&failed, 1, __ATOMIC_RELAXED) == 1)
		trace_failure(n);
	errno = ENOMEM;
	return 1;
}

static void *malloc_from(size_t size, const void *caller)
{
	resolve();
	if (next_malloc == NULL)
		return bootstrap_alloc(size);
	if (refuse(caller))
		return NULL;
	return next_malloc(size);
}

static void *realloc_from(void *p, size_t size, const void *caller)
{
	void *q;

	resolve();
	if (from_bootstrap(p)) {
		/* moved out of the arena, whose blocks are never freed; the
		 * old size is unknown, but no block runs past the arena */
		size_t room = sizeof(bootstrap) - (size_t)((char *)p - bootstrap);

		q = malloc_from(size, caller);
		if (q != NULL)
			memcpy(q, p, size < room ? size : room);
		return q;
	}
	if (next_realloc == NULL)
		return p == NULL ? bootstrap_alloc(size) : NULL;
	/* realloc(p, 0) frees: not an allocation that can fail */
	if (!(p != NULL && size == 0) && refuse(caller))
		return NULL;
	return next_realloc(p, size);
}

void *malloc(size_t size)
{
	return malloc_from(size, __builtin_return_address(0));
}

void *calloc(size_t n, size_t size)
{
	resolve();
	if (next_calloc == NULL) {
		if (size != 0 && n > SIZE_MAX / size)
			return NULL;
		return bootstrap_alloc(n * size);  /* static: already zero */
	}
	if (refuse(__builtin_return_address(0)))
		return NULL;
	return next_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
	return realloc_from(p, size, __builtin_return_address(0));
}

void *reallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc_from(p, n * size, __builtin_return_address(0));
}

void free(void *p)
{
	if (p == NULL || from_bootstrap(p))
		return;
	resolve();
	if (next_free != NULL)
		next_free(p);
}

int posix_memalign(void **out, size_t align, size_t size)
{
	resolve();
	if (refuse(__builtin_return_address(0)))
		return ENOMEM;
	return next_posix_memalign(out, align, size);
}

void *aligned_alloc(size_t align, size_t size)
{
	resolve();
	if (refuse(__builtin_return_address(0)))
		return NULL;
	return next_aligned_alloc(align, size);
}

void *memalign(size_t align, size_t size)
{
	resolve();
	if (refuse(__builtin_return_address(0)))
		return NULL;
	return next_memalign(align, size);
}

void *valloc(size_t size)
{
	resolve();
	if (refuse(__builtin_return_address(0)))
		return NULL;
	return next_valloc(size);
}

void *pvalloc(size_t size)
{
	resolve();
	if (refuse(__builtin_return_address(0)))
		return NULL;
	return next_pvalloc(size);
}

char *strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc_from(n, __builtin_return_address(0));

	if (p != NULL)
		memcpy(p, s, n);
	return p;
}

char *strndup(const char *s, size_t max)
{
	size_t n = strnlen(s, max);
	char *p = malloc_from(n + 1, __builtin_return_address(0));

	if (p != NULL) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

static void write_report(void)
{
	char line[96];
	int fd, n;

	if (report_path == NULL)
		return;
	fd = open(report_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	n = snprintf(line, sizeof(line), "allocations %lu failed %lu\n",
		     __atomic_load_n(&calls, __ATOMIC_RELAXED),
		     __atomic_load_n(&failed, __ATOMIC_RELAXED));
	write_all(fd, line, (size_t)n);
	close(fd);
}

static void write_log(void)
{
	unsigned long n = __atomic_load_n(&calls, __ATOMIC_RELAXED);
	int fd;

	if (log_path == NULL)
		return;
	fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	write_all(fd, who, n < sizeof(who) ? n : sizeof(who));
	write_all(fd, "\n", 1);
	close(fd);
}

/* Runs after main() returns or exit() is called, whoever registered
 * what: a destructor of the preloaded object. */
__attribute__((destructor)) static void at_end(void)
{
	counting = 0;
	write_report();
	write_log();
}

/* Notes the executable segments of each loaded object named in the
 * comma-separated list. */
static int note_spared(struct dl_phdr_info *info, size_t size, void *list)
{
	const char *name = info->dlpi_name, *w = list, *end;
	int i, match = 0;

	(void)size;
	if (name == NULL || name[0] == '\0') {
		/* the main program: "own" code */
		for (i = 0; i < info->dlpi_phnum; i++) {
			const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
			uintptr_t start = info->dlpi_addr + ph->p_vaddr;

			if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
				continue;
			own_start = start;
			own_end = start + ph->p_memsz;
		}
		return 0;
	}
	if (list == NULL)
		return 0;
	while (*w != '\0' && !match) {
		char word[64];
		size_t len;

		end = strchr(w, ',');
		len = end != NULL ? (size_t)(end - w) : strlen(w);
		if (len > 0 && len < sizeof(word)) {
			memcpy(word, w, len);
			word[len] = '\0';
			match = strstr(name, word) != NULL;
		}
		w += len + (end != NULL);
	}
	for (i = 0; match && i < info->dlpi_phnum && n_spared < MAX_SPARED; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		spared[n_spared].start = info->dlpi_addr + ph->p_vaddr;
		spared[n_spared].end = spared[n_spared].start + ph->p_memsz;
		n_spared++;
	}
	return 0;
}

static int (*real_main)(int, char **, char **);

static int counted_main(int argc, char **argv, char **envp)
{
	const char *v;

	v = getenv("TORTURE_FAIL_AT");
	fail_at = v != NULL ? strtoul(v, NULL, 10) : 0;
	v = getenv("TORTURE_FAIL_AFTER");
	fail_after = v != NULL && v[0] == '1';
	report_path = getenv("TORTURE_REPORT");
	trace_path = getenv("TORTURE_TRACE");
	log_path = getenv("TORTURE_LOG");
	spared_fns = getenv("TORTURE_SPARE_FN");
	if (spared_fns != NULL && spared_fns[0] == '\0')
		spared_fns = NULL;
	v = getenv("TORTURE_SPARE");
	dl_iterate_phdr(note_spared, v != NULL && v[0] != '\0' ? (void *)v : NULL);
	if (trace_path != NULL || getenv("TORTURE_SPARE") != NULL ||
	    spared_fns != NULL) {
		/* backtrace() loads libgcc on first use: do it now, while
		 * allocations still succeed and are not counted */
		void *frame;

		backtrace(&frame, 1);
	}
	__atomic_store_n(&counting, 1, __ATOMIC_SEQ_CST);
	return real_main(argc, argv, envp);
}

int __libc_start_main(int (*main)(int, char **, char **), int argc,
		      char **argv, void (*init)(void), void (*fini)(void),
		      void (*rtld_fini)(void), void *stack_end)
{
	int (*next)(int (*)(int, char **, char **), int, char **,
		    void (*)(void), void (*)(void), void (*)(void), void *);

	next = (int (*)(int (*)(int, char **, char **), int, char **,
			void (*)(void), void (*)(void), void (*)(void),
			void *))dlsym(RTLD_NEXT, "__libc_start_main");
	real_main = main;
	return next(counted_main, argc, argv, init, fini, rtld_fini,
		    stack_end);
}
