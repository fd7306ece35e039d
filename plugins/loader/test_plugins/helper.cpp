// A private dependency of test-with-dependency, lying in the same folder: a shared library without
// the entry symbol, which the loader skips quietly.
#include <string>

__attribute__((visibility("default"))) std::string helper_greeting() { return "hello from helper"; }
