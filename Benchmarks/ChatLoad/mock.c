/* mock.c: a fast OpenAI-compatible chat-completions server, in-process, on its own thread(s).
**
** POST .../chat/completions with "stream": true answers HTTP/1.1 keep-alive text/event-stream
** in chunked transfer encoding (what real servers do, and what libcurl decodes): K content
** chunks, a finish chunk, a usage chunk and [DONE]. K comes from the model string
** ("bench?chunks=200"; default 100). "stream": false gets one chat.completion JSON. GET /health
** answers {"status":"ok"}.
**
** Why it is shaped like this: the Python mock tops out near 50k chunks/s on a whole core, so
** it would be the bottleneck. Here every streaming connection is on an "active" list and each
** pass of the loop produces one SSE event per connection and writes it at once, one write per
** chunk, the way a server emits tokens as they are generated. A connection whose socket is full
** stops producing until it drains (EPOLLOUT), so a slow reader gets backpressure, not an
** unbounded buffer. Requests are parsed with plain string search: enough for JSON clients that
** send "model" and "stream" at the top level, not a general HTTP server. */
#define _GNU_SOURCE
#include "chat_load.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_HEAD (64 * 1024)
#define MAX_BODY (16 * 1024 * 1024)
#define MAX_CHUNKS 1000000
#define DEFAULT_CHUNKS 100
#define READ_SIZE (64 * 1024)

enum { S_HEAD, S_CONTENT, S_FINISH, S_USAGE, S_DONE };

typedef struct mconn {
    int fd;
    buf in, out;
    int streaming, stage, k, next;
    int close_after;    /* Connection: close (or HTTP/1.0): close once the reply is written */
    int continue_sent;  /* "100 Continue" already sent for the request being read */
    int blocked;        /* output pending: EPOLLOUT armed, nothing more is produced */
    int active;         /* on the worker's active list */
    struct mconn *prev, *next_active;
} mconn;

typedef struct worker {
    struct mock_server *m;
    int ep, lfd;
    pthread_t thread;
    mconn *active;      /* streaming connections, in the order they are served */
} worker;

struct mock_server {
    int port, nworkers, wake_fd;
    worker *w;
};

/* epoll data for the two non-connection fds */
static char listener_tag, wake_tag;

static void active_add(worker *w, mconn *c) {
    if (c->active) return;
    c->active = 1;
    c->prev = NULL;
    c->next_active = w->active;
    if (w->active) w->active->prev = c;
    w->active = c;
}

static void active_remove(worker *w, mconn *c) {
    if (!c->active) return;
    c->active = 0;
    if (c->prev) c->prev->next_active = c->next_active;
    else w->active = c->next_active;
    if (c->next_active) c->next_active->prev = c->prev;
    c->prev = c->next_active = NULL;
}

