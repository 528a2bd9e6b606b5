import path from 'node:path'
import { fileURLToPath } from 'node:url'

// The repository root: the Next.js app uses the root's node_modules (npm install is the only set-up).
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

/** @type {import('next').NextConfig} */
export default {
  outputFileTracingRoot: root,
  turbopack: { root },
  // The browser test opens the app under other host names (subdomains) in development too.
  allowedDevOrigins: ['*.localhost', '*.example.test'],
}
