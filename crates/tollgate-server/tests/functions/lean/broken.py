"""A module that raises while it is imported: the runtime reports an init error and exits."""
raise RuntimeError("configuration missing")
