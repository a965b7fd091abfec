/* What the two halves of the native client (banyan-client.c, banyan-client-http.c) share. */
#ifndef BANYAN_CLIENT_H
#define BANYAN_CLIENT_H
#include <stddef.h>

enum { OK = 0, FAILED = 1, USAGE = 2, UNREACHABLE = 3 };

/* Set once a request that must not be sent twice (a POST) is on its way: from then on nothing falls through. */
extern int committed;

/* banyan's control socket, once found. */
extern const char *where;

/* An answer without the shape banyan gives: falls through, unless committed (then exit 1). */
_Noreturn void bad(void);

/* A growing string, and appending to it (bad() when memory runs out). */
struct text {
    char *s;
    size_t n, cap;
};
void put(struct text *t, const char *s, size_t n);
void putf(struct text *t, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* NAME as one path segment, as cli/Paths.segment (URLEncoder, a space as %20). */
void segment(struct text *t, const char *name);

/* Hands the command to the JVM client, unchanged: nothing has been printed yet. */
_Noreturn void jvm(void);

/* A whole answer: status, and the body (chunks joined), NUL-terminated. */
struct answer {
    int status;
    char *body;
    size_t length;
};

/* The control socket's path as the JVM client names it (cli/ControlClient, control/ControlPath); falls through for an http:// address. */
const char *control_path(const char *flag);

/*
 * One exchange with banyan, as the JVM client sends it. Returns 0, or exits 3 the way the JVM
 * client does: banyan not reachable, or the connection lost or not answered in HTTP.
 */
int exchange(const char *where, const char *method, const char *path, const char *json, struct answer *a);

/* Duration text as config/Durations reads it: nanoseconds, or -1. */
long long duration_nanos(const char *text);

/* config/Durations.format of whole milliseconds. */
void duration_format(long long ms, char *out, size_t size);

long long now_nanos(void);
#endif
