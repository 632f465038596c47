/* libwebsockets (Debian's libwebsockets-dev, 4.1.x) for Swift, driven on a libev loop.
** LWS_PRE is an expression macro that Swift cannot import, so it is exposed as a function;
** the libev calls are wrapped because ev.h's API is partly macros. */
#ifndef CWEBSOCKETS_SHIM_H
#define CWEBSOCKETS_SHIM_H

#include <pthread.h>
#include <stdlib.h>
#include <ev.h>
#include <libwebsockets.h>

/* Bytes lws needs in front of every payload passed to lws_write (it writes the frame header there). */
static inline size_t clws_pre(void) { return LWS_PRE; }

/* glibc declares it only under _GNU_SOURCE, which would change types other modules share. */
extern int pthread_setname_np(pthread_t thread, const char *name);

/* Names the calling thread (shows in top -H, gdb, /proc); at most 15 characters. */
static inline void clws_name_thread(const char *name) { pthread_setname_np(pthread_self(), name); }

/* An epoll-backed libev loop for lws to run on (a "foreign loop"): lws's own poll() loop scans
** every descriptor on every wake-up, which costs milliseconds with 10,000 connections. The
** loop installs no signal handlers and leaves the signal mask alone. NULL when it fails. */
static inline void *clws_ev_loop_new(void) {
    return ev_loop_new(EVBACKEND_EPOLL | EVFLAG_NOENV | EVFLAG_NOSIGMASK);
}

/* Waits for and handles one round of events. */
static inline void clws_ev_run_once(void *loop) { ev_run((struct ev_loop *)loop, EVRUN_ONCE); }

static inline void clws_ev_loop_destroy(void *loop) { ev_loop_destroy((struct ev_loop *)loop); }

/* lws on a foreign libev loop services its timers (pings, hang-ups, timeouts) only after I/O, so
** a silent connection's hang-up could wait forever. The ticker calls lws_cancel_service every
** `seconds`: the wake-up is I/O for lws, which then runs its due timers. */
typedef struct clws_ticker {
    ev_timer timer;
    struct lws_context *context;
} clws_ticker;

static inline void clws_ticker_fired(struct ev_loop *loop, ev_timer *timer, int revents) {
    (void)loop; (void)revents;
    lws_cancel_service(((clws_ticker *)timer)->context);
}

/* Starts a ticker on the loop (call on the loop's thread); NULL when out of memory. */
static inline clws_ticker *clws_ticker_start(void *loop, struct lws_context *context, double seconds) {
    clws_ticker *ticker = (clws_ticker *)calloc(1, sizeof *ticker);
    if (!ticker) return NULL;
    ticker->context = context;
    ev_timer_init(&ticker->timer, clws_ticker_fired, seconds, seconds);
    ev_timer_start((struct ev_loop *)loop, &ticker->timer);
    return ticker;
}

static inline void clws_ticker_stop(void *loop, clws_ticker *ticker) {
    if (!ticker) return;
    ev_timer_stop((struct ev_loop *)loop, &ticker->timer);
    free(ticker);
}

#endif
