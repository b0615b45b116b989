import { parseCampaignConfig, type CampaignConfig, type CampaignConfigInput } from '../../src/dialer/campaign.js';

export function campaignConfig(overrides: Partial<CampaignConfigInput> = {}): CampaignConfig {
  return parseCampaignConfig({
    name: 'Winter renewals',
    mode: 'progressive',
    target: { kind: 'agents', agentIds: ['a1'] },
    callerId: { number: '+12125550100' },
    callingWindow: { start: '09:00', end: '21:00', days: ['mon', 'tue', 'wed', 'thu', 'fri'] },
    ...overrides,
  });
}
