/* ws.c: the RFC 6455 client for chat-load: the HTTP upgrade (Sec-WebSocket-Key, checked
** Sec-WebSocket-Accept), masked client frames, server frames with 7-, 16- and 64-bit lengths,
** fragmented messages, ping -> pong, and the close handshake.
**
** A chat turn is one text frame
**   {"action":"chat","request_id":"<unique>","payload":{"text":"hi","model":"bench?chunks=K"}}
** answered by frames whose top-level "status" says what they are: "chunk" (a relayed chunk when
** its chunk's type is text or reasoning; usage and finish come as chunk frames too),
** "completed" or "complete" (the end), "error" or "cancelled" (a failed turn); others
** ("processing", usage, tool status) are ignored. Frames of an earlier turn (the legacy
** "complete" that follows "completed") are told apart by their request_id. */
#define _GNU_SOURCE
#include "chat_load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define MAX_MESSAGE (16 * 1024 * 1024)
#define MAX_RESPONSE_HEAD (16 * 1024)

const char *ws_path = "/ws/chat";

typedef struct {
    char key[32];        /* Sec-WebSocket-Key sent */
    char request_id[64]; /* of the turn in progress */
    size_t request_id_len;
    buf message;         /* a fragmented message being assembled */
    int message_op;      /* its opcode; 0 when none */
} ws_state;

static ws_state *state_of(client *c) {
    if (!c->p) c->p = calloc(1, sizeof(ws_state));
    if (!c->p) fatal("out of memory");
    return c->p;
}

/* Sends one masked frame (client frames must be masked, RFC 6455 5.3). */
static void send_frame(client *c, int opcode, const void *payload, size_t n) {
    uint8_t stack[512];
    size_t total = n + 14;
    uint8_t *frame = total <= sizeof stack ? stack : xmalloc(total);
    size_t h = 0;
    frame[h++] = (uint8_t)(0x80 | opcode);
    if (n < 126) {
        frame[h++] = (uint8_t)(0x80 | n);
    } else if (n <= 0xFFFF) {
        frame[h++] = 0x80 | 126;
        frame[h++] = (uint8_t)(n >> 8);
        frame[h++] = (uint8_t)n;
    } else {
        frame[h++] = 0x80 | 127;
        for (int i = 7; i >= 0; i--) frame[h++] = (uint8_t)((uint64_t)n >> (8 * i));
    }
    uint32_t mask = (uint32_t)rand64();
    uint8_t m[4] = {(uint8_t)(mask >> 24), (uint8_t)(mask >> 16), (uint8_t)(mask >> 8), (uint8_t)mask};
    memcpy(frame + h, m, 4);
    h += 4;
    const uint8_t *p = payload;
    for (size_t i = 0; i < n; i++) frame[h + i] = p[i] ^ m[i & 3];
    client_send(c, frame, h + n);
    if (frame != stack) free(frame);
}

static void ws_connected(client *c) {
    ws_state *s = state_of(c);
    uint8_t nonce[16];
    for (int i = 0; i < 16; i += 8) {
        uint64_t r = rand64();
        memcpy(nonce + i, &r, 8);
    }
    base64_encode(nonce, 16, s->key);
    char req[512];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
                     ws_path, client_config(c)->port, s->key);
    client_send(c, req, (size_t)n);
}

