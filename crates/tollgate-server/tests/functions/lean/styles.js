// Handlers of every style the Node.js programming model allows, for `tollgate runtime node` (tests/e2e/
// lean_runtime.rs). `handler` is a plain (not async) function, so each action picks its own way to answer: the
// callback, a returned promise, context.succeed/fail/done, a throw, or nothing at all. Behind AWS_PROXY the
// action is the path (`/callback`), and the value is answered as a 200 with the value as JSON body; behind the
// non-proxy route the event is `{"action": ...}` and the value comes back as it is.
'use strict';

class TestError extends Error {
  constructor(message) {
    super(message);
    this.name = 'TestError';
  }
}

function contextFields(context) {
  return {
    awsRequestId: context.awsRequestId,
    functionName: context.functionName,
    functionVersion: context.functionVersion,
    invokedFunctionArn: context.invokedFunctionArn,
    memoryLimitInMB: context.memoryLimitInMB,
    logGroupName: context.logGroupName,
    logStreamName: context.logStreamName,
    remaining: context.getRemainingTimeInMillis(),
    callbackWaitsForEmptyEventLoop: context.callbackWaitsForEmptyEventLoop,
    identity: context.identity === undefined ? 'undefined' : context.identity,
    clientContext: context.clientContext === undefined ? 'undefined' : context.clientContext,
    traceId: process.env._X_AMZN_TRACE_ID,
    env: { AWS_REGION: process.env.AWS_REGION, AWS_LAMBDA_RUNTIME_API: !!process.env.AWS_LAMBDA_RUNTIME_API },
  };
}

exports.handler = function (event, context, callback) {
  const proxy = event && event.httpMethod !== undefined;
  const action = proxy ? event.path.slice(1) : event.action;
  const answer = (value) => (proxy ? { statusCode: 200, body: JSON.stringify(value) } : value);
  switch (action) {
    case 'callback':
      // Answered once the event loop is empty (callbackWaitsForEmptyEventLoop): after this timer ran.
      setTimeout(() => (globalThis.timerRan = true), 30);
      globalThis.timerRan = false;
      return callback(null, answer({ style: 'callback' }));
    case 'callback-waits':
      return callback(null, answer({ timerRan: globalThis.timerRan }));
    case 'callback-error':
      return callback(new TestError('callback failed'));
    case 'callback-string':
      return callback('plain words');
    case 'promise':
      return new Promise((resolve) => setTimeout(() => resolve(answer({ style: 'promise' })), 5));
    case 'reject':
      return Promise.reject(new TestError('rejected'));
    case 'succeed':
      return context.succeed(answer({ style: 'succeed' }));
    case 'fail':
      return context.fail(new TestError('context.fail'));
    case 'throw':
      throw new TestError('thrown');
    case 'nothing':
      // Neither a callback nor a promise: the answer is null once the event loop is empty.
      return undefined;
    case 'circular': {
      const value = { name: 'loop' };
      value.self = value;
      return callback(null, value);
    }
    case 'context':
      return callback(null, answer(contextFields(context)));
    case 'node-flags':
      // The flags AWS's bootstrap starts node with, and whether `global.gc` exists (--expose-gc).
      return callback(null, answer({ execArgv: process.execArgv, gc: typeof global.gc }));
    case 'trace-variable': {
      // The trace as every way of reading the environment sees it, a child process's included.
      // Then the handler sets the variable itself, which the next invocation's trace replaces.
      const env = process.env;
      const child = require('child_process').execFileSync('/bin/sh', ['-c', 'printf %s "$_X_AMZN_TRACE_ID"']);
      const seen = {
        read: env._X_AMZN_TRACE_ID,
        has: '_X_AMZN_TRACE_ID' in env,
        listed: Object.keys(env).filter((key) => key === '_X_AMZN_TRACE_ID').length,
        copied: { ...env }._X_AMZN_TRACE_ID,
        child: child.toString(),
      };
      env._X_AMZN_TRACE_ID = 'set-by-handler';
      return callback(null, answer(seen));
    }
    case 'log':
      console.log('stdout ' + event.body);
      console.error('stderr ' + event.body);
      return callback(null, answer({ logged: true }));
    default:
      return callback(null, answer({ unknown: action }));
  }
};

// A handler under a nested export path (`styles.nested.deeper.handler`).
exports.nested = { deeper: { handler: async (event) => ({ statusCode: 200, body: 'nested ' + event.path }) } };

// An export that is not a function.
exports.notAFunction = 42;
