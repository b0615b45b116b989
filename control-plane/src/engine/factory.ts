/** Builds the media engine the configuration names. */
import type { EngineConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { MediaEngine } from './port.js';
import { SimEngine } from './sim/SimEngine.js';
import { FreeSwitchEngine, freeSwitchEngineOptions, type FreeSwitchEnv } from './freeswitch/index.js';

export function createEngine(
  config: EngineConfig,
  deps: { logger: Logger; freeswitch: FreeSwitchEnv; simWritesRecordings?: boolean; /** false for a high-availability instance: it takes calls once active. */ takeCallsOnStart?: boolean; onEslEvent?: (nodeId: string, event: string) => void },
): MediaEngine {
  switch (config.kind) {
    case 'sim':
      return new SimEngine({ seed: config.seed, startTime: Date.now(), writeRecordingFiles: deps.simWritesRecordings ?? false });
    case 'freeswitch':
      return new FreeSwitchEngine({ ...freeSwitchEngineOptions(config, deps.freeswitch, { logger: deps.logger }), takeCallsOnStart: deps.takeCallsOnStart ?? true, ...(deps.onEslEvent ? { onEslEvent: deps.onEslEvent } : {}) });
  }
}
