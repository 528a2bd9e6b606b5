'use client'
// E-mail and password: sign up (which signs in too) or sign in, through better-auth's client.
import { useState } from 'react'
import { authClient } from '../lib/auth-client.js'

export default function SignIn() {
  const [error, setError] = useState('')
  async function onSubmit(event) {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    const email = String(form.get('email'))
    const password = String(form.get('password'))
    const { error } =
      event.nativeEvent.submitter?.value === 'sign-up'
        ? await authClient.signUp.email({ email, password, name: String(form.get('name') || email.split('@')[0]) })
        : await authClient.signIn.email({ email, password })
    if (error) return setError(error.message || error.statusText || 'failed')
    // The cookies are set: render the page again on the server, signed in.
    window.location.reload()
  }
  return (
    <form onSubmit={onSubmit}>
      <p>
        <label>
          Name <input name="name" autoComplete="name" />
        </label>{' '}
        (sign-up only)
      </p>
      <p>
        <label>
          E-mail <input name="email" type="email" required autoComplete="email" />
        </label>
      </p>
      <p>
        <label>
          Password <input name="password" type="password" required minLength={8} autoComplete="current-password" />
        </label>
      </p>
      <button type="submit" value="sign-in">
        Sign in
      </button>{' '}
      <button type="submit" value="sign-up">
        Sign up
      </button>
      <p data-testid="sign-in-error">{error}</p>
    </form>
  )
}