static void conn_close(worker *w, mconn *c) {
    active_remove(w, c);
    epoll_ctl(w->ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    buf_free(&c->in);
    buf_free(&c->out);
    free(c);
}

static void set_interest(worker *w, mconn *c, int want_out) {
    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | (want_out ? EPOLLOUT : 0), .data.ptr = c};
    epoll_ctl(w->ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Writes what is pending. Returns -1 when the connection failed (it is then closed). */
static int conn_flush(worker *w, mconn *c) {
    while (buf_size(&c->out) > 0) {
        ssize_t n = send(c->fd, buf_data(&c->out), buf_size(&c->out), MSG_NOSIGNAL);
        if (n > 0) {
            buf_consume(&c->out, (size_t)n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!c->blocked) set_interest(w, c, 1);
            c->blocked = 1;
            return 0;
        }
        conn_close(w, c);
        return -1;
    }
    if (c->blocked) set_interest(w, c, 0);
    c->blocked = 0;
    if (c->close_after && !c->streaming) {
        conn_close(w, c);
        return -1;
    }
    return 0;
}

/* One HTTP chunk of transfer encoding holding data[0..n). */
static void append_http_chunk(buf *out, const char *data, size_t n) {
    char size[24];
    int m = snprintf(size, sizeof size, "%zx\r\n", n);
    buf_append(out, size, (size_t)m);
    buf_append(out, data, n);
    buf_append(out, "\r\n", 2);
}

static void respond_simple(mconn *c, int status, const char *reason, const char *type, const char *body, size_t len) {
    char head[256];
    int m = snprintf(head, sizeof head, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s\r\n", status, reason,
                     type, len, c->close_after ? "Connection: close\r\n" : "");
    buf_append(&c->out, head, (size_t)m);
    buf_append(&c->out, body, len);
}

/* K from a model string such as "bench?chunks=200". */
static int chunks_of_model(const char *model, size_t len) {
    const char *q = memchr(model, '?', len);
    if (!q) return DEFAULT_CHUNKS;
    const char *end = model + len;
    for (const char *p = q + 1; p < end;) {
        if ((size_t)(end - p) > 7 && memcmp(p, "chunks=", 7) == 0) {
            long k = strtol(p + 7, NULL, 10);
            return k < 0 ? 0 : k > MAX_CHUNKS ? MAX_CHUNKS : (int)k;
        }
        const char *amp = memchr(p, '&', (size_t)(end - p));
        if (!amp) break;
        p = amp + 1;
    }
    return DEFAULT_CHUNKS;
}

static void handle_completion(worker *w, mconn *c, const char *body, size_t len) {
    const char *model = NULL, *stream = NULL;
    size_t mlen = 0, slen = 0;
    int k = DEFAULT_CHUNKS;
    if (json_top_string(body, len, "model", &model, &mlen)) k = chunks_of_model(model, mlen);
    int streamed = json_top(body, len, "stream", &stream, &slen) && slen == 4 && memcmp(stream, "true", 4) == 0;
    if (!streamed) {
        buf content = {0};
        char word[24];
        for (int i = 0; i < k; i++) buf_append(&content, word, (size_t)snprintf(word, sizeof word, "w%d ", i));
        buf reply = {0};
        char text[512];
        int m = snprintf(text, sizeof text,
                         "{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"");
        buf_append(&reply, text, (size_t)m);
        buf_append(&reply, buf_data(&content), buf_size(&content));
        m = snprintf(text, sizeof text,
                     "\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":%d,\"total_tokens\":%d}}",
                     k, 11 + k);
        buf_append(&reply, text, (size_t)m);
        respond_simple(c, 200, "OK", "application/json", buf_data(&reply), buf_size(&reply));
        buf_free(&content);
        buf_free(&reply);
        return;
    }
    c->streaming = 1;
    c->stage = S_HEAD;
    c->k = k;
    c->next = 0;
    active_add(w, c);
}

/* Produces the next piece of a streamed reply into c->out. */
static void produce(worker *w, mconn *c) {
    char event[512];
    int n;
    switch (c->stage) {
    case S_HEAD:
        n = snprintf(event, sizeof event,
                     "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
                     "Transfer-Encoding: chunked\r\n%s\r\n", c->close_after ? "Connection: close\r\n" : "");
        buf_append(&c->out, event, (size_t)n);
        c->stage = c->k > 0 ? S_CONTENT : S_FINISH;
        return;
    case S_CONTENT:
        n = snprintf(event, sizeof event,
                     "data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
                     "\"delta\":{\"content\":\"w%d \"},\"finish_reason\":null}]}\n\n", c->next);
        append_http_chunk(&c->out, event, (size_t)n);
        if (++c->next >= c->k) c->stage = S_FINISH;
        return;
    case S_FINISH:
        n = snprintf(event, sizeof event,
                     "data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
                     "\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n");
        append_http_chunk(&c->out, event, (size_t)n);
        c->stage = S_USAGE;
        return;
    case S_USAGE:
        n = snprintf(event, sizeof event,
                     "data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"choices\":[],"
                     "\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":%d,\"total_tokens\":%d}}\n\n", c->k, 11 + c->k);
        append_http_chunk(&c->out, event, (size_t)n);
        c->stage = S_DONE;
        return;
    default: /* [DONE] and the last chunk of the transfer encoding go out together */
        append_http_chunk(&c->out, "data: [DONE]\n\n", 14);
        buf_append(&c->out, "0\r\n\r\n", 5);
        c->streaming = 0;
        active_remove(w, c);
        return;
    }
}

/* Parses and answers the requests buffered in c->in, until one starts streaming or more bytes are
** needed. Returns -1 when the connection was closed. */
static int process_requests(worker *w, mconn *c) {
    for (int guard = 0; guard < 1024 && !c->streaming && buf_size(&c->in) > 0; guard++) {
        const char *req = buf_data(&c->in);
        size_t have = buf_size(&c->in);
        const char *end = memmem(req, have, "\r\n\r\n", 4);
        if (!end) {
            if (have > MAX_HEAD) {
                c->close_after = 1;
                respond_simple(c, 431, "Request Header Fields Too Large", "text/plain", "", 0);
                return conn_flush(w, c);
            }
            return 0;
        }
        size_t head_len = (size_t)(end - req) + 4;
        /* Request line and the headers this server cares about. */
        const char *sp1 = memchr(req, ' ', head_len), *sp2 = sp1 ? memchr(sp1 + 1, ' ', head_len - (size_t)(sp1 + 1 - req)) : NULL;
        if (!sp1 || !sp2) {
            c->close_after = 1;
            respond_simple(c, 400, "Bad Request", "text/plain", "", 0);
            return conn_flush(w, c);
        }
        size_t method_len = (size_t)(sp1 - req), path_len = (size_t)(sp2 - sp1 - 1);
        const char *path = sp1 + 1;
        long content_length = 0;
        int expect_continue = 0, chunked_body = 0;
        if (memcmp(sp2 + 1, "HTTP/1.0", 8) == 0) c->close_after = 1;
        const char *line = memchr(req, '\n', head_len);
        while (line && line + 1 < end) {
            line++;
            const char *eol = memchr(line, '\n', (size_t)(end + 2 - line));
            size_t llen = eol ? (size_t)(eol - line) : 0;
            if (llen > 15 && strncasecmp(line, "content-length:", 15) == 0) content_length = strtol(line + 15, NULL, 10);
            else if (llen > 11 && strncasecmp(line, "connection:", 11) == 0) {
                if (memmem(line, llen, "close", 5)) c->close_after = 1;
            } else if (llen > 7 && strncasecmp(line, "expect:", 7) == 0) expect_continue = 1;
            else if (llen > 18 && strncasecmp(line, "transfer-encoding:", 18) == 0) chunked_body = 1;
            line = eol;
        }
        if (chunked_body || content_length < 0 || content_length > MAX_BODY) {
            c->close_after = 1;
            respond_simple(c, 413, "Payload Too Large", "text/plain", "", 0);
            return conn_flush(w, c);
        }
        if (have < head_len + (size_t)content_length) {
            if (expect_continue && !c->continue_sent) {
                c->continue_sent = 1;
                buf_append(&c->out, "HTTP/1.1 100 Continue\r\n\r\n", 25);
                return conn_flush(w, c);
            }
            return 0;
        }
        const char *body = req + head_len;
        if (method_len == 4 && memcmp(req, "POST", 4) == 0 && path_len >= 17 &&
            memcmp(path + path_len - 17, "/chat/completions", 17) == 0) {
            handle_completion(w, c, body, (size_t)content_length);
        } else if (method_len == 3 && memcmp(req, "GET", 3) == 0 && path_len == 7 && memcmp(path, "/health", 7) == 0) {
            respond_simple(c, 200, "OK", "application/json", "{\"status\":\"ok\"}", 15);
        } else {
            respond_simple(c, 404, "Not Found", "application/json", "{\"error\":{\"message\":\"not found\"}}", 33);
        }
        buf_consume(&c->in, head_len + (size_t)content_length);
        c->continue_sent = 0;
    }
    return buf_size(&c->out) > 0 || (c->close_after && !c->streaming) ? conn_flush(w, c) : 0;
}

static void accept_all(worker *w) {
    for (int i = 0; i < 1024; i++) {
        int fd = accept4(w->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return; /* EAGAIN, or out of fds: try again on the next event */
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        mconn *c = calloc(1, sizeof *c);
        if (!c) {
            close(fd);
            return;
        }
        c->fd = fd;
        struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = c};
        if (epoll_ctl(w->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
            close(fd);
            free(c);
        }
    }
}

static void on_readable(worker *w, mconn *c) {
    char chunk[READ_SIZE];
    ssize_t n = recv(c->fd, chunk, sizeof chunk, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        conn_close(w, c);
        return;
    }
    if (n < 0) return;
    if (buf_size(&c->in) + (size_t)n > MAX_HEAD + MAX_BODY) { /* a client that never stops sending */
        conn_close(w, c);
        return;
    }
    buf_append(&c->in, chunk, (size_t)n);
    if (!c->streaming) process_requests(w, c);
}

static void *worker_main(void *arg) {
    worker *w = arg;
    struct epoll_event evs[512];
    int produced = 0; /* events produced in the last pass */
    for (;;) {
        /* Streams that can make progress: poll without sleeping, then serve them. Otherwise
        ** (none, or every one waiting for its reader) sleep until a socket is ready. */
        int n = epoll_wait(w->ep, evs, 512, w->active && produced ? 0 : 1000);
        for (int i = 0; i < n; i++) {
            void *tag = evs[i].data.ptr;
            if (tag == &wake_tag) return NULL;
            if (tag == &listener_tag) {
                accept_all(w);
                continue;
            }
            mconn *c = tag;
            if (evs[i].events & EPOLLOUT) {
                if (conn_flush(w, c) < 0) continue;
                if (!c->blocked && !c->streaming && process_requests(w, c) < 0) continue;
            }
            if (evs[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) on_readable(w, c);
        }
        /* One event per streaming connection per pass; the list may change as streams end. */
        mconn *next;
        produced = 0;
        for (mconn *c = w->active; c; c = next) {
            next = c->next_active;
            if (c->blocked) continue;
            produce(w, c);
            produced++;
            if (conn_flush(w, c) < 0) continue;
            /* A finished stream: the next pipelined request may already be waiting. */
            if (!c->streaming && !c->blocked && buf_size(&c->in) > 0) process_requests(w, c);
        }
    }
}

static int listen_on(int port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 4096) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

mock_server *mock_start(int port, int threads) {
    if (threads < 1) threads = 1;
    mock_server *m = calloc(1, sizeof *m);
    if (!m) fatal("out of memory");
    m->nworkers = threads;
    m->w = calloc((size_t)threads, sizeof *m->w);
    m->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (!m->w || m->wake_fd < 0) fatal("mock: cannot allocate workers");
    for (int i = 0; i < threads; i++) {
        worker *w = &m->w[i];
        w->m = m;
        w->lfd = listen_on(i == 0 ? port : m->port);
        if (w->lfd < 0) fatal("mock: cannot listen on 127.0.0.1:%d: %s", i == 0 ? port : m->port, strerror(errno));
        if (i == 0) {
            struct sockaddr_in a = {0};
            socklen_t len = sizeof a;
            getsockname(w->lfd, (struct sockaddr *)&a, &len);
            m->port = ntohs(a.sin_port);
        }
        w->ep = epoll_create1(EPOLL_CLOEXEC);
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &listener_tag};
        epoll_ctl(w->ep, EPOLL_CTL_ADD, w->lfd, &ev);
        struct epoll_event wake = {.events = EPOLLIN, .data.ptr = &wake_tag};
        epoll_ctl(w->ep, EPOLL_CTL_ADD, m->wake_fd, &wake);
    }
    for (int i = 0; i < threads; i++)
        if (pthread_create(&m->w[i].thread, NULL, worker_main, &m->w[i]) != 0) fatal("mock: cannot start a thread");
    return m;
}

int mock_port(const mock_server *m) { return m->port; }

/* Stops the workers (the eventfd wakes them all), then closes the listeners and epoll sets.
** Connections still open are closed by the process exit; the benchmark stops the mock last. */
void mock_stop(mock_server *m) {
    uint64_t one = 1;
    if (write(m->wake_fd, &one, sizeof one) < 0) { /* nothing to do: the threads are joined below regardless */ }
    for (int i = 0; i < m->nworkers; i++) pthread_join(m->w[i].thread, NULL);
    for (int i = 0; i < m->nworkers; i++) {
        close(m->w[i].lfd);
        close(m->w[i].ep);
    }
    close(m->wake_fd);
    free(m->w);
    free(m);
}
