/*
 * banyan-client: the client commands that scripts and healthchecks run in loops (status, start,
 * stop, restart, wait) in about a millisecond, where a JVM needs fifty. It takes only the plain
 * shapes (those of cli/FastPath, and --no-wait, --timeout, --ready) and prints what the JVM client
 * prints, byte for byte (NativeClientIT compares them). Anything else, and anything it would say
 * differently, goes to the JVM client before a byte is printed: the launcher runs again with
 * BANYAN_NO_NATIVE_CLIENT=1 and the same arguments.
 *
 * usage (by the launchers only): banyan-client LAUNCHER COMMAND [ARG...]
 */
#define _GNU_SOURCE
#include "banyan-client.h"

#include <errno.h>
#include <json-c/json.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int committed;
static char **whole_argv;
const char *where;

_Noreturn void jvm(void) {
    if (committed) /* a POST went out: the JVM client would send it again */
        fprintf(stderr, "banyan: the native client failed after banyan had the request: %s\n", strerror(errno)), exit(FAILED);
    setenv("BANYAN_NO_NATIVE_CLIENT", "1", 1);
    whole_argv[0] = "/bin/sh"; /* sh LAUNCHER COMMAND ARG...: the launchers are sh scripts, executable or not */
    execv("/bin/sh", whole_argv);
    fprintf(stderr, "banyan: cannot run %s again for the JVM client: %s\n", whole_argv[1], strerror(errno));
    exit(USAGE);
}

/* An answer that does not have the shape banyan gives: the JVM client's business, unless a POST went out. */
_Noreturn void bad(void) {
    if (!committed) jvm();
    fprintf(stderr, "banyan: unexpected answer from banyan at %s\n", where);
    exit(FAILED);
}

static void say(FILE *f, const char *format, ...) {
    va_list ap;
    va_start(ap, format);
    vfprintf(f, format, ap);
    va_end(ap);
    fflush(f);
}

static json_object *field(json_object *o, const char *key, json_type type) {
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type)) bad();
    return v;
}

static const char *string(json_object *o, const char *key, size_t *length) {
    json_object *v = field(o, key, json_type_string);
    if (length) *length = json_object_get_string_len(v);
    return json_object_get_string(v);
}

static long long whole(json_object *o, const char *key) {
    return json_object_get_int64(field(o, key, json_type_int));
}

/* ClientCommand.json: the answer as an object; an error status ends the command with banyan's message. */
static json_object *accept(struct answer *a, int also, int also2) {
    json_tokener *tok = json_tokener_new();
    json_object *o = tok ? json_tokener_parse_ex(tok, a->body, (int) a->length) : NULL;
    if (o && json_tokener_get_error(tok) == json_tokener_success)
        for (size_t at = json_tokener_get_parse_end(tok); at < a->length; at++)
            if (!strchr(" \t\r\n", a->body[at])) o = NULL;
    if (!o || !json_object_is_type(o, json_type_object)) bad(); /* the JVM's lenient parser may read it otherwise */
    if (a->status == also || a->status == also2 || a->status / 100 == 2) return o;
    json_object *e = NULL;
    json_object_object_get_ex(o, "error", &e);
    json_type t = json_object_get_type(e); /* null when missing or null */
    if (t == json_type_double) bad(); /* Gson may write the number otherwise */
    if (t == json_type_string || t == json_type_int || t == json_type_boolean) {
        fprintf(stderr, "banyan: ");
        fwrite(json_object_get_string(e), 1, t == json_type_string ? (size_t) json_object_get_string_len(e) : strlen(json_object_get_string(e)), stderr);
        fputc('\n', stderr);
    } else {
        fprintf(stderr, "banyan: HTTP %d without an error message: is this banyan's control API?\n", a->status);
    }
    int s = a->status;
    exit(s == 400 || s == 401 || s == 404 || s == 405 || s == 413 ? USAGE : s == 503 ? UNREACHABLE : FAILED);
}

