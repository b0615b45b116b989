/** Building ESL frames for scripted steps the recordings do not contain. */
export function eventFrame(headers: Record<string, string>, body = ''): Buffer {
  let text = Object.entries(headers).map(([k, v]) => `${k}: ${encodeURIComponent(v)}`).join('\n') + '\n';
  if (body) text += `Content-Length: ${Buffer.byteLength(body)}\n\n${body}`;
  else text += '\n';
  return Buffer.from(`Content-Length: ${Buffer.byteLength(text)}\nContent-Type: text/event-plain\n\n${text}`);
}

export function okReply(text = '+OK'): Buffer {
  return Buffer.from(`Content-Type: command/reply\nReply-Text: ${text}\n\n`);
}

export function apiFrame(body: string): Buffer {
  return Buffer.from(`Content-Type: api/response\nContent-Length: ${Buffer.byteLength(body)}\n\n${body}`);
}

export function executeComplete(uuid: string, app: string, eventUuid: string, extra: Record<string, string> = {}): Buffer {
  return eventFrame({ 'Event-Name': 'CHANNEL_EXECUTE_COMPLETE', 'Unique-ID': uuid, Application: app, 'Application-Response': '_none_', ...extra, 'Application-UUID': eventUuid });
}

export function executeStarted(uuid: string, app: string, eventUuid: string): Buffer {
  return eventFrame({ 'Event-Name': 'CHANNEL_EXECUTE', 'Unique-ID': uuid, Application: app, 'Application-UUID': eventUuid });
}

/** A recorded-style sendmsg for a scripted step (Event-UUID `cap-N`, 5 characters like ours). */
export function sendmsg(app: string, n: number): string {
  return `sendmsg\ncall-command: execute\nexecute-app-name: ${app}\nEvent-UUID: cap-${n}\n\n`;
}
