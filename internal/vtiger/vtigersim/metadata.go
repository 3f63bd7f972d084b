package vtigersim

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
)

// The describe results are the `result` objects captured from a real
// Vtiger 8.4.0 (internal/vtiger/testdata/vtiger-samples/describe-*.json), so the simulator
// answers describe exactly like the install our client was verified
// against. Two deliberate additions: Contacts gets the `code` field a
// portal admin creates for registration codes, and PortalNotifications is
// a small custom module authored in the same shape for the notification
// importer.
//
//go:embed metadata/*.json
var metadataFS embed.FS

// numberFields maps a module to its auto-number field and the prefix
// Vtiger's default numbering uses for it (Settings → Module Numbering).
// Modules without an entry have no record number.
var numberFields = map[string][2]string{
	"Accounts":            {"account_no", "ACC"},
	"Assets":              {"asset_no", "AST"},
	"Contacts":            {"contact_no", "CON"},
	"Documents":           {"note_no", "DOC"},
	"Faq":                 {"faq_no", "FAQ"},
	"HelpDesk":            {"ticket_no", "TT"},
	"Invoice":             {"invoice_no", "INV"},
	"Leads":               {"lead_no", "LEA"},
	"PortalNotifications": {"notification_no", "PN"},
	"Products":            {"product_no", "PRO"},
	"Project":             {"project_no", "PROJ"},
	"ProjectMilestone":    {"projectmilestone_no", "PM"},
	"ProjectTask":         {"projecttask_no", "PT"},
	"Quotes":              {"quote_no", "QUO"},
	"SalesOrder":          {"salesorder_no", "SO"},
	"ServiceContracts":    {"contract_no", "SERCON"},
	"Services":            {"service_no", "SER"},
}

// builtinModules returns the metadata of every module the simulator knows,
// sorted by name (embed.FS lists files sorted). Name and Prefix come from the describe document itself
// (`name`, `idPrefix`) so they cannot drift from what describe answers.
// The files are embedded at build time, so a malformed one is a
// programming error caught by the package tests; it panics rather than
// letting a simulator start with a module silently missing.
func builtinModules() []ModuleMeta {
	entries, err := metadataFS.ReadDir("metadata")
	if err != nil {
		panic(fmt.Sprintf("vtigersim: read embedded metadata: %v", err))
	}
	mods := make([]ModuleMeta, 0, len(entries))
	for _, e := range entries {
		raw, err := metadataFS.ReadFile("metadata/" + e.Name())
		if err != nil {
			panic(fmt.Sprintf("vtigersim: read %s: %v", e.Name(), err))
		}
		raw = bytes.TrimSpace(raw)
		var head struct {
			Name     string `json:"name"`
			IDPrefix string `json:"idPrefix"`
		}
		if err := json.Unmarshal(raw, &head); err != nil {
			panic(fmt.Sprintf("vtigersim: parse %s: %v", e.Name(), err))
		}
		if head.Name == "" || head.IDPrefix == "" || head.Name+".json" != e.Name() {
			panic(fmt.Sprintf("vtigersim: %s: name %q / idPrefix %q do not match the file", e.Name(), head.Name, head.IDPrefix))
		}
		nf := numberFields[head.Name]
		mods = append(mods, ModuleMeta{
			Name:         head.Name,
			Prefix:       head.IDPrefix,
			Describe:     raw,
			NumberField:  nf[0],
			NumberPrefix: nf[1],
		})
	}
	return mods
}
