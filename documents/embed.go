// Package documents embeds the generated OpenAPI spec (swagger.json and
// swagger.yaml, written by `make swagger`) so the binary serves it at
// /swagger/ without reading files at run time, and tests can compare it
// with the router. insomnia.json beside them is the importable collection
// generated from the same spec by cmd/portal-apidocs.
package documents

import "embed"

// FS holds swagger.json and swagger.yaml.
//
//go:embed swagger.json swagger.yaml
var FS embed.FS
