"""Tollgate's Python runtime client for the Lambda Runtime API (2018-06-01): `tollgate runtime python HANDLER`.

Dependency-free (standard library only); it speaks only the documented Runtime API, so it also serves as a custom
runtime's `bootstrap` on AWS Lambda (`exec python3 this-file.py` with `_HANDLER` set).

Behaviour follows AWS's official client, awslambdaric (repository aws/aws-lambda-python-runtime-interface-client,
awslambdaric/): handler loading as bootstrap.py `_get_handler` (Runtime.MalformedHandlerName,
Runtime.ImportModuleError, Runtime.UserCodeSyntaxError, Runtime.HandlerNotFound), error documents as
`make_error` ({errorMessage, errorType, requestId, stackTrace}), the traceback without the runtime's own frames,
Runtime.MarshalError for a result JSON cannot encode (lambda_runtime_marshaller.py), bytes results posted as
application/unknown, the context as lambda_context.py, `_X_AMZN_TRACE_ID` as `update_xray_env_variable`, and
`POST /runtime/init/error` then exit 1 when the handler cannot be loaded. stdout and stderr are flushed at each
line (the official client flushes every write) and at the end of every invocation, so the host tags output with
the right request.

Speed: one keep-alive TCP connection on a raw socket, with a small HTTP/1.1 response reader (Content-Length and
chunked bodies), and, when the host sets TOLLGATE_RUNTIME_API_PIPELINING=1 (Tollgate does), the next
`GET .../next` sent in the same packet as the previous result (HTTP/1.1 pipelining; answers arrive in order).
"""

import decimal
import importlib
import json
import math
import os
import socket
import sys
import time
import traceback
from urllib.parse import quote

PREFIX = "/2018-06-01/runtime/"
# Tollgate's Runtime API takes the result and the next poll in one write (and answers both in one write when an
# event waits); elsewhere (AWS) each request waits for the previous answer, as the official client does.
PIPELINING = os.environ.get("TOLLGATE_RUNTIME_API_PIPELINING") == "1"
THIS_FILE = os.path.abspath(__file__)


class FaultException(Exception):
    """An error the runtime reports with its own type (lambda_runtime_exception.py)."""

    MARSHAL_ERROR = "Runtime.MarshalError"
    UNMARSHAL_ERROR = "Runtime.UnmarshalError"
    USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
    HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
    IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
    BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"
    MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
    LAMBDA_CONTEXT_UNMARSHAL_ERROR = "Runtime.LambdaContextUnmarshalError"

    def __init__(self, exception_type, msg, trace=None):
        super().__init__(msg)
        self.msg = msg
        self.exception_type = exception_type
        self.trace = trace


def make_error(error_message, error_type, stack_trace, invoke_id=None):
    return {
        "errorMessage": error_message if error_message else "",
        "errorType": error_type if error_type else "",
        "requestId": invoke_id if invoke_id is not None else "",
        "stackTrace": stack_trace if stack_trace else [],
    }


def fault_result(exc_info, invoke_id=None):
    """The error document of an exception, its traceback starting at the first frame outside this file."""
    etype, value, tb = exc_info
    frames = traceback.extract_tb(tb)
    for i, frame in enumerate(frames):
        if frame.filename != THIS_FILE:
            frames = frames[i:]
            break
    return make_error(str(value), etype.__name__, traceback.format_list(frames), invoke_id)


def log_error(error_result):
    """As the official client's text log of an error: `[ERROR] Type: message`, then the traceback."""
    lines = ["[ERROR] " + error_result["errorType"] + ": " + error_result["errorMessage"]]
    if error_result["stackTrace"]:
        lines.append("Traceback (most recent call last):")
        lines.extend(line.rstrip("\n") for line in error_result["stackTrace"])
    sys.stdout.write("\r".join(lines) + "\n")


# ---- JSON (lambda_runtime_marshaller.py) -------------------------------------------------------------------------


def _default(obj):
    # The official client encodes Decimal as its exact digits (simplejson RawJSON); the standard library cannot
    # write raw digits, so a Decimal becomes the nearest float.
    if isinstance(obj, decimal.Decimal):
        return math.nan if obj.is_nan() else float(obj)
    raise TypeError(f"Object of type {obj.__class__.__name__} is not JSON serializable")


