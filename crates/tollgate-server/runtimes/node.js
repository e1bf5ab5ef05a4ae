// Tollgate's Node.js runtime client for the Lambda Runtime API (2018-06-01): `tollgate runtime node HANDLER`.
// Dependency-free; it speaks only the documented Runtime API, so it also serves as a custom runtime's
// `bootstrap` on AWS Lambda (`exec node this-file.js` with `_HANDLER` set).
//
// Behaviour follows AWS's official client, aws-lambda-ric 3.x (repository
// aws/aws-lambda-nodejs-runtime-interface-client, src/): handler strings and module loading as UserFunction.js,
// the callback/promise model as Runtime.js and CallbackContext.js, the context as InvokeContext.js, error
// documents as Errors.js `toRapidResponse` ({errorType, errorMessage, trace}), init errors as index.mjs
// (`POST /runtime/init/error`, then exit 129) and RAPIDClient.js (the `Lambda-Runtime-Function-Error-Type`
// header). It does not patch console: stdout and stderr reach the host as written.
//
// Speed: one keep-alive TCP connection, raw `net` reading into one reused buffer (`onread`), a small HTTP/1.1
// response parser (Content-Length and chunked bodies), and, when the host sets TOLLGATE_RUNTIME_API_PIPELINING=1 (Tollgate does), the next
// `GET .../next` written in the same packet as the previous result (HTTP/1.1 pipelining; answers arrive in order).
'use strict';

const net = require('net');
const path = require('path');
const fs = require('fs');
const util = require('util');

const API = process.env.AWS_LAMBDA_RUNTIME_API;
const PREFIX = '/2018-06-01/runtime/';

// ---- Errors (Errors.js) -------------------------------------------------------------------------------------

function runtimeError(name) {
  const cls = class extends Error {};
  cls.prototype.name = 'Runtime.' + name;
  return cls;
}
const ImportModuleError = runtimeError('ImportModuleError');
const HandlerNotFound = runtimeError('HandlerNotFound');
const MalformedHandlerName = runtimeError('MalformedHandlerName');
const UserCodeSyntaxError = runtimeError('UserCodeSyntaxError');
class UnhandledPromiseRejection extends Error {
  constructor(reason) {
    super(reason);
  }
}
UnhandledPromiseRejection.prototype.name = 'Runtime.UnhandledPromiseRejection';

function isErrorLike(obj) {
  return (
    obj &&
    obj.name &&
    obj.message &&
    obj.stack &&
    typeof obj.name === 'string' &&
    typeof obj.message === 'string' &&
    typeof obj.stack === 'string'
  );
}

// The error document, as Errors.js `toRapidResponse`.
function errorDocument(error) {
  try {
    if (util.types.isNativeError(error) || isErrorLike(error)) {
      return { errorType: error.name, errorMessage: error.message, trace: error.stack.split('\n') };
    }
    return { errorType: typeof error, errorMessage: error.toString(), trace: [] };
  } catch (_) {
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
    };
  }
}

// As the official client logs an invocation's error ("Invoke Error" and the formatted error) to stderr.
function logError(title, error) {
  try {
    console.error(title, '\t' + JSON.stringify(error, (_k, v) => withEnumerableProperties(v)));
  } catch (_) {
    console.error(title, '\t' + JSON.stringify(errorDocument(error)));
  }
}

function withEnumerableProperties(error) {
  if (error instanceof Error) {
    const ret = Object.assign({ errorType: error.name, errorMessage: error.message, code: error.code }, error);
    if (typeof error.stack === 'string') ret.stack = error.stack.split('\n');
    return ret;
  }
  return error;
}

// The header carries the error type; a value with characters a header cannot hold is left out.
function errorTypeHeader(doc) {
  const type = doc.errorType;
  return typeof type === 'string' && /^[\x20-\x7e]+$/.test(type)
    ? 'Lambda-Runtime-Function-Error-Type: ' + type + '\r\n'
    : '';
}

// ---- The Runtime API connection -----------------------------------------------------------------------------

// Requests in flight, oldest first: each {text, onAnswer}, `onAnswer(status, headers, body)` run when its answer
// has arrived.
const pending = [];
let socket = null;
// Bytes of an answer not yet whole, kept between reads: `held[0, heldLength)`.
let held = null;
let heldLength = 0;
let host = '';

