// A shared library that is not a Ferry plugin: it has no ferry_plugin_descriptor.
extern "C" __attribute__((visibility("default"))) int ferry_test_not_a_plugin() { return 42; }
