/**
 * Dialer events as WebSocket messages: `{ type: 'dialer.<event>', data }`. The API's
 * WebSocket server subscribes once and fans them out (the lead wires this).
 */
import type { DialerService } from './DialerService.js';
import type { DialerEventMap } from './DialerTypes.js';

export type DialerLiveMessage = { [K in keyof DialerEventMap]: { type: `dialer.${K}`; data: DialerEventMap[K][0] } }[keyof DialerEventMap];

/** Calls `send` for every dialer event; returns the unsubscribe function. */
export function subscribeDialerEvents(service: DialerService, send: (message: DialerLiveMessage) => void): () => void {
  const stats = (data: DialerEventMap['campaign.stats'][0]): void => send({ type: 'dialer.campaign.stats', data });
  const state = (data: DialerEventMap['campaign.state'][0]): void => send({ type: 'dialer.campaign.state', data });
  const started = (data: DialerEventMap['attempt.started'][0]): void => send({ type: 'dialer.attempt.started', data });
  const ended = (data: DialerEventMap['attempt.ended'][0]): void => send({ type: 'dialer.attempt.ended', data });
  const abandoned = (data: DialerEventMap['abandoned'][0]): void => send({ type: 'dialer.abandoned', data });
  service.on('campaign.stats', stats).on('campaign.state', state).on('attempt.started', started).on('attempt.ended', ended).on('abandoned', abandoned);
  return () => {
    service.off('campaign.stats', stats).off('campaign.state', state).off('attempt.started', started).off('attempt.ended', ended).off('abandoned', abandoned);
  };
}
