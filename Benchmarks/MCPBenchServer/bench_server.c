/* bench_server.c: the smallest useful stdio MCP server, for MCPBench. It answers
** server/discover (2026-07-28), initialize, ping, tools/list (one tool, "noop") and tools/call
** ("ok") at once, so a round trip through it measures the client and the pipes, not a server.
** It reads the request id and method with plain string search: enough for the bench's own
** client, not a JSON parser. Exits at the end of stdin. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Copies the JSON value after "key": (a number or a quoted string, quotes kept) into out. */
static int field(const char *line, const char *key, char *out, size_t cap) {
    const char *at = strstr(line, key);
    if (!at) return 0;
    at += strlen(key);
    while (*at == ' ' || *at == ':') at++;
    size_t n = 0;
    if (*at == '"') {
        const char *end = strchr(at + 1, '"');
        if (!end) return 0;
        n = (size_t)(end - at) + 1;
    } else {
        while (at[n] && at[n] != ',' && at[n] != '}' && at[n] != ' ') n++;
    }
    if (n == 0 || n >= cap) return 0;
    memcpy(out, at, n);
    out[n] = '\0';
    return 1;
}

int main(void) {
    static char line[1 << 20];
    char id[64], method[128];
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);
    while (fgets(line, sizeof line, stdin)) {
        if (!field(line, "\"method\"", method, sizeof method)) continue;
        if (!field(line, "\"id\"", id, sizeof id)) continue;  /* a notification */
        if (strcmp(method, "\"server/discover\"") == 0) {
            printf("{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":{\"supportedVersions\":[\"2026-07-28\"],\"capabilities\":{\"tools\":{}},"
                   "\"_meta\":{\"io.modelcontextprotocol/serverInfo\":{\"name\":\"bench\",\"version\":\"1\"}}}}\n", id);
        } else if (strcmp(method, "\"initialize\"") == 0) {
            printf("{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{\"tools\":{}},"
                   "\"serverInfo\":{\"name\":\"bench\",\"version\":\"1\"}}}\n", id);
        } else if (strcmp(method, "\"ping\"") == 0) {
            printf("{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":{}}\n", id);
        } else if (strcmp(method, "\"tools/list\"") == 0) {
            printf("{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":{\"tools\":[{\"name\":\"noop\",\"description\":\"does nothing\","
                   "\"inputSchema\":{\"type\":\"object\"}}]}}\n", id);
        } else if (strcmp(method, "\"tools/call\"") == 0) {
            printf("{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"ok\"}],\"isError\":false}}\n", id);
        } else {
            printf("{\"jsonrpc\":\"2.0\",\"id\":%s,\"error\":{\"code\":-32601,\"message\":\"Method not found\"}}\n", id);
        }
        fflush(stdout);
    }
    return 0;
}
