import { realpathSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

// The repository root: the Next.js app uses the root's node_modules (npm install is the only
// set-up). When that node_modules is a symlink to another place (a git worktree sharing one
// install), the root is the directory holding both: Turbopack compiles nothing outside it.
const repo = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const modules = realpathSync(path.join(repo, 'node_modules'))
let root = repo
while (path.relative(root, modules).startsWith('..')) root = path.dirname(root)

/** @type {import('next').NextConfig} */
export default {
  outputFileTracingRoot: root,
  turbopack: { root },
  // The browser test opens the app under other host names (subdomains) in development too.
  allowedDevOrigins: ['*.localhost', '*.example.test'],
}
