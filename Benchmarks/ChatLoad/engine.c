/* engine.c: the epoll client engine shared by the WebSocket and SSE clients.
**
** A phase runs in three steps, so that what is measured is the streaming and not the ramp-up:
**   1. connect: every client connects (and handshakes), at most connect_parallel at once, so a
**      burst of thousands of SYNs does not overflow the server's accept queue and turn into
**      one-second SYN retransmits that would be measured as the server's latency;
**   2. run: every ready client sends its first turn at once; a client sends its next turn as soon
**      as one completes, until `turns`. Throughput is chunks over [first send, last completion];
**      or, in idle mode, the connections are held open for hold_s;
**   3. close: protocols say goodbye (a close frame) and the engine waits briefly for the peer.
** One thread: a client engine on its own core-share is what the server under test sees from many
** independent clients, and a single thread keeps the latency stamps free of cross-thread skew. */
#define _GNU_SOURCE
#include "chat_load.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_EVENTS 1024
#define READ_SIZE (64 * 1024)
#define MAX_PRINTED_ERRORS 10
#define CLOSE_WAIT_S 3.0
#define SAMPLE_INTERVAL_S 0.1

const char *const error_kind_names[ERR_KINDS] = {"connect", "handshake", "protocol", "server", "closed", "timeout"};

struct engine {
    const engine_config *cfg;
    engine_result *r;
    int ep;
    client *clients;
    int next_connect;  /* index of the next client to connect */
    int in_flight;     /* connecting or handshaking */
    int settled;       /* connect step: ready or failed */
    int finished;      /* run step: done or failed */
    int open;          /* fds open */
    int printed;       /* errors printed to stderr */
    double t_last_done, next_sample;
};

const engine_config *client_config(const client *c) { return c->e->cfg; }

static void set_events(client *c, uint32_t events) {
    if (c->fd < 0 || c->events == events) return;
    struct epoll_event ev = {.events = events, .data.ptr = c};
    epoll_ctl(c->e->ep, EPOLL_CTL_MOD, c->fd, &ev);
    c->events = events;
}

static void close_fd(client *c) {
    if (c->fd < 0) return;
    epoll_ctl(c->e->ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->fd = -1;
    c->e->open--;
}

static int in_connect_step(const client *c) { return c->state == C_CONNECTING || c->state == C_HANDSHAKE; }

void client_fail(client *c, int kind, const char *fmt, ...) {
    engine *e = c->e;
    if (c->state == C_FAILED || c->state == C_CLOSED) return;
    if (c->state == C_DONE || c->state == C_CLOSING) { /* its work was finished: not an error */
        close_fd(c);
        c->state = C_CLOSED;
        return;
    }
    e->r->errors++;
    e->r->err[kind]++;
    if (e->printed < MAX_PRINTED_ERRORS) {
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        fprintf(stderr, "chat-load: %s client %d (turn %d): %s error: %s\n", c->e->cfg->proto->name, c->id, c->turn,
                error_kind_names[kind], msg);
        if (++e->printed == MAX_PRINTED_ERRORS) fprintf(stderr, "chat-load: (further errors are only counted)\n");
    }
    if (in_connect_step(c)) {
        e->in_flight--;
        e->settled++;
    } else if (c->state == C_RUNNING) {
        e->finished++;
    }
    c->state = C_FAILED;
    close_fd(c);
}

void client_closed(client *c) {
    if (c->state == C_DONE || c->state == C_CLOSING) {
        close_fd(c);
        c->state = C_CLOSED;
    } else {
        client_fail(c, ERR_CLOSED, "the server closed the connection");
    }
}

void client_send(client *c, const void *p, size_t n) {
    if (c->fd < 0) return;
    const char *data = p;
    /* Nothing queued: try the socket first, so the common case costs one send and no copy. */
    if (buf_size(&c->out) == 0) {
        while (n > 0) {
            ssize_t k = send(c->fd, data, n, MSG_NOSIGNAL);
            if (k > 0) {
                data += k;
                n -= (size_t)k;
            } else if (k < 0 && errno == EINTR) {
                continue;
            } else if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                break;
            } else {
                client_fail(c, ERR_CLOSED, "send: %s", strerror(errno));
                return;
            }
        }
    }
    if (n > 0) {
        buf_append(&c->out, data, n);
        set_events(c, EPOLLIN | EPOLLOUT);
    }
}

