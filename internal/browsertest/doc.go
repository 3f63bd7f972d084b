// Package browsertest checks the serving contract of the portal from a real
// browser (headless Debian chromium driven over the DevTools protocol):
// the portal serving a single-page app from http.staticDir on its own
// origin, the SPA fallback for deep links, the two-factor login through the
// HttpOnly OTP cookie, and CORS preflights from a trusted and an untrusted
// origin. The stock frontend is not ours to vendor, so a small fixture SPA
// in testdata/spa stands in for it. The package holds only tests.
package browsertest
