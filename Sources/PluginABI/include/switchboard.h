/*
** switchboard.h: the Switchboard plugin ABI. This header IS the ABI; nothing else is.
**
** A plugin is a shared library (.so) that exports one C function, sb_plugin_entry. The host
** dlopen()s it with RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE (plugins are never unloaded), calls
** the entry once with its function table (sb_host_api), and gets back a descriptor listing the
** plugin's components. Only C types cross the boundary; nothing throws, traps or longjmps across it.
**
** ABI changelog (structs only grow at the end; each appended block is labelled "ABI 1.N and later"):
**   1.0  Entry point, plugin descriptor, host API, components of four kinds (provider, store,
**        transport, tool_source) sharing one vtable shape, streamed events.
**
** Version rule: a plugin loads when its major equals the host's and its minor is <= the host's.
** Swift plugins also carry a toolchain fingerprint (Swift has no stable ABI on Linux); the host
** refuses a plugin built by another toolchain. C plugins leave the fingerprint NULL.
**
** Conventions used by every function below:
**   Ownership  Borrowed by default: a pointer passed into a call is valid only during that call;
**              the callee copies what it keeps. Strings are UTF-8; sb_str slices are not
**              NUL-terminated. Nothing is freed across the boundary.
**   Errors     Functions return sb_status (SB_OK = 0, negative = error). Where a function takes
**              (char *err, size_t err_cap), the callee writes a NUL-terminated message of at most
**              err_cap - 1 bytes on failure (err may be NULL when err_cap is 0). Messages never
**              contain secrets such as API keys.
**   Streaming  start() returns at once with a handle. Events arrive through on_event from any
**              thread, possibly before start() returns. Exactly one terminal event (DONE, ERROR
**              or CANCELLED) ends every operation whose start() returned SB_OK, and none follows
**              it; `user` must stay valid until the terminal on_event call has returned.
**              cancel() of a finished or unknown handle does nothing.
*/
#ifndef SWITCHBOARD_H
#define SWITCHBOARD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- versions */

#define SB_ABI_MAJOR 1
#define SB_ABI_MINOR 0

/* The exported entry symbol every plugin defines. */
#define SB_ENTRY_SYMBOL "sb_plugin_entry"

/* Marks the entry as exported even when a plugin is built with -fvisibility=hidden. */
#define SB_EXPORT __attribute__((visibility("default")))

/* A packed ABI version: major in the high 16 bits, minor in the low 16 bits. */
static inline uint32_t sb_abi_version(uint32_t major, uint32_t minor) {
    return (major << 16) | (minor & 0xFFFFu);
}
static inline uint32_t sb_abi_major(uint32_t version) { return version >> 16; }
static inline uint32_t sb_abi_minor(uint32_t version) { return version & 0xFFFFu; }

/* The version this header describes; put it in every abi_version field you fill. */
static inline uint32_t sb_abi_current(void) { return sb_abi_version(SB_ABI_MAJOR, SB_ABI_MINOR); }

/* Toolchain fingerprint of the compiler that includes this header: the identity of the clang
** that Swift embeds (one per Swift toolchain build), or NULL when the includer is not clang.
** Swift plugins put it in sb_plugin_desc.toolchain; C plugins leave that field NULL. */
static inline const char *sb_swift_toolchain(void) {
#if defined(__clang__) && defined(__clang_version__)
    return "swift-clang " __clang_version__;
#else
    return NULL;
#endif
}

/* ---------------------------------------------------------------- status codes */

typedef int32_t sb_status;

#define SB_OK                0
#define SB_ERR_INVALID      -1  /* malformed argument, JSON or configuration */
#define SB_ERR_UNSUPPORTED  -2  /* operation, kind or feature not offered */
#define SB_ERR_VERSION      -3  /* incompatible ABI version or toolchain */
#define SB_ERR_NOMEM        -4  /* out of memory or a bounded queue is full */
#define SB_ERR_NOT_FOUND    -5  /* named thing does not exist */
#define SB_ERR_BUSY         -6  /* temporarily unable; the caller may retry later */
#define SB_ERR_IO           -7  /* file, network or database failure */
#define SB_ERR_CANCELLED    -8  /* the operation was cancelled, or the consumer wants it stopped */
#define SB_ERR_TIMEOUT      -9  /* a deadline passed */
#define SB_ERR_UNAVAILABLE -10  /* the component is down (circuit open, server stopped) */
#define SB_ERR_INTERNAL    -11  /* a bug; the message says where */