_encode = json.JSONEncoder(default=_default).encode


def marshal(response):
    if isinstance(response, bytes):
        return response, "application/unknown"
    try:
        return _encode(response).encode("utf-8"), "application/json"
    except Exception as e:
        raise FaultException(FaultException.MARSHAL_ERROR, "Unable to marshal response: {}".format(str(e)), None)


# ---- The context (lambda_context.py) -----------------------------------------------------------------------------


class CognitoIdentity(object):
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]


class Client(object):
    __slots__ = ["installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name"]


class ClientContext(object):
    __slots__ = ["custom", "env", "client"]


def _from_dict(cls, values):
    if values is None:
        return None
    obj = cls()
    for field in cls.__slots__:
        setattr(obj, field, values.get(field, None))
    return obj


_ENV = os.environ


class LambdaContext(object):
    def __init__(self, invoke_id, client_context, cognito_identity, deadline_ms, invoked_function_arn):
        self.aws_request_id = invoke_id
        self.log_group_name = _ENV.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = _ENV.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = _ENV.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = _ENV.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = _ENV.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.client_context = _from_dict(ClientContext, client_context)
        if self.client_context is not None:
            self.client_context.client = _from_dict(Client, self.client_context.client)
        self.identity = _from_dict(CognitoIdentity, {})
        if cognito_identity is not None:
            self.identity.cognito_identity_id = cognito_identity.get("cognitoIdentityId")
            self.identity.cognito_identity_pool_id = cognito_identity.get("cognitoIdentityPoolId")
        self._epoch_deadline_time_in_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        delta_ms = self._epoch_deadline_time_in_ms - int(time.time() * 1000)
        return delta_ms if delta_ms > 0 else 0

    def log(self, msg):
        sys.stdout.write(str(msg))

    def __repr__(self):
        return (
            f"{self.__class__.__name__}(["
            f"aws_request_id={self.aws_request_id},"
            f"log_group_name={self.log_group_name},"
            f"log_stream_name={self.log_stream_name},"
            f"function_name={self.function_name},"
            f"memory_limit_in_mb={self.memory_limit_in_mb},"
            f"function_version={self.function_version},"
            f"invoked_function_arn={self.invoked_function_arn},"
            f"client_context={self.client_context},"
            f"identity={self.identity}"
            "])"
        )


def _json_header(value, name):
    try:
        return json.loads(value)
    except Exception as e:
        raise FaultException(
            FaultException.LAMBDA_CONTEXT_UNMARSHAL_ERROR, "Unable to parse {} JSON: {}".format(name, str(e)), None
        )


# ---- The Runtime API connection ----------------------------------------------------------------------------------


class RuntimeApi(object):
    """One keep-alive HTTP/1.1 connection; requests may be pipelined, answers are read in order."""

    def __init__(self, address):
        host, _, port = address.rpartition(":")
        self.address = (host.strip("[]"), int(port))
        self.host = address.encode("latin-1")
        self.next_request = b"GET " + PREFIX.encode() + b"invocation/next HTTP/1.1\r\nHost: " + self.host + b"\r\n\r\n"
        self.sock = None
        self.reader = None
        self.unanswered = []  # requests sent, oldest first

    def _connect(self):
        self.sock = socket.create_connection(self.address)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reader = self.sock.makefile("rb")

    def post_bytes(self, where, body, content_type=b"application/json", error_type=None):
        head = b"POST " + PREFIX.encode() + where.encode("utf-8") + b" HTTP/1.1\r\nHost: " + self.host + b"\r\n"
        if error_type:
            head += b"Lambda-Runtime-Function-Error-Type: " + error_type.encode("ascii", "replace") + b"\r\n"
        return head + b"Content-Type: " + content_type + b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body

    def send(self, *requests):
        if self.sock is None:
            self._connect()
        self.unanswered.extend(requests)
        self.sock.sendall(b"".join(requests))

    def answer(self):
        """The oldest unanswered request's answer: (status, headers with lower-case names, body bytes)."""
        request = self.unanswered[0]
        try:
            answer = self._read()
        except ConnectionError:
            answer = None
        if answer is None:
            # Closed by the server (idle, or after refusing a request): a GET .../next is sent again on a new
            # connection; an unanswered result cannot be.
            self.sock.close()
            self.sock = None
            pending = self.unanswered
            self.unanswered = []
            again = [r for r in pending if r == self.next_request]
            if request != self.next_request or not again:
                raise ConnectionError("the Runtime API closed the connection")
            self.send(*again)
            return self.answer()
        self.unanswered.pop(0)
        return answer

    def _read(self):
        reader = self.reader
        line = reader.readline(65537)
        if not line:
            return None
        status = int(line[9:12])
        headers = {}
        while True:
            line = reader.readline(65537)
            if line in (b"\r\n", b"\n"):
                break
            if not line:
                return None
            name, sep, value = line.partition(b":")
            if sep:
                headers[name.decode("latin-1").lower()] = value.strip().decode("latin-1")
        if "chunked" in headers.get("transfer-encoding", "").lower():
            parts = []
            while True:
                size = int(reader.readline(65537).split(b";")[0], 16)
                if size == 0:
                    while reader.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                parts.append(reader.read(size))
                reader.readline(65537)
            return status, headers, b"".join(parts)
        length = headers.get("content-length")
        if length is not None:
            body = reader.read(int(length))
            if len(body) < int(length):
                return None
            return status, headers, body
        if status in (204, 304) or status < 200:
            return status, headers, b""
        raise ConnectionError("a Runtime API answer without Content-Length or chunked framing")


