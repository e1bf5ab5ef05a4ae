"""A module that cannot be imported: awslambdaric reports it through /runtime/init/error."""
import this_module_does_not_exist  # noqa: F401


def fn(event, context):
    return event