/* Writes msg into a caller's (err, err_cap) buffer, truncating on a UTF-8 boundary. */
static inline void sb_set_error(char *err, size_t err_cap, const char *msg) {
    if (err == NULL || err_cap == 0) return;
    size_t n = msg ? strlen(msg) : 0;
    if (n > err_cap - 1) {
        n = err_cap - 1;
        while (n > 0 && ((unsigned char)msg[n] & 0xC0u) == 0x80u) n--; /* keep whole characters */
    }
    if (n) memcpy(err, msg, n);
    err[n] = '\0';
}

/* ---------------------------------------------------------------- strings and events */

/* A borrowed UTF-8 slice, not NUL-terminated. {NULL, 0} means absent. */
typedef struct sb_str {
    const char *ptr;
    size_t len;
} sb_str;

/* Event kinds. Non-terminal kinds may repeat; exactly one terminal kind ends an operation. */
#define SB_EVENT_TEXT_DELTA       1  /* text: the next piece of the reply */
#define SB_EVENT_REASONING_DELTA  2  /* text: the next piece of the model's reasoning */
#define SB_EVENT_TOOL_CALL        3  /* id: call id, name: tool name, data: arguments JSON (complete), index: position */
#define SB_EVENT_USAGE            4  /* data: {"prompt_tokens","completion_tokens","total_tokens","cached_tokens","cost"} */
#define SB_EVENT_FINISH           5  /* text: finish reason ("stop", "length", "tool_calls", ...) */
#define SB_EVENT_PROGRESS         6  /* data: {"progress","total","message"} */
#define SB_EVENT_TOOL_STATUS      7  /* id: call id, name: tool name, text: status, data: details JSON */
#define SB_EVENT_MESSAGE          8  /* name: message type, data: JSON payload (op-specific) */
#define SB_EVENT_LOG              9  /* text: log line, index: sb_log_level */
#define SB_EVENT_DONE           100  /* terminal: success; data: the operation's result JSON, may be absent */
#define SB_EVENT_ERROR          101  /* terminal: failure; status: sb_status, name: error code, text: message, data: details JSON */
#define SB_EVENT_CANCELLED      102  /* terminal: stopped by cancel(), or because on_event asked to stop */

/* One streamed event: a kind plus borrowed slices, valid only during the on_event call.
** Fields a kind does not use are {NULL, 0} / 0. */
typedef struct sb_event {
    uint32_t struct_size;   /* sizeof(sb_event) of the producer */
    uint32_t kind;          /* SB_EVENT_* */
    sb_str text;
    sb_str id;
    sb_str name;
    sb_str data;
    int64_t index;
    sb_status status;
} sb_event;

/* Receives one event.
** Ownership: event and its slices are borrowed for this call only; copy what you keep.
** Threading: called from any thread, possibly inside the start()/submit() call that began the
**            operation, never concurrently for the same operation; must return quickly and must
**            not block on the producer.
** Errors: return SB_OK to continue; SB_ERR_CANCELLED asks the producer to stop: it then ends the
**         operation as soon as it can with a terminal event (normally CANCELLED). The return
**         value of a terminal event is ignored. */
typedef sb_status (*sb_event_fn)(void *user, const sb_event *event);

/* Receives the JSON result of a synchronous call.
** Ownership: json is borrowed for this call only (len bytes, not NUL-terminated).
** Threading: runs on the calling thread, inside the call that takes it, at most once. */
typedef void (*sb_result_fn)(void *user, const char *json, size_t len);

/* ---------------------------------------------------------------- host API */

#define SB_LOG_TRACE 0
#define SB_LOG_DEBUG 1
#define SB_LOG_INFO  2
#define SB_LOG_WARN  3
#define SB_LOG_ERROR 4

#define SB_METRIC_COUNTER   0  /* adds value (>= 0) */
#define SB_METRIC_GAUGE     1  /* sets value */
#define SB_METRIC_HISTOGRAM 2  /* observes value (seconds for durations) */

#define SB_NOTIFY_STATE           1  /* json: {"state": "up"|"degraded"|"down", "detail": "..."}; shown by /health */
#define SB_NOTIFY_CATALOG_CHANGED 2  /* a tool source's tools, prompts or resources changed; json may be NULL */

