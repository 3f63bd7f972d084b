// Package multitest runs the portal as several instances behind an
// imaginary balancer: three app.Main on port 0 sharing one PostgreSQL
// database, one Vtiger simulator and (unless a case says otherwise) one
// Redis. Its tests are the evidence for what the README promises about
// running several instances.
package multitest
