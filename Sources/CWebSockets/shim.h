/* libwebsockets (Debian's libwebsockets-dev, 4.1.x) for Swift. LWS_PRE is an expression macro
** that Swift cannot import, so it is exposed as a function. */
#ifndef CWEBSOCKETS_SHIM_H
#define CWEBSOCKETS_SHIM_H

#include <pthread.h>
#include <libwebsockets.h>

/* glibc declares it only under _GNU_SOURCE, which would change types other modules share. */
extern int pthread_setname_np(pthread_t thread, const char *name);

/* Names the calling thread (shows in top -H, gdb, /proc); at most 15 characters. */
static inline void clws_name_thread(const char *name) { pthread_setname_np(pthread_self(), name); }

/* Bytes lws needs in front of every payload passed to lws_write (it writes the frame header there). */
static inline size_t clws_pre(void) { return LWS_PRE; }

#endif