/* Whether the code point ending at end[-1] is whitespace to Java's Character.isWhitespace; its length, or 0. */
static size_t java_space(const char *start, const char *end) {
    unsigned char c = end[-1];
    if (c < 0x80) return (c >= 9 && c <= 13) || (c >= 0x1c && c <= 0x20);
    const char *p = end - 1;
    while (p > start && ((unsigned char) *p & 0xc0) == 0x80) p--;
    unsigned cp = 0, n = end - p;
    if (n == 2) cp = (p[0] & 0x1f) << 6 | (p[1] & 0x3f);
    else if (n == 3) cp = (p[0] & 0x0f) << 12 | (p[1] & 0x3f) << 6 | (p[2] & 0x3f);
    int space = cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a && cp != 0x2007) || cp == 0x2028 || cp == 0x2029 || cp == 0x205f || cp == 0x3000;
    return space ? n : 0;
}

static const char *uptime(char *buf, double seconds, const char *state) {
    if (strcmp(state, "up") != 0) return "-";
    long long s = (long long) seconds;
    if (s < 60) snprintf(buf, 32, "%llds", s);
    else if (s < 3600) snprintf(buf, 32, "%lldm%llds", s / 60, s % 60);
    else if (s < 86400) snprintf(buf, 32, "%lldh%lldm", s / 3600, s % 3600 / 60);
    else snprintf(buf, 32, "%lldd%lldh", s / 86400, s % 86400 / 3600);
    return buf;
}

/* StatusCommand.table: six padded columns, then the status text (or the reason), each line stripped at its end. */
static void table(json_object **rows, size_t count) {
    struct text *cells = calloc((count + 1) * 7, sizeof *cells);
    if (!cells) bad();
    const char *head[] = {"NAME", "STATE", "READY", "PID", "UPTIME", "RESTARTS", "STATUS"};
    for (int c = 0; c < 7; c++) put(&cells[c], head[c], strlen(head[c]));
    for (size_t r = 0; r < count; r++) {
        json_object *s = rows[r];
        if (!json_object_is_type(s, json_type_object)) bad();
        struct text *row = cells + (r + 1) * 7;
        size_t n;
        const char *text = string(s, "status_text", &n);
        if (n == 0) text = string(s, "reason", &n);
        put(&row[6], text, n);
        long long lost = whole(s, "log_lines_lost");
        if (lost > 0) putf(&row[6], "%s%lld log line(s) lost", n ? "; " : "", lost);
        const char *state = string(s, "state", NULL), *name = string(s, "name", &n);
        put(&row[0], name, n);
        put(&row[1], state, strlen(state));
        int ready = json_object_get_boolean(field(s, "ready", json_type_boolean));
        put(&row[2], ready ? "yes" : "no", ready ? 3 : 2);
        long long pid = whole(s, "pid");
        if (pid > 0) putf(&row[3], "%lld", pid);
        else put(&row[3], "-", 1);
        json_object *up;
        if (!json_object_object_get_ex(s, "uptime_seconds", &up)
            || !(json_object_is_type(up, json_type_double) || json_object_is_type(up, json_type_int))) bad();
        char buf[32];
        const char *u = uptime(buf, json_object_get_double(up), state);
        put(&row[4], u, strlen(u));
        putf(&row[5], "%lld", whole(s, "restarts"));
    }
    size_t width[6] = {0};
    for (size_t r = 0; r <= count; r++)
        for (int c = 0; c < 6; c++) {
            for (size_t i = 0; i < cells[r * 7 + c].n; i++)
                if ((unsigned char) cells[r * 7 + c].s[i] >= 0x80) bad(); /* Java pads by UTF-16 units */
            if (cells[r * 7 + c].n > width[c]) width[c] = cells[r * 7 + c].n;
        }
    struct text out = {0};
    for (size_t r = 0; r <= count; r++) {
        size_t start = out.n;
        for (int c = 0; c < 6; c++) {
            put(&out, cells[r * 7 + c].s, cells[r * 7 + c].n);
            for (size_t i = cells[r * 7 + c].n; i < width[c] + 2; i++) put(&out, " ", 1);
        }
        put(&out, cells[r * 7 + 6].s ? cells[r * 7 + 6].s : "", cells[r * 7 + 6].n);
        for (size_t k; out.n > start && (k = java_space(out.s + start, out.s + out.n)) > 0; ) out.n -= k;
        put(&out, "\n", 1);
    }
    fwrite(out.s, 1, out.n, stdout);
}

