export const metadata = { title: 'authbridge: Next.js + Better Auth + NestJS' }

export default function RootLayout({ children }) {
  return (
    <html lang="en">
      <body style={{ fontFamily: 'system-ui, sans-serif', margin: '2rem', maxWidth: '60rem' }}>{children}</body>
    </html>
  )
}
