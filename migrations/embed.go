// Package migrations embeds the PostgreSQL schema migrations so the portal
// binary can apply them itself (`portal migrate up`, db.autoMigrate, demo
// mode) without the SQL files being deployed next to it.
//
// Files follow golang-migrate's naming: NNNNNN_name.up.sql / .down.sql.
// Every up has a down that restores the previous version exactly.
package migrations

import "embed"

// FS holds every *.sql migration file.
//
//go:embed *.sql
var FS embed.FS