static void flush(client *c) {
    while (buf_size(&c->out) > 0) {
        ssize_t k = send(c->fd, buf_data(&c->out), buf_size(&c->out), MSG_NOSIGNAL);
        if (k > 0) {
            buf_consume(&c->out, (size_t)k);
        } else if (k < 0 && errno == EINTR) {
            continue;
        } else if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return;
        } else {
            client_fail(c, ERR_CLOSED, "send: %s", strerror(errno));
            return;
        }
    }
    set_events(c, EPOLLIN);
}

void client_ready(client *c) {
    engine *e = c->e;
    if (c->state != C_HANDSHAKE) return;
    c->state = C_READY;
    e->in_flight--;
    e->settled++;
    e->r->connected++;
}

static void start_turn(client *c) {
    c->chunks = 0;
    c->t_first = 0;
    c->t_send = now_s();
    c->e->cfg->proto->send_turn(c);
}

void client_chunk(client *c) {
    if (c->state != C_RUNNING) return;
    if (c->chunks++ == 0) {
        c->t_first = now_s();
        samples_add(&c->e->r->ttfc, c->t_first - c->t_send);
    }
    c->e->r->chunks++;
}

static void end_turn(client *c) {
    engine *e = c->e;
    if (++c->turn < e->cfg->turns) {
        start_turn(c);
        return;
    }
    c->state = C_DONE;
    e->finished++;
    e->t_last_done = now_s();
}

void client_turn_done(client *c) {
    if (c->state != C_RUNNING) return;
    engine *e = c->e;
    double t = now_s();
    samples_add(&e->r->completion, t - c->t_send);
    e->r->turns_done++;
    if (c->chunks != e->cfg->chunks) e->r->mismatched++;
    e->t_last_done = t;
    end_turn(c);
}

void client_turn_error(client *c, const char *what) {
    if (c->state != C_RUNNING) return;
    engine *e = c->e;
    e->r->errors++;
    e->r->err[ERR_SERVER]++;
    if (e->printed < MAX_PRINTED_ERRORS) {
        fprintf(stderr, "chat-load: %s client %d (turn %d): server error: %s\n", e->cfg->proto->name, c->id, c->turn, what);
        if (++e->printed == MAX_PRINTED_ERRORS) fprintf(stderr, "chat-load: (further errors are only counted)\n");
    }
    end_turn(c);
}

static void connected(client *c) {
    c->state = C_HANDSHAKE;
    set_events(c, EPOLLIN);
    c->e->cfg->proto->on_connected(c);
}

static void start_connect(engine *e, client *c) {
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        c->state = C_CONNECTING;
        e->in_flight++;
        client_fail(c, ERR_CONNECT, "socket: %s", strerror(errno));
        return;
    }
    e->open++;
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->state = C_CONNECTING;
    e->in_flight++;
    struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
    if (epoll_ctl(e->ep, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
        client_fail(c, ERR_CONNECT, "epoll_ctl: %s", strerror(errno));
        return;
    }
    c->events = EPOLLOUT;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)e->cfg->port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (connect(c->fd, (struct sockaddr *)&a, sizeof a) == 0) connected(c);
    else if (errno != EINPROGRESS) client_fail(c, ERR_CONNECT, "connect: %s", strerror(errno));
}

static void on_event(client *c, uint32_t events) {
    if (c->state == C_CONNECTING) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err) client_fail(c, ERR_CONNECT, "connect: %s", strerror(err));
        else connected(c);
        return;
    }
    if ((events & EPOLLOUT) && c->fd >= 0) flush(c);
    if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)) || c->fd < 0) return;
    /* One read per event: level-triggered epoll reports the rest next time round, which keeps
    ** a connection with a deep backlog from starving the others. */
    char chunk[READ_SIZE];
    ssize_t n = recv(c->fd, chunk, sizeof chunk, 0);
    if (n > 0) {
        buf_append(&c->in, chunk, (size_t)n);
        c->e->cfg->proto->on_bytes(c);
    } else if (n == 0) {
        client_closed(c);
    } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        if (c->state == C_DONE || c->state == C_CLOSING) client_closed(c);
        else client_fail(c, in_connect_step(c) ? ERR_HANDSHAKE : ERR_CLOSED, "recv: %s", strerror(errno));
    }
}

static void sample(engine *e, int force) {
    double t = now_s();
    if (!force && t < e->next_sample) return;
    e->next_sample = t + SAMPLE_INTERVAL_S;
    if (e->cfg->host_pid > 0) {
        long rss = proc_status_kb(e->cfg->host_pid, "VmRSS");
        if (rss > e->r->host_rss_peak_kb) e->r->host_rss_peak_kb = rss;
    }
}