class TraceVariable(object):
    """`_X_AMZN_TRACE_ID` for each invocation, as `update_xray_env_variable` sets it, without glibc's setenv(3).

    os.environ writes through to setenv(3), which keeps every value it was ever given (pointers getenv returned
    must stay valid): with a new trace per invocation, ≈115 bytes that are never freed per invocation. So the
    variable is one buffer of this process, placed in the environment with putenv(3) (which keeps the pointer and
    copies nothing) and rewritten in place; os.environ's own mapping is updated without a write-through. Python
    code and child processes see the trace as before. Without ctypes, or for a value too long for the buffer, it
    falls back to os.environ.
    """

    NAME = "_X_AMZN_TRACE_ID"
    SIZE = 1024

    def __init__(self):
        self.env = os.environ
        self.key = self.env.encodekey(self.NAME)
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            self.putenv = libc.putenv
            self.putenv.argtypes = [ctypes.c_void_p]
            self.unsetenv = libc.unsetenv
            self.unsetenv.argtypes = [ctypes.c_char_p]
            self.buffer = ctypes.create_string_buffer(self.SIZE)
            self.address = ctypes.addressof(self.buffer)
            self.memmove = ctypes.memmove
        except (ImportError, OSError, AttributeError):
            self.buffer = None

    def set(self, value):
        data = self.env._data
        if value is None:
            if self.key in data:
                del data[self.key]
                if self.buffer is not None:
                    self.unsetenv(self.key)
                else:
                    os.unsetenv(self.NAME)
            return
        encoded = self.env.encodevalue(value)
        entry = self.key + b"=" + encoded + b"\0"
        if self.buffer is None or len(entry) > self.SIZE or b"\0" in encoded:
            self.env[self.NAME] = value
            return
        self.memmove(self.address, entry, len(entry))
        # Every time: a variable set since by other code (os.environ, putenv) is replaced by the buffer again;
        # putenv of the pointer already in place changes nothing.
        if self.putenv(self.address) != 0:
            self.env[self.NAME] = value
            return
        data[self.key] = encoded


def flush_output():
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:
        pass


def check_accepted(api, what):
    status, _, body = api.answer()
    if status != 202:
        sys.stderr.write("tollgate runtime: {} answered {}: {}\n".format(what, status, body.decode("utf-8", "replace")))


# ---- Loading the handler (bootstrap.py `_get_handler`) -----------------------------------------------------------


def get_handler(handler):
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise FaultException(FaultException.MALFORMED_HANDLER_NAME, "Bad handler '{}': {}".format(handler, str(e)))
    try:
        if modname.split(".")[0] in sys.builtin_module_names:
            raise FaultException(
                FaultException.BUILT_IN_MODULE_CONFLICT,
                "Cannot use built-in module {} as a handler module".format(modname),
            )
        m = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise FaultException(
            FaultException.IMPORT_MODULE_ERROR, "Unable to import module '{}': {}".format(modname, str(e))
        )
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise FaultException(
            FaultException.USER_CODE_SYNTAX_ERROR, "Syntax error in module '{}': {}".format(modname, str(e)), trace
        )
    try:
        return getattr(m, fname)
    except AttributeError:
        raise FaultException(
            FaultException.HANDLER_NOT_FOUND, "Handler '{}' missing on module '{}'".format(fname, modname), None
        )


