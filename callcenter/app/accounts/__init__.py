"""Staff accounts: users, passwords, sessions and tokens, sign-in throttling, the authenticator."""
