/*
 * The native client's side of the wire: where the control socket is, one HTTP/1.1 exchange over
 * it (the same request bytes as cli/ControlClient), durations as config/Durations reads them, and
 * the strings a request is built of.
 */
#define _GNU_SOURCE
#include "banyan-client.h"

#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static char path_buf[sizeof(((struct sockaddr_un *) 0)->sun_path)];

/* As java.nio's UnixPath prints a path: no repeated '/', no trailing one. Falls through when the JVM would read it otherwise. */
static const char *normalized(const char *raw) {
    size_t n = 0;
    for (const char *p = raw; *p; p++) {
        if ((unsigned char) *p >= 0x80) jvm(); /* the JVM decodes it in the locale's charset */
        if (*p == '/' && n > 0 && path_buf[n - 1] == '/') continue;
        if (n + 1 >= sizeof path_buf) jvm(); /* too long for a unix socket: the JVM says so */
        path_buf[n++] = *p;
    }
    if (n > 1 && path_buf[n - 1] == '/') n--;
    path_buf[n] = 0;
    return path_buf;
}

const char *control_path(const char *flag) {
    const char *env = getenv("BANYAN_CONTROL");
    const char *given = flag ? flag : env && *env ? env : NULL;
    if (given) {
        if (strstr(given, "://")) jvm(); /* a TCP listener: the JVM client's */
        return normalized(given);
    }
    struct stat st; /* the owner of /proc/self, as the JVM client asks for its uid */
    long uid = stat("/proc/self", &st) == 0 ? (long) st.st_uid : -1;
    char joined[4096];
    const char *runtime = getenv("XDG_RUNTIME_DIR");
    if (uid == 0) snprintf(joined, sizeof joined, "/run/banyan/control.sock");
    else if (runtime && runtime[0] == '/') snprintf(joined, sizeof joined, "%s/banyan/control.sock", runtime);
    else snprintf(joined, sizeof joined, "/tmp/banyan-%ld/control.sock", uid);
    return normalized(joined);
}

long long now_nanos(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* The connection failed once made: what the JVM client says (asking again could give another answer, "not reachable"). */
static _Noreturn void lost(const char *where, const char *why) {
    fprintf(stderr, "banyan: lost the connection to banyan at %s: %s\n", where, why);
    exit(UNREACHABLE);
}

/* The JVM's words for a failed read or write (sun.nio.ch), where they differ from strerror. */
static const char *io_error(int e) {
    return e == ECONNRESET ? "Connection reset" : strerror(e);
}

/* The body from its raw bytes: chunked, or of Content-Length, or up to the end. */
static int body(char *head_end, char *end, const char *te, long long length, struct answer *a) {
    if (te && strcasecmp(te, "chunked") == 0) {
        char *in = head_end, *out = head_end;
        for (;;) {
            char *stop;
            unsigned long long size = strtoull(in, &stop, 16);
            if (stop == in) return -1;
            char *line_end = memchr(in, '\n', end - in);
            if (!line_end) return -1;
            in = line_end + 1;
            if (size == 0) break;
            if (size > (unsigned long long) (end - in)) return -1;
            memmove(out, in, size);
            out += size;
            in += size;
            if (in < end && *in == '\r') in++;
            if (in < end && *in == '\n') in++;
        }
        end = out;
    } else if (length >= 0 && length < end - head_end) {
        end = head_end + length;
    }
    *end = 0;
    a->body = head_end;
    a->length = end - head_end;
    return 0;
}

int exchange(const char *where, const char *method, const char *path, const char *json, struct answer *a) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) jvm();
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    strcpy(addr.sun_path, where);
    if (connect(fd, (struct sockaddr *) &addr, sizeof addr) != 0) {
        int e = errno;
        /* only the words compared with the JVM's; after a POST, no second one: the JVM's words are likely the same */
        if (e != ENOENT && e != ECONNREFUSED && e != EACCES && e != ENOTDIR && !committed) jvm();
        fprintf(stderr, "banyan: banyan is not reachable at %s (%s); is `banyan up` running? "
                "Point to it with --control PATH or BANYAN_CONTROL\n", where, strerror(e));
        exit(UNREACHABLE);
    }
    size_t body_length = json ? strlen(json) : 0;
    size_t size = strlen(path) + body_length + 256;
    char *request = malloc(size);
    if (!request) jvm();
    int n = snprintf(request, size, "%s %s HTTP/1.1\r\nHost: banyan\r\nAccept: application/json, text/plain, text/event-stream\r\n"
                     "Connection: close\r\n%s", method, path, json ? "Content-Type: application/json\r\n" : "");
    if (json || strcmp(method, "POST") == 0) n += snprintf(request + n, size - n, "Content-Length: %zu\r\n", body_length);
    n += snprintf(request + n, size - n, "\r\n%s", json ? json : "");
    for (int sent = 0; sent < n;) {
        ssize_t w = send(fd, request + sent, n - sent, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) lost(where, io_error(errno));
        sent += w;
    }
    free(request);
    size_t cap = 16384, have = 0;
    char *raw = malloc(cap);
    for (;;) {
        if (!raw) jvm();
        if (cap - have < 4096) raw = realloc(raw, cap *= 2);
        if (!raw) jvm();
        ssize_t r = read(fd, raw + have, cap - have - 1);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) lost(where, io_error(errno));
        if (r == 0) break;
        have += r;
    }
    close(fd);
    raw[have] = 0;
    if (have == 0) lost(where, "connection closed");
    /* status line, then headers up to an empty line */
    char *line = raw, *end = raw + have, *next, *te = NULL;
    long long length = -1;
    for (int first = 1;; first = 0) {
        next = memchr(line, '\n', end - line);
        if (!next) next = end; /* the last line, cut short: a status line alone is checked, then the headers are missing */
        *next = 0;
        if (next > line && next[-1] == '\r') next[-1] = 0;
        if (next == end && !first) lost(where, "connection closed");
        if (first) {
            if (strncmp(line, "HTTP/1.", 7) || !strchr(line, ' ')) break;
            char *code = strchr(line, ' ') + 1;
            if (!(code[0] >= '0' && code[0] <= '9' && code[1] >= '0' && code[1] <= '9' && code[2] >= '0' && code[2] <= '9'
                  && (code[3] == ' ' || code[3] == 0))) break;
            a->status = atoi(code);
            if (next == end) lost(where, "connection closed");
        } else if (*line == 0) {
            if (body(next + 1, end, te, length, a) != 0) bad();
            return 0;
        } else {
            char *colon = strchr(line, ':');
            if (colon) {
                *colon = 0;
                char *value = colon + 1;
                while (*value == ' ' || *value == '\t') value++;
                for (char *t = value + strlen(value); t > value && (t[-1] == ' ' || t[-1] == '\t'); ) *--t = 0;
                if (strcasecmp(line, "transfer-encoding") == 0) te = value;
                if (strcasecmp(line, "content-length") == 0) {
                    char *stop;
                    length = strtoll(value, &stop, 10);
                    if (*stop || stop == value || length < 0) bad();
                }
            }
        }
        line = next + 1;
    }
    /* not HTTP: as the JVM client says it */
    char why[512];
    snprintf(why, sizeof why, "not an HTTP answer from %s: %s", where, raw);
    lost(where, why);
}