# ---- The loop ----------------------------------------------------------------------------------------------------


def main():
    address = os.environ.get("AWS_LAMBDA_RUNTIME_API")
    if not address:
        sys.stderr.write("tollgate runtime: AWS_LAMBDA_RUNTIME_API is not set\n")
        return 1
    # Output reaches the host line by line, as the official client's unbuffered streams do.
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(line_buffering=True)
        except Exception:
            pass
    handler_name = sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] else os.environ.get("_HANDLER", "")
    # The function's modules come first: the working directory (as `python -m awslambdaric HANDLER` has it),
    # then LAMBDA_TASK_ROOT (the same directory on Lambda); not this file's directory.
    roots = [os.getcwd()]
    task_root = os.environ.get("LAMBDA_TASK_ROOT")
    if task_root and os.path.abspath(task_root) != roots[0]:
        roots.append(task_root)
    if sys.path and os.path.abspath(sys.path[0] or ".") == os.path.dirname(THIS_FILE):
        del sys.path[0]
    sys.path[0:0] = roots

    api = RuntimeApi(address)
    try:
        request_handler = get_handler(handler_name)
    except FaultException as e:
        error_result = make_error(e.msg, e.exception_type, e.trace)
        return init_failed(api, error_result)
    except Exception:
        return init_failed(api, fault_result(sys.exc_info()))

    trace = TraceVariable()
    next_request = api.next_request
    api.send(next_request)
    while True:
        status, headers, body = api.answer()
        if status != 200:
            raise ConnectionError("GET invocation/next answered {}: {!r}".format(status, body))
        invoke_id = headers.get("lambda-runtime-aws-request-id")
        trace.set(headers.get("lambda-runtime-trace-id"))
        error_result = None
        try:
            client_context = headers.get("lambda-runtime-client-context")
            cognito_identity = headers.get("lambda-runtime-cognito-identity")
            context = LambdaContext(
                invoke_id,
                _json_header(client_context, "Client Context") if client_context else None,
                _json_header(cognito_identity, "Cognito Identity") if cognito_identity else None,
                int(headers.get("lambda-runtime-deadline-ms", "0")),
                headers.get("lambda-runtime-invoked-function-arn"),
            )
            if headers.get("content-type", "application/json") == "application/json":
                try:
                    event = json.loads(body)
                except Exception as e:
                    raise FaultException(
                        FaultException.UNMARSHAL_ERROR, "Unable to unmarshal input: {}".format(str(e)), None
                    )
            else:
                event = body
            result, content_type = marshal(request_handler(event, context))
        except FaultException as e:
            error_result = make_error(e.msg, e.exception_type, e.trace, invoke_id)
        except Exception:
            error_result = fault_result(sys.exc_info(), invoke_id)
        flush_output()
        quoted = quote(invoke_id, safe="")
        if error_result is None:
            answer = api.post_bytes("invocation/" + quoted + "/response", result, content_type.encode())
        else:
            log_error(error_result)
            flush_output()
            answer = api.post_bytes(
                "invocation/" + quoted + "/error",
                json.dumps(error_result).encode("utf-8"),
                error_type=error_result["errorType"],
            )
        if PIPELINING:
            api.send(answer, next_request)
        else:
            api.send(answer)
        check_accepted(api, "the result")
        if not PIPELINING:
            api.send(next_request)


def init_failed(api, error_result):
    log_error(error_result)
    flush_output()
    try:
        api.send(
            api.post_bytes(
                "init/error", json.dumps(error_result).encode("utf-8"), error_type=error_result["errorType"]
            )
        )
        check_accepted(api, "init/error")
    except OSError as e:
        sys.stderr.write("tollgate runtime: cannot report the init error: {}\n".format(e))
    return 1


if __name__ == "__main__":
    sys.exit(main())
