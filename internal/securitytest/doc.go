// Package securitytest holds the portal's adversarial end-to-end tests: the
// whole application runs in demo mode (simulated Vtiger, real PostgreSQL)
// and the tests attack every route of documents/swagger.json as an
// anonymous caller, an OTP-pending session and a customer of another
// company. It has no production code.
package securitytest