/* Checks the 101 response; returns 1 when the connection is open, 0 when more bytes are needed. */
static int handshake(client *c, ws_state *s) {
    const char *head = buf_data(&c->in);
    size_t have = buf_size(&c->in);
    const char *end = memmem(head, have, "\r\n\r\n", 4);
    if (!end) {
        if (have > MAX_RESPONSE_HEAD) client_fail(c, ERR_HANDSHAKE, "no end of the response head in %zu bytes", have);
        return 0;
    }
    size_t len = (size_t)(end - head) + 4;
    if (have < 12 || memcmp(head, "HTTP/1.1 101", 12) != 0) {
        const char *eol = memchr(head, '\r', len);
        client_fail(c, ERR_HANDSHAKE, "upgrade refused: %.*s", (int)(eol ? eol - head : 40), head);
        return 0;
    }
    /* Sec-WebSocket-Accept = base64(SHA-1(key + the RFC's GUID)) */
    char joined[96], expected[32];
    uint8_t digest[20];
    int jn = snprintf(joined, sizeof joined, "%s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", s->key);
    sha1(joined, (size_t)jn, digest);
    base64_encode(digest, 20, expected);
    const char *accept = NULL;
    for (const char *line = memchr(head, '\n', len); line && line < end; line = memchr(line + 1, '\n', (size_t)(end - line))) {
        if ((size_t)(end - line) > 22 && strncasecmp(line + 1, "sec-websocket-accept:", 21) == 0) {
            accept = line + 22;
            break;
        }
    }
    while (accept && *accept == ' ') accept++;
    if (!accept || strncmp(accept, expected, strlen(expected)) != 0) {
        client_fail(c, ERR_HANDSHAKE, "missing or wrong Sec-WebSocket-Accept");
        return 0;
    }
    buf_consume(&c->in, len);
    client_ready(c);
    return 1;
}

/* A chunk frame relays model output when its chunk's "type" is text or reasoning (or absent);
** the transport also sends the usage and the finish reason as chunk frames, which are not
** streamed chunks of the reply. */
static int is_content(const char *m, size_t n) {
    const char *chunk, *type;
    size_t chunk_len, type_len;
    if (!json_top(m, n, "chunk", &chunk, &chunk_len) || !json_top_string(chunk, chunk_len, "type", &type, &type_len)) return 1;
    return (type_len == 4 && memcmp(type, "text", 4) == 0) || (type_len == 9 && memcmp(type, "reasoning", 9) == 0);
}

/* A complete text message from the server. */
static void on_message(client *c, ws_state *s, const char *m, size_t n) {
    if (c->state != C_RUNNING) return; /* idle mode, or after the last turn */
    const char *status, *rid;
    size_t status_len, rid_len;
    if (!json_top_string(m, n, "status", &status, &status_len)) return;
    /* Another turn's frame. An error about the request itself may carry request_id null: it
    ** is still ours, as only one turn at a time runs on a connection. */
    if (json_top_string(m, n, "request_id", &rid, &rid_len) &&
        (rid_len != s->request_id_len || memcmp(rid, s->request_id, rid_len) != 0))
        return;
    if (status_len == 5 && memcmp(status, "chunk", 5) == 0) {
        if (is_content(m, n)) client_chunk(c);
    } else if ((status_len == 9 && memcmp(status, "completed", 9) == 0) || (status_len == 8 && memcmp(status, "complete", 8) == 0)) {
        client_turn_done(c);
    } else if ((status_len == 5 && memcmp(status, "error", 5) == 0) || (status_len == 9 && memcmp(status, "cancelled", 9) == 0)) {
        char what[300];
        snprintf(what, sizeof what, "%.*s", (int)(n < 280 ? n : 280), m);
        client_turn_error(c, what);
    }
}

