/*
** A configurable test plugin, compiled by the tests with cc and -D flags to provoke each
** loader failure. Defaults describe a valid plugin "Fixture" with one provider "fixture" that
** answers inside start(): one text delta "fixture", then DONE.
**   -DFIXTURE_NAME='"X"'        plugin name             -DFIXTURE_COMPONENT='"x"'  component name
**   -DFIXTURE_MAJOR=N           ABI major it claims      -DFIXTURE_MINOR=N          ABI minor it claims
**   -DFIXTURE_TOOLCHAIN='"t"'   toolchain fingerprint    -DFIXTURE_NO_ENTRY         export no entry symbol
**   -DFIXTURE_ENTRY_FAILS='"m"' entry fails with m       -DFIXTURE_CREATE_FAILS='"m"' create() fails with m
*/
#include <stdlib.h>
#include "switchboard.h"

#ifndef FIXTURE_NAME
#define FIXTURE_NAME "Fixture"
#endif
#ifndef FIXTURE_COMPONENT
#define FIXTURE_COMPONENT "fixture"
#endif
#ifndef FIXTURE_MAJOR
#define FIXTURE_MAJOR SB_ABI_MAJOR
#endif
#ifndef FIXTURE_MINOR
#define FIXTURE_MINOR SB_ABI_MINOR
#endif
#ifndef FIXTURE_TOOLCHAIN
#define FIXTURE_TOOLCHAIN NULL
#endif

static int instance_token;

static sb_status fixture_create(const sb_create_args *args, void **out, char *err, size_t cap) {
    (void)args;
#ifdef FIXTURE_CREATE_FAILS
    (void)out;
    sb_set_error(err, cap, FIXTURE_CREATE_FAILS);
    return SB_ERR_INVALID;
#else
    (void)err; (void)cap;
    *out = &instance_token;
    return SB_OK;
#endif
}

static void fixture_destroy(void *instance) { (void)instance; }

static sb_status fixture_start(void *instance, const char *op, const char *request, size_t len,
                               sb_event_fn on_event, void *user, uint64_t *out_handle, char *err, size_t cap) {
    (void)instance; (void)op; (void)request; (void)len; (void)err; (void)cap;
    *out_handle = 1;
    sb_event text = { .struct_size = sizeof(sb_event), .kind = SB_EVENT_TEXT_DELTA, .text = { "fixture", 7 } };
    on_event(user, &text);
    sb_event done = { .struct_size = sizeof(sb_event), .kind = SB_EVENT_DONE };
    on_event(user, &done);
    return SB_OK;
}

static void fixture_cancel(void *instance, uint64_t handle) { (void)instance; (void)handle; }

static const sb_component component = {
    .struct_size = sizeof(sb_component), .abi_version = (FIXTURE_MAJOR << 16) | FIXTURE_MINOR,
    .kind = SB_KIND_PROVIDER, .name = FIXTURE_COMPONENT, .description = "test fixture",
    .create = fixture_create, .destroy = fixture_destroy, .start = fixture_start, .cancel = fixture_cancel,
};
static const sb_component *const components[] = { &component };
static const sb_plugin_desc descriptor = {
    .struct_size = sizeof(sb_plugin_desc), .abi_version = (FIXTURE_MAJOR << 16) | FIXTURE_MINOR,
    .name = FIXTURE_NAME, .version = "0.1.0", .toolchain = FIXTURE_TOOLCHAIN,
    .component_count = 1, .components = components,
};

#ifdef FIXTURE_NO_ENTRY
SB_EXPORT int not_an_entry(void) { return 0; }
#else
SB_EXPORT sb_status sb_plugin_entry(const sb_host_api *host, const sb_plugin_desc **out, char *err, size_t cap) {
    (void)host;
#ifdef FIXTURE_ENTRY_FAILS
    (void)out;
    sb_set_error(err, cap, FIXTURE_ENTRY_FAILS);
    return SB_ERR_IO;
#else
    (void)err; (void)cap;
    *out = &descriptor;
    return SB_OK;
#endif
}
#endif
