/** Builds the media engine the configuration names. */
import type { EngineConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { MediaEngine } from './port.js';
import { SimEngine } from './sim/SimEngine.js';

export async function createEngine(config: EngineConfig, _logger: Logger): Promise<MediaEngine> {
  switch (config.kind) {
    case 'sim':
      return new SimEngine({ seed: config.seed, startTime: Date.now() });
    case 'freeswitch':
      throw new Error('the FreeSWITCH engine is not available in this build');
  }
}
