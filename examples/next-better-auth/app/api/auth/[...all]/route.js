// Better Auth's endpoints (sign-up, sign-in, sign-out, get-session, ...) under /api/auth.
import { toNextJsHandler } from 'better-auth/next-js'
import { auth } from '../../../../lib/auth.js'

export const { GET, POST } = toNextJsHandler(auth)
