import { Scope } from './api-key';

/** Who is calling, as the access guard established it. */
export interface Principal {
  /** What stored events record as `recordedBy`: the key id, `oidc:<sub>`, `bootstrap`, or `anonymous` with auth disabled. */
  id: string;
  scopes: ReadonlySet<Scope>;
  /** Source systems this principal may write events for; `any` for the bootstrap key and with auth disabled. */
  systems: readonly string[] | 'any';
}

/** The request property the guard sets. */
export const PRINCIPAL = Symbol('rapport.principal');

export type RequestWithPrincipal = { [PRINCIPAL]?: Principal };
