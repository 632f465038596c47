/* chat-load: the load generator for chat over WebSocket (run.sh drives it for `make bench`).
**
**   chat-load --ws ws://127.0.0.1:PORT/ws/chat --clients 100 --chunks 100 --turns 20
**       N WebSocket clients against the host, each running T chat turns of K chunks
**   chat-load --mock-only [--mock-url http://127.0.0.1:PORT/v1] --clients 100 ...
**       the same load as streamed chat completions straight to the mock (in-process by default)
**   chat-load --ws URL --with-mock ...
**       both in one run (the mock phase first), plus the host's "added" latency
**   chat-load --ws URL --idle 10000 [--hold 5]
**       open N idle WebSocket connections, hold them, close them
**   chat-load --serve-mock [--mock-port P]    just the mock; prints "PORT n", runs until SIGTERM
**   chat-load --free-port                     prints a free 127.0.0.1 port and exits
**
** Each phase prints one JSON line on stdout (flat: numbers and short strings only, so a shell
** script can pick fields out). --host-pid/--mock-pid add those processes' CPU (utime+stime over
** the phase), RSS (sampled every 100 ms) and VmHWM. Only 127.0.0.1 is ever used. */
#define _GNU_SOURCE
#include "chat_load.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void usage(void) {
    fputs("usage: chat-load [--ws URL [--with-mock] | --mock-only | --serve-mock | --free-port]\n"
          "                 [--clients N] [--chunks K] [--turns T] [--idle N] [--hold S]\n"
          "                 [--mock-url http://127.0.0.1:PORT/v1] [--mock-port P] [--mock-threads N]\n"
          "                 [--connect-parallel N] [--timeout S] [--host-pid PID] [--mock-pid PID] [--label NAME]\n",
          stderr);
    exit(2);
}

/* Parses scheme://host:port/path; the host must be 127.0.0.1 or localhost. Returns the path
** (a static copy; "" when none). */
static const char *parse_url(const char *url, const char *scheme, int *port) {
    static char paths[2][256];
    static int which;
    size_t sl = strlen(scheme);
    if (strncmp(url, scheme, sl) != 0 || strncmp(url + sl, "://", 3) != 0) fatal("%s: expected a %s:// URL", url, scheme);
    const char *host = url + sl + 3;
    const char *colon = strchr(host, ':');
    if (!colon) fatal("%s: the URL needs a port", url);
    size_t hl = (size_t)(colon - host);
    if (!((hl == 9 && strncmp(host, "127.0.0.1", 9) == 0) || (hl == 9 && strncmp(host, "localhost", 9) == 0)))
        fatal("%s: only 127.0.0.1 (or localhost) is supported", url);
    char *end;
    long p = strtol(colon + 1, &end, 10);
    if (p <= 0 || p > 65535) fatal("%s: bad port", url);
    *port = (int)p;
    char *path = paths[which++ & 1];
    snprintf(path, sizeof paths[0], "%s", *end == '/' ? end : "");
    return path;
}

static int free_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || getsockname(fd, (struct sockaddr *)&a, &len) < 0)
        fatal("cannot find a free port: %s", strerror(errno));
    close(fd);
    return ntohs(a.sin_port);
}

static double mb(long kb) { return kb < 0 ? -1 : (double)kb / 1024.0; }

static void print_common(const char *phase, const char *label, const engine_result *r) {
    printf("{\"phase\":\"%s\",\"label\":\"%s\",\"clients\":%d,\"connected\":%d,\"errors\":%ld", phase, label, r->clients, r->connected,
           r->errors);
    for (int k = 0; k < ERR_KINDS; k++) printf(",\"err_%s\":%ld", error_kind_names[k], r->err[k]);
    printf(",\"connect_s\":%.3f,\"client_cpu_s\":%.3f,\"host_cpu_s\":%.3f,\"mock_cpu_s\":%.3f", r->connect_s, r->client_cpu_s,
           r->host_cpu_s, r->mock_cpu_s);
    printf(",\"host_rss_start_mb\":%.1f,\"host_rss_peak_mb\":%.1f,\"host_hwm_mb\":%.1f", mb(r->host_rss_start_kb),
           mb(r->host_rss_peak_kb), mb(r->host_hwm_kb));
}