function connect() {
  const colon = API.lastIndexOf(':');
  let hostname = API.slice(0, colon);
  if (hostname.startsWith('[')) hostname = hostname.slice(1, -1);
  const port = Number(API.slice(colon + 1));
  // `onread` hands every read to `onRead` in one reused buffer: no Readable stream machinery and no new buffer
  // per read (≈ 8 % of the CPU per invocation of a small function).
  socket = net.connect({ host: hostname, port, onread: { buffer: READ_BUFFER, callback: onRead } });
  socket.setNoDelay(true);
  socket.on('error', (err) => {
    console.error('tollgate runtime: Runtime API connection failed:', err.message);
    process.exit(1);
  });
  socket.on('close', () => {
    // Closed by the server (idle, or after refusing a request, e.g. 413 for a result too large): unanswered
    // `GET .../next` requests are sent again on a new connection; an unanswered result cannot be.
    socket = null;
    held = null;
    heldLength = 0;
    const unanswered = pending.splice(0);
    for (const request of unanswered) {
      if (request.text === NEXT) send(request.text, request.onAnswer);
      else console.error('tollgate runtime: the Runtime API closed the connection before answering a result');
    }
  });
  socket.unref();
}

// Sends raw request text; `onAnswer` runs with the answer. The socket keeps the process alive only while an
// answer is awaited, so a handler's own work decides when the event loop is empty (callbackWaitsForEmptyEventLoop).
function send(text, onAnswer) {
  if (socket === null) connect();
  if (pending.length === 0) socket.ref();
  pending.push({ text, onAnswer });
  socket.write(text);
}

// Tollgate's Runtime API takes the result and the next poll in one write (and answers both in one write when an
// event waits); elsewhere (AWS) each request waits for the previous answer, as the official client does.
const PIPELINING = process.env.TOLLGATE_RUNTIME_API_PIPELINING === '1';

// A result and the next `GET .../next` in one write (one system call, one packet), or one after the other.
function sendWithNext(text, onAnswer) {
  if (!PIPELINING) {
    send(text, (status, headers, body) => {
      onAnswer(status, headers, body);
      send(NEXT, onEvent);
    });
    return;
  }
  if (socket === null) connect();
  if (pending.length === 0) socket.ref();
  pending.push({ text, onAnswer }, { text: NEXT, onAnswer: onEvent });
  socket.write(text + NEXT);
}

function post(where, body, extraHeaders) {
  return (
    'POST ' +
    PREFIX +
    where +
    ' HTTP/1.1\r\n' +
    host +
    extraHeaders +
    'Content-Type: application/json\r\nContent-Length: ' +
    Buffer.byteLength(body) +
    '\r\n\r\n' +
    body
  );
}

let NEXT = '';

const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

// Answers are parsed where they lie in the read buffer. The rest of an incomplete one is held in a buffer that
// doubles as it fills (a large event arrives in many reads), and parsed again when more has arrived.
function onRead(length, chunk) {
  let buf = chunk;
  let limit = length;
  if (heldLength > 0) {
    hold(chunk, 0, length);
    buf = held;
    limit = heldLength;
  }
  let at = 0;
  while (at < limit) {
    const used = parseAnswer(buf, at, limit);
    if (used === 0) break;
    at += used;
  }
  if (buf === held) {
    if (at === limit) {
      heldLength = 0;
      if (held.length > READ_BUFFER.length) held = null;
    } else if (at > 0) {
      held.copy(held, 0, at, limit);
      heldLength = limit - at;
    }
  } else if (at < limit) {
    hold(chunk, at, limit);
  }
}

function hold(source, start, end) {
  const needed = heldLength + end - start;
  if (held === null || held.length < needed) {
    const bigger = Buffer.allocUnsafe(Math.max(needed, held === null ? 0 : held.length * 2, 16 * 1024));
    if (heldLength > 0) held.copy(bigger, 0, 0, heldLength);
    held = bigger;
  }
  source.copy(held, heldLength, start, end);
  heldLength = needed;
}