/* Durations.PART is (\d+(?:\.\d+)?)(ms|us|s|m|h|d); the sum at most Durations.MAX, 100 years. */
long long duration_nanos(const char *text) {
    const long long max = 36500LL * 86400 * 1000000000LL;
    size_t len = strlen(text);
    if (len == 0) return -1;
    /* Inputs.duration: String.strip() must change nothing; then Durations: String.trim() */
    const char *ws = "\t\n\v\f\r\x1c\x1d\x1e\x1f ";
    if (strchr(ws, text[0]) || strchr(ws, text[len - 1])) return -1;
    const char *s = text, *e = text + len;
    while (s < e && (unsigned char) *s <= ' ') s++;
    while (e > s && (unsigned char) e[-1] <= ' ') e--;
    if (s == e) return -1;
    long long nanos = 0;
    while (s < e) {
        const char *p = s;
        while (p < e && *p >= '0' && *p <= '9') p++;
        if (p == s) return -1;
        if (p + 1 < e && *p == '.' && p[1] >= '0' && p[1] <= '9') for (p++; p < e && *p >= '0' && *p <= '9'; ) p++;
        char number[64];
        if ((size_t) (p - s) >= sizeof number) return -1;
        memcpy(number, s, p - s);
        number[p - s] = 0;
        long long unit;
        if (e - p >= 2 && p[0] == 'm' && p[1] == 's') unit = 1000000LL, p += 2;
        else if (e - p >= 2 && p[0] == 'u' && p[1] == 's') unit = 1000LL, p += 2;
        else if (p < e && *p == 's') unit = 1000000000LL, p++;
        else if (p < e && *p == 'm') unit = 60000000000LL, p++;
        else if (p < e && *p == 'h') unit = 3600000000000LL, p++;
        else if (p < e && *p == 'd') unit = 86400000000000LL, p++;
        else return -1;
        double part = strtod(number, NULL) * (double) unit;
        if (part > (double) max) return -1;
        double whole = floor(part); /* Math.round: half up */
        nanos += (long long) whole + (part - whole >= 0.5);
        if (nanos > max) return -1;
        s = p;
    }
    return nanos;
}

void duration_format(long long ms, char *out, size_t size) {
    if (ms > 0 && ms % 3600000 == 0) snprintf(out, size, "%lldh", ms / 3600000);
    else if (ms > 0 && ms % 60000 == 0) snprintf(out, size, "%lldm", ms / 60000);
    else if (ms > 0 && ms % 1000 == 0) snprintf(out, size, "%llds", ms / 1000);
    else snprintf(out, size, "%lldms", ms);
}

void put(struct text *t, const char *s, size_t n) {
    if (t->n + n + 1 > t->cap) {
        t->cap = (t->n + n + 1) * 2;
        t->s = realloc(t->s, t->cap);
        if (!t->s) bad();
    }
    memcpy(t->s + t->n, s, n);
    t->s[t->n += n] = 0;
}

void putf(struct text *t, const char *format, ...) {
    char buf[256];
    va_list ap;
    va_start(ap, format);
    int n = vsnprintf(buf, sizeof buf, format, ap);
    va_end(ap);
    put(t, buf, n < (int) sizeof buf ? (size_t) n : sizeof buf - 1);
}

/* cli/Paths.segment: URLEncoder's UTF-8 form, a space as %20. */
void segment(struct text *t, const char *name) {
    for (const unsigned char *p = (const unsigned char *) name; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr(".-*_", *p)) put(t, (char *) p, 1);
        else putf(t, "%%%02X", *p);
    }
}