static void print_stream_phase(const char *phase, const char *label, engine_result *r) {
    print_common(phase, label, r);
    double rate = r->elapsed_s > 0 ? (double)r->chunks / r->elapsed_s : 0;
    printf(",\"turns\":%d,\"chunks\":%d,\"turns_done\":%ld,\"mismatched\":%ld,\"relayed_chunks\":%ld,\"elapsed_s\":%.3f,"
           "\"chunks_per_s\":%.0f",
           r->turns, r->chunks_per_turn, r->turns_done, r->mismatched, r->chunks, r->elapsed_s, rate);
    printf(",\"ttfc_p50_ms\":%.3f,\"ttfc_p99_ms\":%.3f,\"ttfc_max_ms\":%.3f", samples_pct(&r->ttfc, 50) * 1e3,
           samples_pct(&r->ttfc, 99) * 1e3, samples_pct(&r->ttfc, 100) * 1e3);
    printf(",\"completion_p50_ms\":%.3f,\"completion_p99_ms\":%.3f,\"completion_max_ms\":%.3f", samples_pct(&r->completion, 50) * 1e3,
           samples_pct(&r->completion, 99) * 1e3, samples_pct(&r->completion, 100) * 1e3);
    if (r->host_cpu_s >= 0 && r->chunks > 0) printf(",\"host_cpu_us_per_chunk\":%.2f", r->host_cpu_s * 1e6 / (double)r->chunks);
    puts("}");
    fflush(stdout);
}

static void print_idle_phase(const char *label, const engine_result *r) {
    print_common("idle", label, r);
    long grown = r->host_rss_peak_kb - r->host_rss_start_kb;
    printf(",\"hold_s\":%.3f", r->hold_s);
    if (r->host_rss_peak_kb > 0 && r->connected > 0) printf(",\"host_kb_per_connection\":%.2f", (double)grown / r->connected);
    puts("}");
    fflush(stdout);
}

/* The host's latency over the mock's, for the same load. */
static void print_added(const char *label, engine_result *host, engine_result *mock) {
    printf("{\"phase\":\"added\",\"label\":\"%s\",\"clients\":%d,\"ttfc_p50_ms\":%.3f,\"ttfc_p99_ms\":%.3f,"
           "\"completion_p50_ms\":%.3f,\"completion_p99_ms\":%.3f}\n",
           label, host->clients, (samples_pct(&host->ttfc, 50) - samples_pct(&mock->ttfc, 50)) * 1e3,
           (samples_pct(&host->ttfc, 99) - samples_pct(&mock->ttfc, 99)) * 1e3,
           (samples_pct(&host->completion, 50) - samples_pct(&mock->completion, 50)) * 1e3,
           (samples_pct(&host->completion, 99) - samples_pct(&mock->completion, 99)) * 1e3);
    fflush(stdout);
}

static void serve_mock(int port, int threads) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    /* Blocked before the threads start, so they inherit the mask and sigwait gets the signal. */
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    mock_server *m = mock_start(port, threads);
    printf("PORT %d\n", mock_port(m));
    fflush(stdout);
    int sig;
    sigwait(&set, &sig);
    mock_stop(m);
}

static long number(const char *flag, const char *value, long lo, long hi) {
    char *end;
    long v = strtol(value, &end, 10);
    if (*end || v < lo || v > hi) fatal("%s: expected a number in %ld...%ld, found \"%s\"", flag, lo, hi, value);
    return v;
}

static double seconds(const char *flag, const char *value) {
    char *end;
    double v = strtod(value, &end);
    if (*end || v < 0 || v > 86400) fatal("%s: expected seconds, found \"%s\"", flag, value);
    return v;
}

