/*
** ExampleC: a Switchboard plugin written in plain C, proving the ABI needs no Swift.
**
** One provider component, "echo", that streams the request back from its own thread:
**   op "chat"   the request JSON, one word per SB_EVENT_TEXT_DELTA, then USAGE, FINISH, DONE.
**   op "burst"  {"count": N}: N one-byte text deltas as fast as possible (for benchmarks).
** Config block: {"delay_ms": N} waits N ms between events (default 0), so cancellation is testable.
*/
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "switchboard.h"

typedef struct echo_op {
    uint64_t handle;
    int cancelled;               /* guarded by echo.lock */
    char *op;                    /* owned copies of the borrowed start() arguments */
    char *request;
    size_t request_len;
    sb_event_fn on_event;
    void *user;
    struct echo *owner;
    struct echo_op *next;
} echo_op;

typedef struct echo {
    const sb_host_api *host;
    void *host_ref;
    pthread_mutex_t lock;
    pthread_cond_t idle;         /* signalled when the last running operation ends */
    long delay_ms;               /* guarded by lock: reconfigure may change it */
    uint64_t next_handle;
    echo_op *running;            /* operations whose thread has not finished */
} echo;

/* Reads an integer member "key": N from a small JSON object; returns 0 when absent. */
static int json_long(const char *json, size_t len, const char *key, long *out) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\"", key);
    char *copy = strndup(json, len);
    if (!copy) return 0;
    int found = 0;
    char *at = strstr(copy, pattern);
    if (at) {
        at = strchr(at + strlen(pattern), ':');
        if (at) {
            char *end;
            errno = 0;
            long value = strtol(at + 1, &end, 10);
            found = (end != at + 1 && errno == 0) ? 1 : -1;
            if (found == 1) *out = value;
        }
    }
    free(copy);
    return found;
}

static sb_status read_config(const char *json, size_t len, long *delay_ms, char *err, size_t err_cap) {
    long delay = 0;
    int found = json_long(json, len, "delay_ms", &delay);
    if (found < 0 || delay < 0 || delay > 60000) {
        sb_set_error(err, err_cap, "delay_ms must be a whole number of milliseconds from 0 to 60000");
        return SB_ERR_INVALID;
    }
    *delay_ms = delay;
    return SB_OK;
}

static sb_status echo_create(const sb_create_args *args, void **out_instance, char *err, size_t err_cap) {
    long delay_ms;
    sb_status status = read_config(args->config_json, args->config_len, &delay_ms, err, err_cap);
    if (status != SB_OK) return status;
    echo *self = calloc(1, sizeof *self);
    if (!self) { sb_set_error(err, err_cap, "out of memory"); return SB_ERR_NOMEM; }
    self->host = args->host;
    self->host_ref = args->host_ref;
    self->delay_ms = delay_ms;
    self->next_handle = 1;
    pthread_mutex_init(&self->lock, NULL);
    pthread_cond_init(&self->idle, NULL);
    *out_instance = self;
    self->host->log(self->host_ref, SB_LOG_DEBUG, "echo provider created");
    return SB_OK;
}

static sb_status echo_reconfigure(void *instance, const char *json, size_t len, char *err, size_t err_cap) {
    echo *self = instance;
    long delay_ms;
    sb_status status = read_config(json, len, &delay_ms, err, err_cap);
    if (status != SB_OK) return status;
    pthread_mutex_lock(&self->lock);
    self->delay_ms = delay_ms;
    pthread_mutex_unlock(&self->lock);
    return SB_OK;
}

static int is_cancelled(echo_op *op) {
    pthread_mutex_lock(&op->owner->lock);
    int cancelled = op->cancelled;
    pthread_mutex_unlock(&op->owner->lock);
    return cancelled;
}

/* Emits a text delta; returns 0 when the operation should stop. */
static int emit_text(echo_op *op, const char *text, size_t len) {
    sb_event event = { .struct_size = sizeof(sb_event), .kind = SB_EVENT_TEXT_DELTA, .text = { text, len } };
    if (op->on_event(op->user, &event) != SB_OK) return 0;
    return !is_cancelled(op);
}

static void emit_terminal(echo_op *op, uint32_t kind, const char *data) {
    sb_event event = { .struct_size = sizeof(sb_event), .kind = kind };
    if (data) { event.data.ptr = data; event.data.len = strlen(data); }
    if (kind == SB_EVENT_CANCELLED) event.status = SB_ERR_CANCELLED;
    op->on_event(op->user, &event);
}

/* Removes op from the running list and wakes destroy() when none is left. Call with lock held. */
static void unlink_op(echo *self, echo_op *op) {
    for (echo_op **link = &self->running; *link; link = &(*link)->next) {
        if (*link == op) { *link = op->next; break; }
    }
    if (!self->running) pthread_cond_broadcast(&self->idle);
}

static void free_op(echo_op *op) {
    free(op->op);
    free(op->request);
    free(op);
}

static void sleep_ms(long ms) {
    struct timespec pause = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&pause, &pause) == -1 && errno == EINTR) {}
}