static void ws_bytes(client *c) {
    ws_state *s = state_of(c);
    if (c->state == C_HANDSHAKE && !handshake(c, s)) return;
    /* Every complete frame in the buffer; each step consumes one, so the loop is bounded. */
    while (c->fd >= 0) {
        const uint8_t *f = (const uint8_t *)buf_data(&c->in);
        size_t have = buf_size(&c->in);
        if (have < 2) return;
        int fin = f[0] & 0x80, op = f[0] & 0x0F, masked = f[1] & 0x80;
        uint64_t len = f[1] & 0x7F;
        size_t h = 2;
        if (len == 126) {
            if (have < 4) return;
            len = (uint64_t)f[2] << 8 | f[3];
            h = 4;
        } else if (len == 127) {
            if (have < 10) return;
            len = 0;
            for (int i = 0; i < 8; i++) len = len << 8 | f[2 + i];
            h = 10;
        }
        if (len > MAX_MESSAGE) {
            client_fail(c, ERR_PROTOCOL, "a frame of %llu bytes", (unsigned long long)len);
            return;
        }
        size_t mask_at = h;
        if (masked) h += 4; /* servers must not mask, but unmasking costs nothing */
        if (have < h + len) return;
        char *payload = (char *)buf_data(&c->in) + h;
        if (masked)
            for (size_t i = 0; i < len; i++) payload[i] ^= (char)f[mask_at + (i & 3)];
        switch (op) {
        case 0x0: /* continuation */
            if (!s->message_op) {
                client_fail(c, ERR_PROTOCOL, "a continuation frame without a message");
                return;
            }
            if (buf_size(&s->message) + len > MAX_MESSAGE) {
                client_fail(c, ERR_PROTOCOL, "a message over %d bytes", MAX_MESSAGE);
                return;
            }
            buf_append(&s->message, payload, len);
            if (fin) {
                if (s->message_op == 0x1) on_message(c, s, buf_data(&s->message), buf_size(&s->message));
                buf_free(&s->message);
                s->message_op = 0;
            }
            break;
        case 0x1: /* text */
        case 0x2: /* binary: not used by the transport; skipped */
            if (s->message_op) {
                client_fail(c, ERR_PROTOCOL, "a new message inside a fragmented one");
                return;
            }
            if (fin) {
                if (op == 0x1) on_message(c, s, payload, len);
            } else {
                s->message_op = op;
                buf_append(&s->message, payload, len);
            }
            break;
        case 0x8: { /* close: answer it (unless it answers ours), then the connection is over */
            int code = len >= 2 ? ((uint8_t)payload[0] << 8 | (uint8_t)payload[1]) : 1005;
            if (c->state != C_CLOSING) {
                uint8_t reply[2] = {(uint8_t)(code >> 8), (uint8_t)code};
                send_frame(c, 0x8, reply, len >= 2 ? 2 : 0);
                if (c->state != C_DONE)
                    client_fail(c, ERR_CLOSED, "the server closed the WebSocket: %d %.*s", code, (int)(len > 2 ? len - 2 : 0),
                                payload + 2);
            }
            client_closed(c);
            return;
        }
        case 0x9: /* ping */
            send_frame(c, 0xA, payload, len);
            break;
        case 0xA: /* pong */
            break;
        default:
            client_fail(c, ERR_PROTOCOL, "unknown opcode %d", op);
            return;
        }
        if (c->fd >= 0) buf_consume(&c->in, h + len);
    }
}

static void ws_send_turn(client *c) {
    ws_state *s = state_of(c);
    const engine_config *cfg = client_config(c);
    int n = snprintf(s->request_id, sizeof s->request_id, "load-%d-%d-%d", (int)getpid(), c->id, c->turn);
    s->request_id_len = (size_t)n;
    char msg[256];
    int m = snprintf(msg, sizeof msg, "{\"action\":\"chat\",\"request_id\":\"%s\",\"payload\":{\"text\":\"hi\",\"model\":\"bench?chunks=%d\"}}",
                     s->request_id, cfg->chunks);
    send_frame(c, 0x1, msg, (size_t)m);
}

static void ws_shutdown(client *c) {
    uint8_t code[2] = {1000 >> 8, 1000 & 0xFF};
    send_frame(c, 0x8, code, 2);
}

static void ws_free(client *c) {
    ws_state *s = c->p;
    buf_free(&s->message);
    free(s);
    c->p = NULL;
}

const protocol ws_protocol = {
    .name = "ws",
    .on_connected = ws_connected,
    .on_bytes = ws_bytes,
    .send_turn = ws_send_turn,
    .on_shutdown = ws_shutdown,
    .on_free = ws_free,
};
