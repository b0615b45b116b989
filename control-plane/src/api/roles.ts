/** The five roles an API key can have, from most to least powerful. */
export const ROLES = ['admin', 'supervisor', 'campaign-manager', 'agent', 'read-only'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: set on `req.auth` by the authenticate middleware. */
export interface Principal {
  /** `bootstrap` for the key from SWITCHBOARD_ADMIN_KEY. */
  keyId: string;
  keyName: string;
  role: Role;
  /** For role `agent`: the agent this key acts for (own state and interactions only). */
  agentId: string | null;
}

declare module 'express-serve-static-core' {
  interface Request {
    auth?: Principal;
  }
}

/** Role groups used by route specs. */
export const ANY_ROLE: readonly Role[] = ROLES;
export const MANAGERS: readonly Role[] = ['admin', 'supervisor'];
export const READERS: readonly Role[] = ['admin', 'supervisor', 'campaign-manager', 'read-only'];