/* The host's function table, passed to sb_plugin_entry and in every sb_create_args.
** Lifetime: valid from the entry call until the process exits; plugins may keep the pointer.
** Threading: every function in it may be called from any thread, at any time after the entry
** call, including from inside an on_event callback, and returns quickly.
** host_ref: the handle the host gave a component instance in sb_create_args; pass it back so
** the host knows which instance is calling. NULL means "the plugin itself" (for example during
** sb_plugin_entry). */
typedef struct sb_host_api {
    uint32_t struct_size;   /* sizeof(sb_host_api) of the host; fields beyond it are absent */
    uint32_t abi_version;   /* the host's sb_abi_version(); a plugin needing a newer minor refuses */
    const char *toolchain;  /* the host's sb_swift_toolchain(); informational for C plugins */

    /* Allocates size bytes counted by the host's memory accounting; NULL when out of memory.
    ** Ownership: the caller owns the block and returns it with free() from this table. */
    void *(*alloc)(size_t size);
    /* Frees a block from alloc(); NULL is ignored. Never pass memory from anywhere else. */
    void (*free)(void *ptr);

    /* Writes one line to the host log under the instance's name. message is borrowed.
    ** Levels below the configured log level are dropped cheaply. */
    void (*log)(void *host_ref, int32_t level, const char *message);

    /* Records a metric sample. name: [a-z_][a-z0-9_]*; labels: NULL or Prometheus label pairs
    ** without braces, e.g. "model=\"gpt-4o\",outcome=\"ok\"". Both borrowed. Invalid input is
    ** dropped and logged once. */
    void (*metric)(void *host_ref, int32_t type, const char *name, const char *labels, double value);

    /* Looks up the effective configuration (plugins.yaml, overrides and --set applied) at a
    ** dotted key path ("" for the whole document) and hands its JSON to on_result. Values
    ** written env:NAME are returned as written, never resolved, so secrets do not travel
    ** through this call; a component's resolved config block is the one create() receives.
    ** Errors: SB_ERR_NOT_FOUND (no such key, on_result not called), SB_ERR_INVALID (NULL path). */
    sb_status (*config_get)(void *host_ref, const char *key_path, sb_result_fn on_result, void *user);

    /* Submits a request to the host (transports use this for chat turns and conversation
    ** operations; see docs/PLUGINS.md for the op names and their JSON). Streams events to
    ** on_event exactly like sb_component.start, and writes a handle for cancel() to *out_handle.
    ** Ownership: op and request_json are borrowed; user must live until the terminal event.
    ** Errors: SB_OK, then exactly one terminal event. On any other status no event is delivered:
    ** SB_ERR_UNSUPPORTED (unknown op), SB_ERR_INVALID (bad JSON), SB_ERR_UNAVAILABLE (shutting down). */
    sb_status (*submit)(void *host_ref, const char *op, const char *request_json, size_t request_len,
                        sb_event_fn on_event, void *user, uint64_t *out_handle, char *err, size_t err_cap);

    /* Cancels a submitted request; its terminal event (normally CANCELLED) still arrives.
    ** Unknown or finished handles are ignored. */
    void (*cancel)(void *host_ref, uint64_t handle);

    /* Tells the host something changed (SB_NOTIFY_*). json is borrowed and may be NULL. */
    void (*notify)(void *host_ref, uint32_t what, const char *json, size_t json_len);

    /* Returns an optional host function by name, or NULL when this host has none by that name.
    ** Always NULL-check; new experimental host functions appear here before joining the table. */
    void *(*get_proc)(const char *name);
} sb_host_api;

/* ---------------------------------------------------------------- components */

#define SB_KIND_PROVIDER    1  /* an LLM: ops "chat" */
#define SB_KIND_STORE       2  /* conversation history: ops in docs/PLUGINS.md */
#define SB_KIND_TRANSPORT   3  /* serves clients: op "serve" runs until cancelled */
#define SB_KIND_TOOL_SOURCE 4  /* tools, prompts, resources: ops "list", "call_tool", ... */

/* What create() receives. Grows at the end; read fields only within struct_size. */
typedef struct sb_create_args {
    uint32_t struct_size;
    uint32_t abi_version;
    const sb_host_api *host;     /* valid for the life of the process */
    void *host_ref;              /* pass to host functions on behalf of this instance */
    const char *component_name;  /* which of the plugin's components to create */
    const char *config_json;     /* the plugin's config block as a JSON object; borrowed */
    size_t config_len;
} sb_create_args;

/* Creates one instance of a component from its configuration.
** Ownership: args and everything in it are borrowed for the call, except host, which lives
**            forever. On SB_OK *out_instance is the plugin's; the host ends it with destroy().
** Threading: host's configuration thread; never concurrently with another call on the same
**            component's instances other than start/cancel/describe of instances already created.
** Errors: SB_ERR_INVALID (bad config; the message names the key), SB_ERR_IO, SB_ERR_NOMEM, ...
**         with a message in err; *out_instance is then untouched and nothing needs destroying. */
typedef sb_status (*sb_create_fn)(const sb_create_args *args, void **out_instance, char *err, size_t err_cap);

/* Destroys an instance. Operations still running are cancelled first: each gets its terminal
** event before destroy() returns, and no event is delivered after it returns.
** Threading: host's configuration thread, once, after every other call on the instance returned. */
typedef void (*sb_destroy_fn)(void *instance);