int main(int argc, char **argv) {
    const char *ws_url = NULL, *mock_url = NULL, *label = "";
    int mock_only = 0, with_mock = 0, serve = 0, want_free_port = 0, idle = 0, mock_port_arg = 0, mock_threads = 1;
    engine_config cfg = {.clients = 100, .turns = 1, .chunks = 100, .connect_parallel = 256, .timeout_s = 120, .hold_s = 5};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define VALUE() (v ? (i++, v) : (fatal("%s needs a value", a), v))
        if (!strcmp(a, "--ws")) ws_url = VALUE();
        else if (!strcmp(a, "--mock-only")) mock_only = 1;
        else if (!strcmp(a, "--with-mock")) with_mock = 1;
        else if (!strcmp(a, "--serve-mock")) serve = 1;
        else if (!strcmp(a, "--free-port")) want_free_port = 1;
        else if (!strcmp(a, "--mock-url")) mock_url = VALUE();
        else if (!strcmp(a, "--mock-port")) mock_port_arg = (int)number(a, VALUE(), 0, 65535);
        else if (!strcmp(a, "--mock-threads")) mock_threads = (int)number(a, VALUE(), 1, 64);
        else if (!strcmp(a, "--clients")) cfg.clients = (int)number(a, VALUE(), 1, 1000000);
        else if (!strcmp(a, "--chunks")) cfg.chunks = (int)number(a, VALUE(), 0, 1000000);
        else if (!strcmp(a, "--turns")) cfg.turns = (int)number(a, VALUE(), 1, 1000000);
        else if (!strcmp(a, "--idle")) idle = (int)number(a, VALUE(), 1, 1000000);
        else if (!strcmp(a, "--hold")) cfg.hold_s = seconds(a, VALUE());
        else if (!strcmp(a, "--connect-parallel")) cfg.connect_parallel = (int)number(a, VALUE(), 1, 100000);
        else if (!strcmp(a, "--timeout")) cfg.timeout_s = seconds(a, VALUE());
        else if (!strcmp(a, "--host-pid")) cfg.host_pid = (pid_t)number(a, VALUE(), 1, 1 << 30);
        else if (!strcmp(a, "--mock-pid")) cfg.mock_pid = (pid_t)number(a, VALUE(), 1, 1 << 30);
        else if (!strcmp(a, "--label")) label = VALUE();
        else if (!strcmp(a, "-h") || !strcmp(a, "--help")) usage();
        else fatal("unknown argument \"%s\" (--help lists them)", a);
#undef VALUE
    }
    signal(SIGPIPE, SIG_IGN);
    raise_fd_limit();

    if (want_free_port) {
        printf("%d\n", free_port());
        return 0;
    }
    if (serve) {
        serve_mock(mock_port_arg, mock_threads);
        return 0;
    }
    if (!ws_url && !mock_only) usage();
    if (idle && !ws_url) fatal("--idle needs --ws");

    int ws_port = 0;
    if (ws_url) {
        const char *path = parse_url(ws_url, "ws", &ws_port);
        ws_path = *path ? path : "/ws/chat";
    }

    /* The mock phase: against --mock-url, or a mock in this process. */
    engine_result mock_result = {0};
    int ran_mock = 0;
    if (mock_only || (with_mock && !idle)) {
        mock_server *m = NULL;
        engine_config mc = cfg;
        mc.proto = &sse_protocol;
        mc.host_pid = 0;
        if (mock_url) {
            const char *base = parse_url(mock_url, "http", &mc.port);
            static char path[300];
            snprintf(path, sizeof path, "%s/chat/completions", *base ? base : "/v1");
            sse_path = path;
        } else {
            m = mock_start(0, mock_threads);
            mc.port = mock_port(m);
        }
        engine_run(&mc, &mock_result);
        print_stream_phase("mock", label, &mock_result);
        ran_mock = 1;
        if (m) mock_stop(m);
    }
    if (!ws_url) {
        engine_result_free(&mock_result);
        return mock_result.errors ? 1 : 0;
    }

    engine_result r;
    cfg.proto = &ws_protocol;
    cfg.port = ws_port;
    if (idle) {
        cfg.idle = 1;
        cfg.clients = idle;
        engine_run(&cfg, &r);
        print_idle_phase(label, &r);
    } else {
        engine_run(&cfg, &r);
        print_stream_phase("ws", label, &r);
        if (ran_mock) print_added(label, &r, &mock_result);
    }
    int failed = r.errors > 0 || mock_result.errors > 0;
    engine_result_free(&r);
    engine_result_free(&mock_result);
    return failed ? 1 : 0;
}