// Parses one answer from `buf[at, limit)` and dispatches it; returns the bytes used, 0 if incomplete.
function parseAnswer(buf, at, limit) {
  const found = buf.indexOf('\r\n\r\n', at);
  const headEnd = found < 0 || found + 4 > limit ? -1 : found;
  if (headEnd < 0) {
    if (limit - at > 1 << 20) fatal('a Runtime API answer head exceeds 1 MiB');
    return 0;
  }
  const text = buf.latin1Slice(at, headEnd);
  const status = Number(text.slice(9, 12));
  const headers = readHeaders(text);
  const start = headEnd + 4;
  let body;
  let end;
  const te = headers['transfer-encoding'];
  if (te !== undefined && te.toLowerCase().includes('chunked')) {
    const decoded = dechunk(buf, start, limit);
    if (decoded === null) return 0;
    body = decoded.body;
    end = decoded.end;
  } else if (headers['content-length'] !== undefined) {
    const length = Number(headers['content-length']);
    if (!Number.isSafeInteger(length) || length < 0) fatal('bad Content-Length from the Runtime API');
    end = start + length;
    if (limit < end) return 0;
    body = buf.utf8Slice(start, end);
  } else if (status === 204 || status === 304 || status < 200) {
    end = start;
    body = '';
  } else {
    fatal('a Runtime API answer without Content-Length or chunked framing');
  }
  if (headers['lambda-runtime-aws-request-id'] !== undefined && status !== 200) {
    fatal('unexpected status ' + status + ' with an event');
  }
  const request = pending.shift();
  if (pending.length === 0 && socket !== null) socket.unref();
  if (request !== undefined) request.onAnswer(status, headers, body);
  return end - at;
}

// The header fields this client reads, by lower-case name (the last of a repeated field); others are skipped.
// One object shape for every answer, rather than an object keyed by every name received.
function readHeaders(text) {
  const headers = {
    'content-length': undefined,
    'transfer-encoding': undefined,
    'lambda-runtime-aws-request-id': undefined,
    'lambda-runtime-deadline-ms': undefined,
    'lambda-runtime-invoked-function-arn': undefined,
    'lambda-runtime-trace-id': undefined,
    'lambda-runtime-client-context': undefined,
    'lambda-runtime-cognito-identity': undefined,
  };
  const lower = text.toLowerCase(); // one conversion for the whole head; the same length (Latin-1 text)
  let lineEnd = text.indexOf('\r\n');
  while (lineEnd >= 0) {
    const start = lineEnd + 2;
    lineEnd = text.indexOf('\r\n', start);
    const end = lineEnd < 0 ? text.length : lineEnd;
    const first = lower.charCodeAt(start);
    if (first !== 0x63 && first !== 0x6c && first !== 0x74) continue; // every name read starts with c, l or t
    const colon = text.indexOf(':', start);
    if (colon <= start || colon > end) continue;
    const name = lower.slice(start, colon);
    if (Object.hasOwn(headers, name)) headers[name] = trimmed(text, colon + 1, end);
  }
  return headers;
}

