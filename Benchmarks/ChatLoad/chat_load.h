/* chat_load.h: shared declarations of chat-load, the chat-over-WebSocket load generator.
**
** Parts: util.c (clock, samples, a top-level JSON field scanner, SHA-1/base64, /proc readers),
** mock.c (the in-process OpenAI-compatible streaming server), engine.c (the epoll client engine
** both clients share: connects, buffered writes, deadlines, results), ws.c (the RFC 6455
** client), sse.c (the HTTP SSE client for the mock directly), main.c (flags and phases).
** Everything is 127.0.0.1 only. */
#ifndef CHAT_LOAD_H
#define CHAT_LOAD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- util.c ---- */

double now_s(void);  /* CLOCK_MONOTONIC, seconds */
void fatal(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
int set_nonblocking(int fd);
void raise_fd_limit(void);  /* soft RLIMIT_NOFILE up to the hard limit */

/* Latency samples in seconds; percentiles by nearest rank over the sorted values. */
typedef struct {
    double *v;
    size_t n, cap;
    int sorted;
} samples;
void samples_add(samples *s, double x);
double samples_pct(samples *s, double p); /* p in [0,100]; 0 when empty */
void samples_free(samples *s);

/* A growable byte buffer: bytes [off, len) are pending. */
typedef struct {
    char *b;
    size_t off, len, cap;
} buf;
void buf_append(buf *x, const void *p, size_t n);
void buf_consume(buf *x, size_t n);
static inline size_t buf_size(const buf *x) { return x->len - x->off; }
static inline const char *buf_data(const buf *x) { return x->b + x->off; }
void buf_free(buf *x);

/* Finds "key" among the members of the outermost JSON object in s[0..n) (nested objects and
** strings are skipped, so a "status" inside a payload never matches). On success *v points at
** the value's first byte and *vlen spans it (quotes included for strings). Returns 1 if found. */
int json_top(const char *s, size_t n, const char *key, const char **v, size_t *vlen);
/* The same for a string value: *v and *vlen span the raw characters between the quotes. */
int json_top_string(const char *s, size_t n, const char *key, const char **v, size_t *vlen);

void sha1(const void *data, size_t n, uint8_t out[20]);
size_t base64_encode(const uint8_t *in, size_t n, char *out); /* writes a NUL; returns length */
uint64_t rand64(void);                                       /* xorshift, not cryptographic */

/* /proc readers for the process under test; negative when unavailable. */
double proc_cpu_s(pid_t pid);                 /* utime + stime */
long proc_status_kb(pid_t pid, const char *field); /* e.g. "VmRSS", "VmHWM" */
double self_cpu_s(void);                      /* this process, getrusage */

/* ---- mock.c ---- */

typedef struct mock_server mock_server;
/* Binds 127.0.0.1:port (0: any free port) and serves on `threads` threads (SO_REUSEPORT). */
mock_server *mock_start(int port, int threads);
int mock_port(const mock_server *m);
void mock_stop(mock_server *m);

/* ---- engine.c ---- */

enum { ERR_CONNECT, ERR_HANDSHAKE, ERR_PROTOCOL, ERR_SERVER, ERR_CLOSED, ERR_TIMEOUT, ERR_KINDS };
extern const char *const error_kind_names[ERR_KINDS];

typedef struct client client;
typedef struct engine engine;

/* What a protocol (ws.c, sse.c) plugs into the engine. */
typedef struct {
    const char *name;
    /* The TCP connection is up: queue the first bytes (a handshake), or call client_ready. */
    void (*on_connected)(client *c);
    /* Bytes arrived (the engine keeps what the protocol leaves unconsumed in c->in). */
    void (*on_bytes)(client *c);
    /* Start turn c->turn (send the request); the engine stamps c->t_send just before. */
    void (*send_turn)(client *c);
    /* The run is over: start a polite close (a close frame); the engine closes the fd after. */
    void (*on_shutdown)(client *c);
    /* Frees c->p (the engine frees the client's buffers). */
    void (*on_free)(client *c);
} protocol;

enum { C_NEW, C_CONNECTING, C_HANDSHAKE, C_READY, C_RUNNING, C_DONE, C_FAILED, C_CLOSING, C_CLOSED };

struct client {
    engine *e;
    int fd, id, state;
    buf out, in;
    int turn;            /* turns finished */
    int chunks;          /* chunks seen in the current turn */
    double t_send, t_first;
    void *p;             /* protocol state */
    uint32_t events;     /* epoll interest currently registered */
};

typedef struct {
    const protocol *proto;
    int port;             /* 127.0.0.1:port */
    int clients, turns, chunks;
    int connect_parallel; /* connects and handshakes in flight at once */
    double timeout_s;     /* the whole phase */
    double hold_s;        /* idle mode: how long to hold the connections */
    int idle;             /* 1: connect, hold, close; no turns */
    pid_t host_pid, mock_pid; /* sampled while the phase runs (0: none) */
} engine_config;

typedef struct {
    int clients, turns, chunks_per_turn;
    long turns_done, chunks, mismatched; /* mismatched: finished turns whose chunk count was not K */
    long errors, err[ERR_KINDS];
    int connected;                       /* connections that were ready */
    double connect_s, elapsed_s, hold_s;
    samples ttfc, completion;
    double client_cpu_s, host_cpu_s, mock_cpu_s;
    long host_rss_peak_kb, host_hwm_kb, host_rss_start_kb;
} engine_result;

void engine_run(const engine_config *cfg, engine_result *r);
void engine_result_free(engine_result *r);

/* For protocols. */
void client_send(client *c, const void *p, size_t n);
void client_ready(client *c);                        /* handshake done */
void client_chunk(client *c);                        /* counts a chunk; the first stamps TTFC */
void client_turn_done(client *c);                    /* a completed turn: the next turn, or done */
void client_turn_error(client *c, const char *what); /* the server ended the turn with an error */
void client_fail(client *c, int kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void client_closed(client *c);                       /* the peer closed: fine after C_DONE */
const engine_config *client_config(const client *c);

extern const protocol ws_protocol;  /* ws.c; needs ws_path */
extern const protocol sse_protocol; /* sse.c */
extern const char *ws_path;         /* e.g. "/ws/chat" */
extern const char *sse_path;        /* e.g. "/v1/chat/completions" */

#endif
