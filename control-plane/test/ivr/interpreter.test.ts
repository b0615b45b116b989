/** The interpreter on the simulator, node kind by node kind. */
import { strict as assert } from 'node:assert';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FetchHttpClient, MockHttpClient } from '../../src/ivr/http.js';
import type { SimCallLeg } from '../../src/engine/sim/SimCallLeg.js';
import { interactionIdForLeg } from '../../src/ivr/interactionId.js';
import { FlowSchema } from '../../src/ivr/schema.js';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { flowFrom, nodesOf, runOnSim } from './helpers.js';

const hangupFlow = `
  bye:
    kind: hangup
    prompt: Goodbye.`;

describe('ivr interpreter on the simulator', () => {
  describe('play', () => {
    it('speaks text with variables in the call language, and barge-in keeps the digit', async () => {
      const flow = flowFrom(`
id: play-test
language: fr-FR
variables: { name: Ada }
entry: hello
nodes:
  hello:
    kind: play
    prompt: ["Bonjour \${name}.", "Appuyez sur une touche pour passer ce long message."]
    barge_in: true
    digit_variable: key
    next: bye
${hangupFlow}`);
      const r = await runOnSim(flow, { script: [{ waitForPrompt: 'Appuyez', afterMs: 300, dtmf: '5' }] });
      assert.deepEqual(r.heard.slice(0, 2), ['Bonjour Ada.', 'Appuyez sur une touche pour passer ce long message.']);
      assert.equal(r.result.variables.key, '5');
      assert.equal(r.result.path[0]!.outcome, 'interrupted');
      assert.deepEqual(r.result.outcome, { kind: 'hangup', cause: 'NORMAL_CLEARING' });
    });

    it('without barge-in a key press does not cut the prompt', async () => {
      const flow = flowFrom(`
id: play-nobarge
entry: hello
nodes:
  hello:
    kind: play
    prompt: "This message cannot be skipped."
    next: bye
${hangupFlow}`);
      const r = await runOnSim(flow, { script: [{ waitForPrompt: 'cannot be skipped', afterMs: 100, dtmf: '1' }] });
      assert.equal(r.result.path[0]!.outcome, 'played');
    });
  });

  describe('menu', () => {
    const menuFlow = flowFrom(`
id: menu-test
entry: main
nodes:
  main:
    kind: menu
    prompt: "Press 1 for sales or 2 for support."
    options: { "1": sales, "2": support }
    invalid_prompt: "That is not a valid choice."
    timeout_prompt: "I did not hear anything."
    tries: 3
    timeout_ms: 3000
    default: fallback
  sales: { kind: queue, queue: sales }
  support: { kind: queue, queue: support }
  fallback:
    kind: hangup
    prompt: "Sorry, goodbye."
    cause: NO_USER_RESPONSE`);

    it('routes by the key pressed', async () => {
      const r = await runOnSim(menuFlow, { script: [{ waitForPrompt: 'Press 1', dtmf: '2' }] });
      assert.deepEqual(nodesOf(r), ['main', 'support']);
      assert.equal(r.result.outcome.kind, 'queued');
    });

    it('invalid input exhausting the tries goes to the default, with the invalid prompt each time', async () => {
      const r = await runOnSim(menuFlow, {
        script: [
          { waitForPrompt: 'Press 1', dtmf: '7' },
          { waitForPrompt: 'Press 1', dtmf: '8' },
          { waitForPrompt: 'Press 1', dtmf: '9' },
        ],
      });
      assert.deepEqual(nodesOf(r), ['main', 'fallback']);
      assert.equal(r.heard.filter((h) => h.includes('not a valid choice')).length, 2);
      assert.equal(r.result.path[0]!.input, '7,8,9');
      assert.deepEqual(r.result.outcome, { kind: 'hangup', cause: 'NO_USER_RESPONSE' });
    });

    it('silence plays the timeout prompt and ends at the default', async () => {
      const r = await runOnSim(menuFlow, {});
      assert.equal(r.heard.filter((h) => h.includes('did not hear')).length, 2);
      assert.deepEqual(nodesOf(r), ['main', 'fallback']);
    });

    it('a caller hanging up in the middle of the menu ends the run at that node', async () => {
      const r = await runOnSim(menuFlow, { script: [{ waitForPrompt: 'Press 1', afterMs: 500, hangup: true }] });
      assert.deepEqual(r.result.outcome, { kind: 'caller-hangup', node: 'main' });
      assert.equal(r.result.path.at(-1)!.outcome, 'caller hung up');
      const ended = r.events.events.find((e) => e.type === 'ivr.ended');
      assert.deepEqual((ended!.data as { outcome: unknown }).outcome, { kind: 'caller-hangup', node: 'main' });
    });
  });

  describe('collect', () => {
    const collectFlow = flowFrom(`
id: collect-test
entry: pin
nodes:
  pin:
    kind: collect
    prompt: "Enter your PIN, then hash."
    variable: pin
    min_length: 4
    max_length: 6
    regex: "[0-9]{4,6}"
    tries: 2
    invalid_prompt: "That PIN is not valid."
    confirm: { prompt: "You entered \${value | digits}. Press 1 if that is right, 2 to try again." }
    next: ok
    on_failure: failed
  ok:
    kind: hangup
    prompt: "Thank you."
  failed:
    kind: hangup
    prompt: "Sorry."`);

    it('collects, reads back and confirms', async () => {
      const r = await runOnSim(collectFlow, {
        script: [
          { waitForPrompt: 'Enter your PIN', dtmf: '12345#' },
          { waitForPrompt: 'You entered', afterMs: 200, dtmf: '1' },
        ],
      });
      assert.equal(r.result.variables.pin, '12345');
      assert.ok(r.heard.includes('You entered 1 2 3 4 5. Press 1 if that is right, 2 to try again.'));
      assert.deepEqual(nodesOf(r), ['pin', 'ok']);
    });

    it('a rejected read-back asks again', async () => {
      const r = await runOnSim(collectFlow, {
        script: [
          { waitForPrompt: 'Enter your PIN', dtmf: '1111#' },
          { waitForPrompt: 'You entered', dtmf: '2' },
          { waitForPrompt: 'Enter your PIN', dtmf: '2222#' },
          { waitForPrompt: 'You entered', dtmf: '1' },
        ],
      });
      assert.equal(r.result.variables.pin, '2222');
    });

    it('too-short input on every try goes to on_failure and sets nothing', async () => {
      const r = await runOnSim(collectFlow, {
        script: [
          { waitForPrompt: 'Enter your PIN', dtmf: '12#' },
          { waitForPrompt: 'not valid', dtmf: '9#' },
        ],
      });
      assert.deepEqual(nodesOf(r), ['pin', 'failed']);
      assert.equal(r.result.variables.pin, undefined);
      assert.equal(r.heard.filter((h) => h.includes('not valid')).length, 1);
    });
  });

  describe('sensitive input', () => {
    it('a sensitive collect is masked in events, the path and the screen pop, but usable by the flow', async () => {
      const flow = flowFrom(`
id: pin-flow
entry: pin
nodes:
  pin: { kind: collect, prompt: "Enter your PIN.", variable: pin, min_length: 4, max_length: 4, regex: "[0-9]{4}", sensitive: true, next: check, on_failure: agent }
  check:
    kind: condition
    branches: [{ when: "(pin | length) == 4", next: agent }]
    default: agent
  agent: { kind: queue, queue: billing }`);
      const r = await runOnSim(flow, { script: [{ waitForPrompt: 'PIN', dtmf: '12' }, { waitForPrompt: 'PIN', dtmf: '4321' }] });
      assert.equal(r.result.variables.pin, '4321');
      assert.deepEqual(nodesOf(r), ['pin', 'check', 'agent']);
      assert.equal(r.result.path[0]!.input, '****');
      assert.equal(r.queue.requests[0]!.variables.pin, '***');
      assert.ok(!JSON.stringify(r.events.events).includes('4321'), 'the PIN never reaches an event');
    });

    it('the path shows what a caller keyed when it did not match the regex', async () => {
      const flow = flowFrom(`
id: acct
entry: a
nodes:
  a: { kind: collect, prompt: "Account?", variable: acct, regex: "[0-9]{6}", tries: 2, next: bye, on_failure: bye }
${hangupFlow}`);
      const r = await runOnSim(flow, { script: [{ waitForPrompt: 'Account', dtmf: '12#' }, { waitForPrompt: 'Account', dtmf: '99#' }] });
      assert.equal(r.result.path[0]!.input, '12,99');
      assert.equal(r.result.path[0]!.outcome, 'failed');
    });
  });

  describe('http', () => {
    const httpFlow = (url: string, timeoutMs = 500) =>
      flowFrom(`
id: http-test
entry: lookup
nodes:
  lookup:
    kind: http
    method: POST
    url: "${url}"
    headers: { Authorization: { secret: CRM_TOKEN, prefix: "Bearer " } }
    body: { phone: "\${caller}" }
    timeout_ms: ${timeoutMs}
    map: { tier: response.body.tier, name: response.body.customer.name }
    status_variable: status
    next: found
    on_error: failed
  found:
    kind: play
    prompt: "Hello \${name}, you are \${tier}."
    next: bye
  failed:
    kind: play
    prompt: "We cannot find your account right now."
    next: bye
${hangupFlow}`);

    it('maps response fields into variables (mocked)', async () => {
      const r = await runOnSim(httpFlow('https://crm.example.com/lookup'), {
        http: [{ method: 'POST', url: 'https://crm.example.com/lookup', body: { tier: 'gold', customer: { name: 'Ada' } } }],
        secrets: { CRM_TOKEN: 't0ken' },
      });
      assert.ok(r.heard.includes('Hello Ada, you are gold.'));
      assert.equal(r.result.variables.status, 200);
    });

    it('values in the URL are percent-encoded', async () => {
      const flow = flowFrom(`
id: http-encode
variables: { q: "a/../b?x=1&y" }
entry: lookup
nodes:
  lookup: { kind: http, url: "https://crm.example.com/find/\${q}?phone=\${caller}", next: bye, on_error: bye }
${hangupFlow}`);
      const r = await runOnSim(flow, { http: [{ url: '*', body: {} }] });
      assert.equal(r.result.path[0]!.outcome, 'HTTP 200');
      assert.equal((r.http as MockHttpClient).requests[0]!.url, 'https://crm.example.com/find/a%2F..%2Fb%3Fx%3D1%26y?phone=%2B15551230001');
    });

    it('a 500 from the CRM takes on_error', async () => {
      const r = await runOnSim(httpFlow('https://crm.example.com/lookup'), { http: [{ url: 'https://crm.example.com/*', status: 500 }], secrets: { CRM_TOKEN: 'x' } });
      assert.deepEqual(nodesOf(r), ['lookup', 'failed', 'bye']);
      assert.equal(r.result.path[0]!.outcome, 'error: HTTP 500');
    });

    it('a missing secret takes on_error and never sends the request', async () => {
      const r = await runOnSim(httpFlow('https://crm.example.com/lookup'), { http: [{ url: '*', body: {} }] });
      assert.match(r.result.path[0]!.outcome, /secret CRM_TOKEN is not set/);
    });

    describe('against a real local HTTP server', () => {
      let server: Server;
      let base: string;
      const seen: Array<{ auth: string | undefined; body: string; closedEarly: boolean }> = [];
      before(async () => {
        server = createServer((req: IncomingMessage, res) => {
          let body = '';
          req.on('data', (c: Buffer) => (body += c.toString()));
          req.on('end', () => {
            const entry = { auth: req.headers.authorization, body, closedEarly: false };
            seen.push(entry);
            res.on('close', () => {
              if (!res.writableEnded) entry.closedEarly = true;
            });
            if (req.url === '/stall') return; // never answers
            res.setHeader('content-type', 'application/json');
            res.end(JSON.stringify({ tier: 'silver', customer: { name: 'Grace' } }));
          });
        });
        await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
        base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      });
      after(async () => {
        server.closeAllConnections();
        await new Promise((r) => server.close(r));
      });

      it('sends the secret header and the JSON body, and maps the answer', async () => {
        seen.length = 0;
        const r = await runOnSim(httpFlow(`${base}/ok`), { http: new FetchHttpClient(), secrets: { CRM_TOKEN: 's3cret' } });
        assert.ok(r.heard.includes('Hello Grace, you are silver.'));
        assert.equal(seen[0]!.auth, 'Bearer s3cret');
        assert.deepEqual(JSON.parse(seen[0]!.body), { phone: '+15551230001' });
        // The secret never reaches the node-visit events.
        assert.ok(!JSON.stringify(r.events.events).includes('s3cret'));
      });

      it('a server that stalls is abandoned after timeout_ms and the caller moves on', async () => {
        const started = Date.now();
        const r = await runOnSim(httpFlow(`${base}/stall`, 300), { http: new FetchHttpClient(), secrets: { CRM_TOKEN: 'x' } });
        const took = Date.now() - started;
        assert.deepEqual(nodesOf(r), ['lookup', 'failed', 'bye']);
        assert.match(r.result.path[0]!.outcome, /no answer within 300 ms/);
        assert.ok(took >= 280 && took < 3000, `took ${took} ms`);
        assert.ok(r.heard.includes('We cannot find your account right now.'));
      });

      it('a caller who hangs up during a stalled request ends the run and the request is aborted', async () => {
        seen.length = 0;
        const flow = httpFlow(`${base}/stall`, 30_000);
        const client = new FetchHttpClient();
        let leg: SimCallLeg | undefined;
        const runP = runOnSim(flow, { http: client, secrets: { CRM_TOKEN: 'x' }, onCall: (l) => (leg = l) });
        while (seen.length === 0) await new Promise((r) => setTimeout(r, 5));
        leg!.end('NORMAL_CLEARING', 'remote');
        const r = await runP;
        assert.deepEqual(r.result.outcome, { kind: 'caller-hangup', node: 'lookup' });
        await new Promise((res) => setTimeout(res, 50));
        assert.equal(seen[0]!.closedEarly, true, 'the HTTP request was aborted');
        assert.equal(client.inFlight, 0);
      });
    });
  });

  describe('condition and set', () => {
    it('sets typed values and branches on them', async () => {
      const flow = flowFrom(`
id: cond-test
entry: init
variables: { score: 0 }
nodes:
  init:
    kind: set
    variables: { score: "\${score + 7}", skills: [billing, "\${'fr'}"], vip: true, label: "score=\${score}" }
    next: check
  check:
    kind: condition
    branches:
      - { when: "score > 10", next: high }
      - { when: "vip && score > 5 && caller == '+15551230001'", next: vip }
    default: low
  high: { kind: hangup, cause: CALL_REJECTED }
  vip: { kind: hangup, cause: NORMAL_CLEARING }
  low: { kind: hangup, cause: USER_BUSY }`);
      const r = await runOnSim(flow);
      assert.equal(r.result.variables.score, 7);
      assert.deepEqual(r.result.variables.skills, ['billing', 'fr']);
      assert.equal(r.result.variables.label, 'score=7', 'values are set in order: later ones see earlier ones');
      assert.deepEqual(nodesOf(r), ['init', 'check', 'vip']);
      assert.equal(r.result.path[1]!.outcome, "branch 2: vip && score > 5 && caller == '+15551230001'");
    });
  });

  describe('schedule', () => {
    const flow = flowFrom(`
id: hours-test
entry: hours
nodes:
  hours:
    kind: schedule
    timezone: America/New_York
    hours: { mon: "09:00-17:00", tue: "09:00-17:00", sat: ["10:00-12:00", "13:00-14:00"] }
    holidays: [{ date: "2026-12-25", name: Christmas }, { date: "2026-12-24", hours: "09:00-12:00" }]
    holiday_variable: holiday
    open: open
    closed: closed
    holiday: holiday
  open: { kind: hangup, cause: NORMAL_CLEARING }
  closed: { kind: hangup, cause: USER_BUSY }
  holiday: { kind: hangup, cause: CALL_REJECTED }`);
    const cases: Array<[string, string]> = [
      ['2026-01-05T14:00:00Z', 'open'], // Mon 09:00 New York
      ['2026-01-05T13:59:00Z', 'closed'], // Mon 08:59
      ['2026-01-05T22:00:00Z', 'closed'], // Mon 17:00 (end is exclusive)
      ['2026-01-07T15:00:00Z', 'closed'], // Wednesday: not listed
      ['2026-01-10T17:30:00Z', 'closed'], // Sat 12:30, between ranges
      ['2026-01-10T18:30:00Z', 'open'], // Sat 13:30
      ['2026-12-25T15:00:00Z', 'holiday'], // Christmas, a Friday
      ['2026-12-24T15:00:00Z', 'open'], // Christmas Eve morning, reduced hours
      ['2026-12-24T18:00:00Z', 'holiday'], // Christmas Eve 13:00
      ['2026-07-06T13:30:00Z', 'open'], // Mon 09:30 EDT (summer time)
    ];
    for (const [at, expected] of cases) {
      it(`${at} → ${expected}`, async () => {
        const r = await runOnSim(flow, { at });
        assert.equal(nodesOf(r)[1], expected, r.result.path[0]!.outcome);
      });
    }
  });

  describe('queue', () => {
    const flow = flowFrom(`
id: queue-test
entry: init
variables: { account: "", tier: gold }
nodes:
  init:
    kind: set
    variables: { account: "778899", language: es-US }
    next: agent
  agent:
    kind: queue
    queue: billing
    skills: [billing, "\${language == 'es-US' ? 'spanish' : 'english'}"]
    priority: "\${tier == 'gold' ? 50 : 0}"
    vip: "\${tier == 'gold'}"
    announce: "Please hold for an agent."
    after_agent: csat
    on_failure: closed
  csat:
    kind: survey
    questions:
      - { id: agent, prompt: "How was your agent, 1 to 5?" }
      - { id: overall, prompt: "How was the call overall, 1 to 5?" }
    thanks: "Thanks!"
  closed:
    kind: voicemail
    mailbox: billing`);

    it('hands over with skills, priority, VIP and the variables for the screen pop', async () => {
      const r = await runOnSim(flow);
      assert.deepEqual(r.result.outcome, { kind: 'queued', queue: 'billing', skills: ['billing', 'spanish'], priority: 50, vip: true, result: 'ended' });
      const req = r.queue.requests[0]!;
      assert.equal(req.variables.account, '778899');
      assert.deepEqual(req.flow, { id: 'queue-test', version: 1 });
      assert.equal(req.returnAfterAgent, true, 'after_agent asks the ACD to keep the caller when the agent leaves');
      assert.ok(r.heard.includes('Please hold for an agent.'));
      const queued = r.events.events.find((e) => e.type === 'queued');
      assert.equal(queued?.queueId, 'billing');
    });

    it('when the agent leaves first, the caller gets the survey and answers are stored with the agent', async () => {
      const r = await runOnSim(flow, {
        queueResult: { outcome: 'returned', agentId: 'agent-7' },
        script: [
          { waitForPrompt: 'How was your agent', dtmf: '9' },
          { waitForPrompt: 'How was your agent', dtmf: '4' },
          { waitForPrompt: 'overall', dtmf: '5' },
        ],
      });
      assert.deepEqual(
        r.surveys.answers.map((a) => [a.question, a.score, a.agentId, a.flowId]),
        [
          ['agent', 4, 'agent-7', 'queue-test'],
          ['overall', 5, 'agent-7', 'queue-test'],
        ],
      );
      assert.equal(r.events.events.filter((e) => e.type === 'survey.answer').length, 2);
      assert.deepEqual(r.result.outcome, { kind: 'completed' });
    });

    it('a queue that refuses the call sends the caller to on_failure', async () => {
      const r = await runOnSim(flow, { queueResult: { outcome: 'failed', reason: 'closed' }, script: [{ waitForPrompt: '%(500,0,1000)', afterMs: 4500, hangup: true }] });
      assert.deepEqual(nodesOf(r), ['init', 'agent', 'closed']);
      assert.equal(r.result.outcome.kind, 'voicemail');
      assert.equal(r.messages.messages[0]!.mailbox, 'billing');
      assert.ok(r.messages.messages[0]!.durationMs >= 4000);
    });
  });

  describe('transfer, hangup, voicemail, record_message, callback', () => {
    it('transfer leaves our control with the target', async () => {
      const flow = flowFrom(`
id: xfer
entry: t
nodes:
  t: { kind: transfer, target: "sip:2001@pbx.example.com", announce: "Transferring you." }`);
      const r = await runOnSim(flow);
      assert.deepEqual(r.result.outcome, { kind: 'transferred', target: 'sip:2001@pbx.example.com' });
      assert.equal(r.leg.variables.transfer_target, 'sip:2001@pbx.example.com');
      assert.equal(r.events.events.find((e) => e.type === 'transferred')!.data.target, 'sip:2001@pbx.example.com');
    });

    it('hangup uses its cause', async () => {
      const r = await runOnSim(flowFrom(`
id: hup
entry: h
nodes:
  h: { kind: hangup, cause: CALL_REJECTED }`));
      assert.equal(r.leg.hangupEvent?.cause, 'CALL_REJECTED');
      assert.equal(r.leg.hangupEvent?.side, 'local');
    });

    it('voicemail ends with the finish key, plays the goodbye and stores the message', async () => {
      const flow = flowFrom(`
id: vm
entry: v
nodes:
  v: { kind: voicemail, mailbox: sales, prompt: "Leave a message.", goodbye: "Message saved." }`);
      const r = await runOnSim(flow, { script: [{ waitForPrompt: '%(500,0,1000)', afterMs: 6000, dtmf: '#' }] });
      assert.equal(r.result.outcome.kind, 'voicemail');
      assert.ok(r.heard.includes('Message saved.'));
      const msg = r.messages.messages[0]!;
      assert.match(msg.path, /^voicemail\/sales\/2026-01-05\//);
      // The beep (500 ms) plays before recording starts; the caller pressed # 6 s after the beep began.
      assert.ok(msg.durationMs >= 5500 && msg.durationMs < 6000, String(msg.durationMs));
      assert.equal(msg.callerNumber, '+15551230001');
    });

    it('record_message keeps the path in a variable and continues', async () => {
      const flow = flowFrom(`
id: rec
entry: r
nodes:
  r: { kind: record_message, prompt: "Say your name.", max_duration_ms: 3000, variable: name_recording, next: bye }
${hangupFlow}`);
      const r = await runOnSim(flow);
      assert.match(String(r.result.variables.name_recording), /^messages\/rec\//);
      assert.equal(r.result.path[0]!.outcome, 'recorded 3000 ms (ended by max)');
      assert.deepEqual(nodesOf(r), ['r', 'bye']);
    });

    const cbFlow = flowFrom(`
id: cb
entry: c
nodes:
  c: { kind: callback, queue: billing, on_failure: bye }
${hangupFlow}`);

    it('callback on the calling number', async () => {
      const r = await runOnSim(cbFlow, { script: [{ waitForPrompt: 'press 1', dtmf: '1' }] });
      assert.deepEqual(r.result.outcome, { kind: 'callback', queue: 'billing', number: '+15551230001' });
      assert.equal(r.callbacks.requests[0]!.number, '+15551230001');
      assert.ok(r.heard.some((h) => h.includes('We will call you back')));
    });

    it('callback on another number keyed in', async () => {
      const r = await runOnSim(cbFlow, {
        script: [
          { waitForPrompt: 'press 1', dtmf: '2' },
          { waitForPrompt: 'enter your phone number', dtmf: '4155550123#' },
        ],
      });
      assert.equal(r.callbacks.requests[0]!.number, '4155550123');
      assert.equal(r.result.variables.callback_number, '4155550123');
    });

    it('an anonymous caller pressing 1 is asked for a number', async () => {
      const r = await runOnSim(cbFlow, {
        from: 'anonymous',
        script: [
          { waitForPrompt: 'press 1', dtmf: '1' },
          { waitForPrompt: 'enter your phone number', dtmf: '3125550100#' },
        ],
      });
      assert.equal(r.callbacks.requests[0]!.number, '3125550100');
    });

    it('no choice means no callback', async () => {
      const r = await runOnSim(cbFlow);
      assert.equal(r.callbacks.requests.length, 0);
      assert.deepEqual(nodesOf(r), ['c', 'bye']);
    });
  });

  describe('subflow, return and goto', () => {
    const child = flowFrom(`
id: child
variables: { account: "" }
entry: ask
nodes:
  ask: { kind: collect, prompt: "Account number?", variable: account, next: done, on_failure: done }
  done: { kind: return }`);
    const other = flowFrom(`
id: other
entry: start
nodes:
  start: { kind: play, prompt: "Other flow start.", next: jumped }
  jumped: { kind: hangup, prompt: "Other flow end." }`);

    it('runs the subflow, returns with its variables, then continues; goto enters another flow at a node', async () => {
      const parent = flowFrom(`
id: parent
variables: { account: "" }
entry: sub
nodes:
  sub: { kind: subflow, flow: child, next: thanks }
  thanks: { kind: play, prompt: "Thanks \${account}.", next: away }
  away: { kind: goto, flow: other, node: jumped }`);
      const r = await runOnSim(parent, {
        extraFlows: [
          { flow: child, version: 3 },
          { flow: other, version: 9 },
        ],
        script: [{ waitForPrompt: 'Account number', dtmf: '4242#' }],
      });
      assert.deepEqual(
        r.result.path.map((v) => `${v.flowId}@${v.version}/${v.node}`),
        ['parent@1/sub', 'child@3/ask', 'child@3/done', 'parent@1/thanks', 'parent@1/away', 'other@9/jumped'],
      );
      assert.ok(r.heard.includes('Thanks 4242.'));
      assert.ok(!r.heard.includes('Other flow start.'));
    });

    it('return at top level ends the call normally', async () => {
      const r = await runOnSim(flowFrom(`
id: toplevel
entry: r
nodes:
  r: { kind: return }`));
      assert.deepEqual(r.result.outcome, { kind: 'completed' });
      assert.equal(r.leg.state, 'ended');
    });
  });

  describe('events and guards', () => {
    it('logs every node visit as ivr.node with flow id, version, node, input and outcome', async () => {
      const flow = flowFrom(`
id: events
entry: m
nodes:
  m: { kind: menu, prompt: "Press 3.", options: { "3": bye }, default: bye }
${hangupFlow}`);
      const r = await runOnSim({ flow, version: 4 }, { script: [{ waitForPrompt: 'Press 3', dtmf: '3' }] });
      const nodes = r.events.events.filter((e) => e.type === 'ivr.node');
      assert.deepEqual(
        nodes.map((e) => e.data),
        [
          { flowId: 'events', version: 4, node: 'm', kind: 'menu', outcome: 'option 3', input: '3' },
          { flowId: 'events', version: 4, node: 'bye', kind: 'hangup', outcome: 'hung up (NORMAL_CLEARING)' },
        ],
      );
      assert.ok(nodes.every((e) => e.interactionId === interactionIdForLeg(r.leg)));
      assert.match(nodes[0]!.interactionId, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.equal(r.events.events.at(-1)!.type, 'ivr.ended');
    });

    it('stops a flow that loops forever through a menu with a silent caller after maxSteps', async () => {
      // The validator refuses this flow; the guard protects against any that slip through.
      const flow = FlowSchema.parse(parseYaml(`
id: forever
entry: m
nodes:
  m: { kind: menu, prompt: "Press 1.", options: { "1": m }, tries: 1, timeout_ms: 1000, default: again }
  again: { kind: play, prompt: "Again.", next: m }`));
      assert.throws(() => flowFrom(stringifyYaml(flow)), /a caller who presses nothing goes round "m" → "again" → "m" forever/);
      const r = await runOnSim(flow, { maxSteps: 40 });
      assert.equal(r.result.outcome.kind, 'error');
      assert.match((r.result.outcome as { message: string }).message, /stopped after 40 node visits/);
      assert.equal(r.result.path.length, 40);
      assert.equal(r.leg.state, 'ended');
    });
  });
});