static int status(const char *name, int json) {
    struct text path = {0};
    put(&path, "/v1/services", 12);
    if (name) put(&path, "/", 1), segment(&path, name);
    struct answer a;
    exchange(where, "GET", path.s, NULL, &a);
    json_object *o = accept(&a, 0, 0);
    if (json) {
        if (a.length == 0 || a.body[a.length - 1] != '\n') bad(); /* printed as the JVM client prints Gson's text of it */
        fwrite(a.body, 1, a.length, stdout);
        return OK;
    }
    if (name) {
        table(&o, 1);
        return OK;
    }
    json_object *all = field(o, "services", json_type_array);
    size_t n = json_object_array_length(all);
    json_object **rows = malloc((n + 1) * sizeof *rows);
    if (!rows) bad();
    for (size_t i = 0; i < n; i++) rows[i] = json_object_array_get_idx(all, i);
    table(rows, n);
    return OK;
}

static long long limit_of(const char *timeout) {
    long long n = duration_nanos(timeout);
    if (n < 0) {
        say(stderr, "banyan: --timeout '%s' is not a duration; write it like 500ms, 10s or 1m\n", timeout);
        exit(USAGE);
    }
    return n;
}

/* GET .../wait until it is (or the time is up); the answer's status and object. */
static json_object *await(const char *name, const char *until, long long left_ms, int *code) {
    struct text path = {0};
    put(&path, "/v1/services/", 13);
    segment(&path, name);
    putf(&path, "/wait?until=%s&timeout=%lldms", until, left_ms);
    struct answer a;
    exchange(where, "GET", path.s, NULL, &a);
    json_object *o = accept(&a, 409, 504);
    *code = a.status;
    return o;
}

static int wait_for(const char *name, int ready, const char *timeout) {
    long long end = now_nanos() + limit_of(timeout);
    const char *until = ready ? "ready" : "down";
    for (;;) {
        long long left = (end - now_nanos()) / 1000000;
        int code;
        json_object *s = await(name, until, left > 0 ? left : 0, &code);
        const char *state = string(s, "state", NULL);
        if (code == 200) {
            say(stdout, "%s: %s\n", name, state);
            return OK;
        }
        if (code == 409) {
            size_t n;
            const char *reason = string(s, "reason", &n);
            fprintf(stderr, "banyan: %s: %s: ", name, state);
            fwrite(reason, 1, n, stderr);
            say(stderr, "\n");
            return FAILED;
        }
        if (now_nanos() >= end) {
            say(stderr, "banyan: %s: not %s after %s (state %s)\n", name, until, timeout, state);
            return FAILED;
        }
    }
}

