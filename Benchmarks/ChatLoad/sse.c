/* sse.c: the HTTP client for "the mock directly": a streamed chat completion per turn over a
** keep-alive connection, measured the way the WebSocket client measures the host — time to the
** first `data:` line with content, and to `data: [DONE]`. It decodes chunked transfer encoding,
** Content-Length and close-delimited bodies, so it can also be pointed at another server. */
#define _GNU_SOURCE
#include "chat_load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_RESPONSE_HEAD (16 * 1024)
#define MAX_LINE (1024 * 1024)

const char *sse_path = "/v1/chat/completions";

enum { H_HEAD, H_BODY };                               /* response */
enum { B_CHUNKED, B_LENGTH, B_UNTIL_CLOSE };           /* body framing */
enum { K_SIZE, K_DATA, K_DATA_END, K_TRAILER };        /* chunked decoder */

typedef struct {
    int phase, framing, chunk_state;
    long long left; /* bytes left in the current chunk, or of a Content-Length body */
    buf line;       /* an SSE line not yet complete */
    int done_seen;  /* data: [DONE] in this response */
} sse_state;

static sse_state *state_of(client *c) {
    if (!c->p) c->p = calloc(1, sizeof(sse_state));
    if (!c->p) fatal("out of memory");
    return c->p;
}

static void sse_connected(client *c) {
    state_of(c);
    client_ready(c); /* no handshake: the first request is the turn */
}

