/* mcp_system.h: the few GNU libc calls the MCP client needs that Swift's Glibc module hides
** (they are declared only under _GNU_SOURCE). Thin wrappers; each returns what the call returns. */
#ifndef MCP_SYSTEM_H
#define MCP_SYSTEM_H

#include <spawn.h>

/* pipe2(fds, O_CLOEXEC [| O_NONBLOCK]): both ends close-on-exec from birth, so a process
** spawned by another thread at the same moment never inherits them. 0 or -1 (errno). */
int mcp_pipe_cloexec(int fds[2], int nonblocking);

/* posix_spawn_file_actions_addchdir_np: the child starts in `directory`. 0 or an errno value. */
int mcp_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *directory);

/* posix_spawn_file_actions_addclosefrom_np: the child closes every fd >= `from`. 0 or an errno value. */
int mcp_spawn_addclosefrom(posix_spawn_file_actions_t *actions, int from);

/* pthread_setname_np for the calling thread (at most 15 characters are kept). */
void mcp_set_thread_name(const char *name);

#endif