/* ActionCommand: one request for every name, then waits on what has not settled, then one line per name. */
static int act(const char *action, char **names, int count, int no_wait, const char *timeout) {
    long long limit = limit_of(timeout), end = now_nanos() + limit;
    struct text body = {0}, path = {0};
    put(&body, "{\"services\":[", 13);
    for (int i = 0; i < count; i++) {
        put(&body, i ? ",\"" : "\"", i ? 2 : 1);
        for (const unsigned char *p = (const unsigned char *) names[i]; *p; p++) {
            if (*p == '"' || *p == '\\') putf(&body, "\\%c", *p);
            else if (*p < 0x20) putf(&body, "\\u%04x", *p);
            else put(&body, (const char *) p, 1);
        }
        put(&body, "\"", 1);
    }
    put(&body, "]}", 2);
    char wait[32];
    duration_format(limit / 1000000, wait, sizeof wait);
    putf(&path, "/v1/%s%s%s", action, no_wait ? "" : "?wait=", no_wait ? "" : wait);
    struct answer a;
    committed = 1;
    exchange(where, "POST", path.s, body.s, &a);
    json_object *answers = field(accept(&a, 409, 504), "services", json_type_array);
    const char *until = strcmp(action, "stop") == 0 ? "down" : "ready";
    int worst = OK;
    for (int i = 0; i < count; i++) {
        json_object *s = json_object_array_get_idx(answers, i);
        if (!s || !json_object_is_type(s, json_type_object)) bad();
        const char *outcome = string(s, "outcome", NULL);
        int code = !strcmp(outcome, "requested") ? 202 : !strcmp(outcome, "done") ? 200 : !strcmp(outcome, "elsewhere") ? 409 : 504;
        while (code == 504 && now_nanos() < end) {
            long long left = (end - now_nanos()) / 1000000;
            s = await(names[i], until, left > 1 ? left : 1, &code);
        }
        size_t n;
        const char *state = string(s, "state", NULL), *reason = string(s, "reason", &n);
        long long pid = whole(s, "pid");
        if (code == 202) {
            say(stdout, "%s: %s requested (now %s)\n", names[i], action, state);
        } else if (code == 200) {
            printf("%s: %s", names[i], state);
            if (pid > 0) printf(" (pid %lld)", pid);
            if (memmem(reason, n, "SIGKILL", 7)) fputs(" (", stdout), fwrite(reason, 1, n, stdout), fputs(")", stdout);
            say(stdout, "\n");
        } else {
            fprintf(stderr, "banyan: %s: ", names[i]);
            if (code == 504) fprintf(stderr, "still %s after %s", state, timeout);
            else fputs(state, stderr);
            if (n) fputs(": ", stderr), fwrite(reason, 1, n, stderr);
            say(stderr, "\n");
            worst = FAILED;
        }
    }
    return worst;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: banyan-client LAUNCHER COMMAND [ARG...] (run by the banyan launcher)\n");
        return USAGE;
    }
    whole_argv = argv;
    signal(SIGPIPE, SIG_IGN); /* as the JVM: a closed stdout loses the output, not the exit code */
    const char *token = getenv("BANYAN_TOKEN"), *opts = getenv("BANYAN_JAVA_OPTS");
    if ((token && *token) || (opts && *opts)) jvm(); /* a token is the TCP client's; JVM options may change what it prints */
    if (isatty(1) || isatty(2)) { /* on a terminal the JVM writes the locale's charset */
        setlocale(LC_CTYPE, "");
        if (strcmp(nl_langinfo(CODESET), "UTF-8") != 0) jvm();
    }
    const char *verb = argv[2];
    int is_status = !strcmp(verb, "status"), is_wait = !strcmp(verb, "wait");
    int is_action = !strcmp(verb, "start") || !strcmp(verb, "stop") || !strcmp(verb, "restart");
    if (!is_status && !is_wait && !is_action) jvm();
    /* the plain shapes only: as cli/FastPath, anything picocli might read another way is picocli's */
    int json = 0, ready = 0, no_wait = 0, count = 0;
    const char *control = NULL, *timeout = NULL;
    char **names = calloc(argc, sizeof *names);
    if (!names) jvm();
    for (int i = 3; i < argc; i++)
        for (const char *p = argv[i]; *p; p++)
            if ((unsigned char) *p >= 0x80) jvm(); /* the JVM decodes arguments in the locale's charset */
    for (int i = 3; i < argc; i++) {
        char *a = argv[i];
        if (!*a || *a == '@') jvm();
        int *flag = is_status && !strcmp(a, "--json") ? &json : is_wait && !strcmp(a, "--ready") ? &ready
                  : is_action && !strcmp(a, "--no-wait") ? &no_wait : NULL;
        const char **slot = !strncmp(a, "--control", 9) && (a[9] == 0 || a[9] == '=') ? &control
                          : !is_status && !strncmp(a, "--timeout", 9) && (a[9] == 0 || a[9] == '=') ? &timeout : NULL;
        if (flag) {
            if (*flag) jvm();
            *flag = 1;
        } else if (slot) {
            const char *v = a[9] == '=' ? a + 10 : ++i < argc ? argv[i] : "";
            if (*slot || !*v || *v == '-' || *v == '@') jvm();
            *slot = v;
        } else if (*a == '-') {
            jvm();
        } else {
            names[count++] = a;
        }
    }
    if (is_status ? count > 1 : is_wait ? count != 1 : count < 1) jvm();
    where = control_path(control);
    if (is_status) return status(count ? names[0] : NULL, json);
    if (is_wait) return wait_for(names[0], ready, timeout ? timeout : "60s");
    return act(verb, names, count, no_wait, timeout ? timeout : "90s");
}
