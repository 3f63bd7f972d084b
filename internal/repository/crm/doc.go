// Package crm holds the Vtiger-backed repositories of the portal: the module
// engine's definitions, describe-driven typing of records, scoped query
// building, comments, documents, files, company, managers and currencies.
//
// Every read and write takes the customer's scope: lists and counts carry it
// inside the VTQL WHERE, single records are re-checked in Go after retrieve,
// and a record outside the scope is reported exactly like a missing one.
// Vtiger errors are mapped to domain errors in one place (mapErr) so no VTQL
// or CRM message ever reaches a client.
package crm
