/** The FreeSWITCH media engine: what main.ts and the API need from this folder. */
export { FreeSwitchEngine, INBOUND_EVENTS } from './FreeSwitchEngine.js';
export type { FreeSwitchEngineOptions, FreeSwitchNodeOptions } from './FreeSwitchEngineTypes.js';
export { FsCallLeg } from './FsCallLeg.js';
export { freeSwitchEngineOptions, freeSwitchEnvShape, loadFreeSwitchEnv, type FreeSwitchEnv } from './config.js';
export {
  agentDirectoryLookup,
  clearAgentSipCredentials,
  createDirectoryRouter,
  setAgentSipCredentials,
  sipA1Hash,
  type DirectoryLookup,
  type SipAccount,
} from './directory.js';
export { UnsafeValueError } from './escape.js';
