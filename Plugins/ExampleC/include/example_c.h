/* ExampleC exports only sb_plugin_entry, declared in switchboard.h. */
