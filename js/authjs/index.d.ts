import type { RevocationList } from '../../index'

/** The parameters Auth.js gives its `jwt` callback (the members this helper reads). */
export interface JwtCallbackParams {
  token: Record<string, unknown>
  user?: unknown
  [key: string]: unknown
}

/**
 * A `jwt` callback for Auth.js v5: stamps `auth_time` at sign-in, runs `jwt` (yours) if
 * given, and returns null (Auth.js ends the session) when `list` refuses the token as a
 * session (`list.refusal(token, { kind: 'authjs' })`).
 */
export function revocationJwtCallback<P extends JwtCallbackParams>(
  list: RevocationList,
  jwt?: (params: P) => Record<string, unknown> | null | Promise<Record<string, unknown> | null>,
): (params: P) => Promise<Record<string, unknown> | null>