static void poll_once(engine *e, int timeout_ms) {
    struct epoll_event evs[MAX_EVENTS];
    int n = epoll_wait(e->ep, evs, MAX_EVENTS, timeout_ms);
    for (int i = 0; i < n; i++) on_event(evs[i].data.ptr, evs[i].events);
    sample(e, 0);
}

void engine_run(const engine_config *cfg, engine_result *r) {
    engine e = {.cfg = cfg, .r = r};
    memset(r, 0, sizeof *r);
    r->clients = cfg->clients;
    r->turns = cfg->idle ? 0 : cfg->turns;
    r->chunks_per_turn = cfg->chunks;
    e.ep = epoll_create1(EPOLL_CLOEXEC);
    if (e.ep < 0) fatal("epoll_create1: %s", strerror(errno));
    e.clients = calloc((size_t)cfg->clients, sizeof *e.clients);
    if (!e.clients) fatal("out of memory");
    for (int i = 0; i < cfg->clients; i++) {
        e.clients[i] = (client){.e = &e, .fd = -1, .id = i, .state = C_NEW};
    }
    double t0 = now_s(), deadline = t0 + cfg->timeout_s;
    if (cfg->host_pid > 0) r->host_rss_start_kb = proc_status_kb(cfg->host_pid, "VmRSS");

    /* 1. connect */
    while (e.settled < cfg->clients && now_s() < deadline) {
        while (e.next_connect < cfg->clients && e.in_flight < cfg->connect_parallel) start_connect(&e, &e.clients[e.next_connect++]);
        poll_once(&e, 20);
    }
    r->connect_s = now_s() - t0;

    /* 2. run (or hold) */
    double cpu0 = self_cpu_s(), host0 = cfg->host_pid > 0 ? proc_cpu_s(cfg->host_pid) : -1,
           mock0 = cfg->mock_pid > 0 ? proc_cpu_s(cfg->mock_pid) : -1;
    double t_start = now_s();
    e.t_last_done = t_start;
    if (cfg->idle) {
        double until = t_start + cfg->hold_s;
        while (now_s() < until && now_s() < deadline) poll_once(&e, 50);
        r->hold_s = now_s() - t_start;
        r->elapsed_s = r->hold_s;
    } else {
        int running = 0;
        for (int i = 0; i < cfg->clients; i++) {
            client *c = &e.clients[i];
            if (c->state != C_READY) continue;
            c->state = C_RUNNING;
            running++;
            start_turn(c);
        }
        while (e.finished < running && now_s() < deadline) poll_once(&e, 50);
        r->elapsed_s = e.t_last_done - t_start;
    }
    sample(&e, 1);
    r->client_cpu_s = self_cpu_s() - cpu0;
    r->host_cpu_s = host0 >= 0 ? proc_cpu_s(cfg->host_pid) - host0 : -1;
    r->mock_cpu_s = mock0 >= 0 ? proc_cpu_s(cfg->mock_pid) - mock0 : -1;
    r->host_hwm_kb = cfg->host_pid > 0 ? proc_status_kb(cfg->host_pid, "VmHWM") : -1;

    /* Whatever did not finish in time is a timeout. */
    for (int i = 0; i < cfg->clients; i++) {
        client *c = &e.clients[i];
        if (c->state == C_NEW || in_connect_step(c) || c->state == C_RUNNING)
            client_fail(c, ERR_TIMEOUT, "not finished after %.0f s (%d chunks in this turn)", cfg->timeout_s, c->chunks);
    }

    /* 3. close: a polite goodbye, a bounded wait for the peer, then every fd is closed. */
    for (int i = 0; i < cfg->clients; i++) {
        client *c = &e.clients[i];
        if (c->state == C_READY) c->state = C_DONE; /* an idle connection that made it through the hold */
        if (c->state == C_DONE && c->fd >= 0) {
            c->state = C_CLOSING;
            cfg->proto->on_shutdown(c);
        }
    }
    double close_until = now_s() + CLOSE_WAIT_S;
    while (e.open > 0 && now_s() < close_until) poll_once(&e, 50);
    for (int i = 0; i < cfg->clients; i++) {
        client *c = &e.clients[i];
        close_fd(c);
        buf_free(&c->in);
        buf_free(&c->out);
        if (c->p) cfg->proto->on_free(c);
    }
    free(e.clients);
    close(e.ep);
}

void engine_result_free(engine_result *r) {
    samples_free(&r->ttfc);
    samples_free(&r->completion);
}
