// Better Auth's browser client: its calls go to this app's /api/auth and set the cookies there.
import { createAuthClient } from 'better-auth/client'

export const authClient = createAuthClient()
