// The Node runtime client's answer reader (runtimes/node.js `onRead`), alone: `node node_answers.js CLIENT.js`.
// A stream of Runtime API answers (a result's 202, an event with Content-Length and a UTF-8 body, a chunked
// event, a 204) is fed in two reads split at every offset, in three reads at many pairs of offsets, and one byte
// per read. Every read lands in the client's one reused buffer, which is first filled with stale bytes that look
// like answer boundaries (`\r\n\r\n`, chunk ends), as the tail of an earlier, longer read would. Each answer must
// reach its waiting request whole, once, in order.
'use strict';

const assert = require('assert');
const { onRead, READ_BUFFER, pending } = require(process.argv[2]);

const event = '{"body":"caf\u00e9 \u2713","n":1}';
const answers = [
  {
    text:
      'HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n{"status":"OK"}\n',
    status: 202,
    id: undefined,
    body: '{"status":"OK"}\n',
  },
  {
    text:
      'HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: 8476a536-e9f4-11e8-9739-2dfe598c3fcd\r\n' +
      'LAMBDA-RUNTIME-DEADLINE-MS:1542409706888\r\nlambda-runtime-trace-id: \t Root=1-5bef4de7;Sampled=1 \r\n' +
      `Content-Length: ${Buffer.byteLength(event)}\r\n\r\n${event}`,
    status: 200,
    id: '8476a536-e9f4-11e8-9739-2dfe598c3fcd',
    deadline: '1542409706888',
    trace: 'Root=1-5bef4de7;Sampled=1',
    body: event,
  },
  {
    text:
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nLambda-Runtime-Aws-Request-Id: id-2\r\n\r\n' +
      '5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n',
    status: 200,
    id: 'id-2',
    body: 'hello world',
  },
  { text: 'HTTP/1.1 204 No Content\r\n\r\n', status: 204, id: undefined, body: '' },
];
const stream = Buffer.from(answers.map((a) => a.text).join(''), 'utf8');
const STALE = Buffer.from('\r\n\r\n0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx');

function feed(reads, what) {
  const received = [];
  for (const expected of answers) {
    pending.push({ text: '', onAnswer: (status, headers, body) => received.push({ status, headers, body }) });
  }
  for (const read of reads) {
    for (let at = 0; at < READ_BUFFER.length; at += STALE.length) STALE.copy(READ_BUFFER, at);
    read.copy(READ_BUFFER, 0);
    onRead(read.length, READ_BUFFER);
  }
  assert.strictEqual(pending.length, 0, `${what}: answers left unread`);
  assert.strictEqual(received.length, answers.length, what);
  answers.forEach((expected, i) => {
    const got = received[i];
    assert.strictEqual(got.status, expected.status, `${what}: answer ${i}`);
    assert.strictEqual(got.body, expected.body, `${what}: answer ${i}`);
    assert.strictEqual(got.headers['lambda-runtime-aws-request-id'], expected.id, `${what}: answer ${i}`);
    if (expected.deadline !== undefined) {
      assert.strictEqual(got.headers['lambda-runtime-deadline-ms'], expected.deadline, what);
      assert.strictEqual(got.headers['lambda-runtime-trace-id'], expected.trace, what);
    }
  });
}

let cases = 0;
for (let cut = 0; cut <= stream.length; cut++) {
  feed([stream.subarray(0, cut), stream.subarray(cut)], `split at ${cut}`);
  cases++;
}
for (let first = 1; first < stream.length; first += 7) {
  for (let second = first; second < stream.length; second += 5) {
    feed([stream.subarray(0, first), stream.subarray(first, second), stream.subarray(second)], `${first}/${second}`);
    cases++;
  }
}
feed(
  Array.from(stream, (_, i) => stream.subarray(i, i + 1)),
  'one byte per read',
);
cases++;
console.log(`${cases} ways of reading ${stream.length} bytes: every answer whole, in order`);