/* Applies a changed config block without a restart. Operations already started keep the
** configuration they started with. On error the instance keeps its previous configuration.
** Ownership: config_json borrowed. Threading: host's configuration thread; start/cancel/describe
** may run concurrently. Errors: SB_ERR_INVALID (message names the key), SB_ERR_UNSUPPORTED
** (this setting needs a restart; the message says which). */
typedef sb_status (*sb_reconfigure_fn)(void *instance, const char *config_json, size_t config_len,
                                       char *err, size_t err_cap);

/* Reports the instance's state as JSON through on_result, e.g. {"state":"up", ...}.
** Threading: any thread, concurrently with everything but destroy. Errors: SB_ERR_UNSUPPORTED. */
typedef sb_status (*sb_describe_fn)(void *instance, sb_result_fn on_result, void *user);

/* Starts one operation and returns at once (see Streaming above).
** op: the operation name for the component's kind; request_json: its request (JSON object).
** Ownership: op and request_json borrowed; user must stay valid until the terminal event.
** Threading: any thread, concurrently with other start/cancel/describe calls on the instance.
** Errors: SB_OK with *out_handle set (before or after early events). Any other status delivers
**         no event: SB_ERR_UNSUPPORTED (unknown op), SB_ERR_INVALID (bad request JSON),
**         SB_ERR_BUSY (bounded queue full), SB_ERR_UNAVAILABLE, with a message in err. */
typedef sb_status (*sb_start_fn)(void *instance, const char *op, const char *request_json, size_t request_len,
                                 sb_event_fn on_event, void *user, uint64_t *out_handle,
                                 char *err, size_t err_cap);

/* Cancels an operation. Its terminal event follows (from any thread, possibly inside this call).
** Threading: any thread. Unknown or finished handles are ignored. Never blocks on the network. */
typedef void (*sb_cancel_fn)(void *instance, uint64_t handle);

/* One component: a kind, a name and its vtable. Every kind uses the same function shape;
** the kind decides which ops start() accepts (docs/PLUGINS.md lists them).
** Ownership: owned by the plugin and never freed (plugins never unload). */
typedef struct sb_component {
    uint32_t struct_size;       /* sizeof(sb_component) of the plugin */
    uint32_t abi_version;
    uint32_t kind;              /* SB_KIND_* */
    const char *name;           /* unique among all loaded components: [a-z][a-z0-9_-]* */
    const char *description;    /* one line, may be NULL */
    sb_create_fn create;        /* required */
    sb_destroy_fn destroy;      /* required */
    sb_reconfigure_fn reconfigure;  /* NULL: every change needs a restart */
    sb_describe_fn describe;    /* may be NULL */
    sb_start_fn start;          /* required */
    sb_cancel_fn cancel;        /* required */
} sb_component;

/* ---------------------------------------------------------------- plugin descriptor and entry */

/* What a plugin is. Ownership: owned by the plugin, valid forever (static storage or leaked). */
typedef struct sb_plugin_desc {
    uint32_t struct_size;       /* sizeof(sb_plugin_desc) of the plugin */
    uint32_t abi_version;       /* the ABI version the plugin was built against */
    const char *name;           /* the plugin's name, as plugins.yaml names it */
    const char *version;        /* the plugin's own version, e.g. "1.2.0" */
    const char *description;    /* one line, may be NULL */
    const char *toolchain;      /* sb_swift_toolchain() for Swift plugins; NULL for C */
    uint32_t component_count;
    const sb_component *const *components;  /* component_count pointers */
} sb_plugin_desc;

/* The entry point every plugin exports as "sb_plugin_entry".
**   host      the host's function table (lives forever; the plugin may keep it)
**   out_desc  receives a pointer to the plugin's descriptor (lives forever)
**   err       receives a message when the entry fails (err_cap bytes, see Conventions)
** Threading: called once per process, on the host's loading thread, before any other call.
** Errors: SB_OK; SB_ERR_VERSION when the host is too old (the plugin checks host->abi_version);
**         any other status with a message, which the host shows. On failure the host uses
**         nothing from the plugin and never calls it again. */
typedef sb_status (*sb_plugin_entry_fn)(const sb_host_api *host, const sb_plugin_desc **out_desc,
                                         char *err, size_t err_cap);

#ifndef SB_NO_PROTOTYPES
SB_EXPORT sb_status sb_plugin_entry(const sb_host_api *host, const sb_plugin_desc **out_desc,
                                    char *err, size_t err_cap);
#endif

#ifdef __cplusplus
}
#endif

#endif /* SWITCHBOARD_H */
