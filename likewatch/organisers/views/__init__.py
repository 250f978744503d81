"""The organisers' interface under /manage/ and the account pages under /accounts/."""