// `text[start, end)` without the optional whitespace (space, tab) around a field value.
function trimmed(text, start, end) {
  while (start < end && isBlank(text.charCodeAt(start))) start++;
  while (end > start && isBlank(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}

function isBlank(code) {
  return code === 0x20 || code === 0x09;
}

// Decodes a chunked body in `buf[pos, limit)`; null when incomplete.
function dechunk(buf, pos, limit) {
  const parts = [];
  for (;;) {
    const lineEnd = buf.indexOf('\r\n', pos);
    if (lineEnd < 0 || lineEnd + 2 > limit) return null;
    const size = parseInt(buf.toString('latin1', pos, lineEnd), 16);
    if (!(size >= 0)) fatal('bad chunk size from the Runtime API');
    pos = lineEnd + 2;
    if (size === 0) {
      // Trailers, then the empty line.
      for (;;) {
        const trailerEnd = buf.indexOf('\r\n', pos);
        if (trailerEnd < 0 || trailerEnd + 2 > limit) return null;
        const empty = trailerEnd === pos;
        pos = trailerEnd + 2;
        if (empty) return { body: Buffer.concat(parts).toString('utf8'), end: pos };
      }
    }
    if (limit < pos + size + 2) return null;
    parts.push(buf.subarray(pos, pos + size));
    pos += size + 2;
  }
}

function fatal(message) {
  console.error('tollgate runtime: ' + message);
  process.exit(1);
}

function checkAccepted(what) {
  return (status, _headers, body) => {
    if (status !== 202) console.error(`tollgate runtime: ${what} answered ${status}: ${body}`);
  };
}
const resultAccepted = checkAccepted('the result');

// ---- Loading the handler (UserFunction.js) ------------------------------------------------------------------

function hasTypeModule(folder) {
  for (;;) {
    if (folder.endsWith('/node_modules')) return false;
    const pj = path.join(folder, 'package.json');
    if (fs.existsSync(pj)) {
      try {
        const pkg = JSON.parse(fs.readFileSync(pj));
        if (pkg) return pkg.type === 'module';
      } catch (e) {
        console.warn(`${pj} cannot be read, it will be ignored for ES module detection purposes.`, e);
        return false;
      }
    }
    const parent = path.resolve(folder, '..');
    if (parent === folder) return false;
    folder = parent;
  }
}

function tryRequire(file) {
  return fs.existsSync(file) ? require(file) : undefined;
}

async function tryImport(file) {
  return fs.existsSync(file) ? await import(require('url').pathToFileURL(file).href) : undefined;
}

async function loadModule(appRoot, moduleRoot, module) {
  const file = path.resolve(appRoot, moduleRoot, module);
  const extensionless = tryRequire(file);
  if (extensionless) return extensionless;
  const esm = hasTypeModule(path.dirname(file));
  if (!esm) {
    const cjs = tryRequire(file + '.js');
    if (cjs) return cjs;
  }
  const loaded =
    (esm && (await tryImport(file + '.js'))) || (await tryImport(file + '.mjs')) || tryRequire(file + '.cjs');
  if (loaded) return loaded;
  return require(require.resolve(module, { paths: [appRoot, moduleRoot] }));
}

async function loadHandler(appRoot, fullHandler) {
  if (fullHandler.includes('..')) {
    throw new MalformedHandlerName(
      `'${fullHandler}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const handlerString = path.basename(fullHandler);
  const moduleRoot = fullHandler.substring(0, fullHandler.indexOf(handlerString));
  const match = handlerString.match(/^([^.]*)\.(.*)$/);
  if (!match) throw new MalformedHandlerName('Bad handler');
  let app;
  try {
    app = await loadModule(appRoot, moduleRoot, match[1]);
  } catch (e) {
    if (e instanceof SyntaxError) throw new UserCodeSyntaxError(e);
    if (e && e.code === 'MODULE_NOT_FOUND') throw new ImportModuleError(e);
    throw e;
  }
  const fn = match[2].split('.').reduce((nested, key) => nested && nested[key], app);
  if (!fn) throw new HandlerNotFound(`${fullHandler} is undefined or not exported`);
  if (typeof fn !== 'function') throw new HandlerNotFound(`${fullHandler} is not a function`);
  return fn;
}

// ---- process.env._X_AMZN_TRACE_ID (InvokeContext.js `_forwardXRay`) -----------------------------------------

// The official client sets process.env._X_AMZN_TRACE_ID for every invocation, and deletes it when an event comes
// without a trace. Written through to the real environment, that is glibc's setenv(3), which keeps every value it
// was ever given (pointers that getenv returned must stay valid): with a new trace per invocation, ≈130 bytes that
// are never freed per invocation and a search of an ever-growing tree. So this one variable lives in an overlay of
// process.env: handlers, the X-Ray SDK and child processes (child_process reads process.env) see it as before, as
// a string, among the keys. Native code calling getenv(3) does not, nor a worker thread started with the default
// environment (which copies the real one; `env: { ...process.env }` passes the overlay's).
const TRACE_VARIABLE = '_X_AMZN_TRACE_ID';
let traceId = process.env[TRACE_VARIABLE];

function overlayTraceVariable() {
  const real = process.env;
  if (traceId !== undefined) delete real[TRACE_VARIABLE];
  const traceDescriptor = () =>
    traceId === undefined ? undefined : { value: traceId, writable: true, enumerable: true, configurable: true };
  process.env = new Proxy(real, {
    get: (target, key) => (key === TRACE_VARIABLE ? traceId : Reflect.get(target, key)),
    set(target, key, value) {
      if (key !== TRACE_VARIABLE) return Reflect.set(target, key, value);
      traceId = `${value}`; // as process.env, which stores strings
      return true;
    },
    has: (target, key) => (key === TRACE_VARIABLE ? traceId !== undefined : Reflect.has(target, key)),
    deleteProperty(target, key) {
      if (key !== TRACE_VARIABLE) return Reflect.deleteProperty(target, key);
      traceId = undefined;
      return true;
    },
    ownKeys(target) {
      const keys = Reflect.ownKeys(target);
      if (traceId !== undefined) keys.push(TRACE_VARIABLE);
      return keys;
    },
    getOwnPropertyDescriptor: (target, key) =>
      key === TRACE_VARIABLE ? traceDescriptor() : Reflect.getOwnPropertyDescriptor(target, key),
    defineProperty(target, key, descriptor) {
      // An accessor is refused by process.env itself (ERR_INVALID_OBJECT_DEFINE_PROPERTY).
      if (key !== TRACE_VARIABLE || 'get' in descriptor || 'set' in descriptor) {
        return Reflect.defineProperty(target, key, descriptor);
      }
      traceId = `${descriptor.value}`;
      return true;
    },
  });
}

// ---- Invocations (Runtime.js, CallbackContext.js, InvokeContext.js) ------------------------------------------

let handler = null;
let handlerIsAsync = false;
let current = null; // the request id of the invocation in progress
let beforeExit = null; // what runs when the event loop empties (BeforeExitListener.js)

const FUNCTION_NAME = process.env.AWS_LAMBDA_FUNCTION_NAME;
const FUNCTION_VERSION = process.env.AWS_LAMBDA_FUNCTION_VERSION;
const MEMORY = process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE;
const LOG_GROUP = process.env.AWS_LAMBDA_LOG_GROUP_NAME;
const LOG_STREAM = process.env.AWS_LAMBDA_LOG_STREAM_NAME;

function parseJsonHeader(text, name) {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`Cannot parse ${name} as json: ${err.toString()}`);
  }
}

// Posts the result (or error) of invocation `id`, and asks for the next event in the same write.
function finish(id, text, then) {
  current = null;
  if (then === undefined) sendWithNext(text, resultAccepted);
  else send(text, then);
}

// A request id as a path segment: AWS's are UUIDs, which need no escaping.
const PLAIN_SEGMENT = /^[A-Za-z0-9_.~-]+$/;
function pathSegment(id) {
  return PLAIN_SEGMENT.test(id) ? id : encodeURIComponent(id);
}

function respond(id, result) {
  let body;
  try {
    body = JSON.stringify(result === undefined ? null : result);
  } catch (_) {
    // RAPIDClient.js `_trySerializeResponse`.
    throw new Error('Unable to stringify response body');
  }
  finish(id, post('invocation/' + pathSegment(id) + '/response', body, ''));
}

function respondError(id, error, then) {
  const doc = errorDocument(error);
  let body;
  try {
    body = JSON.stringify(doc);
  } catch (_) {
    body = JSON.stringify({ errorType: 'handled', errorMessage: 'Unable to stringify the error' });
  }
  finish(id, post('invocation/' + pathSegment(id) + '/error', body, errorTypeHeader(doc)), then);
}

function onEvent(status, headers, body) {
  if (status !== 200) fatal(`GET invocation/next answered ${status}: ${body}`);
  const id = headers['lambda-runtime-aws-request-id'];
  if (!id) fatal('an event without Lambda-Runtime-Aws-Request-Id');
  current = id;
  traceId = headers['lambda-runtime-trace-id'];

  let completed = false;
  let waitForEmptyEventLoop = true;
  const postError = (err) => {
    logError('Invoke Error', err);
    respondError(id, err);
  };
  const complete = (result) => {
    if (completed) {
      console.error(
        'Invocation has already been reported as done. Cannot call complete more than once per invocation.',
      );
      return;
    }
    completed = true;
    respond(id, result);
  };
  // Only the first call of callback/succeed/fail/done counts.
  let finished = false;
  const once = (fn) =>
    function () {
      if (!finished) {
        fn.apply(null, arguments);
        finished = true;
      }
    };
  const done = (err, result) => {
    beforeExit = null;
    if (err !== undefined && err !== null) postError(err);
    else complete(result);
  };
  const callback = once((err, result) => {
    beforeExit = null;
    if (err !== undefined && err !== null) postError(err);
    else if (!waitForEmptyEventLoop) complete(result);
    else beforeExit = () => setImmediate(() => complete(result));
  });
  const deadline = Number(headers['lambda-runtime-deadline-ms']);
  let context;
  try {
    context = {
      get callbackWaitsForEmptyEventLoop() {
        return waitForEmptyEventLoop;
      },
      set callbackWaitsForEmptyEventLoop(value) {
        waitForEmptyEventLoop = value;
      },
      succeed: once((result) => done(null, result)),
      fail: once((err) => (err === undefined || err === null ? done('handled') : done(err, null))),
      done: once(done),
      functionVersion: FUNCTION_VERSION,
      functionName: FUNCTION_NAME,
      memoryLimitInMB: MEMORY,
      logGroupName: LOG_GROUP,
      logStreamName: LOG_STREAM,
      clientContext: parseJsonHeader(headers['lambda-runtime-client-context'], 'ClientContext'),
      identity: parseJsonHeader(headers['lambda-runtime-cognito-identity'], 'CognitoIdentity'),
      invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
      awsRequestId: id,
      getRemainingTimeInMillis: () => deadline - Date.now(),
    };
  } catch (err) {
    callback(err);
    return;
  }

  // Neither a callback nor a settled promise by the time the event loop is empty: an async handler failed to
  // finish (Runtime.NodeJsExit); any other handler answers null.
  beforeExit = () => {
    completed = true;
    finished = true;
    if (handlerIsAsync) {
      const err = new NodeJsExit();
      logError('Invoke Error', err);
      respondError(id, err);
    } else {
      respond(id, null);
    }
  };
  try {
    const result = handler(JSON.parse(body), context, callback);
    if (result && typeof result.then === 'function') {
      result.then(context.succeed, context.fail).catch(context.fail);
    }
  } catch (err) {
    callback(err);
  }
}

class NodeJsExit extends Error {
  constructor() {
    super(
      'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled. For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes',
    );
  }
}
NodeJsExit.prototype.name = 'Runtime.NodeJsExit';

// An error outside any promise chain: the invocation's (or init's) error, then exit (index.mjs, Runtime.js).
function crash(title, error, code) {
  logError(title, error);
  const exit = () => process.exit(code);
  if (current !== null) {
    respondError(current, error, exit);
  } else {
    const doc = errorDocument(error);
    send(post('init/error', JSON.stringify(doc), errorTypeHeader(doc)), exit);
  }
}

function watchProcess() {
  process.on('beforeExit', () => {
    const run = beforeExit;
    beforeExit = null;
    if (run !== null) run();
  });
  process.on('uncaughtException', (error) => crash('Uncaught Exception', error, 129));
  process.on('unhandledRejection', (reason) =>
    crash('Unhandled Promise Rejection', new UnhandledPromiseRejection(reason), 128),
  );
}

async function main() {
  watchProcess();
  if (!API) fatal('AWS_LAMBDA_RUNTIME_API is not set');
  overlayTraceVariable();
  host = 'Host: ' + API + '\r\n';
  NEXT = 'GET ' + PREFIX + 'invocation/next HTTP/1.1\r\n' + host + '\r\n';
  const handlerName = process.argv[2] || process.env._HANDLER || '';
  // The working directory, as the official client's `aws-lambda-ric HANDLER` command; on Lambda it is
  // LAMBDA_TASK_ROOT.
  const appRoot = process.cwd();
  try {
    handler = await loadHandler(appRoot, handlerName);
  } catch (error) {
    crash('Uncaught Exception', error, 129);
    return;
  }
  handlerIsAsync = handler.constructor && handler.constructor.name === 'AsyncFunction';
  send(NEXT, onEvent);
}

if (require.main === module) {
  main();
} else {
  // Loaded by a test (tests/clients/node_answers.js): the answer reader alone, nothing started.
  module.exports = { onRead, READ_BUFFER, pending };
}