static void sse_send_turn(client *c) {
    const engine_config *cfg = client_config(c);
    /* The parser's state is left alone: the previous response's last bytes (the end of the
    ** chunked body after [DONE]) may still be on their way; response_end resets it. */
    char body[256], req[768];
    int bn = snprintf(body, sizeof body,
                      "{\"model\":\"bench?chunks=%d\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                      "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", cfg->chunks);
    int n = snprintf(req, sizeof req,
                     "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\n"
                     "Authorization: Bearer bench\r\nContent-Length: %d\r\n\r\n%s", sse_path, cfg->port, bn, body);
    client_send(c, req, (size_t)n);
}

/* One complete SSE line (without its line end). */
static void on_line(client *c, sse_state *s, const char *l, size_t n) {
    if (n < 5 || memcmp(l, "data:", 5) != 0) return; /* comments, event:, id:, blank separators */
    l += 5;
    n -= 5;
    if (n > 0 && *l == ' ') l++, n--;
    if (n == 6 && memcmp(l, "[DONE]", 6) == 0) {
        s->done_seen = 1;
        client_turn_done(c);
        return;
    }
    /* A content chunk has a non-empty "content" string; finish and usage chunks have none. */
    const char *at = memmem(l, n, "\"content\":\"", 11);
    if (at && (size_t)(at - l) + 11 < n && at[11] != '"') client_chunk(c);
    else if (memmem(l, n, "\"error\"", 7)) {
        char what[300];
        snprintf(what, sizeof what, "%.*s", (int)(n < 280 ? n : 280), l);
        client_turn_error(c, what);
    }
}

/* Body bytes: split into lines (an event's lines end with \n, \r\n or \r\n\r\n). */
static void feed(client *c, sse_state *s, const char *p, size_t n) {
    buf_append(&s->line, p, n);
    const char *data = buf_data(&s->line);
    size_t have = buf_size(&s->line), used = 0;
    for (;;) {
        const char *nl = memchr(data + used, '\n', have - used);
        if (!nl) break;
        size_t len = (size_t)(nl - (data + used));
        if (len > 0 && data[used + len - 1] == '\r') len--;
        on_line(c, s, data + used, len);
        used = (size_t)(nl - data) + 1;
        if (c->fd < 0) return;
    }
    buf_consume(&s->line, used);
    if (buf_size(&s->line) > MAX_LINE) client_fail(c, ERR_PROTOCOL, "an SSE line over %d bytes", MAX_LINE);
}

static void response_end(client *c, sse_state *s) {
    s->phase = H_HEAD;
    if (!s->done_seen && c->state == C_RUNNING) client_fail(c, ERR_PROTOCOL, "the response ended without data: [DONE]");
}

/* Parses the response head; returns 0 when more bytes are needed or the client failed. */
static int parse_head(client *c, sse_state *s) {
    const char *head = buf_data(&c->in);
    size_t have = buf_size(&c->in);
    const char *end = memmem(head, have, "\r\n\r\n", 4);
    if (!end) {
        if (have > MAX_RESPONSE_HEAD) client_fail(c, ERR_PROTOCOL, "no end of the response head in %zu bytes", have);
        return 0;
    }
    size_t len = (size_t)(end - head) + 4;
    if (have < 12 || memcmp(head + 9, "200", 3) != 0) {
        const char *eol = memchr(head, '\r', len);
        client_fail(c, ERR_SERVER, "%.*s", (int)(eol ? eol - head : 40), head);
        return 0;
    }
    s->framing = B_UNTIL_CLOSE;
    for (const char *line = memchr(head, '\n', len); line && line < end; line = memchr(line + 1, '\n', (size_t)(end - line))) {
        const char *h = line + 1;
        size_t room = (size_t)(end - h);
        if (room > 18 && strncasecmp(h, "transfer-encoding:", 18) == 0) {
            s->framing = B_CHUNKED;
            s->chunk_state = K_SIZE;
        } else if (room > 15 && strncasecmp(h, "content-length:", 15) == 0 && s->framing != B_CHUNKED) {
            s->framing = B_LENGTH;
            s->left = strtoll(h + 15, NULL, 10);
        }
    }
    buf_consume(&c->in, len);
    buf_free(&s->line);
    s->phase = H_BODY;
    s->done_seen = 0;
    if (s->framing == B_LENGTH && s->left == 0) response_end(c, s);
    return c->fd >= 0;
}

static void sse_bytes(client *c) {
    sse_state *s = state_of(c);
    /* Each step consumes bytes or returns, so the loop ends with the buffer. */
    while (c->fd >= 0 && buf_size(&c->in) > 0) {
        if (s->phase == H_HEAD) {
            if (!parse_head(c, s)) return;
            continue;
        }
        const char *p = buf_data(&c->in);
        size_t have = buf_size(&c->in);
        if (s->framing == B_UNTIL_CLOSE) {
            feed(c, s, p, have);
            if (c->fd >= 0) buf_consume(&c->in, have);
            continue;
        }
        if (s->framing == B_LENGTH) {
            size_t take = have < (size_t)s->left ? have : (size_t)s->left;
            feed(c, s, p, take);
            if (c->fd < 0) return;
            buf_consume(&c->in, take);
            if ((s->left -= (long long)take) == 0) response_end(c, s);
            continue;
        }
        switch (s->chunk_state) {
        case K_SIZE:
        case K_TRAILER: {
            const char *nl = memchr(p, '\n', have);
            if (!nl) {
                if (have > 4096) client_fail(c, ERR_PROTOCOL, "a chunk-size line over 4096 bytes");
                return;
            }
            size_t len = (size_t)(nl - p) + 1;
            if (s->chunk_state == K_SIZE) {
                char *stop;
                s->left = strtoll(p, &stop, 16);
                if (stop == p || s->left < 0) {
                    client_fail(c, ERR_PROTOCOL, "a bad chunk size");
                    return;
                }
                s->chunk_state = s->left == 0 ? K_TRAILER : K_DATA;
                buf_consume(&c->in, len);
            } else {
                buf_consume(&c->in, len);
                if (len <= 2) { /* the empty line that ends the trailer: the response is complete */
                    s->chunk_state = K_SIZE;
                    response_end(c, s);
                }
            }
            break;
        }
        case K_DATA: {
            size_t take = have < (size_t)s->left ? have : (size_t)s->left;
            feed(c, s, p, take);
            if (c->fd < 0) return;
            buf_consume(&c->in, take);
            if ((s->left -= (long long)take) == 0) s->chunk_state = K_DATA_END;
            break;
        }
        case K_DATA_END: /* the CRLF after a chunk's data */
            if (have < 2) return;
            buf_consume(&c->in, 2);
            s->chunk_state = K_SIZE;
            break;
        }
    }
}

static void sse_shutdown(client *c) { client_closed(c); }

static void sse_free(client *c) {
    sse_state *s = c->p;
    buf_free(&s->line);
    free(s);
    c->p = NULL;
}

const protocol sse_protocol = {
    .name = "sse",
    .on_connected = sse_connected,
    .on_bytes = sse_bytes,
    .send_turn = sse_send_turn,
    .on_shutdown = sse_shutdown,
    .on_free = sse_free,
};