static void *echo_thread(void *arg) {
    echo_op *op = arg;
    echo *self = op->owner;
    pthread_mutex_lock(&self->lock);
    long delay_ms = self->delay_ms;  /* an operation keeps the config it started with */
    pthread_mutex_unlock(&self->lock);

    int completed = 1;
    long words = 0;
    if (strcmp(op->op, "burst") == 0) {
        long count = 0;
        json_long(op->request, op->request_len, "count", &count);
        for (long i = 0; i < count && completed; i++) completed = emit_text(op, "x", 1);
        words = count;
    } else {
        const char *cursor = op->request, *end = op->request + op->request_len;
        while (cursor < end && completed) {
            const char *space = memchr(cursor, ' ', (size_t)(end - cursor));
            const char *stop = space ? space + 1 : end;
            if (delay_ms > 0) sleep_ms(delay_ms);
            completed = !is_cancelled(op) && emit_text(op, cursor, (size_t)(stop - cursor));
            cursor = stop;
            words++;
        }
    }
    if (completed) {
        char usage[160];
        snprintf(usage, sizeof usage, "{\"prompt_tokens\":%ld,\"completion_tokens\":%ld,\"total_tokens\":%ld}", words, words, 2 * words);
        sb_event event = { .struct_size = sizeof(sb_event), .kind = SB_EVENT_USAGE, .data = { usage, strlen(usage) } };
        op->on_event(op->user, &event);
        sb_event finish = { .struct_size = sizeof(sb_event), .kind = SB_EVENT_FINISH, .text = { "stop", 4 } };
        op->on_event(op->user, &finish);
        emit_terminal(op, SB_EVENT_DONE, NULL);
    } else {
        emit_terminal(op, SB_EVENT_CANCELLED, NULL);
    }

    pthread_mutex_lock(&self->lock);
    unlink_op(self, op);
    pthread_mutex_unlock(&self->lock);
    free_op(op);
    return NULL;
}

static sb_status echo_start(void *instance, const char *op_name, const char *request, size_t request_len,
                            sb_event_fn on_event, void *user, uint64_t *out_handle, char *err, size_t err_cap) {
    echo *self = instance;
    if (strcmp(op_name, "chat") != 0 && strcmp(op_name, "burst") != 0) {
        sb_set_error(err, err_cap, "echo supports the ops \"chat\" and \"burst\"");
        return SB_ERR_UNSUPPORTED;
    }
    echo_op *op = calloc(1, sizeof *op);
    if (!op || !(op->op = strdup(op_name)) || !(op->request = malloc(request_len + 1))) {
        if (op) free_op(op);
        sb_set_error(err, err_cap, "out of memory");
        return SB_ERR_NOMEM;
    }
    memcpy(op->request, request, request_len);
    op->request[request_len] = '\0';
    op->request_len = request_len;
    op->on_event = on_event;
    op->user = user;
    op->owner = self;

    pthread_mutex_lock(&self->lock);
    op->handle = self->next_handle++;
    op->next = self->running;
    self->running = op;
    *out_handle = op->handle;  /* before the thread can emit: the ABI lets events come early anyway */
    pthread_mutex_unlock(&self->lock);

    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    pthread_t thread;
    int failed = pthread_create(&thread, &attributes, echo_thread, op);
    pthread_attr_destroy(&attributes);
    if (failed) {
        pthread_mutex_lock(&self->lock);
        unlink_op(self, op);
        pthread_mutex_unlock(&self->lock);
        free_op(op);
        sb_set_error(err, err_cap, "cannot start a thread");
        return SB_ERR_NOMEM;
    }
    return SB_OK;
}

static void echo_cancel(void *instance, uint64_t handle) {
    echo *self = instance;
    pthread_mutex_lock(&self->lock);
    for (echo_op *op = self->running; op; op = op->next) {
        if (op->handle == handle) op->cancelled = 1;
    }
    pthread_mutex_unlock(&self->lock);
}

static sb_status echo_describe(void *instance, sb_result_fn on_result, void *user) {
    echo *self = instance;
    int running = 0;
    pthread_mutex_lock(&self->lock);
    for (echo_op *op = self->running; op; op = op->next) running++;
    long delay_ms = self->delay_ms;
    pthread_mutex_unlock(&self->lock);
    char json[96];
    int len = snprintf(json, sizeof json, "{\"state\":\"up\",\"running\":%d,\"delay_ms\":%ld}", running, delay_ms);
    on_result(user, json, (size_t)len);
    return SB_OK;
}

static void echo_destroy(void *instance) {
    echo *self = instance;
    pthread_mutex_lock(&self->lock);
    for (echo_op *op = self->running; op; op = op->next) op->cancelled = 1;
    while (self->running) pthread_cond_wait(&self->idle, &self->lock);  /* no event after we return */
    pthread_mutex_unlock(&self->lock);
    pthread_cond_destroy(&self->idle);
    pthread_mutex_destroy(&self->lock);
    free(self);
}

static const sb_component echo_component = {
    .struct_size = sizeof(sb_component),
    .abi_version = (SB_ABI_MAJOR << 16) | SB_ABI_MINOR,
    .kind = SB_KIND_PROVIDER,
    .name = "echo",
    .description = "streams the request back, word by word, from its own thread",
    .create = echo_create,
    .destroy = echo_destroy,
    .reconfigure = echo_reconfigure,
    .describe = echo_describe,
    .start = echo_start,
    .cancel = echo_cancel,
};

static const sb_component *const components[] = { &echo_component };

static const sb_plugin_desc descriptor = {
    .struct_size = sizeof(sb_plugin_desc),
    .abi_version = (SB_ABI_MAJOR << 16) | SB_ABI_MINOR,
    .name = "ExampleC",
    .version = "1.0.0",
    .description = "example plugin in C: an echo provider",
    .toolchain = NULL,  /* C: no toolchain constraint */
    .component_count = 1,
    .components = components,
};

SB_EXPORT sb_status sb_plugin_entry(const sb_host_api *host, const sb_plugin_desc **out_desc, char *err, size_t err_cap) {
    if (!host || sb_abi_major(host->abi_version) != SB_ABI_MAJOR) {
        sb_set_error(err, err_cap, "ExampleC needs a host with ABI major 1");
        return SB_ERR_VERSION;
    }
    *out_desc = &descriptor;
    return SB_OK;
}
